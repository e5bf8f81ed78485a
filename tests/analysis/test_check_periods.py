"""``check`` of a scenario with periods: a proposal per channel and period, with numbers derived by hand
and the optimum checked against a two-period LP written here and solved with scipy's linprog.

The scenario (every number below follows from it):
- periods P1, P2; funnel: qualification_rate 1, win_rate 0.1 (opportunity_rate 1), sales cycle
  [0.5, 0.5]: half of a period's deals close in it, half in the next (after P2: after the horizon)
- a: $10 per lead -> 1 qualified lead, 0.1 deals; bought in P1, 0.05 close in P1 and 0.05 in P2
  ($100 per deal closing in the year); bought in P2, 0.05 close in P2 and 0.05 after ($200 per deal)
- b: $30 per qualified lead, win_rate 0.5, available in P1 only, at most 20 units there: 0.25 deals
  close in P1 and 0.25 in P2 per unit ($60 per deal)
- deal_value 1,000; target revenue 20,000 over the year (20 deals closing in it); budget 10,000
  over the year; cap on qualified leads 100 in P1 and 150 in P2

Cheapest plan: all of b (20 units, $600, 10 deals, 20 QL in P1), then a in P1 up to the P1 cap
(80 leads, $800, 8 deals), then 2 deals from a in P2 (40 leads, $400): $1,800; P1 $1,400, P2 $400.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner

from optimizer import Scenario, ScenarioError
from optimizer.analysis.check import check
from optimizer.cli import app

ROOT = Path(__file__).resolve().parents[2]
DATA = {
    "name": "two-periods",
    "periods": ["P1", "P2"],
    "budget": 10_000,
    "deal_value": 1000,
    "funnel": {"qualification_rate": 1, "win_rate": 0.1, "sales_cycle": [0.5, 0.5]},
    "targets": {"revenue": 20_000},
    "caps": {"qualified_leads": {"P1": 100, "P2": 150}},
    "channels": [
        {"name": "a", "cost_per_lead": 10},
        {"name": "b", "cost_per_qualified_lead": 30, "win_rate": 0.5, "available": ["P1"], "max_units": {"P1": 20}},
    ],
}
# a: $500 in P1 (50 leads, 5 deals: 2.5 in P1, 2.5 in P2) and 10% of the budget in P2 ($1,000, 100
# leads: 5 deals in P2, 5 after); b: 10 units in P1 ($300, 5 deals: 2.5 + 2.5) and 2 units in P2,
# where it does not run ($60, 2 QL, 1 deal: 0.5 in P2, 0.5 after)
PROPOSAL = {"a": {"P1": {"spend": 500}, "P2": {"share": "10%"}}, "b": {"P1": {"units": 10}, "P2": {"units": 2}}}


def _scenario(**changes) -> Scenario:
    return Scenario.model_validate({**DATA, **changes})


def _linprog_optimum() -> tuple[float, list[float]]:
    """The cheapest plan, by hand: columns a@P1, a@P2, b@P1, b@P2 (b@P2 fixed at 0: not available)."""
    price = np.array([10.0, 10.0, 30.0, 30.0])
    ql = np.array([[1, 0, 1, 0], [0, 1, 0, 1]], dtype=float)
    inside = np.array([0.1, 0.05, 0.5, 0.25])  # deals closing in P1 or P2 per unit
    a_ub = [price, -inside * 1000, ql[0], ql[1]]
    b_ub = [10_000, -20_000, 100, 150]
    result = linprog(price, A_ub=np.array(a_ub), b_ub=np.array(b_ub),
                     bounds=[(0, None), (0, None), (0, 20), (0, 0)], method="highs")
    assert result.status == 0
    x = result.x
    return float(result.fun), [float(price[[0, 2]] @ x[[0, 2]]), float(price[[1, 3]] @ x[[1, 3]])]


def test_the_hand_derived_optimum_is_the_linprog_optimum():
    cost, by_period = _linprog_optimum()
    assert cost == pytest.approx(1800) and by_period == [pytest.approx(1400), pytest.approx(400)]


def test_a_proposal_by_period_is_measured_per_period():
    r = check(_scenario(), PROPOSAL)
    assert r.total_spend == pytest.approx(1860)
    assert [p.total_spend for p in r.periods] == [pytest.approx(800), pytest.approx(1060)]
    p1, p2 = r.periods
    assert p1.totals["qualified_leads"] == pytest.approx(60) and p2.totals["qualified_leads"] == pytest.approx(102)
    assert p1.totals["deals"] == pytest.approx(5) and p2.totals["deals"] == pytest.approx(10.5)
    assert r.totals["revenue"] == pytest.approx(15_500)
    assert r.after_horizon["deals"] == pytest.approx(5.5)
    a = next(c for c in r.channels if c.name == "a")
    assert a.units == pytest.approx(150) and a.spend == pytest.approx(1500)
    found = [(v.name, v.value, v.limit, v.by, v.unit, v.period) for v in r.violations]
    assert found == [("targets.revenue", pytest.approx(15_500), 20_000, pytest.approx(4500), "USD", None),
                     ("channels[b].available", pytest.approx(2), 0, pytest.approx(2), "qualified leads", None)]
    cost, by_period = _linprog_optimum()
    assert r.optimum.total_spend == pytest.approx(cost)
    assert r.excess_cost == pytest.approx(1860 - cost)
    assert [p["total_spend"] for p in r.optimum.periods] == [pytest.approx(v) for v in by_period]
    assert r.optimum.periods[0]["spend"] == {"a": pytest.approx(800), "b": pytest.approx(600)}


def test_a_per_period_limit_is_named_by_its_path():
    # a: $1,500 in P1: 150 qualified leads against P1's 100
    r = check(_scenario(), {"a": {"P1": 1500}})
    cap = next(v for v in r.violations if v.name == "caps.qualified_leads.P1")
    assert (cap.value, cap.limit, cap.by, cap.unit, cap.period) == (pytest.approx(150), 100, pytest.approx(50),
                                                                    "qualified leads", "P1")
    doc = r.to_dict()
    assert {"name": "caps.qualified_leads.P1", "value": pytest.approx(150), "limit": 100, "by": pytest.approx(50),
            "period": "P1"} in doc["violations"]


def test_json_adds_periods_and_keeps_the_horizon_keys():
    doc = check(_scenario(), PROPOSAL).to_dict()
    assert list(doc) == ["scenario", "feasible", "total_spend", "totals", "channels", "periods", "after_horizon",
                         "violations", "optimum", "excess_cost", "forgone", "cheapest_equivalent", "provenance"]
    assert [p["name"] for p in doc["periods"]] == ["P1", "P2"]
    assert list(doc["periods"][0]) == ["name", "total_spend", "pipeline", "totals", "channels"]
    assert list(doc["optimum"]) == ["objective", "objective_value", "total_spend", "status", "periods"]
    assert list(doc["optimum"]["periods"][0]) == ["name", "total_spend", "spend"]
    assert all("period" in v for v in doc["violations"])
    json.dumps(doc, allow_nan=False)


def test_a_scenario_without_periods_keeps_its_json_keys():
    s = Scenario.model_validate({k: v for k, v in DATA.items() if k != "periods"}
                                | {"funnel": {"qualification_rate": 1, "win_rate": 0.1},
                                   "caps": {"qualified_leads": 150},
                                   "channels": [{"name": "a", "cost_per_lead": 10}]})
    doc = check(s, {"a": 100}).to_dict()
    assert "periods" not in doc and "after_horizon" not in doc and "periods" not in doc["optimum"]
    assert all("period" not in v for v in doc["violations"])


def test_share_of_a_periods_budget_where_only_per_period_budgets_are_given():
    s = _scenario(budget={"P1": 2000, "P2": 3000})
    r = check(s, {"a": {"P2": {"share": "10%"}, "P1": {"share": 0.5}}})
    assert [p.total_spend for p in r.periods] == [pytest.approx(1000), pytest.approx(300)]
    with pytest.raises(ScenarioError) as info:
        check(_scenario(budget={"P1": 2000}), {"a": {"P2": {"share": "10%"}}})
    assert info.value.lines() == [
        "a.P2.share: a share of the budget needs the horizon's budget or P2's, and the scenario gives neither "
        "(budget by period: P1); allowed: spend or units, or a budget (--set budget=N or --set budget.P2=N)"]
    # with a horizon budget, a share is of it even where the period has its own
    r = check(_scenario(budget={"total": 10_000, "P2": 3000}), {"a": {"P2": {"share": "10%"}}})
    assert r.periods[1].total_spend == pytest.approx(1000)


def test_the_cheapest_equivalent_counts_the_pipeline_in_flight_as_the_totals_do():
    # pipeline 2 deals in P1 ($2,000); a: $500 in P1 buys 5 deals closing in the year: revenue 7,000 with it.
    # As much revenue, budget aside, is 5 deals from channels: b's 10 units, $300 (not 7 deals: $420)
    s = _scenario(pipeline={"deals": {"P1": 2}})
    r = check(s, {"a": {"P1": 500}})
    assert r.totals["revenue"] == pytest.approx(7000)
    assert r.cheapest_equivalent.total_spend == pytest.approx(300)
    assert r.cheapest_equivalent.spend == {"a": pytest.approx(0, abs=1e-9), "b": pytest.approx(300)}


def test_max_objective_keeps_a_periods_budget_and_replaces_the_horizons():
    # max_deals with the proposal's own spend ($1,000) as the year's budget and at most $100 in P2:
    # by hand: b's 20 units ($600, 10 deals), then $400 of a in P1 (40 leads, 4 deals; QL 60 <= 100): 14 deals
    s = _scenario(objective="max_deals", targets={}, budget={"total": 10_000, "P2": 100})
    r = check(s, {"a": {"P1": 400, "P2": 100}, "b": {"P1": {"spend": 500}}})
    assert r.total_spend == pytest.approx(1000)
    assert r.optimum.objective_value == pytest.approx(14)
    assert r.optimum.periods[1]["total_spend"] <= 100 + 1e-6
    # the proposal: a 4 + 0.5 deals closing in the year, b 16.67 units: 8.33 deals
    assert r.objective_value == pytest.approx(4 + 0.5 + 500 / 30 * 0.5)
    assert r.forgone == pytest.approx(14 - r.objective_value)


def _sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.csv"
    path.write_text(text)
    return path


def test_every_file_format_reads_the_same_proposal_by_period(tmp_path):
    expected = check(_scenario(), PROPOSAL).to_dict()
    csv = _sheet(tmp_path, "channel,period,spend,units,share\na,P1,500,,\na,P2,,,10%\nb,P1,,10,\nb,P2,,2,\n")
    yml = tmp_path / "p.yaml"
    yml.write_text("a: {P1: 500, P2: {share: 10%}}\nb: {P1: {units: 10}, P2: {units: 2}}\n")
    js = tmp_path / "p.json"
    js.write_text(json.dumps({"a": {"P1": {"spend": 500}, "P2": {"spend": 1000}},
                              "b": {"P1": {"units": 10}, "P2": {"units": 2}}}))
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["channel", "period", "spend", "units", "share"])
    for row in (["a", "P1", 500, None, None], ["a", "P2", None, None, 0.1], ["b", "P1", None, 10, None],
                ["b", "P2", None, 2, None]):
        ws.append(row)
    xlsx = tmp_path / "p.xlsx"
    book.save(xlsx)
    for path in (csv, yml, js, xlsx):
        assert check(_scenario(), path).to_dict() == expected, path.name


@pytest.mark.parametrize(("text", "message"), [
    ("channel,spend\na,10\n", "row 1: no period column; allowed: a header with channel, period and one or more of "
                              "spend, units, share, and in every row one of P1, P2 (the scenario plans by period, so "
                              "every amount names its period)"),
    ("channel,period,spend\na,,10\n", "row 2, period: the period is empty; allowed: one of P1, P2 (the scenario plans "
                                      "by period, so every amount names its period)"),
    ("channel,period,spend\na,P3,10\n", 'row 2, period: "P3" is not a period of this scenario; '
                                        "allowed: P1, P2"),
    ("channel,period,spend\na,P1,10\na,P1,20\n", "row 3, channel: a in P1 is listed twice; allowed: one line per "
                                                 "channel and period"),
    ("channel,perod,spend\na,P1,10\n", "row 1: no period column; allowed: a header with channel, period and one or "
                                       "more of spend, units, share, and in every row one of P1, P2 (the scenario "
                                       "plans by period, so every amount names its period)"),
    ("channel,period,units\nc,P1,10\n", "row 2, channel: 'c' is not a channel of the scenario; allowed: a, b"),
])
def test_bad_rows_of_a_proposal_by_period(tmp_path, text, message):
    path = _sheet(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        check(_scenario(), path)
    assert info.value.lines()[0] == f"{path}: {message}"


@pytest.mark.parametrize(("proposal", "message"), [
    ({"a": 500}, "a: 500 names no period; allowed: {PERIOD: {spend|units|share: N}} or {PERIOD: N} (spend), PERIOD "
                 "one of P1, P2 (the scenario plans by period, so every amount names its period)"),
    ({"a": {"spend": 500}}, "a.spend: spend is given without a period; allowed: {PERIOD: {spend: N}}, PERIOD one of "
                            "P1, P2 (the scenario plans by period, so every amount names its period)"),
    ({"a": {"Q1": 500}}, 'a.Q1: "Q1" is not a period of this scenario; allowed: P1, P2'),
    ({"a": {"P22": 500}}, 'a.P22: "P22" is not a period of this scenario (did you mean P2?); allowed: P1, P2'),
    ({"a": {"P1": {"spend": 5, "units": 1}}}, "a.P1: spend and units are both given; allowed: exactly one of spend, "
                                              "units, share"),
    ({"a": {"P1": -5}}, "a.P1: -5 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
])
def test_bad_entries_of_a_proposal_by_period(proposal, message):
    with pytest.raises(ScenarioError) as info:
        check(_scenario(), proposal)
    assert info.value.lines() == [message]


def test_a_period_column_for_a_scenario_without_periods(tmp_path):
    s = Scenario.model_validate({"channels": [{"name": "a", "cost_per_lead": 10}], "targets": {"leads": 10}})
    path = _sheet(tmp_path, "channel,period,spend\na,P1,10\n")
    with pytest.raises(ScenarioError) as info:
        check(s, path)
    assert info.value.lines() == [f"{path}: row 1, period: the scenario has no periods; allowed: channel, spend, "
                                  "units, share (a row per channel)"]


# -- the bundled example and the command line ------------------------------------------------------
QUARTERLY = ROOT / "scenarios" / "b2b-quarterly-plan.yaml"
PROPOSAL_CSV = ROOT / "scenarios" / "b2b-quarterly-proposal.csv"


def test_the_bundled_proposal_by_hand():
    from optimizer import load_scenario

    r = check(load_scenario(QUARTERLY), PROPOSAL_CSV)
    # email 5% of $1,000,000 a quarter: $50,000 = 1,111.1 leads; webinars 3 a quarter (126 QL);
    # events 1 in Q2 and 1 in Q3 (110 QL each); partners $45,000 = 50 QL in Q1 and Q2
    email_leads = 50_000 / 45
    q2 = email_leads * 0.12 + 126 + 110 + 50
    q3 = email_leads * 0.08 + 126 + 110
    assert [p.total_spend for p in r.periods] == [pytest.approx(v) for v in (137_000, 192_000, 147_000, 92_000)]
    found = {v.name: (v.value, v.limit) for v in r.violations}
    assert found["caps.qualified_leads.Q2"] == (pytest.approx(q2), 350)
    assert found["caps.qualified_leads.Q3"] == (pytest.approx(q3), 250)
    assert found["channels[events].available"] == (pytest.approx(1), 0)
    assert "targets.deals.Q4" in found and "budget" not in found
    assert r.excess_cost == pytest.approx(568_000 - r.optimum.total_spend)


def test_cli_table_shows_spend_by_period_and_names_period_limits():
    result = CliRunner().invoke(app, ["check", str(QUARTERLY), str(PROPOSAL_CSV)])
    assert result.exit_code == 3, result.output
    out = result.stdout
    assert "Spend by period: the proposal, then the optimum (min_spend)" in out
    assert "│ proposal total       │ $137,000 │ $192,000 │ $147,000 │  $92,000 │ $568,000 │" in out
    assert "  caps.qualified_leads.Q3: 325 qualified leads against a limit of 250 qualified leads: over by 74.89 " \
           "qualified leads\n" in out
    assert "  channels[events].available: 1 unit bought in Q3, where events does not run (available in Q2, Q4)\n" \
           in out


def test_cli_json_is_one_document_with_periods():
    result = CliRunner().invoke(app, ["check", str(QUARTERLY), str(PROPOSAL_CSV), "--format", "json"])
    assert result.exit_code == 3
    doc = json.loads(result.stdout)
    assert [p["name"] for p in doc["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    assert [p["name"] for p in doc["optimum"]["periods"]] == ["Q1", "Q2", "Q3", "Q4"]
    assert {v["name"]: v["period"] for v in doc["violations"]}["caps.qualified_leads.Q3"] == "Q3"


def test_a_proposal_without_periods_for_a_scenario_with_periods_is_exit_2(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text("email: {spend: 1000}\n")
    result = CliRunner().invoke(app, ["check", str(QUARTERLY), str(plan)])
    assert result.exit_code == 2
    assert result.stderr == (f"{plan}: email.spend: spend is given without a period; allowed: {{PERIOD: {{spend: N}}}}"
                             ", PERIOD one of Q1, Q2, Q3, Q4 (the scenario plans by period, so every amount names its "
                             "period)\n")


# -- no number is ever cut -------------------------------------------------------------------------
def test_large_money_is_never_cut_when_stdout_is_not_a_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "150")
    plan = tmp_path / "p.yaml"
    plan.write_text("paid_search: 123456789012\nwebinars: {units: 12}\n")
    result = CliRunner().invoke(app, ["check", str(ROOT / "scenarios" / "b2b-annual-plan.yaml"), str(plan)])
    assert result.exit_code == 3
    doc = json.loads(CliRunner().invoke(app, ["check", str(ROOT / "scenarios" / "b2b-annual-plan.yaml"), str(plan),
                                              "--format", "json"]).stdout)
    assert "…" not in result.stdout and "..." not in result.stdout
    # every money amount of the proposal appears whole, as its cell shows it: $123,456,957,012 total spend
    assert f"${doc['total_spend']:,.0f}" in result.stdout
    assert f"${doc['totals']['revenue']:,.0f}" in result.stdout
    paid = next(c for c in doc["channels"] if c["name"] == "paid_search")
    assert f"{paid['units']:,.0f}" in result.stdout and f"${paid['spend']:,.0f}" in result.stdout


def test_whole_units_are_checked_in_each_period():
    s = _scenario(channels=[*DATA["channels"], {"name": "w", "unit_cost": 100, "yields": {"leads": 30},
                                                "integer": True}])
    r = check(s, {"w": {"P1": {"units": 2}, "P2": {"spend": 250}}})
    whole = [(v.name, v.value, v.limit, v.by, v.period) for v in r.violations if v.name == "channels[w].integer"]
    assert whole == [("channels[w].integer", 2.5, 2.0, 0.5, "P2")]
    from optimizer.output.finance import check_table

    assert "  channels[w].integer: 2.5 is not a whole number of units in P2\n" in check_table(r)


def test_library_entries_without_a_period_are_an_input_error():
    from optimizer.analysis.check import Entry
    from optimizer.errors import Issue

    with pytest.raises(ScenarioError) as info:
        check(_scenario(), [Entry("a", "spend", 100, Issue("a", ""))])
    assert info.value.lines() == ["a: no period is given; allowed: one of P1, P2 (the scenario plans by period, so "
                                  "every amount names its period)"]
    r = check(_scenario(), [Entry("a", "spend", 100, Issue("a.P1", ""), "P1")])
    assert r.periods[0].total_spend == pytest.approx(100)


def test_a_channel_in_a_period_it_does_not_run_in_is_measured_and_reported():
    # b: 4 units in P2 ($120), where it does not run: still 4 QL and 2 deals (1 in P2, 1 after the horizon)
    r = check(_scenario(), {"b": {"P2": {"units": 4}}})
    assert r.periods[1].totals["qualified_leads"] == pytest.approx(4)
    assert r.periods[1].totals["deals"] == pytest.approx(1) and r.after_horizon["deals"] == pytest.approx(1)
    assert [v.name for v in r.violations] == ["targets.revenue", "channels[b].available"]
    from optimizer.output.finance import check_table

    assert "  channels[b].available: 4 qualified leads bought in P2, where b does not run (available in P1)\n" \
           in check_table(r)
