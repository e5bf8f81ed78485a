"""The program stated in PuLP, the modelling layer users can reach (CBC, LP files, :func:`to_pulp`)."""

from __future__ import annotations

import re

import numpy as np

from ..errors import SolverError
from .program import Program
from .status import Solution, SolverInfo, Status, solver_version

_NOT_LP = re.compile(r"[^0-9A-Za-z._]")


def _lp_name(text: str) -> str:
    return _NOT_LP.sub("_", text).strip("_")


def column_names(program: Program) -> list[str]:
    """The PuLP variable name of every column: ``units_CHANNEL`` (a channel's further columns get their
    index; a column of another kind, such as a tier order binary, is ``KIND_CHANNEL_INDEX``)."""
    return [f"{c.kind}_{c.channel}_{i}" if c.kind != "units" else
            f"units_{c.channel}" if i == 0 or c.channel != program.columns[i - 1].channel else f"units_{c.channel}_{i}"
            for i, c in enumerate(program.columns)]


def pulp_problem(program: Program, unit_bound: float | None = None):
    """The program as a ``pulp.LpProblem``; returns (problem, variables, rows), rows by limit index.

    Limits with no coefficient (a cap on a metric the channel never yields) are not rows: the
    solver cannot act on them, and verification still checks them.
    """
    import pulp

    sense = pulp.LpMinimize if program.sense == "min" else pulp.LpMaximize
    problem = pulp.LpProblem(_lp_name(program.name) or "campaign", sense)
    variables = [problem.add_variable(name, lowBound=0, upBound=unit_bound,
                                      cat=pulp.LpInteger if c.integer else pulp.LpContinuous)
                 for name, c in zip(column_names(program), program.columns)]
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


def to_pulp(scenario):
    """A scenario as a ``pulp.LpProblem`` to extend and solve: ``(problem, units, spend)``, where
    ``units[channel]`` and ``spend[channel]`` are the channel's units and spend as PuLP expressions.
    Hand the solved problem to :func:`optimizer.plan_from_pulp` for a verified Plan.

    >>> from optimizer import Scenario
    >>> problem, units, spend = to_pulp(Scenario(channels=[{"name": "email", "cost_per_lead": 20}],
    ...                                          targets={"leads": 100}))
    >>> str(spend["email"]), str(problem.constraints["targets.leads"])
    ('20.0*units_email', 'units_email >= 100.0')
    """
    import pulp

    from .build import build_program

    program = build_program(scenario)
    problem, variables, _ = pulp_problem(program)
    units = {name: pulp.LpAffineExpression([(variables[j], 1.0) for j in program.columns_of(name)])
             for name in program.channels}
    # a channel's spend: its units at their prices, and its set-up cost when used (its on_off binaries)
    spend = {name: pulp.LpAffineExpression([(variables[j], program.prices[j]) for j in program.paid_columns(name)])
             for name in program.channels}
    return problem, units, spend


def read_pulp(program: Program, problem) -> Solution:
    """The answer held by a solved ``problem`` that :func:`to_pulp` made from ``program``'s scenario and
    a user extended: units read back by variable name, the status translated; every constraint the
    user added is checked at those units (a broken one raises :class:`SolverError`, named)."""
    values = {v.name: v.varValue for v in problem.variables()}
    status = Status.from_pulp(problem.status)
    if status == Status.OPTIMAL and problem.sol_status == 2:  # an integer plan found, not proven optimal
        status = Status.TIME_LIMIT
    solver = getattr(problem, "solver", None)
    name = "cbc" if solver is None or "CBC" in type(solver).__name__ else "highs"
    info = SolverInfo(name, solver_version(name), 0.0)
    wanted = column_names(program)
    if problem.status == 0 and all(values.get(n) is None for n in wanted):
        raise SolverError(f"{program.name}: the PuLP problem holds no solution; solve it first, e.g. "
                          "problem.solve(pulp.PULP_CBC_CMD(msg=False))")
    if status not in (Status.OPTIMAL, Status.TIME_LIMIT):
        return Solution(status, None, None, None, None, info)
    units = np.array([float(values.get(n) or 0.0) for n in wanted])
    units[np.abs(units) < 1e-12] = 0.0
    ours = set(pulp_problem(program)[2].values())
    for label, constraint in problem.constraints.items():
        if label in ours:
            continue  # the scenario's own limits: verification checks them
        terms = [a * float(v.varValue or 0.0) for v, a in constraint.items()]
        value = sum(terms) + constraint.constant  # the constraint reads value SENSE 0
        excess = {-1: value, 1: -value, 0: abs(value)}[constraint.sense]
        scale = max(1.0, abs(constraint.constant), 1e-3 * max((abs(t) for t in terms), default=0.0))
        if excess / scale > 1e-6:
            raise SolverError(f"the {name} solver's plan breaks your constraint {label} by {excess / scale:.3g} "
                              "(relative); it is not reported as optimal")
    gap = 0.0 if program.integer and status == Status.OPTIMAL else None
    return Solution(status, units, None, None, gap, info)
