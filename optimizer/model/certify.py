"""Proofs of what a solve says, checked in the program's own (unscaled) numbers, without the solver.

A solver's "optimal" is a claim; so is "infeasible". Each status a user sees is proven here:

- **optimal** (an LP): the plan meets every limit (``max_violation``, :func:`~optimizer.model.verify.verify`),
  the duals price it (``dual_violation``: the largest wrong-signed reduced cost ``c - A^T y``,
  relative to ``max(|c_j|, sum_i |a_ij y_i|)``, with column-bound duals where a column has a bound),
  and the plan's objective equals the duals' bound (``gap``, relative). The gap alone proves
  nothing: a solver that lost a tiny coefficient prices a channel it cannot see, and reports a
  plan that a cheaper one beats with gap 0 and a dual violation of 0.33.
- **infeasible**: a dual ray ``y`` (Farkas): every feasible plan would have ``y . A x >= y . b``,
  yet ``A^T y <= 0`` column by column and ``y . b > 0``.
- **unbounded**: a plan meeting every limit and a primal ray ``d >= 0`` that keeps every limit
  and improves the objective without end.

One tolerance, :data:`~optimizer.model.verify.TOLERANCE` (1e-6, relative), as verification's.

>>> import numpy as np
>>> from optimizer import Scenario
>>> from optimizer.model.build import build_program
>>> p = build_program(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100}))
>>> optimality(p, np.array([100.0]), np.array([20.0])).passed
True
>>> optimality(p, np.array([100.0]), np.array([30.0])).failed  # a dual that over-prices the lead
'the duals leave units[email] with a reduced cost of 0.333 (relative) of the wrong sign'
>>> optimality(p, np.array([100.0]), np.array([10.0])).failed  # one that under-prices it
"the plan's objective and the duals' bound differ by 0.5 (relative)"
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .program import Program
from .verify import TOLERANCE, Check, verify


@dataclass(frozen=True)
class Certificate(Check):
    """:class:`Check` (the primal test) with the dual tests; ``failed`` names the first test that
    failed, in words (None: every test passed)."""

    dual_violation: float | None = None
    gap: float | None = None
    failed: str | None = None

    @property
    def passed(self) -> bool:
        return self.failed is None and self.max_violation <= TOLERANCE

    def to_dict(self) -> dict:
        return {"max_violation": self.max_violation, "dual_violation": self.dual_violation, "gap": self.gap}


def _row_sides(program: Program) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each limit's right-hand side (bound - constant) and which sides it has (lower, upper)."""
    senses = program.senses  # arrays the program keeps (and a sweep's variants share)
    return program.bounds - program.constants, senses != "<=", senses != ">="


def _transpose_times(program: Program, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``A^T y`` and ``sum_i |a_ij y_i|`` per column."""
    rows, columns, coefs = program.terms
    n = len(program.columns)
    terms = coefs * y[rows]
    return (np.bincount(columns, weights=terms, minlength=n),
            np.bincount(columns, weights=np.abs(terms), minlength=n))


def optimality(program: Program, units: np.ndarray, duals: np.ndarray | None,
               col_lower: np.ndarray | None = None, col_upper: np.ndarray | None = None) -> Certificate:
    """Certify an optimal LP plan: ``duals`` per limit (change of the objective per one unit more of
    its bound, as :class:`~optimizer.model.status.Solution` holds them); ``col_lower``/``col_upper``
    the columns' bounds where not ``[0, inf)`` (held whole units, a probe's unit cap)."""
    primal = verify(program, units)
    n = len(program.columns)
    lower = np.zeros(n) if col_lower is None else np.asarray(col_lower, dtype=float)
    upper = np.full(n, np.inf) if col_upper is None else np.asarray(col_upper, dtype=float)
    bounds_hold = float(max(0.0, np.max(units - upper, initial=0.0), np.max(lower - units, initial=0.0)))
    worst, where = primal.max_violation, primal.worst
    if bounds_hold / max(1.0, float(np.abs(units).max(initial=0.0))) > worst:
        worst, where = bounds_hold / max(1.0, float(np.abs(units).max(initial=0.0))), "a column bound"
    if duals is None or not np.all(np.isfinite(duals)):
        return Certificate(worst, where, failed="the solver gave no duals to prove the plan optimal")
    sigma = 1.0 if program.sense == "min" else -1.0
    rhs, has_lower, has_upper = _row_sides(program)
    # a dual of the wrong sign for its limit's side is no price: drop it (the reduced costs and the
    # gap then show whether the plan is still proven)
    y = np.asarray(duals, dtype=float).copy()
    y[~has_upper & (sigma * y < 0)] = 0.0
    y[~has_lower & (sigma * y > 0)] = 0.0
    costs = np.asarray(program.objective_coefs, dtype=float)
    priced, size = _transpose_times(program, y)
    reduced = costs - priced
    scale = np.maximum(np.abs(costs), size)
    scale[scale == 0] = 1.0
    # sigma * d_j >= 0 is priced by the column's lower bound, <= 0 by its upper bound
    wrong = np.where((sigma * reduced < 0) & ~np.isfinite(upper), np.abs(reduced) / scale, 0.0)
    wrong = np.where((sigma * reduced > 0) & ~np.isfinite(lower), np.abs(reduced) / scale, wrong)
    dual_violation = float(wrong.max(initial=0.0))
    # the duals' bound on the objective: y . rhs plus each column's reduced cost at the bound that prices it
    at = np.where(sigma * reduced >= 0, lower, upper)
    at = np.where(np.isfinite(at), at, units)
    dual_value = float(y @ rhs + reduced @ at) if len(rhs) else float(reduced @ at)
    objective = float(costs @ units)
    gap = abs(objective - dual_value) / max(abs(objective), abs(dual_value), 1e-9)
    failed = None
    if worst > TOLERANCE:
        failed = f"the plan breaks {where} by {worst:.3g} (relative)"
    elif dual_violation > TOLERANCE:
        j = int(wrong.argmax())
        failed = (f"the duals leave units[{program.columns[j].channel}] with a reduced cost of "
                  f"{dual_violation:.3g} (relative) of the wrong sign")
    elif gap > TOLERANCE:
        failed = f"the plan's objective and the duals' bound differ by {gap:.3g} (relative)"
    return Certificate(worst, where, dual_violation, gap, failed)


def primal_only(program: Program, units: np.ndarray) -> Certificate:
    """A plan that claims no optimality (stopped at a time limit): the primal test alone."""
    check = verify(program, units)
    failed = None if check.passed else f"the plan breaks {check.worst} by {check.max_violation:.3g} (relative)"
    return Certificate(check.max_violation, check.worst, failed=failed)


def infeasibility(program: Program, ray: np.ndarray | None, col_upper: np.ndarray | None = None) -> str | None:
    """None when ``ray`` (a dual ray, per limit, any length and sign) proves that no plan meets
    every limit; else why it does not."""
    if ray is None or not len(ray) or not np.all(np.isfinite(ray)) or not np.abs(ray).max() > 0:
        return "the solver gave no dual ray to prove it"
    n = len(program.columns)
    upper = np.full(n, np.inf) if col_upper is None else np.asarray(col_upper, dtype=float)
    rhs, has_lower, has_upper = _row_sides(program)
    reasons = []
    for sign in (1.0, -1.0):
        y = sign * np.asarray(ray, dtype=float) / float(np.abs(ray).max())
        # y_i >= 0 uses a row's lower side, y_i <= 0 its upper side; a side the row lacks cannot be used
        unusable = (~has_lower & (y > 0)) | (~has_upper & (y < 0))
        if np.any(np.abs(y[unusable]) > TOLERANCE):
            reasons.append("it uses a side a limit does not have")
            continue
        y[unusable] = 0.0
        beta = float(y @ rhs)
        g, size = _transpose_times(program, y)
        loose = g > TOLERANCE * np.maximum(size, 1e-300)
        if np.any(loose & ~np.isfinite(upper)):
            reasons.append("A^T y is positive on a column without bound")
            continue
        reach = float(np.maximum(g, 0.0)[np.isfinite(upper)] @ upper[np.isfinite(upper)]) if np.isfinite(
            upper).any() else 0.0
        if beta - reach > 1e-9 * max(float(np.abs(y * rhs).sum()), 1e-300):
            return None
        reasons.append("y . b does not exceed what the columns reach")
    return f"the dual ray does not prove it ({reasons[0]})"


def unboundedness(program: Program, point: np.ndarray | None, ray: np.ndarray | None) -> str | None:
    """None when ``point`` meets every limit and ``ray`` (per column) improves the objective without
    end while keeping every limit; else why not."""
    if point is None or not verify(program, point).passed:
        return "no plan meeting every limit was found to start the ray from"
    if ray is None or not len(ray) or not np.all(np.isfinite(ray)) or not np.abs(ray).max() > 0:
        return "the solver gave no primal ray to prove it"
    d = np.asarray(ray, dtype=float) / float(np.abs(ray).max())
    if d.min() < -TOLERANCE:
        return "the primal ray lowers some units below 0"
    d = np.maximum(d, 0.0)
    rows, columns, coefs = program.terms
    m = len(program.limits)
    moves = np.bincount(rows, weights=coefs * d[columns], minlength=m)
    size = np.bincount(rows, weights=np.abs(coefs * d[columns]), minlength=m)
    _, has_lower, has_upper = _row_sides(program)
    slack = TOLERANCE * np.maximum(size, 1e-300)
    if np.any(has_lower & (moves < -slack)) or np.any(has_upper & (moves > slack)):
        return "the primal ray breaks a limit"
    sigma = 1.0 if program.sense == "min" else -1.0
    costs = np.asarray(program.objective_coefs, dtype=float)
    gain = -sigma * float(costs @ d)
    if not gain > TOLERANCE * max(float(np.abs(costs * d).sum()), 1e-300):
        return "the primal ray does not improve the objective"
    return None
