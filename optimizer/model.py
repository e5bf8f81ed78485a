"""The linear program a scenario defines, stated once.

``build_program`` turns a scenario into a :class:`Program`: one column per channel (units bought)
and a list of named :class:`Limit` rows in the scenario's own words (``budget``,
``targets.deals``, ``channels[email].max_spend``, ``constraints[0]``). ``to_pulp`` states that
program in PuLP; it is the only place a model is written. Verification and diagnosis read the
same :class:`Program`, without a solver.

The column list is the seam for later work: several columns per channel (tiered prices) or per
period only add columns whose ``channel`` repeats; limits already address columns by index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from .funnel import PRICE_UNIT
from .scenario import Scenario

KINDS = ("budget", "target", "cap", "channel_bound", "channel_cap", "constraint")


@dataclass(frozen=True)
class Column:
    """A decision variable: units of one channel, its price per unit and yield per unit."""

    channel: str
    price: float
    per_unit: dict[str, float | None]
    integer: bool = False
    unit: str = "unit"


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

    @property
    def prices(self) -> np.ndarray:
        return np.array([c.price for c in self.columns], dtype=float)

    def amounts(self, metric: str) -> np.ndarray:
        """Per-unit yield of ``metric`` for every column (0 where the metric is missing)."""
        return np.array([c.per_unit.get(metric) or 0.0 for c in self.columns], dtype=float)

    def objective_value(self, units: np.ndarray) -> float:
        return float(self.objective_coefs @ units)

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
        values = self.values(units)
        senses = self._senses
        excess = np.where(senses == "<=", values - bounds, np.where(senses == ">=", bounds - values,
                                                                    np.abs(values - bounds)))
        terms = np.zeros(len(self.limits))
        np.maximum.at(terms, rows, np.abs(coefs * units[columns]))
        scale = np.maximum.reduce([np.ones(len(bounds)), np.abs(bounds), np.abs(constants), terms * 1e-3])
        return np.maximum(0.0, excess) / scale

    def binding(self, units: np.ndarray, tolerance: float) -> np.ndarray:
        """Which limits bind at ``units``: every ``==``, and each limit with terms whose room left
        is within ``tolerance`` relative to max(1, |limit|) (a limit overshot counts as binding)."""
        rows, _, _, bounds, _ = self._stacked
        senses = self._senses
        values = self.values(units)
        room = np.where(senses == "<=", bounds - values, values - bounds)
        has_terms = np.bincount(rows, minlength=len(bounds)) > 0
        return has_terms & ((senses == "==") | (room <= tolerance * np.maximum(1.0, np.abs(bounds))))

    def with_limits(self, limits: tuple[Limit, ...] | list[Limit], objective: str | None = None,
                    sense: str | None = None, objective_coefs: np.ndarray | None = None) -> Program:
        """A variant of this program (for diagnosis and analysis): other limits or objective."""
        return replace(self, limits=tuple(limits), objective=objective or self.objective, sense=sense or self.sense,
                       objective_coefs=self.objective_coefs if objective_coefs is None else objective_coefs)

    @property
    def terms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every limit's terms as flat arrays: the limit of each term, its column, its coefficient."""
        rows, columns, coefs, _, _ = self._stacked
        return rows, columns, coefs

    @cached_property
    def _senses(self) -> np.ndarray:
        return np.array([limit.sense for limit in self.limits])

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

    def relaxed(self) -> Program:
        """The same program with every column continuous."""
        return replace(self, columns=tuple(replace(c, integer=False) for c in self.columns), integer=False)


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


# -- the one statement of the model in PuLP ---------------------------------------------------------
_NOT_LP = re.compile(r"[^0-9A-Za-z._]")


def _lp_name(text: str) -> str:
    return _NOT_LP.sub("_", text).strip("_")


def to_pulp(program: Program, unit_bound: float | None = None):
    """The program as a ``pulp.LpProblem``; returns (problem, variables, rows), rows by limit index.

    Limits with no coefficient (a cap on a metric the channel never yields) are not rows: the
    solver cannot act on them, and verification still checks them.
    """
    import pulp

    sense = pulp.LpMinimize if program.sense == "min" else pulp.LpMaximize
    problem = pulp.LpProblem(_lp_name(program.name) or "campaign", sense)
    variables = [
        problem.add_variable(f"units_{c.channel}" if i == 0 or c.channel != program.columns[i - 1].channel
                             else f"units_{c.channel}_{i}", lowBound=0, upBound=unit_bound,
                             cat=pulp.LpInteger if c.integer else pulp.LpContinuous)
        for i, c in enumerate(program.columns)
    ]
    problem.setObjective(pulp.LpAffineExpression(
        [(variables[i], float(v)) for i, v in enumerate(program.objective_coefs) if v != 0]))
    senses = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}
    rows: dict[int, str] = {}
    used: set[str] = set()
    for k, limit in enumerate(program.limits):
        if not len(limit.index):
            continue
        name = _lp_name(limit.name)
        if name in used:
            name = f"{name}_{k}"
        used.add(name)
        expression = pulp.LpAffineExpression([(variables[i], float(a)) for i, a in zip(limit.index, limit.coefs)])
        problem.addConstraint(pulp.LpConstraint(expression, senses[limit.sense], name=name,
                                                rhs=limit.bound - limit.constant))
        rows[k] = name
    return problem, variables, rows
