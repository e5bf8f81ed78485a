"""Response curves: a channel priced by points of spend against what it buys.

``response_curve: {stage: leads, points: [[0, 0], [20000, 900], [50000, 1700], [100000, 2400]]}``
says what the channel's spend buys along the way: the first $20,000 buys 900 leads, the next
$30,000 another 800... A curve is a tiered price in the curve's stage (its units): segment k costs
delta spend / delta amount per unit, up to the amount at its end, and the last point caps the
channel. That schedule is what the rest of the tool reads (the build, the plan, verification,
check, sweeps), so a curve is solved by the tiers' own machinery: a concave curve (costs per unit
rising) is an LP; one that is not has falling costs somewhere, which the tiers' order binaries
solve exactly (a piecewise-linear MILP). A flat stretch inside the curve is a jump in spend
(:attr:`Curve.jumps`), paid when the segment after it opens: the build prices the binary that
opens it at the jump.

>>> curve = response_curve({"stage": "leads", "points": [[0, 0], [20000, 900], [50000, 1700], [100000, 2400]]})
>>> [(t.up_to, round(t.cost, 4)) for t in curve.schedule]
[(900.0, 22.2222), (1700.0, 37.5), (2400.0, 71.4286)]
>>> curve.concave, curve.amount_at(35000), curve.spend_for(1700)
(True, 1300.0, 50000.0)
>>> describe_curve(curve, "$", "leads")
'curve: $20,000 for 900 leads, $50,000 for 1,700, $100,000 for 2,400'
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from .funnel import STAGES
from .rules import ERROR_TYPE, LARGEST, LIMITS_DOC, NON_NEGATIVE, fail, shorten, show
from .tiers import Tier, falls

FIELD = "response_curve"
CURVE_FIELDS = ("stage", "points")
EXAMPLE = "{stage: leads, points: [[0, 0], [20000, 900], [50000, 1700]]}"
POINTS_EXAMPLE = "[[0, 0], [20000, 900], [50000, 1700]]"
ALIASES = {"contacts": "reach"}  # a contact is a unit of reach (what cost_per_contact buys)
# the price field a curve's stage is bought by; any other stage (or a metric of your own) is
# bought by unit_cost, each unit yielding one of the stage
STAGE_PRICE = {"reach": "cost_per_contact", "leads": "cost_per_lead", "qualified_leads": "cost_per_qualified_lead"}
NAME_RULE = "letters, digits and _, not starting with a digit"


class Curve(BaseModel):
    """A validated response curve: its stage and points ([spend, amount], from [0, 0], spend
    strictly rising, amount never falling: a flat stretch inside is a jump in spend, flat points
    at the end buy nothing more)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # in name order: the fingerprint's canonical JSON writes the fields as listed
    points: tuple[tuple[float, float], ...]
    stage: str

    @property
    def rising(self) -> tuple[tuple[float, float], ...]:
        """The points up to the last one where the amount still rises (flat points at the end buy nothing)."""
        last = min(k for k, (_, amount) in enumerate(self.points) if amount == self.points[-1][1])
        return self.points[:last + 1]

    @property
    def schedule(self) -> tuple[Tier, ...]:
        """The curve as a tiered price in its stage: segment k costs delta spend / delta amount per
        unit, up to the amount at its end (the last caps the channel). A flat stretch (a jump in
        spend) is no segment: it is the jump paid before the next one (:attr:`jumps`)."""
        points = self.rising
        return tuple(Tier(cost=(s1 - s0) / (a1 - a0), up_to=a1)
                     for (s0, a0), (s1, a1) in zip(points, points[1:]) if a1 > a0)

    @property
    def jumps(self) -> tuple[float, ...]:
        """For each segment of :attr:`schedule`, the spend of the flat stretch just before it (0 for
        most): a jump in spend paid when the segment opens, before it buys anything.

        >>> response_curve({"stage": "leads", "points": [[0, 0], [100, 10], [150, 10], [350, 30]]}).jumps
        (0.0, 50.0)
        """
        out, flat = [], 0.0
        points = self.rising
        for (s0, a0), (s1, a1) in zip(points, points[1:]):
            if a1 > a0:
                out.append(flat)
                flat = 0.0
            else:
                flat += s1 - s0
        return tuple(out)

    @property
    def ends(self) -> tuple[int, ...]:
        """For each segment of :attr:`schedule`, the index of the point it ends at."""
        points = self.rising
        return tuple(k for k in range(1, len(points)) if points[k][1] > points[k - 1][1])

    @property
    def concave(self) -> bool:
        """Whether each segment buys at most as much per unit of spend as the one before, without a
        jump in spend (an LP)."""
        return not falls(self.schedule) and not any(self.jumps)

    @property
    def cap(self) -> float:
        """The most the curve buys: the amount at its last point."""
        return self.points[-1][1]

    def amount_at(self, spend: float) -> float:
        """What ``spend`` buys along the curve (past the last point: the last amount).

        >>> response_curve({"stage": "leads", "points": [[0, 0], [100, 10], [300, 30]]}).amount_at(200)
        20.0
        """
        points = self.rising
        for (s0, a0), (s1, a1) in zip(points, points[1:]):
            if spend <= s1:
                return a0 + (a1 - a0) * max(0.0, spend - s0) / (s1 - s0)
        return points[-1][1]

    def spend_for(self, amount: float) -> float:
        """What ``amount`` costs along the curve (its segments filled in order; a jump in spend is
        paid once more is bought than the amount before it)."""
        points = self.rising
        for (s0, a0), (s1, a1) in zip(points, points[1:]):
            if amount <= a1 and a1 > a0:
                return s0 + (s1 - s0) * max(0.0, amount - a0) / (a1 - a0)
        return points[-1][0]


def _at(suffix: str, exc: PydanticCustomError) -> PydanticCustomError:
    """The rule's error, marked with where in the curve it is (the field path gains ``suffix``)."""
    context = dict(exc.context or {})
    context["suffix"] = suffix + context.get("suffix", "")
    return PydanticCustomError(ERROR_TYPE, exc.message_template, context)


def _stage(value: Any, where: str) -> str:
    if value is None:
        raise _at(f"{where}.stage", fail("is required and missing", f"a funnel stage ({', '.join(STAGES)}) or a "
                                                                    "metric of your own"))
    if not isinstance(value, str) or not (value.isascii() and value.isidentifier()):
        raise _at(f"{where}.stage", fail(f"{show(value)} is not a stage", f"a funnel stage ({', '.join(STAGES)}) "
                                                                          f"or a metric of your own ({NAME_RULE})"))
    value = ALIASES.get(value, value)
    if value not in STAGES:
        guess = difflib.get_close_matches(value, STAGES, n=1, cutoff=0.75)
        if guess:
            raise _at(f"{where}.stage", fail(f"{show(value)} looks like a misspelt funnel stage (did you mean "
                                             f"{guess[0]}?)", f"a stage ({', '.join(STAGES)}) or a metric of "
                                                              "your own"))
    return value


def _number(value: Any, here: str, which: str) -> float:
    if value is None:
        raise _at(here, fail(f"the {which} is empty", "a number >= 0"))
    try:
        return NON_NEGATIVE(value)
    except PydanticCustomError as exc:
        context = dict(exc.context or {})
        context["wrong"] = f"the {which} {context.get('wrong', '')}".rstrip()
        raise _at(here, PydanticCustomError(ERROR_TYPE, exc.message_template, context)) from None


def _points(value: Any, where: str) -> tuple[tuple[float, float], ...]:
    path = f"{where}.points"
    if value is None:
        raise _at(path, fail("is required and missing", f"[spend, amount] points such as {POINTS_EXAMPLE}"))
    if not isinstance(value, (list, tuple)):
        raise _at(path, fail(f"{show(value)} is not a list of points", f"[spend, amount] points such as "
                                                                       f"{POINTS_EXAMPLE}"))
    if len(value) < 2:
        raise _at(path, fail(f"{'no point is' if not value else 'one point is'} given, and a curve needs two or more",
                             f"points from [0, 0] on, such as {POINTS_EXAMPLE}"))
    out: list[tuple[float, float]] = []
    for k, entry in enumerate(value):
        here = f"{path}[{k}]"
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            wrong = f"a list of {len(entry)} numbers" if isinstance(entry, (list, tuple)) else show(entry)
            raise _at(here, fail(f"{wrong} is not a point", "a pair [spend, amount], such as [20000, 900]"))
        spend, amount = _number(entry[0], here, "spend"), _number(entry[1], here, "amount")
        if k == 0 and (spend, amount) != (0.0, 0.0):
            raise _at(here, fail(f"the curve starts at [{show(spend)}, {show(amount)}]",
                                 "a first point [0, 0] (no spend buys nothing)"))
        if out:
            spend0, amount0 = out[-1]
            if spend <= spend0:
                raise _at(here, fail(f"spend {show(spend)} is not above the point before's {show(spend0)}",
                                     "spend strictly rising from point to point"))
            if amount < amount0:
                raise _at(here, fail(f"amount {show(amount)} is below the point before's {show(amount0)}",
                                     "amounts that never fall (more spend buys at least as much)"))
        out.append((spend, amount))
    if out[-1][1] == 0:
        raise _at(path, fail("every point's amount is 0: the curve buys nothing",
                             "a curve whose amount rises, such as " + POINTS_EXAMPLE))
    last = min(k for k, (_, amount) in enumerate(out) if amount == out[-1][1])
    for k in range(1, last + 1):
        cost = (out[k][0] - out[k - 1][0]) / (out[k][1] - out[k - 1][1]) if out[k][1] > out[k - 1][1] else 0.0
        # (a flat stretch inside the curve is a jump in spend, paid before the next segment buys)
        if not cost <= LARGEST:  # a rise too small for its spend: a price beyond any the input allows
            raise _at(f"{path}[{k}]", fail(f"the segment to this point costs {cost:.3g} per unit (spend "
                                           f"{show(out[k][0] - out[k - 1][0])} for an amount of "
                                           f"{out[k][1] - out[k - 1][1]:.3g})",
                                           f"a cost per unit at most 1e15 ({LIMITS_DOC})"))
    return tuple(out)


def _one(value: Any, where: str) -> Curve:
    if not isinstance(value, dict):
        raise _at(where, fail(f"{show(value)} is not a response curve", f"a mapping such as {EXAMPLE}"))
    for key in value:
        if key not in CURVE_FIELDS:
            raise _at(f"{where}.{shorten(key)}" if isinstance(key, str) else where,
                      fail(f"unknown field {show(key)}", ", ".join(CURVE_FIELDS)))
    stage = _stage(value.get("stage"), where)
    return Curve(stage=stage, points=_points(value.get("points"), where))


def response_curve(value: Any) -> Curve | dict[str, Curve] | None:
    """A ``response_curve`` validated: one curve, or with periods a mapping of curves by period
    (every period's in the same stage). Anything else is an error naming the point or field."""
    if value is None or isinstance(value, Curve):
        return value
    if isinstance(value, dict) and value and not any(k in CURVE_FIELDS for k in value) \
            and all(isinstance(v, (dict, Curve)) for v in value.values()):
        out: dict[str, Curve] = {}
        for key, entry in value.items():
            if not isinstance(key, str):
                raise fail(f"the key {show(key)} is not text", "period names")
            out[key] = entry if isinstance(entry, Curve) else _one(entry, f".{key}")
        stages = {c.stage for c in out.values()}
        if len(stages) > 1:
            key = next(k for k, c in out.items() if c.stage != next(iter(out.values())).stage)
            raise _at(f".{key}.stage", fail(f"the stage {show(out[key].stage)} differs from the first period's "
                                            f"{show(next(iter(out.values())).stage)}",
                                            "one stage in every period (the channel's units)"))
        return out
    return _one(value, "")


def curve_in(value: Curve | dict[str, Curve], period: str | None) -> Curve:
    """A channel's curve in ``period`` (a mapping's first entry where it does not name it)."""
    if isinstance(value, Curve):
        return value
    return value.get(period) or next(iter(value.values()))


def curve_data(curve: Curve) -> dict:
    """A curve as plain data (JSON-ready): ``{stage, points}``."""
    return {"stage": curve.stage, "points": [list(point) for point in curve.points]}


def curves(value: Curve | dict[str, Curve]) -> list[Curve]:
    """Every curve a channel's ``response_curve`` holds (one, or one per period)."""
    return [value] if isinstance(value, Curve) else list(value.values())


def price_of(value: Curve | dict[str, Curve]) -> tuple[Tier, ...] | dict[str, tuple[Tier, ...]]:
    """The tiered price a curve is (by period, for a mapping of curves)."""
    if isinstance(value, Curve):
        return value.schedule
    return {key: curve.schedule for key, curve in value.items()}


def stage_of(value: Curve | dict[str, Curve]) -> str:
    """The stage a channel's curve (or every period's curve) buys."""
    return curves(value)[0].stage


def price_field_of(stage: str) -> str:
    """The price field a curve in ``stage`` becomes (``unit_cost`` with a yield of one ``stage``
    per unit where no price field buys that stage)."""
    return STAGE_PRICE.get(stage, "unit_cost")


SINGULAR = {"reach": "contact", "leads": "lead", "qualified_leads": "qualified lead", "opportunities": "opportunity",
            "deals": "deal", "revenue": "unit of revenue"}


def stage_unit(stage: str) -> str:
    """One unit of a curve's stage, for people: "opportunity", "deal", "demo" (a metric of your own,
    ``demos``, in the singular where it reads as a plural; else as it is).

    >>> stage_unit("opportunities"), stage_unit("demos"), stage_unit("pipeline")
    ('opportunity', 'demo', 'pipeline')
    """
    if stage in SINGULAR:
        return SINGULAR[stage]
    if stage.endswith("ies") and len(stage) > 3:
        return stage[:-3] + "y"
    if stage.endswith("s") and not stage.endswith("ss") and len(stage) > 1:
        return stage[:-1]
    return stage


def stage_units(stage: str) -> str:
    """Units of a curve's stage, for people: "opportunities", "qualified leads", "demos"."""
    return {"qualified_leads": "qualified leads", "revenue": "units of revenue"}.get(stage, stage)


def price_unit(channel: Any) -> str:
    """What a channel's price is per, for people: its price field's unit ("lead", "unit"), or for
    a curve, one of its stage ("opportunity", "demo")."""
    from .funnel import PRICE_UNIT

    if getattr(channel, "response_curve", None) is not None:
        return stage_unit(stage_of(channel.response_curve))
    return PRICE_UNIT[channel.price_field]


def _grouped(number: float) -> str:
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:,.2f}"


def describe_curve(curve: Curve, symbol: str, unit: str) -> str:
    """The curve as ``validate`` shows it: "curve: $20,000 for 900 leads, $50,000 for 1,700, ..."."""
    parts = [f"{symbol}{_grouped(s)} for {_grouped(a)}" + (f" {unit}" if k == 0 else "")
             for k, (s, a) in enumerate(curve.points[1:])]
    return "curve: " + ", ".join(parts)


def curve_path(path: str) -> bool:
    """Whether a path names a response curve or a part of it (``channels[x].response_curve.points[2]``)."""
    return re.fullmatch(r"\s*channels(?:\[[^\]]+\]|\.[A-Za-z_][A-Za-z0-9_]*)\.response_curve\b.*", path,
                        re.DOTALL) is not None


def curve_notes(scenario: Any) -> tuple[str, ...]:
    """What sensitivity says of each response curve: it gets no price range."""
    return tuple(f"channels[{c.name}].response_curve: a response curve gets no price range (its segments' costs "
                 "are its points'; move a point with --set and compare)" for c in scenario.channels
                 if c.response_curve is not None)
