"""``build_program``: a scenario's LP, columns of units bought and one named limit per rule the user
wrote (``budget``, ``targets.deals``, ``channels[email].max_spend``, ``constraints[0]``).

Without periods a channel is one column. With periods it is one column per period (units bought
in it), whose deals and revenue close over the sales cycle; a limit given by period is one row per
period it names (``caps.qualified_leads.Q3``), a limit given as a number one row over the horizon.
"""

from __future__ import annotations

import numpy as np

from ..scenario.funnel import PRICE_UNIT
from ..scenario.periods import at, by_period, horizon, value_in
from ..scenario.schema import Channel, Scenario
from .program import Column, Limit, Program

CLOSING = ("deals", "revenue")  # the metrics that close over the sales cycle; every other falls when bought


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


def _period_columns(scenario: Scenario, c: Channel, periods: tuple[str, ...]) -> list[Column]:
    """A channel's columns, one per period: what a unit bought then yields, and when its deals close."""
    unit, cycle = PRICE_UNIT[c.price_field], scenario.cycle(c)
    direct_revenue = "revenue" in (c.yields or {})
    own_value, default_value = c.deal_value, scenario.default_rates["deal_value"]
    out = []
    for t, period in enumerate(periods):
        per_unit = dict(scenario.yields_in(c, period).per_unit)
        deals, revenue = per_unit.get("deals"), per_unit.get("revenue")
        closing = {"deals": [0.0] * len(periods), "revenue": [0.0] * len(periods)}
        after = {"deals": 0.0, "revenue": 0.0}
        for k, share in enumerate(cycle):
            close = t + k
            name = periods[close] if close < len(periods) else None
            # a deal is worth the deal value of the period it closes in (the channel's own where it names it)
            value = at(own_value, name) if own_value is not None else at(default_value, name)
            if value is None:
                value = value_in(own_value if own_value is not None else default_value, period)
            amounts = {"deals": None if deals is None else deals * share,
                       "revenue": (None if revenue is None else revenue * share) if direct_revenue
                       else None if deals is None or value is None else deals * share * value}
            for metric, amount in amounts.items():
                if amount is None:
                    closing[metric] = None
                elif closing[metric] is not None:
                    if name is None:
                        after[metric] += amount
                    else:
                        closing[metric][close] += amount
        for metric in CLOSING:
            per_unit[metric] = None if closing[metric] is None else float(sum(closing[metric]))
        out.append(Column(c.name, float(value_in(getattr(c, c.price_field), period)), per_unit, c.integer, unit,
                          period=period, closing={m: tuple(v) for m, v in closing.items() if v is not None},
                          after=after))
    return out


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
        columns = tuple(column for c in scenario.channels for column in _period_columns(scenario, c, periods))
    else:
        columns = tuple(
            Column(c.name, c.price, scenario.yields[c.name].per_unit, c.integer, PRICE_UNIT[c.price_field])
            for c in scenario.channels)
    n = len(columns)
    prices = np.array([c.price for c in columns], dtype=float)
    shell = Program(scenario.name, columns, (), scenario.objective, "min", prices, periods=periods,
                    pipeline=_pipeline(scenario, periods))
    cache: dict[tuple[str, str | None], np.ndarray] = {}
    masks = {p: shell.in_period(p) for p in periods}

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
        total = horizon(value)
        return ([(None, total)] if total is not None else []) + list(by_period(value).items())

    limits: list[Limit] = []
    if scenario.budget is not None:
        for period, bound in scopes(scenario.budget):
            limits.append(_dense(named("budget", period), "budget", spend(period), "<=", bound, period=period))
    for section, kind, sense in (("targets", "target", ">="), ("caps", "cap", "<=")):
        for metric, value in getattr(scenario, section).items():
            for period, bound in scopes(value):
                limits.append(_dense(named(f"{section}.{metric}", period), kind, amounts(metric, period), sense,
                                     bound, shell.in_flight(metric, period), period))
    first_column = 0
    for c in scenario.channels:
        count = len(periods) or 1
        own = np.arange(first_column, first_column + count)
        first_column += count
        for field_name, sense in (("min_spend", ">="), ("max_spend", "<="), ("min_units", ">="),
                                  ("max_units", "<=")):
            value = getattr(c, field_name)
            if value is None:
                continue
            for period, bound in scopes(value):
                per_unit = (spend(period)[own] if field_name.endswith("spend") else np.ones(len(own))
                            if period is None else masks[period][own].astype(float))
                keep = per_unit != 0
                limits.append(Limit(named(f"channels[{c.name}].{field_name}", period), "channel_bound", own[keep],
                                    per_unit[keep], sense, bound, period=period))
        for metric, value in c.caps.items():
            for period, bound in scopes(value):
                per_unit = amounts(metric, period)[own]
                keep = per_unit != 0
                limits.append(Limit(named(f"channels[{c.name}].caps.{metric}", period), "channel_cap", own[keep],
                                    per_unit[keep], "<=", bound, period=period))
        if periods and c.available is not None:
            closed = own[[p not in c.available for p in periods]]
            if len(closed):  # the periods it cannot run in: no units there
                limits.append(Limit(f"channels[{c.name}].available", "channel_bound", closed, np.ones(len(closed)),
                                    "<=", 0.0))
    position: dict[str, np.ndarray] = {}
    for j, column in enumerate(columns):
        position.setdefault(column.channel, []).append(j)
    for k, spec in enumerate(scenario.constraints):
        where = list(periods) if spec.each_period else [spec.period]
        for period in where:
            limits.append(_constraint(f"constraints[{spec.name or k}]", spec, period, n, position, columns, prices,
                                      masks, amounts, shell))
    sense, objective = objective_coefficients(columns, scenario.objective)
    metric = scenario.objective_metric
    constant = shell.in_flight(metric) if metric else 0.0
    return Program(scenario.name, columns, tuple(limits), scenario.objective, sense, objective,
                   integer=any(c.integer for c in columns), periods=periods, pipeline=shell.pipeline,
                   objective_constant=constant)


def _constraint(base: str, spec, period: str | None, n: int, position: dict, columns: tuple[Column, ...],
                prices: np.ndarray, masks: dict, amounts, shell: Program) -> Limit:
    """A custom constraint as a row: over the horizon (``period`` None) or within one period."""
    constant = float(spec.parsed.constant)
    dense = np.zeros(n) if any(ch is None for _, ch in spec.parsed.terms) else None  # totals touch every column
    sparse: dict[int, float] = {}  # terms of named channels: most constraints name a few
    inside = None if period is None else masks[period]
    for (term, channel), weight in spec.parsed.terms.items():
        if term == "total_spend":
            dense += weight * (prices if inside is None else prices * inside)
        elif channel is None:
            dense += weight * amounts(term, period)
            constant += weight * shell.in_flight(term, period) if term in CLOSING else 0.0
        else:
            for i in position[channel]:
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
