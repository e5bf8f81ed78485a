"""The program stated in PuLP, the modelling layer users can reach (CBC, LP files)."""

from __future__ import annotations

import re

from .program import Program

_NOT_LP = re.compile(r"[^0-9A-Za-z._]")


def _lp_name(text: str) -> str:
    return _NOT_LP.sub("_", text).strip("_")


def pulp_problem(program: Program, unit_bound: float | None = None):
    """The program as a ``pulp.LpProblem``; returns (problem, variables, rows), rows by limit index.

    Limits with no coefficient (a cap on a metric the channel never yields) are not rows: the
    solver cannot act on them, and verification still checks them.
    """
    import pulp

    sense = pulp.LpMinimize if program.sense == "min" else pulp.LpMaximize
    problem = pulp.LpProblem(_lp_name(program.name) or "campaign", sense)
    variables = [
        problem.add_variable(f"units_{c.channel}" if i == 0 or c.channel != program.columns[i - 1].channel
                             else f"units_{c.channel}_{i}", lowBound=0, upBound=unit_bound,
                             cat=pulp.LpInteger if c.integer else pulp.LpContinuous)
        for i, c in enumerate(program.columns)
    ]
    problem.setObjective(pulp.LpAffineExpression(
        [(variables[i], float(v)) for i, v in enumerate(program.objective_coefs) if v != 0]))
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
    rows: dict[int, str] = {}
    used: set[str] = set()
    for k, limit in enumerate(program.limits):
        if not len(limit.index):
            continue
        name = _lp_name(limit.name)
        if name in used:
            name = f"{name}_{k}"
        used.add(name)
        expression = pulp.LpAffineExpression([(variables[i], float(a)) for i, a in zip(limit.index, limit.coefs)])
        problem.addConstraint(pulp.LpConstraint(expression, senses[limit.sense], name=name,
                                                rhs=limit.bound - limit.constant))
        rows[k] = name
    return problem, variables, rows
