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

from ..errors import Issue, ScenarioError, SolverError
from .certify import infeasibility, optimality, primal_only, unboundedness
from .highs import MIP_REL_GAP, WarmModel, conflict, quiet_stdout
from .program import Program
from .status import Solution, SolverInfo, Status, solver_version
from .verify import TOLERANCE, verify

__all__ = ["MIP_REL_GAP", "SOLVERS", "Solution", "SolverInfo", "Status", "conflict", "polish", "quiet_stdout",
           "solve", "solve_pulp", "solver_version", "write_lp"]

SOLVERS = ("highs", "cbc")


CBC_LADDER_UNITS = 1e14  # CBC, the ladder's last rung, only for plans below this many units
SCALINGS = ("geometric", "equilibrated")  # the ladder's HiGHS rungs, in order


def solve(program: Program, solver: str = "highs", time_limit: float | None = None,
          unit_bound: float | None = None) -> Solution:
    """Solve ``program`` and prove the answer; never prints. ``unit_bound`` caps every column
    (used to find unbounded channels).

    The ladder (HiGHS): the arrays scaled by geometric means, then equilibrated (HiGHS scaling
    them its other way too), then CBC where the plan is under 1e14 units; the first answer that
    :mod:`optimizer.model.certify` proves wins, all within ``time_limit``. When none is proven, the
    status is ``unverified``: the plan found is kept (``units``), with the failed test
    (``failed``) and what the solver claimed (``claimed``). ``--solver cbc`` solves with CBC and
    proves its answer the same way (an infeasible or unbounded CBC answer is proven by HiGHS's ray).
    """
    if solver not in SOLVERS:
        raise ScenarioError(Issue("solver", f"{solver!r} is not a solver; allowed: {', '.join(SOLVERS)}"))
    start = time.perf_counter()
    exact = _decided_without_solver(program, start)
    if exact is not None:
        return exact
    deadline = None if time_limit is None else start + float(time_limit)
    tried: list[Solution] = []
    rungs = [("cbc", None)] if solver == "cbc" else [("highs", scale) for scale in SCALINGS] + [("cbc", None)]
    for name, scale in rungs:
        left = None if deadline is None else max(0.0, deadline - time.perf_counter())
        if tried and left is not None and left <= 0:
            break
        if name == "cbc" and tried and solver != "cbc":
            units = next((t.units for t in tried if t.units is not None), None)
            if units is not None and float(np.abs(units).max(initial=0.0)) >= CBC_LADDER_UNITS:
                continue
        solution = _solve_once(program, name, scale, left, unit_bound)
        solution = _prove(program, solution, unit_bound)
        if solution.failed is None:
            return _timed(solution, start, tried)
        tried.append(solution)
        if solution.status == Status.TIME_LIMIT:
            break  # time is up: no rung can do better within it
    first = next((t for t in tried if t.units is not None), tried[0])
    return _timed(replace(first, status=Status.UNVERIFIED, claimed=first.status,
                          failed="; ".join(dict.fromkeys(f"{t.solver.name}: {t.failed}" for t in tried))),
                  start, tried)


def _timed(solution: Solution, start: float, tried: list[Solution]) -> Solution:
    model = sum((t.solver.model_seconds or 0.0) for t in tried) + (solution.solver.model_seconds or 0.0)
    info = replace(solution.solver, seconds=time.perf_counter() - start, model_seconds=model or None)
    return replace(solution, solver=info)


def _solve_once(program: Program, name: str, scale: str | None, time_limit: float | None,
                unit_bound: float | None) -> Solution:
    if name == "cbc":
        return solve_pulp(program, "cbc", time_limit, unit_bound)
    try:
        # columns by channel name: ties between equally good plans break the same way, whatever
        # order the scenario lists its channels in (as PuLP's name-sorted columns did)
        order = sorted(range(len(program.columns)), key=lambda j: program.columns[j].channel)
        model = WarmModel(program, time_limit=time_limit, unit_bound=unit_bound, order=order, scale=scale)
        solution = model.solve()
    except Exception as exc:  # a solver crash is reported, never a traceback
        raise SolverError(f"the highs solver failed: {exc}") from exc
    solution = replace(solution, solver=replace(solution.solver, model_seconds=model.model_seconds))
    if model.dropped_entries:
        return replace(solution, failed="HiGHS dropped matrix entries too small for it (the scaled model is not ours)")
    if solution.status in (Status.INFEASIBLE, Status.UNBOUNDED) and not program.integer:
        # the proof needs the ray of this very model: read it now
        ray = model.dual_ray() if solution.status == Status.INFEASIBLE else model.primal_ray()
        if ray is None:
            model.rerun_without_presolve()
            ray = model.dual_ray() if solution.status == Status.INFEASIBLE else model.primal_ray()
        point = None
        if solution.status == Status.UNBOUNDED:
            point, ray = _unbounded_proof(program, model.point(), ray)
        return replace(solution, certificate=(ray, point))
    return solution


def _unbounded_proof(program: Program, point: np.ndarray | None, ray: np.ndarray | None
                     ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A plan and a ray for an unbounded answer: HiGHS's where they prove it, else found by LPs,
    each proven all the same. HiGHS 1.16 gives no primal ray when it needs no simplex to see a model
    unbounded (free channels whose only limit, the budget, has no terms), its ray after presolve
    can break a limit (a channel's ray that overspent the budget), and its plan can miss a limit
    that is tiny beside the others in the scaled model (reach >= 1 beside a $7.5e10 budget); all
    three found by tests/model/test_certify_range.py."""
    n = len(program.columns)
    if point is None or not verify(program, point).passed:
        point = None
        feasibility = program.with_limits(program.limits, objective_coefs=np.zeros(n))
        for scale in _PROOF_SCALINGS:  # the unscaled model too: the plan is checked here, not trusted
            found = WarmModel(feasibility, scale=scale).solve(duals=False)
            if found.units is not None and verify(program, found.units).passed:
                point = found.units
                break
    if point is None or unboundedness(program, point, ray) is None:
        return point, ray
    # the cone of the plans' directions: the limits with right-hand sides 0, every column at most 1
    cone = program.with_limits([replace(limit, bound=0.0, constant=0.0) for limit in program.limits])
    for scale in _PROOF_SCALINGS:
        found = WarmModel(cone, unit_bound=1.0, scale=scale).solve(duals=False)
        if found.units is not None and unboundedness(program, point, found.units) is None:
            return point, found.units
    return point, ray


_PROOF_SCALINGS = ("geometric", None, "equilibrated")


def _col_upper(program: Program, unit_bound: float | None) -> np.ndarray | None:
    return None if unit_bound is None else np.full(len(program.columns), float(unit_bound))


def _prove(program: Program, solution: Solution, unit_bound: float | None) -> Solution:
    """``solution`` with its proof (``certificate``), or with ``failed`` saying which test failed."""
    if solution.failed is not None:
        return solution
    upper = _col_upper(program, unit_bound)
    status = solution.status
    if status == Status.TIME_LIMIT:
        if solution.units is None:
            return solution  # no plan in time: nothing claimed, nothing to prove
        certificate = primal_only(program, solution.units)
        return replace(solution, certificate=certificate, failed=certificate.failed)
    if status == Status.OPTIMAL and not program.integer:
        certificate = optimality(program, solution.units, solution.duals, col_upper=upper)
        if certificate.failed and certificate.max_violation <= TOLERANCE and solution.solver.name != "highs":
            # duals prove a plan optimal whoever found them: CBC's are read as text, or missing
            # where PuLP has none; take HiGHS's for the same program
            other = _solve_once(program, "highs", "geometric", None, unit_bound)
            if other.status == Status.OPTIMAL and other.failed is None:
                certificate = optimality(program, solution.units, other.duals, col_upper=upper)
        return replace(solution, certificate=certificate, failed=certificate.failed)
    if status == Status.OPTIMAL:
        return _prove_mip(program, solution, unit_bound)
    if status in (Status.INFEASIBLE, Status.UNBOUNDED):
        if program.integer:
            relaxed = _prove(program.relaxed(), _solve_once(program.relaxed(), "highs", "geometric", None,
                                                            unit_bound), unit_bound)
            if relaxed.failed is not None:
                return replace(solution, failed=f"its LP relaxation is not proven: {relaxed.failed}")
            if relaxed.status == status:
                return replace(solution, certificate=relaxed.certificate)
            if status == Status.INFEASIBLE and relaxed.status == Status.OPTIMAL:
                # no ray proves a MIP infeasible: the branch-and-bound search itself is trusted here
                return replace(solution, certificate=relaxed.certificate)
            return replace(solution, failed=f"its LP relaxation is {relaxed.status}")
        proof = solution.certificate
        if not isinstance(proof, tuple):  # CBC: no rays; HiGHS's ray proves (or not) the same answer
            other = _solve_once(program, "highs", "geometric", None, unit_bound)
            if other.status != status or not isinstance(other.certificate, tuple):
                return replace(solution, failed=f"HiGHS finds the model {other.status}")
            proof = other.certificate
        ray, point = proof
        failed = infeasibility(program, ray, upper) if status == Status.INFEASIBLE else \
            unboundedness(program, point, ray)
        return replace(solution, certificate=None, failed=failed)
    return replace(solution, failed=f"the solver's answer is {status}")


def _prove_mip(program: Program, solution: Solution, unit_bound: float | None) -> Solution:
    """A whole-unit plan: the LP with its whole units held is proven optimal (so the other units
    are the best for those whole units), and the plan agrees with the proven LP relaxation's bound.
    The branch-and-bound bound itself is trusted (no certificate exists for it)."""
    units = solution.units
    check = primal_only(program, units)
    if check.failed:
        return replace(solution, certificate=check, failed=check.failed)
    integer = np.array([c.integer for c in program.columns])
    lower = np.where(integer, np.round(units), 0.0)
    upper = np.where(integer, np.round(units), np.inf if unit_bound is None else float(unit_bound))
    relaxed = program.relaxed()
    held = WarmModel(relaxed, unit_bound=unit_bound)
    held.hold(lower, upper)
    fixed = held.solve()
    if fixed.status != Status.OPTIMAL:
        return replace(solution, failed=f"the LP with its whole units held is {fixed.status}")
    certificate = optimality(relaxed, fixed.units, fixed.duals, lower, upper)
    sense = 1.0 if program.sense == "min" else -1.0
    value = program.objective_value(units)
    size = max(1.0, abs(value))
    if certificate.failed:
        return replace(solution, certificate=certificate,
                       failed=f"the LP with its whole units held: {certificate.failed}")
    if sense * (value - relaxed.objective_value(fixed.units)) > TOLERANCE * size:
        return replace(solution, certificate=certificate,
                       failed="the LP with its whole units held finds better values for the other units")
    bound = _prove(relaxed, _solve_once(relaxed, "highs", "geometric", None, unit_bound), unit_bound)
    if bound.failed is not None or bound.units is None:
        return replace(solution, certificate=certificate, failed=f"its LP relaxation is not proven: "
                                                                  f"{bound.failed or bound.status}")
    best = relaxed.objective_value(bound.units)
    if sense * (best - value) > TOLERANCE * size:
        return replace(solution, certificate=certificate, failed="the plan beats its own LP relaxation")
    if solution.mip_bound is not None and sense * (best - solution.mip_bound) > TOLERANCE * size:
        return replace(solution, certificate=certificate,
                       failed="the search's bound is beyond what the LP relaxation allows")
    return replace(solution, certificate=certificate)


def _decided_without_solver(program: Program, start: float) -> Solution | None:
    """A limit without terms (a target on a stage no channel reaches) holds or not by its constant
    alone: decided exactly, before any solver runs. Infeasible when one fails."""
    has_terms = program.has_terms
    broken = [k for k, limit in enumerate(program.limits)
              if not has_terms[k] and limit.excess(limit.constant) > TOLERANCE * max(1.0, abs(limit.bound))]
    if not broken:
        return None
    info = SolverInfo("highs", solver_version("highs"), time.perf_counter() - start, 0.0, 0.0)
    return Solution(Status.INFEASIBLE, None, None, None, None, info)


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
    from .pulp_model import pulp_problem

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
    from .pulp_model import pulp_problem

    problem, _, _ = pulp_problem(program)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "model.lp"
        problem.writeLP(str(file))
        write_atomic(path, file.read_text())
