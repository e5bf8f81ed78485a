"""``build_program``: a scenario's LP, columns of units bought and one named limit per rule the user
wrote (``budget``, ``targets.deals``, ``channels[email].max_spend``, ``constraints[0]``).

Without periods a channel is one column. With periods it is one column per period (units bought
in it), whose deals and revenue close over the sales cycle; a limit given by period is one row per
period it names (``caps.qualified_leads.Q3``), a limit given as a number one row over the horizon.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import Issue, ScenarioError
from ..scenario.curves import curves, price_unit
from ..scenario.funnel import RATE_FIELDS
from ..scenario.periods import at, by_period, horizon, value_in
from ..scenario.schema import Channel, Scenario
from ..scenario.tiers import as_schedule, falls, units_for_spend
from .program import Column, Hire, Limit, Program, SetUp, TierGroup

CLOSING = ("deals", "revenue")  # the metrics that close over the sales cycle; every other falls when bought
CHANNEL_BOUNDS = (("min_spend", ">="), ("max_spend", "<="), ("min_units", ">="), ("max_units", "<="))


def _dense(name: str, kind: str, coefs: np.ndarray, sense: str, bound: float, constant: float = 0.0,
           period: str | None = None) -> Limit:
    index = np.flatnonzero(coefs)
    return Limit(name, kind, index, coefs[index], sense, float(bound), float(constant), period)


def objective_coefficients(columns: tuple[Column, ...], objective: str) -> tuple[str, np.ndarray]:
    prices = np.array([c.price for c in columns], dtype=float)
    if objective == "min_spend":
        return "min", prices
    metric = "revenue" if objective == "max_profit" else objective[4:]
    amounts = np.array([c.per_unit.get(metric) or 0.0 for c in columns], dtype=float)
    return "max", amounts - prices if objective == "max_profit" else amounts


def _varying(scenario: Scenario, c: Channel) -> list:
    """The values a channel's yields depend on that are given by period (its own rates and yields,
    the funnel's rates): the periods where they agree yield alike."""
    own = [getattr(c, r) for r in RATE_FIELDS] + list((c.yields or {}).values())
    return [v for v in own + list(scenario.default_rates.values()) if type(v) is dict]


def _yields_by_period(scenario: Scenario, c: Channel, periods: tuple[str, ...]) -> list[dict]:
    """What a unit of ``c`` bought in each period yields (``yields_in``), worked out once per
    distinct set of that period's values (most channels: once)."""
    varying = _varying(scenario, c)
    if not varying:
        return [scenario.yields_in(c, periods[0]).per_unit] * len(periods)
    seen: dict[tuple, dict] = {}
    out = []
    for period in periods:
        key = tuple(value_in(v, period) for v in varying)
        if key not in seen:
            seen[key] = scenario.yields_in(c, period).per_unit
        out.append(seen[key])
    return out


def _closing(amount: np.ndarray, shares: np.ndarray, value: np.ndarray) -> tuple[list, list, list]:
    """A metric that closes over the sales cycle, for a unit of channel ``c`` bought in period ``t``
    (``amount[c, t]``, shares ``shares[c, k]`` of it closing ``k`` periods later, each worth
    ``value[c, t, k]``): by the period it closes in (``[c][t][close]``, the cycle as a banded
    matrix), in total within the horizon, and after it (``[c][t]``)."""
    channels, count = amount.shape
    table, within, after = np.zeros((channels, count, count)), np.zeros((channels, count)), np.zeros((channels, count))
    bought = np.arange(count)
    for k in range(shares.shape[1]):  # in the cycle's order, as a sum over it adds them up (a share past a
        part = amount * shares[:, k:k + 1] * value[:, :, k]  # channel's cycle is 0: adding it changes nothing)
        inside = bought + k < count
        table[:, bought[inside], bought[inside] + k] += part[:, inside]
        within += np.where(inside, part, 0.0)
        after += np.where(inside, 0.0, part)
    return table.tolist(), within.tolist(), after.tolist()


def _deal_values(own: Any, default: Any, periods: tuple[str, ...], length: int) -> np.ndarray | None:
    """``[t, k]``: the deal value of a deal bought in period ``t`` that closes ``k`` periods later:
    that of the period it closes in (the channel's own where it names it), else of the period it was
    bought in (after the horizon, or a period the mapping leaves out). None: no deal value."""
    value = own if own is not None else default
    if type(value) is not dict:
        return None if value is None else np.full((len(periods), length), value, dtype=float)
    bought = [value_in(value, p) for p in periods]
    if any(v is None for v in bought):
        return None
    closes = [value.get(p) for p in periods]
    out = np.empty((len(periods), length))
    for t in range(len(periods)):
        for k in range(length):
            at_close = closes[t + k] if t + k < len(periods) else None
            out[t, k] = bought[t] if at_close is None else at_close
    return out


def _columns_by_period(scenario: Scenario, periods: tuple[str, ...]) -> tuple[Column, ...]:
    """Every channel's columns, one per period (and tier): what a unit bought then yields, and when
    its deals and revenue close: all channels' sales cycles at once."""
    count, channels = len(periods), scenario.channels
    bought = [_yields_by_period(scenario, c, periods) for c in channels]
    cycles = [scenario.cycle(c) for c in channels]
    longest = max(len(cycle) for cycle in cycles)
    shares = np.zeros((len(channels), longest))
    deals, revenue = np.zeros((len(channels), count)), np.zeros((len(channels), count))
    value = np.ones((len(channels), count, longest))  # a direct revenue yield: worth itself
    no_deals, no_revenue = np.zeros((len(channels), count), bool), np.zeros((len(channels), count), bool)
    for i, c in enumerate(channels):
        shares[i, :len(cycles[i])] = cycles[i]
        own_deals = [y.get("deals") for y in bought[i]]
        no_deals[i] = [d is None for d in own_deals]
        deals[i] = [d or 0.0 for d in own_deals]
        if "revenue" in (c.yields or {}):
            own_revenue = [y.get("revenue") for y in bought[i]]
            no_revenue[i] = [r is None for r in own_revenue]
            revenue[i] = [r or 0.0 for r in own_revenue]
            continue
        worth = _deal_values(c.deal_value, scenario.default_rates["deal_value"], periods, longest)
        no_revenue[i] = no_deals[i] | (worth is None)
        revenue[i] = deals[i]
        if worth is not None:
            value[i] = worth
    tables = {"deals": _closing(deals, shares, np.ones_like(value)), "revenue": _closing(revenue, shares, value)}
    missing = {"deals": no_deals.tolist(), "revenue": no_revenue.tolist()}
    out = []
    for i, c in enumerate(channels):
        unit, price_value = price_unit(c), getattr(c, c.price_field)
        for t, period in enumerate(periods):
            per_unit = dict(bought[i][t])
            closing_of, after = {}, {"deals": 0.0, "revenue": 0.0}
            for metric in CLOSING:
                if missing[metric][i][t]:
                    per_unit[metric] = None
                    continue
                table, within, beyond = tables[metric]
                per_unit[metric] = within[i][t]
                closing_of[metric] = tuple(table[i][t])
                after[metric] = beyond[i][t]
            price = value_in(price_value, period) if type(price_value) is dict else price_value
            if type(price) is not tuple:
                out.append(Column(c.name, float(price), per_unit, c.integer, unit, period=period, closing=closing_of,
                                  after=after))
                continue
            for k, tier in enumerate(price):  # a column per tier of the period's price
                out.append(Column(c.name, float(tier.cost), per_unit, c.integer, unit, tier=k, period=period,
                                  closing=closing_of, after=after))
    return tuple(out)


def _flat_columns(scenario: Scenario, c: Channel) -> list[Column]:
    """A channel's columns without periods: one, or one per tier of a tiered price."""
    price = getattr(c, c.price_field)
    per_unit, unit = scenario.yields[c.name].per_unit, price_unit(c)
    if type(price) is not tuple:
        return [Column(c.name, c.price, per_unit, c.integer, unit)]
    return [Column(c.name, float(tier.cost), per_unit, c.integer, unit, tier=k) for k, tier in enumerate(price)]


def _pipeline(scenario: Scenario, periods: tuple[str, ...]) -> dict[str, tuple[float, ...]]:
    """Deals and revenue in flight per period; deals without revenue are worth the scenario's deal value."""
    if not scenario.pipeline:
        return {}
    deals = scenario.pipeline.get("deals") or {}
    revenue = scenario.pipeline.get("revenue") or {}
    value = scenario.default_rates["deal_value"]
    return {"deals": tuple(float(deals.get(p, 0.0)) for p in periods),
            "revenue": tuple(float(revenue[p]) if p in revenue else float(deals.get(p, 0.0)) * (at(value, p) or 0.0)
                             for p in periods)}


def build_program(scenario: Scenario) -> Program:
    """The LP of a scenario: its columns, one named limit per rule the user wrote."""
    periods = tuple(scenario.periods or ())
    if periods:
        columns = _columns_by_period(scenario, periods)
    else:
        columns = tuple(column for c in scenario.channels for column in _flat_columns(scenario, c))
    columns, set_ups = _on_off_columns(scenario, columns, periods)
    columns, jumps = _jump_columns(scenario, columns, periods)
    columns, hires = _hires_columns(scenario, columns, periods)
    n = len(columns)
    position: dict[str, list[int]] = {}  # a channel's units columns
    paid: dict[str, list[int]] = {}  # its on_off columns: their price (the set-up cost) is spend too
    for j, column in enumerate(columns):
        if column.kind in ("units", "on_off"):
            (position if column.kind == "units" else paid).setdefault(column.channel, []).append(j)
    groups: dict[tuple[str, str | None], list[int]] = {}  # a tiered price's columns, by channel and period
    for j, column in enumerate(columns):
        if column.tier is not None and column.kind == "units":
            groups.setdefault((column.channel, column.period), []).append(j)
    prices = np.array([c.price if c.kind != "hires" else 0.0 for c in columns], dtype=float)  # marketing spend
    hiring = _hiring_by_period(hires, n, periods)  # {period or None: hiring cost per column}
    shell = Program(scenario.name, columns, (), scenario.objective, "min", prices, periods=periods,
                    pipeline=_pipeline(scenario, periods))
    cache: dict[tuple[str, str | None], np.ndarray] = {}
    bought_in = np.array([-1 if c.period is None else periods.index(c.period) for c in columns], dtype=int) \
        if periods else np.zeros(0, dtype=int)
    masks = {p: bought_in == k for k, p in enumerate(periods)}

    def amounts(metric: str, period: str | None = None) -> np.ndarray:
        if (metric, period) not in cache:
            cache[metric, period] = shell.amounts_in(metric, period)
        return cache[metric, period]

    def spend(period: str | None) -> np.ndarray:
        return prices if period is None else prices * masks[period]

    def named(base: str, period: str | None) -> str:
        return base if period is None else f"{base}.{period}"

    def scopes(value) -> list[tuple[str | None, float]]:
        """A limit as (period or None for the horizon, bound), for each row it sets."""
        if type(value) is not dict:  # a number: one row over the horizon
            return [(None, value)]
        total = horizon(value)
        return ([(None, total)] if total is not None else []) + list(by_period(value).items())

    limits: list[Limit] = []
    if scenario.budget is not None:
        for period, bound in scopes(scenario.budget):
            limits.append(_dense(named("budget", period), "budget", spend(period) + hiring[period], "<=", bound,
                                 period=period))
    for section, kind, sense in (("targets", "target", ">="), ("caps", "cap", "<=")):
        for metric, value in getattr(scenario, section).items():
            for period, bound in scopes(value):
                limits.append(_dense(named(f"{section}.{metric}", period), kind, amounts(metric, period), sense,
                                     bound, shell.in_flight(metric, period), period))
    # A channel of one column (no periods, no tiers, no set-up cost), the usual case: its bounds are
    # slices of these arrays, one element long (none where the price is 0 and the bound is on spend),
    # the same rows as below without numpy's work per channel and bound (about 70 ms of the build at
    # 10,000 channels).
    column_index, spend_coefs, unit_coefs, price_list = np.arange(n), prices.copy(), np.ones(n), prices.tolist()
    for c in scenario.channels:
        where = position[c.name]
        single = where[0] if (not periods and len(where) == 1 and (c.name, None) not in groups
                              and c.name not in paid) else None
        own = np.array(where, dtype=int) if single is None or c.caps else None
        for field_name, sense in CHANNEL_BOUNDS:
            value = getattr(c, field_name)
            if value is None:
                continue
            if single is not None and type(value) is not dict:
                on_spend = field_name.endswith("spend")
                end = single + 1 if not on_spend or price_list[single] != 0 else single
                limits.append(Limit(f"channels[{c.name}].{field_name}", "channel_bound", column_index[single:end],
                                    (spend_coefs if on_spend else unit_coefs)[single:end], sense, value))
                continue
            own = np.array(where, dtype=int) if own is None else own
            for period, bound in scopes(value):
                tiered = groups.get((c.name, period)) if period is not None or not periods else None
                if field_name.endswith("spend") and tiered and c.name not in paid:
                    # spend along one schedule, filled in order: exactly a bound on the units (where a
                    # free open tier makes it none, the spend row below says the same)
                    schedule = as_schedule(value_in(getattr(c, c.price_field), period))
                    units = units_for_spend(schedule, bound, most=sense == "<=")
                    if np.isfinite(units):
                        limits.append(Limit(named(f"channels[{c.name}].{field_name}", period), "channel_bound",
                                            np.array(tiered), np.ones(len(tiered)), sense, units, period=period))
                        continue
                index = np.array(position[c.name] + paid.get(c.name, []), dtype=int) \
                    if field_name.endswith("spend") else own  # spend counts the set-up cost
                per_unit = (spend(period)[index] if field_name.endswith("spend") else np.ones(len(own))
                            if period is None else masks[period][own].astype(float))
                keep = per_unit != 0
                limits.append(Limit(named(f"channels[{c.name}].{field_name}", period), "channel_bound", index[keep],
                                    per_unit[keep], sense, bound, period=period))
        for metric, value in c.caps.items():
            for period, bound in scopes(value):
                per_unit = amounts(metric, period)[own]
                keep = per_unit != 0
                limits.append(Limit(named(f"channels[{c.name}].caps.{metric}", period), "channel_cap", own[keep],
                                    per_unit[keep], "<=", bound, period=period))
        if periods and c.available is not None:
            closed = own[[columns[j].period not in c.available for j in own]]
            if len(closed):  # the periods it cannot run in: no units there
                limits.append(Limit(f"channels[{c.name}].available", "channel_bound", closed, np.ones(len(closed)),
                                    "<=", 0.0))
    for (name, period), tiered in groups.items():
        c = scenario.channels[scenario.channel_names.index(name)]
        schedule = as_schedule(value_in(getattr(c, c.price_field), period))
        base = f"channels[{name}].{c.price_path}"
        curve = c.response_curve is not None  # a curve's segments end at its points; its last point caps it
        if curve:
            from ..scenario.curves import curve_in

            ends = curve_in(c.response_curve, period).ends
        before = 0.0
        for k, tier in enumerate(schedule):
            if tier.up_to is None:
                continue
            if k == len(schedule) - 1:  # a capped last tier caps the channel's units
                limits.append(Limit(named(base if curve else f"{base}.up_to", period), "channel_bound",
                                    np.array(tiered), np.ones(len(tiered)), "<=", tier.up_to, period=period))
            else:
                limits.append(Limit(named(f"{base}.points[{ends[k]}]" if curve else f"{base}[{k}].up_to", period),
                                    "tier", np.array([tiered[k]]), np.ones(1), "<=", tier.up_to - before,
                                    period=period))
            before = tier.up_to
    limits.extend(_sales_team_rows(scenario, hires, amounts, periods))
    for k, spec in enumerate(scenario.constraints):
        where = list(periods) if spec.each_period else [spec.period]
        for period in where:
            limits.append(_constraint(f"constraints[{spec.name or k}]", spec, period, n, position, columns, prices,
                                      masks, amounts, shell, paid, hires, hiring))
    set_ups, set_up_notes = _set_up_rows(scenario, columns, set_ups, position, prices, limits, jumps)
    sense, objective = objective_coefficients(columns, scenario.objective)
    tier_groups: tuple[TierGroup, ...] = ()
    notes: tuple[str, ...] = ()
    if groups:
        columns, tier_groups, notes = _tier_order(scenario, columns, groups, limits, sense, objective, jumps)
        sense, objective = objective_coefficients(columns, scenario.objective)
    hire_notes = tuple(f"mixed-integer: whole reps on sales_team[{r.name}]" for r in scenario.sales_team if r.integer)
    notes = tuple(dict.fromkeys(notes + set_up_notes + hire_notes))
    metric = scenario.objective_metric
    constant = shell.in_flight(metric) if metric else 0.0
    return Program(scenario.name, columns, tuple(limits), scenario.objective, sense, objective,
                   integer=any(c.integer for c in columns), periods=periods, pipeline=shell.pipeline,
                   objective_constant=constant, tier_groups=tier_groups, notes=notes, set_ups=set_ups,
                   hires=hires, roles=tuple((r.name, r.metric, r.per_rep, float(r.current))
                                            for r in scenario.sales_team))


def _hires_columns(scenario: Scenario, columns: tuple[Column, ...], periods: tuple[str, ...]
                   ) -> tuple[tuple[Column, ...], tuple[Hire, ...]]:
    """``columns`` and a ``hires`` column per sales role and period (one per role without periods):
    reps hired then. Its price is what a hire costs over the horizon (``cost`` in the period it is
    hired in and every later one; without periods ``cost`` once): its part of the total cost,
    never of marketing spend."""
    out, hires = list(columns), []
    count = len(periods)
    for role in scenario.sales_team:
        for t, period in enumerate(periods or (None,)):
            if period is None:
                costs, shares = (float(role.cost),), (1.0,)
            else:
                costs = tuple(float(role.cost) if k >= t else 0.0 for k in range(count))
                shares = tuple(role.share(k - t) if k >= t else 0.0 for k in range(count))
            hires.append(Hire(role.name, period, len(out), role.metric, role.per_rep, float(role.cost), costs, shares))
            out.append(Column(role.name, float(sum(costs)), {}, role.integer, "rep", kind="hires", period=period))
    return tuple(out), tuple(hires)


def _hiring_by_period(hires: tuple[Hire, ...], n: int, periods: tuple[str, ...]) -> dict[str | None, np.ndarray]:
    """Hiring cost per column over the horizon (key None) and in each period: the rows of the budget."""
    out = {None: np.zeros(n), **{p: np.zeros(n) for p in periods}}
    for h in hires:
        out[None][h.column] = h.total_cost
        for k, p in enumerate(periods):
            out[p][h.column] = h.costs[k]
    return out


def _sales_team_rows(scenario: Scenario, hires: tuple[Hire, ...], amounts, periods: tuple[str, ...]) -> list[Limit]:
    """Each role's capacity in every period (``sales_team[sdr].capacity.Q3``: the metric in the
    period, less what the reps hired so far follow up over their ramp, at most what the reps on
    staff follow up) and its ``max_hires`` rows (over the horizon, and per period where given)."""
    out: list[Limit] = []
    for role in scenario.sales_team:
        base = f"sales_team[{role.name}]"
        own = [h for h in hires if h.role == role.name]
        index = np.array([h.column for h in own], dtype=int)
        for k, period in enumerate(periods or (None,)):
            metric = amounts(role.metric, period)
            bought = np.flatnonzero(metric)
            ramped = np.array([-role.per_rep * h.shares[k] for h in own])
            keep = ramped != 0
            out.append(Limit(base + (f".capacity.{period}" if period else ".capacity"), "sales_capacity",
                             np.concatenate([bought, index[keep]]), np.concatenate([metric[bought], ramped[keep]]),
                             "<=", role.per_rep * float(role.current), period=period))
        most = role.max_hires
        if most is None:
            continue
        total = horizon(most) if type(most) is dict else most
        if total is not None:
            out.append(Limit(f"{base}.max_hires", "max_hires", index, np.ones(len(index)), "<=", float(total)))
        if type(most) is dict:
            for period, bound in by_period(most).items():
                j = next(h.column for h in own if h.period == period)
                out.append(Limit(f"{base}.max_hires.{period}", "max_hires", np.array([j]), np.ones(1), "<=",
                                 float(bound), period=period))
    return out


def _on_off_columns(scenario: Scenario, columns: tuple[Column, ...], periods: tuple[str, ...]
                    ) -> tuple[tuple[Column, ...], list[SetUp]]:
    """``columns`` and an ``on_off`` binary per on/off choice of the channels with a set-up cost or a
    minimum buy (its price: the set-up cost paid when used), with the choices they make (their rows
    come later, :func:`_set_up_rows`). Without periods: one per channel. With periods: one per
    period where a minimum buy or a set-up cost by period applies, and one over the horizon for a
    set-up cost given as a number (paid once, whichever periods use the channel)."""
    out, choices = list(columns), []
    for c in scenario.channels:
        if not c.sets_up:
            continue
        fixed, least, spend = c.fixed_cost, c.min_units_if_used, c.min_spend_if_used
        if not periods:
            units = tuple(j for j, col in enumerate(columns) if col.channel == c.name)
            choices.append(SetUp(c.name, None, len(out), units, float(fixed or 0.0), least or None, spend or None))
            out.append(Column(c.name, float(fixed or 0.0), {}, True, "binary", kind="on_off"))
            continue
        for period in scenario.available(c):
            cost = float(at(fixed, period) or 0.0) if type(fixed) is dict else 0.0
            m, s = at(least, period) or None, at(spend, period) or None
            if cost > 0 or m or s:
                units = tuple(j for j, col in enumerate(columns) if col.channel == c.name and col.period == period)
                choices.append(SetUp(c.name, period, len(out), units, cost, m, s))
                out.append(Column(c.name, cost, {}, True, "binary", kind="on_off", period=period))
        if type(fixed) is not dict and fixed:
            units = tuple(j for j, col in enumerate(columns) if col.channel == c.name)
            choices.append(SetUp(c.name, None, len(out), units, float(fixed)))
            out.append(Column(c.name, float(fixed), {}, True, "binary", kind="on_off"))
    return tuple(out), choices


def _jump_columns(scenario: Scenario, columns: tuple[Column, ...], periods: tuple[str, ...]
                  ) -> tuple[tuple[Column, ...], dict[tuple[str, str | None, int], int]]:
    """``columns`` and an ``on_off`` binary per jump in spend of a response curve (a flat stretch
    before segment k, in each period the channel runs in), priced at the jump: like a set-up cost, it
    is spend wherever the channel's spend counts (:attr:`Program.prices`). The binary is the order
    binary opening segment k (:func:`_tier_order` ties it: segment k - 1 full, segment k open only
    with it), by (channel, period, k)."""
    from ..scenario.curves import curve_in

    out, found = list(columns), {}
    for c in scenario.channels:
        if c.response_curve is None:
            continue
        for period in (scenario.available(c) if periods else (None,)):
            for k, jump in enumerate(curve_in(c.response_curve, period).jumps):
                if jump > 0:
                    found[c.name, period, k] = len(out)
                    out.append(Column(c.name, float(jump), {}, True, "binary", kind="on_off", tier=k, period=period))
    return tuple(out), found


def _set_up_rows(scenario: Scenario, columns: tuple[Column, ...], choices: list[SetUp], position: dict,
                 prices: np.ndarray, limits: list[Limit], jumps: dict | None = None
                 ) -> tuple[tuple[SetUp, ...], tuple[str, ...]]:
    """The rows of each on/off choice (added to ``limits``), the choices with their unit bounds, and
    the notes saying the model is mixed-integer. Units open only with the binary (``units <= bound x
    on``, the bound from max_units, max_spend or the budget: a finite one is required), the binary
    at most 1, a period's use under the horizon's set-up, and each minimum buy (``units >= min x on``;
    ``spend >= min x on``, the set-up cost paid in that period counted in the spend)."""
    out, notes = [], []
    horizon_of = {s.channel: s for s in choices if s.period is None and s.cost and scenario.periods}
    for s in choices:
        c = scenario.channels[scenario.channel_names.index(s.channel)]
        base = f"channels[{s.channel}]"
        suffix = f".{s.period}" if s.period is not None else ""
        if s.cost:
            notes.append(f"mixed-integer: set-up cost on {base}")
        if s.min_units or s.min_spend:
            notes.append(f"mixed-integer: minimum buy on {base}")
        parent = horizon_of.get(s.channel) if s.period is not None else None
        if s.period is None and scenario.periods:  # the horizon's set-up: each period's units, or its binary
            opened = {o.period for o in choices if o.channel == s.channel and o.period is not None}
            scopes = [p for p in scenario.available(c) if p not in opened]
            for p in scenario.available(c):
                if p in opened:
                    child = next(o for o in choices if o.channel == s.channel and o.period == p)
                    limits.append(Limit(f"{base}.fixed_cost.{p}", "set_up", np.array([child.column, s.column]),
                                        np.array([1.0, -1.0]), "<=", 0.0, period=p))
        else:
            scopes = [s.period]
        largest, source = 0.0, None
        for p in scopes:
            schedule = as_schedule(value_in(getattr(c, c.price_field), p))
            most, where = _unit_bound(scenario, c, p, schedule)
            if not np.isfinite(most):
                field = "fixed_cost" if s.cost else "min_units_if_used" if s.min_units else "min_spend_if_used"
                what = "a set-up cost" if s.cost else "a minimum buy"
                raise ScenarioError(Issue(f"{base}.{field}", f"{what} is a mixed-integer model, which needs a finite "
                                                             "bound on the channel's units" + (f" in {p}" if p else "")
                                                             + ", and none is given; allowed: max_units or max_spend "
                                                             "on the channel (or a budget)"))
            units = [j for j in s.units if p is None or columns[j].period == p]
            # named for what it says: no units without the set-up cost (or, without one, the on/off choice)
            link = "fixed_cost" if s.cost else "used"
            limits.append(Limit(f"{base}.{link}" + (f".{p}" if p is not None else ""), "set_up",
                                np.array([*units, s.column]), np.array([1.0] * len(units) + [-most]), "<=", 0.0,
                                period=p))
            if most >= largest:
                largest, source = most, where
        if parent is None:
            limits.append(Limit(f"{base}.on_off{suffix}", "set_up", np.array([s.column]), np.ones(1), "<=", 1.0,
                                period=s.period))
        own = list(s.units)
        if s.min_units:
            limits.append(Limit(f"{base}.min_units_if_used{suffix}", "min_buy", np.array([*own, s.column]),
                                np.array([1.0] * len(own) + [-s.min_units]), ">=", 0.0, period=s.period))
        if s.min_spend:  # the spend counts the jumps in spend its curve's units pay (where it has them)
            spent = own + [j for (name, p, _), j in (jumps or {}).items() if name == s.channel
                           and (s.period is None or p == s.period)]
            limits.append(Limit(f"{base}.min_spend_if_used{suffix}", "min_buy", np.array([*spent, s.column]),
                                np.array([*prices[spent].tolist(), s.cost - s.min_spend]), ">=", 0.0,
                                period=s.period))
        out.append(replace(s, bound=largest, bounded_by=source))
    return tuple(out), tuple(dict.fromkeys(notes))


def _rewards(coefs: np.ndarray, sense: str) -> bool:
    """Whether a row (or the objective, as ``min``/``max``) with these coefficients on a channel's
    tiers, in order, can gain from units in a later tier rather than an earlier one: moving a unit
    earlier must never break a ``<=`` (coefficients rising), a ``>=`` (falling) or an ``==``."""
    step = np.diff(coefs)
    size = 1e-12 * max(1.0, float(np.abs(coefs).max(initial=0.0)))
    if sense in ("<=", "min"):
        return bool((step < -size).any())
    if sense in (">=", "max"):
        return bool((step > size).any())
    return bool((np.abs(step) > size).any())


def _unit_bound(scenario: Scenario, c: Channel, period: str | None, schedule) -> tuple[float, str | None]:
    """The most units ``c`` can buy in ``period`` (inf: nothing bounds them), from its max_units
    and max_spend, else from the budget (spend along the schedule, in order), and the path of the
    field that gives it (``budget``, ``channels[email].max_units.Q2``). The channel's own fields
    come first, so that a sweep of the budget keeps the bound valid."""
    best, source = np.inf, None
    if schedule and schedule[-1].up_to is not None:  # a capped last tier (a curve's last point) caps the units
        best = float(schedule[-1].up_to)
        source = f"channels[{c.name}].{c.price_path}" + ("" if c.response_curve is not None else ".up_to") + (
            f".{period}" if period is not None else "")
    for fields in (((f"channels[{c.name}].max_units", c.max_units, False),
                    (f"channels[{c.name}].max_spend", c.max_spend, True)),
                   (("budget", scenario.budget, True),)):
        for path, value, is_spend in fields:
            for where, number in ((path, horizon(value)),
                                  (f"{path}.{period}", at(by_period(value), period) if period is not None else None)):
                if number is not None:
                    units = units_for_spend(schedule, number, most=True) if is_spend else float(number)
                    if units < best:
                        best, source = float(units), where
        if source is not None:
            break
    return best, source


def _tier_order(scenario: Scenario, columns: tuple[Column, ...], groups: dict, limits: list[Limit], sense: str,
                objective: np.ndarray, jumps: dict | None = None
                ) -> tuple[tuple[Column, ...], tuple[TierGroup, ...], tuple[str, ...]]:
    """The tier groups, with order binaries where the LP alone could fill a later tier first (a
    falling cost, a jump in spend, or a row or objective rewarding spend): their columns, rows
    (added to ``limits``) and the notes saying so. The binary opening a segment after a jump in
    spend is the jump's own ``on_off`` column (``jumps``), so the jump is paid when it opens."""
    jumps = jumps or {}
    member = {j: key for key, tiered in groups.items() for j in tiered}
    rewarding: dict[tuple, str] = {}
    for key, tiered in groups.items():
        if _rewards(objective[tiered], sense):
            rewarding[key] = f"objective {scenario.objective}"
    for limit in limits:
        if limit.kind == "tier":  # a tier's width: filling in order stays within it by construction
            continue
        touched = {member[j] for j in limit.index.tolist() if j in member}
        coefs = dict(zip(limit.index.tolist(), limit.coefs.tolist())) if touched else {}  # once a row, not a key
        for key in touched:
            if key in rewarding:
                continue
            if _rewards(np.array([coefs.get(j, 0.0) for j in groups[key]]), limit.sense):
                rewarding[key] = limit.name
    out_columns, out_groups, notes = list(columns), [], []
    for key, tiered in groups.items():
        name, period = key
        c = scenario.channels[scenario.channel_names.index(name)]
        schedule = as_schedule(value_in(getattr(c, c.price_field), period))
        base = f"channels[{name}].{c.price_path}"
        open_period = period is None or c.available is None or period in c.available
        curve = c.response_curve is not None
        discount = "non-concave response curve" if curve else "volume discount"
        jump_at = tuple(jumps.get((name, period, k)) for k in range(len(tiered)))
        paid = tuple(columns[j].price if j is not None else 0.0 for j in jump_at)
        why = discount if falls(schedule) or any(paid) else "tier order" if key in rewarding else None
        group = TierGroup(name, c.price_path, period, tuple(tiered), tuple(t.up_to for t in schedule),
                          tuple(t.cost for t in schedule))
        if why is None or not open_period:
            if curve and open_period and all(cv.concave for cv in curves(c.response_curve)):
                notes.append(f"response curve on channels[{name}]: concave, an LP")  # not where one period's is not
            out_groups.append(group)
            continue
        widths = list(group.widths)
        bounded_by = None
        if not np.isfinite(widths[-1]):
            most, bounded_by = _unit_bound(scenario, c, period, schedule)
            if not np.isfinite(most):
                raise ScenarioError(Issue(base, f"filling the tiers in order ({why}) is a mixed-integer model, which "
                                                "needs a finite bound on the channel's units, and none is given; "
                                                "allowed: max_units, max_spend or a budget, or a cap (up_to) on "
                                                "the last tier"))
            widths[-1] = max(0.0, most - (schedule[-2].up_to or 0.0))
        binaries = []
        suffix = f".{period}" if period is not None else ""
        if jump_at[0] is not None:  # a jump before the first segment: paid when the channel buys at all
            limits.append(Limit(f"{base}[0].opens{suffix}", "tier", np.array([tiered[0], jump_at[0]]),
                                np.array([1.0, -widths[0]]), "<=", 0.0, period=period))
        for k in range(len(tiered) - 1):
            j = jump_at[k + 1]
            if j is None:
                j = len(out_columns)
                out_columns.append(Column(name, 0.0, {}, True, "binary", kind="auxiliary", tier=k, period=period))
            binaries.append(j)
            # tier k full (units >= width x binary) before tier k + 1 opens (units <= width x binary)
            limits.append(Limit(f"{base}[{k}].full{suffix}", "tier", np.array([tiered[k], j]),
                                np.array([1.0, -widths[k]]), ">=", 0.0, period=period))
            limits.append(Limit(f"{base}[{k + 1}].opens{suffix}", "tier", np.array([tiered[k + 1], j]),
                                np.array([1.0, -widths[k + 1]]), "<=", 0.0, period=period))
        out_groups.append(TierGroup(name, c.price_path, period, tuple(tiered), group.up_to, group.costs,
                                    tuple(binaries), why, bounded_by, jumps=paid if any(paid) else (),
                                    jump_columns=jump_at if any(paid) else ()))
        if why == discount:
            notes.append(f"mixed-integer: {discount} on channels[{name}]")
        else:
            notes.append(f"mixed-integer: tier order enforced on channels[{name}] ({rewarding[key]} rewards its "
                         "spend)" + (": a concave response curve, filled in order by binaries" if curve else ""))
    return tuple(out_columns), tuple(out_groups), tuple(dict.fromkeys(notes))


def _constraint(base: str, spec, period: str | None, n: int, position: dict, columns: tuple[Column, ...],
                prices: np.ndarray, masks: dict, amounts, shell: Program, paid: dict | None = None,
                hires: tuple[Hire, ...] = (), hiring: dict | None = None) -> Limit:
    """A custom constraint as a row: over the horizon (``period`` None) or within one period
    (``hiring_cost`` in a period: the hiring cost paid in it; ``hires[sdr]``: the reps hired in it)."""
    constant = float(spec.parsed.constant)
    dense = np.zeros(n) if any(ch is None for _, ch in spec.parsed.terms) else None  # totals touch every column
    sparse: dict[int, float] = {}  # terms of named channels: most constraints name a few
    inside = None if period is None else masks[period]
    for (term, channel), weight in spec.parsed.terms.items():
        if term == "total_spend":
            dense += weight * (prices if inside is None else prices * inside)
        elif term == "hiring_cost":
            dense += weight * hiring[period]
        elif term == "hires":
            for h in hires:
                if h.role == channel and (period is None or h.period == period):
                    sparse[h.column] = sparse.get(h.column, 0.0) + weight
        elif channel is None:
            dense += weight * amounts(term, period)
            constant += weight * shell.in_flight(term, period) if term in CLOSING else 0.0
        else:
            # a channel's spend counts its set-up cost (its on_off columns' price)
            for i in position[channel] + ((paid or {}).get(channel, []) if term == "spend" else []):
                bought = inside is None or inside[i]
                per_unit = ({"spend": prices[i] if bought else 0.0, "units": 1.0 if bought else 0.0}[term]
                            if term in ("spend", "units") else
                            (columns[i].per_unit.get(term) or 0.0) if period is None else amounts(term, period)[i])
                sparse[i] = sparse.get(i, 0.0) + weight * per_unit
    if dense is None:
        index = np.array([i for i in sorted(sparse) if sparse[i] != 0], dtype=int)
        coefs = np.array([sparse[i] for i in index], dtype=float)
    else:
        for i, weight in sparse.items():
            dense[i] += weight
        index = np.flatnonzero(dense)
        coefs = dense[index]
    return Limit(base if period is None else f"{base}.{period}", "constraint", index, coefs, spec.parsed.sense, 0.0,
                 constant, period)
