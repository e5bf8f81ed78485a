"""Scaling of a program's arrays before any solver sees them, and back: one module for both ways.

A scenario states its program in the user's units: a per-contact channel in contacts (0.0001 a
contact, 7.5e-10 deals a contact), a trade show in events ($600,000 and 100 leads each). HiGHS
drops matrix entries of magnitude 1e-9 or less (``small_matrix_value``, not settable below
1e-12) and its tolerances are absolute (1e-7), so coefficients that span many decades give wrong
answers: a channel becomes invisible, a plan is "optimal" that an exactly feasible plan beats.

The solver therefore sees ``z`` with ``x = t * s * z`` and every row ``i`` multiplied by ``r_i / t``:

- matrix ``a''_ij = r_i * a_ij * s_j`` (row and column factors: powers of 2, from iterated
  geometric means of each row's and column's largest and smallest entries, so scaling adds no
  rounding error);
- row bounds ``b''_i = r_i * b_i / t`` and column bounds ``u''_j = u_j / (s_j * t)`` (``t``: a power of
  2; in geometric scaling the right-hand sides are one more column of the matrix, of factor
  ``1 / t``, so each row is scaled for its bound as well as its terms: with one ``t`` chosen after
  the matrix, a bound of 7.5 beside a cap of 1e9 deals came out below HiGHS's tolerance);
- objective ``c''_j = k * t * s_j * c_j`` (``k``: a power of 2 bringing the costs near 1), so the
  solver's objective is ``k`` times ours.

Everything the solver returns comes back through :class:`Scaling`: units, row activities, duals
(change of our objective per unit more of a bound), reduced costs, ranging, rays. Warm changes
(a coefficient, a cost, a bound) go in through it too.

>>> import numpy as np
>>> rows, cols = np.array([0, 0, 1]), np.array([0, 1, 1])
>>> s = Scaling.geometric(rows, cols, np.array([7.5e-10, 1.0, 1e-4]), 2, 2)
>>> scaled = s.matrix(rows, cols, np.array([7.5e-10, 1.0, 1e-4]))
>>> bool(np.all((0.5 < np.abs(scaled)) & (np.abs(scaled) < 2)))  # eleven decades, now within 2x of 1
True
>>> s.units(s.scaled_units(np.array([3.0, 5.0]))).tolist()
[3.0, 5.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PASSES = 8  # geometric-mean passes: enough for the spans the docs allow (1e-12 to 1e15)


def _power_of_two(log2: np.ndarray | float) -> np.ndarray | float:
    return np.exp2(np.round(log2))


def _extreme_logs(index: np.ndarray, logs: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The largest and smallest of ``logs`` per ``index`` (-inf / inf where an index has none)."""
    hi = np.full(size, -np.inf)
    lo = np.full(size, np.inf)
    np.maximum.at(hi, index, logs)
    np.minimum.at(lo, index, logs)
    return hi, lo


def _middle(values: np.ndarray) -> float:
    """Log2 of the geometric middle of the nonzero finite magnitudes in ``values`` (0 if none)."""
    values = np.abs(values[np.isfinite(values)])
    values = values[values > 0]
    if not len(values):
        return 0.0
    logs = np.log2(values)
    return float(logs.max() + logs.min()) / 2.0


@dataclass(frozen=True)
class Scaling:
    """Row factors ``row`` (r), column factors ``col`` (s), objective factor ``cost`` (k) and
    bound factor ``bound`` (t); every factor a power of 2."""

    row: np.ndarray
    col: np.ndarray
    cost: float = 1.0
    bound: float = 1.0

    # -- making one ----------------------------------------------------------------------------
    @classmethod
    def identity(cls, m: int, n: int) -> Scaling:
        return cls(np.ones(m), np.ones(n))

    @classmethod
    def geometric(cls, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray, m: int, n: int,
                  passes: int = PASSES, rhs: np.ndarray | None = None) -> Scaling:
        """Power-of-2 geometric-mean row and column scaling of the matrix (no objective or bounds yet).

        ``rhs`` (a finite bound per row, NaN where none): the right-hand sides take part as one more
        column, whose factor is ``1 / t``: a row is then scaled for its bound as well as its terms.
        One factor ``t`` for all bounds, chosen afterwards, left a small bound beside large ones
        (reach >= 1 beside a $7.5e10 budget) below HiGHS's tolerance in the scaled model.
        """
        keep = coefs != 0
        rows, cols, coefs = rows[keep], cols[keep], coefs[keep]
        extra = rhs is not None
        if extra:
            rhs = np.asarray(rhs, dtype=float)
            some = np.flatnonzero(np.isfinite(rhs) & (rhs != 0))
            rows = np.concatenate([rows, some])
            cols = np.concatenate([cols, np.full(len(some), n)])
            coefs = np.concatenate([coefs, rhs[some]])
            n += 1
        logs = np.log2(np.abs(coefs))
        lr, lc = np.zeros(m), np.zeros(n)
        for _ in range(passes):
            hi, lo = _extreme_logs(rows, logs + lc[cols], m)
            some = np.isfinite(hi)
            lr[some] = -(hi[some] + lo[some]) / 2.0
            hi, lo = _extreme_logs(cols, logs + lr[rows], n)
            some = np.isfinite(hi)
            new = -(hi[some] + lo[some]) / 2.0
            if np.allclose(new, lc[some], atol=0.25):
                lc[some] = new
                break
            lc[some] = new
        if extra:
            return cls(_power_of_two(lr), _power_of_two(lc[:-1]), bound=float(_power_of_two(-lc[-1])))
        return cls(_power_of_two(lr), _power_of_two(lc))

    @classmethod
    def equilibrated(cls, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray, m: int, n: int) -> Scaling:
        """Power-of-2 max-norm scaling: each row's largest entry near 1, then each column's."""
        keep = coefs != 0
        rows, cols = rows[keep], cols[keep]
        logs = np.log2(np.abs(coefs[keep]))
        hi, _ = _extreme_logs(rows, logs, m)
        lr = np.where(np.isfinite(hi), -hi, 0.0)
        hi, _ = _extreme_logs(cols, logs + np.round(lr)[rows], n)
        lc = np.where(np.isfinite(hi), -hi, 0.0)
        return cls(_power_of_two(lr), _power_of_two(lc))

    def with_objective_and_bounds(self, costs: np.ndarray, bounds: np.ndarray | None,
                                  integer: np.ndarray | None = None) -> Scaling:
        """The same row factors, with ``t`` bringing the scaled right-hand sides (``bounds``: a
        finite bound per row, NaN where none) near 1, then ``k`` the scaled costs. ``bounds`` None
        keeps this scaling's ``t`` (found with the matrix: :meth:`geometric` with ``rhs``).

        ``integer`` marks whole-unit columns: their units stay the solver's units (``s_j t = 1``),
        or whole units of ``z`` would not be whole units of ``x``.
        """
        t = self.bound if bounds is None else float(_power_of_two(_middle(np.asarray(bounds, dtype=float) * self.row)))
        col = self.col.copy()
        if integer is not None and integer.any():
            col[integer] = 1.0 / t
        k = float(_power_of_two(-_middle(t * col * np.asarray(costs, dtype=float))))
        return Scaling(self.row, col, k, t)

    def lifted(self, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray, floor: float = 2.0 ** -20,
               ceiling: float = 2.0 ** 20) -> Scaling:
        """Rows whose smallest scaled entry is below ``floor`` multiplied by a power of 2 that lifts it
        there, as far as the row's largest entry stays at most ``ceiling``.

        Whole-unit columns keep the solver's units (``s_j t = 1``), so the geometric means cannot even
        their rows out: 7.5e-10 deals a contact of whole tv contacts beside 3 deals an event stayed
        4.7e-11 after scaling, and HiGHS dropped it (a channel invisible to the MIP).

        >>> import numpy as np
        >>> rows, cols, coefs = np.array([0, 0]), np.array([0, 1]), np.array([7.5e-10, 3.0])
        >>> s = Scaling.identity(1, 2).lifted(rows, cols, coefs)
        >>> s.matrix(rows, cols, coefs).tolist()  # both inside HiGHS's range (above 1e-9), ratio kept
        [1.536e-06, 6144.0]
        """
        scaled = np.abs(self.matrix(rows, cols, coefs))
        keep = scaled > 0
        m = len(self.row)
        hi, lo = _extreme_logs(rows[keep], np.log2(scaled[keep]), m)
        low = np.isfinite(lo) & (lo < np.log2(floor))
        if not low.any():
            return self
        lift = np.minimum(np.ceil(np.log2(floor) - lo[low]), np.floor(np.log2(ceiling) - hi[low]))
        row = self.row.copy()
        row[low] *= np.exp2(np.maximum(lift, 0.0))
        return Scaling(row, self.col, self.cost, self.bound)

    # -- into the solver's units ---------------------------------------------------------------
    def matrix(self, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray) -> np.ndarray:
        return np.asarray(coefs, dtype=float) * self.row[rows] * self.col[cols]

    def coef(self, i: int, j: int, value: float) -> float:
        return float(value * self.row[i] * self.col[j])

    def costs(self, costs: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        s = self.col if cols is None else self.col[cols]
        return np.asarray(costs, dtype=float) * s * (self.cost * self.bound)

    def row_bounds(self, values: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        r = self.row if rows is None else self.row[rows]
        return np.asarray(values, dtype=float) * r / self.bound

    def row_bound(self, i: int, value: float) -> float:
        return float(value * self.row[i] / self.bound)

    def col_bounds(self, values: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
        s = self.col if cols is None else self.col[cols]
        return np.asarray(values, dtype=float) / (s * self.bound)

    def scaled_units(self, units: np.ndarray) -> np.ndarray:
        return np.asarray(units, dtype=float) / (self.col * self.bound)

    def objective_value(self, value: float) -> float:
        """Our objective value in the solver's units."""
        return float(value * self.cost)

    # -- back into ours ------------------------------------------------------------------------
    def units(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=float) * self.col * self.bound

    def activities(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=float) * self.bound / self.row

    def row_duals(self, y: np.ndarray) -> np.ndarray:
        """Per row: change of our objective per unit more of its bound."""
        return np.asarray(y, dtype=float) * self.row / (self.bound * self.cost)

    def reduced_costs(self, d: np.ndarray) -> np.ndarray:
        return np.asarray(d, dtype=float) / (self.col * self.bound * self.cost)

    def bounds_back(self, values: np.ndarray) -> np.ndarray:
        """Row bound values (ranging ends) in our units."""
        return np.asarray(values, dtype=float) * self.bound / self.row

    def costs_back(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values, dtype=float) / (self.col * self.bound * self.cost)

    def dual_ray(self, y: np.ndarray) -> np.ndarray:
        """A dual ray's direction in our units (its length is arbitrary)."""
        return np.asarray(y, dtype=float) * self.row

    def primal_ray(self, z: np.ndarray) -> np.ndarray:
        """A primal ray's direction in our units (its length is arbitrary)."""
        return np.asarray(z, dtype=float) * self.col

    @property
    def span(self) -> float:
        """Ratio of the largest to the smallest factor (a measure of how uneven the data were)."""
        factors = np.concatenate([self.row, self.col])
        return float(factors.max() / factors.min()) if len(factors) else 1.0
