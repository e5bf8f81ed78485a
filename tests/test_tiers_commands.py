"""Tiered prices through the commands: --set on tier paths, the bundled scenario, sensitivity per
tier (with the order held where binaries enforce it) and the report with tiers, and the clear
refusal (exit 2) of a sweep over a tiered price."""

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


DISCOUNT = "channels[paid_search].cost_per_lead[2].cost=30"  # a volume discount: the order needs binaries


def test_sensitivity_of_a_tiered_scenario_ranges_each_tier():
    result = run("sensitivity", TIERED, "--format", "json")
    assert result.returncode == 0, result.stderr
    search = [c for c in json.loads(result.stdout)["channels"] if c["name"] == "paid_search"]
    assert [(c["tier"], c["price"], c["up_to"]) for c in search] == [(0, 35, 2000), (1, 55, 5000), (2, 90, None)]
    text = run("sensitivity", TIERED).stdout
    assert "paid_search tier 1 ($55.00 to 5,000): in the plan at $55.00 per lead" in text


def test_sensitivity_of_a_tiered_price_whose_order_needs_binaries_holds_the_order():
    result = run("sensitivity", TIERED, "--set", DISCOUNT, "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["analysed_as"], out["tier_order"], out["ordered_by_binaries"]) == (
        "integers_fixed", "held", ["channels[paid_search].cost_per_lead"])
    search = [c for c in out["channels"] if c["name"] == "paid_search"]
    assert [c["tier"] for c in search] == [0, 1, 2] and "tier_order" not in {c["price_to_reason"] for c in search}
    text = " ".join(run("sensitivity", TIERED, "--set", DISCOUNT).stdout.split())
    assert "The tier order of channels[paid_search].cost_per_lead is held as the plan fills it" in text
    assert "Whole-unit channels" not in text  # no whole-unit channel: only the order is held
    relaxed = run("sensitivity", TIERED, "--set", DISCOUNT, "--relax")
    assert relaxed.returncode == 0, relaxed.stderr
    assert "the relaxation may fill its tiers out of order" in " ".join(relaxed.stdout.split())


def test_a_report_with_sensitivity_of_a_tiered_price_ordered_by_binaries_says_the_order_is_held(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    result = run("report", TIERED, "--set", DISCOUNT, "--output", str(path))
    assert result.returncode == 0, result.stderr
    cells = [str(cell.value) for row in load_workbook(path)["Limits"].iter_rows() for cell in row if cell.value]
    assert any("The tier order of channels[paid_search].cost_per_lead is held" in c for c in cells)
    assert run("report", TIERED, "--output", str(tmp_path / "plan.md"), "--no-sensitivity").returncode == 0


def test_a_sweep_of_a_whole_tiered_price_is_refused_by_name():
    with pytest.raises(ScenarioError) as info:
        run_sweep(scenario(), {"channels[email].cost_per_lead": [40, 50]})
    assert str(info.value) == (
        "--vary channels[email].cost_per_lead: channels[email].cost_per_lead is a tiered price, which a sweep varies "
        "tier by tier; allowed: a tier's number, such as channels[email].cost_per_lead[0].cost or "
        "channels[email].cost_per_lead[0].up_to, or --set channels[email].cost_per_lead=NUMBER for a flat price")


@pytest.mark.parametrize(("path", "expected"), [
    ("channels[email].cost_per_lead[3]", "--vary channels[email].cost_per_lead[3]: channels[email].cost_per_lead "
                                         "has 3 tiers, numbered from 0; allowed: channels[email].cost_per_lead[0] to "
                                         "channels[email].cost_per_lead[2]"),
    ("channels[search].cost_per_lead[0]", "--vary channels[search].cost_per_lead[0]: channels[search].cost_per_lead "
                                          "is not tiered, so it has no tier 0; allowed: channels[search].cost_per_lead "
                                          "(its flat price)"),
    ("channels[search].unit_cost[0]", "--vary channels[search].unit_cost[0]: names no tier of a tiered price; "
                                      "allowed: a tier's number, such as channels[search].unit_cost[0].cost or "
                                      "channels[search].unit_cost[0].up_to, on a channel priced by tiers"),
])
def test_a_sweep_of_a_tier_that_does_not_exist_is_refused_by_name(path, expected):
    with pytest.raises(ScenarioError) as info:
        run_sweep(scenario(), {path: [40, 50]})
    assert str(info.value) == expected


def test_a_sweep_of_a_tiers_cost_is_the_lp_at_each_point():
    # 6,000 leads: email's tiers 2,000 at 35, 3,000 at COST, then 90; search at 60. The second tier
    # at 30 is a volume discount (order binaries, bounded by email's max_units)
    s = apply_changes(scenario(), {"channels[email].max_units": 10_000})
    result = run_sweep(s, {"channels[email].cost_per_lead[1]": [30, 50, 70]})
    assert result.parameters == ("channels[email].cost_per_lead[1].cost",)
    expected = []
    for cost in (30, 50, 70):
        # in order, whatever the costs: 2,000 at 35 first; then the cheaper of the tier and search
        second = 3000 * cost if cost < 60 else 0
        expected.append(2000 * 35 + second + (4000 - (3000 if cost < 60 else 0)) * 60)
    assert [float(v) for v in result.total_spend] == pytest.approx(expected)
    assert result.status[-1] == "optimal"


def test_a_sweep_of_a_tier_end_marks_a_bad_end_invalid():
    result = run_sweep(scenario(), {"channels[email].cost_per_lead[1].up_to": [1000, 3000]})
    assert result.status == ("invalid", "optimal")
    assert result.messages[0].startswith("channels[email].cost_per_lead[1].up_to: 1000 is not above the tier "
                                         "before's up_to 2000")
    assert float(result.total_spend[1]) == pytest.approx(2000 * 35 + 1000 * 55 + 3000 * 60)


def test_a_sweep_of_a_tiered_channels_spend_limit_is_exact():
    s = Scenario(objective="max_leads", budget=10**6,
                 channels=[{"name": "email", "cost_per_lead": EMAIL, "max_spend": 100_000}])
    result = run_sweep(s, {"channels[email].max_spend": [35_000, 100_000]})
    # 35,000 buys 1,000 leads of the first tier; 100,000 buys 2,000 at 35 and 30,000 / 55 at 55
    assert [float(v) for v in result.objective_value] == pytest.approx([1000, 2000 + 30_000 / 55])


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


def test_a_sweep_of_the_budget_bounding_an_ordered_open_tier_is_exact():
    # a volume discount: binaries, and the open last tier's bound comes from the budget at each point
    s = Scenario(objective="max_leads", budget=40_000,
                 channels=[{"name": "email", "cost_per_lead": [{"up_to": 1000, "cost": 50}, {"cost": 20}]},
                           {"name": "search", "cost_per_lead": 30}])
    result = run_sweep(s, {"budget": [40_000, 100_000, 200_000]})
    # by hand (test_tiers.py): 40,000 buys 1,333.3 search leads; 100,000 buys 1,000 at 50 and 2,500 at 20;
    # 200,000: 1,000 at 50 and 7,500 at 20
    assert [float(v) for v in result.objective_value] == pytest.approx([40_000 / 30, 3500, 8500])


def test_the_library_analyses_a_tiered_price_ordered_by_binaries_with_the_order_held():
    from optimizer import load_scenario, optimize, sensitivity

    plan = optimize(load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "b2b-tiered-search.yaml",
                                  changes_from_options([DISCOUNT])))
    result = sensitivity(plan)
    assert result.tier_order == "held" and result.objective_value == pytest.approx(plan.objective_value)


def test_the_report_shows_tiers_under_their_channel_and_prices_the_limits(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "plan.xlsx"
    result = run("report", TIERED, "--output", str(path))
    assert result.returncode == 0, result.stderr
    book = load_workbook(path)
    rows = [[cell.value for cell in row] for row in book["Plan"].iter_rows()]
    first = next(i for i, row in enumerate(rows) if row[0] == "paid_search")
    search = rows[first]
    tiers = rows[first + 1:first + 4]
    assert [row[0] for row in tiers] == ["  tier 0 ($35.00, to 2,000)", "  tier 1 ($55.00, to 5,000)",
                                         "  tier 2 ($90.00, open)"]
    # by hand along the schedule: 2,000 leads at $35, the rest of the channel's leads at $55
    assert [row[3] for row in tiers] == pytest.approx([2000, search[3] - 2000, 0])
    assert [row[1] for row in tiers] == pytest.approx([70_000, (search[3] - 2000) * 55, 0])
    assert sum(row[1] for row in tiers) == pytest.approx(search[1])
    limits = [[cell.value for cell in row] for row in book["Limits"].iter_rows()]
    names = [row[0] for row in limits]
    assert "targets.revenue" in names and not any(str(n).endswith("].up_to") and "[0]" in str(n) for n in names)
    header = limits[next(i for i, row in enumerate(limits) if row[0] == "limit")]
    revenue = limits[names.index("targets.revenue")]
    assert revenue[header.index("valid from")] is not None  # ranges come from the sensitivity analysis
