"""Solve a :class:`~optimizer.model.Program` with HiGHS (default) or CBC, and read the answer back.

The only module besides ``model`` that speaks to PuLP and highspy: it maps solver statuses to
ours (one table), corrects dual signs of ``max`` problems once, keeps the solver's banner off
stdout, and turns HiGHS's irreducible infeasible subset into limit indices.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass
from functools import cache
from importlib import metadata

import numpy as np

from ..errors import SolverError
from .program import Program
from .pulp_model import to_pulp

SOLVERS = ("highs", "cbc")
MIP_REL_GAP = 1e-9  # both solvers prove the same optimum (HiGHS's default 1e-4 would not)

# HiGHS model status (by name) -> our status; anything else is "error".
_HIGHS_STATUS = {
    "kOptimal": "optimal",
    "kInfeasible": "infeasible",
    "kUnbounded": "unbounded",
    "kUnboundedOrInfeasible": "infeasible_or_unbounded",
    "kTimeLimit": "time_limit",
    "kIterationLimit": "time_limit",
    "kSolutionLimit": "time_limit",
    "kInterrupt": "time_limit",
    "kObjectiveBound": "optimal",
    "kObjectiveTarget": "optimal",
}
_HIGHS_FEASIBLE = 2  # highspy.SolutionStatus.kSolutionStatusFeasible
# PuLP status codes (for CBC) -> our status.
_PULP_STATUS = {1: "optimal", 0: "time_limit", -1: "infeasible", -2: "unbounded", -3: "error"}


@dataclass(frozen=True)
class SolverInfo:
    name: str
    version: str
    seconds: float
    solver_seconds: float | None = None  # the solver's own run time, within ``seconds``
    model_seconds: float | None = None  # stating the model in PuLP, within ``seconds``

    def to_dict(self, timing: bool = True) -> dict:
        """``timing=False`` leaves out ``seconds``, so two runs of one scenario give identical JSON."""
        out = {"name": self.name, "version": self.version, "seconds": round(self.seconds, 6)}
        if not timing:
            del out["seconds"]
        return out


@dataclass(frozen=True)
class Solution:
    """What a solver returned, in domain terms: units per column and per-limit duals."""

    status: str  # optimal, time_limit, infeasible, unbounded, error
    units: np.ndarray | None
    duals: np.ndarray | None  # per limit: change of the objective per one unit more of its bound
    reduced_costs: np.ndarray | None
    mip_gap: float | None
    solver: SolverInfo

    @property
    def has_plan(self) -> bool:
        return self.units is not None and self.status in ("optimal", "time_limit")


@cache
def solver_version(name: str) -> str:
    if name == "highs":
        return metadata.version("highspy")
    return "CBC (bundled with PuLP " + metadata.version("pulp") + ")"


@contextlib.contextmanager
def quiet_stdout():
    """Point file descriptor 1 at /dev/null: HiGHS prints its banner at C level, whatever msg says."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


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


def solve(program: Program, solver: str = "highs", time_limit: float | None = None,
          unit_bound: float | None = None) -> Solution:
    """Solve ``program``; never prints. ``unit_bound`` caps every column (used to find unbounded channels)."""
    start = time.perf_counter()
    problem, variables, rows = to_pulp(program, unit_bound)
    stated = time.perf_counter()
    engine = _pulp_solver(solver, time_limit, program.integer)
    with quiet_stdout():
        try:
            code = problem.solve(engine)
        except Exception as exc:  # a solver crash is reported, never a traceback
            raise SolverError(f"the {solver} solver failed: {exc}") from exc
        status, gap, own_seconds = _read_status(problem, code, solver, program.integer)
        if status == "infeasible_or_unbounded":
            status = _feasible_or_not(program, solver)
    units = duals = reduced = None
    if status in ("optimal", "time_limit"):
        values = [v.varValue for v in variables]
        if status == "time_limit" and (all(v is None for v in values) or (
                solver == "highs" and problem.solverModel.getInfo().primal_solution_status != _HIGHS_FEASIBLE)):
            values = None  # no plan found in time (an LP stopped early may hold values that are no plan)
        if values is not None:
            # a column in no row and not in the objective is left out by PuLP: 0 units is optimal for it
            units = np.array([0.0 if v is None else float(v) for v in values])
            units[np.abs(units) < 1e-12] = 0.0
            if solver == "cbc" and float(np.abs(units).max(initial=0.0)) >= CBC_INFINITE:
                # CBC reports some unbounded LPs as optimal, with a ray's worth of units (1.7e21 of a
                # free channel, found by the scipy property test): no plan of that size is real
                status, units = "unbounded", None
            elif solver == "cbc":
                units = polish(program, units)
        if units is not None and not program.integer and status == "optimal":
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


def _read_status(problem, code: int, solver: str, mip: bool) -> tuple[str, float | None, float | None]:
    if solver == "highs":
        h = problem.solverModel
        status = _HIGHS_STATUS.get(h.getModelStatus().name, "error")
        info = h.getInfo()
        gap = float(info.mip_gap) if mip and np.isfinite(info.mip_gap) else (0.0 if mip else None)
        return status, gap, float(h.getRunTime())
    status = _PULP_STATUS.get(code, "error")
    if status == "optimal" and problem.sol_status == 2:  # an integer plan found, not proven optimal
        return "time_limit", None, None
    if status == "infeasible" and not mip:
        return "infeasible_or_unbounded", None, None  # CBC reports some unbounded LPs as infeasible
    return status, (0.0 if mip and status == "optimal" else None), None


def _feasible_or_not(program: Program, solver: str) -> str:
    """Tell infeasible from unbounded: the same limits with a zero objective."""
    probe = program.with_limits(program.limits, objective_coefs=np.zeros(len(program.columns)))
    result = solve(probe, "highs")  # a zero objective cannot be unbounded: HiGHS answers without ambiguity
    return "unbounded" if result.status == "optimal" else "infeasible"


def conflict(program: Program) -> list[int] | None:
    """Indices of limits forming an irreducible infeasible subset (HiGHS IIS), or None if none found."""
    import pulp

    problem, _, rows = to_pulp(program.relaxed())
    with quiet_stdout():
        problem.solve(pulp.HiGHS(msg=False))
        h = problem.solverModel
        if h.getModelStatus().name != "kInfeasible":
            return None
        h.setOptionValue("iis_strategy", 2)
        status, iis = h.getIis()
    if not iis.valid_:
        return None
    row_to_limit = list(rows)  # rows are passed to HiGHS in insertion order
    return _deletion_filter(program, sorted({row_to_limit[r] for r in iis.row_index_}))


def _deletion_filter(program: Program, subset: list[int]) -> list[int]:
    """Shrink HiGHS's infeasible subset until it is irreducible: every limit left is needed.

    HiGHS 1.16's subset can hold limits whose removal leaves the rest still infeasible (measured on
    the B2B scenario with a low budget: it names both event bounds and the sales cap). Users act
    on this list, so a limit stays only if dropping it makes the others feasible.
    """
    keep = list(subset)
    zero = np.zeros(len(program.columns))
    for index in list(subset):
        rest = [program.limits[j] for j in keep if j != index]
        probe = program.with_limits(rest, objective_coefs=zero).relaxed()
        if solve(probe, "highs").status == "infeasible":
            keep.remove(index)
    return keep


def write_lp(program: Program, path) -> None:
    """Write the model as an LP file (names from the scenario), atomically."""
    import tempfile
    from pathlib import Path

    from ..files import write_atomic

    problem, _, _ = to_pulp(program)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "model.lp"
        problem.writeLP(str(file))
        write_atomic(path, file.read_text())
