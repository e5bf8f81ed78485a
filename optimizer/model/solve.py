"""Solve a :class:`~optimizer.model.Program`: HiGHS (default) on the direct adapter, CBC through PuLP.

HiGHS builds its model straight from the program's arrays (:mod:`optimizer.model.highs`), for
every command. CBC, and HiGHS reached the way a user would extend the model, go through PuLP
(:mod:`optimizer.model.pulp_model`): statuses are translated once
(:class:`~optimizer.model.status.Status`), dual signs of ``max`` problems corrected once, the
solver's banner kept off stdout.

>>> from optimizer import Scenario
>>> from optimizer.model.build import build_program
>>> program = build_program(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100}))
>>> [(s.status, s.units.tolist(), s.duals.tolist()) for s in (solve(program), solve(program, "cbc"))]
[('optimal', [100.0], [20.0]), ('optimal', [100.0], [20.0])]
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..errors import SolverError
from .highs import MIP_REL_GAP, WarmModel, conflict, quiet_stdout
from .program import Program
from .pulp_model import pulp_problem
from .status import Solution, SolverInfo, Status, solver_version

__all__ = ["MIP_REL_GAP", "SOLVERS", "Solution", "SolverInfo", "Status", "conflict", "polish", "quiet_stdout",
           "solve", "solve_pulp", "solver_version", "write_lp"]

SOLVERS = ("highs", "cbc")


def solve(program: Program, solver: str = "highs", time_limit: float | None = None,
          unit_bound: float | None = None) -> Solution:
    """Solve ``program``; never prints. ``unit_bound`` caps every column (used to find unbounded channels)."""
    if solver == "cbc":
        return solve_pulp(program, "cbc", time_limit, unit_bound)
    if solver != "highs":
        raise SolverError(f"unknown solver {solver!r}; allowed: {', '.join(SOLVERS)}")
    start = time.perf_counter()
    try:
        # columns by channel name: ties between equally good plans break the same way, whatever
        # order the scenario lists its channels in (as PuLP's name-sorted columns did)
        order = sorted(range(len(program.columns)), key=lambda j: program.columns[j].channel)
        model = WarmModel(program, time_limit=time_limit, unit_bound=unit_bound, order=order)
        solution = model.solve()
    except Exception as exc:  # a solver crash is reported, never a traceback
        raise SolverError(f"the highs solver failed: {exc}") from exc
    info = replace(solution.solver, seconds=time.perf_counter() - start, model_seconds=model.model_seconds)
    return replace(solution, solver=info)


def _pulp_solver(name: str, time_limit: float | None, mip: bool):
    import pulp

    options = {"msg": False, "timeLimit": time_limit}
    if mip:
        options["gapRel"] = MIP_REL_GAP
    if name == "highs":
        return pulp.HiGHS(**options)
    if name == "cbc":
        return pulp.PULP_CBC_CMD(**options)
    raise SolverError(f"unknown solver {name!r}; allowed: {', '.join(SOLVERS)}")


def solve_pulp(program: Program, solver: str = "cbc", time_limit: float | None = None,
               unit_bound: float | None = None) -> Solution:
    """Solve ``program`` stated in PuLP, with CBC (``--solver cbc``) or PuLP's HiGHS interface
    (what a user extending :func:`~optimizer.to_pulp` gets); answers as :func:`solve` gives them."""
    start = time.perf_counter()
    problem, variables, rows = pulp_problem(program, unit_bound)
    stated = time.perf_counter()
    engine = _pulp_solver(solver, time_limit, program.integer)
    with quiet_stdout():
        try:
            code = problem.solve(engine)
        except Exception as exc:  # a solver crash is reported, never a traceback
            raise SolverError(f"the {solver} solver failed: {exc}") from exc
        status, gap, own_seconds = _read_status(problem, code, solver, program.integer)
        if status is None:
            status = _feasible_or_not(program)
    units = duals = reduced = None
    if status in (Status.OPTIMAL, Status.TIME_LIMIT):
        values = [v.varValue for v in variables]
        if status == Status.TIME_LIMIT and (all(v is None for v in values) or (
                solver == "highs" and problem.solverModel.getInfo().primal_solution_status != 2)):
            values = None  # no plan found in time (an LP stopped early may hold values that are no plan)
        if values is not None:
            # a column in no row and not in the objective is left out by PuLP: 0 units is optimal for it
            units = np.array([0.0 if v is None else float(v) for v in values])
            units[np.abs(units) < 1e-12] = 0.0
            if solver == "cbc" and float(np.abs(units).max(initial=0.0)) >= CBC_INFINITE:
                # CBC reports some unbounded LPs as optimal, with a ray's worth of units (1.7e21 of a
                # free channel, found by the scipy property test): no plan of that size is real
                status, units = Status.UNBOUNDED, None
            elif solver == "cbc":
                units = polish(program, units)
        if units is not None and not program.integer and status == Status.OPTIMAL:
            # PuLP hands HiGHS a max problem negated, so its duals come back with flipped signs;
            # CBC's come back in the problem's own sense (measured, PuLP 3.3.2: tests/model/test_solve.py)
            flip = -1.0 if program.sense == "max" and solver == "highs" else 1.0
            duals = np.full(len(program.limits), np.nan)
            for k, name in rows.items():
                pi = problem.constraints[name].pi
                duals[k] = np.nan if pi is None else flip * float(pi) + 0.0
            reduced = np.array([np.nan if v.dj is None else flip * float(v.dj) + 0.0 for v in variables])
    info = SolverInfo(solver, solver_version(solver), time.perf_counter() - start, own_seconds, stated - start)
    return Solution(status, units, duals, reduced, gap, info)


CBC_INFINITE = 1e15  # units at or above this from CBC are its unbounded ray, not a plan
POLISH_MAX_CELLS = 4_000_000  # active rows x free columns: beyond this a dense solve costs more than it saves


def polish(program: Program, units: np.ndarray) -> np.ndarray:
    """Recover the exact vertex from a solution written with few digits.

    CBC hands its solution to PuLP as text with about 8 significant digits (measured: units
    1066.6667 where 3200/3 is the vertex), which can break a share rule by a few 1e-6, relative:
    verification would then refuse a plan that is optimal. The limits that hold with equality up to
    that rounding, and the columns away from zero, pin the vertex: solve them as equations (least
    squares), keeping whole units and zeros fixed, and keep the result only if it breaks less.
    """
    if not program.limits or not len(units):
        return units
    rows, columns, coefs, bounds, constants = program._stacked
    values = program.values(units)
    size = np.bincount(rows, weights=np.abs(coefs * units[columns]), minlength=len(bounds))  # sum of |terms|
    active = np.flatnonzero(np.abs(values - bounds) <= np.maximum(1e-5 * np.maximum(1.0, np.abs(bounds)), 1e-6 * size))
    integer = np.array([c.integer for c in program.columns])
    free = np.flatnonzero((units > 1e-9) & ~integer)
    if not len(active) or not len(free) or len(active) * len(free) > POLISH_MAX_CELLS:
        return units
    fixed = units.copy()
    fixed[free] = 0.0
    fixed[integer] = np.round(fixed[integer])
    where = np.full(len(bounds), -1)
    where[active] = np.arange(len(active))
    place = np.full(len(units), -1)
    place[free] = np.arange(len(free))
    keep = (where[rows] >= 0) & (place[columns] >= 0)
    matrix = np.zeros((len(active), len(free)))
    np.add.at(matrix, (where[rows[keep]], place[columns[keep]]), coefs[keep])
    rhs = bounds[active] - constants[active] - (program.values(fixed) - constants)[active]
    solved, *_ = np.linalg.lstsq(matrix, rhs, rcond=None)
    candidate = fixed.copy()
    candidate[free] = solved
    if candidate.min(initial=0.0) < 0 or program.violations(candidate).max() >= program.violations(units).max():
        return units
    before, after = program.objective_value(units), program.objective_value(candidate)
    if abs(after - before) > 1e-7 * max(1.0, abs(before)):
        return units  # another vertex: the rounding was not the only difference
    candidate[np.abs(candidate) < 1e-12] = 0.0
    return candidate


def _read_status(problem, code: int, solver: str, mip: bool) -> tuple[Status | None, float | None, float | None]:
    """Our status (None: infeasible or unbounded, to be probed), the MIP gap and the solver's own seconds."""
    if solver == "highs":
        h = problem.solverModel
        name = h.getModelStatus().name
        status = None if name == "kUnboundedOrInfeasible" else Status.from_highs(name)
        info = h.getInfo()
        gap = float(info.mip_gap) if mip and np.isfinite(info.mip_gap) else (0.0 if mip else None)
        return status, gap, float(h.getRunTime())
    status = Status.from_pulp(code)
    if status == Status.OPTIMAL and problem.sol_status == 2:  # an integer plan found, not proven optimal
        return Status.TIME_LIMIT, None, None
    if status == Status.INFEASIBLE and not mip:
        return None, None, None  # CBC reports some unbounded LPs as infeasible
    return status, (0.0 if mip and status == Status.OPTIMAL else None), None


def _feasible_or_not(program: Program) -> Status:
    """Tell infeasible from unbounded: the same limits with a zero objective, on the HiGHS adapter."""
    probe = program.with_limits(program.limits, objective_coefs=np.zeros(len(program.columns)))
    return Status.UNBOUNDED if solve(probe, "highs").status == Status.OPTIMAL else Status.INFEASIBLE


def write_lp(program: Program, path) -> None:
    """Write the model as an LP file (names from the scenario), atomically."""
    import tempfile
    from pathlib import Path

    from ..files import write_atomic

    problem, _, _ = pulp_problem(program)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "model.lp"
        problem.writeLP(str(file))
        write_atomic(path, file.read_text())
