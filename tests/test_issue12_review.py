"""Issue 12 reviewed as a user and an adversary would try it: each test is a problem found (what a
user saw) and pins what now happens. Optimal values are checked against enumeration or scipy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import Scenario, optimize
from optimizer.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[1]
FUNNEL = {"qualification_rate": 0.3, "opportunity_rate": 0.4, "win_rate": 0.25}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd)


def shows(up_to_first: float) -> Scenario:
    """Whole trade shows on a tiered price (the first tier to ``up_to_first`` shows), and search up to 300 leads."""
    return Scenario(budget=50000, deal_value=20000, objective="max_deals", funnel=FUNNEL, channels=[
        {"name": "shows", "unit_cost": [{"up_to": up_to_first, "cost": 6000}, {"up_to": 4, "cost": 9000},
                                        {"cost": 15000}],
         "yields": {"leads": 100}, "integer": True},
        {"name": "search", "cost_per_lead": 50, "max_units": 300}])


def test_a_whole_unit_channel_with_whole_tier_ends_is_optimal_against_enumeration():
    plan = optimize(shows(3))

    def spend_of(n: int) -> float:  # the schedule by hand: 3 at 6,000, the 4th at 9,000, then 15,000
        return sum(6000 if k < 3 else 9000 if k < 4 else 15000 for k in range(n))

    best = 0.0
    for n in range(0, 9):  # every whole number of shows the budget allows; search takes what is left
        left = 50000 - spend_of(n)
        if left >= 0:
            best = max(best, n * 100 * 0.03 + min(300, left / 50) * 0.03)
    assert plan.objective_value == pytest.approx(best, rel=1e-9)  # 21: 4 shows and all 300 leads of search
    assert plan.objective_value == pytest.approx(21)


def test_a_whole_unit_channel_refuses_a_tier_that_ends_inside_a_unit():
    """Seen: `up_to: 2.5` on an integer channel solved each tier's units in whole numbers (2, 1, 1
    shows: $36,000 for 4 shows, whose schedule costs $28,500), then reported 20.4 deals as optimal
    with $7,500 of budget left unspent, where 21 was possible. Now an input error naming the tier."""
    with pytest.raises(ScenarioError) as caught:
        shows(2.5)
    assert str(caught.value) == (
        "channels[shows].unit_cost[0].up_to: 2.5 is not a whole number of units, and shows buys whole units "
        "(integer: true); allowed: a whole number such as 2 or 3 (or integer: false)")


def test_a_whole_unit_curve_refuses_a_point_that_ends_inside_a_unit(tmp_path):
    path = tmp_path / "curve.yaml"
    path.write_text("budget: 10000\nobjective: max_leads\nchannels:\n  - name: video\n    integer: true\n"
                    "    response_curve: {stage: leads, points: [[0, 0], [3000, 200], [6000, 250.5]]}\n")
    result = run("optimize", str(path))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"{path}: channels[video].response_curve.points[2]: 250.5 is not a whole number of units, and video buys "
        "whole units (integer: true); allowed: a whole number such as 250 or 251 (or integer: false)")
    assert "Traceback" not in result.stderr


def test_a_curve_concave_in_one_period_only_is_not_also_called_an_lp():
    """Seen: a channel whose Q1 curve is S-shaped and Q2 curve concave got both warnings, "mixed-integer:
    non-concave response curve on channels[video]" and "response curve on channels[video]: concave,
    an LP". Now only the first: the model is a mixed-integer program."""
    s = Scenario(periods=["Q1", "Q2"], budget=200000, funnel=FUNNEL, targets={"deals": {"Q1": 10, "Q2": 20}},
                 channels=[{"name": "video", "response_curve": {
                     "Q1": {"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500], [90000, 1800]]},
                     "Q2": {"stage": "leads", "points": [[0, 0], [20000, 900], [50000, 1700]]}}}])
    plan = optimize(s)
    assert plan.warnings == ("mixed-integer: non-concave response curve on channels[video]",)
    # Q1: 10 deals = 333.33 leads on the S-curve, 200 at $150 then 133.33 at $30,000 / 1,300;
    # Q2: 20 deals = 666.67 leads at $20,000 / 900 (enumeration: a curve's cheapest fill is in order)
    assert plan.total_spend == pytest.approx(30000 + (1000 / 3 - 200) * 30000 / 1300 + (2000 / 3) * 20000 / 900)


def test_check_of_a_curve_plan_filled_in_order_breaks_no_internal_row(tmp_path):
    """Seen: `check` of saturating-search's own optimal plan (video $60,000, search $39,375) broke
    "channels[online_video].response_curve[1].opens" by 1,300 (exit 3): the proposal's order
    binaries stayed 0. Now the proposal meets every limit, and its spend buys what optimize's does."""
    proposal = tmp_path / "plan.csv"
    proposal.write_text("channel,spend\npaid_search,39375\nonline_video,60000\n")
    result = run("check", "scenarios/saturating-search.yaml", str(proposal), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    checked = json.loads(result.stdout)
    assert checked["feasible"] is True and checked["violations"] == []
    # by hand: video's $60,000 = 200 leads at $150 and 1,300 at $30,000 / 1,300; search's $39,375 =
    # 900 at $20,000 / 900 and 516.67 at $37.50: 2,916.67 leads x 0.3 x 0.4 x 0.25 x $30,000 = $2.4M
    units = {c["name"]: c["units"] for c in checked["channels"]}
    assert units["online_video"] == pytest.approx(1500) and units["paid_search"] == pytest.approx(900 + 19375 / 37.5)
    assert checked["totals"]["revenue"] == pytest.approx(2.4e6)


def test_check_by_period_of_an_ordered_tiered_price_breaks_no_internal_row(tmp_path):
    """Seen: a min_spend over the horizon orders search's tiers by binaries; a proposal buying its
    second tier in Q2 broke "channels[search].cost_per_lead[1].opens.Q2". Now it holds."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "periods: [Q1, Q2]\nbudget: 100000\ndeal_value: 5000\nobjective: max_profit\n"
        "funnel: {qualification_rate: 0.3, opportunity_rate: 0.4, win_rate: 0.25}\nchannels:\n"
        "  - name: search\n    cost_per_lead: [{up_to: 500, cost: 20}, {up_to: 1000, cost: 60}, {cost: 150}]\n"
        "    min_spend: 30000\n")
    proposal = tmp_path / "p.csv"
    proposal.write_text("channel,period,spend\nsearch,Q1,10000\nsearch,Q2,30000\n")
    result = run("check", str(scenario), str(proposal), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    assert json.loads(result.stdout)["violations"] == []


def test_a_sweep_of_a_set_up_cost_names_no_internal_row_and_no_false_mix_change():
    """Seen: sweeping events' fixed_cost over 0:100000 said "The mix (channels in the plan, limits
    that bind) changes at channels[events].fixed_cost = 25000" though every point buys the same
    units (the model's own set-up row bound only at 0), and a sweep with periods listed rows such as
    channels[booth].fixed_cost.Q1 and channels[video].response_curve[1].opens.Q1 among the limits
    that bind. Now binding limits are those optimize calls so: no tier, set-up or minimum-buy rows."""
    from optimizer import load_scenario
    from optimizer.analysis.sweeps import run_sweep

    sweep = run_sweep(load_scenario(ROOT / "scenarios" / "b2b-tiered-search.yaml"),
                      {"channels[events].fixed_cost": [0, 25000, 50000, 75000, 100000]}, workers=1)
    # the same units at every point (6 booths, 2,620 search leads, 154 partner leads): spend rises with the set-up
    assert list(sweep.total_spend) == pytest.approx([572700 + f for f in (0, 25000, 50000, 75000, 100000)])
    assert sweep.mix_changes() == []
    kinds = {limit.name: limit.kind for limit in optimize(load_scenario(
        ROOT / "scenarios" / "b2b-tiered-search.yaml")).program.limits}
    assert all(kinds[name] not in ("tier", "set_up", "min_buy") for point in sweep.binding for name in point)
    assert sweep.binding[0] == {"targets.revenue", "caps.qualified_leads", "channels[events].max_units"}


def test_set_on_a_tier_of_a_mistyped_period_names_the_period():
    """Seen: `--set channels[search].cost_per_lead.Q4[0].up_to=900` on a price tiered by period
    (Q1, Q2, Q3) said "channels[search].cost_per_lead is not tiered, so it has no tier Q4". Now the
    period is named, with the nearest one, as for every other path by period."""
    from optimizer.scenario.paths import apply_changes, changes_from_options

    s = Scenario(periods=["Q1", "Q2", "Q3"], targets={"leads": 100}, channels=[
        {"name": "search", "cost_per_lead": {"Q1": [{"up_to": 500, "cost": 30}, {"cost": 80}], "Q2": 60, "Q3": 40}}])
    with pytest.raises(ScenarioError) as caught:
        apply_changes(s, changes_from_options(["channels[search].cost_per_lead.Q4[0].up_to=900"]))
    assert str(caught.value) == ("channels[search].cost_per_lead.Q4[0].up_to: 'Q4' is not a period of this scenario "
                                 "(did you mean Q3?); allowed: Q1, Q2, Q3")


def test_check_spends_along_a_schedule_whose_first_tier_is_free(tmp_path):
    """Seen: a proposal's $5,000 on search, whose first 1,000 leads are free (`{up_to: 1000, cost: 0}`,
    then $10), was refused: "search is free (cost_per_lead 0): spend buys no units; allowed: units"
    (exit 2). Now it buys along the schedule: the 1,000 free leads, then $5,000 / $10 = 500 more."""
    from optimizer import check

    s = Scenario(budget=20000, objective="max_leads",
                 channels=[{"name": "search", "cost_per_lead": [{"up_to": 1000, "cost": 0}, {"cost": 10}]}])
    result = check(s, {"search": 5000})
    assert result.to_dict()["channels"][0]["units"] == pytest.approx(1500)
    assert result.to_dict()["channels"][0]["spend"] == pytest.approx(5000)


def test_a_report_says_tiers_fill_in_order_not_cheapest_first(tmp_path):
    """Seen: saturating-search's report said the tiers are bought "cheapest first", beside video's
    tier 0 at $150 filled before tier 1 at $23.08 (an S-curve, as a volume discount). Now it says
    what the plan does: in order, each full before the next."""
    result = run("report", "scenarios/saturating-search.yaml", "--output", str(tmp_path / "r.md"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "r.md").read_text()
    assert "| &nbsp;&nbsp;tier 0 ($150, to 200) |" in text or "tier 0 ($150, to 200) | $30,000" in text
    assert "cheapest first" not in text
    assert "the units and spend bought in each tier, in order (each full before the next)" in text


def test_sensitivity_of_set_ups_without_whole_units_says_what_is_held():
    """Seen: sensitivity of b2b-tiered-search, which has no whole-unit channel, said "Whole-unit
    channels are held at their planned units"; what it holds is events' on/off choice (its set-up
    cost and minimum buy). Now it says so; a whole-unit scenario keeps its sentence."""
    result = run("sensitivity", "scenarios/b2b-tiered-search.yaml")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # as printed, wrapped at the terminal's width
    assert "Whole-unit channels" not in text
    assert ("(optimal) The on/off choices of set-up costs and minimum buys (events) are held at the plan's; those "
            "choices may change inside these ranges. Limits") in text


def booth_and_brand() -> Scenario:
    return Scenario(budget=100000, objective="max_leads", channels=[
        {"name": "booth", "unit_cost": 7000, "yields": {"leads": 300}, "fixed_cost": 5000, "max_spend": 60000},
        {"name": "brand", "cost_per_lead": 100}])


def test_sensitivity_of_a_set_up_with_a_max_spend_is_its_ranges_by_hand():
    """Seen: `sensitivity` of a channel with a set-up cost and a max_spend stopped with "error:
    ValueError: a column moved that was not asked to" (exit 1): the set-up row's bound on the units
    (the most max_spend buys at the price) moved with the price. Then its ranges ended early, at that
    row ($65,000, a price of $6,417). Now, by hand: booth takes its max_spend ($5,000 set-up and
    (S - 5,000) / 7,000 booths of 300 leads), brand the rest of the budget at $100 a lead."""
    from optimizer import sensitivity

    analysis = sensitivity(optimize(booth_and_brand())).to_dict()
    assert analysis["objective_value"] == pytest.approx(55000 / 7000 * 300 + 40000 / 100)
    spend = next(x for x in analysis["limits"] if x["name"] == "channels[booth].max_spend")
    assert spend["shadow_price"] == pytest.approx(300 / 7000 - 1 / 100)  # a dollar moved from brand to booth
    # from the set-up alone (no booth bought, held used) to the whole budget (no brand left)
    assert (spend["valid_from"], spend["valid_to"]) == (pytest.approx(5000), pytest.approx(100000))
    booth = next(c for c in analysis["channels"] if c["name"] == "booth")
    assert booth["price_to"] == pytest.approx(30000, rel=1e-6)  # 300 leads per booth as dear as brand's $100
    assert booth["price_from"] == pytest.approx(0, abs=1e-3)  # any price above 0 keeps the mix (0: no end)
    # a re-solve at each end's inside keeps the mix: booth at its max_spend, brand with the rest
    from optimizer.scenario.paths import apply_changes, changes_from_options

    for price in (0.5, 20000):  # (near $30,000 not using booth at all is better: held used here)
        plan = optimize(apply_changes(booth_and_brand(), changes_from_options([f"channels[booth].unit_cost={price}"])))
        assert plan.objective_value == pytest.approx(55000 / price * 300 + 400)


def test_sensitivity_runs_on_a_free_first_tier_and_on_a_curve_a_rule_orders():
    """Seen: "error: ZeroDivisionError: float division by zero" (exit 1) from `sensitivity` of a
    price whose first tier is free, and of a concave curve whose order a share rule enforces: a
    price's range reached the price at which its units grow without end. Now the range is told."""
    from optimizer import sensitivity

    free = Scenario(budget=20000, objective="max_leads",
                    channels=[{"name": "search", "cost_per_lead": [{"up_to": 1000, "cost": 0}, {"cost": 10}]}])
    tiers = [c for c in sensitivity(optimize(free)).to_dict()["channels"] if c["name"] == "search"]
    assert (tiers[0]["price_from"], tiers[0]["price_to"]) == (pytest.approx(0), pytest.approx(10))
    curved = Scenario(budget=100000, deal_value=20000, objective="max_deals", funnel=FUNNEL,
                      constraints=["spend[brand] <= 0.2 * total_spend"], channels=[
                          {"name": "search", "response_curve": {"stage": "leads", "points": [
                              [0, 0], [20000, 900], [50000, 1700], [100000, 2400]]}},
                          {"name": "brand", "cost_per_lead": 10, "qualification_rate": 0.5}])
    brand = next(c for c in sensitivity(optimize(curved)).to_dict()["channels"] if c["name"] == "brand")
    # brand's $20,000 (the rule's 20%) against search's third segment: 700 leads for $50,000, 0.03 deals a lead
    assert brand["price_to"] == pytest.approx(0.05 / (0.03 * 700 / 50000), rel=1e-6)


def test_a_capped_last_tier_or_a_curve_is_the_finite_bound_a_set_up_needs():
    """Seen: a set-up cost on a curve's channel (its last point caps the units) or on a tiered price
    whose last tier has up_to was refused: "a set-up cost is a mixed-integer model, which needs a
    finite bound on the channel's units, and none is given". The cap is such a bound: now it is used.
    By hand (1,000 leads at least cost): video's set-up and its dear first 200 leads lose to search
    ($1,000 set-up, 500 at $30, 400 at $60) and mail's last 100 at $80: $48,000."""
    s = Scenario(targets={"leads": 1000}, channels=[
        {"name": "video", "response_curve": {"stage": "leads", "points": [[0, 0], [30000, 200], [60000, 1500]]},
         "fixed_cost": 5000, "min_units_if_used": 300},
        {"name": "search", "cost_per_lead": [{"up_to": 500, "cost": 30}, {"up_to": 900, "cost": 60}],
         "fixed_cost": 1000},
        {"name": "mail", "cost_per_lead": 80}])
    plan = optimize(s)
    # every on/off choice enumerated, each channel's cheapest fill by hand
    video = 5000 + 200 * 150 + 800 * 30000 / 1300  # video alone: its segments in order
    search_mail = 1000 + 500 * 30 + 400 * 60 + 100 * 80
    assert plan.total_spend == pytest.approx(min(video, search_mail, 1000 * 80, 1000 + 15000 + 500 * 80))
    assert plan.total_spend == pytest.approx(48000)
    per_period = Scenario(periods=["Q1", "Q2"], targets={"leads": {"Q1": 100, "Q2": 100}}, channels=[
        {"name": "search", "cost_per_lead": {"Q1": [{"up_to": 500, "cost": 30}], "Q2": [{"up_to": 50, "cost": 20}]},
         "fixed_cost": {"Q1": 100, "Q2": 100}},
        {"name": "mail", "cost_per_lead": 80}])
    assert optimize(per_period).total_spend == pytest.approx(100 + 100 * 30 + 100 + 50 * 20 + 50 * 80)
