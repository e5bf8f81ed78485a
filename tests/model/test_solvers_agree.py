"""Three solver paths hold together on random scenarios: HiGHS built from the arrays (``optimize``),
PuLP with HiGHS (what a user extending ``to_pulp`` gets) and PuLP with CBC (``--solver cbc``).
Same status, same objective, same duals where the plan is not degenerate; and the optimum of an
LP against scipy's linprog on the test's own transcription of the scenario (tests/test_against_scipy.py).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from test_against_scipy import Reference, scenario_dict, scenarios

from optimizer import Scenario
from optimizer.model.build import build_program
from optimizer.model.solve import solve, solve_pulp


def _degenerate(program, solution) -> bool:
    """Duals are not unique at a degenerate vertex: more limits hold with equality (binding limits,
    columns at zero) than there are columns, or a binding limit has a zero dual."""
    units = solution.units
    binding = program.binding(units, 1e-7)
    at_zero = int((units <= 1e-9).sum())
    zero_dual = np.abs(solution.duals) <= 1e-9
    return int(binding.sum()) + at_zero > len(units) or bool((binding & zero_dual).any())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=scenarios())
def test_highs_direct_pulp_highs_and_cbc_agree(raw):
    program = build_program(Scenario.model_validate(scenario_dict(raw)))
    direct, through_pulp, cbc = solve(program), solve_pulp(program, "highs"), solve_pulp(program, "cbc")
    where = f"scenario={raw!r}"
    assert direct.status == through_pulp.status == cbc.status, (direct.status, through_pulp.status, cbc.status, where)
    status, value = Reference(raw).solve()
    assert direct.status == status, (direct.status, status, where)
    if direct.status != "optimal":
        return
    values = [program.objective_value(s.units) for s in (direct, through_pulp, cbc)]
    for other in values[1:]:
        assert math.isclose(values[0], other, rel_tol=1e-6, abs_tol=1e-6), (values, where)
    assert math.isclose(values[0], value, rel_tol=1e-6, abs_tol=1e-6), (values[0], value, where)
    if program.integer or _degenerate(program, direct):
        return
    scale = max(1.0, float(np.nanmax(np.abs(direct.duals), initial=0.0)))
    for other in (through_pulp, cbc):
        rows = ~np.isnan(other.duals)  # PuLP leaves out limits with no coefficient
        assert np.allclose(direct.duals[rows], other.duals[rows], rtol=1e-6, atol=1e-6 * scale), (
            direct.duals, other.duals, other.solver.name, where)
