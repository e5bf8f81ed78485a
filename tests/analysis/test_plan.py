"""``to_pulp`` and ``plan_from_pulp``: the user's constraints are honoured, checked and named."""

from __future__ import annotations

import pulp
import pytest

from optimizer import Scenario, SolverError, plan_from_pulp, to_pulp

# email at $20 a lead, search at $50; 100 leads wanted. By hand: all email ($2,000); with the
# user's "at least 40 search leads": 60 email + 40 search = $1,200 + $2,000 = $3,200.
BASE = Scenario(channels=[{"name": "email", "cost_per_lead": 20}, {"name": "search", "cost_per_lead": 50}],
                targets={"leads": 100})


@pytest.mark.parametrize("engine", [pulp.HiGHS, pulp.PULP_CBC_CMD])
def test_an_added_constraint_shapes_the_plan(engine):
    problem, units, spend = to_pulp(BASE)
    problem += units["search"] >= 40, "some_search"
    problem.solve(engine(msg=False))
    plan = plan_from_pulp(BASE, problem)
    assert plan.status == "optimal" and plan.check.passed
    assert plan.objective_value == pytest.approx(3200)
    assert plan.allocation["spend"].to_dict() == pytest.approx({"email": 1200, "search": 2000})


def test_a_plan_breaking_the_scenario_or_the_user_is_refused():
    problem, units, spend = to_pulp(BASE)
    with pytest.raises(SolverError, match="holds no solution; solve it first"):
        plan_from_pulp(BASE, problem)
    problem.constraints["targets.leads"].constant = -50  # the user loosened the scenario's target
    problem.solve(pulp.HiGHS(msg=False))
    with pytest.raises(SolverError, match="breaks targets.leads"):
        plan_from_pulp(BASE, problem)


def test_an_infeasible_extension_has_no_plan_and_no_diagnosis():
    problem, units, spend = to_pulp(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], budget=1000,
                                             targets={"leads": 10}))
    problem += spend["email"] <= 100, "tight"  # 10 leads need $200
    problem.solve(pulp.HiGHS(msg=False))
    plan = plan_from_pulp(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], budget=1000,
                                   targets={"leads": 10}), problem)
    assert plan.status == "infeasible" and not plan.has_plan and plan.diagnosis is None


@pytest.mark.parametrize("solver", ["gurobi", None, 3])
def test_an_unknown_solver_is_an_input_error(solver):
    from optimizer import Scenario, optimize
    from optimizer.errors import ScenarioError

    scenario = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
    with pytest.raises(ScenarioError, match=r"solver: .* is not a solver; allowed: highs, cbc"):
        optimize(scenario, solver=solver)
