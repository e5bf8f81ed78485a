"""Check a proposed plan: what it buys, which limits it breaks, and what it costs beyond the optimum.

A proposal gives, per channel, its ``spend``, its ``units`` or its ``share`` of the scenario's
budget; unlisted channels get nothing. :func:`check` measures it against every limit of the
scenario's model (the same named limits as ``optimize``), and compares it with the optimum:

- ``min_spend``: the optimum is the cheapest plan meeting the same limits; ``excess_cost`` is
  the proposal's spend minus the optimum's.
- ``max_`` objectives: the optimum is the best plan with the proposal's own spend as the budget;
  ``forgone`` is the optimum's objective minus the proposal's.
- always: the cheapest plan buying at least as much as the proposal of every target metric
  (of deals, when there are no targets), under every other limit except the budget.

>>> from optimizer import Scenario
>>> s = Scenario(channels=[{"name": "a", "cost_per_lead": 10}, {"name": "b", "cost_per_lead": 20}],
...              targets={"leads": 100}, budget=1500)
>>> result = check(s, {"b": {"spend": 1600}})
>>> result.feasible, [v.name for v in result.violations], result.excess_cost
(False, ['budget', 'targets.leads'], 600.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import Issue, ScenarioError, SolverError
from ..model.build import build_program
from ..model.program import Limit, Program
from ..model.solve import solve
from ..model.verify import TOLERANCE, verify
from ..scenario.funnel import STAGE_LABEL
from ..scenario.periods import not_by_period_yet
from ..scenario.rules import NON_NEGATIVE, SHARE, NumberRule
from ..scenario.schema import Scenario, did_you_mean
from .diagnosis import Diagnosis, diagnose
from .plan import ChannelPlan, finite, what_units_buy
from .provenance import Provenance, provenance

KINDS = ("spend", "units", "share")
_RULES: dict[str, NumberRule] = {"spend": NON_NEGATIVE, "units": NON_NEGATIVE, "share": SHARE}


@dataclass(frozen=True)
class Entry:
    """One line of a proposal as the user wrote it: a channel, how it is given, the value, and where."""

    channel: Any
    kind: str
    value: Any
    where: Issue  # an issue template pointing at the cell or field (its message is replaced)


@dataclass(frozen=True)
class Violation:
    """A limit the proposal breaks: its value at the proposal, the limit, and by how much (in ``unit``)."""

    name: str
    value: float
    limit: float
    by: float
    unit: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "limit": self.limit, "by": self.by}


@dataclass(frozen=True)
class Optimum:
    """The optimum the proposal is compared with; ``status`` is the solve's (``unverified``: a plan
    was found but not proven optimal, so no value is given and nothing is compared). Without one
    (``infeasible``, ``unbounded``), ``diagnosis`` says why, as ``optimize``'s does (JSON: only then)."""

    objective: str
    objective_value: float | None
    total_spend: float | None
    spend: dict[str, float] = field(default_factory=dict)
    status: str = "optimal"
    diagnosis: Diagnosis | None = None

    def to_dict(self) -> dict:
        out = {"objective": self.objective, "objective_value": finite(self.objective_value),
               "total_spend": finite(self.total_spend), "status": self.status}
        if self.diagnosis is not None:  # as in optimize's JSON: only when there is no plan
            out["diagnosis"] = self.diagnosis.to_dict()
        return out


@dataclass(frozen=True)
class Equivalent:
    """The cheapest plan buying at least what the proposal buys of ``metrics`` (budget aside)."""

    metrics: dict[str, float]
    total_spend: float
    spend: dict[str, float]

    def to_dict(self) -> dict:
        return {"total_spend": self.total_spend, "spend": dict(self.spend)}


@dataclass(frozen=True)
class CheckResult:
    """The answer of :func:`check`; ``to_dict()`` is the JSON of ``campaign-optimizer check``."""

    scenario: Scenario = field(repr=False)
    objective_value: float  # the proposal's own value of the scenario's objective
    total_spend: float
    channels: tuple[ChannelPlan, ...]
    totals: dict[str, float | None]
    violations: tuple[Violation, ...]
    optimum: Optimum
    excess_cost: float | None
    forgone: float | None
    cheapest_equivalent: Equivalent | None
    provenance: Provenance

    @property
    def feasible(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "feasible": self.feasible,
            "total_spend": self.total_spend,
            "totals": {k: finite(v) for k, v in self.totals.items()},
            "channels": [{"name": c.name, "units": c.units, "spend": c.spend,
                          "metrics": {k: finite(v) for k, v in c.metrics.items()}} for c in self.channels],
            "violations": [v.to_dict() for v in self.violations],
            "optimum": self.optimum.to_dict(),
            "excess_cost": finite(self.excess_cost),
            "forgone": finite(self.forgone),
            "cheapest_equivalent": self.cheapest_equivalent.to_dict() if self.cheapest_equivalent else None,
            "provenance": self.provenance.to_dict(),
        }


# -- reading a proposal ----------------------------------------------------------------------------
def read_proposal(path: str | Path) -> list[Entry]:
    """The entries of a proposal file: CSV or XLSX (a row per channel), YAML or JSON (a mapping)."""
    from ..scenario.loading import read_document
    from ..scenario.sheets import read_table

    source = str(path)
    if Path(path).suffix.lower() in (".csv", ".xlsx"):
        table = read_table(path, source=source)
        issues = []
        if "channel" not in table.columns:
            issues.append(table.error(table.header_row, None, "no channel column; allowed: a header with channel "
                                                               "and one or more of spend, units, share"))
        for column in table.columns:
            if column not in ("channel", *KINDS):
                issues.append(table.error(table.header_row, column, f"unknown column"
                                          f"{did_you_mean(column, ['channel', *KINDS])}; allowed: channel, spend, "
                                          "units, share"))
        if issues:
            raise ScenarioError(issues, source=source)
        entries = []
        for row in table.rows:
            given = [k for k in KINDS if k in row.cells]
            if "channel" not in row.cells or len(given) != 1:
                wrong = ("the channel is empty" if "channel" not in row.cells
                         else f"no spend, units or share is given for {row.cells['channel']}" if not given
                         else f"{_both(given)} given for {row.cells['channel']}")
                raise ScenarioError(table.error(row.number, None, f"{wrong}; allowed: a channel and one of spend, "
                                                                  "units or share"), source=source)
            kind = given[0]
            entries.append(Entry(row.cells["channel"], kind, row.cells[kind], table.error(row.number, kind, "")))
        return entries
    data = read_document(path)
    if not isinstance(data, dict):
        raise ScenarioError(Issue("", "the document is not a mapping; allowed: {channel: {spend: N}}, "
                                      "{channel: {units: N}}, {channel: {share: F}} or {channel: N}"), source=source)
    try:
        return entries_from_mapping(data)
    except ScenarioError as exc:
        raise ScenarioError(exc.issues, source=source) from None


def _both(given: list[str]) -> str:
    """``spend and units are both`` / ``spend, units and share are all``."""
    return (f"{given[0]} and {given[1]} are both" if len(given) == 2
            else f"{', '.join(given[:-1])} and {given[-1]} are all")


def entries_from_mapping(data: Mapping) -> list[Entry]:
    """Entries of ``{channel: N}`` (spend) or ``{channel: {spend|units|share: value}}``."""
    entries = []
    for channel, value in data.items():
        if isinstance(value, Mapping):
            if len(value) != 1 or next(iter(value)) not in KINDS:
                given = [str(k) for k in value]
                wrong = ("nothing is given" if not given else f"{given[0]} is given" if len(given) == 1
                         else f"{_both(given)} given")
                raise ScenarioError(Issue(str(channel), f"{wrong}; allowed: exactly one of spend, units, share"))
            kind, amount = next(iter(value.items()))
            entries.append(Entry(channel, kind, amount, Issue(f"{channel}.{kind}", "")))
        else:
            entries.append(Entry(channel, "spend", value, Issue(str(channel), "")))
    return entries


def proposal_units(scenario: Scenario, entries: list[Entry], source: str | None = None) -> np.ndarray:
    """Units per channel (in the scenario's order) from the entries; unlisted channels are 0."""
    from pydantic_core import PydanticCustomError

    names = list(scenario.channel_names)
    units = np.zeros(len(names))
    seen: dict[str, Issue] = {}
    issues: list[Issue] = []

    def problem(entry: Entry, message: str, at_channel: bool = False) -> None:
        where = entry.where
        if at_channel:
            row = where.path.rsplit(", ", 1)[0]
            where = replace(where, path=f"{row}, channel" if where.file else str(entry.channel))
        issues.append(replace(where, message=message))

    for entry in entries:
        name = entry.channel if isinstance(entry.channel, str) else str(entry.channel)
        if name not in names:
            problem(entry, f"{name!r} is not a channel of the scenario{did_you_mean(name, names)}; "
                           f"allowed: {', '.join(names)}", at_channel=True)
            continue
        if name in seen:
            problem(entry, f"{name} is listed twice; allowed: one line per channel", at_channel=True)
            continue
        seen[name] = entry.where
        if entry.value is None:  # `paid_search: null`, or {"email": None} in code: not "nothing", a mistake
            problem(entry, f"the value is empty; allowed: {_RULES[entry.kind].allowed}, or leave {name} out "
                           "(it then gets nothing)")
            continue
        try:
            amount = _RULES[entry.kind](entry.value)
        except PydanticCustomError as exc:
            problem(entry, exc.message())
            continue
        channel = scenario.channels[names.index(name)]
        if entry.kind == "units":
            units[names.index(name)] = amount
            continue
        if entry.kind == "share":
            if scenario.budget is None:
                problem(entry, "a share of the budget needs the scenario's budget, and none is given; "
                               "allowed: spend or units, or a budget (--set budget=N)")
                continue
            # in decimal: 28% of 5,000 is 1,400, not 1400.0000000000002
            amount = float(Decimal(repr(amount)) * Decimal(repr(scenario.budget)))
        if channel.price == 0:
            if amount:
                problem(entry, f"{name} is free ({channel.price_field} 0): spend buys no units; allowed: units")
            continue
        units[names.index(name)] = amount / channel.price
    if issues:
        raise ScenarioError(issues, source=source)
    return units


def column_units(program: Program, channels: tuple[str, ...], units: np.ndarray) -> np.ndarray:
    """Units per column from units per channel (``channels`` order): each channel's units on its
    one units column (a proposal names a channel's total; channels with tiers or periods will
    need to say how it splits)."""
    out = np.zeros(len(program.columns))
    for name, amount in zip(channels, units):
        out[program.columns_of(name)[0]] = amount
    return out


# -- checking --------------------------------------------------------------------------------------
def limit_unit(scenario: Scenario, program: Program, name: str) -> str:
    """The unit a limit is measured in, for people: the currency, a metric, a channel's units."""
    if name == "budget" or name.endswith(("_spend", "_spend]")):
        return scenario.currency
    if name.startswith("constraints["):
        return ""  # left side minus right side, in whatever the terms measure
    metric = name.rsplit(".", 1)[-1]
    if metric == "revenue":
        return scenario.currency
    if name.endswith(("_units", ".integer")):
        channel = name[name.index("[") + 1:name.index("]")]
        unit = program.columns[program.columns_of(channel)[0]].unit
        return "units" if unit == "unit" else unit + "s"
    return STAGE_LABEL.get(metric, metric)


def violations(scenario: Scenario, program: Program, units: np.ndarray) -> tuple[Violation, ...]:
    """Every limit the units break by more than the verification tolerance (relative), in the limits' order."""
    out = []
    for limit in program.limits:
        if limit.violation(units) > TOLERANCE:
            value = limit.value(units)
            out.append(Violation(limit.name, value, limit.bound, limit.excess(value),
                                 limit_unit(scenario, program, limit.name)))
    whole = np.array([column.integer for column in program.columns], dtype=bool)
    off = np.abs(units - np.round(units))
    for j in np.flatnonzero(whole & (off > TOLERANCE * np.maximum(1.0, np.abs(units)))):
        name = f"channels[{program.columns[j].channel}].integer"
        out.append(Violation(name, float(units[j]), float(round(units[j])), float(off[j]),
                             limit_unit(scenario, program, name)))
    return tuple(out)


def _best(program: Program, solver: str) -> tuple[str, np.ndarray | None]:
    """The status of ``program``'s solve and its optimal units, verified (None unless proven optimal)."""
    solution = solve(program, solver)
    if solution.status != "optimal" or solution.units is None:
        return solution.status, None
    result = verify(program, solution.units)
    if not result.passed:
        raise SolverError(f"the {solver} solver's plan breaks {result.worst} by {result.max_violation:.3g} "
                          "(relative); it is not reported")
    return solution.status, solution.units


def _with_budget(program: Program, budget: float) -> Program:
    limits = [lim for lim in program.limits if lim.kind != "budget"]
    index = np.flatnonzero(program.prices)
    return program.with_limits([Limit("budget", "budget", index, program.prices[index], "<=", budget), *limits])


def check(scenario: Scenario, proposal: str | Path | Mapping | list[Entry], solver: str = "highs") -> CheckResult:
    """Check a proposed allocation against ``scenario`` and compare it with the optimum.

    ``proposal`` is a file (CSV, XLSX, YAML, JSON) or a mapping such as
    ``{"paid_search": {"share": "40%"}, "webinars": {"units": 25}, "events": 60000}``.
    """
    not_by_period_yet(scenario, "check")
    source = None
    if isinstance(proposal, (str, Path)):
        source, entries = str(proposal), read_proposal(proposal)
    elif isinstance(proposal, Mapping):
        entries = entries_from_mapping(proposal)
    elif isinstance(proposal, (list, tuple)) and all(isinstance(e, Entry) for e in proposal):
        entries = list(proposal)
    else:
        kind = type(proposal).__name__
        raise ScenarioError(Issue("proposal", f"a value of type {kind} is not a proposal; allowed: a file (CSV, "
                                              "XLSX, YAML, JSON), a mapping such as {\"email\": {\"spend\": 5000}}, "
                                              "or a list of entries"))
    program = build_program(scenario)
    units = column_units(program, scenario.channel_names, proposal_units(scenario, entries, source))
    total_spend, channels, totals = what_units_buy(scenario, program, units)
    own = program.objective_value(units)
    prices = program.prices

    # the best use of the same money, under a max_ objective
    compared = program if program.sense == "min" else _with_budget(program, total_spend)
    status, best = _best(compared, solver)
    optimum_value = None if best is None else program.objective_value(best)
    why = diagnose(compared, str(status), solver) if status in ("infeasible", "unbounded") else None
    optimum = Optimum(scenario.objective, optimum_value, None if best is None else float(prices @ best),
                      {} if best is None else _spend(program, best), str(status), why)
    excess = forgone = None
    if optimum_value is not None:
        if program.sense == "min":
            excess = total_spend - optimum.total_spend
        else:
            forgone = optimum_value - own

    return CheckResult(scenario, own, total_spend, channels, totals, violations(scenario, program, units), optimum,
                       excess, forgone, cheapest_equivalent(scenario, program, totals, solver),
                       provenance(scenario, solver))


def cheapest_equivalent(scenario: Scenario, program: Program, totals: dict[str, float | None],
                        solver: str = "highs") -> Equivalent | None:
    """The cheapest plan buying at least ``totals`` of every target metric (deals without targets), budget aside."""
    metrics = list(scenario.targets) or ["deals"]
    amounts = {m: totals.get(m) for m in metrics}
    if any(v is None or not math.isfinite(v) for v in amounts.values()):
        return None
    limits = [lim for lim in program.limits if lim.kind not in ("budget", "target")]
    for metric, amount in amounts.items():
        coefs = program.amounts(metric)
        index = np.flatnonzero(coefs)
        limits.append(Limit(f"targets.{metric}", "target", index, coefs[index], ">=", float(amount)))
    variant = program.with_limits(limits, objective="min_spend", sense="min", objective_coefs=program.prices)
    _, best = _best(variant, solver)
    if best is None:
        return None
    return Equivalent({m: float(v) for m, v in amounts.items()}, float(program.prices @ best), _spend(program, best))


def _spend(program: Program, units: np.ndarray) -> dict[str, float]:
    """Spend per channel, read through the column table."""
    return {name: float(v) for name, v in zip(program.channels, program.channel_spend(units))}

