"""Sensitivity of an optimal plan, in business terms, from one optimal basis, each figure certified.

:func:`sensitivity` answers, for the plan's mix (the channels with units above zero and the limits
that bind):

- **limits**: whether each binds; its shadow price, the change of the objective per one unit more
  of the limit (``shadow_price``) and per one unit less (``shadow_price_down``); and the range of
  the limit's value over which ``shadow_price`` holds. HiGHS's duals answer, and the range is the
  basis's (``getBasisSolve``: how far the bound moves before a basic channel or a limit with slack
  reaches its bound). Where the plan is degenerate (a binding limit in the basis, or a range of
  zero length on one side) re-solves on both sides give each direction's price and the range, but
  for the side that loosens a binding limit in the basis: the basis proves it free (price 0, no end).
- **channels**: for a channel out of the plan, how far its price must drop before it enters:
  exact from its reduced cost, which moves linearly with its price (the price sits in the
  objective, the budget row and spend terms alike); for a channel in the plan, the range of its
  price over which the mix stays the same: a parametric step on the basis (one column changes:
  ``getBasisSolve``, ``getBasisInverseRow``), confirmed by one warm re-solve just outside each end.
- **rates**: for each conversion rate that shapes the model, how far it may fall and rise before
  the mix changes, and the objective at both ends (a channel's own rate as its price; a funnel
  default, which moves many channels, by scan and bisection on the kept model); an end where the
  plan turns infeasible first has a null objective.
- **alternative**: whether another plan is exactly as good: only a channel or limit whose reduced
  cost or dual is 0 can move with the objective fixed; each is pushed as far as it goes.

Every range end is checked by a certificate from the basis (primal and dual feasibility within
1e-9 and the objective equal to its dual bound there, :mod:`optimizer.model.parametric`); an end
that fails it, or a re-solve that disagrees, falls back to re-solves on both sides.

A plan with whole-unit channels is analysed with them held at the plan's units (HiGHS's fixed LP:
``analysed_as: integers_fixed``), or as its LP relaxation with ``relax=True`` (``relaxed``). So is
a tiered price whose order needs binaries (a volume discount, a rule rewarding spend on it): its
binaries held at the plan's values, the fixed LP stating the plan's order once (``tier_order:
held``, :func:`_order_held`), or relaxed (``tier_order: relaxed``: the tiers may fill out of order).

With periods every limit is named by its path and priced where it holds (``caps.qualified_leads.Q3``:
what one more qualified lead of Q3's capacity is worth); availability (``channels[NAME].available``)
is no limit a user moves and is left out. A price or rate given as a plain number is one item that
moves every period's column of its channel together (:meth:`Parametric.columns_direction`); one
given by period is an item per period (``channels[email].qualification_rate.Q3``), each entry with
its ``period``. The pipeline in flight is the objective's constant under ``max_`` objectives: it
counts in ``objective_value`` and in the objective at every end.

>>> from optimizer import Scenario, optimize
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "max_units": 150},
...                        {"name": "search", "cost_per_lead": 50}], targets={"leads": 100})
>>> result = sensitivity(optimize(s))
>>> target = result.limit("targets.leads")
>>> target.shadow_price, target.shadow_price_down, target.valid_from, target.valid_to
(20.0, -20.0, 0.0, 150.0)
>>> search = result.channel("search")
>>> search.in_plan, search.reduced_cost, search.price_from
(False, 30.0, 20.0)
>>> halves = Scenario(periods=["H1", "H2"], channels=[{"name": "email", "cost_per_lead": {"H1": 20, "H2": 30}}],
...                   targets={"leads": {"H1": 100, "H2": 50}})
>>> by_half = sensitivity(optimize(halves))
>>> h2 = by_half.limit("targets.leads.H2")
>>> h2.period, h2.shadow_price, by_half.channel("email", "H2").price
('H2', 30.0, 30.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np

from ..errors import NoPlanError, ScenarioError, SolverError
from ..model.certify import optimality
from ..model.highs import WarmModel
from ..model.parametric import Certificate, Parametric, Probe, whole_unit_alternative
from ..model.program import Program
from ..model.verify import verify
from ..scenario.curves import curve_notes, price_unit
from ..scenario.funnel import CONVERSION_RATES
from ..scenario.periods import by_period, horizon
from ..scenario.schema import Scenario
from .plan import BINDING_TOLERANCE, Plan, as_given, finite, plan_from_solution, spend_bounds
from .provenance import provenance
from .variation import MIX_TOLERANCE, Explorer, shaping_rates

RELATIVE = 1e-6  # ranges are found to this relative precision
STEPS = (1e-4, 1e-6, 1e-8)  # limit moves (relative to max(1, |limit|)) for the re-solve slopes
FRACTIONS = (0.001, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1.0)  # scan points, as fractions of the way to the end
NO_END = 1e6  # a price may rise this many times over before the scan calls the range unbounded
NON_NEGATIVE_KINDS = ("budget", "target", "cap", "channel_bound", "channel_cap")


def _close(a: float, b: float, rel: float = RELATIVE) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-9


@dataclass(frozen=True)
class LimitSensitivity:
    """A limit at the optimum: binds or not, its shadow prices and where ``shadow_price`` holds."""

    name: str
    kind: str
    sense: str
    value: float
    limit: float
    binding: bool
    shadow_price: float | None  # change of the objective per one unit more of the limit (None: no plan there)
    shadow_price_down: float | None  # change of the objective per one unit less
    valid_from: float | None
    valid_to: float | None
    held: bool = False  # every column of the limit is held at the plan's whole units: no shadow price
    period: str | None = None  # the period the limit holds in (None: the whole horizon)
    planned_by_period: bool = field(default=False, repr=False)  # the scenario has periods: its JSON says period

    @property
    def degenerate(self) -> bool:
        """True when one unit more and one unit less are priced differently."""
        up, down = self.shadow_price, self.shadow_price_down
        return up is not None and down is not None and not _close(up, -down)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "value": self.value, "limit": self.limit,
                "binding": self.binding, "shadow_price": finite(self.shadow_price),
                "shadow_price_down": finite(self.shadow_price_down), "valid_from": finite(self.valid_from),
                "valid_to": finite(self.valid_to), **_period_key(self.period, self.planned_by_period)}


@dataclass(frozen=True)
class ChannelSensitivity:
    """A channel's price: in the plan or not, the drop that brings it in, the range that keeps the mix."""

    name: str
    in_plan: bool
    price_field: str
    unit: str
    price: float
    reduced_cost: float | None  # the price drop needed to enter; 0 in the plan; None: no price brings it in
    price_from: float | None
    price_to: float | None
    period: str | None = None  # a price given per period: the period (None: the price of every period)
    planned_by_period: bool = field(default=False, repr=False)
    tier: int | None = None  # a tiered price: the tier (from 0) whose cost this is
    up_to: float | None = None  # and the units that tier reaches (None: an open last tier)
    # a tier's ends: "mix" (the mix changes there), "tier_order" (past it the tier would be cheaper than
    # the one before or dearer than the one after, and the order would need binaries), "domain" (no end)
    from_reason: str | None = None
    to_reason: str | None = None

    def to_dict(self) -> dict:
        tier = {} if self.tier is None else {"tier": self.tier, "up_to": finite(self.up_to),
                                             "price_from_reason": self.from_reason,
                                             "price_to_reason": self.to_reason}
        return {"name": self.name, "in_plan": self.in_plan, "price_field": self.price_field, "price": self.price,
                "reduced_cost": finite(self.reduced_cost), "price_from": finite(self.price_from),
                "price_to": finite(self.price_to), **_period_key(self.period, self.planned_by_period), **tier}


@dataclass(frozen=True)
class RateRange:
    """A conversion rate: how far it may fall (``low``) and rise (``high``) before the mix changes.

    ``low_reason``/``high_reason``: ``mix`` (the mix changes there), ``infeasible`` (no plan beyond),
    ``invalid`` (the scenario does not allow beyond) or ``domain`` (the mix holds up to 1, or down to 0).
    """

    name: str
    value: float
    low: float
    high: float
    objective_at_low: float | None
    objective_at_high: float | None
    low_reason: str
    high_reason: str
    period: str | None = None  # a rate given per period: the period (None: the rate of every period)
    planned_by_period: bool = field(default=False, repr=False)

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "from": self.low, "to": self.high,
                "objective_at_from": finite(self.objective_at_low), "objective_at_to": finite(self.objective_at_high),
                **_period_key(self.period, self.planned_by_period)}


def _period_key(period: str | None, periods: bool) -> dict:
    """``{"period": ...}`` for an entry of a scenario with periods (null: the horizon); nothing without."""
    return {"period": period} if periods else {}


def _named(items: tuple | list, name: str, kind: str, names: list[str] | None = None):
    """The item called ``name`` among ``items`` (each with a ``name``); a ScenarioError listing the
    ``names`` there are (by default every item's; nearest first) when there is none."""
    found = next((x for x in items if x.name == name), None)
    if found is not None:
        return found
    from ..errors import Issue
    from ..scenario.schema import did_you_mean

    names = names if names is not None else [x.name for x in items]
    text = name if isinstance(name, str) else repr(name)
    raise ScenarioError(Issue(text, f"no {kind} of this plan is named {text!r}"
                                    f"{did_you_mean(text, names) if isinstance(name, str) else ''}; "
                                    f"allowed: {', '.join(names) or f'none (the plan has no {kind}s)'}"))


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity of one optimal plan (see the module docstring); ``to_dict()`` is the JSON."""

    scenario: Scenario = field(repr=False)
    status: str
    objective: str
    objective_value: float | None
    limits: tuple[LimitSensitivity, ...] = ()
    channels: tuple[ChannelSensitivity, ...] = ()
    rates: tuple[RateRange, ...] = ()
    alternative: dict[str, float] | None = None  # spend per channel of another plan exactly as good
    alternative_units: dict[str, float] | None = None  # and its units (what tells free channels apart)
    solves: int = 0  # re-solves it took
    diagnosis: dict | None = None  # why there is no plan, when there is none
    analysed_as: str = "lp"  # lp, integers_fixed (whole units held at the plan's) or relaxed
    mip_gap: float | None = None  # of the whole-unit plan analysed (integers_fixed)
    analysed_spend: dict[str, float] | None = None  # the relaxed plan analysed (relaxed), per channel
    analysed_units: dict[str, float] | None = None
    left_out: tuple[str, ...] = ()  # whole-unit channels without a finite bound, left out of the alternative search
    # a tiered price whose order needs binaries: "held" (at the plan's values: the fixed LP is analysed) or
    # "relaxed" (the LP relaxation, which may fill its tiers out of order); None: no such price
    tier_order: str | None = None
    ordered: tuple[str, ...] = ()  # those prices, by path (channels[search].cost_per_lead)
    sales_team: tuple = ()  # a scenario with sales roles: each role's hires priced (analysis.hiring)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the analysis leaves out and why (a response curve gets no price range)."""
        return curve_notes(self.scenario)

    def limit(self, name: str) -> LimitSensitivity:
        """The analysis of one limit, by its path (``budget``, ``targets.revenue``, with periods
        ``caps.qualified_leads.Q3``; ``budget.total`` is the horizon's ``budget``).

        An unknown name raises :class:`~optimizer.errors.ScenarioError` listing the names there are.
        """
        if self.scenario.periods and isinstance(name, str) and name.endswith(".total"):
            name = name[:-len(".total")]
        return _named(self.limits, name, "limit")

    def channel(self, name: str, period: str | None = None, tier: int | None = None) -> ChannelSensitivity:
        """The analysis of one channel's price, by the channel's name; for a price given per period,
        by the channel's name and the period; for a tiered price, also by the tier (from 0;
        ScenarioError if unknown, naming what there is)."""
        own = [x for x in self.channels if x.name == name]
        tiers = sorted({x.tier for x in own if x.tier is not None and x.period == period})
        if tiers or tier is not None:
            from ..errors import Issue

            found = next((x for x in own if x.period == period and x.tier == tier), None)
            if found is None:
                raise ScenarioError(Issue(name, f"{name}'s price " + (f"has tiers {', '.join(map(str, tiers))}"
                                                                      if tiers else "is not tiered")
                                          + (f" in {period}" if period else "") + "; allowed: "
                                          + (f"channel({name!r}, tier=K) with K one of those" if tiers else
                                             f"channel({name!r})" + (f" with period {period!r}" if period else ""))))
            return found
        if not own or (period is None and any(x.period is None for x in own)):
            return _named(self.channels, name, "channel", names=list(dict.fromkeys(x.name for x in self.channels)))
        found = next((x for x in own if x.period == period), None)
        if found is not None:
            return found
        from ..errors import Issue

        periods = [x.period for x in own]
        if None in periods:
            wrong = f"{name}'s price is one number over every period"
            allowed = f"channel({name!r})"
        else:
            wrong = f"{name}'s price is given per period" + (
                "" if period is None else f", and {period} is not one of its periods")
            allowed = f"channel({name!r}, PERIOD) with PERIOD one of {', '.join(periods)}"
        raise ScenarioError(Issue(name, f"{wrong}; allowed: {allowed}"))

    def rate(self, name: str) -> RateRange:
        """The range of one rate, by its path (``funnel.win_rate``; ScenarioError if unknown)."""
        return _named(self.rates, name, "rate")

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.analysed_as == "integers_fixed":
            extra = {"mip_gap": finite(self.mip_gap), "alternative_left_out": list(self.left_out)}
        elif self.analysed_as == "relaxed" and self.analysed_spend is not None:
            extra = {"analysed_plan": {"spend": dict(self.analysed_spend), "units": dict(self.analysed_units or {})}}
        if self.tier_order is not None:
            extra["tier_order"] = self.tier_order
            extra["ordered_by_binaries"] = list(self.ordered)
        return {"scenario": self.scenario.name, "status": self.status, "objective": self.objective,
                "objective_value": finite(self.objective_value), "analysed_as": self.analysed_as, **extra,
                "limits": [x.to_dict() for x in self.limits], "channels": [x.to_dict() for x in self.channels],
                "rates": [x.to_dict() for x in self.rates],
                **({"sales_team": [r.to_dict() for r in self.sales_team]} if self.scenario.sales_team else {}),
                **({"notes": list(self.notes)} if self.notes else {}),
                "alternative": None if self.alternative is None else {
                    "spend": dict(self.alternative), "units": dict(self.alternative_units or {})},
                **({"diagnosis": self.diagnosis} if self.status not in ("optimal", "time_limit") else {}),
                "provenance": provenance(self.scenario, "highs").to_dict()}  # re-solves run on HiGHS


def sensitivity(plan: Plan, progress: Callable[[int, int], None] | None = None, relax: bool = False) -> Sensitivity:
    """Shadow prices, price and rate ranges and alternative optima of an optimal plan.

    A plan with whole-unit channels is analysed with them held at its units (``integers_fixed``;
    a plan stopped at the time limit around its incumbent), or as its LP relaxation with
    ``relax=True`` (``relaxed``); a plan without them is ``lp`` either way. A scenario without a
    plan gives a Sensitivity with its status and nothing else. ``progress(done, total)`` is called
    after each limit, channel and rate. A tiered price is analysed tier by tier; one whose order needs
    binaries (a volume discount, or a rule rewarding spend on the channel) with its binaries held at
    the plan's values (``tier_order`` "held": the fixed LP), or with ``relax=True`` relaxed with the
    rest (``tier_order`` "relaxed": the relaxation may fill its tiers out of order).
    """
    scenario = plan.scenario
    analysed_as = "lp" if not plan.program.integer else "relaxed" if relax else "integers_fixed"
    ordered = _ordered_by_binaries(plan.program)
    order = {"tier_order": None if not ordered else "relaxed" if relax else "held",
             "ordered": tuple(dict.fromkeys(f"channels[{c.name}].{c.price_path}" for c in scenario.channels
                                            if any(name == c.name for name, _ in ordered)))}
    if not plan.has_plan:
        return Sensitivity(scenario, plan.status, plan.objective, None, analysed_as=analysed_as,
                           diagnosis=plan.diagnosis.to_dict() if plan.diagnosis else None, **order)
    if analysed_as == "relaxed":
        from ..model.solve import solve

        program = plan.program.relaxed()
        # the relaxation may fill a tiered price held in order by binaries out of order: such a
        # schedule is no longer checked for its order (it is the relaxation's plan, not one to buy)
        program = replace(program, tier_groups=tuple(g for g in program.tier_groups if not g.binaries))
        plan = plan_from_solution(scenario, program, solve(program))
        if not plan.has_plan:
            return Sensitivity(scenario, plan.status, plan.objective, None, analysed_as=analysed_as,
                               diagnosis=plan.diagnosis.to_dict() if plan.diagnosis else None, **order)
    return _Analysis(scenario, plan, progress, analysed_as, ordered, order).run()


def _tier_at(group, units: float, side: int) -> tuple[float, float, float]:
    """(cost, first unit, last unit) of the tier that the next unit (``side`` +1) or the last unit
    (-1) at ``units`` falls in, along ``group``'s schedule (past a capped last tier: its cost goes on)."""
    start, last = 0.0, len(group.costs) - 1
    for k, (up_to, cost) in enumerate(zip(group.up_to, group.costs)):
        end = math.inf if up_to is None or k == last else float(up_to)
        if (units < end) if side > 0 else (units <= end):
            return float(cost), start, end
        start = end
    return float(group.costs[-1]), start, math.inf


def _in_money(x: LimitSensitivity, group) -> LimitSensitivity:
    """A tiered channel's ``min_spend``/``max_spend``, analysed as the bound on its units it is in
    the model, in money as the scenario gives it: the value and limit along the schedule; one $
    more (less) of the limit moves the units bound by 1 / the cost of the tier the next (last) unit
    falls in, so each shadow price is the units' one over that cost (none at a free tier: there a $
    buys no definite number of units); ``shadow_price`` holds while the bound stays in that tier."""
    u = x.limit
    up, start, end = _tier_at(group, u, +1)
    down = _tier_at(group, u, -1)[0]
    price = None if x.shadow_price is None or up <= 0 else x.shadow_price / up
    price_down = None if x.shadow_price_down is None or down <= 0 else x.shadow_price_down / down
    low = x.valid_from if x.valid_from is None or not x.binding else max(x.valid_from, start)
    high = x.valid_to if not x.binding else end if x.valid_to is None else min(x.valid_to, end)
    money = {"value": group.spend_of(x.value), "limit": group.spend_of(u),
             "valid_from": None if low is None else group.spend_of(low),
             "valid_to": None if high is None or not math.isfinite(high) else group.spend_of(high)}
    if x.held:
        return replace(x, **money)
    return replace(x, shadow_price=price, shadow_price_down=price_down, **money)


def _ordered_by_binaries(program: Program) -> frozenset[tuple[str, str | None]]:
    """The tiered prices (channel, period) whose order binaries enforce."""
    return frozenset((g.channel, g.period) for g in program.tier_groups if g.binaries)


def _order_row(limit) -> bool:
    """Whether ``limit`` ties a tier to its order binary (``[k].full``, ``[k].opens``)."""
    return limit.kind == "tier" and len(limit.index) == 2


def _order_held(program: Program, held: dict[int, float]) -> Program:
    """``program`` with each tier order binary at its ``held`` value written into the rows, so that
    the fixed LP states the plan's order and nothing more, once: with the binary on, tier k is full
    (its width row becomes ``units == width`` and its own ``<=`` row is dropped) and the next tier's
    row is dropped (its own width, or the cap of a capped last tier, bounds it and takes the dual: a
    held ``units <= width`` would repeat that bound); off, the next tier stays empty (``units <= 0``)
    and tier k's row is dropped. A dropped row is an empty one (the shape stays). The binaries are in
    no row then, and no width computed from a budget or a price (an ordered open last tier) is left
    in the model, so a variant's coefficients move as the fixed LP's do."""
    binaries = {j for g in program.tier_groups for j in g.binaries}
    if not binaries:
        return program
    empty = {"index": np.zeros(0, dtype=int), "coefs": np.zeros(0), "bound": 0.0}
    one = np.ones(1)
    full = set()  # the units columns of the tiers held full
    for limit in program.limits:
        index = limit.index.tolist()
        if limit.kind == "tier" and len(index) == 2 and index[1] in binaries and limit.sense == ">=" \
                and held[index[1]] > 0.5:
            full.add(index[0])
    limits = []
    for limit in program.limits:
        index = limit.index.tolist()
        if limit.kind == "tier" and len(index) == 2 and index[1] in binaries:
            units, on = np.array(index[:1], dtype=int), held[index[1]] > 0.5
            width = -float(limit.coefs[1])
            if limit.sense == ">=":  # tier k full before tier k + 1 opens
                limit = replace(limit, index=units, coefs=one, sense="==", bound=width) if on else \
                    replace(limit, **empty)
            else:  # tier k + 1 opens when tier k is full
                limit = replace(limit, **empty) if on else replace(limit, index=units, coefs=one, bound=0.0)
        elif limit.kind == "tier" and len(index) == 1 and index[0] in full and limit.sense == "<=":
            limit = replace(limit, **empty)  # a full tier's width: the row above holds it
        limits.append(limit)
    return replace(program, limits=tuple(limits))


def _set_ups_held(program: Program, held: dict[int, float]) -> Program:
    """``program`` with each set-up row whose on/off binary is held on dropped (an empty row: the
    shape stays): ``units <= most x on`` then says only that the units are at most the most the
    budget, a max_spend or max_units buys, which that limit's own row says, while its ``most``,
    worked out at the scenario's price and limits, would end a price's or that limit's range early."""
    on = {j for j, value in held.items() if value > 0.5}
    kinds = {j for s in program.set_ups for j in [s.column]} & on
    if not kinds:
        return program
    empty = {"index": np.zeros(0, dtype=int), "coefs": np.zeros(0), "bound": 0.0}
    return replace(program, limits=tuple(
        replace(limit, **empty) if limit.kind == "set_up" and limit.sense == "<=" and len(limit.index) > 1
        and any(int(j) in kinds for j in limit.index) else limit for limit in program.limits))


def _derivative(base: Program, other: Program, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                           np.ndarray]:
    """Per column, the change of its cost and coefficients per unit of its own parameter, from two
    programs whose column ``j`` differs by a parameter step ``steps[j]`` (0: the column does not move).

    Returns (cost slopes, limit of each term, column of each term, coefficient slope), terms by column.
    """
    n = len(base.columns)
    rows0, cols0, coefs0 = base.terms
    rows1, cols1, coefs1 = other.terms
    keys = np.concatenate([cols0 * len(base.limits) + rows0, cols1 * len(base.limits) + rows1])
    values = np.concatenate([-coefs0, coefs1])
    unique, where = np.unique(keys, return_inverse=True)
    change = np.bincount(where, weights=values, minlength=len(unique))
    cols, rows = np.divmod(unique, max(1, len(base.limits)))
    # a set-up row's bound on the units (units <= most x on/off) is the most units the budget or a
    # max_spend buys at the price: it moves with the price, but that limit's own row implies it
    held = np.array([base.limits[r].kind == "set_up" and c < n and base.columns[c].kind == "on_off"
                     for r, c in zip(rows.tolist(), cols.tolist())], dtype=bool)
    change = np.where(held, 0.0, change)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(steps[cols] != 0, change / steps[cols], 0.0)
        cost = np.where(steps != 0, (other.objective_coefs - base.objective_coefs) / steps, 0.0)
    moved = slope != 0
    if np.any((change != 0) & (steps[cols] == 0)) or np.any((other.objective_coefs != base.objective_coefs)
                                                            & (steps == 0)):
        raise ValueError("a column moved that was not asked to")
    return cost[:n], rows[moved], cols[moved], slope[moved]


@dataclass(frozen=True)
class _Move:
    """How the model moves with one number ``path`` from ``value``: column ``column``'s cost and
    terms change by ``t * (dc, da)`` (one channel), or several columns' (``column`` None: a channel's
    number over every period, ``columns`` its columns; or a funnel default, ``columns`` None)."""

    path: str
    value: float
    column: int | None
    cost: np.ndarray  # cost slope per column
    rows: np.ndarray  # the terms that move: limit, column, slope
    cols: np.ndarray
    slope: np.ndarray
    columns: np.ndarray | None = None  # the columns of one channel it moves (None: a funnel default's many)
    period: str | None = None  # the period of a number given per period

    @property
    def matters(self) -> bool:
        return bool(len(self.rows)) or bool(np.any(self.cost != 0))


class _Analysis:
    def __init__(self, scenario: Scenario, plan: Plan, progress: Callable[[int, int], None] | None,
                 analysed_as: str, ordered: frozenset = frozenset(), order: dict | None = None):
        self.scenario, self.plan, self.progress, self.analysed_as = scenario, plan, progress, analysed_as
        self.ordered, self.order = ordered, order or {}
        program = plan.program
        held = None
        if analysed_as == "integers_fixed":
            held = {j: float(np.round(plan.units[j])) for j, c in enumerate(program.columns) if c.integer}
            program = _set_ups_held(_order_held(program, held), held)  # the plan's tier order, as rows
        self.program = program
        self.held = held or {}
        model = WarmModel(program)  # scaled as every solve is; the basis is read back in our units
        self.basis = Parametric(model, held)
        if self.basis.status != "optimal":
            raise NoPlanError(f"{scenario.name}: no optimal plan to analyse ({self.basis.status})",
                              status=str(self.basis.status))
        failed = "the scaled model drops some of its coefficients" if model.dropped_entries else self._unproven()
        if failed is not None:
            raise NoPlanError(f"{scenario.name}: no sensitivity analysis (unverified): the plan is proven optimal, "
                              f"but the basis the analysis reads is not ({failed}), so its ranges could not be "
                              "proven. The plan: campaign-optimizer optimize; a report without the analysis: "
                              "report --no-sensitivity", status="unverified")
        self.solves = 1
        self.ranging = self.basis.model.ranging()  # HiGHS's, on the optimal basis (before any probe)
        self.f0 = self.basis.objective  # without the objective's constant (the pipeline's), as every probe's
        self.constant = float(program.objective_constant)
        self.periods = bool(scenario.periods)
        if analysed_as != "integers_fixed" and not _close(self.f0 + self.constant, float(plan.objective_value), 1e-7):
            raise SolverError(f"two solves of {scenario.name} disagree: {self.f0 + self.constant} and "
                              f"{plan.objective_value}")
        self.x = self.basis.x
        self.constants = np.array([limit.constant for limit in program.limits], dtype=float)
        self.bounds = np.array([limit.bound for limit in program.limits], dtype=float)
        self.senses = np.array([limit.sense for limit in program.limits])
        self.has_terms = program.has_terms
        if analysed_as == "integers_fixed":
            values = self.basis.activity + self.constants
            self.binding = [abs(limit.excess(float(v))) <= BINDING_TOLERANCE * max(1.0, abs(limit.bound))
                            for limit, v in zip(program.limits, values)]
        else:
            self.binding = [state.binding for state in plan.constraints]  # as ``optimize`` reports them
        self.mix = self._mix(self.x, self.basis.activity)
        self.primal_degenerate = bool(np.any(self.basis.col_basic & (np.abs(self.x) <= 1e-9))) or bool(
            np.any(self.basis.row_basic & self.has_terms & self._at_bound(self.basis.activity)))
        tiny = 1e-9 * max(1.0, float(np.abs(self.basis.costs).max(initial=0.0)))
        free = self.basis.col_lower < self.basis.col_upper
        self.dual_degenerate = bool(np.any(~self.basis.col_basic & free & (np.abs(self.basis.d) <= tiny))) or bool(
            np.any(~self.basis.row_basic & (self.basis.row_lower < self.basis.row_upper)
                   & (np.abs(self.basis.y) <= 1e-9 * max(1.0, float(np.abs(self.basis.y).max(initial=0.0))))))
        self._explorer: Explorer | None = None
        self._prepared: dict[str, list | None] = {}
        self._entries: dict[str, tuple] = {}
        self._channels = {c.name: c for c in scenario.channels}
        self._spend_bounds = spend_bounds(program)  # a tiered channel's spend limits: bounds on its units
        # a sales role's capacity: the metric used against the capacity with the analysed plan's hires
        self._shifted = {k: f for k, f in as_given(program, self.x).items() if k not in self._spend_bounds}
        self._keep_mix()

    def _unproven(self) -> str | None:
        """Why the optimal basis the analysis reads is not proven (None: it is), by ``optimize``'s
        certificate in the program's own numbers (:func:`~optimizer.model.certify.optimality`)."""
        basis = self.basis
        return optimality(self.program, basis.x, basis.y, basis.col_lower, basis.col_upper).failed

    def _keep_mix(self, largest: float | None = None) -> None:
        """Ranges of prices and rates end where the mix changes as ``_mix`` sees it: a channel in the
        plan keeps units above the tolerance (relative to the ``largest`` units), one out stays
        below it; a binding limit stays within the tolerance of its bound, one with slack keeps more."""
        basis, n = self.basis, len(self.program.columns)
        tol_x = MIX_TOLERANCE * max(1.0, float(self.x.max()) if largest is None else largest)
        in_plan = np.zeros(n, dtype=bool)
        in_plan[list(self.mix[0])] = True
        binding = np.zeros(len(self.bounds), dtype=bool)
        binding[list(self.mix[1])] = True
        tol_r = MIX_TOLERANCE * np.maximum(1.0, np.abs(self.bounds))
        lower, upper = basis.row_lower, basis.row_upper
        le, ge = self.senses == "<=", self.senses == ">="
        row_lo = np.where(binding, np.where(le, upper - tol_r, lower), np.where(ge, lower + tol_r, lower))
        row_hi = np.where(binding, np.where(ge, lower + tol_r, upper), np.where(le, upper - tol_r, upper))
        basis.keep(np.where(in_plan, tol_x, 0.0), np.where(in_plan, np.inf, tol_x), row_lo, row_hi)

    @property
    def explorer(self) -> Explorer:
        if self._explorer is None:
            # only its variant programs are used (program_at), never its model (made on first use)
            self._explorer = Explorer(self.scenario, scale=None, lazy=True,
                                      program=None if self.analysed_as == "relaxed" else self.plan.program)
        return self._explorer

    # -- the mix -------------------------------------------------------------------------------
    def _at_bound(self, activity: np.ndarray) -> np.ndarray:
        lower, upper = self.basis.row_lower, self.basis.row_upper
        room = np.where(self.senses == "<=", upper - activity, activity - lower)
        return (self.senses == "==") | (room <= MIX_TOLERANCE * np.maximum(1.0, np.abs(self.bounds)))

    def _mix(self, units: np.ndarray, activity: np.ndarray) -> tuple[frozenset, frozenset]:
        """Columns with units above zero and limits that bind (as ``Outcome.mix``, by column)."""
        in_plan = frozenset(np.flatnonzero(units > MIX_TOLERANCE * max(1.0, float(units.max()))).tolist())
        return in_plan, frozenset(np.flatnonzero(self.has_terms & self._at_bound(activity)).tolist())

    def _same(self, probe: Probe) -> bool:
        return probe.status == "optimal" and self._mix(probe.units, probe.activity) == self.mix

    def run(self) -> Sensitivity:
        moves = self._moves()
        self._price_moves = {m.path: m for m in moves if m.path in self.prices}
        self._bound_moves = self._spend_bound_moves()
        rates = [m for m in moves if m.path not in self.prices and m.matters]
        # availability (the periods a channel does not run in) is no limit a user moves: not listed
        # nor are a tiered price's own rows (a tier's width, the order): its cap (``up_to`` of a capped
        # last tier) is a channel_bound and is listed; nor a set-up's own rows (units only with the
        # binary, the binary at most 1: ``fixed_cost``, ``used``, ``on_off``), held with the binaries;
        # a minimum buy (``min_buy``, a user's rule) is listed
        listed = [k for k, limit in enumerate(self.program.limits)
                  if not (limit.kind == "channel_bound" and limit.name.endswith("].available"))
                  and limit.kind not in ("tier", "set_up")]
        total = len(listed) + len(self._price_items) + len(rates)
        done = iter(range(1, total + 1))

        def tick(item):
            if self.progress is not None:
                self.progress(next(done), total)
            return item

        self._entries = self._entry_directions(moves)
        # every basis step first, then the re-solves: a re-solve leaves HiGHS with another basis's
        # factors, and going back to the optimal one costs a run
        self._prepared = {m.path: self._basis_range(m, 0.0, *((math.inf, False) if m.path in self.prices else
                                                              (1.0, True)))
                          for m in moves if m.columns is not None and (m.matters or m.path in self.prices)
                          and m.path not in self._bound_moves}  # (those are ranged by re-solves)
        limits = tuple(tick(self._limit(k)) for k in listed)
        channels = tuple(tick(self._channel(item)) for item in self._price_items)
        ranges = tuple(tick(self._rate(move)) for move in rates)
        if self.analysed_as == "integers_fixed":
            alternative, left_out = self._whole_alternative()
        else:
            alternative, left_out = self._alternative(), ()
        spend, units = alternative if alternative is not None else (None, None)
        status = self.plan.status
        extra: dict[str, Any] = {}
        if self.analysed_as == "integers_fixed":
            extra["mip_gap"] = self.plan.solution.mip_gap
        if self.analysed_as == "relaxed":
            extra["analysed_spend"], extra["analysed_units"] = self._per_channel(self.x)
        if self.program.hires:
            from .hiring import hiring_sensitivity
            extra["sales_team"] = hiring_sensitivity(self.scenario, self.program, self.x, self.held, self.analysed_as)
        return Sensitivity(self.scenario, status, self.scenario.objective, self.f0 + self.constant, limits,
                           channels, ranges,
                           spend, units, self.solves, analysed_as=self.analysed_as, left_out=left_out, **extra,
                           **self.order)

    def _entry_directions(self, moves: list[_Move]) -> dict[str, tuple]:
        """For every number that moves one column out of the basis at zero (a channel out of the
        plan, its price or a rate): the range over which the basis holds and the basis's answer
        along it, all from one sparse product (:meth:`Parametric.entry_ranges`), as
        :meth:`Parametric.column_direction` gives them one at a time."""
        basis = self.basis
        chosen = [m for m in moves if m.columns is not None and len(m.columns) == 1
                  and (m.matters or m.path in self.prices) and int(m.columns[0]) not in basis.position
                  and basis.x[int(m.columns[0])] == 0.0]
        if not chosen:
            return {}
        columns = np.array([int(m.columns[0]) for m in chosen], dtype=int)
        mine = [m.cols == j for m, j in zip(chosen, columns)]
        ids = np.concatenate([np.full(int(k.sum()), i, dtype=int) for i, k in enumerate(mine)])
        rows = np.concatenate([m.rows[k] for m, k in zip(chosen, mine)]).astype(int)
        values = np.concatenate([m.slope[k] for m, k in zip(chosen, mine)]).astype(float)
        dc = np.array([m.cost[j] for m, j in zip(chosen, columns)], dtype=float)
        low, high, g = basis.entry_ranges(columns, dc, ids, rows, values)
        return {m.path: ((float(lo), float(hi)), basis.entry(int(j), float(gi)))
                for m, j, lo, hi, gi in zip(chosen, columns, low, high, g)}

    def _per_channel(self, units: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        program = self.program
        spend, bought = program.channel_spend(units), program.channel_units(units)
        return ({c: float(spend[i]) + 0.0 for i, c in enumerate(program.channels)},
                {c: float(bought[i]) + 0.0 for i, c in enumerate(program.channels)})

    # -- how each number moves the model: two programs per kind of number, not one per channel ---
    def _moves(self) -> list[_Move]:
        """Every channel's price and every rate that may shape the model, each as a :class:`_Move`.

        A channel's own numbers reach only its own columns, so one variant with every channel's
        price moved (and one per rate with every channel's rate moved) gives all the slopes; the
        coefficients are linear in each price and each rate. A number given per period moves its
        period's column; one given as a plain number in a scenario with periods moves every column
        of its channel together."""
        program, scenario = self.program, self.scenario
        n = len(program.columns)
        listed: dict[str, list[int]] = {}
        for j, c in enumerate(program.columns):  # each channel's units columns, by the column table
            if c.kind == "units":
                listed.setdefault(c.channel, []).append(j)
        columns = self._columns = {name: np.array(js, dtype=int) for name, js in listed.items()}
        prices, rates = _items(scenario, columns, program)
        self.prices = {item.path: item.value for item in prices}
        self._price_items = prices
        groups: list[list[_Item]] = [prices]
        for rate in CONVERSION_RATES:
            group = [item for item in rates if item.field == rate and item.channel is not None]
            if group:
                groups.append(group)
        out: dict[str, _Move] = {}
        for group in groups:
            # a tier's cost moves with its whole schedule by one step (the order of the costs, and so
            # the model's shape, stays); each tier's slopes are read from its own column
            step = {item.path: (item.step if item.step is not None else max(1.0, item.value)
                                if item.path in self.prices else -item.value / 2) for item in group}
            steps = np.zeros(n)
            for item in group:
                steps[item.columns] = step[item.path]
            try:
                other = self._relaxed(self.explorer.program_at(
                    _variant({item: item.value + step[item.path] for item in group})))
                if not _same_shape(program, other):
                    raise ValueError("the variant has another shape")
                cost, rows, cols, slope = _derivative(program, other, steps)
            except (ScenarioError, ValueError):  # a rule reads two channels' numbers: one variant each
                parts = [self._one_move(item, step[item.path]) for item in group]
                out.update({m.path: m for m in parts})
                continue
            # the terms come sorted by column: each channel's are one slice per column
            starts = np.searchsorted(cols, np.arange(n + 1))
            for item in group:
                own = item.columns
                mine = np.arange(starts[own[0]], starts[own[0] + 1]) if len(own) == 1 else np.concatenate(
                    [np.arange(starts[j], starts[j + 1]) for j in own])
                only = np.zeros(n)
                only[own] = cost[own]
                out[item.path] = _Move(item.path, item.value, int(own[0]) if len(own) == 1 else None, only,
                                       rows[mine], cols[mine], slope[mine], own, item.period)
        ordered = [out[item.path] for item in prices] + [out[item.path] for item in rates if item.path in out]
        for item in rates:
            if item.channel is not None:
                continue
            # a default moves exactly the channels that inherit it, as their own rates would: their
            # moves together are its move (no variant of its own); none inherits it: it shapes nothing
            heirs = [out[heir] for heir in item.heirs if heir in out]
            if heirs:
                cost = np.sum([m.cost for m in heirs], axis=0)
                terms = (np.concatenate([getattr(m, f) for m in heirs]) for f in ("rows", "cols", "slope"))
                ordered.append(_Move(item.path, item.value, None, cost, *terms, period=item.period))
        return ordered

    def _relaxed(self, program: Program) -> Program:
        """A variant as the analysis reads it: relaxed, with the plan's tier order held (integers_fixed)."""
        if self.analysed_as == "integers_fixed":
            program = _set_ups_held(_order_held(program, self.held), self.held)
        elif self.analysed_as == "relaxed" and self.ordered and len(program.limits) == len(self.program.limits):
            # the rows tying a tier to its binary keep the analysed relaxation's widths (an ordered open
            # last tier's is the most units a budget or max_spend buys, which a price moves)
            program = replace(program, limits=tuple(
                mine if _order_row(mine) else theirs for mine, theirs in zip(self.program.limits, program.limits)))
        return program.relaxed() if self.analysed_as != "lp" else program

    def _one_move(self, item: _Item, step: float) -> _Move:
        """The move of one number alone (of its channel's columns ``item.columns``; a tier's cost with
        its schedule's other tiers, whose slopes are left out)."""
        group = [item] + [x for x in self._price_items if x is not item and x.tier is not None
                          and x.schedule == item.schedule] if item.tier is not None else [item]
        other = self._relaxed(self.explorer.program_at(_variant({x: x.value + step for x in group})))
        steps = np.zeros(len(self.program.columns))
        for x in group:
            steps[x.columns] = step
        cost, rows, cols, slope = _derivative(self.program, other, steps)
        own = item.columns
        if item.tier is not None:
            mine = np.isin(cols, own)
            cost = np.where(np.isin(np.arange(len(cost)), own), cost, 0.0)
            rows, cols, slope = rows[mine], cols[mine], slope[mine]
        return _Move(item.path, item.value, int(own[0]) if len(own) == 1 else None, cost, rows, cols, slope, own,
                     item.period)

    # -- probes on the kept model ----------------------------------------------------------------
    def _probe_move(self, move: _Move, t: float) -> Probe:
        """Re-solve with ``move``'s number at ``value + t`` (a tier's cost: with the bound on its
        channel's units that a binding spend limit buys along the changed schedule)."""
        basis = self.basis
        coefs = basis._coef_at(move.rows, move.cols) + t * move.slope
        moved = np.flatnonzero(move.cost)
        costs = {int(j): float(basis.costs[j] + t * move.cost[j]) for j in moved}
        self.solves += 1
        bound = self._bound_moves.get(move.path)
        if bound is None:
            return basis.probe((move.rows, move.cols, coefs), costs)
        k, units = bound[0], bound[1](move.value + t)
        limit = self.program.limits[k]
        rhs = units - limit.constant
        row = (k, rhs if limit.sense == ">=" else -math.inf, rhs if limit.sense == "<=" else math.inf)
        probe = basis.probe((move.rows, move.cols, coefs), costs, row=row)
        if probe.activity is None:
            return probe
        activity = probe.activity.copy()
        activity[k] -= units - limit.bound  # measured against the moved bound, as the mix reads it
        return replace(probe, activity=activity)

    def _spend_bound_moves(self) -> dict[str, tuple[int, Callable[[float], float]]]:
        """For a tier's cost on a channel whose spend limit binds (one such row): the row, and the
        units bound at a cost (what the limit's money buys along the schedule with that cost). A
        range of such a cost is found by re-solves that move the bound too."""
        from ..scenario.tiers import Tier, units_for_spend

        out = {}
        for item in self._price_items:
            if item.tier is None:
                continue
            mine = set(item.columns.tolist())
            rows = [(k, g) for k, g in self._spend_bounds.items() if self.binding[k] and g.channel == item.channel
                    and mine & set(g.columns)]
            if len(rows) != 1:
                continue  # (several periods' spend limits at once: the bound stays, as before)
            k, g = rows[0]
            limit = self.program.limits[k]
            money, most, tier = g.spend_of(limit.bound), limit.sense == "<=", item.tier

            def units(cost: float, g=g, money=money, most=most, tier=tier) -> float:
                schedule = tuple(Tier(cost=cost if j == tier else c, up_to=u)
                                 for j, (c, u) in enumerate(zip(g.costs, g.up_to)))
                return units_for_spend(schedule, money, most=most)

            out[item.path] = (k, units)
        return out

    def _probe_bound(self, k: int, bound: float) -> Probe:
        limit = self.program.limits[k]
        rhs = bound - limit.constant
        lower = rhs if limit.sense in (">=", "==") else -math.inf
        upper = rhs if limit.sense in ("<=", "==") else math.inf
        self.solves += 1
        return self.basis.probe(row=(k, lower, upper))

    # -- limits ----------------------------------------------------------------------------------
    def _limit(self, k: int) -> LimitSensitivity:
        found = self._limit_in_units(k)
        group = self._spend_bounds.get(k)
        if group is not None:
            return _in_money(found, group)
        given = self._shifted.get(k)
        if given is None:
            return found
        # moved by what the hires follow up: the same shadow prices (per unit of the metric)
        return replace(found, value=given(found.value), limit=given(found.limit),
                       valid_from=None if found.valid_from is None else given(found.valid_from),
                       valid_to=None if found.valid_to is None else given(found.valid_to))

    def _limit_in_units(self, k: int) -> LimitSensitivity:
        limit = self.program.limits[k]
        value = float(self.basis.activity[k] + limit.constant) if len(limit.index) else limit.constant
        binding = self.binding[k]
        low = 0.0 if limit.kind in NON_NEGATIVE_KINDS else -math.inf
        b = limit.bound
        make = partial(LimitSensitivity, limit.name, limit.kind, limit.sense, value, b,
                       period=limit.period, planned_by_period=self.periods)
        if not len(limit.index):
            return make(binding, 0.0, 0.0, None, None)
        if self.held and all(int(j) in self.held for j in limit.index):
            return make(binding, None, None, None, None, held=True)
        if not binding:  # a limit with slack: moving it up to its value changes nothing
            if limit.sense == "<=":
                return make(False, 0.0, 0.0, value, None)
            return make(False, 0.0, 0.0, low if math.isfinite(low) else None, value)
        steps = self._row_steps(k)
        scale = self._scale(k)
        if steps is not None and steps[1] > 1e-9 * scale and steps[0] < -1e-9 * scale:
            dual = float(self.basis.y[k])
            ends = [b + steps[1], max(b + steps[0], low)]
            if all(self._row_certified(k, end - b) for end in ends if math.isfinite(end)):
                to, start = (end if math.isfinite(end) else None for end in ends)
                if self.dual_degenerate:  # another basis may carry the same price on: a re-solve says
                    to = self._piece_end(k, b, dual, +1, low, to if to is not None else math.nan)
                    start = self._piece_end(k, b, dual, -1, low, start if start is not None else math.nan)
                return make(True, dual + 0.0, -dual + 0.0, _float(start), _float(to))
        return self._limit_by_resolves(k, make, low)

    def _row_steps(self, k: int) -> tuple[float, float] | None:
        """How far limit ``k``'s bound may move (down, up) on the optimal basis: HiGHS's ranging where
        it answers and agrees with the basis's own step (``B^-1 e_k``), else the basis's step."""
        steps = self.basis.row_range(k)
        if steps is None or self.ranging is None:
            return steps
        b, scale = self.program.limits[k].bound, self._scale(k)
        theirs = (self.ranging.limit_from[k] - b, self.ranging.limit_to[k] - b)
        agree = [math.isclose(m, t, rel_tol=1e-9, abs_tol=1e-9 * scale) if math.isfinite(m) else not math.isfinite(t)
                 for m, t in zip(steps, theirs)]
        return tuple(float(t) if ok and math.isfinite(t) else m for m, t, ok in zip(steps, theirs, agree))

    def _row_certified(self, k: int, step: float) -> bool:
        """The basis certified optimal with limit ``k``'s bound moved by ``step``."""
        basis = self.basis
        e = np.zeros(basis.m)
        e[k] = 1.0
        units = basis.x + step * basis._solve(e)
        lower, upper = basis.row_lower.copy(), basis.row_upper.copy()
        lower[k] += step if np.isfinite(lower[k]) else 0.0
        upper[k] += step if np.isfinite(upper[k]) else 0.0
        certificate = basis.certificate(units, basis.y, basis.d, basis.costs, basis.apply(units), lower, upper)
        return certificate.holds and _close(certificate.objective, self.f0 + basis.y[k] * step, 1e-9)

    def _scale(self, k: int) -> float:
        """The size of limit ``k`` in its own units (a custom constraint's bound is 0, its terms are not)."""
        limit = self.program.limits[k]
        return max(1.0, abs(limit.bound), abs(limit.bound - limit.constant))

    def _at_bound_value(self, k: int, t: float) -> float | None:
        probe = self._probe_bound(k, t)
        return probe.objective if probe.status == "optimal" else None

    def _slope(self, k: int, b: float, d: int, low: float) -> tuple[float | None, float]:
        """The objective's change per unit of limit ``k`` moved from ``b`` in direction ``d`` (re-solves),
        and how precise that is (the objective's rounding over the step)."""
        scale = self._scale(k)
        previous = None
        noise = 1e-10 * max(1.0, abs(self.f0))
        for step in STEPS:
            t = b + d * step * scale
            if t < low:
                return None, 0.0
            f = self._at_bound_value(k, t)
            if f is None:
                return None, 0.0
            slope = (f - self.f0) / (t - b)
            if previous is not None and abs(slope - previous[0]) <= RELATIVE * abs(previous[0]) + previous[1]:
                return previous
            previous = (slope, noise / (step * scale))
        return previous

    def _on_line(self, k: int, b: float, slope: float, t: float) -> bool:
        f = self._at_bound_value(k, t)
        return f is not None and abs(f - (self.f0 + slope * (t - b))) <= 1e-8 * max(1.0, abs(self.f0),
                                                                                      abs(slope * (t - b)))

    def _piece_end(self, k: int, b: float, slope: float, d: int, low: float, candidate: float) -> float | None:
        """How far from ``b`` (direction ``d``) the objective stays on the line of ``slope``; None: no end."""
        scale = self._scale(k)
        tol = RELATIVE * scale
        if math.isfinite(candidate) and d * (candidate - b) > tol and candidate >= low:
            outside = candidate + d * tol
            if self._on_line(k, b, slope, candidate) and (outside < low or not self._on_line(k, b, slope, outside)):
                return candidate
        inside, step = b, 1e-3 * scale
        while True:
            t = b + d * step
            if t <= low:
                if self._on_line(k, b, slope, low):
                    return low
                t = low
                break
            if not self._on_line(k, b, slope, t):
                break
            inside = t
            if step > 1e12 * scale:
                return None
            step *= 8
        outside = t
        while abs(outside - inside) > tol:
            mid = (inside + outside) / 2
            if self._on_line(k, b, slope, mid):
                inside = mid
            else:
                outside = mid
        return inside

    def _limit_by_resolves(self, k: int, make, low: float) -> LimitSensitivity:
        """A degenerate binding limit: each direction's price and the range from re-solves."""
        b = self.program.limits[k].bound
        dual = float(self.basis.y[k])
        free = self._free_direction(k, low)
        # where the basis proves the objective flat (``free``), its dual (0) is that side's price
        up, down = ((dual, 0.0) if free == d else self._slope(k, b, d, low) for d in (+1, -1))
        # HiGHS's dual answers the question where the re-solve confirms it: take its exact value
        up, down = (None if x[0] is None else dual if abs(x[0] - dual) <= 1e-6 * abs(dual) + 2 * x[1] else x[0]
                    for x in (up, down))
        valid_from = valid_to = None
        if up is not None:
            steps = self.basis.row_range(k)
            candidate_to = b + steps[1] if steps is not None else math.nan
            candidate_from = b + steps[0] if steps is not None else math.nan
            valid_to = None if free == +1 else self._piece_end(k, b, up, +1, low, candidate_to)
            valid_from = b if down is None or not _close(up, down) else \
                (low if math.isfinite(low) else None) if free == -1 else \
                self._piece_end(k, b, up, -1, low, candidate_from)
        return make(True, _float(up), None if down is None else -down + 0.0, _float(valid_from), _float(valid_to))

    def _free_direction(self, k: int, low: float) -> int:
        """The direction (+1 up, -1 down; 0: none proven) in which limit ``k``'s bound may move
        without end, down to ``low``, and the objective stay the same: the limit binds degenerately
        (its row is basic, its dual 0), so moving the bound away from its left side keeps the optimal
        units and duals feasible and the objective at its dual bound, which the certificate checks
        with the bound gone. What re-solves found there: the dual (0) on that side, no end of the
        range (or ``low``); the other side still takes re-solves."""
        basis, limit = self.basis, self.program.limits[k]
        if not basis.row_basic[k] or limit.sense == "==":
            return 0
        d = +1 if limit.sense == "<=" else -1
        if d < 0 and limit.bound - STEPS[0] * self._scale(k) < low:
            return 0  # the re-solves' first step leaves the domain: they find no price there
        lower, upper = basis.row_lower.copy(), basis.row_upper.copy()
        if d > 0:
            upper[k] = math.inf
        else:
            lower[k] = -math.inf
        certificate = basis.certificate(basis.x, basis.y, basis.d, basis.costs, basis.activity, lower, upper)
        return d if certificate.holds and _close(certificate.objective, self.f0, 1e-9) else 0

    # -- channels and rates ------------------------------------------------------------------------
    def _range(self, move: _Move, low: float, high: float, open_low: bool) -> tuple[float | None, float | None,
                                                                                    float | None, float | None,
                                                                                    str, str]:
        """The range of ``move``'s number over which the mix holds, within [low, high] (``low`` itself
        excluded where ``open_low``): (from, to, objective at from, at to, why each end).

        From the basis where a certificate confirms each end and, for a channel in the plan (or a
        degenerate basis), a warm re-solve just outside it shows the mix changing; else by scan
        and bisection on the kept model, as before.
        """
        if move.path in self._bound_moves:  # a spend limit's bound moves too, which the basis step does not see
            answer = None
        else:
            answer = self._prepared.pop(move.path, None) if move.path in self._prepared else (
                None if move.columns is None else self._basis_range(move, low, high, open_low))
        if answer is not None and any(len(end) == 4 for end in answer):
            answer = self._confirm(move, answer)
        if answer is None:
            lo, at_lo, why_lo = self._side(move, -1, low, open_low)
            hi, at_hi, why_hi = self._side(move, +1, high, False)
            return lo, hi, at_lo, at_hi, why_lo, why_hi
        (lo, at_lo, why_lo), (hi, at_hi, why_hi) = answer
        return lo, hi, at_lo, at_hi, why_lo, why_hi

    def _basis_range(self, move: _Move, low: float, high: float, open_low: bool):
        v, own = move.value, move.columns
        far = NO_END * max(1.0, abs(v))
        # where the parameter may go: a rate's open end stops just inside (as the scan does), no end
        # stops at the scan's limit
        span = (((low - v) * (1 - RELATIVE) if open_low else low - v) if math.isfinite(low) else -far,
                (high - v) if math.isfinite(high) else far)

        def direction():
            if move.path in self._entries:  # out of the plan: from the one product for all of them
                return self._entries[move.path]
            return self.basis.columns_direction(own, move.cost, move.rows, move.cols, move.slope, span)

        (t_lo, t_hi), at = direction()
        # out of the plan (every column nonbasic at zero): only its reduced costs move
        entering = all(int(j) not in self.basis.position and self.x[j] == 0.0 for j in own)
        largest = [] if entering else [float(at(t)[0].max()) for t in (t_lo, t_hi) if math.isfinite(t)]
        if any(not _close(x, float(self.x.max()), 1e-3) for x in largest):
            # the tolerance of "in the plan" is relative to the largest units, which move too
            for t, x in zip((t_lo, t_hi), largest):
                self._keep_mix(x)
                (lo2, hi2), _ = direction()
                t_lo, t_hi = (lo2, t_hi) if t == t_lo else (t_lo, hi2)
            self._keep_mix()
        # past the scan's limit (a price a million times over) an end is none: the certificate there
        # shows the mix holds that far (units shrinking as a price grows never quite reach zero)
        t_lo, t_hi = (-math.inf if t_lo <= -far else t_lo), (math.inf if t_hi >= far else t_hi)
        check = any(int(j) in self.mix[0] for j in own) or self.primal_degenerate
        ends = []
        for t, end, d in ((t_lo, low, -1), (t_hi, high, +1)):
            # the mix holds to the end of the domain (for an open end: to where a scan would stop)
            last = end + (v - end) * RELATIVE if d < 0 and open_low else end
            domain = v + t <= last if d < 0 else v + t >= last
            if domain:
                t_end = end - v
                if d < 0 and open_low or not math.isfinite(t_end):  # certify just inside the open end
                    t_end = (end - v) * (1 - RELATIVE) if math.isfinite(t_end) else d * far
            else:
                t_end = t
            certificate = self._certify(move, at, t_end)
            if not certificate.holds:
                return None
            if domain:
                ends.append((end if math.isfinite(end) else None, certificate.objective, "domain"))
                continue
            t_out = t_end + d * RELATIVE * max(abs(v + t_end), 1e-3) / 2
            if check and (entering or not self._changes_past(move, at, t_end + d * 1e-8 * max(abs(v + t_end), 1e-3))):
                # a warm re-solve just outside confirms it (after every basis step: see run)
                ends.append((v + t_end, certificate.objective, "mix", t_out))
            else:
                ends.append((v + t_end, certificate.objective, "mix"))
        return ends

    def _confirm(self, move: _Move, ends: list[tuple]):
        """The ends of a basis range confirmed by a warm re-solve just outside each (None: the mix
        holds past one of them, after a degenerate step of the basis: scan instead)."""
        out = []
        for end in ends:
            if len(end) == 4:
                value, objective, _, t_outside = end
                outside = self._probe_move(move, t_outside)
                if self._same(outside):
                    return None
                reason = "infeasible" if outside.status == "infeasible" else "mix"
                end = (value, None if reason == "infeasible" else objective, reason)
            out.append(end)
        return out

    def _changes_past(self, move: _Move, at, t: float) -> bool:
        """Whether the basis itself shows the mix changed at ``value + t`` just past a range's end: it
        is still certified optimal there (a channel's units or a limit's room crossed the mix's
        tolerance before the basis's own bound), so no re-solve is needed to see the new mix."""
        units, duals, reduced = at(t)
        activity = self._activity(move, units, t)
        certificate = self.basis.certificate(units, duals, reduced, self.basis.costs + t * move.cost, activity)
        return certificate.holds and self._mix(units, activity) != self.mix

    def _activity(self, move: _Move, units: np.ndarray, t: float) -> np.ndarray:
        return self.basis.apply(units) + np.bincount(move.rows, weights=t * move.slope * units[move.cols],
                                                     minlength=self.basis.m)

    def _certify(self, move: _Move, at, t: float) -> Certificate:
        """The basis's answer with ``move``'s number at ``value + t``, checked from scratch."""
        basis = self.basis
        j = move.column
        entering = getattr(at, "entering", None)
        if entering is not None and entering[0] == j and j not in basis.position and basis.x[j] == 0.0:
            return basis.entry_certificate(j, float(basis.d[j] + t * entering[1]))  # = at(t)'s reduced[j]
        units, duals, reduced = at(t)
        if j is not None and j not in basis.position and basis.x[j] == 0.0:
            return basis.entry_certificate(j, float(reduced[j]))
        if move.columns is not None and len(move.columns) > 1 and all(
                int(c) not in basis.position and basis.x[c] == 0.0 for c in move.columns):
            return basis.entry_certificate(move.columns, reduced[move.columns])
        return basis.certificate(units, duals, reduced, basis.costs + t * move.cost, self._activity(move, units, t))

    def _side(self, move: _Move, d: int, end: float, open_end: bool) -> tuple[float | None, float | None, str]:
        """Move the number from its value towards ``end`` (direction ``d``) until the mix changes, by
        re-solves: (the last value with the same mix, the objective there or None, why it ends)."""
        v = move.value
        if math.isfinite(end):
            points = [v + (end - v) * f for f in FRACTIONS]
            if open_end:
                points[-1] = v + (end - v) * (1 - RELATIVE)
        else:
            points = [v + d * max(abs(v), 1.0) * g for g in (1e-3, 1e-2, 0.1, 0.5, 1, 4, 16, 100, 1e3, NO_END)]
        inside, inside_objective = v, self.f0
        for t in points:
            if t == inside:
                continue
            outcome = self._probe_move(move, t - v)
            if self._same(outcome):
                inside, inside_objective = t, outcome.objective
                continue
            outside, outside_outcome = t, outcome
            while abs(outside - inside) > RELATIVE * max(abs(inside), abs(outside)) and \
                    abs(outside - inside) > 1e-12 * max(1.0, abs(v)):
                mid = (inside + outside) / 2
                outcome = self._probe_move(move, mid - v)
                if self._same(outcome):
                    inside, inside_objective = mid, outcome.objective
                else:
                    outside, outside_outcome = mid, outcome
            reason = "infeasible" if outside_outcome.status == "infeasible" else "mix"
            return inside, (None if reason == "infeasible" else inside_objective), reason
        if not math.isfinite(end):
            return None, None, "domain"
        return end, inside_objective, "domain"

    def _channel(self, item: _Item) -> ChannelSensitivity:
        c = self._channels[item.channel]
        move = self._price_moves[item.path]
        p = item.value
        in_plan = any(int(j) in self.mix[0] for j in item.columns)
        make = partial(ChannelSensitivity, c.name, in_plan, c.price_field, price_unit(c), p,
                       period=item.period, planned_by_period=self.periods)
        low, high, _, _, why_low, why_high = self._range(move, 0.0, math.inf, False)
        if item.tier is not None:
            # past its neighbours' costs the schedule would need binaries for its order: another model
            # (where binaries enforce the order already, held or relaxed, the costs may pass each other)
            before, after = (None, None) if self._by_binaries(item) else item.neighbours
            entering = low
            # at a neighbour's cost exactly the order still holds, and past it the model is another one
            if before is not None and (low is None or low < before or _close(low, before)):
                low, why_low = before, "tier_order"
            if after is not None and (high is None or high > after or _close(high, after)):
                high, why_high = after, "tier_order"
            make = partial(make, tier=item.tier, up_to=item.up_to, from_reason=why_low, to_reason=why_high)
            if in_plan:
                return make(0.0, low, high)
            # out of the plan: it enters at the price where the mix changes, if that keeps the order
            drop = None if entering is None or entering <= 0 or why_low == "tier_order" else p - entering
            return make(drop, low, high)
        if in_plan:
            return make(0.0, low, high)
        return make(None if low is None or low <= 0 else p - low, low, high)

    def _by_binaries(self, item: _Item) -> bool:
        """Whether binaries enforce the order of ``item``'s tiered price (in its period)."""
        return any(name == item.channel and (item.period is None or period == item.period)
                   for name, period in self.ordered)

    def _rate(self, move: _Move) -> RateRange:
        low, high, at_low, at_high, why_low, why_high = self._range(move, 0.0, 1.0, True)
        if why_low == "domain":
            low = 0.0
        at_low, at_high = (None if x is None else x + self.constant for x in (at_low, at_high))
        return RateRange(move.path, move.value, low, high, at_low, at_high, why_low, why_high, move.period,
                         self.periods)

    # -- alternative optima ----------------------------------------------------------------------
    def _alternative(self) -> tuple[dict[str, float], dict[str, float]] | None:
        """Spend and units per channel of another plan exactly as good, if there is one."""
        units = self.basis.alternative(10.0 * (1.0 + np.abs(self.x)) + 1000.0)
        self.solves += 1
        return self._accept(units)

    def _accept(self, units: np.ndarray | None) -> tuple[dict[str, float], dict[str, float]] | None:
        """``units`` as another plan, if it is one: it meets every limit, its objective is the
        optimum, and it spends (or buys) measurably differently."""
        if units is None:
            return None
        program = self.program
        units = np.where(np.abs(units) < 1e-12, 0.0, units)
        prices = program.prices
        total = float(prices @ self.x)
        scale = np.where(prices > 0, prices, 1.0)
        room = 1e-6 * np.where(prices > 0, max(1.0, total), max(1.0, float(self.x.max())))
        moved = np.abs(units - self.x) * scale > room
        if not np.any(moved & np.array([c.kind == "units" for c in program.columns])):
            return None  # (a tier order binary alone moves nothing a plan buys)
        if not verify(self.plan.program, units).passed or not _close(program.objective_value(units),
                                                                     self.f0 + self.constant, 1e-7):
            return None
        units = np.where(np.abs(units) < 1e-9 * max(1.0, float(np.abs(units).max())), 0.0, units)
        return self._per_channel(units)

    def _whole_alternative(self) -> tuple[tuple[dict[str, float], dict[str, float]] | None, tuple[str, ...]]:
        """Another plan exactly as good for a whole-unit plan: first with the whole units held (the
        continuous channels may move), then one MILP asking a whole-unit channel to move by a unit."""
        held_alternative = self._alternative()
        # the search runs on the plan's own program: a tier order binary follows the units there
        program, scenario = self.plan.program, self.scenario
        upper = np.full(len(program.columns), math.inf)
        for j, column in enumerate(program.columns):
            if not column.integer or column.kind != "units":
                continue
            c = self._channels[column.channel]
            price = column.price
            # a bound over the horizon or within the column's period bounds the column's units
            candidates = [x for value in (c.max_units, c.max_spend, scenario.budget)
                          for x in (horizon(value), by_period(value).get(column.period) if column.period else None)]
            units_bounds = candidates[:2]
            money_bounds = candidates[2:]
            finite_bounds = [float(x) for x in units_bounds if x is not None]
            finite_bounds += [float(x) / price for x in money_bounds if x is not None and price > 0]
            upper[j] = math.floor(min(finite_bounds) + 1e-9) if finite_bounds else math.inf
        left_out = tuple(dict.fromkeys(program.columns[j].channel for j in self.held
                                       if program.columns[j].kind == "units" and not math.isfinite(upper[j])))
        if held_alternative is not None:
            return held_alternative, left_out
        units = whole_unit_alternative(program, self.x, self.f0, upper)
        self.solves += 1
        return self._accept(units), left_out


@dataclass(frozen=True, eq=False)
class _Item:
    """A number sensitivity ranges: a channel's price or rate (``channel``; its columns), or a funnel
    default (``channel`` None; the paths of the channel rates inheriting it, ``heirs``). With periods,
    a number given per period is one item per period (``period``; ``base`` without the period)."""

    path: str
    value: float
    field: str
    channel: str | None
    base: str
    period: str | None = None
    columns: np.ndarray | None = None
    inherited: dict | None = None  # a channel's rate inherited from a default given per period: that mapping
    heirs: tuple[str, ...] = ()
    tier: int | None = None  # a tier's cost: the tier (``base`` is then the price's path, with its period)
    up_to: float | None = None
    neighbours: tuple[float | None, float | None] = (None, None)  # the costs of the tiers before and after
    step: float | None = None  # how far a variant moves it (its whole schedule moves by as much)
    schedule: str | None = None  # a tier's cost: the path of its schedule (with its period)


def _items(scenario: Scenario, columns: dict[str, np.ndarray], program: Program) -> tuple[list[_Item], list[_Item]]:
    """The prices and the rates that shape the model (as ``effective_rates`` lists them: each
    channel's own or inherited rate into a stage after its entry, then the funnel defaults given),
    a number given per period as one item per period the channel runs in."""
    periods = tuple(scenario.periods or ())

    def split(base: str, value, field: str, channel, available, inherited: bool = False, heirs=()) -> list[_Item]:
        own = columns.get(channel) if channel is not None else None
        if not isinstance(value, dict):
            return [_Item(base, float(value), field, channel, base, None, own, None, heirs)]
        out = []
        for p in available:
            if p not in value:
                continue
            mine = None if own is None else own[[program.columns[j].period == p for j in own]]
            out.append(_Item(f"{base}.{p}", float(value[p]), field, channel, base, p, mine,
                             value if inherited else None, tuple(f"{h}.{p}" for h in heirs)))
        return out

    def tiers(base: str, field: str, schedule: tuple, channel: str, period: str | None,
              periods: tuple) -> list[_Item]:
        own = columns[channel]
        where = f"{base}.{period}" if period is not None else base
        step = max(1.0, max(t.cost for t in schedule))
        out = []
        for k, tier in enumerate(schedule):
            mine = own[[program.columns[j].tier == k and (period is None or program.columns[j].period == period)
                        and (period is not None or not periods or program.columns[j].period in periods)
                        for j in own]]
            neighbours = (schedule[k - 1].cost if k else None,
                          schedule[k + 1].cost if k + 1 < len(schedule) else None)
            path = f"{where}[{k}].cost"
            out.append(_Item(path, float(tier.cost), field, channel, path, period, mine, tier=k, up_to=tier.up_to,
                             neighbours=neighbours, step=step, schedule=where))
        return out

    prices: list[_Item] = []
    for c in scenario.channels:
        if c.response_curve is not None:  # a curve's segment costs are its points': no price ranges (curve_notes)
            continue
        base, value = f"channels[{c.name}].{c.price_field}", getattr(c, c.price_field)
        available = scenario.available(c)
        if type(value) is tuple:
            # one schedule for every period (and without periods): a tier moves each period's column
            prices += tiers(base, c.price_field, value, c.name, None, tuple(p for p in periods if p in available))
        elif type(value) is dict and any(type(v) is tuple for v in value.values()):
            for p in available:
                if type(value.get(p)) is tuple:
                    prices += tiers(base, c.price_field, value[p], c.name, p, ())
                elif p in value:
                    prices += [x for x in split(base, {p: value[p]}, c.price_field, c.name, (p,))]
        else:
            prices += split(base, value, c.price_field, c.name, available)
    rates: list[_Item] = []
    heirs: dict[str, list[str]] = {}
    for c, rate, own, value in shaping_rates(scenario):
        base = f"channels[{c.name}].{rate}"
        rates += split(base, value, rate, c.name, scenario.available(c), inherited=own is None)
        if own is None:
            heirs.setdefault(rate, []).append(base)
    for rate in CONVERSION_RATES:
        value = getattr(scenario.funnel, rate)
        if value is not None:
            rates += split(f"funnel.{rate}", value, rate, None, periods, heirs=tuple(heirs.get(rate, ())))
    return prices, rates


def _variant(values: dict[_Item, float]) -> dict[str, Any]:
    """The changes ({path: value}) that set each item to its value: a per-period number by its
    period's key; a rate inherited from a default given per period as the channel's own mapping."""
    out: dict[str, Any] = {}
    for item, v in values.items():
        if item.period is None:
            out[item.base] = v
        elif item.inherited is None:
            out[item.path] = v
        else:
            out.setdefault(item.base, dict(item.inherited))[item.period] = v
    return out


def _same_shape(a: Program, b: Program) -> bool:
    """Whether two programs have the same columns and limits (a variant that keeps the model's shape)."""
    return len(a.limits) == len(b.limits) and [(c.channel, c.kind, c.tier, c.period) for c in a.columns] == [
        (c.channel, c.kind, c.tier, c.period) for c in b.columns]


def _float(x: float | None) -> float | None:
    return None if x is None else float(x)
