"""Check a plan without the solver: recompute every limit from the units and measure violations.

>>> import numpy as np
>>> from optimizer.model.program import Limit
>>> budget = Limit("budget", "budget", np.array([0, 1]), np.array([2.0, 3.0]), "<=", 100.0)
>>> budget.value(np.array([20.0, 20.0])), budget.violation(np.array([20.0, 20.0]))
(100.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .program import Program

TOLERANCE = 1e-6


@dataclass(frozen=True)
class Check:
    """The largest violation of any limit, bound or integrality, and where it is."""

    max_violation: float
    worst: str | None

    @property
    def passed(self) -> bool:
        return self.max_violation <= TOLERANCE

    def to_dict(self) -> dict:
        return {"max_violation": self.max_violation}


def verify(program: Program, units: np.ndarray) -> Check:
    """Largest relative excess, excess / max(1, |limit|), over every limit of ``program``."""
    worst, name = 0.0, None
    if len(units):
        negative = float(max(0.0, -units.min()))
        if negative > worst:
            worst, name = negative, f"units[{program.columns[int(units.argmin())].channel}] >= 0"
    for i, column in enumerate(program.columns):
        if column.integer:
            off = abs(units[i] - round(units[i])) / max(1.0, abs(units[i]))
            if off > worst:
                worst, name = off, f"units[{column.channel}] is whole"
    for s in program.set_ups:  # units bought without their set-up: a binary near 0 that opens them
        if not program.columns[s.column].integer:
            continue  # a relaxation: the binary may be fractional
        held = float(units[list(s.units)].sum())
        off = 1.0 - float(units[s.column])
        if held > TOLERANCE and off > worst:
            worst, name = off, f"channels[{s.channel}] used" + (f" in {s.period}" if s.period else "") + \
                " without its set-up (on/off binary at 0)"
    for role, metric, _, _ in program.roles:  # capacity recomputed from the hires over their ramp, not the rows
        capacity = program.capacity_of(role, units)
        for k, period in enumerate(program.periods or (None,)):
            used = float(program.amounts_in(metric, period) @ units)
            off = (used - capacity[k]) / max(1.0, abs(capacity[k]))
            if off > worst:
                worst, name = off, f"sales_team[{role}] capacity" + (f" in {period}" if period else "")
    if program.limits:
        violations = program.violations(units)
        k = int(violations.argmax())
        if violations[k] > worst:
            worst, name = float(violations[k]), program.limits[k].name
    return Check(float(worst), name)


def verify_tiers(program: Program, units: np.ndarray) -> Check:
    """Each tiered price at ``units``: tiers filled in order (a later tier holds units only when
    the one before is full), and the model's spend equal to the channel's units priced along the
    schedule (and a response curve's jumps in spend where its segments open). The violation is
    relative to the tier's width (order) or the spend."""
    worst, name = 0.0, None
    for group in program.tier_groups:
        index = list(group.columns)
        held = units[index]
        where = f"channels[{group.channel}].{group.field}" + (f" in {group.period}" if group.period else "")
        for k, width in enumerate(group.widths[:-1]):
            if held[k + 1] > TOLERANCE * max(1.0, held[k + 1]):
                short = max(0.0, width - held[k]) / max(1.0, width)
                if short > worst:
                    worst, name = float(short), f"{where}: tier {k} full before tier {k + 1}"
        model_spend = float(np.dot(held, group.costs))
        along = group.spend_of(float(held.sum()))
        for k, j in enumerate(group.jump_columns):  # a curve's jumps in spend: paid where a tier opens
            if j is None:
                continue
            model_spend += group.jumps[k] * float(units[j])
            if units[j] > 0.5 and held[k] <= TOLERANCE * max(1.0, group.widths[k]):
                along += group.jumps[k]  # paid before the tier buys: the end of the flat stretch
        off = abs(model_spend - along) / max(1.0, abs(along))
        if off > worst:
            worst, name = off, f"{where}: spend along the schedule"
    return Check(worst, name)
