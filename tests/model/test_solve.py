"""Solve-level facts: dual signs (min and max, both solvers), conflict sets mapped to the user's
names, integer-only conflicts, unbounded channels, time limits and the LP file.

Expected values are derived by hand or by re-solving with a limit moved, never copied from output.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import Scenario, apply_changes, optimize
from optimizer.model.build import build_program
from optimizer.model.solve import conflict, solve, write_lp

SOLVERS = ["highs", "cbc"]


def _dual(plan, name: str) -> float:
    k = [limit.name for limit in plan.program.limits].index(name)
    return float(plan.solution.duals[k])


# A min problem: leads at 20 (email) or 50 (search, qualifies twice as often); 400 qualified leads
# needed, email capped at 1,000 leads. By hand: email 1,000 leads = 200 QL at $20,000; search the
# other 200 QL = 500 leads at $25,000. One more QL of target: 2.5 more search leads = $125.
MIN_LP = {"name": "min", "funnel": {"qualification_rate": 0.2},
          "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 1000},
                       {"name": "search", "cost_per_lead": 50, "qualification_rate": 0.4}],
          "targets": {"qualified_leads": 400}}
# A max problem: the same channels, the most qualified leads for a $30,000 budget. By hand: email
# first (0.01 QL per $), then search (0.008 QL per $): 200 + 10,000 * 0.008 = 280. One more $ of
# budget buys 0.008 QL; one more email lead (max_units) is worth 0.2 - 20 * 0.008 = 0.04 QL.
MAX_LP = {"name": "max", "funnel": {"qualification_rate": 0.2}, "budget": 30000, "objective": "max_qualified_leads",
          "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 1000},
                       {"name": "search", "cost_per_lead": 50, "qualification_rate": 0.4}]}


@pytest.mark.parametrize("solver", SOLVERS)
def test_min_problem_duals_by_hand_and_by_resolve(solver):
    s = Scenario.model_validate(MIN_LP)
    plan = optimize(s, solver)
    assert plan.objective_value == pytest.approx(45000)
    assert _dual(plan, "targets.qualified_leads") == pytest.approx(125)
    assert _dual(plan, "channels[email].max_units") == pytest.approx(-(125 * 0.2 - 20))  # one more email lead saves $5
    moved = optimize(apply_changes(s, {"targets.qualified_leads": 401}), solver)
    assert moved.objective_value - plan.objective_value == pytest.approx(_dual(plan, "targets.qualified_leads"))


@pytest.mark.parametrize("solver", SOLVERS)
def test_max_problem_duals_have_the_user_sign(solver):
    s = Scenario.model_validate(MAX_LP)
    plan = optimize(s, solver)
    assert plan.objective_value == pytest.approx(280)
    assert _dual(plan, "budget") == pytest.approx(0.008)  # positive: more budget buys more
    assert _dual(plan, "channels[email].max_units") == pytest.approx(0.04)
    moved = optimize(apply_changes(s, {"budget": 31000}), solver)
    assert (moved.objective_value - plan.objective_value) / 1000 == pytest.approx(_dual(plan, "budget"))


def test_conflict_names_the_limits_as_written_and_skips_rows_the_solver_never_saw():
    # email yields no impressions, so its cap on them has no coefficient and is no row of the LP:
    # the mapping from HiGHS's rows back to limits must skip it.
    s = Scenario.model_validate({
        "channels": [{"name": "email", "cost_per_lead": 20, "max_spend": 5000, "caps": {"impressions": 10}},
                     {"name": "tv", "unit_cost": 1000, "yields": {"impressions": 1e5}, "max_units": 3}],
        "budget": 100000, "targets": {"leads": 300, "impressions": 1e5}})
    program = build_program(s)
    found = [program.limits[k].name for k in conflict(program)]
    # 300 leads need $6,000 of email, above its max_spend of $5,000: exactly these two limits
    assert found == ["targets.leads", "channels[email].max_spend"]
    plan = optimize(s)
    assert plan.status == "infeasible"
    assert list(plan.diagnosis.conflict) == ["targets.leads", "channels[email].max_spend"]
    assert plan.diagnosis.achievable["leads"] == pytest.approx(250)


def test_conflict_keeps_max_spend_and_max_units_apart():
    s = Scenario.model_validate({
        "channels": [{"name": "email", "cost_per_lead": 20, "max_spend": 5000, "max_units": 200}],
        "targets": {"leads": 300}})
    plan = optimize(s)
    # max_units (200 leads) alone conflicts with the target; max_spend (250 leads) does too.
    assert set(plan.diagnosis.conflict) in ({"targets.leads", "channels[email].max_units"},
                                            {"targets.leads", "channels[email].max_spend"})


def test_conflict_set_is_irreducible_on_the_demo_with_a_low_budget():
    from optimizer import load_scenario

    s = load_scenario("scenarios/b2b-annual-plan.yaml", {"budget": 500000})
    program = build_program(s)
    found = conflict(program)
    zero = np.zeros(len(program.columns))
    assert solve(program.with_limits([program.limits[k] for k in found], objective_coefs=zero)).status == "infeasible"
    for k in found:  # drop any one and the rest can hold
        rest = [program.limits[j] for j in found if j != k]
        assert solve(program.with_limits(rest, objective_coefs=zero)).status == "optimal"


def test_budget_needed_and_achievable_by_hand():
    # leads at $20; target 300 leads with a budget of $4,000: 200 achievable, $6,000 needed
    s = Scenario.model_validate({"channels": [{"name": "email", "cost_per_lead": 20}], "budget": 4000,
                                 "targets": {"leads": 300}})
    d = optimize(s).diagnosis
    assert d.achievable == {"leads": pytest.approx(200)}
    assert d.budget_needed == pytest.approx(6000)
    assert list(d.conflict) == ["budget", "targets.leads"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_only_conflict_is_said(solver):
    # one webinar yields 10 leads at $100: 15 leads need 1.5 webinars ($150, within budget) but 2 whole ones ($200)
    s = Scenario.model_validate({"channels": [{"name": "webinar", "unit_cost": 100, "yields": {"leads": 10},
                                               "integer": True}], "budget": 150, "targets": {"leads": 15}})
    plan = optimize(s, solver)
    assert plan.status == "infeasible"
    assert plan.diagnosis.integer_only is True


@pytest.mark.parametrize("solver", SOLVERS)
def test_unbounded_names_the_channel(solver):
    s = Scenario.model_validate({"channels": [{"name": "referrals", "cost_per_lead": 0},
                                              {"name": "email", "cost_per_lead": 20, "max_units": 10}],
                                 "objective": "max_leads", "budget": 1000})
    plan = optimize(s, solver)
    assert plan.status == "unbounded"
    assert list(plan.diagnosis.unbounded) == ["referrals"]


def _hard_knapsack(n: int = 150, dims: int = 5) -> Scenario:
    """A multi-dimensional 0-1 knapsack: HiGHS needs seconds to prove optimality (measured: about 3 s)."""
    rng = np.random.default_rng(5)
    keys = [f"m{k}" for k in range(dims)]
    channels = [{"name": f"c{i}", "unit_cost": float(rng.integers(1000, 9999)), "integer": True, "max_units": 1,
                 "yields": {"leads": float(rng.integers(100, 999)), **{k: float(rng.integers(100, 999)) for k in keys}}}
                for i in range(n)]
    half = {k: sum(c["yields"][k] for c in channels) / 2 for k in keys}
    return Scenario.model_validate({"channels": channels, "objective": "max_leads", "caps": half,
                                    "budget": sum(c["unit_cost"] for c in channels) / 2})


def test_time_limit_reports_the_best_plan_and_its_gap():
    plan = optimize(_hard_knapsack(), time_limit=0.2)
    assert plan.status == "time_limit"
    assert plan.has_plan and plan.check.passed
    assert plan.solution.mip_gap is not None and plan.solution.mip_gap > 0
    assert plan.to_dict()["mip_gap"] == pytest.approx(plan.solution.mip_gap)
    assert all(float(u).is_integer() for u in plan.units)


def test_lp_file_uses_the_scenario_names_and_solves_to_the_same_optimum(tmp_path):
    import highspy

    s = Scenario.model_validate(MIN_LP)
    file = tmp_path / "model.lp"
    write_lp(build_program(s), file)
    text = file.read_text()
    for name in ("units_email", "units_search", "targets.qualified_leads", "channels_email_.max_units"):
        assert name in text
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(file))
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(45000)


def test_cbc_solution_digits_are_polished_to_the_vertex():
    # found by the scipy property test: CBC writes 1066.6667 for 3200/3, which broke the share rule
    # by 4e-6 (relative) and made verification refuse an optimal plan
    raw = {"funnel": {"response_rate": 1, "qualification_rate": 1, "opportunity_rate": 0.024, "win_rate": 1,
                      "deal_value": 100.0},
           "channels": [{"name": "c0", "cost_per_contact": 0.0}, {"name": "c1", "cost_per_contact": 1.0},
                        {"name": "c2", "cost_per_contact": 0.0}],
           "targets": {"revenue": 3200.0},
           "constraints": ["spend[c0] <= 0.1 * total_spend", "leads[c1] >= 0.2 * leads"]}
    plan = optimize(Scenario.model_validate(raw), "cbc")
    # by hand: revenue 3200 needs 1333.33 contacts; c1 must bring a fifth of all leads and c0 is
    # limited by c1's spend: c1 = 3200/12 = 266.67 contacts at $1 is the cheapest
    assert plan.status == "optimal" and plan.check.passed
    assert plan.objective_value == pytest.approx(3200 / 12, rel=1e-9)


def test_cbc_reporting_a_ray_as_optimal_is_unbounded():
    # found by the scipy property test: a free channel under max_deals; CBC said "optimal" with
    # 1.7e21 contacts, HiGHS (and scipy) say unbounded
    raw = {"funnel": {"response_rate": "1%", "qualification_rate": 1, "opportunity_rate": "10%", "win_rate": "1%",
                      "deal_value": 100.0},
           "channels": [{"name": "c0", "cost_per_contact": 10.0, "caps": {"leads": 1.0}},
                        {"name": "c1", "cost_per_contact": 0.0, "opportunity_rate": "1%"},
                        {"name": "c2", "cost_per_contact": 1.0}],
           "objective": "max_deals", "budget": 10000.0, "targets": {"deals": 1.0}}
    for solver in SOLVERS:
        plan = optimize(Scenario.model_validate(raw), solver)
        assert plan.status == "unbounded", solver
        assert list(plan.diagnosis.unbounded) == ["c1"]


@pytest.mark.parametrize(("c0_price", "expected"), [(10.0, 390300.0), (1.0, 990000.0)])
def test_cbc_polish_keeps_the_optimum(c0_price, expected):
    # found by the scipy property test: the polish must land on CBC's own vertex (not a worse one),
    # and a share rule's activity is judged against the size of its terms, not its bound of 10
    raw = {"funnel": {"response_rate": 1, "qualification_rate": 1, "opportunity_rate": 1, "win_rate": 1,
                      "deal_value": 100.0},
           "channels": [{"name": "c0", "cost_per_qualified_lead": c0_price},
                        {"name": "c1", "cost_per_qualified_lead": 1.0}],
           "objective": "max_profit", "budget": 10000.0, "targets": {"revenue": 1000.0},
           "constraints": ["2 * (spend[c1] - spend[c0]) <= 10.0 - spend[c0]"]}
    # by hand: budget and rule bind. c0 at $10: 10 u0 + u1 = 10,000 and 2 u1 - 10 u0 = 10 give u1 = 3,336.67,
    # u0 = 666.33; profit 100 (u0 + u1) - 10,000 = 390,300. c0 at $1: all budget on qualified leads at $1 is
    # 10,000 leads, profit 990,000 (the rule allows it)
    for solver in SOLVERS:
        plan = optimize(Scenario.model_validate(raw), solver)
        assert plan.status == "optimal" and plan.check.passed
        assert plan.objective_value == pytest.approx(expected, rel=1e-7), solver
