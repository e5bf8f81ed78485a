"""check with hires in a proposal (issue 13, section 2), on scenarios/b2b-sales-team.yaml. Hand-derived:
30 deals a quarter take 120 opportunities; paid search gives 0.2 per $200 qualified lead, referrals
0.5 per $1,200. With capacity C a quarter, q paid + r referrals = C and 0.2 q + 0.5 r = 120, so
r = (120 - 0.2 C) / 0.3. Three SDRs on staff: C = 360 (r = 160); two hired in Q1 at half capacity:
C = 480 in Q1 (r = 80, q = 400: $80,000 + $96,000) and 600 later (r = 0, q = 600: $120,000), and
2 x 4 quarters x $30,000 = $240,000 of hiring. The optimum: $536,000 + $240,000 = $776,000."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.analysis.check import check
from optimizer.errors import ScenarioError
from optimizer.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[2]
TEAM = ROOT / "scenarios" / "b2b-sales-team.yaml"
BEST = {"paid_search": {"Q1": 80_000, "Q2": 120_000, "Q3": 120_000, "Q4": 120_000},
        "analyst_referrals": {"Q1": 96_000}}


@pytest.fixture(scope="module")
def team():
    return load_scenario(TEAM)


def test_the_optimal_proposal_with_its_hires_meets_every_limit_at_no_excess(team):
    result = check(team, {**BEST, "sales_team": {"sdr": {"Q1": 2}}})
    assert result.feasible, result.violations
    assert result.total_spend == pytest.approx(536_000)
    assert result.hiring_cost == pytest.approx(240_000)
    assert result.total_cost == pytest.approx(776_000)
    assert result.optimum.total_cost == pytest.approx(776_000)
    assert result.excess_cost == pytest.approx(0, abs=1e-6)
    (sdr,) = result.sales_team
    assert sdr.hires == {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}
    assert sdr.capacity == pytest.approx({"Q1": 480, "Q2": 600, "Q3": 600, "Q4": 600})
    out = result.to_dict()
    assert out["hiring_cost"] == pytest.approx(240_000) and out["total_cost"] == pytest.approx(776_000)
    assert out["optimum"]["hires"] == {"sdr": {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}}
    assert out["optimum"]["total_cost"] == pytest.approx(776_000)


def test_without_hires_the_proposal_hires_nobody_and_breaks_each_quarters_capacity(team):
    result = check(team, BEST)
    assert result.hiring_cost == 0
    broken = {v.name: (v.value, v.limit, v.by) for v in result.violations}
    assert broken == {"sales_team[sdr].capacity.Q1": pytest.approx((480, 360, 120)),
                      **{f"sales_team[sdr].capacity.{q}": pytest.approx((600, 360, 240)) for q in ("Q2", "Q3", "Q4")}}
    assert result.excess_cost == pytest.approx(536_000 - 776_000)  # cheaper, because it breaks the capacity


def test_hires_count_in_the_budget_and_capacity_is_checked_with_them(team):
    # the no-hire optimum: r = 160 referrals ($192,000) and q = 200 ($40,000) a quarter = $928,000;
    # with 4 SDRs hired in Q1 it costs 4 x 4 x $30,000 = $480,000 more: $1,408,000 > the $1,000,000 budget
    plain = {"paid_search": {q: 40_000 for q in ("Q1", "Q2", "Q3", "Q4")},
             "analyst_referrals": {q: 192_000 for q in ("Q1", "Q2", "Q3", "Q4")}}
    alone = check(team, plain)
    assert alone.feasible and alone.excess_cost == pytest.approx(928_000 - 776_000)
    hired = check(team, {**plain, "sales_team": {"sdr": {"Q1": 4}}})
    assert [(v.name, v.value, v.limit) for v in hired.violations] == [("budget", pytest.approx(1_408_000), 1_000_000)]
    assert hired.excess_cost == pytest.approx(1_408_000 - 776_000)
    more = check(team, {**plain, "sales_team": {"sdr": {"Q1": 3, "Q2": 2.5}}})
    names = [v.name for v in more.violations]
    assert "sales_team[sdr].max_hires" in names and "sales_team[sdr].integer" in names


def test_a_sheet_gives_hires_in_rows_with_a_role(team, tmp_path):
    sheet = tmp_path / "p.csv"
    sheet.write_text("channel,role,period,spend,hires\npaid_search,,Q1,80000,\nanalyst_referrals,,Q1,96000,\n"
                     + "".join(f"paid_search,,{q},120000,\n" for q in ("Q2", "Q3", "Q4")) + ",sdr,Q1,,2\n")
    result = check(team, sheet)
    assert result.feasible and result.total_cost == pytest.approx(776_000)


@pytest.mark.parametrize(("proposal", "message"), [
    ({"sales_team": {"sdrs": {"Q1": 2}}},
     "sales_team.sdrs: 'sdrs' is not a role of the scenario's sales_team (did you mean sdr?); allowed: sdr"),
    ({"sales_team": {"sdr": {"Q1": -1}}},
     "sales_team.sdr.Q1: -1 is not a number of hires; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
    ({"sales_team": {"sdr": {"Q5": 1}}},
     'sales_team.sdr.Q5: "Q5" is not a period of this scenario (did you mean Q4?); allowed: Q1, Q2, Q3, Q4'),
    ({"sales_team": {"sdr": 2}},
     "sales_team.sdr: 2 names no period; allowed: hires by period, {PERIOD: N}, PERIOD one of Q1, Q2, Q3, Q4 "
     "(the scenario plans by period, so every amount names its period)"),
])
def test_bad_hires_name_the_field(team, proposal, message):
    with pytest.raises(ScenarioError) as info:
        check(team, proposal)
    assert str(info.value) == message


def test_a_scenario_without_periods_takes_a_number_of_hires_and_one_without_a_team_refuses_them(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("name: flat\nbudget: 100000\ntargets: {deals: 30}\nfunnel: {win_rate: 0.25}\n"
                    "channels:\n  - {name: paid_search, cost_per_qualified_lead: 200, opportunity_rate: 0.2}\n"
                    "sales_team:\n  - {name: sdr, cost: 30000, capacity: {qualified_leads: 120}, current: 3}\n")
    # 600 qualified leads ($120,000) need 5 SDRs: 2 hired at $30,000 once; the budget is $100,000
    scenario = load_scenario(flat)
    result = check(scenario, {"paid_search": 120_000, "sales_team": {"sdr": 2}})
    assert [(v.name, v.value) for v in result.violations] == [("budget", pytest.approx(180_000))]
    assert result.to_dict()["sales_team"][0]["hires"] == {"total": 2.0}
    none = tmp_path / "none.yaml"
    none.write_text(flat.read_text().split("sales_team:")[0])
    with pytest.raises(ScenarioError) as info:
        check(load_scenario(none), {"paid_search": 120_000, "sales_team": {"sdr": 2}})
    assert "sales_team.sdr: the scenario has no sales_team" in str(info.value)


def test_the_command_exits_2_naming_the_file_and_the_field(tmp_path):
    proposal = tmp_path / "p.yaml"
    proposal.write_text("paid_search: {Q1: 80000}\nsales_team: {sdr: {Q1: -2}}\n")
    done = subprocess.run([sys.executable, "-m", "optimizer", "check", str(TEAM), str(proposal), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    error = json.loads(done.stdout)["errors"][0]
    assert error["path"] == "sales_team.sdr.Q1" and str(proposal) in json.dumps(error)


def test_a_sheets_unknown_role_names_its_row(team, tmp_path):
    sheet = tmp_path / "p.csv"
    sheet.write_text("channel,role,period,hires\n,sdrs,Q1,2\n")
    with pytest.raises(ScenarioError) as info:
        check(team, sheet)
    assert info.value.lines()[0] == (f"{sheet}: row 2, role: 'sdrs' is not a role of the scenario's sales_team "
                                     "(did you mean sdr?); allowed: sdr")


def test_the_table_compares_total_cost_and_names_the_optimums_hires(tmp_path):
    proposal = tmp_path / "p.yaml"
    proposal.write_text(json.dumps({**BEST, "sales_team": {"sdr": {"Q1": 2}}}))
    done = subprocess.run([sys.executable, "-m", "optimizer", "check", str(TEAM), str(proposal)],
                          capture_output=True, text=True, cwd=ROOT, env={"COLUMNS": "150", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert "Total cost $776,000 of the $1,000,000 budget: marketing $536,000, hiring $240,000." in done.stdout
    assert ("The cheapest plan meeting every limit costs $776,000 ($536,000 of marketing, $240,000 of hiring: "
            "hires sdr 2 in Q1); this plan costs $0 more (excess cost).") in done.stdout


def test_under_max_deals_the_best_plan_gets_the_proposals_total_cost_as_its_budget(tmp_path):
    flat = tmp_path / "deals.yaml"
    flat.write_text("name: deals\nobjective: max_deals\nbudget: 1000000\nfunnel: {win_rate: 0.25}\n"
                    "channels:\n  - {name: paid_search, cost_per_qualified_lead: 200, opportunity_rate: 0.2}\n"
                    "sales_team:\n  - {name: sdr, cost: 30000, capacity: {qualified_leads: 120}, current: 3}\n")
    # the proposal: $120,000 of leads (600) and one hire ($30,000): $150,000, 30 deals, over capacity 480.
    # The best plan for $150,000: q leads and h hires with 200 q + 30,000 h = 150,000 and q = 120 (3 + h):
    # h = 78,000 / 54,000, q = 120 x 4.444 = 533.3 leads, 533.3 x 0.2 x 0.25 = 26.67 deals
    result = check(load_scenario(flat), {"paid_search": 120_000, "sales_team": {"sdr": 1}})
    assert result.total_cost == pytest.approx(150_000)
    assert [v.name for v in result.violations] == ["sales_team[sdr].capacity"]
    assert result.optimum.objective_value == pytest.approx(120 * (3 + 78 / 54) * 0.05)
    assert result.optimum.total_cost == pytest.approx(150_000)
    assert result.forgone == pytest.approx(120 * (3 + 78 / 54) * 0.05 - 30)
