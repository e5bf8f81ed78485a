"""A sales role's capacity limit shown as users think of it: the metric used in the period against
the capacity that period (reps on staff plus the hires, over their ramp), in the plan, its JSON,
check, sensitivity and the report; shadow prices per unit of the metric. Numbers derived by hand."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer import load_scenario, optimize
from optimizer.analysis.check import check
from optimizer.analysis.sensitivity import sensitivity
from optimizer.cli import app
from optimizer.output.report import limits_sheet

ROOT = Path(__file__).resolve().parents[1]
B2B = ROOT / "scenarios" / "b2b-sales-team.yaml"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")

# By hand: 3 SDRs on staff follow up 3 x 120 = 360 leads a quarter; two hired in Q1 at half capacity
# add 2 x 0.5 x 120 = 120 in Q1 and 2 x 120 = 240 from Q2 on. 30 deals a quarter are 120
# opportunities; within the capacity C the cheapest leads are paid search (20%) L_p and referrals
# (50%) L_r with L_p + L_r = C and 0.2 L_p + 0.5 L_r = 120: Q1 (C = 480) L_r = 80, L_p = 400;
# from Q2 (C = 600) all paid search. Every quarter uses all of its capacity.
CAPACITY = {"Q1": 480.0, "Q2": 600.0, "Q3": 600.0, "Q4": 600.0}

# No periods: 500 qualified leads wanted, 360 followed up by the staff; whole reps at $1,000 each:
# ceil(140 / 120) = 2 hires, capacity 600, 100 to spare.
SMALL = {"name": "small-team", "targets": {"qualified_leads": 500},
         "channels": [{"name": "search", "cost_per_qualified_lead": 100}],
         "sales_team": [{"name": "sdr", "cost": 1000, "capacity": {"qualified_leads": 120}, "current": 3,
                         "integer": True}]}


@pytest.fixture(scope="module")
def b2b_plan():
    return optimize(load_scenario(B2B))


def _capacity_rows(states):
    return {s.period: s for s in states if s.kind == "sales_capacity"}


def test_plan_shows_capacity_limits_as_used_against_capacity(b2b_plan):
    rows = _capacity_rows(b2b_plan.constraints)
    assert set(rows) == set(QUARTERS)
    for q in QUARTERS:
        assert rows[q].name == f"sales_team[sdr].capacity.{q}"
        assert rows[q].value == pytest.approx(CAPACITY[q])
        assert rows[q].limit == pytest.approx(CAPACITY[q])
        assert rows[q].slack == 0.0 and rows[q].binding
    # the same numbers as the role's own table
    (role,) = b2b_plan.sales_team
    assert role.used == pytest.approx(CAPACITY) and role.capacity == pytest.approx(CAPACITY)


def test_json_and_text_show_the_capacity_with_hires():
    runner = CliRunner()
    result = runner.invoke(app, ["optimize", str(B2B), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = {c["period"]: c for c in json.loads(result.stdout)["constraints"] if c["kind"] == "sales_capacity"}
    for q in QUARTERS:
        assert (found[q]["value"], found[q]["limit"], found[q]["slack"]) == pytest.approx((CAPACITY[q], CAPACITY[q], 0))
    text = runner.invoke(app, ["optimize", str(B2B)]).stdout
    assert "sales_team[sdr].capacity.Q1: 480 (<= 480)" in text
    assert "sales_team[sdr].capacity.Q2: 600 (<= 600)" in text


def test_a_capacity_with_room_shows_its_slack():
    plan = optimize(SMALL)
    (state,) = _capacity_rows(plan.constraints).values()
    assert state.name == "sales_team[sdr].capacity"
    assert (state.value, state.limit, state.slack, state.binding) == pytest.approx((500.0, 600.0, 100.0, False))
    assert plan.sales_team[0].hires == {"total": 2.0}
    assert plan.objective_value == pytest.approx(500 * 100 + 2 * 1000)


def test_check_shows_a_broken_capacity_against_the_proposals_hires():
    # 500 leads with one hire: capacity 360 + 120 = 480, over by 20
    from optimizer.scenario.schema import Scenario

    result = check(Scenario.model_validate(SMALL), {"search": 50_000, "sales_team": {"sdr": 1}})
    (broken,) = [v for v in result.violations if v.name == "sales_team[sdr].capacity"]
    assert (broken.value, broken.limit, broken.by) == pytest.approx((500.0, 480.0, 20.0))


def test_sensitivity_limits_in_the_metric_with_hires(b2b_plan):
    result = sensitivity(b2b_plan)
    rows = {x.period: x for x in result.limits if x.kind == "sales_capacity"}
    for q in QUARTERS:
        assert (rows[q].value, rows[q].limit) == pytest.approx((CAPACITY[q], CAPACITY[q]))
    # Q1 with its two hires held: cost = 200 C + 1000 L_r with L_r = (120 - 0.2 C) / 0.3, so one lead
    # more of capacity saves 1000 x 2/3 - 200 = 466.67, while both channels stay in use: C from 240
    # (all referrals) to 600 (all paid search); in the metric, not moved by the hires' 120
    q1 = rows["Q1"]
    assert q1.shadow_price == pytest.approx(-(1000 * 2 / 3 - 200))
    assert (q1.valid_from, q1.valid_to) == pytest.approx((240.0, 600.0))
    # Q2: all paid search, one lead more is worth nothing, from 600 up
    assert rows["Q2"].shadow_price == pytest.approx(0.0, abs=1e-6)
    assert rows["Q2"].valid_from == pytest.approx(600.0)
    assert rows["Q2"].valid_to is None


def test_report_limits_sheet_shows_used_against_capacity(b2b_plan):
    sheet = limits_sheet(b2b_plan, None)
    header = [h for h, _ in sheet.columns]
    name, value, limit = header.index("limit"), header.index("value"), header.index("limit value")
    rows = {r[name]: r for r in sheet.rows}
    for q in QUARTERS:
        row = rows[f"sales_team[sdr].capacity.{q}"]
        assert (row[value], row[limit]) == pytest.approx((CAPACITY[q], CAPACITY[q]))


# -- whole people are whole: a solver's 0.9999999 hires shown as 1 ---------------------------------

def _off_by_a_hair(monkeypatch, module):
    """Make ``module``'s solves hand back each whole-people hire 1e-9 short of whole (within every
    tolerance, as a MILP solver may): what the tool shows must still be whole reps."""
    from dataclasses import replace

    real = module.solve

    def solve(program, *args, **kwargs):
        solution = real(program, *args, **kwargs)
        if solution.units is None:
            return solution
        units = solution.units.copy()
        for h in program.hires:
            if program.columns[h.column].integer and units[h.column] >= 1:
                units[h.column] -= 1e-9
        return replace(solution, units=units)

    monkeypatch.setattr(module, "solve", solve)


def test_whole_hires_are_settled_to_whole_numbers():
    from optimizer.model.build import build_program

    program = build_program(load_scenario(B2B))
    units = program.settled(optimize(load_scenario(B2B)).units)
    q1 = program.hires_of("sdr")[0].column
    units[q1] = 1.9999999
    settled = program.settled(units)
    assert settled[q1] == 2.0
    # 2 x $30,000 in each of the 4 quarters, exactly
    assert program.hiring_cost(settled) == 240_000.0
    fraction = build_program(load_scenario(B2B).model_copy(update={"sales_team": [
        load_scenario(B2B).sales_team[0].model_copy(update={"integer": False})]}))
    assert fraction.settled(units)[q1] == 1.9999999  # a role of fractions keeps its fraction


def test_check_shows_whole_hires_in_the_optimum_and_cheapest_equivalent(monkeypatch):
    import optimizer.analysis.check as check_module

    _off_by_a_hair(monkeypatch, check_module)
    late = {"paid_search": {"Q1": 80000, "Q2": 120000, "Q3": 120000, "Q4": 120000},
            "analyst_referrals": {"Q1": 96000}, "sales_team": {"sdr": {"Q2": 2}}}
    result = check(load_scenario(B2B), late)
    whole = {"sdr": {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}}
    assert result.optimum.hires == whole  # exactly, not 1.999999999
    assert result.cheapest_equivalent.hires == whole
    assert result.cheapest_equivalent.hiring_cost == 240_000.0
    # the cheapest plan buying the proposal's 120 deals: the optimum, $536,000 + $240,000
    assert result.excess_cost == pytest.approx(716_000 - 776_000)


def test_optimize_shows_whole_hires(monkeypatch):
    import optimizer.analysis.plan as plan_module

    _off_by_a_hair(monkeypatch, plan_module)
    plan = optimize(load_scenario(B2B))
    assert plan.sales_team[0].hires == {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}
    assert plan.hiring_cost == 240_000.0 and plan.total_cost == pytest.approx(776_000)
