"""The HiGHS adapter: one program on a kept HiGHS model, built from its arrays, for every command.

``optimize`` solves a :class:`WarmModel` once; diagnosis asks it for a :func:`conflict`. What-if
analysis (sweeps, sensitivity) solves the same program hundreds of times with one bound, price or
rate changed. Rebuilding through PuLP costs far more than the solve itself
(SOLVER-NOTES: 58 ms cold against 3.5 ms warm at 10,000 columns), so a :class:`WarmModel` hands
a :class:`~optimizer.model.Program` to highspy once, as arrays, and afterwards changes only what
differs: row bounds, objective coefficients, matrix coefficients; ``run()`` then starts from
the last basis. Rows are the program's limits, all of them and in order, and columns its
columns, so answers map back by position, in domain terms. Statuses are translated once
(:class:`~optimizer.model.status.Status`); HiGHS's "infeasible or unbounded" is probed here and
never leaves this module; the objective sense is handed to HiGHS as it is (nothing is
negated), and duals are turned into "change of the objective per one unit more" here, once.

>>> from optimizer import Scenario
>>> from optimizer.model.build import build_program
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> model = WarmModel(build_program(s))
>>> model.solve().units.tolist()
[100.0]
>>> model.set_bound(0, 150.0)
>>> model.solve().units.tolist(), model.solve().duals.tolist()
([150.0], [20.0])
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

from .program import Limit, Program
from .scaling import Scaling
from .status import Solution, SolverInfo, Status, solver_version

FEASIBILITY = 1e-9  # HiGHS's primal and dual feasibility tolerances on the scaled model
MIP_REL_GAP = 1e-9  # HiGHS and CBC prove the same optimum (HiGHS's default 1e-4 would not)
_FEASIBLE = 2  # highspy.SolutionStatus.kSolutionStatusFeasible
_started = False  # HiGHS prints its banner on fd 1 once per process: the first model is made quietly


@contextlib.contextmanager
def quiet_stdout():
    """Point file descriptor 1 at /dev/null: HiGHS prints its banner at C level, whatever msg says.

    A process without a stdout (``sys.stdout`` None, descriptor 1 closed) keeps the null device there.
    """
    if sys.stdout is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
    try:
        saved: int | None = os.dup(1)
    except OSError:
        saved = None
    devnull = os.open(os.devnull, os.O_WRONLY)
    if devnull != 1:
        os.dup2(devnull, 1)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None).fflush(None)
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
        if devnull != 1:
            os.close(devnull)


def _limit_rows(limits: tuple[Limit, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Row bounds (lower, upper) of each limit: ``coefs . units  SENSE  bound - constant``."""
    inf = np.inf
    lower = np.empty(len(limits))
    upper = np.empty(len(limits))
    for k, limit in enumerate(limits):
        rhs = limit.bound - limit.constant
        lower[k] = rhs if limit.sense in (">=", "==") else -inf
        upper[k] = rhs if limit.sense in ("<=", "==") else inf
    return lower, upper


def same_structure(a: Program, b: Program) -> bool:
    """True when ``b`` differs from ``a`` only in numbers (bounds, coefficients, prices, yields)."""
    return (len(a.columns) == len(b.columns) and len(a.limits) == len(b.limits) and a.sense == b.sense
            and all(x.integer == y.integer for x, y in zip(a.columns, b.columns))
            and all(x.name == y.name and x.sense == y.sense for x, y in zip(a.limits, b.limits)))


@dataclass(frozen=True)
class Ranging:
    """HiGHS's ranging in domain terms, per limit and per column (NaN where HiGHS gives no value).

    ``limit_from``/``limit_to``: the limit values between which the current basis stays optimal
    (meaningful for limits that bind); ``cost_from``/``cost_to``: the range of each column's
    objective coefficient over which the basis stays optimal.
    """

    limit_from: np.ndarray
    limit_to: np.ndarray
    cost_from: np.ndarray
    cost_to: np.ndarray


class WarmModel:
    """One program on a kept ``highspy.Highs`` object; change numbers, re-solve warm.

    ``time_limit`` (seconds) stops a solve early; ``unit_bound`` caps every column (diagnosis uses
    it to find the channels that grow without limit). ``scale`` says how the arrays are scaled
    before HiGHS sees them (:mod:`optimizer.model.scaling`): ``"geometric"`` (the default),
    ``"equilibrated"`` (the second try of the solve ladder; HiGHS then scales by its max-value
    strategy too) or None (the arrays as they are). Every answer comes back in the program's units
    whatever the scaling; parametric analysis (:mod:`optimizer.model.parametric`) reads HiGHS's basis
    and unscales it with :attr:`scaling` itself.
    """

    def __init__(self, program: Program, *, time_limit: float | None = None, unit_bound: float | None = None,
                 order: np.ndarray | None = None, scale: str | None = "geometric"):
        global _started
        import highspy

        self._hs = highspy
        if _started:
            self._h = highspy.Highs()
        else:
            with quiet_stdout():
                self._h = highspy.Highs()
            _started = True
        self._h.setOptionValue("output_flag", False)
        self._h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        if time_limit is not None:
            self._h.setOptionValue("time_limit", float(time_limit))
        self._unit_bound = np.inf if unit_bound is None else float(unit_bound)
        if scale not in ("geometric", "equilibrated", None):
            raise ValueError(f"unknown scaling {scale!r}")
        self.scale = scale
        if scale is not None:
            # the scaled data sit near 1, so HiGHS's absolute tolerances (1e-7) would be relative
            # ones: ask for 1e-9, as precise as the unscaled model of a plan in the millions was
            self._h.setOptionValue("primal_feasibility_tolerance", FEASIBILITY)
            self._h.setOptionValue("dual_feasibility_tolerance", FEASIBILITY)
        if scale == "equilibrated":
            self._h.setOptionValue("simplex_scale_strategy", 4)  # HiGHS's max-value scaling, not its default
        # HiGHS breaks ties by column position: ``order`` (program columns in the order HiGHS gets
        # them) makes a one-shot solve independent of the order channels were written in
        self._order = None if order is None else np.asarray(order, dtype=np.int32)
        self._pass(program)

    @property
    def highs(self):
        """The underlying ``highspy.Highs``: rows are the program's limits, columns its columns, in
        order, in the solver's units (:attr:`scaling`; the program's own with ``scale=None``)."""
        return self._h

    @property
    def scaled(self) -> bool:
        return self.scale is not None

    @property
    def in_program_order(self) -> bool:
        """True when HiGHS's columns are the program's in order (no ``order`` was given)."""
        return self._order is None

    # -- loading -------------------------------------------------------------------------------
    def _pass(self, program: Program) -> None:
        start = time.perf_counter()
        hs = self._hs
        n, m = len(program.columns), len(program.limits)
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        p = np.arange(n, dtype=np.int32) if self._order is None else self._order
        q = np.empty(n, dtype=np.int32)
        q[p] = np.arange(n, dtype=np.int32)
        self._p, self._q = p, q  # HiGHS column k is program column p[k]; program column j is HiGHS column q[j]
        costs = np.asarray(program.objective_coefs, dtype=float)
        lower, upper = _limit_rows(program.limits)
        rows, columns, coefs = program.terms  # grouped by limit, in order: the CSR arrays by row
        scaling_start = time.perf_counter()
        if self.scale is None:
            scaling = Scaling.identity(m, n)
        else:
            rhs = np.where(np.isfinite(lower), lower, np.where(np.isfinite(upper), upper, np.nan))
            integer = np.array([c.integer for c in program.columns], dtype=bool)
            if self.scale == "geometric":  # the right-hand sides scaled with the matrix
                scaling = Scaling.geometric(rows, columns, coefs, m, n, rhs=rhs).with_objective_and_bounds(
                    costs, None, integer)
            else:
                scaling = Scaling.equilibrated(rows, columns, coefs, m, n).with_objective_and_bounds(
                    costs, rhs, integer)
            if integer.any():  # whole units keep their units: lift the rows that leaves too small
                scaling = scaling.lifted(rows, columns, coefs)
        self.scaling = scaling
        self.scale_seconds = time.perf_counter() - scaling_start  # finding the factors (the stage budget)
        lp.col_cost_ = scaling.costs(costs)[p]
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = scaling.col_bounds(np.full(n, self._unit_bound))[p]
        lp.row_lower_, lp.row_upper_ = scaling.row_bounds(lower), scaling.row_bounds(upper)
        starts = np.zeros(m + 1, dtype=np.int32)
        starts[1:] = np.cumsum(np.bincount(rows, minlength=m))
        lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = q[columns]
        lp.a_matrix_.value_ = scaling.matrix(rows, columns, coefs)
        lp.sense_ = hs.ObjSense.kMaximize if program.sense == "max" else hs.ObjSense.kMinimize
        if program.integer:
            lp.integrality_ = [hs.HighsVarType.kInteger if program.columns[j].integer
                               else hs.HighsVarType.kContinuous for j in p]
        status = self._h.passModel(lp)
        # HiGHS warns when it drops entries (magnitude <= small_matrix_value): the model it solves
        # is then not ours, and no answer from it can be certified
        self.dropped_entries = status.name != "kOk"
        self.program = program
        self._lower, self._upper = lower, upper
        self._costs = costs.copy()  # in program order, our units
        self.model_seconds = time.perf_counter() - start

    def _scaled_costs(self) -> np.ndarray:
        """The objective as HiGHS holds it, in HiGHS column order."""
        return self.scaling.costs(self._costs)[self._p]

    def _set_row(self, k: int, lower: float, upper: float) -> None:
        """Row ``k``'s bounds (ours) on the model (scaled)."""
        self._h.changeRowBounds(int(k), self.scaling.row_bound(k, lower), self.scaling.row_bound(k, upper))

    def load(self, program: Program) -> bool:
        """Make the model ``program``: change only the numbers that differ (True), or rebuild (False)."""
        if not same_structure(self.program, program):
            self._pass(program)
            return False
        h = self._h
        costs = np.asarray(program.objective_coefs, dtype=float)
        changed = np.flatnonzero(costs != self._costs)
        if len(changed):
            h.changeColsCost(len(changed), self._q[changed], self.scaling.costs(costs[changed], changed))
            self._costs = costs.copy()
        lower, upper = _limit_rows(program.limits)
        for k in np.flatnonzero((lower != self._lower) | (upper != self._upper)):
            self._set_row(int(k), float(lower[k]), float(upper[k]))
        self._lower, self._upper = lower, upper
        old_rows, old_columns, old_coefs = self.program.terms
        rows, columns, coefs = program.terms
        if np.array_equal(old_rows, rows) and np.array_equal(old_columns, columns):
            for t in np.flatnonzero(old_coefs != coefs):  # the same terms: only some numbers differ
                i, j = int(rows[t]), int(columns[t])
                h.changeCoeff(i, int(self._q[j]), self.scaling.coef(i, j, float(coefs[t])))
        else:  # a term appeared or vanished (a yield became 0): compare limit by limit
            for k, (old, new) in enumerate(zip(self.program.limits, program.limits)):
                if old is new or (np.array_equal(old.index, new.index) and np.array_equal(old.coefs, new.coefs)):
                    continue
                entries = dict.fromkeys(old.index.tolist(), 0.0)
                entries.update(zip(new.index.tolist(), new.coefs.tolist()))
                for i, value in entries.items():
                    h.changeCoeff(k, int(self._q[i]), self.scaling.coef(k, i, float(value)))
        self.program = program
        return True

    def set_bound(self, k: int, bound: float) -> None:
        """Move limit ``k``'s bound (the value the user wrote: a target, a cap, the budget) to ``bound``."""
        limit = self.program.limits[k]
        rhs = bound - limit.constant
        lower = rhs if limit.sense in (">=", "==") else -np.inf
        upper = rhs if limit.sense in ("<=", "==") else np.inf
        self._set_row(k, lower, upper)
        self._lower[k], self._upper[k] = lower, upper

    def bound(self, k: int) -> float:
        """Limit ``k``'s bound as the model holds it now."""
        limit = self.program.limits[k]
        rhs = self._lower[k] if limit.sense in (">=", "==") else self._upper[k]
        return float(rhs + limit.constant)

    # -- solving -------------------------------------------------------------------------------
    def _status(self, info=None) -> Status:
        """Our status of the last run; HiGHS's "infeasible or unbounded" is probed, never passed on."""
        name = self._h.getModelStatus().name
        if name == "kUnboundedOrInfeasible":
            return self._infeasible_or_unbounded()
        status = Status.from_highs(name)
        if status == Status.OPTIMAL and (info or self._h.getInfo()).primal_solution_status != _FEASIBLE:
            return Status.ERROR  # HiGHS claims optimal without a feasible point: never report it
        return status

    def solve(self, duals: bool = True) -> Solution:
        """Re-solve from the last basis; units, and (``duals``) duals as the change of the objective
        per one unit more of each limit and reduced costs."""
        start = time.perf_counter()
        h = self._h
        h.run()
        info = h.getInfo()
        status = self._status(info)
        want_duals = duals
        units = duals = reduced = None
        gap = None
        # an LP stopped early may hold values that are no plan: a plan only with a feasible point
        if status in (Status.OPTIMAL, Status.TIME_LIMIT) and info.primal_solution_status == _FEASIBLE:
            solution = h.getSolution()
            units = self._cleared(self.scaling.units(np.array(solution.col_value, dtype=float)[self._q]),
                                  np.array(solution.col_value, dtype=float)[self._q])
            if self.program.integer:
                # HiGHS reports an infinite gap where it has no bound yet: proven 0 only at optimal
                gap = float(info.mip_gap) if np.isfinite(info.mip_gap) else 0.0 if status == Status.OPTIMAL else None
            elif status == Status.OPTIMAL and want_duals:
                # HiGHS's row duals are d(objective)/d(row bound) for both senses; a limit written
                # as ``coefs . units + constant`` moves its row bound one for one, so no flip here.
                duals = self.scaling.row_duals(np.array(solution.row_dual, dtype=float)) + 0.0
                reduced = self.scaling.reduced_costs(np.array(solution.col_dual, dtype=float)[self._q]) + 0.0
        seconds = time.perf_counter() - start
        bound = self.mip_bound if self.program.integer and units is not None else None
        return Solution(status, units, duals, reduced, gap, SolverInfo("highs", solver_version("highs"), seconds,
                                                                       float(h.getRunTime())), bound)

    def _cleared(self, units: np.ndarray, z: np.ndarray) -> np.ndarray:
        """``units`` with rounding noise set to 0: values tiny in the solver's units (relative to
        its largest), unless clearing them breaks a limit. Tiny is no proof of noise: 1 unit of a
        $1e12 channel beside 1e13 contacts, or 1 free contact beside 2e17 leads, are tiny and needed."""
        tiny = (z != 0) & (np.abs(z) < 1e-12 * max(1.0, float(np.abs(z).max(initial=0.0))))
        if not tiny.any():
            return units
        cleared = np.where(tiny, 0.0, units)
        if self.program.limits and self.program.violations(cleared).max() > max(
                1e-9, float(self.program.violations(units).max())):
            return units
        return cleared

    # -- what proves an answer (optimizer.model.certify checks it) -----------------------------
    def dual_ray(self) -> np.ndarray | None:
        """After an infeasible LP solve: HiGHS's dual ray (per limit, in our units), or None."""
        try:
            _, has, values = self._h.getDualRay()
        except Exception:  # noqa: BLE001 (no ray is an answer here, not an error)
            return None
        return self.scaling.dual_ray(np.array(values, dtype=float)[:len(self.program.limits)]) if has else None

    def primal_ray(self) -> np.ndarray | None:
        """After an unbounded LP solve: HiGHS's primal ray (per program column, our units), or None."""
        try:
            _, has, values = self._h.getPrimalRay()
        except Exception:  # noqa: BLE001
            return None
        return self.scaling.primal_ray(np.array(values, dtype=float)[self._q]) if has else None

    def rerun_without_presolve(self) -> None:
        """Solve again with presolve off: HiGHS then ends in the simplex, which has the rays."""
        self._h.setOptionValue("presolve", "off")
        try:
            self._h.clearSolver()
            self._h.run()
        finally:
            self._h.setOptionValue("presolve", "choose")

    def point(self) -> np.ndarray | None:
        """The units HiGHS holds now, if it calls them feasible (an unbounded LP's starting plan)."""
        if self._h.getInfo().primal_solution_status != _FEASIBLE:
            return None
        return self.scaling.units(np.array(self._h.getSolution().col_value, dtype=float)[self._q])

    def hold(self, lower: np.ndarray, upper: np.ndarray) -> None:
        """Bound every column (program order, our units), and make every column continuous: the LP
        with whole units held at a plan's (``lower == upper`` there)."""
        n = len(self.program.columns)
        every = np.arange(n, dtype=np.int32)
        if self.program.integer:
            self._h.changeColsIntegrality(n, every, np.array([self._hs.HighsVarType.kContinuous] * n))
        self._h.changeColsBounds(n, self._q, self.scaling.col_bounds(lower), self.scaling.col_bounds(upper))

    @property
    def mip_bound(self) -> float | None:
        """The last MIP solve's dual bound, in our objective's units."""
        value = float(self._h.getInfo().mip_dual_bound)
        return value / self.scaling.cost if np.isfinite(value) else None

    @property
    def col_upper(self) -> np.ndarray:
        """Every column's upper bound, program order, our units."""
        return np.full(len(self.program.columns), self._unit_bound)

    def _infeasible_or_unbounded(self) -> Status:
        """Tell infeasible from unbounded: the same limits with a zero objective (then restore it)."""
        h, n = self._h, len(self._costs)
        every = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, every, np.zeros(n))
        h.run()
        feasible = h.getModelStatus().name == "kOptimal"
        h.changeColsCost(n, every, self._scaled_costs())
        return Status.UNBOUNDED if feasible else Status.INFEASIBLE

    def _conflict(self) -> list[int] | None:
        """:func:`conflict` on this model (a zero objective); frees rows as it goes."""
        h, m = self._h, len(self.program.limits)
        h.run()
        if h.getModelStatus().name != "kInfeasible":
            return None
        h.setOptionValue("iis_strategy", 2)
        _, iis = h.getIis()
        if not iis.valid_:
            return None
        subset = sorted({int(r) for r in iis.row_index_})
        for k in sorted(set(range(m)) - set(subset)):
            h.changeRowBounds(k, -np.inf, np.inf)
        keep = list(subset)
        for k in subset:
            h.changeRowBounds(k, -np.inf, np.inf)
            if self.solve(duals=False).status == Status.INFEASIBLE:
                keep.remove(k)  # the others conflict without it
            else:
                self._set_row(k, float(self._lower[k]), float(self._upper[k]))
        return keep

    def ranging(self) -> Ranging | None:
        """HiGHS's cost and right-hand-side ranging of the last optimal LP solve, or None."""
        status, r = self._h.getRanging()
        if status.name != "kOk" or not r.valid:
            return None
        n, m = len(self.program.columns), len(self.program.limits)
        constants = np.array([limit.constant for limit in self.program.limits])

        def values(record, count: int) -> np.ndarray:
            out = np.array(record.value_[:count], dtype=float)
            out[np.abs(out) >= 1e30] = np.nan
            return out

        sc = self.scaling
        return Ranging(sc.bounds_back(values(r.row_bound_dn, m)) + constants,
                       sc.bounds_back(values(r.row_bound_up, m)) + constants,
                       sc.costs_back(values(r.col_cost_dn, n)[self._q]),
                       sc.costs_back(values(r.col_cost_up, n)[self._q]))

    def extremes(self, objective_value: float, tolerance: float) -> list[tuple[np.ndarray, np.ndarray]]:
        """Among plans whose objective is within ``tolerance`` of ``objective_value``: for each column,
        the plan with the fewest and the plan with the most units of it (None where no answer).

        Adds the objective as a row, solves 2 x columns LPs, then restores the model.
        """
        h, n = self._h, len(self._costs)
        cols = np.flatnonzero(self._costs)
        sc = self.scaling
        h.addRow(sc.objective_value(objective_value - tolerance), sc.objective_value(objective_value + tolerance),
                 len(cols), self._q[cols], sc.costs(self._costs[cols], cols))
        sense = h.getObjectiveSense()[1]
        every = np.arange(n, dtype=np.int32)
        h.changeObjectiveSense(self._hs.ObjSense.kMinimize)
        out = []
        try:
            for j in range(n):
                pair = []
                for sign in (1.0, -1.0):
                    costs = np.zeros(n)
                    costs[j] = sign
                    h.changeColsCost(n, every, costs[self._p])
                    h.run()
                    status = h.getModelStatus().name  # the objective row holds a plan: ambiguous is unbounded
                    if status in ("kUnbounded", "kUnboundedOrInfeasible") and sign < 0:
                        # the column can grow without limit at the same objective (a free channel with
                        # no cap): any larger amount is an equally good plan; show one
                        low = pair[0][j] if pair and pair[0] is not None else 0.0
                        cap = sc.col_bounds(np.array([10.0 * (1.0 + abs(low)) + 1000.0]), np.array([j]))[0]
                        h.changeColBounds(int(self._q[j]), 0.0, float(cap))
                        h.run()
                        status = h.getModelStatus().name
                        h.changeColBounds(int(self._q[j]), 0.0, np.inf)  # the solution stays readable; the status not
                    ok = status == "kOptimal"
                    pair.append(sc.units(np.array(h.getSolution().col_value, dtype=float)[self._q]) if ok else None)
                out.append(tuple(pair))
        finally:
            h.deleteRows(1, np.array([len(self.program.limits)], dtype=np.int32))
            h.changeObjectiveSense(sense)
            h.changeColsCost(n, every, self._scaled_costs())
        return out


def conflict(program: Program) -> list[int] | None:
    """Indices of limits that cannot all hold together and are each needed (an irreducible
    infeasible subset, ignoring whole units), or None when the limits can hold.

    HiGHS's IIS (``iis_strategy`` 2) is shrunk by a deletion filter: HiGHS 1.16's subset can hold
    limits whose removal leaves the rest still infeasible (measured on the B2B scenario with a low
    budget: it names both event bounds and the sales cap). Users act on this list, so a limit stays
    only if freeing it makes the others feasible.

    >>> from optimizer import Scenario
    >>> from optimizer.model.build import build_program
    >>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], budget=100, targets={"leads": 10})
    >>> [build_program(s).limits[k].name for k in conflict(build_program(s))]
    ['budget', 'targets.leads']
    """
    feasibility = program.relaxed().with_limits(program.limits, objective_coefs=np.zeros(len(program.columns)))
    return WarmModel(feasibility)._conflict()  # a zero objective: never unbounded
