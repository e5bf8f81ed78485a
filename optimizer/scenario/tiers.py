"""Tiered prices: a price that changes with the units a channel buys (within a period, with periods).

A schedule is a tuple of :class:`Tier`, each with its cost per unit and the cumulative units it
reaches (``up_to``; ``None`` on an open last tier). A flat price is the one-tier schedule
``(Tier(cost=price),)``; a one-tier list without ``up_to`` is validated to the plain number, so
it is the same scenario.

>>> tiers = schedule([{"up_to": 2000, "cost": 35}, {"up_to": 5000, "cost": 55}, {"cost": 90}])
>>> spend_of(tiers, 3000), units_for_spend(tiers, 125_000)
(125000.0, 3000.0)
>>> describe(tiers, "$", "lead")
'$35 / lead to 2,000, $55 to 5,000, then $90'
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from .rules import ERROR_TYPE, POSITIVE, NumberRule, fail, show

TIER_FIELDS = ("up_to", "cost")
EXAMPLE = "[{up_to: 2000, cost: 35}, {up_to: 5000, cost: 55}, {cost: 90}]"


class Tier(BaseModel):
    """One tier of a price: ``cost`` per unit up to ``up_to`` units in all (None: no end)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # in name order: the fingerprint's canonical JSON writes the fields as listed, with its keys sorted
    cost: float
    up_to: float | None = None


def is_tiered(value: Any) -> bool:
    """Whether a price (or a per-period mapping of prices) holds a tier list somewhere."""
    if type(value) is tuple:
        return True
    return type(value) is dict and any(type(v) is tuple for v in value.values())


def as_schedule(value: Any) -> tuple[Tier, ...]:
    """A price in one period (a number or a schedule) as a schedule."""
    return value if type(value) is tuple else (Tier(cost=float(value)),)


def first_cost(value: Any) -> float:
    """What one first unit costs: the number, or the first tier's cost."""
    return value[0].cost if type(value) is tuple else value


def widths(tiers: tuple[Tier, ...]) -> list[float]:
    """Units each tier holds (``inf`` for an open last tier)."""
    out, before = [], 0.0
    for tier in tiers:
        out.append(math.inf if tier.up_to is None else tier.up_to - before)
        before = tier.up_to if tier.up_to is not None else before
    return out


def fill(tiers: tuple[Tier, ...], units: float) -> list[float]:
    """``units`` in the schedule's tiers, in order (each full before the next); past a capped last
    tier the rest stays in the last tier."""
    out, left = [], max(0.0, float(units))
    for k, width in enumerate(widths(tiers)):
        take = left if k == len(tiers) - 1 else min(left, width)
        out.append(take)
        left -= take
    return out


def spend_of(tiers: tuple[Tier, ...], units: float) -> float:
    """What ``units`` cost along the schedule, filled in order."""
    return float(math.fsum(u * t.cost for u, t in zip(fill(tiers, units), tiers)))


def units_for_spend(tiers: tuple[Tier, ...], spend: float, most: bool = False) -> float:
    """The units at which the schedule's cumulative spend reaches ``spend``: the fewest (``most``:
    the most, where a free tier buys units for nothing; ``inf`` if an open free tier never ends).
    Beyond a capped last tier the last tier's cost goes on, so a limit past the cap stays a limit
    past the cap (and diagnosis names it)."""
    spent, units = 0.0, 0.0
    if spend <= 0 and not most:
        return 0.0
    for k, (tier, width) in enumerate(zip(tiers, widths(tiers))):
        width = math.inf if k == len(tiers) - 1 else width
        if tier.cost == 0:
            if not most and spent >= spend:
                return units
            units += width
            continue
        room = tier.cost * width
        if (spent + room > spend) if most else (spent + room >= spend):
            return units + (spend - spent) / tier.cost
        spent += room
        units += width
    return units


def falls(tiers: tuple[Tier, ...]) -> bool:
    """Whether some tier is cheaper than the one before (a volume discount)."""
    return any(b.cost < a.cost for a, b in zip(tiers, tiers[1:]))


def _grouped(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.2f}"


def describe(tiers: tuple[Tier, ...], symbol: str, unit: str) -> str:
    """The schedule as ``validate`` shows it: "$35 / lead to 2,000, $55 to 5,000, then $90"."""
    parts = []
    for k, tier in enumerate(tiers):
        cost = f"{symbol}{_grouped(tier.cost)}" + (f" / {unit}" if k == 0 else "")
        if tier.up_to is None:
            parts.append(f"then {cost}" if k else cost)
        else:
            parts.append(f"{cost} to {_grouped(tier.up_to)}")
    return ", ".join(parts)


def _at(suffix: str, exc: PydanticCustomError) -> PydanticCustomError:
    """The rule's own error, marked with where in the list it is (the field path gains ``suffix``)."""
    context = dict(exc.context or {})
    context["suffix"] = suffix + context.get("suffix", "")
    return PydanticCustomError(ERROR_TYPE, exc.message_template, context)


def schedule(value: list, rule: NumberRule = None, where: str = "") -> tuple[Tier, ...] | float:
    """A tier list validated: ``up_to`` > 0 and strictly rising, only the last may leave it out,
    each ``cost`` by the price's own ``rule``. One open tier is the plain number."""
    from .rules import NON_NEGATIVE

    rule = rule or NON_NEGATIVE
    if not value:
        raise _at(where, fail("the list is empty", f"a number, or tiers such as {EXAMPLE}"))
    out: list[Tier] = []
    before = None
    for k, entry in enumerate(value):
        here = f"{where}[{k}]"
        if not isinstance(entry, dict):
            raise _at(here, fail(f"{show(entry)} is not a tier", "a mapping such as {up_to: 2000, cost: 35} "
                                                                   "(the last tier may leave out up_to)"))
        for key in entry:
            if key not in TIER_FIELDS:
                raise _at(f"{here}.{key}" if isinstance(key, str) else here,
                          fail(f"unknown field {show(key)}", ", ".join(TIER_FIELDS)))
        if entry.get("cost") is None:
            raise _at(f"{here}.cost", fail("is required and missing", rule.allowed))
        try:
            cost = rule(entry["cost"])
        except PydanticCustomError as exc:
            raise _at(f"{here}.cost", exc) from None
        up_to = entry.get("up_to")
        if up_to is None:
            if k < len(value) - 1:
                raise _at(f"{here}.up_to", fail("is missing, and only the last tier may leave it out",
                                                "a number > 0 (the units this tier reaches, counted from the "
                                                "first unit)"))
        else:
            try:
                up_to = POSITIVE(up_to)
            except PydanticCustomError as exc:
                raise _at(f"{here}.up_to", exc) from None
            if before is not None and up_to <= before:
                raise _at(f"{here}.up_to", fail(f"{show(up_to)} is not above the tier before's up_to "
                                                f"{show(before)}",
                                                "up_to strictly rising (cumulative units), such as " + EXAMPLE))
            before = up_to
        out.append(Tier(up_to=up_to, cost=cost))
    if len(out) == 1 and out[0].up_to is None:
        return out[0].cost
    return tuple(out)


def tiered_price(rule: NumberRule, flat):
    """A validator for a price: ``flat`` (a number, or with periods a mapping of numbers), a tier
    list, or with periods a mapping of numbers and tier lists."""

    def check(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return schedule(list(value), rule)
        if isinstance(value, dict) and any(isinstance(v, (list, tuple)) for v in value.values()):
            out: dict[str, Any] = {}
            for key, entry in value.items():
                if isinstance(entry, (list, tuple)) and isinstance(key, str):
                    out[key] = schedule(list(entry), rule, where=f".{key}")
                else:
                    out.update(flat({key: entry}))
            return out
        return flat(value)

    return check


_PRICE_PATH = re.compile(r"\s*channels(?:\[\s*([^\]]+?)\s*\]|\.([A-Za-z_][A-Za-z0-9_]*))\."
                         r"(cost_per_contact|cost_per_lead|cost_per_qualified_lead|unit_cost|min_spend|max_spend)(.*)",
                         re.DOTALL)


def tiered_path(scenario: Any, path: str) -> bool:
    """Whether ``path`` names a tiered price or one of its tiers (``channels[email].cost_per_lead[1].cost``)."""
    m = _PRICE_PATH.fullmatch(path)
    if not m:
        return False
    name, field, rest = m.group(1) or m.group(2), m.group(3), m.group(4)
    if "[" in rest and not field.endswith("_spend"):
        return True
    channel = next((c for c in scenario.channels if c.name == name), None)
    # min_spend / max_spend of a tiered channel are bounds on its units through the schedule
    return channel is not None and channel.tiered and (channel.price_field == field or field.endswith("_spend"))


def tier_path(scenario: Any, path: str) -> str | None:
    """The canonical form of a path to a tier's number (``channels[email].cost_per_lead[1].cost``;
    ``[1]`` alone is its cost; with periods ``channels[email].cost_per_lead.Q1[1].up_to``), or None
    where ``path`` names no tier. The tier must exist: else a ScenarioError naming the path."""
    from .curves import curve_path

    if curve_path(path):
        from ..errors import Issue, ScenarioError

        raise ScenarioError(Issue(f"--vary {path.strip()}", "names a response curve, whose points a sweep does not "
                                                            "vary (a point is a pair, and a curve must stay valid "
                                                            "along the sweep); allowed: --set "
                                                            f"{path.strip()}=... for one run at a time, or a tiered "
                                                            "price, whose tiers' numbers a sweep varies"))
    m = _PRICE_PATH.fullmatch(path)
    if not m or m.group(3).endswith("_spend"):
        return None
    curved = next((c for c in scenario.channels if c.name == (m.group(1) or m.group(2))
                   and c.response_curve is not None), None)
    if curved is not None:  # the tiered price a curve becomes is the curve's: its points are what to change
        from ..errors import Issue, ScenarioError

        raise ScenarioError(Issue(f"--vary {path.strip()}", f"channels[{curved.name}] is priced by a response "
                                                            f"curve, and {m.group(3)} is the tiered price it "
                                                            "becomes, which a sweep does not vary; allowed: --set "
                                                            f"channels[{curved.name}].response_curve.points[K]="
                                                            "[SPEND, AMOUNT] for one run at a time"))
    if "[" not in m.group(4):
        if tiered_path(scenario, path):  # a number for a schedule would change the model's shape mid-sweep
            from ..errors import Issue, ScenarioError

            raise ScenarioError(Issue(f"--vary {path.strip()}", f"{path.strip()} is a tiered price, which a sweep "
                                                                "varies tier by tier; allowed: a tier's number, "
                                                                f"such as {path.strip()}[0].cost or "
                                                                f"{path.strip()}[0].up_to, or --set "
                                                                f"{path.strip()}=NUMBER for a flat price"))
        return None
    tail = re.fullmatch(r"(?:\.([A-Za-z_][A-Za-z0-9_]*))?\[\s*([0-9]+)\s*\](?:\.(cost|up_to))?\s*", m.group(4))
    key = m.group(1) or m.group(2)
    names = list(scenario.channel_names)
    name = key if key in names else names[int(key)] if key.isdigit() and int(key) < len(names) else key
    channel = next((c for c in scenario.channels if c.name == name), None)
    base = f"channels[{name}].{m.group(3)}"
    from ..errors import Issue, ScenarioError

    if channel is None or tail is None or channel.price_field != m.group(3):
        raise ScenarioError(Issue(f"--vary {path.strip()}", f"names no tier of a tiered price; allowed: a tier's "
                                                            f"number, such as {base}[0].cost or {base}[0].up_to, "
                                                            "on a channel priced by tiers"))
    period, k, part = tail.group(1), int(tail.group(2)), tail.group(3) or "cost"
    price = getattr(channel, channel.price_field)
    schedule = price.get(period) if type(price) is dict and period is not None else None if period else price
    where = f"{base}.{period}" if period else base
    if type(schedule) is not tuple:
        raise ScenarioError(Issue(f"--vary {path.strip()}", f"{where} is not tiered, so it has no tier {k}; "
                                                            f"allowed: {where} (its flat price)"))
    if k >= len(schedule):
        raise ScenarioError(Issue(f"--vary {path.strip()}", f"{where} has {len(schedule)} tiers, numbered from 0; "
                                                            f"allowed: {where}[0] to {where}[{len(schedule) - 1}]"))
    return f"{where}[{k}].{part}"


def rebuilt_each_point(scenario: Any, program: Any, paths: list[str]) -> bool:
    """Whether a sweep over ``paths`` must rebuild the model at each point: a tier's number, a tiered
    price (a flat number replaces the schedule, as with --set), a tiered channel's spend limit (a
    bound on its units through the schedule), or the field bounding an ordered open tier."""
    bounding = {g.bounded_by for g in program.tier_groups if g.bounded_by}
    if getattr(program, "set_ups", ()) or any(  # a set-up's bound on the units comes from prices and limits
            f".{f}" in p for p in paths for f in ("fixed_cost", "min_units_if_used", "min_spend_if_used")):
        return True  # (and its rows from the set-up fields): built anew at each point
    return any(tiered_path(scenario, p) or p in bounding for p in paths)
