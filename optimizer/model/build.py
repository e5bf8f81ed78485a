"""``build_program``: a scenario's LP, one column per channel (units bought) and one named limit
per rule the user wrote (``budget``, ``targets.deals``, ``channels[email].max_spend``,
``constraints[0]``).
"""

from __future__ import annotations

import numpy as np

from ..scenario.funnel import PRICE_UNIT
from ..scenario.schema import Scenario
from .program import Column, Limit, Program


def _dense(name: str, kind: str, coefs: np.ndarray, sense: str, bound: float, constant: float = 0.0) -> Limit:
    index = np.flatnonzero(coefs)
    return Limit(name, kind, index, coefs[index], sense, float(bound), float(constant))


def objective_coefficients(columns: tuple[Column, ...], objective: str) -> tuple[str, np.ndarray]:
    prices = np.array([c.price for c in columns], dtype=float)
    if objective == "min_spend":
        return "min", prices
    metric = "revenue" if objective == "max_profit" else objective[4:]
    amounts = np.array([c.per_unit.get(metric) or 0.0 for c in columns], dtype=float)
    return "max", amounts - prices if objective == "max_profit" else amounts


def build_program(scenario: Scenario) -> Program:
    """The LP of a scenario: one column per channel, one named limit per rule the user wrote."""
    columns = tuple(
        Column(c.name, c.price, scenario.yields[c.name].per_unit, c.integer, PRICE_UNIT[c.price_field])
        for c in scenario.channels)
    n = len(columns)
    prices = np.array([c.price for c in columns], dtype=float)
    position = {c.channel: i for i, c in enumerate(columns)}

    def amounts(metric: str) -> np.ndarray:
        return np.array([c.per_unit.get(metric) or 0.0 for c in columns], dtype=float)

    limits: list[Limit] = []
    if scenario.budget is not None:
        limits.append(_dense("budget", "budget", prices, "<=", scenario.budget))
    for metric, value in scenario.targets.items():
        limits.append(_dense(f"targets.{metric}", "target", amounts(metric), ">=", value))
    for metric, value in scenario.caps.items():
        limits.append(_dense(f"caps.{metric}", "cap", amounts(metric), "<=", value))
    for c in scenario.channels:
        i, price = position[c.name], c.price
        one, none = np.array([i]), np.zeros(0, dtype=int)
        for field_name, sense, per_unit in (("min_spend", ">=", price), ("max_spend", "<=", price),
                                            ("min_units", ">=", 1.0), ("max_units", "<=", 1.0)):
            value = getattr(c, field_name)
            if value is not None:
                index, coefs = (one, np.array([per_unit])) if per_unit else (none, np.zeros(0))
                limits.append(Limit(f"channels[{c.name}].{field_name}", "channel_bound", index, coefs, sense, value))
        for metric, value in c.caps.items():
            amount = columns[i].per_unit.get(metric) or 0.0
            index, coefs = (one, np.array([amount])) if amount else (none, np.zeros(0))
            limits.append(Limit(f"channels[{c.name}].caps.{metric}", "channel_cap", index, coefs, "<=", value))
    for k, spec in enumerate(scenario.constraints):
        dense = np.zeros(n) if any(ch is None for _, ch in spec.parsed.terms) else None  # totals touch every column
        sparse: dict[int, float] = {}  # terms of named channels: most constraints name a few
        for (term, channel), weight in spec.parsed.terms.items():
            if term == "total_spend":
                dense += weight * prices
            elif channel is None:
                dense += weight * amounts(term)
            else:
                i = position[channel]
                per_unit = {"spend": prices[i], "units": 1.0}.get(term, columns[i].per_unit.get(term) or 0.0)
                sparse[i] = sparse.get(i, 0.0) + weight * per_unit
        if dense is None:
            dense = np.zeros(0)
            index = np.array([i for i in sorted(sparse) if sparse[i] != 0], dtype=int)
            coefs = np.array([sparse[i] for i in index], dtype=float)
        else:
            for i, weight in sparse.items():
                dense[i] += weight
            index = np.flatnonzero(dense)
            coefs = dense[index]
        limits.append(Limit(f"constraints[{spec.name or k}]", "constraint", index, coefs, spec.parsed.sense, 0.0,
                            float(spec.parsed.constant)))
    sense, objective = objective_coefficients(columns, scenario.objective)
    return Program(scenario.name, columns, tuple(limits), scenario.objective, sense, objective,
                   integer=any(c.integer for c in columns))
