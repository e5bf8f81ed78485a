"""An exact oracle for small LPs: vertex enumeration in rational arithmetic, no solver, no floats.

A program (at most a handful of columns) is written as ``G x <= h`` (every limit, a ``>=`` one
negated, an ``==`` one as both sides, and ``-x_j <= 0``), with every float turned into the
:class:`~fractions.Fraction` it is exactly. The feasible set is then a pointed polyhedron, so:

- it is empty exactly when no basic solution (``n`` linearly independent rows of ``G`` held with
  equality) satisfies every row: **infeasible**;
- the objective is unbounded on it exactly when an extreme ray of the cone ``G d <= 0`` (``n - 1``
  independent rows held at 0) improves it: **unbounded**;
- otherwise the best vertex is optimal: **optimal**, with its exact value.

Every basis is tried (``C(rows, n)``): fine for the tests' at most 4 columns and 5 limits.

>>> from optimizer import Scenario
>>> from optimizer.model.build import build_program
>>> p = build_program(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100}))
>>> exact_solve(p)
('optimal', Fraction(2000, 1), (Fraction(100, 1),))
>>> exact_solve(build_program(Scenario(channels=[{"name": "email", "cost_per_lead": 20}], budget=5000,
...                                    targets={"leads": 300})))  # 250 leads at most
('infeasible', None, None)
>>> free = [{"name": "free", "cost_per_lead": 0}, {"name": "email", "cost_per_lead": 20}]
>>> exact_solve(build_program(Scenario(channels=free, budget=100, objective="max_leads")))
('unbounded', None, None)
>>> two = [{"name": "a", "cost_per_lead": 3}, {"name": "b", "cost_per_lead": 20}]
>>> exact_solve(build_program(Scenario(channels=two, budget=100, objective="max_leads",
...                                    constraints=["spend[a] == spend[b]"])))  # $50 each: 50/3 + 5/2
('optimal', Fraction(115, 6), (Fraction(50, 3), Fraction(5, 2)))
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from optimizer.model.program import Program

Vector = tuple[Fraction, ...]


def _rows(program: Program) -> tuple[list[Vector], list[Fraction], list[Vector], list[Fraction], bool]:
    """``G x <= h`` split into equalities (``E x == f``) and inequalities; False when a limit
    without terms fails on its constant alone."""
    n = len(program.columns)
    ineq, ineq_rhs, eq, eq_rhs = [], [], [], []
    possible = True
    for limit in program.limits:
        a = [Fraction(0)] * n
        for j, c in zip(limit.index.tolist(), limit.coefs.tolist()):
            a[int(j)] += Fraction(c)
        rhs = Fraction(limit.bound) - Fraction(limit.constant)
        if not any(a):
            holds = {"<=": rhs >= 0, ">=": rhs <= 0, "==": rhs == 0}[limit.sense]
            possible = possible and holds
            continue
        if limit.sense == "==":
            eq.append(tuple(a))
            eq_rhs.append(rhs)
        elif limit.sense == "<=":
            ineq.append(tuple(a))
            ineq_rhs.append(rhs)
        else:
            ineq.append(tuple(-v for v in a))
            ineq_rhs.append(-rhs)
    for j in range(n):  # units >= 0
        ineq.append(tuple(Fraction(-1) if k == j else Fraction(0) for k in range(n)))
        ineq_rhs.append(Fraction(0))
    return ineq, ineq_rhs, eq, eq_rhs, possible


def _solve_square(matrix: list[Vector], rhs: list[Fraction]) -> Vector | None:
    """The solution of a square system, or None when it is singular (Gauss-Jordan, exact)."""
    n = len(matrix)
    rows = [list(r) + [b] for r, b in zip(matrix, rhs)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        p = rows[col][col]
        rows[col] = [v / p for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [v - factor * w for v, w in zip(rows[r], rows[col])]
    return tuple(rows[r][n] for r in range(n))


def _null_vector(matrix: list[Vector], n: int) -> Vector | None:
    """A nonzero ``d`` with ``matrix d = 0`` when ``matrix`` (``n - 1`` rows) has rank ``n - 1``, else None."""
    rows = [list(r) for r in matrix]
    pivots: list[int] = []
    r = 0
    for col in range(n):
        pivot = next((k for k in range(r, len(rows)) if rows[k][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        p = rows[r][col]
        rows[r] = [v / p for v in rows[r]]
        for k in range(len(rows)):
            if k != r and rows[k][col] != 0:
                factor = rows[k][col]
                rows[k] = [v - factor * w for v, w in zip(rows[k], rows[r])]
        pivots.append(col)
        r += 1
    if len(pivots) != n - 1:
        return None
    free = next(c for c in range(n) if c not in pivots)
    d = [Fraction(0)] * n
    d[free] = Fraction(1)
    for k, col in enumerate(pivots):
        d[col] = -rows[k][free]
    return tuple(d)


def _independent(rows: list[Vector], rhs: list[Fraction], n: int
                 ) -> tuple[list[Vector] | None, list[Fraction]]:
    """The equalities ``rows x == rhs`` reduced to independent ones (None: they contradict each other)."""
    kept: list[list[Fraction]] = []  # reduced rows [a | b], each with its pivot column
    pivots: list[int] = []
    originals: list[int] = []
    for index, (a, b) in enumerate(zip(rows, rhs)):
        row = list(a) + [b]
        for p, k in zip(pivots, kept):
            if row[p] != 0:
                factor = row[p] / k[p]
                row = [v - factor * w for v, w in zip(row, k)]
        col = next((c for c in range(n) if row[c] != 0), None)
        if col is None:
            if row[n] != 0:
                return None, []
            continue  # implied by the others
        kept.append(row)
        pivots.append(col)
        originals.append(index)
    return [rows[i] for i in originals], [rhs[i] for i in originals]


def _dot(a: Vector, x: Vector) -> Fraction:
    return sum((u * v for u, v in zip(a, x)), Fraction(0))


def exact_solve(program: Program) -> tuple[str, Fraction | None, Vector | None]:
    """(status, optimal objective value, an optimal plan) of an LP, exactly; status is
    ``optimal``, ``infeasible`` or ``unbounded`` (value and plan None for the last two)."""
    if program.integer:
        raise ValueError("the oracle decides LPs only")
    n = len(program.columns)
    ineq, ineq_rhs, eq, eq_rhs, possible = _rows(program)
    if not possible:
        return "infeasible", None, None
    sign = 1 if program.sense == "min" else -1
    costs = tuple(Fraction(c) for c in program.objective_coefs.tolist())

    def feasible(x: Vector) -> bool:
        return all(_dot(a, x) <= b for a, b in zip(ineq, ineq_rhs)) and all(
            _dot(a, x) == b for a, b in zip(eq, eq_rhs))

    eq, eq_rhs = _independent(eq, eq_rhs, n)
    if eq is None:
        return "infeasible", None, None
    best: tuple[Fraction, Vector] | None = None
    for chosen in combinations(range(len(ineq)), n - len(eq)):
        x = _solve_square(eq + [ineq[k] for k in chosen], eq_rhs + [ineq_rhs[k] for k in chosen])
        if x is None or not feasible(x):
            continue
        value = sign * _dot(costs, x)
        if best is None or value < best[0]:
            best = (value, x)
    if best is None:
        return "infeasible", None, None
    # the recession cone {d: G d <= 0, E d = 0} is pointed (it lies in d >= 0); each extreme ray
    # holds n - 1 independent rows at 0, the (independent) equalities among them
    for chosen in combinations(range(len(ineq)), max(0, n - 1 - len(eq))):
        if len(eq) > n - 1:
            break  # the equalities alone pin the plan: no ray
        d = _null_vector(eq + [ineq[k] for k in chosen], n) if n > 1 else (Fraction(1),)
        if d is None:
            continue
        for ray in (d, tuple(-v for v in d)):
            if all(_dot(a, ray) <= 0 for a in ineq) and all(_dot(a, ray) == 0 for a in eq) and \
                    sign * _dot(costs, ray) < 0:
                return "unbounded", None, None
    return "optimal", sign * best[0], best[1]
