"""What one more rep is worth: the sensitivity of a plan's hires, per sales role and period.

For each ``hires`` column (``sales_team[sdr].hires.Q1``; ``sales_team[sdr].hires`` without
periods) the change of the objective with one more hire in that period (and with one fewer), by a
re-solve with that hire forced: the hire adds ``capacity x ramp share at t - s`` to the role's
capacity in every period t from s on (what ``sales_team[sdr].capacity.t``'s shadow price values at
the margin), costs ``cost`` in every period it is paid, and takes one of ``max_hires``. The capacity
rows of a plan are often degenerate (capacity just enough, so one more is worth 0 and one less
costs), and a hire moves several of them at once: their prices summed would misstate it, the
re-solve does not. Whole people are held at the plan's hires but the one forced.

Per role, the range of ``cost`` over which the hiring plan (every hires column) stays the same, by
re-solves on both sides (bisection to :data:`RELATIVE`); null for whole-people roles unless the
plan is analysed as its relaxation (``--relax``): a whole-unit plan's range is no basis's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..model.program import Program
from ..scenario.schema import Scenario
from .plan import finite

RELATIVE = 1e-9  # the cost range's ends, to this precision relative to max(1, cost)
NO_END = 1e6  # a cost may rise this many times over before the range is called open


@dataclass(frozen=True)
class HireSensitivity:
    """One more (and one fewer) hire of a role in one period: what it changes in the objective."""

    name: str  # sales_team[sdr].hires.Q1
    role: str
    period: str | None
    hires: float  # in the analysed plan
    objective_change: float | None  # one more hire (None: no plan allows it, e.g. max_hires binds)
    objective_change_down: float | None  # one hire fewer (None: the plan hires none then)
    hiring_cost: float  # what the hire costs over the horizon (cost x the periods it is paid)
    planned_by_period: bool = field(default=False, repr=False)

    def to_dict(self) -> dict:
        period = {"period": self.period} if self.planned_by_period else {}
        return {"name": self.name, **period, "hires": self.hires, "objective_change": finite(self.objective_change),
                "objective_change_down": finite(self.objective_change_down), "hiring_cost": self.hiring_cost}


@dataclass(frozen=True)
class RoleSensitivity:
    """A sales role: its hires' worth by period, and the range of its ``cost`` keeping the hiring plan."""

    name: str
    cost: float
    cost_from: float | None  # the range's ends (cost_to None: no end); both null unless ``cost_ranged``
    cost_to: float | None
    cost_ranged: bool  # False: whole people held at the plan's hires (not relaxed)
    hires: tuple[HireSensitivity, ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "cost": self.cost,
                "cost_from": finite(self.cost_from) if self.cost_ranged else None,
                "cost_to": finite(self.cost_to) if self.cost_ranged else None,
                "hires": [h.to_dict() for h in self.hires]}


def _forced(program: Program, held: dict[int, float], column: int | None = None, hires: float = 0.0,
            sense: str = "==") -> float | None:
    """The objective re-solved with ``column``'s hires ``sense`` ``hires`` and every other held
    column at its plan value (None: no plan allows it)."""
    from ..model.program import Limit
    from ..model.solve import solve

    rows = [Limit(f"held[{j}]", "channel_bound", np.array([j]), np.ones(1), "==", v)
            for j, v in held.items() if j != column]
    if column is not None:
        rows.append(Limit("forced", "channel_bound", np.array([column]), np.ones(1), sense, hires))
    variant = program.with_limits(tuple(program.limits) + tuple(rows))
    solution = solve(variant.relaxed() if held else variant)
    return float(variant.objective_value(solution.units)) if solution.has_plan else None


def hiring_sensitivity(scenario: Scenario, program: Program, units: np.ndarray, held: dict[int, float],
                       analysed_as: str) -> tuple[RoleSensitivity, ...]:
    """Every sales role's hires at ``units`` of the analysed ``program`` (``held``: whole-unit
    columns held at the plan's), each with one more and one fewer hire forced and re-solved, and
    the role's cost range (``analysed_as`` "lp" or "relaxed"; not ranged for whole people held)."""
    if not program.hires:
        return ()
    periods = bool(scenario.periods)
    base = _forced(program, held, None, 0.0)
    out = []
    for role in scenario.sales_team:
        items = []
        for h in program.hires_of(role.name):
            name = f"sales_team[{role.name}].hires" + (f".{h.period}" if h.period else "")
            planned = float(units[h.column]) + 0.0
            held_here = h.column in held
            more = _forced(program, held, h.column, planned + 1.0, "==" if held_here else ">=")
            fewer = _forced(program, held, h.column, planned - 1.0, "==" if held_here else "<=") \
                if planned >= 1.0 - 1e-9 else None
            items.append(HireSensitivity(name, role.name, h.period, planned,
                                         None if more is None or base is None else more - base + 0.0,
                                         None if fewer is None or base is None else fewer - base + 0.0,
                                         h.total_cost, periods))
        ranged = analysed_as == "relaxed" or (analysed_as == "lp" and not role.integer)
        low, high = _cost_range(scenario, role.name, units, program, relaxed=analysed_as == "relaxed") \
            if ranged else (None, None)
        out.append(RoleSensitivity(role.name, float(role.cost), low, high, ranged, tuple(items)))
    return tuple(out)


def _cost_range(scenario: Scenario, role: str, units: np.ndarray, program: Program, relaxed: bool
                ) -> tuple[float | None, float | None]:
    """The range of ``role``'s cost over which every hires column keeps its units, by re-solves."""
    from ..model.build import build_program
    from ..model.solve import solve

    columns = [h.column for h in program.hires]
    base = units[columns]
    cost = float(next(r.cost for r in scenario.sales_team if r.name == role))
    scale = max(1.0, cost)

    def same(value: float) -> bool:
        team = [r.model_copy(update={"cost": float(value)}) if r.name == role else r for r in scenario.sales_team]
        variant = build_program(scenario.model_copy(update={"sales_team": team}))
        if relaxed:
            variant = variant.relaxed()
        solution = solve(variant)
        if not solution.has_plan:
            return False
        return bool(np.all(np.abs(solution.units[columns] - base) <= 1e-6 * np.maximum(1.0, np.abs(base))))

    def bisect(inside: float, outside: float) -> float:
        while abs(outside - inside) > RELATIVE * scale:
            middle = 0.5 * (inside + outside)
            inside, outside = (middle, outside) if same(middle) else (inside, middle)
        return inside

    low = 0.0 if same(0.0) else bisect(cost, 0.0)
    high, step = None, scale
    while cost + step <= cost + NO_END * scale:
        if not same(cost + step):
            high = bisect(cost + step / 2 if step > scale else cost, cost + step)
            break
        step *= 2
    return low, (None if high is None or math.isinf(high) else high)
