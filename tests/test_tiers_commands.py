"""Tiered prices through the commands: --set on tier paths, the bundled scenario, and the clear
refusals of sensitivity and of a sweep over a tiered price (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import Scenario, load_scenario, optimize
from optimizer.analysis.sweeps import run_sweep
from optimizer.errors import ScenarioError
from optimizer.scenario.paths import apply_changes, changes_from_options

ROOT = Path(__file__).resolve().parents[1]
TIERED = str(ROOT / "scenarios" / "b2b-tiered-search.yaml")
EMAIL = [{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=ROOT)


def scenario() -> Scenario:
    return Scenario(channels=[{"name": "email", "cost_per_lead": EMAIL}, {"name": "search", "cost_per_lead": 60}],
                    targets={"leads": 6000})


@pytest.mark.parametrize(("option", "expected"), [
    ("channels[email].cost_per_lead[1].cost=40", (35, 40, 90)),
    ("channels[email].cost_per_lead[1]=41", (35, 41, 90)),
    ("channels[email].cost_per_lead[2].cost=95", (35, 55, 95)),
])
def test_set_changes_one_tier(option, expected):
    changed = apply_changes(scenario(), changes_from_options([option]))
    assert tuple(t.cost for t in changed.channels[0].cost_per_lead) == expected


def test_set_moves_a_tier_end_and_replaces_a_schedule():
    moved = apply_changes(scenario(), changes_from_options(["channels[email].cost_per_lead[1].up_to=3000"]))
    assert [t.up_to for t in moved.channels[0].cost_per_lead] == [2000, 3000, None]
    flat = apply_changes(scenario(), changes_from_options(["channels[email].cost_per_lead=40"]))
    assert flat.channels[0].cost_per_lead == 40 and not flat.channels[0].tiered


@pytest.mark.parametrize(("option", "expected"), [
    ("channels[email].cost_per_lead[3]=1", "channels[email].cost_per_lead[3]: channels[email].cost_per_lead has 3 "
                                           "tiers, numbered from 0; allowed: channels[email].cost_per_lead[0] to "
                                           "channels[email].cost_per_lead[2]"),
    ("channels[search].cost_per_lead[0]=1", "channels[search].cost_per_lead[0]: channels[search].cost_per_lead is "
                                            "not tiered, so it has no tier 0; allowed: "
                                            "channels[search].cost_per_lead=NUMBER, or a tier list: "
                                            "channels[search].cost_per_lead='[{up_to: 2000, cost: 35}, {cost: 55}]'"),
    ("channels[email].cost_per_lead[1].up_to=1000", "channels[email].cost_per_lead[1].up_to: 1000 is not above the "
                                                    "tier before's up_to 2000; allowed: up_to strictly rising "
                                                    "(cumulative units), such as [{up_to: 2000, cost: 35}, {up_to: "
                                                    "5000, cost: 55}, {cost: 90}]"),
    ("channels[email].cost_per_lead[1].price=1", "channels[email].cost_per_lead[1].price: does not name a tier's "
                                                 "number; allowed: channels[email].cost_per_lead[0].cost or "
                                                 "channels[email].cost_per_lead[0].up_to"),
])
def test_bad_tier_paths_are_input_errors(option, expected):
    with pytest.raises(ScenarioError) as info:
        apply_changes(scenario(), changes_from_options([option]))
    assert str(info.value) == expected


def test_the_bundled_tiered_scenario_plans_in_order():
    plan = optimize(load_scenario(TIERED))
    search = next(c for c in plan.channels if c.name == "paid_search")
    assert plan.status == "optimal" and search.tiers[0].units == pytest.approx(2000)
    assert search.spend == pytest.approx(sum(t.units * t.cost for t in search.tiers))


def test_optimize_takes_a_tier_path_on_the_command_line():
    result = run("optimize", TIERED, "--set", "channels[paid_search].cost_per_lead[0].up_to=3000", "--format", "json")
    assert result.returncode == 0, result.stderr
    search = json.loads(result.stdout)["channels"][0]
    assert [t["up_to"] for t in search["tiers"]] == [3000, 5000, None]
    assert search["spend"] == pytest.approx(sum(t["units"] * t["cost"] for t in search["tiers"]))


def test_sensitivity_of_a_tiered_scenario_is_refused_by_name():
    result = run("sensitivity", TIERED, "--format", "json")
    assert result.returncode == 2
    error = json.loads(result.stdout)["errors"][0]
    assert error["path"] == "channels[paid_search].cost_per_lead"
    assert error["message"] == ("is a tiered price, and sensitivity analyses flat prices only; allowed: a flat price "
                                "(--set PATH=NUMBER), or optimize, validate and sweep, which read tiered prices")
    assert run("sensitivity", TIERED, "--set", "channels[paid_search].cost_per_lead=40").returncode == 0


def test_a_report_with_sensitivity_of_a_tiered_scenario_names_the_way_out(tmp_path):
    result = run("report", TIERED, "--output", str(tmp_path / "plan.md"))
    assert result.returncode == 2
    assert "report --no-sensitivity" in result.stderr
    assert run("report", TIERED, "--output", str(tmp_path / "plan.md"), "--no-sensitivity").returncode == 0


@pytest.mark.parametrize("path", ["channels[email].cost_per_lead[1].cost", "channels[email].cost_per_lead"])
def test_a_sweep_of_a_tiered_price_is_refused_by_name(path):
    with pytest.raises(ScenarioError) as info:
        run_sweep(scenario(), {path: [40, 50]})
    assert str(info.value) == (
        f"--vary {path}: {path} is a tiered price or one of its tiers, which a sweep does not vary; allowed: --set "
        "PATH=VALUE for one run (a tier: PRICE[K].cost or PRICE[K].up_to), or a sweep of another number (the "
        "budget, a target, a bound, a flat price)")


def test_a_sweep_of_another_number_fills_the_tiers_in_order():
    # most leads for a budget, email's units capped: the LP may buy any tier; each point is in order
    s = Scenario(objective="max_leads", budget=10**6, channels=[{"name": "email", "cost_per_lead": EMAIL,
                                                                 "max_units": 3000}])
    result = run_sweep(s, {"channels[email].max_units": [1000, 3000, 6000]})
    assert [float(v) for v in result.spend[:, 0]] == pytest.approx([35_000, 70_000 + 55_000, 235_000 + 90_000])


def test_check_buys_a_tiered_channel_along_its_schedule():
    from optimizer import check

    result = check(scenario(), {"email": {"spend": 100_000}, "search": {"units": 10}})
    email = next(c for c in result.channels if c.name == "email")
    # 2,000 leads at 35 (70,000), then 30,000 / 55 at the second tier
    assert email.units == pytest.approx(2000 + 30_000 / 55) and email.spend == pytest.approx(100_000)
    units = check(scenario(), {"email": {"units": 6000}, "search": {"units": 0}})
    assert next(c for c in units.channels if c.name == "email").spend == pytest.approx(70_000 + 165_000 + 90_000)
    assert not units.violations


def test_a_sweep_of_a_tiered_channels_spend_limit_is_refused_by_name():
    with pytest.raises(ScenarioError) as info:
        run_sweep(scenario(), {"channels[email].max_spend": [1000, 2000]})
    assert str(info.value).startswith(
        "--vary channels[email].max_spend: channels[email].max_spend is a tiered channel's spend limit (a bound on "
        "its units through the schedule), which a sweep does not vary; allowed: --set PATH=VALUE for one run")


def test_a_sweep_of_the_bound_of_an_ordered_open_tier_is_refused_by_name():
    # a volume discount: binaries, and the open last tier's bound comes from the budget
    s = Scenario(objective="max_leads", budget=40_000,
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 50}, {"cost": 20}]},
                           {"name": "search", "cost_per_lead": 30}])
    with pytest.raises(ScenarioError) as info:
        run_sweep(s, {"budget": [40_000, 80_000]})
    assert str(info.value) == (
        "--vary budget: budget bounds the units of channels[email]'s open last tier in its mixed-integer tier order "
        "(volume discount), so a sweep does not move it; allowed: --set budget=VALUE for one run, or a max_units on "
        "channels[email] (or an up_to on its last tier)")
    bounded = apply_changes(s, {"channels[email].max_units": 10_000})
    result = run_sweep(bounded, {"budget": [40_000, 100_000]})
    # by hand (test_tiers.py): 40,000 buys 1,333.3 search leads; 100,000 buys 1,000 at 50 and 2,500 at 20
    assert [float(v) for v in result.objective_value] == pytest.approx([40_000 / 30, 3500])
