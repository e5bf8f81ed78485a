"""Why a scenario has no plan, in business terms.

For an infeasible scenario: the most each target metric can reach under every other limit,
the smallest budget that meets every target, and a set of limits that cannot all hold together
(HiGHS's irreducible infeasible subset, named as the user wrote them). For an unbounded one:
the channels that can grow without limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.program import Limit, Program
from ..model.solve import conflict, solve

UNIT_PROBE = 1e9  # a column reaching this bound in the probe solve grows without limit


@dataclass(frozen=True)
class Diagnosis:
    conflict: list[str] = field(default_factory=list)
    achievable: dict[str, float | None] = field(default_factory=dict)
    budget_needed: float | None = None
    unbounded: list[str] = field(default_factory=list)
    integer_only: bool = False  # the limits hold with fractional units, not with whole ones
    unreachable: list[str] = field(default_factory=list)  # target metrics no channel yields
    # with periods: the spend in each period of the cheapest plan behind ``budget_needed`` (one such plan)
    budget_needed_by_period: dict[str, float] | None = None
    # with set-up costs or minimum buys, where only the on/off choices stand in the way: the choices
    # (channel, and period where the choice is by period: used or not) under which ``conflict`` holds
    on_off: dict[str, bool] | None = None

    def to_dict(self) -> dict:
        out = {"conflict": self.conflict, "achievable": self.achievable, "budget_needed": self.budget_needed,
               "unbounded": self.unbounded, "unreachable": self.unreachable}
        if self.budget_needed_by_period is not None:
            out["budget_needed_by_period"] = self.budget_needed_by_period
        if self.integer_only:
            out["integer_only"] = True
        if self.on_off is not None:
            out["on_off"] = self.on_off
        return out


def diagnose(program: Program, status: str, solver: str = "highs") -> Diagnosis:
    if status == "unbounded":
        return Diagnosis(unbounded=unbounded_channels(program, solver))
    if status != "infeasible":
        return Diagnosis()
    unreachable = unreachable_targets(program)
    if unreachable:  # decided exactly: no solver is needed, or trusted, to say these cannot be met
        return Diagnosis(conflict=[f"targets.{metric}" for metric in unreachable],
                         achievable={lim.name.removeprefix("targets."): 0.0
                                     for lim in program.limits if lim.kind == "target"
                                     and lim.name.removeprefix("targets.") in unreachable},
                         unreachable=unreachable)
    names = conflict(program)
    relaxed = solve(program.relaxed(), solver) if names is None and program.integer else None
    integer_only = relaxed is not None and relaxed.has_plan
    found = [program.limits[i].name for i in names or []]
    choices = None
    if integer_only and program.set_ups:
        found, choices = on_off_conflict(program, relaxed.units)
    needed, by_period = cheapest_without_budget(program, solver)
    return Diagnosis(
        conflict=found,
        achievable=achievable(program, solver),
        budget_needed=needed,
        integer_only=integer_only,
        budget_needed_by_period=by_period,
        on_off=choices,
    )


def on_off_conflict(program: Program, relaxed: np.ndarray) -> tuple[list[str], dict[str, bool] | None]:
    """Where the LP with fractional set-ups has a plan but the scenario has none: the limits that
    cannot all hold together once each on/off choice is made whole as that plan leans (a channel it
    uses at all is used, set-up cost and minimum buy in full; one it leaves out is not used), and
    those choices (``booth``, ``booth.Q2``: used or not). None: those choices leave a plan (whole
    units of other channels stand in the way), so no such conflict is named."""
    choices, fixed = {}, []
    for s in program.set_ups:
        used = bool(relaxed[s.column] > 1e-9)
        name = s.channel if s.period is None else f"{s.channel}.{s.period}"
        choices[name] = used
        suffix = f".{s.period}" if s.period is not None else ""
        fixed.append(Limit(f"channels[{s.channel}].on_off{suffix}", "set_up", np.array([s.column]), np.ones(1), "==",
                           1.0 if used else 0.0, period=s.period))
    held = {limit.name for limit in fixed}
    limits = [lim for lim in program.limits if lim.name not in held] + fixed
    variant = program.with_limits(limits)
    names = conflict(variant)
    if names is None:
        return [], None
    found = [variant.limits[i].name for i in names]
    return [n for n in found if n not in held], choices


def unreachable_targets(program: Program) -> list[str]:
    """Target metrics that no channel yields (their rows have no terms), in the scenario's order."""
    has_terms = program.has_terms
    return [lim.name.removeprefix("targets.") for k, lim in enumerate(program.limits)
            if lim.kind == "target" and not has_terms[k] and lim.excess(lim.constant) > 0]


def achievable(program: Program, solver: str = "highs") -> dict[str, float | None]:
    """For each target: the most of its metric under every limit except the targets (None: no plan)."""
    others = [lim for lim in program.limits if lim.kind != "target"]
    out: dict[str, float | None] = {}
    for lim in program.limits:
        if lim.kind != "target":
            continue
        metric = lim.name.removeprefix("targets.")  # deals, or deals.Q4 for a target within a period
        row = np.zeros(len(program.columns))
        row[lim.index] = lim.coefs  # the target's own left side: its period's, pipeline included
        result = solve(program.with_limits(others, objective=f"max_{metric.split('.')[0]}", sense="max",
                                           objective_coefs=row), solver)
        out[metric] = lim.value(result.units) if result.status == "optimal" else None
    return out


def budget_needed(program: Program, solver: str = "highs") -> float | None:
    """The least total spend meeting every limit but the budget (None when even that has no plan).

    Every budget limit is dropped: the horizon's and, with periods, each period's.
    """
    return cheapest_without_budget(program, solver)[0]


def cheapest_without_budget(program: Program, solver: str = "highs") -> tuple[float | None, dict[str, float] | None]:
    """:func:`budget_needed`, and with periods the spend in each period of the plan that needs it
    (one cheapest plan: another may split the same spend differently)."""
    others = [lim for lim in program.limits if lim.kind != "budget"]
    # the budget limits the total cost: marketing and, with a sales team, the hires it could make
    result = solve(program.with_limits(others, objective="min_spend", sense="min", objective_coefs=program.cost_coefs),
                   solver)
    if result.status != "optimal":
        return None, None
    spend = program.prices * result.units
    if not program.periods:
        return float(spend.sum()) + program.hiring_cost(result.units), None
    by_period = {p: float(spend[program.in_period(p)].sum()) + program.hiring_cost(result.units, p)
                 for p in program.periods}
    return float(spend.sum()) + program.hiring_cost(result.units), by_period


def unbounded_channels(program: Program, solver: str = "highs") -> list[str]:
    """Channels that reach an artificial bound of 1e9 units when every column is capped there."""
    result = solve(program, solver, unit_bound=UNIT_PROBE)
    if result.units is None:
        return []
    at_bound = np.flatnonzero(result.units >= UNIT_PROBE * (1 - 1e-6))
    return sorted({program.columns[i].channel for i in at_bound})
