"""The linear program a scenario defines, as data: columns, named limits (rows) and the objective.

:mod:`optimizer.model.build` makes a :class:`Program` from a scenario; the solver adapters
(:mod:`optimizer.model.highs`, :mod:`optimizer.model.pulp_model`) state it for a solver;
verification and diagnosis read it without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

KINDS = ("budget", "target", "cap", "channel_bound", "channel_cap", "constraint", "tier", "set_up", "min_buy",
         "sales_capacity", "max_hires")
# ``tier``: the rows of a tiered price that are not the user's limits (a tier's width, and where the
# tier order is enforced, the rows tying a tier to its binary); a capped last tier is a channel_bound
# ``set_up``: the rows tying a channel's units to its on/off binary (units only when it is used, the
# binary at most 1, a period's use under the horizon's set-up); ``min_buy``: min_units_if_used and
# min_spend_if_used (units 0 or at least the minimum); ``sales_capacity``: a sales role's capacity on its
# metric in a period (reps on staff and hired, over their ramp); ``max_hires``: the most reps a role may hire
# What a column is. Only ``units`` columns (a channel's units, for a tier and a period where the
# scenario has them) carry spend and yields; ``on_off`` (channel, period), ``hires`` (role,
# period) and ``auxiliary`` (a robust counterpart's extra variables) come with their issues.
COLUMN_KINDS = ("units", "on_off", "hires", "auxiliary")
PAID = ("units", "on_off")  # the column kinds whose price is a channel's spend


@dataclass(frozen=True)
class Column:
    """A decision variable. For ``kind="units"``: units of ``channel`` (in ``tier`` and ``period``
    where the scenario has them), its price per unit and its yield per unit of every metric."""

    channel: str  # the owner: a channel (or, for ``hires``, a role)
    price: float
    per_unit: dict[str, float | None]
    integer: bool = False
    unit: str = "unit"
    kind: str = "units"
    tier: int | None = None
    period: str | None = None
    # with periods: deals and revenue of one unit by the period they close in (the horizon's periods),
    # and what closes after the horizon; ``per_unit`` holds what closes inside it
    closing: dict[str, tuple[float, ...]] | None = None
    after: dict[str, float] | None = None


@dataclass(frozen=True)
class TierGroup:
    """A tiered price in one period (or without periods): the channel's units columns, one per
    tier in order, and the schedule. ``binaries`` are the order columns (empty: the LP fills the
    tiers in order by itself, and the plan is put in order after the solve); ``why`` says why the
    order needed them ("volume discount", "tier order")."""

    channel: str
    field: str  # the price field, e.g. cost_per_lead
    period: str | None
    columns: tuple[int, ...]
    up_to: tuple[float | None, ...]
    costs: tuple[float, ...]
    binaries: tuple[int, ...] = ()
    why: str | None = None
    bounded_by: str | None = None  # the field whose value bounds an open last tier under binaries (budget...)
    # a response curve's jumps in spend: per tier, the jump paid when it opens (its on_off binary in
    # ``jump_columns``, None where there is no jump); empty without jumps
    jumps: tuple[float, ...] = ()
    jump_columns: tuple[int | None, ...] = ()

    @property
    def widths(self) -> tuple[float, ...]:
        """Units each tier holds (inf: an open last tier)."""
        out, before = [], 0.0
        for up_to in self.up_to:
            out.append(np.inf if up_to is None else up_to - before)
            before = before if up_to is None else up_to
        return tuple(out)

    def spend_of(self, units: float) -> float:
        """What ``units`` cost along the schedule, filled in order (past a capped last tier: at its
        cost), with the jump in spend before each tier they reach."""
        left, spent = max(0.0, float(units)), 0.0
        for k, (width, cost) in enumerate(zip(self.widths, self.costs)):
            take = left if k == len(self.costs) - 1 else min(left, width)
            if take > 0 and self.jumps:
                spent += self.jumps[k]
            spent += take * cost
            left -= take
        return spent

    def in_order(self, total: float) -> list[float]:
        """``total`` units in the tiers, each full before the next."""
        out, left = [], max(0.0, float(total))
        for k, width in enumerate(self.widths):
            take = left if k == len(self.costs) - 1 else min(left, width)
            out.append(take)
            left -= take
        return out


@dataclass(frozen=True)
class SetUp:
    """A channel's on/off choice (in ``period``; None: over the horizon, or without periods): the
    ``on_off`` binary ``column``, whose price is the set-up ``cost`` paid when the channel is used,
    and the ``units`` columns it opens (the channel's in the period, or in every period)."""

    channel: str
    period: str | None
    column: int
    units: tuple[int, ...]
    cost: float = 0.0
    min_units: float | None = None
    min_spend: float | None = None
    bound: float = float("inf")  # the most units the binary opens (per period for a horizon binary: the largest)
    bounded_by: str | None = None  # the field whose value gives that bound (max_units, budget...)


@dataclass(frozen=True)
class Hire:
    """The ``hires`` column of a sales role in one period (None: without periods): reps hired then.
    ``costs`` is what one such hire costs in each period of the horizon (its ``cost`` from the
    period it is hired in on; without periods: one entry, the cost once); ``shares`` its share of
    full capacity in each period (0 before it is hired, then the ramp)."""

    role: str
    period: str | None
    column: int
    metric: str
    per_rep: float
    cost: float
    costs: tuple[float, ...]
    shares: tuple[float, ...]

    @property
    def total_cost(self) -> float:
        """What one hire costs over the horizon."""
        return float(sum(self.costs))


@dataclass(frozen=True)
class Limit:
    """A named row: ``coefs . units + constant  SENSE  bound``."""

    name: str
    kind: str
    index: np.ndarray
    coefs: np.ndarray
    sense: str  # "<=", ">=" or "=="
    bound: float
    constant: float = 0.0
    period: str | None = None  # the period a limit is about, where the scenario has periods

    @property
    def is_availability(self) -> bool:
        """Whether this is ``channels[NAME].available``: no units in the periods a channel does not
        run in. It is at its bound (0) in every plan, so it never counts as binding (that is noise)."""
        return self.kind == "channel_bound" and self.name.endswith("].available")

    def value(self, units: np.ndarray) -> float:
        return float(self.coefs @ units[self.index]) + self.constant if len(self.index) else self.constant

    def excess(self, value: float) -> float:
        """How far a left side ``value`` is beyond the limit (negative: the room left)."""
        return {"<=": value - self.bound, ">=": self.bound - value, "==": abs(value - self.bound)}[self.sense]

    def violation(self, units: np.ndarray) -> float:
        """Excess over the limit, relative: excess / max(1, |bound|); 0 when the limit holds."""
        excess = self.excess(self.value(units))
        # scale by the row's own size too: a share rule (limit 0) compares quantities of thousands
        terms = float(np.abs(self.coefs * units[self.index]).max()) if len(self.index) else 0.0
        return max(0.0, excess) / max(1.0, abs(self.bound), abs(self.constant), terms * 1e-3)


@dataclass(frozen=True)
class Program:
    """A scenario's LP in domain terms: columns, limits and objective."""

    name: str
    columns: tuple[Column, ...]
    limits: tuple[Limit, ...]
    objective: str  # the scenario's objective, e.g. "min_spend"
    sense: str  # "min" or "max"
    objective_coefs: np.ndarray = field(repr=False)
    integer: bool = False
    periods: tuple[str, ...] = ()  # the scenario's periods, in order (() without periods)
    # deals and revenue already in flight, per period (counted in every limit of its period, in no column)
    pipeline: dict[str, tuple[float, ...]] = field(default_factory=dict)
    objective_constant: float = 0.0  # the objective's value at zero units (the pipeline's part of it)
    tier_groups: tuple[TierGroup, ...] = ()  # the tiered prices, one group per channel and period
    notes: tuple[str, ...] = ()  # what the plan should say about the model ("mixed-integer: ...")
    set_ups: tuple[SetUp, ...] = ()  # the on/off choices of channels with a set-up cost or a minimum buy
    hires: tuple[Hire, ...] = ()  # the sales roles' hires columns, by role and period
    # the sales roles: (name, metric, capacity per rep, reps on staff), in the scenario's order
    roles: tuple[tuple[str, str, float, float], ...] = ()

    @property
    def prices(self) -> np.ndarray:
        """What one unit of every column costs: a units column its price, an ``on_off`` column its
        channel's set-up cost (0 for the other kinds). Spend everywhere is ``prices @ units``."""
        return np.array([c.price if c.kind in PAID else 0.0 for c in self.columns], dtype=float)

    @property
    def hiring_prices(self) -> np.ndarray:
        """What one unit of every column costs in hiring over the horizon: a ``hires`` column a hire's
        cost from its period on, 0 for every other kind. The one place hiring cost is read:
        :meth:`hiring_cost` and the total cost (:attr:`cost_coefs`) come from it."""
        out = np.zeros(len(self.columns))
        for h in self.hires:
            out[h.column] = h.total_cost
        return out

    @property
    def cost_coefs(self) -> np.ndarray:
        """Total cost per unit of every column: marketing spend (:attr:`prices`) plus hiring."""
        return self.prices + self.hiring_prices if self.hires else self.prices

    def hiring_cost(self, units: np.ndarray, period: str | None = None) -> float:
        """The hiring cost of ``units`` over the horizon, or in ``period`` (the reps hired up to then)."""
        if period is None:
            return float(sum(h.total_cost * float(units[h.column]) for h in self.hires)) + 0.0
        k = self.periods.index(period)
        return float(sum(h.costs[k] * float(units[h.column]) for h in self.hires)) + 0.0

    def hires_of(self, role: str) -> tuple[Hire, ...]:
        """A role's hires columns, in period order."""
        return tuple(h for h in self.hires if h.role == role)

    def capacity_of(self, role: str, units: np.ndarray) -> list[float]:
        """A role's capacity in every period (one entry without periods): reps on staff and hired,
        over their ramp, times what one rep follows up."""
        name, metric, per_rep, current = next(r for r in self.roles if r[0] == role)
        count = max(1, len(self.periods))
        return [per_rep * (current + sum(h.shares[k] * float(units[h.column]) for h in self.hires_of(role))) + 0.0
                for k in range(count)]

    # -- the column table: a channel's quantities, whatever its columns ---------------------------
    @cached_property
    def channels(self) -> tuple[str, ...]:
        """The channels, in the order of their first units column."""
        return tuple(dict.fromkeys(c.channel for c in self.columns if c.kind == "units"))

    @cached_property
    def _owner(self) -> np.ndarray:
        """For every column, the index of its channel in :attr:`channels` (-1: not a units column)."""
        where = {name: k for k, name in enumerate(self.channels)}
        return np.array([where[c.channel] if c.kind == "units" else -1 for c in self.columns], dtype=int)

    def columns_of(self, channel: str) -> np.ndarray:
        """Indices of ``channel``'s units columns (one now; more with tiers and periods)."""
        return np.flatnonzero(self._owner == self.channels.index(channel))

    def per_channel(self, values: np.ndarray) -> np.ndarray:
        """A per-column quantity (units, spend, deals...) summed per channel, in :attr:`channels` order."""
        owner = self._owner
        keep = owner >= 0
        return np.bincount(owner[keep], weights=np.asarray(values, dtype=float)[keep], minlength=len(self.channels))

    def channel_units(self, units: np.ndarray) -> np.ndarray:
        """Units bought per channel."""
        return self.per_channel(units)

    @cached_property
    def _payer(self) -> np.ndarray:
        """For every column, the index of the channel whose spend it is (units and ``on_off``
        columns: their channel; -1: no spend)."""
        where = {name: k for k, name in enumerate(self.channels)}
        return np.array([where[c.channel] if c.kind in PAID else -1 for c in self.columns], dtype=int)

    def paid_columns(self, channel: str) -> np.ndarray:
        """Indices of the columns that make ``channel``'s spend: its units and its set-up (``on_off``)."""
        return np.flatnonzero(self._payer == self.channels.index(channel))

    def channel_spend(self, units: np.ndarray) -> np.ndarray:
        """Spend per channel: units x price along the tiers, plus the set-up cost when used."""
        payer = self._payer
        keep = payer >= 0
        return np.bincount(payer[keep], weights=(self.prices * np.asarray(units, dtype=float))[keep],
                           minlength=len(self.channels))

    def settled(self, units: np.ndarray) -> np.ndarray:
        """A solver's ``units`` with every on/off binary exactly 0 or 1 (rounded), and the few units
        a binary at 0 opens (at most the verification tolerance, which
        :func:`~optimizer.model.verify.verify` checks first: a binary near 0 never carries units for
        free) at 0. Spend then counts each set-up cost exactly once or not at all. (A binary at 1
        with no units is a set-up paid for nothing, which only a rule rewarding spend can want, such
        as a committed ``min_spend``: it stays paid.) A whole-people role's hires are exactly whole
        (a solver's 0.9999999 is 1), so its hiring cost and capacity are those of whole reps."""
        jumps = [(j, g.columns[k]) for g in self.tier_groups for k, j in enumerate(g.jump_columns) if j is not None]
        whole = [h.column for h in self.hires if self.columns[h.column].integer]
        if not self.set_ups and not jumps and not whole:
            return units
        out = np.array(units, dtype=float, copy=True)
        if whole:
            out[whole] = np.round(out[whole]) + 0.0
        for s in self.set_ups:
            if not self.columns[s.column].integer:
                continue  # a relaxation: the binary's fraction is the plan's
            on = float(round(out[s.column]))
            out[s.column] = on
            if not on:
                out[list(s.units)] = 0.0
        for j, opened in jumps:  # a curve's jump in spend: paid once, or not (and then its segment is empty)
            if self.columns[j].integer:
                out[j] = float(round(out[j]))
                if not out[j]:
                    out[opened] = 0.0
        return out

    def set_up_from_units(self, units: np.ndarray) -> np.ndarray:
        """``units`` without binaries (a proposal) with each on/off binary set from the units it
        opens: 1 where any are bought, else 0."""
        if not self.set_ups:
            return units
        out = np.array(units, dtype=float, copy=True)
        for s in sorted(self.set_ups, key=lambda s: s.period is None):
            out[s.column] = 1.0 if float(out[list(s.units)].sum()) > 0 else 0.0
        return out

    def used(self, units: np.ndarray, channel: str, period: str | None = None) -> bool:
        """Whether ``channel`` is used (in ``period``): a binary of it at 1 there, or, in a period
        that only a horizon's set-up covers, units bought in it."""
        own = [s for s in self.set_ups if s.channel == channel]
        if period is None:
            return any(units[s.column] > 0.5 for s in own)
        mine = [s for s in own if s.period == period]
        if mine:
            return any(units[s.column] > 0.5 for s in mine)
        return bool(any(units[j] > 0 for s in own for j in s.units if self.columns[j].period == period))

    def amounts(self, metric: str) -> np.ndarray:
        """Per-unit yield of ``metric`` for every column (0 where the metric is missing)."""
        return np.array([(c.per_unit.get(metric) or 0.0) if c.kind == "units" else 0.0 for c in self.columns],
                        dtype=float)

    def objective_value(self, units: np.ndarray) -> float:
        return float(self.objective_coefs @ units) + self.objective_constant

    # -- periods ------------------------------------------------------------------------------------
    def amounts_in(self, metric: str, period: str | None) -> np.ndarray:
        """Per-unit yield of ``metric`` for every column within ``period``: what falls in it (bought
        then), or for deals and revenue what closes in it. ``None``: over the horizon (:meth:`amounts`)."""
        if period is None:
            return self.amounts(metric)
        k = self.periods.index(period)
        starts, columns, values = self._by_period(metric)
        out = np.zeros(len(self.columns))
        out[columns[starts[k]:starts[k + 1]]] = values[starts[k]:starts[k + 1]]
        return out

    def per_period_channel(self, metric: str, units: np.ndarray) -> np.ndarray:
        """``metric`` of the plan ``units`` per period and channel (periods x :attr:`channels`): what
        falls in each period, or for deals and revenue what closes in it (:meth:`amounts_in`)."""
        starts, columns, values = self._by_period(metric)
        width = len(self.channels)
        period = np.repeat(np.arange(len(self.periods)), np.diff(starts))
        owner = self._owner[columns]
        weights = values * np.asarray(units, dtype=float)[columns]
        return np.bincount(period * width + owner, weights=weights,
                           minlength=len(self.periods) * width).reshape(len(self.periods), width)

    def _by_period(self, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every column's per-unit ``metric`` in each period, once per metric, by period: the entries of
        period k are ``columns[starts[k]:starts[k+1]]`` with ``values`` (zeros left out; a closing
        cycle touches few periods, so this stays small where a periods x columns table would not)."""
        cache = self.__dict__.setdefault("_period_cache", {})  # frozen: cached as cached_property does
        if metric not in cache:
            where = {p: k for k, p in enumerate(self.periods)}
            rows, columns, values = [], [], []
            for j, c in enumerate(self.columns):
                if c.kind != "units":
                    continue
                if c.closing is not None and metric in c.closing:
                    closing = np.asarray([v or 0.0 for v in c.closing[metric]], dtype=float)
                    held = np.flatnonzero(closing)
                    rows.append(held)
                    columns.append(np.full(len(held), j))
                    values.append(closing[held])
                elif c.period in where and c.per_unit.get(metric):
                    rows.append(np.array([where[c.period]]))
                    columns.append(np.array([j]))
                    values.append(np.array([float(c.per_unit[metric])]))
            rows_ = np.concatenate(rows).astype(int) if rows else np.zeros(0, dtype=int)
            columns_ = np.concatenate(columns).astype(int) if columns else np.zeros(0, dtype=int)
            values_ = np.concatenate(values) if values else np.zeros(0)
            order = np.argsort(rows_, kind="stable")
            starts = np.searchsorted(rows_[order], np.arange(len(self.periods) + 1))
            cache[metric] = (starts, columns_[order], values_[order])
        return cache[metric]

    def in_period(self, period: str) -> np.ndarray:
        """Which columns are bought in ``period`` (a boolean mask)."""
        return self._bought_in == self.periods.index(period)

    @cached_property
    def _bought_in(self) -> np.ndarray:
        """For every column, the index of the period it is bought in (-1: none)."""
        where = {p: k for k, p in enumerate(self.periods)}
        return np.array([where.get(c.period, -1) for c in self.columns], dtype=int)

    def in_flight(self, metric: str, period: str | None = None) -> float:
        """Deals or revenue already in flight (the pipeline) in ``period``, or over the horizon."""
        values = self.pipeline.get(metric)
        if not values:
            return 0.0
        return float(sum(values)) if period is None else float(values[self.periods.index(period)])

    def after_horizon(self, metric: str) -> np.ndarray:
        """Per unit of every column, deals or revenue closing after the last period."""
        return np.array([(c.after or {}).get(metric) or 0.0 for c in self.columns], dtype=float)

    @cached_property
    def _stacked(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every limit's terms in one flat array (row of each term, column, coefficient), for speed."""
        sizes = np.array([len(limit.index) for limit in self.limits], dtype=int)
        rows = np.repeat(np.arange(len(self.limits)), sizes)
        columns = np.concatenate([limit.index for limit in self.limits] or [np.zeros(0)]).astype(int)
        coefs = np.concatenate([limit.coefs for limit in self.limits] or [np.zeros(0)]).astype(float)
        bounds = np.array([limit.bound for limit in self.limits], dtype=float)
        constants = np.array([limit.constant for limit in self.limits], dtype=float)
        return rows, columns, coefs, bounds, constants

    def values(self, units: np.ndarray) -> np.ndarray:
        """Every limit's left side at ``units`` (what :meth:`Limit.value` gives, for all limits at once)."""
        rows, columns, coefs, _, constants = self._stacked
        return np.bincount(rows, weights=coefs * units[columns], minlength=len(self.limits)) + constants

    def violations(self, units: np.ndarray) -> np.ndarray:
        """Every limit's relative violation (what :meth:`Limit.violation` gives, for all limits at once)."""
        rows, columns, coefs, bounds, constants = self._stacked
        excess = self.excesses(self.values(units))
        terms = np.zeros(len(self.limits))
        np.maximum.at(terms, rows, np.abs(coefs * units[columns]))
        scale = np.maximum.reduce([np.ones(len(bounds)), np.abs(bounds), np.abs(constants), terms * 1e-3])
        return np.maximum(0.0, excess) / scale

    def binding(self, units: np.ndarray, tolerance: float) -> np.ndarray:
        """Which limits bind at ``units``: every ``==``, and each limit with terms whose room left
        is within ``tolerance`` relative to max(1, |limit|) (a limit overshot counts as binding);
        never an availability (:attr:`Limit.is_availability`), which is at 0 in every plan."""
        bounds, senses = self.bounds, self._senses
        values = self.values(units)
        room = np.where(senses == "<=", bounds - values, values - bounds)
        return self.has_terms & ~self.availability & (
            (senses == "==") | (room <= tolerance * np.maximum(1.0, np.abs(bounds))))

    @cached_property
    def availability(self) -> np.ndarray:
        """Which limits are availabilities (:attr:`Limit.is_availability`), as a mask."""
        return np.array([limit.is_availability for limit in self.limits], dtype=bool)

    def with_limits(self, limits: tuple[Limit, ...] | list[Limit], objective: str | None = None,
                    sense: str | None = None, objective_coefs: np.ndarray | None = None) -> Program:
        """A variant of this program (for diagnosis and analysis): other limits or objective (another
        objective starts from 0 at zero units: the pipeline's constant belongs to the scenario's own)."""
        return replace(self, limits=tuple(limits), objective=objective or self.objective, sense=sense or self.sense,
                       objective_coefs=self.objective_coefs if objective_coefs is None else objective_coefs,
                       objective_constant=self.objective_constant if objective_coefs is None else 0.0)

    @property
    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every limit's terms as flat arrays: the limit of each term, its column, its coefficient."""
        rows, columns, coefs, _, _ = self._stacked
        return rows, columns, coefs

    @cached_property
    def _senses(self) -> np.ndarray:
        return np.array([limit.sense for limit in self.limits])

    @property
    def has_terms(self) -> np.ndarray:
        """Which limits have terms (a limit without any holds or fails by its constant alone)."""
        rows = self._stacked[0]
        return np.bincount(rows, minlength=len(self.limits)) > 0

    @property
    def senses(self) -> np.ndarray:
        """Every limit's sense (``<=``, ``>=``, ``==``), as one array."""
        return self._senses

    @property
    def bounds(self) -> np.ndarray:
        """Every limit's bound, as one array."""
        return self._stacked[3]

    @property
    def constants(self) -> np.ndarray:
        """Every limit's constant (the left side at zero units), as one array."""
        return self._stacked[4]

    def excesses(self, values: np.ndarray) -> np.ndarray:
        """How far each left side in ``values`` is beyond its limit (what :meth:`Limit.excess` gives,
        for all limits at once; negative: the room left)."""
        senses, bounds = self._senses, self.bounds
        return np.where(senses == "<=", values - bounds, np.where(senses == ">=", bounds - values,
                                                                  np.abs(values - bounds)))

    def with_bounds(self, bounds: dict[int, float]) -> Program:
        """This program with some limits' bounds moved ({limit index: bound}), for sweeps: the
        variant shares this program's stacked terms instead of stacking them again."""
        limits = list(self.limits)
        for k, value in bounds.items():
            limits[k] = replace(limits[k], bound=float(value))
        variant = replace(self, limits=tuple(limits))
        rows, columns, coefs, old, constants = self._stacked
        new = old.copy()
        for k, value in bounds.items():
            new[k] = float(value)
        variant.__dict__["_stacked"] = (rows, columns, coefs, new, constants)  # what cached_property would hold
        variant.__dict__["_senses"] = self._senses
        return variant

    def in_tier_order(self, units: np.ndarray) -> np.ndarray:
        """``units`` with each tiered price filled in order where no binaries enforce it: the same
        units per channel and period, each tier full before the next. The model is built so that
        this never costs the objective nor breaks a limit (rows and objective that would reward a
        later tier got binaries instead)."""
        if not any(not g.binaries for g in self.tier_groups):
            return units
        out = np.array(units, dtype=float, copy=True)
        for group in self.tier_groups:
            if not group.binaries:
                index = list(group.columns)
                out[index] = group.in_order(float(out[index].sum()))
        return out

    def relaxed(self) -> Program:
        """The same program with every column continuous."""
        return replace(self, columns=tuple(replace(c, integer=False) for c in self.columns), integer=False)
