"""Parametric analysis on one optimal basis: how far a number may move before the basis changes.

A :class:`Parametric` holds a :class:`~optimizer.model.highs.WarmModel` solved to optimality and
reads its basis through ``WarmModel.highs``. With ``B`` the basis matrix, ``y`` the row duals
(change of the objective per unit more of a limit) and ``d = c - A^T y`` the reduced costs:

- a limit's bound moves the basic units along ``B^-1 e_k`` (``getBasisSolve``): the bound may move
  until a basic column reaches zero or a limit with slack reaches its bound (:meth:`row_range`);
- a column whose cost and coefficients move linearly with a parameter ``t`` (a price or a rate of
  one channel: ``c_j + t dc``, ``a_j + t da``) changes the basis in one column, a rank-one change:
  with ``w = B^-1 da``, ``s = t / (1 + t w_p)``, the basic units move as ``x - s x_j w`` and the duals
  as ``y + s g rho`` (``rho`` row ``p`` of ``B^-1``, ``getBasisInverseRow``; ``g = dc - y . da``), so
  both primal and dual feasibility are linear in ``s`` (:meth:`column_range`); a column out of the
  plan moves only its own reduced cost, ``d_j + t g``;
- a :class:`Certificate` checks the basis at any parameter value from scratch: primal feasibility,
  dual feasibility and the objective equal to its dual bound, each within 1e-9 (relative);
- probes re-solve the changed model warm from the optimal basis; the costs and bounds they change
  are put back at once, the matrix entries when something else needs the matrix (a basis solve,
  another probe's entries): successive probes of one number set its entries only once each.

Everything above is in the program's own units; HiGHS holds the scaled model
(:mod:`optimizer.model.scaling`, whose ``s``, ``r``, ``t``, ``k`` give the factors used here: column
``C_j = t s_j``, row ``R_i = r_i / t``, objective ``k``). The solver's LP is ``A' = R A C``,
``b' = R b``, ``u' = u / C``, ``c' = k C c`` in ``z = C^-1 x``, so ``A' z = R A x`` and
``c' . z = k c . x``. What comes back, and why:

- units ``x = C z``; left sides ``A x = (A' z) / R``;
- duals: the solver's objective is ``k`` times ours and ``b'_i = R_i b_i``, so
  ``y_i = d(c.x)/d b_i = R_i y'_i / k``; reduced costs ``d' = c' - A'^T y' = k C (c - A^T y)``, so
  ``d_j = d'_j / (k C_j)``;
- the basis matrix: its columns are structural (``A'_j = R A_j C_j``) and logical (``e_i`` in both
  models, standing for ``R_i`` times row ``i``'s activity), so ``B' = R B D`` with ``D`` diagonal,
  ``D_p = C_j`` for a basic column ``j`` at position ``p`` and ``1 / R_i`` for a basic row ``i``;
  hence ``B^-1 = D B'^-1 R``: ``B^-1 v`` at a basic column ``j`` is ``C_j (B'^-1 (R v))_p``
  (``getBasisSolve`` of ``R v``), and row ``p`` of ``B^-1`` is ``C_j (row p of B'^-1) R``
  (``getBasisInverseRow``). ``w_p`` and ``rho`` above are these unscaled ones;
- changes go in the same way: a coefficient ``R_i a_ij C_j``, a cost ``k C_j c_j``, a row bound
  ``R_i b_i``, a column bound ``u_j / C_j``. Whole-unit columns have ``C_j = 1``.

Basis statuses and positions do not change with the factors, so ratio tests and certificates all
run on the unscaled numbers and prove them in the scenario's own units.

>>> from optimizer import Scenario
>>> from optimizer.model.build import build_program
>>> from optimizer.model.highs import WarmModel
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 150},
...                        {"name": "search", "cost_per_lead": 50}], targets={"leads": 100})
>>> basis = Parametric(WarmModel(build_program(s)))
>>> basis.row_range(0)  # targets.leads: email alone until its 150 units (bound moves by -100 .. +50)
(-100.0, 50.0)
>>> basis.column_range(1, 1.0, np.zeros(0, dtype=int), np.zeros(0))  # search's cost: enters 30 lower
(-30.0, inf)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .program import Program

TOLERANCE = 1e-9  # feasibility and optimality of a certificate, relative to the numbers' own size
_PIVOT = 1e-11  # a direction entry smaller than this (relative) does not move its variable
_BASIC = 1  # highspy.HighsBasisStatus.kBasic
_LOWER, _UPPER = 0, 2


@dataclass(frozen=True)
class Certificate:
    """A basis checked at one parameter value: worst primal and dual violations (relative) and the
    objective there, with the gap to the dual bound (relative)."""

    primal: float
    dual: float
    objective: float
    gap: float

    @property
    def holds(self) -> bool:
        return self.primal <= TOLERANCE and self.dual <= TOLERANCE and self.gap <= TOLERANCE


@dataclass(frozen=True)
class Probe:
    """A warm re-solve of a changed model: status, units and every limit's left side (no constant)."""

    status: str
    units: np.ndarray | None = None
    activity: np.ndarray | None = None
    objective: float | None = None


def _ratio(q0: np.ndarray, dq: np.ndarray, lower: np.ndarray, upper: np.ndarray, scale: np.ndarray
           ) -> tuple[float, float]:
    """The interval of ``s`` (containing 0) over which ``lower <= q0 + s dq <= upper``."""
    moving = np.abs(dq) > _PIVOT * scale
    if not moving.any():
        return -np.inf, np.inf
    q0, dq, lower, upper = q0[moving], dq[moving], lower[moving], upper[moving]
    room_up = np.maximum(upper - q0, 0.0)  # a number already (slightly) beyond its bound: no room
    room_down = np.maximum(q0 - lower, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = np.where(dq > 0, room_up / dq, room_down / -dq)
        lo = np.where(dq > 0, -room_down / dq, -room_up / -dq)
    return float(np.nanmax(lo, initial=-np.inf)), float(np.nanmin(hi, initial=np.inf))


_SCAN = (1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1.0)  # fractions of a span


def _reach(holds, direction: int, limit: float) -> float:
    """How far from 0 (in ``direction``) ``holds(t)`` stays true, up to ``limit`` (finite): a scan,
    then bisection to 1e-13 (relative)."""
    inside = 0.0
    for f in _SCAN:
        t = limit * f
        if holds(direction * t):
            inside = t
            continue
        outside = t
        while outside - inside > 1e-13 * max(outside, 1e-300):
            mid = (inside + outside) / 2
            if mid in (inside, outside):
                break
            if holds(direction * mid):
                inside = mid
            else:
                outside = mid
        return inside
    return limit


class Parametric:
    """The optimal basis of ``model`` (a :class:`WarmModel`, solved here) and steps on it.

    ``held``: columns held at a value ({column: units}, whole units of a plan), via HiGHS's fixed LP.
    """

    def __init__(self, model, held: dict[int, float] | None = None):
        if not model.in_program_order:  # positions of the basis are read as program columns
            from .highs import WarmModel

            model = WarmModel(model.program, scale=model.scale)
        self.model, self.h = model, model.highs
        sc = model.scaling
        # the solver's units (see the module docstring): x = C z, row i times R_i, objective times k
        self._C = sc.col * sc.bound
        self._R = sc.row / sc.bound
        self._k = float(sc.cost)
        program: Program = model.program
        self.program = program
        n, m = len(program.columns), len(program.limits)
        self.n, self.m = n, m
        rows, columns, coefs = program.terms
        order = np.argsort(columns, kind="stable")
        self._rows, self._cols, self._coefs = rows, columns, coefs
        self._by_col = (rows[order], columns[order], coefs[order], np.searchsorted(columns[order], np.arange(n + 1)))
        constants = np.array([limit.constant for limit in program.limits], dtype=float)
        bounds = np.array([limit.bound for limit in program.limits], dtype=float) - constants
        senses = np.array([limit.sense for limit in program.limits])
        self.row_lower = np.where(np.isin(senses, (">=", "==")), bounds, -np.inf)
        self.row_upper = np.where(np.isin(senses, ("<=", "==")), bounds, np.inf)
        self.col_lower, self.col_upper = np.zeros(n), np.full(n, np.inf)
        self.held = dict(held or {})
        if self.held:
            self._hold()
        self.sigma = 1.0 if program.sense == "min" else -1.0
        self.costs = np.asarray(program.objective_coefs, dtype=float)
        self._dirty = False
        self._changed: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # entries a probe left changed
        self._keep: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self.status = self._run()
        if self.status == "optimal":
            self._read()

    # -- the basis -----------------------------------------------------------------------------
    def _hold(self) -> None:
        """Hold columns at their planned units: the MIP's fixed LP (``getFixedLp``) for this model."""
        import highspy

        h = self.h
        solution = highspy.HighsSolution()
        units = np.zeros(self.n)
        for j, v in self.held.items():
            units[j] = v
        if self.program.integer:  # HiGHS fixes a MIP's integer columns at the solution it is given
            solution.col_value = (units / self._C).tolist()  # whole-unit columns have C_j = 1: still whole
            h.setSolution(solution)
            _, lp = h.getFixedLp()
            lower = np.array(lp.col_lower_, dtype=float) * self._C
            upper = np.array(lp.col_upper_, dtype=float) * self._C
            lp.integrality_ = []
            h.passModel(lp)
        else:
            lower, upper = self.col_lower.copy(), self.col_upper.copy()
            for j, v in self.held.items():
                lower[j] = upper[j] = v
            h.changeColsBounds(self.n, np.arange(self.n, dtype=np.int32), lower / self._C, upper / self._C)
        self.col_lower, self.col_upper = lower, upper

    def _run(self) -> str:
        h = self.h
        h.run()
        name = h.getModelStatus().name
        if name != "kOptimal" or h.getInfo().primal_solution_status != 2:
            return {"kInfeasible": "infeasible", "kUnbounded": "unbounded"}.get(name, "error")
        return "optimal"

    def _read(self) -> None:
        h = self.h
        solution = h.getSolution()
        C, R, k = self._C, self._R, self._k
        self.x = np.array(solution.col_value, dtype=float) * C
        self.activity = np.array(solution.row_value, dtype=float) / R
        self.y = np.array(solution.row_dual, dtype=float) * R / k
        self.d = np.array(solution.col_dual, dtype=float) / (k * C)
        self.objective = float(self.costs @ self.x)
        basis = h.getBasis()
        self._basis = basis
        self.col_basic = np.array([s.value == _BASIC for s in basis.col_status])
        self.row_basic = np.array([s.value == _BASIC for s in basis.row_status])
        self.col_at_upper = np.array([s.value == _UPPER for s in basis.col_status])
        self.row_at_upper = np.array([s.value == _UPPER for s in basis.row_status])
        variables = np.array(h.getBasicVariables()[1], dtype=int)
        self.position = {int(v): p for p, v in enumerate(variables) if v >= 0}  # basic column -> basis position
        self._structural = np.flatnonzero(variables >= 0)
        self._structural_cols = variables[self._structural]
        self._signs = self._dual_sign()
        self._bound_size = self._row_scale(np.zeros(self.m))
        self._rows_of_inverse: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._cost_size = max(1.0, float(np.abs(self.costs).max(initial=0.0)))
        self._base_certificate = self.certificate(self.x, self.y, self.d, self.costs, self.activity)

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Column ``j``'s terms: (limit indices, coefficients)."""
        rows, _, coefs, starts = self._by_col
        return rows[starts[j]:starts[j + 1]], coefs[starts[j]:starts[j + 1]]

    def times(self, vector_rows: np.ndarray) -> np.ndarray:
        """``A^T v`` for a vector over limits (one sparse product)."""
        return np.bincount(self._cols, weights=self._coefs * vector_rows[self._rows], minlength=self.n)

    def apply(self, units: np.ndarray) -> np.ndarray:
        """``A x``: every limit's left side without its constant."""
        return np.bincount(self._rows, weights=self._coefs * units[self._cols], minlength=self.m)

    def _factor(self) -> None:
        """After probes HiGHS holds another basis's factors: run once from the optimal basis (no
        iterations) so that basis solves are the optimal basis's again."""
        self._restore()
        if self._dirty:
            self.h.setBasis(self._basis)
            self.h.run()
            self._dirty = False

    def _solve(self, rhs: np.ndarray) -> np.ndarray:
        """``B^-1 rhs`` as a change of every column's units (basic columns only; the rest 0)."""
        self._factor()
        _, z = self.h.getBasisSolve(np.asarray(rhs, dtype=float) * self._R)
        out = np.zeros(self.n)
        cols = self._structural_cols
        out[cols] = np.asarray(z)[self._structural] * self._C[cols]
        return out

    # -- ranges --------------------------------------------------------------------------------
    def keep(self, col_lower: np.ndarray, col_upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray
             ) -> None:
        """Ranges end where units or a limit's left side leave these bounds (tighter than feasibility:
        e.g. a channel in the plan keeps units above a tolerance, a limit with slack keeps some)."""
        self._keep = (np.maximum(col_lower, self.col_lower), np.minimum(col_upper, self.col_upper),
                      np.maximum(row_lower, self.row_lower), np.minimum(row_upper, self.row_upper))

    def _primal(self, x: np.ndarray, dx: np.ndarray, activity: np.ndarray, dactivity: np.ndarray,
                skip_row: int | None = None, keep: bool = False) -> tuple[float, float]:
        col_lower, col_upper, row_lower, row_upper = self._keep if keep and self._keep is not None else (
            self.col_lower, self.col_upper, self.row_lower, self.row_upper)
        basic = self.col_basic
        lo, hi = _ratio(x[basic], dx[basic], col_lower[basic], col_upper[basic], np.maximum(1.0, np.abs(x[basic])))
        rows = self.row_basic.copy()
        if skip_row is not None:
            rows[skip_row] = False
        scale = self._row_scale(activity)[rows]
        lo2, hi2 = _ratio(activity[rows], dactivity[rows], row_lower[rows], row_upper[rows], scale)
        return max(lo, lo2), min(hi, hi2)

    def _row_scale(self, activity: np.ndarray) -> np.ndarray:
        """Each limit's size: max(1, |its bound|, |its left side|)."""
        bound = np.where(np.isfinite(self.row_lower), np.abs(self.row_lower),
                         np.where(np.isfinite(self.row_upper), np.abs(self.row_upper), 0.0))
        return np.maximum(1.0, np.maximum(bound, np.abs(activity)))

    def _dual_sign(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Bounds on ``sigma * d`` (columns) and ``sigma * y`` (rows) that keep the basis optimal:
        at a lower bound >= 0, at an upper bound <= 0, basic or fixed free."""
        inf = np.inf
        free_col = self.col_basic | (self.col_lower == self.col_upper)
        free_row = self.row_basic | (self.row_lower == self.row_upper)
        col_lo = np.where(free_col | self.col_at_upper, -inf, 0.0)
        col_hi = np.where(free_col | ~self.col_at_upper, inf, 0.0)
        row_lo = np.where(free_row | self.row_at_upper, -inf, 0.0)
        row_hi = np.where(free_row | ~self.row_at_upper, inf, 0.0)
        return col_lo, col_hi, row_lo, row_hi

    def _dual(self, dd: np.ndarray, dy: np.ndarray) -> tuple[float, float]:
        col_lo, col_hi, row_lo, row_hi = self._signs
        s = self.sigma
        scale_c = np.maximum(1.0, np.abs(self.costs))
        lo, hi = _ratio(s * self.d, s * dd, col_lo, col_hi, scale_c)
        scale_r = np.full(self.m, max(1.0, float(np.abs(self.y).max(initial=0.0))))
        lo2, hi2 = _ratio(s * self.y, s * dy, row_lo, row_hi, scale_r)
        return max(lo, lo2), min(hi, hi2)

    def row_range(self, k: int) -> tuple[float, float] | None:
        """How far limit ``k``'s bound may move (down, up) with the basis optimal; None where the
        limit's row is basic (it has slack, or binds degenerately) or HiGHS's ranging disagrees."""
        if self.row_basic[k]:
            return None
        e = np.zeros(self.m)
        e[k] = 1.0
        dx = self._solve(e)
        lo, hi = self._primal(self.x, dx, self.activity, self.apply(dx), skip_row=k)
        return lo, hi

    def column_direction(self, j: int, dc: float, da_rows: np.ndarray, da_values: np.ndarray, keep: bool = True):
        """The basis's response to column ``j`` moving by ``t (dc, da)``: the range of ``t`` over
        which it stays optimal, and a function of ``t`` giving (units, duals, reduced costs) there.

        A column out of the basis at zero (a channel out of the plan) moves only its own reduced
        cost, ``d_j + t (dc - y . da)``: nothing else is computed.
        """
        da = np.zeros(self.m)
        np.add.at(da, da_rows, da_values)
        g = dc - float(self.y @ da)
        xj = float(self.x[j])
        if j not in self.position and xj == 0.0:
            sign_lo, sign_hi = self._signs[0][j], self._signs[1][j]
            lo, hi = _ratio(np.array([self.sigma * self.d[j]]), np.array([self.sigma * g]), np.array([sign_lo]),
                            np.array([sign_hi]), np.array([max(1.0, abs(self.costs[j]))]))

            def entry(t: float):
                reduced = self.d.copy()  # only entry j differs: an O(1) certificate reads it alone
                reduced[j] += t * g
                return self.x, self.y, reduced

            entry.entering = (j, g)  # (the column and its slope: a certificate reads d_j + t g alone)
            return (lo, hi), entry
        if j in self.position:  # in the basis: a rank-one change of B
            p = self.position[j]
            self._factor()
            w = np.asarray(self.h.getBasisSolve(da * self._R)[1], dtype=float)
            cols = self._structural_cols
            w_cols = w[self._structural] * self._C[cols]  # B^-1 da per basic column, our units
            wp = float(w[p] * self._C[j])
            dx = np.zeros(self.n)
            dx[cols] = w_cols * -xj
            if j not in self._rows_of_inverse:
                _, rho = self.h.getBasisInverseRow(p)
                rho = np.asarray(rho, dtype=float) * self._C[j] * self._R  # row p of B^-1, our units
                self._rows_of_inverse[j] = (rho, self.times(rho))
            rho, alpha = self._rows_of_inverse[j]
            dd = -g * alpha
            dd[j] = 0.0
            dy = g * rho
            dactivity = self.apply(dx) + da * xj

            def to_t(s: float) -> float:
                return s / (1.0 - s * wp) if 1.0 - s * wp > 0 else np.inf

            def to_s(t: float) -> float:  # at the pole (a price at 0 buying without end): no answer
                return t / (1.0 + t * wp) if 1.0 + t * wp != 0 else np.nan

            cap_lo = 1.0 / wp if wp < 0 else -np.inf
            cap_hi = 1.0 / wp if wp > 0 else np.inf
            d_lo, d_hi = self._dual(dd, dy)
        else:  # out of the basis, held at its units: the basic units move, the duals do not
            dx = self._solve(da) * -xj
            dactivity = self.apply(dx) + da * xj
            dd, dy = np.zeros(self.n), np.zeros(self.m)

            def to_t(s: float) -> float:
                return s

            to_s = to_t
            cap_lo, cap_hi = -np.inf, np.inf
            d_lo, d_hi = -np.inf, np.inf
        p_lo, p_hi = self._primal(self.x, dx, self.activity, dactivity, keep=keep)
        s_lo, s_hi = max(p_lo, d_lo, cap_lo), min(p_hi, d_hi, cap_hi)
        t_lo = -np.inf if s_lo == cap_lo and np.isinf(cap_lo) else (to_t(s_lo) if s_lo > cap_lo else -np.inf)
        t_hi = np.inf if s_hi >= cap_hi else to_t(s_hi)

        def at(t: float):
            s = to_s(t)
            if np.isnan(s):  # no basis answer there: a certificate of it fails, and re-solves decide
                return np.full_like(self.x, np.nan), np.full_like(self.y, np.nan), np.full_like(self.d, np.nan)
            return self.x + s * dx, self.y + s * dy, self.d + s * dd

        return (t_lo, t_hi), at

    def columns_direction(self, columns: np.ndarray, dc: np.ndarray, da_rows: np.ndarray, da_cols: np.ndarray,
                          da_values: np.ndarray, span: tuple[float, float], keep: bool = True):
        """The basis's response to several columns moving together with one parameter ``t`` (a
        channel's price or rate over every period: costs ``c + t dc``, terms ``a + t da`` in
        ``columns``): the range of ``t`` within ``span`` (down, up; infinite: no end) over which it
        stays optimal, and a function of ``t`` giving (units, duals, reduced costs) there.

        One column is :meth:`column_direction`. Columns all out of the basis leave the basis matrix
        as it is: units, duals and reduced costs move linearly and the range is exact. With ``k`` of
        them basic, ``B`` changes in ``k`` columns, ``B + t U E^T``; by Woodbury, with ``W = B^-1 U``,
        ``z = B^-1 (da x)``, ``R`` the rows of ``B^-1`` at their positions and ``g = U^T y``:

        - units ``x - t z + t^2 W (I + t W_P)^-1 z_P``;
        - duals ``y + R^T b``, ``b = t dc_P - t (I + t W_P^T)^-1 (g + t W_P^T dc_P)``;
        - reduced costs ``c(t) - A(t)^T y(t)``,

        exact at every ``t`` (``k`` basis solves and ``k`` rows of the inverse, then ``k x k``
        systems). Feasibility is then rational in ``t``, not linear: its ends are found by a scan
        and bisection on these exact values (to 1e-13 relative), every end certified by the caller.
        """
        columns = np.asarray(columns, dtype=int)
        if len(columns) == 1:
            j = int(columns[0])
            mine = da_cols == j
            return self.column_direction(j, float(dc[j]), da_rows[mine], da_values[mine], keep)
        n, m = self.n, self.m

        def da_times(units: np.ndarray) -> np.ndarray:  # (da) units: over limits
            return np.bincount(da_rows, weights=da_values * units[da_cols], minlength=m)

        def da_transposed(duals: np.ndarray) -> np.ndarray:  # (da)^T duals: over columns
            return np.bincount(da_cols, weights=da_values * duals[da_rows], minlength=n)

        basic = [int(j) for j in columns if int(j) in self.position]
        q = da_times(self.x)
        if not basic:  # B does not change: everything is linear in t
            dx = -self._solve(q) if np.any(q) else np.zeros(n)
            dactivity = self.apply(dx) + q
            dd = dc - da_transposed(self.y)
            dd[self.col_basic] = 0.0
            p_lo, p_hi = self._primal(self.x, dx, self.activity, dactivity, keep=keep)
            d_lo, d_hi = self._dual(dd, np.zeros(m))
            t_lo, t_hi = max(p_lo, d_lo), min(p_hi, d_hi)

            def linear(t: float):
                return self.x + t * dx, self.y, self.d + t * dd

            return (t_lo, t_hi), linear
        k = len(basic)
        W = np.empty((n, k))
        for a, j in enumerate(basic):
            mine = da_cols == j
            U_j = np.bincount(da_rows[mine], weights=da_values[mine], minlength=m)
            W[:, a] = self._solve(U_j)
        WP = W[basic, :]  # W_P[a, b]: column b's direction at basic column a
        z = self._solve(q) if np.any(q) else np.zeros(n)
        zP = z[basic]
        rhos, alphas = [], []
        for j in basic:
            if j not in self._rows_of_inverse:
                self._factor()
                _, rho = self.h.getBasisInverseRow(self.position[j])
                rho = np.asarray(rho, dtype=float) * self._C[j] * self._R  # row p of B^-1, our units
                self._rows_of_inverse[j] = (rho, self.times(rho))
            rho, alpha = self._rows_of_inverse[j]
            rhos.append(rho)
            alphas.append(alpha)
        Rt, alpha_t = np.column_stack(rhos), np.column_stack(alphas)  # m x k, n x k
        g = da_transposed(self.y)[basic]
        dcP = dc[basic]
        eye = np.eye(k)

        def at(t: float):
            M = eye + t * WP
            units = self.x - t * z + t * t * (W @ np.linalg.solve(M, zP))
            beta = t * dcP - t * np.linalg.solve(M.T, g + t * (WP.T @ dcP))
            duals = self.y + Rt @ beta
            reduced = self.d + t * dc - alpha_t @ beta - t * da_transposed(duals)
            reduced[self.col_basic] = 0.0
            return units, duals, reduced

        # the scan reads only the basic columns' units and the basic limits' left sides (ratio tests
        # see nothing else move towards a bound): their products with A are taken once, not per t
        rows = self.row_basic
        at_rows = np.column_stack([self.apply(v) for v in (self.x, z, *W.T)])[rows]  # A x, A z, A W
        check = self._violation_test(keep)

        def primal(t: float, M: np.ndarray) -> np.ndarray:  # the basic units' and limits' side of the test
            u = np.linalg.solve(M, zP)
            units = self.x - t * z + t * t * (W @ u)
            activity = at_rows[:, 0] - t * at_rows[:, 1] + t * t * (at_rows[:, 2:] @ u) + t * da_times(units)[rows]
            return check.primal(units[self.col_basic], activity)

        def dual(t: float, M: np.ndarray) -> np.ndarray:  # the reduced costs' and duals' side
            beta = t * dcP - t * np.linalg.solve(M.T, g + t * (WP.T @ dcP))
            duals = self.y + Rt @ beta
            reduced = self.d + t * dc - alpha_t @ beta - t * da_transposed(duals)
            reduced[self.col_basic] = 0.0
            return check.dual(duals, reduced)

        # feasible as a ratio test sees it: nothing crosses its bound (what is already beyond one
        # by rounding at the optimum may stay there, not go further), so an end is where the first
        # number reaches its bound, which the certificate there then accepts
        allowed_primal, allowed_dual = primal(0.0, eye) + 1e-15, dual(0.0, eye) + 1e-15

        def holds(t: float) -> bool:
            # the primal side first: where it fails (half the bisection's steps), the dual side's
            # products over every column are not needed (the answer is the same as testing both)
            M = eye + t * WP
            try:
                return bool(np.all(primal(t, M) <= allowed_primal)) and bool(np.all(dual(t, M) <= allowed_dual))
            except np.linalg.LinAlgError:
                return False

        ends = []
        for direction, limit in ((-1, span[0]), (+1, span[1])):
            ends.append(direction * _reach(holds, direction, abs(limit)))
        return (ends[0], ends[1]), at

    def _violation_test(self, keep: bool):
        """A function of (basic columns' units, basic limits' left sides, duals, reduced costs) that
        says how far each is beyond a bound it must keep (0: within), relative as :meth:`certificate`
        measures: units within the ``keep`` bounds, left sides likewise, then the signs of reduced
        costs and duals. What does not depend on the answer is computed here, once."""
        col_lower, col_upper, row_lower, row_upper = self._keep if keep and self._keep is not None else (
            self.col_lower, self.col_upper, self.row_lower, self.row_upper)
        basic, rows = self.col_basic, self.row_basic
        low_x, high_x, low_a, high_a = col_lower[basic], col_upper[basic], row_lower[rows], row_upper[rows]
        bound = np.where(np.isfinite(self.row_lower), np.abs(self.row_lower),
                         np.where(np.isfinite(self.row_upper), np.abs(self.row_upper), 0.0))[rows]
        col_lo, col_hi, row_lo, row_hi = self._signs
        s = self.sigma
        cost_size = np.maximum(1.0, np.abs(self.costs))
        size_y = max(1.0, float(np.abs(self.y).max(initial=0.0)))

        def primal_test(x: np.ndarray, a: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                out = np.concatenate((
                    np.maximum(low_x - x, x - high_x) / np.maximum(1.0, np.abs(x)),
                    np.maximum(low_a - a, a - high_a) / np.maximum(1.0, np.maximum(bound, np.abs(a)))))
            out[np.isnan(out)] = np.inf
            return np.maximum(out, 0.0, out=out)

        def dual_test(duals: np.ndarray, reduced: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore"):
                out = np.concatenate((
                    np.maximum(col_lo - s * reduced, s * reduced - col_hi) / cost_size,
                    np.maximum(row_lo - s * duals, s * duals - row_hi) / size_y))
            out[np.isnan(out)] = np.inf
            return np.maximum(out, 0.0, out=out)

        def test(x: np.ndarray, a: np.ndarray, duals: np.ndarray, reduced: np.ndarray) -> np.ndarray:
            return np.concatenate((primal_test(x, a), dual_test(duals, reduced)))

        test.primal, test.dual = primal_test, dual_test  # each side alone, for a test that may stop early
        return test

    def entry_certificate(self, j, reduced) -> Certificate:
        """The certificate of the optimal basis with only column ``j``'s reduced cost changed to
        ``reduced`` (a column out of the plan whose numbers move: nothing else changes; ``j`` and
        ``reduced`` may be arrays: a channel's columns in every period)."""
        base = self._base_certificate
        signs = self._signs
        s = self.sigma
        if type(j) is int:  # one column: the same arithmetic on scalars (no arrays to make)
            r = np.float64(reduced)
            violation = max(0.0, float(np.maximum(signs[0][j] - s * r, s * r - signs[1][j])))
            return Certificate(base.primal, max(base.dual, violation / self._cost_size), base.objective, base.gap)
        reduced = np.asarray(reduced, dtype=float)
        violation = max(0.0, float(np.max(np.maximum(signs[0][j] - s * reduced, s * reduced - signs[1][j]),
                                          initial=0.0)))
        return Certificate(base.primal, max(base.dual, violation / self._cost_size), base.objective, base.gap)

    def entry_ranges(self, columns: np.ndarray, dc: np.ndarray, moves: np.ndarray, da_rows: np.ndarray,
                     da_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`column_direction` for many columns out of the basis at zero at once, each moved
        by its own parameter (move ``i``: column ``columns[i]``, cost slope ``dc[i]``, terms
        ``da_values`` at limits ``da_rows`` for the terms with ``moves == i``): only each column's
        own reduced cost moves, ``d_j + t g_i`` with ``g_i = dc_i - y . da_i``, all ``g`` from one
        sparse product. Returns the ranges' ends (down, up) and ``g``, per move.

        >>> from optimizer import Scenario
        >>> from optimizer.model.build import build_program
        >>> from optimizer.model.highs import WarmModel
        >>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 150},
        ...                        {"name": "search", "cost_per_lead": 50}], targets={"leads": 100})
        >>> basis = Parametric(WarmModel(build_program(s)))
        >>> low, high, g = basis.entry_ranges(np.array([1]), np.array([1.0]), np.zeros(0, dtype=int),
        ...                                   np.zeros(0, dtype=int), np.zeros(0))
        >>> float(low[0]), float(high[0]), float(g[0])  # search's cost: enters 30 lower, as column_range
        (-30.0, inf, 1.0)
        """
        columns = np.asarray(columns, dtype=int)
        if np.any(self.col_basic[columns]) or np.any(self.x[columns] != 0.0):
            raise ValueError("entry_ranges takes columns out of the basis at zero")
        g = np.asarray(dc, dtype=float) - np.bincount(moves, weights=self.y[da_rows] * da_values,
                                                      minlength=len(columns))
        s = self.sigma
        q0, dq = s * self.d[columns], s * g
        lower, upper = self._signs[0][columns], self._signs[1][columns]
        scale = np.maximum(1.0, np.abs(self.costs[columns]))
        # _ratio, one column at a time: a reduced cost that does not move has no end
        moving = np.abs(dq) > _PIVOT * scale
        room_up, room_down = np.maximum(upper - q0, 0.0), np.maximum(q0 - lower, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            hi = np.where(dq > 0, room_up / dq, room_down / -dq)
            lo = np.where(dq > 0, -room_down / dq, -room_up / -dq)
        lo = np.where(moving & ~np.isnan(lo), lo, -np.inf)
        hi = np.where(moving & ~np.isnan(hi), hi, np.inf)
        return lo, hi, g

    def entry(self, j: int, g: float):
        """(units, duals, reduced costs) at ``t`` for column ``j`` out of the basis at zero whose
        reduced cost moves by ``g`` per unit of its parameter (:meth:`entry_ranges`)."""

        def at(t: float):
            reduced = self.d.copy()  # only entry j differs: an O(1) certificate reads it alone
            reduced[j] += t * g
            return self.x, self.y, reduced

        at.entering = (j, g)  # (the column and its slope: a certificate reads d_j + t g alone)
        return at

    def column_range(self, j: int, dc: float, da_rows: np.ndarray, da_values: np.ndarray) -> tuple[float, float]:
        """The range of ``t`` over which the basis stays optimal with column ``j`` moved by ``t (dc, da)``."""
        return self.column_direction(j, dc, da_rows, da_values)[0]

    # -- certificates ----------------------------------------------------------------------------
    def certificate(self, units: np.ndarray, duals: np.ndarray, reduced: np.ndarray, costs: np.ndarray,
                    activity: np.ndarray, row_lower: np.ndarray | None = None,
                    row_upper: np.ndarray | None = None) -> Certificate:
        """Check a basis's answer from scratch: ``units`` meet every limit (``activity`` = their left
        sides, without constants) and bound, the duals have the signs an optimum needs, and the
        objective ``costs . units`` equals the dual bound, each within 1e-9 (relative)."""
        lower = self.row_lower if row_lower is None else row_lower
        upper = self.row_upper if row_upper is None else row_upper
        scale = np.maximum(self._bound_size if row_lower is None else self._row_scale(activity), np.abs(activity))
        column_scale = np.maximum(1.0, np.abs(units))
        primal = max(float((np.maximum(lower - activity, activity - upper) / scale).max(initial=0.0)),
                     float((np.maximum(self.col_lower - units, units - self.col_upper) / column_scale
                            ).max(initial=0.0)))
        s = self.sigma
        col_lo, col_hi, row_lo, row_hi = self._signs
        size = max(1.0, float(np.abs(costs).max(initial=0.0)))
        s_reduced, s_duals = s * reduced, s * duals
        dual = max(float(np.maximum(col_lo - s_reduced, s_reduced - col_hi).max(initial=0.0)),
                   float(np.maximum(row_lo - s_duals, s_duals - row_hi).max(initial=0.0))) / size
        objective = float(costs @ units)
        # the dual bound: every dual times the bound its sign says is active, every reduced cost
        # times its column's active bound (held columns); a dual at rounding level (the entering
        # column's at a range's end) is 0 (its sign is then not read)
        size_duals = np.abs(duals)
        duals = np.where(size_duals <= 1e-12 * max(1.0, float(size_duals.max(initial=0.0))), 0.0, duals)
        reduced = np.where(np.abs(reduced) <= 1e-12 * size, 0.0, reduced)
        with np.errstate(invalid="ignore"):
            bound = float(np.sum(np.where(duals != 0, duals * np.where(s_duals > 0, lower, upper), 0.0))
                          + np.sum(np.where(reduced != 0, reduced * np.where(s_reduced > 0, self.col_lower,
                                                                             self.col_upper), 0.0)))
        gap = abs(objective - bound) / max(1.0, abs(objective)) if np.isfinite(bound) else np.inf
        return Certificate(primal, dual, objective, gap)

    # -- probes: warm re-solves of a changed model ----------------------------------------------
    def probe(self, entries: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
              costs: dict[int, float] | None = None, row: tuple[int, float, float] | None = None) -> Probe:
        """Re-solve with matrix ``entries`` (limits, columns, new coefficients), ``costs`` ({column:
        cost}) and one ``row``'s bounds (limit, lower, upper) changed, warm from the optimal basis."""
        h = self.h
        old_costs = {}
        if entries is not None:
            rows, cols, values = entries
            if self._changed is not None and not (np.array_equal(rows, self._changed[0])
                                                  and np.array_equal(cols, self._changed[1])):
                self._restore()
            if self._changed is None:
                self._changed = (rows, cols, self._coef_at(rows, cols))
            self._change_coefs(rows, cols, values)
        else:
            self._restore()
        for c, v in (costs or {}).items():
            old_costs[c] = float(self.costs[c])
            h.changeColCost(c, self._cost(c, v))
        if row is not None:
            h.changeRowBounds(row[0], row[1] * self._R[row[0]], row[2] * self._R[row[0]])
        h.setBasis(self._basis)
        try:
            status = self._run()
            if status != "optimal":
                return Probe(status)
            solution = h.getSolution()
            units = np.array(solution.col_value, dtype=float) * self._C
            new_costs = self.costs.copy()
            for c, v in (costs or {}).items():
                new_costs[c] = v
            return Probe(status, units, np.array(solution.row_value, dtype=float) / self._R,
                         float(new_costs @ units))
        finally:
            # the matrix entries stay changed until something else needs the matrix (_restore):
            # the next probe of the same number (a scan, both ends of a range) only sets them anew
            for c, v in old_costs.items():
                h.changeColCost(c, self._cost(c, v))
            if row is not None:
                k = row[0]
                h.changeRowBounds(k, float(self.row_lower[k] * self._R[k]), float(self.row_upper[k] * self._R[k]))
            self._dirty = True  # the next probe starts from the optimal basis again, as does _factor

    def _restore(self) -> None:
        """Put back the matrix entries a probe changed (the program's own coefficients)."""
        if self._changed is not None:
            changed, self._changed = self._changed, None
            self._change_coefs(*changed)

    def _change_coefs(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Matrix coefficients (ours) into the model (the solver's: ``R_i a_ij C_j``)."""
        scaled = np.asarray(values, dtype=float) * self._R[rows] * self._C[cols]
        for r, c, v in zip(rows.tolist(), cols.tolist(), scaled.tolist()):
            self.h.changeCoeff(r, c, v)

    def _cost(self, j: int, value: float) -> float:
        """Column ``j``'s objective coefficient (ours) in the solver's units, ``k C_j c_j``."""
        return float(value * self._k * self._C[j])

    def _coef_at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The matrix's coefficients at (limit, column) pairs (0 where there is no term)."""
        r, c, coefs, _ = self._by_col
        keys = c.astype(np.int64) * self.m + r
        wanted = cols.astype(np.int64) * self.m + rows
        where = np.minimum(np.searchsorted(keys, wanted), max(0, len(keys) - 1))
        return np.where(len(keys) and keys[where] == wanted, coefs[where] if len(keys) else 0.0, 0.0)

    # -- alternative optima --------------------------------------------------------------------
    def alternative(self, cap: np.ndarray) -> np.ndarray | None:
        """Units of another optimal plan, or None when the optimum is unique.

        Only a nonbasic column or a limit at its bound whose reduced cost or dual is 0 (within 1e-9
        of its scale) can move on the optimal face: each is pushed as far from its bound as it goes
        with the objective fixed (``cap``: a finite upper bound per column for a column that could
        grow without end); if none moves, no other plan is as good.
        """
        scale = max(1.0, float(np.abs(self.costs).max(initial=0.0)))
        tiny = TOLERANCE * scale
        free = (self.col_lower < self.col_upper)
        columns = np.flatnonzero(~self.col_basic & free & (np.abs(self.d) <= tiny))
        rows = np.flatnonzero(~self.row_basic & (self.row_lower < self.row_upper)
                              & (np.abs(self.y) <= TOLERANCE * max(1.0, float(np.abs(self.y).max(initial=0.0)))))
        if not len(columns) and not len(rows):
            return None
        self._restore()
        h, n = self.h, self.n
        tolerance = TOLERANCE * max(1.0, abs(self.objective))
        cols = np.flatnonzero(self.costs).astype(np.int32)
        C, k = self._C, self._k  # the objective row in the solver's units: k (c C) . z within k (f +- tol)
        h.addRow(k * (self.objective - tolerance), k * (self.objective + tolerance), len(cols), cols,
                 k * C[cols] * self.costs[cols])
        every = np.arange(n, dtype=np.int32)
        sense = h.getObjectiveSense()[1]
        import highspy

        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        capped = np.where(np.isfinite(self.col_upper), self.col_upper, cap)
        h.changeColsBounds(n, every, self.col_lower / C, capped / C)
        best, best_move = None, 0.0
        try:
            for kind, index in [("column", j) for j in columns] + [("row", k) for k in rows]:
                costs = np.zeros(n)
                if kind == "column":
                    costs[index] = -1.0
                else:
                    mask = self._rows == index
                    np.add.at(costs, self._cols[mask], self._coefs[mask] * (1.0 if self.row_at_upper[index] else -1.0))
                h.changeColsCost(n, every, costs * C)  # minimise costs . x = (costs C) . z
                h.run()
                if h.getModelStatus().name != "kOptimal":
                    continue
                units = np.array(h.getSolution().col_value, dtype=float) * C
                move = float(np.abs(units - self.x).max())
                if move > best_move:
                    best, best_move = units, move
        finally:
            h.deleteRows(1, np.array([self.m], dtype=np.int32))
            h.changeObjectiveSense(sense)
            h.changeColsCost(n, every, k * C * self.costs)
            h.changeColsBounds(n, every, self.col_lower / C, self.col_upper / C)
            h.setBasis(self._basis)
            self._dirty = True
        return best


def whole_unit_alternative(program: Program, units: np.ndarray, objective: float, upper: np.ndarray,
                           time_limit: float = 30.0) -> np.ndarray | None:
    """Units of another whole-unit plan with the same objective (within 1e-9 relative), or None.

    One MILP: the program, its objective fixed, and binaries asking at least one whole-unit column
    to move by at least one unit up (``x_j >= (v_j + 1) u_j``) or down (``x_j <= v_j - 1`` when
    ``l_j``); ``upper`` bounds each column (its ``max_units``, ``max_spend`` or budget over its
    price); columns without a finite bound are left out of the search.
    """
    from .highs import WarmModel

    model = WarmModel(program)
    h, sc = model.highs, model.scaling
    n = len(program.columns)
    h.setOptionValue("time_limit", float(time_limit))
    tolerance = TOLERANCE * max(1.0, abs(objective))
    costs = sc.costs(np.asarray(program.objective_coefs, dtype=float))  # k C_j c_j: the solver's objective
    nonzero = np.flatnonzero(costs).astype(np.int32)
    h.addRow(sc.objective_value(objective - tolerance), sc.objective_value(objective + tolerance), len(nonzero),
             nonzero, costs[nonzero])
    # whole-unit columns keep the solver's units (C_j = 1, :mod:`optimizer.model.scaling`), so the
    # rows and bounds below, which name only them, need no scaling
    movers = []  # (column, direction): the binaries, in the order they are added
    for j, column in enumerate(program.columns):
        if not column.integer or not np.isfinite(upper[j]):
            continue
        v = float(np.round(units[j]))
        h.changeColBounds(j, 0.0, float(upper[j]))
        if v + 1 <= upper[j]:
            movers.append((j, +1, v))
        if v >= 1:
            movers.append((j, -1, v))
    if not movers:
        return None
    import highspy

    first = n
    h.addCols(len(movers), np.zeros(len(movers)), np.zeros(len(movers)), np.ones(len(movers)), 0,
              np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
    h.changeColsIntegrality(len(movers), np.arange(first, first + len(movers), dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * len(movers)))
    for i, (j, direction, v) in enumerate(movers):
        b = first + i
        if direction > 0:  # x_j - (v + 1) u >= 0
            h.addRow(0.0, np.inf, 2, np.array([j, b], dtype=np.int32), np.array([1.0, -(v + 1.0)]))
        else:  # x_j + (upper - v + 1) l <= upper
            h.addRow(-np.inf, float(upper[j]), 2, np.array([j, b], dtype=np.int32),
                     np.array([1.0, float(upper[j]) - v + 1.0]))
    h.addRow(1.0, np.inf, len(movers), np.arange(first, first + len(movers), dtype=np.int32), np.ones(len(movers)))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
    h.run()
    if h.getModelStatus().name != "kOptimal":
        return None
    return sc.units(np.array(h.getSolution().col_value, dtype=float)[:n])
