"""The scenario: a validated, frozen description of a planning problem (schema and rules).

Shape and field rules are pydantic's; rules across fields (metrics, constraints, missing rates)
run in one after-validator, so a scenario built in code is checked exactly like one read from a
file. Every failure becomes a :class:`~optimizer.errors.ScenarioError` naming the field path.

>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "win_rate": 0.1}],
...              funnel={"qualification_rate": 0.5}, targets={"deals": 10})
>>> s.yields["email"].per_unit["deals"]
0.05
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from operator import itemgetter
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ..errors import Issue, ScenarioError
from .curves import FIELD as CURVE
from .curves import Curve, curves, price_field_of, price_of, response_curve, stage_of
from .expressions import ExpressionError, LinearConstraint, parse_constraint
from .funnel import DEFAULT_RATES, PRICE_FIELDS, RATE_FIELDS, RATE_INTO, STAGES, ChannelYields, channel_yields
from .periods import RESERVED, TOTAL, at, by_period, cycle, first, horizon, nearest_period, per_period, value_in
from .rules import NON_NEGATIVE, POSITIVE, RATE, NumberRule, fail, listing, shorten, show
from .sales_team import Role, sales_team_issues, sales_team_warnings
from .tiers import Tier, _at, as_schedule, falls, first_cost, is_tiered, tiered_price


def _quick(rule: NumberRule):
    """``rule``, with a short way through for a plain number it allows: most values of a large file.

    Anything else goes to the rule itself, so every message stays the rule's own. A float is
    compared as it is (NaN fails every comparison; an infinity fails the open end at infinity).
    """
    low, high, low_open = rule.low, rule.high, rule.low_open
    bottom = -math.inf if low is None else low
    top = math.inf if high is None else high

    def slow(value: Any) -> float | None:
        if type(value) is int:
            try:
                number = float(value)
            except OverflowError:  # an int beyond any float (10**400): the rule's own message, which
                # quotes it in scientific notation (400 digits would fill the screen)
                return rule(value)
            if (math.isfinite(number) and (low is None or (number > low if low_open else number >= low))
                    and (high is None or number <= high)):
                return number
        return rule(value)

    # one comparison chain per kind of bound, chosen here rather than per value
    if high is None and (low is None or low_open):
        def check(value: Any) -> float | None:
            return value if type(value) is float and bottom < value < top else slow(value)
    elif high is None:
        def check(value: Any) -> float | None:
            return value if type(value) is float and bottom <= value < top else slow(value)
    elif low is None or low_open:
        def check(value: Any) -> float | None:
            return value if type(value) is float and bottom < value <= top else slow(value)
    else:
        def check(value: Any) -> float | None:
            return value if type(value) is float and bottom <= value <= top else slow(value)

    return check


_AMOUNT = NumberRule("a number >= 0", low=0, optional=False)
Amount = Annotated[float, BeforeValidator(_quick(_AMOUNT))]


def _mapped(rule: NumberRule, limit: bool, optional: bool = True) -> Any:
    """A field that is ``rule``'s number or, with periods, a mapping by period (see :mod:`.periods`)."""
    kind = float | dict[str, float]
    return Annotated[kind | None if optional else kind, BeforeValidator(per_period(rule, _quick(rule), limit))]


# limits: a number over the horizon, or a mapping by period (and ``total``)
PositiveLimit = _mapped(POSITIVE, limit=True)
NonNegativeLimit = _mapped(NON_NEGATIVE, limit=True)
AmountLimit = _mapped(_AMOUNT, limit=True, optional=False)
# values: a number in every period, or a mapping naming periods
PositiveValue = _mapped(POSITIVE, limit=False)
NonNegativeValue = _mapped(NON_NEGATIVE, limit=False)
RateValue = _mapped(RATE, limit=False)
AmountValue = _mapped(_AMOUNT, limit=False, optional=False)
# a price: a number, a tier list (scenario/tiers.py), or with periods a mapping of either by period
PriceValue = Annotated[float | tuple[Tier, ...] | dict[str, float | tuple[Tier, ...]] | None,
                      BeforeValidator(tiered_price(NON_NEGATIVE,
                                                   per_period(NON_NEGATIVE, _quick(NON_NEGATIVE), limit=False)))]
Cycle = Annotated[tuple[float, ...] | None, BeforeValidator(cycle)]
# a response curve (scenario/curves.py), or with periods a mapping of curves by period
CurveValue = Annotated[Curve | dict[str, Curve] | None, BeforeValidator(response_curve)]
# `targets:` with every line below it commented out is YAML null: an empty section, not a type error.
_EMPTY_IS_NONE = BeforeValidator(lambda v: {} if v is None else v)
_EMPTY_LIST_IS_NONE = BeforeValidator(lambda v: [] if v is None else v)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # ASCII, matched in full (fullmatch: "$" allows a final newline)
NAME_RULE = "letters, digits and _, not starting with a digit"
RULES_ERROR = "scenario_rules"


def nearest(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    """The closest known word, for "did you mean" hints."""
    found = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None


def channel_path(name: str) -> str:
    """``channels[NAME]`` as a message names a channel (a long name shortened, as every echoed value)."""
    return f"channels[{shorten(name)}]"


def did_you_mean(word: str, options) -> str:
    guess = nearest(word, options)
    return f" (did you mean {shorten(guess)}?)" if guess else ""


def period_hint(word: str, periods) -> str:
    """The "did you mean" of an unknown period name, as ``--set`` words it: short names get a hint
    even when far (``Q5`` -> ``Q4``), another case always (``q4`` -> ``Q4``)."""
    guess = nearest_period(word, periods)
    return f" (did you mean {shorten(guess)}?)" if guess else ""


class derived:  # noqa: N801 (used like functools.cached_property)
    """A value computed from a frozen model's fields on first use, then kept in the instance.

    functools.cached_property without its per-instance lock (Python 3.11), which cost more than
    the values themselves at 10,000 channels.
    """

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False, ignored_types=(derived,))

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False):  # type: ignore[override]
        """A copy; with ``update``, the derived values kept from the original are dropped (they may be stale)."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            fields = type(self).model_fields
            for key in [k for k in copied.__dict__ if k not in fields]:
                del copied.__dict__[key]
        return copied


class Funnel(_Frozen):
    """Default conversion rates (and deal value) for every channel."""

    response_rate: RateValue = None
    qualification_rate: RateValue = None
    opportunity_rate: RateValue = None
    win_rate: RateValue = None
    deal_value: PositiveValue = None
    sales_cycle: Cycle = None


SET_UP_FIELDS = ("fixed_cost", "min_units_if_used", "min_spend_if_used")


def _some(value: Any) -> bool:
    """Whether a set-up field holds a number > 0 (in some period)."""
    if type(value) is dict:
        return any(v > 0 for v in value.values())
    return value is not None and value > 0


# what Channel._own_rules reads of every channel, in one call
_RULE_FIELDS = itemgetter("name", "cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost", "yields",
                          "min_spend", "min_units")


class Channel(_Frozen):
    """One marketing channel: its price, its own funnel rates, limits and caps."""

    name: str
    cost_per_contact: PriceValue = None
    cost_per_lead: PriceValue = None
    cost_per_qualified_lead: PriceValue = None
    unit_cost: PriceValue = None
    response_curve: CurveValue = None
    yields: dict[str, AmountValue] | None = None
    response_rate: RateValue = None
    qualification_rate: RateValue = None
    opportunity_rate: RateValue = None
    win_rate: RateValue = None
    deal_value: PositiveValue = None
    min_spend: NonNegativeLimit = None
    max_spend: NonNegativeLimit = None
    min_units: NonNegativeLimit = None
    max_units: NonNegativeLimit = None
    caps: Annotated[dict[str, AmountLimit], _EMPTY_IS_NONE] = Field(default_factory=dict)
    integer: StrictBool = False
    available: list[str] | None = None
    sales_cycle: Cycle = None
    # set-up costs and minimum buys (a mixed-integer model): a number, or with periods a mapping by period
    fixed_cost: NonNegativeValue = None
    min_units_if_used: NonNegativeValue = None
    min_spend_if_used: NonNegativeValue = None

    @model_validator(mode="after")
    def _own_rules(self) -> Channel:
        own = self.__dict__
        name, contact, lead, qualified, unit_cost, yields, min_spend, min_units = _RULE_FIELDS(own)
        # NAME in full, without the regular expression: an ASCII identifier is exactly that
        if not (name.isascii() and name.isidentifier()):
            raise fail(f"name {show(self.name)} is not a valid channel name", NAME_RULE)
        if own["response_curve"] is not None:  # a curve becomes the tiered price it is (scenario/curves.py)
            self._curve_price()
            contact, lead, qualified, unit_cost, yields = (own[f] for f in (*PRICE_FIELDS, "yields"))
        # the usual channel, one price and yields only with unit_cost, in a few comparisons
        given = (contact is not None) + (lead is not None) + (qualified is not None) + (unit_cost is not None)
        if given != 1 or (unit_cost is None) == bool(yields):
            self._price_issue()
        if contact is not None:
            price_field, price = "cost_per_contact", contact
        elif lead is not None:
            price_field, price = "cost_per_lead", lead
        elif qualified is not None:
            price_field, price = "cost_per_qualified_lead", qualified
        else:
            price_field, price = "unit_cost", unit_cost
        if type(price) is dict:  # a price per period: one number describes the channel where one is needed
            price = first(price)
        tiered = type(price) is tuple or type(own[price_field]) is dict and is_tiered(own[price_field])
        if type(price) is tuple:  # a tiered price: its first tier's cost describes it
            price = first_cost(price)
        own["price_field"], own["price"] = price_field, price  # kept now: every later stage reads them
        if tiered and own["integer"]:
            self._whole_tier_ends(price_field)
        if min_spend is None and min_units is None:  # the usual case: nothing below to compare
            return self
        if any(type(own[f]) is dict for f in ("min_spend", "max_spend", "min_units", "max_units")) \
                or type(own[price_field]) is dict:
            return self  # limits per period: a conflict among them is the plan's to diagnose, by name
        for low, high in (("min_spend", "max_spend"), ("min_units", "max_units")):
            lo, hi = own[low], own[high]
            if lo is not None and hi is not None and lo > hi:
                raise fail(f"{low} {show(lo)} is above {high} {show(hi)}", f"{low} <= {high}: lower one of them")
        if tiered:  # spend is not units x one price: a conflict across the kinds is the plan's to diagnose
            return self
        if price > 0:
            lows = [(f"min_spend {show(lo)}", lo) for lo in [self.min_spend] if lo is not None]
            lows += [(f"min_units {show(lo)} (spend {show(lo * price)})", lo * price)
                     for lo in [self.min_units] if lo is not None]
            highs = [(f"max_spend {show(hi)}", hi) for hi in [self.max_spend] if hi is not None]
            highs += [(f"max_units {show(hi)} (spend {show(hi * price)})", hi * price)
                      for hi in [self.max_units] if hi is not None]
            for lo_text, lo in lows:
                for hi_text, hi in highs:
                    if lo > hi * (1 + 1e-12):
                        raise fail(f"{lo_text} is above {hi_text}",
                                   "a minimum at or below the maximum: lower one of them")
        elif self.min_spend:
            raise fail(f"min_spend {show(self.min_spend)} cannot be spent: the channel's {price_field} is 0",
                       "min_spend 0 (or min_units) for a free channel")
        return self

    def _curve_price(self) -> None:
        """A response curve's channel: the curve is its only price, and becomes the tiered price in
        the curve's stage that the rest of the tool reads (its price field, and for a stage no price
        field buys, ``unit_cost`` with a yield of one of the stage per unit)."""
        own = self.__dict__
        prices = [f for f in PRICE_FIELDS if own[f] is not None]
        if prices:
            raise fail(f"{len(prices) + 1} prices are given ({', '.join([*prices, CURVE])})",
                       "exactly one of " + ", ".join(PRICE_FIELDS + (CURVE,)))
        if own["yields"]:
            raise fail("yields is not read for a response_curve channel: its units are the curve's stage",
                       "remove yields, or price the channel by unit_cost with yields")
        stage = stage_of(own[CURVE])
        field = price_field_of(stage)
        own[field] = price_of(own[CURVE])
        if field == "unit_cost":
            own["yields"] = {stage: 1.0}

    def _whole_tier_ends(self, price_field: str) -> None:
        """A whole-unit channel's tiers end at whole units: each tier's units are whole in the model,
        so a tier ending inside a unit (``up_to: 2.5``) would buy its units at the wrong prices."""
        own = self.__dict__
        value = own[price_field]
        for period, schedule in (value.items() if type(value) is dict else [(None, value)]):
            for k, tier in enumerate(schedule if type(schedule) is tuple else ()):
                if tier.up_to is None or float(tier.up_to).is_integer():
                    continue
                within = "" if period is None else f".{period}"
                where = (f".{CURVE}{within}.points[{k + 1}]" if own[CURVE] is not None
                         else f".{price_field}{within}[{k}].up_to")
                low = math.floor(tier.up_to)
                raise _at(where, fail(f"{show(tier.up_to)} is not a whole number of units, and {self.name} buys "
                                      "whole units (integer: true)",
                                      f"a whole number such as {show(low)} or {show(low + 1)} (or integer: false)"))

    def _price_issue(self) -> None:
        """Raise the error of a channel without exactly one price, or with yields that do not fit its price."""
        own = self.__dict__
        prices = [f for f in PRICE_FIELDS if own[f] is not None]
        if len(prices) != 1:
            wrong = "no price is given" if not prices else f"{len(prices)} prices are given ({', '.join(prices)})"
            raise fail(wrong, "exactly one of " + ", ".join(PRICE_FIELDS + (CURVE,)))
        if self.unit_cost is not None and not self.yields:
            raise fail("unit_cost needs yields (what one unit buys)", "yields such as {leads: 140}")
        if self.yields and self.unit_cost is None:
            raise fail(f"yields is only read for unit_cost channels, and this one has {prices[0]}",
                       "remove yields, or price the channel by unit_cost")

    @derived
    def price_field(self) -> str:
        return next(f for f in PRICE_FIELDS if getattr(self, f) is not None)

    @derived
    def price(self) -> float:
        """The channel's price (a per-period price: its first period's; a tiered price: its first
        tier's cost, where one number is needed)."""
        return first_cost(first(getattr(self, self.price_field)))

    @property
    def sets_up(self) -> bool:
        """Whether the channel has a set-up cost or a minimum buy (in some period): on/off binaries."""
        own = self.__dict__
        return any(_some(own[f]) for f in SET_UP_FIELDS)

    @property
    def price_path(self) -> str:
        """The field a user wrote the channel's price in: ``response_curve`` for a curve, else the price field."""
        return CURVE if self.response_curve is not None else self.price_field

    @property
    def tiered(self) -> bool:
        """Whether the channel's price is tiered (in some period, with periods)."""
        return is_tiered(getattr(self, self.price_field))

    def own_rates(self) -> dict[str, float | None]:
        return {r: getattr(self, r) for r in RATE_FIELDS}


class ConstraintSpec(_Frozen):
    """A custom linear constraint: text such as ``spend[paid_search] <= 0.3 * total_spend``."""

    name: str | None = None
    expr: str
    each_period: StrictBool = False  # the rule holds within every period
    period: str | None = None  # the rule holds within this period

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"expr": data} if isinstance(data, str) else data

    @derived
    def parsed(self) -> LinearConstraint:
        return parse_constraint(self.expr)


class Scenario(_Frozen):
    """A planning problem: budget, funnel, targets, caps, channels and custom constraints."""

    name: str = "scenario"
    currency: str = "USD"
    budget: PositiveLimit = None
    deal_value: PositiveValue = None
    objective: str = "min_spend"
    funnel: Annotated[Funnel, _EMPTY_IS_NONE] = Field(default_factory=Funnel)
    targets: Annotated[dict[str, AmountLimit], _EMPTY_IS_NONE] = Field(default_factory=dict)
    caps: Annotated[dict[str, AmountLimit], _EMPTY_IS_NONE] = Field(default_factory=dict)
    channels: list[Channel] = Field(min_length=1)
    constraints: Annotated[list[ConstraintSpec], _EMPTY_LIST_IS_NONE] = Field(default_factory=list)
    periods: list[str] | None = None
    pipeline: dict[str, dict[str, Amount]] | None = None
    sales_team: Annotated[list[Role], _EMPTY_LIST_IS_NONE] = Field(default_factory=list)

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ScenarioError(issues_from_validation(exc, data)) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Scenario:  # type: ignore[override]
        if isinstance(obj, dict):
            fields = ", ".join(cls.model_fields)
            bad = [Issue(str(k), f"the key {show(k)} is not text; allowed: {fields}")
                   for k in obj if not isinstance(k, str)]
            if bad:
                raise ScenarioError(bad)
            if not args and not kwargs:
                return cls(**obj)  # one validation pass: with a custom __init__, pydantic would run two
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise ScenarioError(issues_from_validation(exc, obj)) from None

    @model_validator(mode="after")
    def _scenario_rules(self) -> Scenario:
        issues = _rule_issues(self)
        if issues:
            raise PydanticCustomError(RULES_ERROR, "{count} problems", {"count": len(issues), "issues": issues})
        return self

    # -- derived, read-only views -------------------------------------------------------------
    @derived
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    @derived
    def default_rates(self) -> dict[str, float | None]:
        rates = {r: getattr(self.funnel, r) for r in RATE_FIELDS}
        rates["deal_value"] = self.funnel.deal_value or self.deal_value
        return rates

    @derived
    def yields(self) -> dict[str, ChannelYields]:
        """Per channel, what one unit yields at every funnel stage and metric (with periods: in the
        channel's first period, which is what the rules need; :meth:`yields_in` gives any period)."""
        if not self.periods:
            return {c.name: channel_yields(c.price_field, c.yields, c.own_rates(), self.default_rates)
                    for c in self.channels}
        return {c.name: self.yields_in(c, self.available(c)[0] if self.available(c) else None)
                for c in self.channels}

    def yields_in(self, channel: Channel, period: str | None) -> ChannelYields:
        """What one unit of ``channel`` bought in ``period`` yields: its rates, prices and yields there.

        Where a mapping does not name ``period`` (a period the channel is not available in), its
        first entry stands in: the channel buys nothing there.
        """
        own = {r: value_in(getattr(channel, r), period) for r in RATE_FIELDS}
        defaults = {r: value_in(v, period) for r, v in self.default_rates.items()}
        yields = {m: value_in(v, period) for m, v in channel.yields.items()} if channel.yields else channel.yields
        return channel_yields(channel.price_field, yields, own, defaults)

    def available(self, channel: Channel) -> tuple[str, ...]:
        """The periods ``channel`` can run in, in the scenario's order (() without periods)."""
        if not self.periods:
            return ()
        if channel.available is None:
            return tuple(self.periods)
        return tuple(p for p in self.periods if p in channel.available)

    def cycle(self, channel: Channel) -> tuple[float, ...]:
        """The share of a period's deals closing 0, 1, 2... periods later for ``channel``."""
        return channel.sales_cycle or self.funnel.sales_cycle or (1.0,)

    @derived
    def metrics(self) -> tuple[str, ...]:
        """Every metric the scenario knows: the funnel stages, then invented ``yields`` metrics."""
        extra = sorted({m for c in self.channels for m in (c.yields or {}) if m not in STAGES})
        return STAGES + tuple(extra)

    @property
    def objective_metric(self) -> str | None:
        """The metric a ``max_`` objective maximises (``revenue`` for ``max_profit``)."""
        if self.objective == "max_profit":
            return "revenue"
        return self.objective[4:] if self.objective.startswith("max_") else None

    @derived
    def warnings(self) -> tuple[str, ...]:
        out = []
        for c in self.channels:
            y = self.yields[c.name]
            for rate in y.ignored_rates:
                stage = next(s for s, r in RATE_INTO.items() if r == rate)
                if y.entry is None:
                    why = "the channel stays outside the funnel (its yields name no funnel stage)"
                elif stage in (c.yields or {}) and STAGES.index(stage) > STAGES.index(y.entry):
                    why = f"its yields give {stage} directly"
                else:
                    why = f"the channel enters the funnel at {y.entry}"
                out.append(f"{channel_path(c.name)}.{rate} does not apply: {why}")
            if c.response_curve is not None:
                concave = all(curve.concave for curve in curves(c.response_curve))
                out.append(f"response curve on {channel_path(c.name)}: concave, an LP" if concave else
                           f"mixed-integer: non-concave response curve on {channel_path(c.name)}")
            elif c.tiered and any(falls(as_schedule(v)) for v in (
                    getattr(c, c.price_field).values() if type(getattr(c, c.price_field)) is dict
                    else [getattr(c, c.price_field)])):
                out.append(f"mixed-integer: volume discount on {channel_path(c.name)}")
            for field, what in (("fixed_cost", "set-up cost"), ("min_units_if_used", "minimum buy"),
                                ("min_spend_if_used", "minimum buy")):
                note = f"mixed-integer: {what} on {channel_path(c.name)}"
                if _some(getattr(c, field)) and note not in out:
                    out.append(note)
            for low, floor in (("min_units_if_used", "min_units"), ("min_spend_if_used", "min_spend")):
                lo, committed = getattr(c, low), getattr(c, floor)
                if type(lo) is not dict and type(committed) is not dict and lo and committed and lo <= committed:
                    out.append(f"{channel_path(c.name)}.{low} {show(lo)} is at or below {floor} {show(committed)}: "
                               f"it changes nothing (the channel buys at least {floor} anyway)")
            if c.price == 0 and c.max_spend is not None:
                out.append(f"{channel_path(c.name)}.max_spend does not limit a free channel (its {c.price_field} "
                           "is 0); use max_units or caps")
        if self.objective == "min_spend" and not self.targets and not any(
                c.min_spend or c.min_units for c in self.channels) and not self.constraints:
            out.append("no targets: the cheapest plan spends nothing; add targets (e.g. targets.revenue)")
        out.extend(sales_team_warnings(self.sales_team))
        return tuple(out)

    @derived
    def sha256(self) -> str:
        """The scenario's fingerprint (see :mod:`optimizer.scenario.fingerprint`), computed once."""
        from .fingerprint import compute_sha256

        return compute_sha256(self)

    def to_data(self) -> dict:
        """The scenario as plain data (JSON-ready), which validates back to an equal scenario."""
        data = self.model_dump(mode="json", exclude_none=True)
        for c, entry in zip(self.channels, data["channels"]):
            if c.response_curve is not None:  # the price a curve becomes is the curve's, not the user's
                entry.pop(c.price_field, None)
                if c.price_field == "unit_cost":
                    entry.pop("yields", None)
        return data


def _rule_issues(s: Scenario) -> list[tuple[str, str]]:
    """Rules across fields; each issue is (path, message) in the one template."""
    issues = _period_issues(s)
    if issues:  # values in the wrong shape for the scenario's periods: the rules below would read them wrongly
        return issues
    names = [c.name for c in s.channels]
    seen: set[str] = set(names)
    if len(seen) < len(names):  # a name used twice: find where, in order
        seen = set()
        for i, n in enumerate(names):
            if n in seen:
                issues.append((f"channels[{i}].name", fail(f"{show(n)} is used by another channel",
                                                            "a unique name per channel").message()))
            seen.add(n)
    if s.funnel.deal_value is not None and s.deal_value is not None:
        issues.append(("funnel.deal_value", f"deal_value is given both at the top level ({show(s.deal_value)}) "
                       f"and in funnel ({show(s.funnel.deal_value)}); allowed: give one or the other"))
    metrics = s.metrics
    metric_list = listing(metrics)
    issues.extend(set_up_issues(s))
    for c in s.channels:
        for key in c.yields or {}:
            if key not in STAGES:
                guess = difflib.get_close_matches(key, STAGES, n=1, cutoff=0.75)
                if guess:
                    issues.append((f"{channel_path(c.name)}.yields.{key}",
                                   f"{show(key)} looks like a misspelt funnel stage (did you mean "
                                   f"{shorten(guess[0])}?); allowed: a stage ({', '.join(STAGES)}) or a metric of "
                                   "your own"))
    uses: list[tuple[str, str | None, str]] = []  # (metric, channel or None, where it is used)

    def check_metric(metric: str, path: str, channel: str | None = None) -> None:
        if metric in metrics:
            uses.append((metric, channel, path))
        else:
            issues.append((path, f"{show(metric)} is not a metric of this scenario{did_you_mean(metric, metrics)}; "
                                 f"allowed: {metric_list}"))

    for section in ("targets", "caps"):
        for metric in getattr(s, section):
            check_metric(metric, f"{section}.{shorten(metric)}")
    for c in s.channels:
        for metric in c.caps:
            check_metric(metric, f"{channel_path(c.name)}.caps.{shorten(metric)}", c.name)
    objectives = ["min_spend", "max_profit"] + [f"max_{m}" for m in metrics]
    if s.objective not in objectives:
        issues.append(("objective", f"{show(s.objective)} is not a known objective"
                                    f"{did_you_mean(s.objective, objectives)}; allowed: {', '.join(objectives)}"))
    else:
        metric = s.objective_metric
        if metric:
            uses.append((metric, None, f"objective {s.objective}"))
        if s.objective.startswith("max_") and s.objective != "max_profit" and s.budget is None:
            issues.append(("budget", f"objective {s.objective} needs a budget, and none is given; "
                                     "allowed: a number > 0, or objective min_spend"))
    for i, spec in enumerate(s.constraints):
        path = f"constraints[{shorten(spec.name or str(i))}]"
        try:
            parsed = spec.parsed
        except ExpressionError as exc:
            issues.append((path, f"{show(spec.expr)}: {exc}; allowed: a linear comparison such as "
                                 '"spend[paid_search] <= 0.3 * total_spend"'))
            continue
        for (kind, channel) in parsed.terms:
            term = f"{shorten(kind)}[{shorten(channel)}]" if channel else shorten(kind)
            if kind in ("spend", "units") or (channel is not None and kind in metrics):
                if channel is None:
                    hint = " (did you mean total_spend?)" if kind == "spend" else ""
                    issues.append((path, f"{term} needs a channel{hint}; allowed: {shorten(kind)}[NAME] "
                                         f"with NAME one of {listing(names)}"))
                elif channel not in seen:
                    issues.append((path, f"{show(channel)} in {term} is not a channel"
                                         f"{did_you_mean(channel, names)}; allowed: {listing(names)}"))
                elif kind in metrics:
                    uses.append((kind, channel, path))
            elif kind == "total_spend" and channel is None:
                continue
            elif kind in ("hiring_cost", "hires") and s.sales_team:
                roles = [r.name for r in s.sales_team]
                if kind == "hiring_cost" and channel is not None:
                    issues.append((path, f"{term} names no role; allowed: hiring_cost (every role's), or "
                                         f"hires[NAME] with NAME one of {listing(roles)}"))
                elif kind == "hires" and channel not in roles:
                    issues.append((path, f"{show(channel or '')} in {term} is not a role of sales_team"
                                         f"{did_you_mean(channel or '', roles)}; allowed: hires[NAME] with NAME one "
                                         f"of {listing(roles)}"))
            elif channel is None and kind in metrics:
                uses.append((kind, None, path))
            else:
                known = ["spend", "units", "total_spend", *metrics]
                team = "hiring_cost, hires[ROLE], " if s.sales_team else ""
                issues.append((path, f"{show(term)} is not a known term{did_you_mean(kind, known)}; allowed: "
                                     f"spend[NAME], units[NAME], METRIC[NAME], total_spend, {team}numbers, or a metric "
                                     f"({metric_list})"))
    named = [spec.name for spec in s.constraints if spec.name]
    for n in {n for n, uses_of_name in Counter(named).items() if uses_of_name > 1}:
        issues.append((f"constraints[{shorten(n)}]", "the name is used by two constraints; allowed: a unique name "
                                                     "each"))
    issues.extend(sales_team_issues(s.sales_team, metrics, s.periods, NAME, NAME_RULE))
    if s.sales_team:
        for i, c in enumerate(s.channels):
            if c.name == "sales_team":
                issues.append((f"channels[{i}].name", "'sales_team' names the hires in a proposal (check's "
                                                      "sales_team: {sdr: {Q1: 2}}) of a scenario with a sales team, so "
                                                      "a channel of that name could not be given spend there; allowed: "
                                                      "another channel name"))
    issues.extend(_missing_rate_issues(s, uses))
    return issues


def _unit_bound_given(s: Scenario, c: Channel) -> bool:
    """Whether something bounds ``c``'s units in every period it runs in (or without periods):
    max_units, max_spend at a price > 0, the budget, or a capped last tier; the build finds the bound itself."""
    def covers(value: Any, per_unit_cost: bool) -> list[str | None]:
        if value is None or (per_unit_cost and not c.price and not c.tiered):
            return []
        if type(value) is not dict:
            return [None]
        return [None] if horizon(value) is not None else list(by_period(value))

    covered: set[str | None] = set()
    for value, spend in ((c.max_units, False), (c.max_spend, True), (s.budget, True)):
        covered.update(covers(value, spend))
    price = getattr(c, c.price_field)  # a capped last tier (a curve's last point) caps the units
    for period, schedule in (price.items() if type(price) is dict else [(None, price)]):
        if type(schedule) is tuple and schedule[-1].up_to is not None:
            covered.add(period)
    if None in covered:
        return True
    return bool(s.periods) and all(p in covered for p in s.available(c))


def set_up_issues(s: Scenario) -> list[tuple[str, str]]:
    """The rules of set-up costs and minimum buys: a finite bound on the channel's units, and a
    minimum buy within the channel's maximum."""
    issues: list[tuple[str, str]] = []
    for c in s.channels:
        if not c.sets_up:
            continue
        where = channel_path(c.name)
        field = next(f for f in SET_UP_FIELDS if _some(getattr(c, f)))
        what = "a set-up cost" if field == "fixed_cost" else "a minimum buy"
        if not _unit_bound_given(s, c):
            issues.append((f"{where}.{field}", f"{what} is a mixed-integer model, which needs a finite bound on the "
                                               "channel's units, and none is given; allowed: max_units or max_spend "
                                               "on the channel (or a budget)"))
        for low, high in (("min_units_if_used", "max_units"), ("min_spend_if_used", "max_spend")):
            lo, hi = getattr(c, low), getattr(c, high)
            if lo is None or hi is None:
                continue
            for period in (s.periods or [None]):
                lo_at = at(lo, period)
                hi_at = horizon(hi) if period is None or type(hi) is not dict else (
                    at(by_period(hi), period) if at(by_period(hi), period) is not None else horizon(hi))
                if lo_at is not None and hi_at is not None and lo_at > hi_at:
                    at_text = f" in {period}" if period is not None and type(lo) is dict else ""
                    issues.append((f"{where}.{low}" + (f".{period}" if at_text else ""),
                                   f"{show(lo_at)}{at_text} is above {high} {show(hi_at)}; allowed: {low} <= "
                                   f"{high}: lower one of them, or leave {low} out"))
                    break
    return issues


# fields that may be a mapping by period: limits (keys: periods and total) and values (keys: periods)
_SCENARIO_LIMITS = ("budget",)
_CHANNEL_LIMITS = ("min_spend", "max_spend", "min_units", "max_units")
_CHANNEL_VALUES = (*PRICE_FIELDS, *RATE_FIELDS, *SET_UP_FIELDS)
_FUNNEL_VALUES = RATE_FIELDS


def _mappings(s: Scenario):
    """Every field of ``s`` that may be given by period: (path, value, is a limit, channel or None)."""
    for name in _SCENARIO_LIMITS:
        yield name, getattr(s, name), True, None
    yield "deal_value", s.deal_value, False, None
    for section in ("targets", "caps"):
        for metric, value in getattr(s, section).items():
            yield f"{section}.{shorten(metric)}", value, True, None
    for name in _FUNNEL_VALUES:
        yield f"funnel.{name}", getattr(s.funnel, name), False, None
    for c in s.channels:
        own = c.__dict__
        where = channel_path(c.name)
        for name in _CHANNEL_LIMITS:
            yield f"{where}.{name}", own[name], True, c
        for name in _CHANNEL_VALUES:
            if name == c.price_field and own[CURVE] is not None:  # the curve's price: named by the curve
                yield f"{where}.{CURVE}", own[CURVE], False, c
                continue
            yield f"{where}.{name}", own[name], False, c
        for metric, value in c.caps.items():
            yield f"{where}.caps.{shorten(metric)}", value, True, c
        for metric, value in (c.yields or {}).items() if own[CURVE] is None else ():
            yield f"{where}.yields.{shorten(metric)}", value, False, c


def given_by_period(s: Scenario) -> dict[str, dict]:
    """Every field of ``s`` given as a mapping by period, by its path, as written (``total`` included).

    >>> given_by_period(Scenario.model_validate({"periods": ["Q1", "Q2"], "budget": {"total": 9, "Q2": 5},
    ...     "targets": {"leads": 1}, "channels": [{"name": "a", "cost_per_lead": 1, "max_units": {"Q1": 2}}]}))
    {'budget': {'total': 9.0, 'Q2': 5.0}, 'channels[a].max_units': {'Q1': 2.0}}
    """
    return {path: {k: _plain(v) for k, v in value.items()} for path, value, _, _ in _mappings(s) if type(value) is dict}


def _plain(value: Any) -> Any:
    """A period's entry as plain data (JSON-ready): a tier list's tiers and a curve as mappings."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    if type(value) is tuple:
        return [_plain(v) for v in value]
    return value


def _period_issues(s: Scenario) -> list[tuple[str, str]]:
    """The rules of periods: names, mapping keys, availability, cycles, pipeline (docs/scenario-format.md)."""
    issues: list[tuple[str, str]] = []
    periods = s.periods
    if not periods:
        needs = "needs periods; allowed: "
        if periods is not None:
            issues.append(("periods", "the list is empty; allowed: period names in order, such as [Q1, Q2, Q3, Q4]"))
        for path, value, _, _ in _mappings(s):
            if type(value) is dict:
                issues.append((path, f"a mapping by period {needs}a number, or periods: [Q1, Q2, ...] in the "
                                     "scenario"))
        extra = [("funnel.sales_cycle", s.funnel.sales_cycle), ("pipeline", s.pipeline)]
        extra += [(f"{channel_path(c.name)}.{f}", getattr(c, f)) for c in s.channels
                  for f in ("available", "sales_cycle")]
        extra += [(f"constraints[{shorten(spec.name or str(i))}].{f}", getattr(spec, f) or None)
                  for i, spec in enumerate(s.constraints) for f in ("each_period", "period")]
        issues += [(path, f"{needs}remove it, or give periods: [Q1, Q2, ...] in the scenario")
                   for path, value in extra if value is not None]
        return issues
    known = set(periods)
    for i, name in enumerate(periods):
        if not (isinstance(name, str) and NAME.fullmatch(name)):
            issues.append((f"periods[{i}]", f"{show(name)} is not a valid period name; allowed: {NAME_RULE}"))
        elif name in RESERVED:
            issues.append((f"periods[{i}]", f"{show(name)} is a reserved word; allowed: a name other than "
                                            f"{', '.join(RESERVED)}"))
        elif name in periods[:i]:
            issues.append((f"periods[{i}]", f"{show(name)} is listed twice; allowed: each period once"))
    if issues:
        return issues
    order = listing(periods)

    def unknown(path: str, key: str, allowed: list[str]) -> None:
        issues.append((f"{path}.{shorten(key)}", f"{show(key)} is not a period of this scenario"
                                                 f"{period_hint(key, allowed)}; allowed: {listing(allowed)}"))

    for c in s.channels:
        if c.available is not None:
            path = f"{channel_path(c.name)}.available"
            if not c.available:
                issues.append((path, f"names no period; allowed: some of {order} (leave it out: all of them)"))
            for k, p in enumerate(c.available):
                if p not in known:
                    issues.append((f"{path}[{k}]", f"{show(p)} is not a period of this scenario"
                                                   f"{period_hint(p, periods)}; allowed: {order}"))
                elif p in c.available[:k]:
                    issues.append((f"{path}[{k}]", f"{show(p)} is listed twice; allowed: each period once"))
    for path, value, limit, channel in _mappings(s):
        if type(value) is not dict:
            continue
        allowed = [*periods, TOTAL] if limit else list(periods)
        for key in value:
            if key not in allowed:
                unknown(path, key, allowed)
        if not limit:
            needed = s.available(channel) if channel is not None else tuple(periods)
            missing = [p for p in needed if p not in value]
            if missing:
                where = "the channel is available in" if channel is not None else "of the scenario"
                issues.append((path, f"does not name {', '.join(missing)}; allowed: a number (the same in every "
                                     f"period), or a mapping naming every period {where} ({', '.join(needed)})"))
    for i, spec in enumerate(s.constraints):
        path = f"constraints[{shorten(spec.name or str(i))}]"
        if spec.each_period and spec.period is not None:
            issues.append((path, "each_period and period are both given; allowed: one of them (every period, "
                                 "or one period)"))
        elif spec.period is not None and spec.period not in known:
            issues.append((f"{path}.period", f"{show(spec.period)} is not a period of this scenario"
                                             f"{period_hint(spec.period, periods)}; allowed: {order}"))
    for metric, entries in (s.pipeline or {}).items():
        if metric not in ("deals", "revenue"):
            issues.append((f"pipeline.{shorten(metric)}", f"{show(metric)} cannot be in flight; allowed: deals, "
                                                          "revenue"))
            continue
        for key in entries:
            if key not in known:
                unknown(f"pipeline.{metric}", key, list(periods))
    deals = (s.pipeline or {}).get("deals") or {}
    revenue = (s.pipeline or {}).get("revenue") or {}
    value = s.default_rates["deal_value"]
    for p in deals:
        if p in known and p not in revenue and at(value, p) is None:
            issues.append((f"pipeline.deals.{p}", "deals in flight need a value, and no deal_value is given; "
                                                  f"allowed: pipeline.revenue.{p}, or a deal_value for the scenario"))
    return issues


def _missing_rate_issues(s: Scenario, uses: list[tuple[str, str | None, str]]) -> list[tuple[str, str]]:
    """A used stage that some channel would reach but for a missing rate is an error, never zero."""
    defaults = s.default_rates
    if all(defaults[r] is not None or r in DEFAULT_RATES for r in RATE_FIELDS):
        return []  # every rate has a default: no channel misses one (and the yields are left to the build)
    issues, done = [], set()
    revenue_use = next((where for m, _, where in uses if m == "revenue"), None)
    no_value = not (s.deal_value or s.funnel.deal_value or any(c.deal_value for c in s.channels))
    needs_value = any(s.yields[c.name].entry is not None and "revenue" not in (c.yields or {}) for c in s.channels)
    if revenue_use and no_value and needs_value:  # one message for the scenario, not one per channel
        issues.append(("deal_value", f"{revenue_use} needs revenue, and no deal_value is given; allowed: a "
                                     "number > 0 at the top level (deal_value), in funnel, or on each channel"))
        done = {(c.name, "deal_value") for c in s.channels}
    for metric, only, where in uses:
        if metric not in STAGES:
            continue
        for c in s.channels:
            if only not in (None, c.name):
                continue
            rate = s.yields[c.name].missing.get(metric)
            if rate and (c.name, rate) not in done:
                done.add((c.name, rate))
                default = "deal_value at the top level" if rate == "deal_value" else f"funnel.{rate}"
                issues.append((f"{channel_path(c.name)}.{rate}",
                               f"is not given, and {metric} (used by {where}) needs it for this channel; "
                               f"allowed: a {'number > 0' if rate == 'deal_value' else 'rate in (0, 1]'} "
                               f"on the channel, or {default}"))
    return issues


# -- turning pydantic's errors into the one template ----------------------------------------------
_LABELS = {"dict_type": "a mapping", "list_type": "a list", "string_type": "text", "bool_type": "true or false",
           "model_type": "a mapping", "model_attributes_type": "a mapping", "bool_parsing": "true or false",
           "dict_attributes_type": "a mapping"}


def issues_from_validation(exc: ValidationError, raw: Any) -> list[Issue]:
    """Pydantic's errors as issues: channel names in paths, nearest-field hints, one template."""
    out: list[Issue] = []
    for err in exc.errors(include_url=False):
        loc, kind, ctx = err["loc"], err["type"], err.get("ctx") or {}
        if kind == RULES_ERROR:
            out.extend(Issue(path, message) for path, message in ctx["issues"])
            continue
        path = field_path(loc, raw)
        key = ctx.get("key")  # an entry of a mapping by period, or of a list: its key or position
        if key is not None:
            path += f"[{key}]" if key.isdigit() else f".{shorten(key)}"
        path += ctx.get("suffix", "")  # where in a list (a tier of a price: [1].up_to)
        value = err.get("input")
        if kind == "extra_forbidden":
            known = _fields_at(loc[:-1])
            message = (f"unknown field{did_you_mean(str(loc[-1]), known)}; "
                       f"allowed: {', '.join(known)}")
        elif kind == "missing":
            message = "is required and missing; allowed: see docs/scenario-format.md"
        elif kind == "too_short":
            message = "the list is empty; allowed: at least one channel"
        elif loc and loc[-1] == "[key]":
            message = f"the key {show(value)} is not text; allowed: a name (letters, digits and _)"
        elif kind in _LABELS:
            message = f"{_describe(value)} is not {_LABELS[kind]}; allowed: {_LABELS[kind]}"
        elif kind == "campaign_value" or kind.startswith("value_error") or kind == "assertion_error":
            message = err["msg"].removeprefix("Value error, ")
        else:
            message = f"{_describe(value)}: {err['msg']}"
        out.append(Issue(path, message))
    return out


def _describe(value: Any) -> str:
    return show(value)


def field_path(loc: tuple, raw: Any) -> str:
    """``('channels', 2, 'win_rate')`` -> ``channels[email].win_rate`` (position where no name)."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if key == "[key]":  # pydantic's marker for a mapping's key (the key itself is the previous part)
            continue
        if isinstance(key, int) and isinstance(node, dict):  # a YAML key written as a number: targets.2020
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key)
        elif isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{shorten(label)}]" if isinstance(label, str) and NAME.fullmatch(label) else f"[{key}]")
            node = item
        else:
            parts.append(f".{shorten(str(key))}" if parts else shorten(str(key)))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts)


def _fields_at(loc: tuple) -> list[str]:
    model: Any = Scenario
    for key in loc:
        if isinstance(key, int):
            continue
        field = model.model_fields.get(key)
        if field is None:
            return []
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        candidates = [annotation, *(inner or [])]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)
