"""Re-solve one program many times on a kept HiGHS model, warm-started from the last basis.

What-if analysis (sweeps, sensitivity) solves the same program hundreds of times with one bound,
price or rate changed. Rebuilding through PuLP costs far more than the solve itself
(SOLVER-NOTES: 58 ms cold against 3.5 ms warm at 10,000 columns), so a :class:`WarmModel` hands
a :class:`~optimizer.model.Program` to highspy once, as arrays, and afterwards changes only what
differs: row bounds, objective coefficients, matrix coefficients; ``run()`` then starts from
the last basis. Rows are the program's limits, all of them and in order, and columns its
columns, so answers map back by position, in domain terms. This module and ``solve`` are the
only ones that speak to the solver; the objective sense is handed to HiGHS as it is (nothing is
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

import time
from dataclasses import dataclass

import numpy as np

from .program import Limit, Program
from .solve import _HIGHS_FEASIBLE, _HIGHS_STATUS, MIP_REL_GAP, Solution, SolverInfo, quiet_stdout, solver_version

_started = False  # HiGHS prints its banner on fd 1 once per process: the first model is made quietly


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
    """One program on a kept ``highspy.Highs`` object; change numbers, re-solve warm."""

    def __init__(self, program: Program):
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
        if program.integer:
            self._h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self._pass(program)

    @property
    def highs(self):
        """The underlying ``highspy.Highs`` (for basis-level analysis in :mod:`optimizer.model.parametric`)."""
        return self._h

    # -- loading -------------------------------------------------------------------------------
    def _pass(self, program: Program) -> None:
        hs = self._hs
        n, m = len(program.columns), len(program.limits)
        lp = hs.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.asarray(program.objective_coefs, dtype=float)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, np.inf)
        lower, upper = _limit_rows(program.limits)
        lp.row_lower_, lp.row_upper_ = lower, upper
        starts = np.zeros(m + 1, dtype=np.int32)
        starts[1:] = np.cumsum([len(limit.index) for limit in program.limits])
        lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = np.concatenate([limit.index for limit in program.limits]).astype(np.int32) \
            if m else np.zeros(0, dtype=np.int32)
        lp.a_matrix_.value_ = np.concatenate([limit.coefs for limit in program.limits]).astype(float) \
            if m else np.zeros(0)
        lp.sense_ = hs.ObjSense.kMaximize if program.sense == "max" else hs.ObjSense.kMinimize
        if program.integer:
            lp.integrality_ = [hs.HighsVarType.kInteger if c.integer else hs.HighsVarType.kContinuous
                               for c in program.columns]
        self._h.passModel(lp)
        self.program = program
        self._lower, self._upper = lower, upper
        self._costs = np.array(lp.col_cost_, dtype=float)

    def load(self, program: Program) -> bool:
        """Make the model ``program``: change only the numbers that differ (True), or rebuild (False)."""
        if not same_structure(self.program, program):
            self._pass(program)
            return False
        h = self._h
        costs = np.asarray(program.objective_coefs, dtype=float)
        changed = np.flatnonzero(costs != self._costs)
        if len(changed):
            h.changeColsCost(len(changed), changed.astype(np.int32), costs[changed])
            self._costs = costs.copy()
        lower, upper = _limit_rows(program.limits)
        for k in np.flatnonzero((lower != self._lower) | (upper != self._upper)):
            h.changeRowBounds(int(k), float(lower[k]), float(upper[k]))
        self._lower, self._upper = lower, upper
        old_rows, old_columns, old_coefs = self.program.terms
        rows, columns, coefs = program.terms
        if np.array_equal(old_rows, rows) and np.array_equal(old_columns, columns):
            for t in np.flatnonzero(old_coefs != coefs):  # the same terms: only some numbers differ
                h.changeCoeff(int(rows[t]), int(columns[t]), float(coefs[t]))
        else:  # a term appeared or vanished (a yield became 0): compare limit by limit
            for k, (old, new) in enumerate(zip(self.program.limits, program.limits)):
                if old is new or (np.array_equal(old.index, new.index) and np.array_equal(old.coefs, new.coefs)):
                    continue
                entries = dict.fromkeys(old.index.tolist(), 0.0)
                entries.update(zip(new.index.tolist(), new.coefs.tolist()))
                for i, value in entries.items():
                    h.changeCoeff(k, int(i), float(value))
        self.program = program
        return True

    def set_bound(self, k: int, bound: float) -> None:
        """Move limit ``k``'s bound (the value the user wrote: a target, a cap, the budget) to ``bound``."""
        limit = self.program.limits[k]
        rhs = bound - limit.constant
        lower = rhs if limit.sense in (">=", "==") else -np.inf
        upper = rhs if limit.sense in ("<=", "==") else np.inf
        self._h.changeRowBounds(k, lower, upper)
        self._lower[k], self._upper[k] = lower, upper

    def bound(self, k: int) -> float:
        """Limit ``k``'s bound as the model holds it now."""
        limit = self.program.limits[k]
        rhs = self._lower[k] if limit.sense in (">=", "==") else self._upper[k]
        return float(rhs + limit.constant)

    # -- solving -------------------------------------------------------------------------------
    def _status(self, info=None) -> str:
        status = _HIGHS_STATUS.get(self._h.getModelStatus().name, "error")
        if status == "optimal" and (info or self._h.getInfo()).primal_solution_status != _HIGHS_FEASIBLE:
            return "error"  # HiGHS claims optimal without a feasible point: never report it
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
        if status == "infeasible_or_unbounded":
            status = self._infeasible_or_unbounded()
        units = duals = reduced = None
        gap = None
        if status in ("optimal", "time_limit") and info.primal_solution_status == _HIGHS_FEASIBLE:
            solution = h.getSolution()
            units = np.array(solution.col_value, dtype=float)
            units[np.abs(units) < 1e-12] = 0.0
            if self.program.integer:
                gap = float(info.mip_gap)
            elif status == "optimal" and want_duals:
                # HiGHS's row duals are d(objective)/d(row bound) for both senses; a limit written
                # as ``coefs . units + constant`` moves its row bound one for one, so no flip here.
                duals = np.array(solution.row_dual, dtype=float) + 0.0
                reduced = np.array(solution.col_dual, dtype=float) + 0.0
        elif status in ("optimal", "time_limit"):
            status = "time_limit"
        seconds = time.perf_counter() - start
        return Solution(status, units, duals, reduced, gap, SolverInfo("highs", solver_version("highs"), seconds,
                                                                       float(h.getRunTime())))

    def _infeasible_or_unbounded(self) -> str:
        """Tell infeasible from unbounded: the same limits with a zero objective (then restore it)."""
        h, n = self._h, len(self._costs)
        every = np.arange(n, dtype=np.int32)
        h.changeColsCost(n, every, np.zeros(n))
        h.run()
        feasible = h.getModelStatus().name == "kOptimal"
        h.changeColsCost(n, every, self._costs)
        return "unbounded" if feasible else "infeasible"

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

        return Ranging(values(r.row_bound_dn, m) + constants, values(r.row_bound_up, m) + constants,
                       values(r.col_cost_dn, n), values(r.col_cost_up, n))

    def extremes(self, objective_value: float, tolerance: float) -> list[tuple[np.ndarray, np.ndarray]]:
        """Among plans whose objective is within ``tolerance`` of ``objective_value``: for each column,
        the plan with the fewest and the plan with the most units of it (None where no answer).

        Adds the objective as a row, solves 2 x columns LPs, then restores the model.
        """
        h, n = self._h, len(self._costs)
        cols = np.flatnonzero(self._costs).astype(np.int32)
        h.addRow(objective_value - tolerance, objective_value + tolerance, len(cols), cols, self._costs[cols])
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
                    h.changeColsCost(n, every, costs)
                    h.run()
                    status = self._status()
                    if status in ("unbounded", "infeasible_or_unbounded") and sign < 0:
                        # the column can grow without limit at the same objective (a free channel with
                        # no cap): any larger amount is an equally good plan; show one
                        low = pair[0][j] if pair and pair[0] is not None else 0.0
                        h.changeColBounds(int(j), 0.0, 10.0 * (1.0 + abs(low)) + 1000.0)
                        h.run()
                        status = self._status()
                        h.changeColBounds(int(j), 0.0, np.inf)
                    ok = status == "optimal"
                    pair.append(np.array(h.getSolution().col_value, dtype=float) if ok else None)
                out.append(tuple(pair))
        finally:
            h.deleteRows(1, np.array([len(self.program.limits)], dtype=np.int32))
            h.changeObjectiveSense(sense)
            h.changeColsCost(n, every, self._costs)
        return out
