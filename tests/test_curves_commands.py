"""Response curves through the commands: optimize, validate, check, sensitivity, sweep, report and a
channel sheet; numbers derived by hand from the curves' points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import Scenario, load_scenario, optimize
from optimizer.analysis.sweeps import run_sweep
from optimizer.scenario.paths import apply_changes

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = str(ROOT / "scenarios" / "saturating-search.yaml")
SEARCH = "{stage: leads, points: [[0, 0], [20000, 900], [50000, 1700], [100000, 2400]]}"
VIDEO = "{stage: leads, points: [[0, 0], [30000, 200], [60000, 1500], [90000, 1800]]}"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "150", "NO_COLOR": "1", "TERM": "dumb"}  # as tests/test_readme.py
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=env)


def write(folder: Path, text: str, name: str = "plan.yaml") -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


def test_the_bundled_curves_plan_is_the_one_derived_by_hand():
    done = run("optimize", BUNDLED, "--format", "json")
    plan = json.loads(done.stdout)
    assert done.returncode == 0 and plan["status"] == "optimal"
    # 80 deals: video's S in full (1,500 leads at 0.025 deals, $60,000), the other 42.5 deals from
    # search at 0.03 a lead: 900 leads for $20,000 and 516.67 at 30,000 / 800 = $37.50
    assert plan["objective_value"] == pytest.approx(60_000 + 20_000 + (42.5 / 0.03 - 900) * 37.5)
    video = next(c for c in plan["channels"] if c["name"] == "online_video")
    assert [t["units"] for t in video["tiers"]] == pytest.approx([200, 1300, 0])
    assert [t["up_to"] for t in video["tiers"]] == [200, 1500, 1800]
    assert video["spend"] == pytest.approx(60_000)
    assert plan["warnings"] == ["response curve on channels[paid_search]: concave, an LP",
                                "mixed-integer: non-concave response curve on channels[online_video]"]
    caps = {c["name"]: c for c in plan["constraints"] if c["name"].endswith(".response_curve")}
    assert caps["channels[online_video].response_curve"]["kind"] == "channel_bound"
    assert caps["channels[online_video].response_curve"]["limit"] == 1800
    cbc = json.loads(run("optimize", BUNDLED, "--format", "json", "--solver", "cbc").stdout)
    assert cbc["objective_value"] == pytest.approx(plan["objective_value"], rel=1e-7)


def test_the_csv_gives_a_curves_segments_as_tier_rows():
    done = run("optimize", BUNDLED, "--format", "csv")
    rows = [line.split(",") for line in done.stdout.splitlines()]
    assert rows[0][:4] == ["channel", "tier", "units", "spend"]
    video = [r for r in rows if r[0] == "online_video"]
    assert [r[1] for r in video] == ["", "0", "1", "2"]
    assert [float(r[3]) for r in video] == pytest.approx([60_000, 30_000, 30_000, 0])


def test_validate_shows_the_curve_and_buys_at_its_first_segment():
    done = run("validate", BUNDLED)
    assert done.returncode == 0
    assert "│ online_video │ curve: $30,000 for 200 leads, $60,000 for 1,500," in done.stdout
    info = json.loads(run("validate", BUNDLED, "--format", "json").stdout)
    video = next(c for c in info["channels"] if c["name"] == "online_video")
    assert video["response_curve"] == {"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500],
                                                                     [90000, 1800]]}
    assert video["per_1000"]["leads"] == pytest.approx(1000 / 150)  # the first segment: $150 a lead
    assert "mixed-integer: non-concave response curve on channels[online_video]" in info["warnings"]


def test_check_buys_a_proposals_spend_along_the_curve(tmp_path):
    proposal = write(tmp_path, "channel,spend\npaid_search,35000\nonline_video,45000\n", "proposal.csv")
    done = run("check", BUNDLED, proposal, "--format", "json")
    result = json.loads(done.stdout)
    units = {c["name"]: c["units"] for c in result["channels"]}
    # search: 900 for the first $20,000, then $15,000 at $37.50; video: 200, then $15,000 at 30,000 / 1,300
    assert units["paid_search"] == pytest.approx(900 + 15_000 / 37.5)
    assert units["online_video"] == pytest.approx(200 + 15_000 * 1300 / 30_000)


def test_a_proposal_past_the_curves_end_breaks_its_cap(tmp_path):
    scenario = write(tmp_path, f"targets: {{leads: 100}}\nchannels:\n  - name: search\n    response_curve: {SEARCH}\n")
    proposal = write(tmp_path, "channel,spend\nsearch,110000\n", "proposal.csv")
    done = run("check", scenario, proposal)
    assert done.returncode == 3
    # past the last point the last segment's price goes on: 10,000 more at 50,000 / 700
    assert (f"channels[search].response_curve: {2400 + 10_000 * 700 / 50_000:,.0f} leads against a limit of 2,400 "
            "leads") in done.stdout


def test_a_target_beyond_the_curve_names_its_cap(tmp_path):
    scenario = write(tmp_path, f"targets: {{leads: 3000}}\nchannels:\n  - name: search\n    response_curve: {SEARCH}\n")
    done = run("optimize", scenario)
    assert done.returncode == 3
    assert "These limits cannot all hold together: targets.leads, channels[search].response_curve." in done.stdout


def test_sensitivity_gives_a_curve_no_price_range_and_says_so(tmp_path):
    scenario = write(tmp_path, "objective: max_deals\nbudget: 120000\nfunnel: {qualification_rate: 0.4, win_rate: "
                               f"0.25}}\nchannels:\n  - name: search\n    response_curve: {SEARCH}\n"
                               "  - name: email\n    cost_per_lead: 60\n    max_units: 1000\n")
    done = run("sensitivity", scenario, "--format", "json")
    result = json.loads(done.stdout)
    assert done.returncode == 0
    assert [c["name"] for c in result["channels"]] == ["email"]
    note = ("channels[search].response_curve: a response curve gets no price range (its segments' costs are its "
            "points'; move a point with --set and compare)")
    assert result["notes"] == [note]
    assert "channels[search].response_curve: a response curve gets no price range" in run("sensitivity",
                                                                                         scenario).stdout


def test_sensitivity_of_a_non_concave_curve_holds_its_segment_order(tmp_path):
    # a non-concave curve's segments are ordered by binaries: sensitivity holds them as the plan fills
    # them (integers_fixed), as for a volume discount, and names the curve, not its derived price
    done = run("sensitivity", BUNDLED, "--format", "json")
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["analysed_as"] == "integers_fixed" and result["tier_order"] == "held"
    assert result["ordered_by_binaries"] == ["channels[online_video].response_curve"]
    assert "online_video" not in [c["name"] for c in result["channels"]]  # a curve gets no price range
    assert run("report", BUNDLED, "--output", str(tmp_path / "r.xlsx")).returncode == 0


def test_a_sweep_does_not_vary_a_curve():
    done = run("sweep", BUNDLED, "--vary", "channels[online_video].response_curve.points[2][1]=1000:2000:3")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "--vary channels[online_video].response_curve.points[2][1]: names a response curve, whose points "
        "a sweep does not vary (a point is a pair, and a curve must stay valid along the sweep); allowed: --set "
        "channels[online_video].response_curve.points[2][1]=... for one run at a time, or a tiered price, whose "
        "tiers' numbers a sweep varies")


def test_a_sweep_of_the_budget_over_curves_is_each_points_optimum():
    scenario = Scenario.model_validate({**load_scenario(BUNDLED).to_data(), "objective": "max_deals", "targets": {}})
    result = run_sweep(scenario, {"budget": [70_000, 99_375, 150_000]})
    for budget, value in zip((70_000, 99_375, 150_000), result.objective_value):
        alone = optimize(apply_changes(scenario, {"budget": budget}))
        assert value == pytest.approx(alone.objective_value, rel=1e-7)
    assert result.objective_value[1] == pytest.approx(80, rel=1e-7)  # the cheapest plan's spend buys 80 deals


def test_set_moves_a_point_on_the_command_line():
    done = run("optimize", BUNDLED, "--set", "channels[online_video].response_curve.points[2]=[60000, 1000]",
               "--format", "json")
    plan = json.loads(done.stdout)
    # video's S now buys 1,000 leads for $60,000 ($2,400 a deal): webinars ($2,000 a deal) after search's
    # first two segments (51 deals for $50,000), 29 deals in 4.83 webinars
    assert plan["objective_value"] == pytest.approx(50_000 + 29 / 6 * 12_000)


def test_a_curve_column_in_a_channel_sheet_is_an_input_error(tmp_path):
    write(tmp_path, "name,response_curve\nsearch,x\n", "channels.csv")
    done = run("validate", write(tmp_path, "targets: {leads: 10}\nchannels: channels.csv\n"))
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"{tmp_path / 'channels.csv'}: row 1, response_curve: a response curve "
                                          "cannot come from a channel sheet")


def test_a_curve_by_period_on_the_command_line(tmp_path):
    scenario = write(tmp_path, "periods: [Q1, Q2]\ntargets: {leads: {Q1: 1000, Q2: 2000}}\nchannels:\n"
                               "  - name: search\n    response_curve:\n"
                               "      Q1: {stage: leads, points: [[0, 0], [20000, 900], [50000, 1700]]}\n"
                               f"      Q2: {VIDEO}\n  - name: email\n    cost_per_lead: 60\n")
    plan = json.loads(run("optimize", scenario, "--format", "json").stdout)
    # Q1: 900 at 22.22, 100 at 37.50 (below 60); Q2 on the S: 1,500 leads for $60,000, then 500 at 60
    # from email ($90,000 in all), or 200 at 150 (30,000) and 1,300 at 23.08 (30,000) and 300 at 100
    # (30,000) and 200 from email (12,000): $102,000; or email alone: $120,000
    assert plan["objective_value"] == pytest.approx(23_750 + 60_000 + 500 * 60)
    assert "mixed-integer: non-concave response curve on channels[search]" in plan["warnings"]
