"""Check a proposed plan: what it buys, which limits it breaks, and what it costs beyond the optimum.

A proposal gives, per channel, its ``spend``, its ``units`` or its ``share`` of the scenario's
budget; unlisted channels get nothing. For a scenario with periods it gives them per channel and
period (``{channel: {PERIOD: {spend: N}}}``, a ``period`` column in a sheet); a ``share`` is of
the horizon's budget, or of the period's where only per-period budgets are given. :func:`check`
measures it against every limit of the scenario's model (the same named limits as ``optimize``),
and compares it with the optimum (over the horizon, where there are periods):

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
from ..scenario.periods import by_period, horizon, nearest_period
from ..scenario.rules import NON_NEGATIVE, SHARE, NumberRule, show
from ..scenario.schema import Scenario, did_you_mean
from ..scenario.tiers import Tier, units_for_spend
from .diagnosis import Diagnosis, diagnose
from .plan import ChannelPlan, PeriodPlan, RolePlan, as_given, finite, period_plans, role_plans, what_units_buy
from .provenance import Provenance, provenance

KINDS = ("spend", "units", "share")
_RULES: dict[str, NumberRule] = {"spend": NON_NEGATIVE, "units": NON_NEGATIVE, "share": SHARE,
                                 "hires": NumberRule("a number of hires", low=0, optional=False)}
HIRES = ("hires", "units")  # a sheet's row of a role gives its hires in one of these columns


@dataclass(frozen=True)
class Entry:
    """One line of a proposal as the user wrote it: a channel, how it is given, the value, where,
    and (for a scenario with periods) the period it is for."""

    channel: Any
    kind: str
    value: Any
    where: Issue  # an issue template pointing at the cell or field (its message is replaced)
    period: Any = None
    role: bool = False  # a line of hires: ``channel`` names a sales role, ``kind`` is ``hires``


@dataclass(frozen=True)
class Violation:
    """A limit the proposal breaks: its value at the proposal, the limit, and by how much (in ``unit``);
    ``period``: the period it holds in (None: the horizon, or a scenario without periods)."""

    name: str
    value: float
    limit: float
    by: float
    unit: str = ""
    period: str | None = None

    @property
    def base(self) -> str:
        """The limit's name without its period: ``caps.qualified_leads`` for ``caps.qualified_leads.Q3``."""
        suffix = f".{self.period}"
        return self.name[:-len(suffix)] if self.period and self.name.endswith(suffix) else self.name

    def to_dict(self, periods: bool = False) -> dict:
        """The violation's JSON; ``periods`` (a scenario with periods): with its ``period`` (null: the horizon)."""
        out = {"name": self.name, "value": self.value, "limit": self.limit, "by": self.by}
        if periods:
            out["period"] = self.period
        return out


@dataclass(frozen=True)
class Optimum:
    """The optimum the proposal is compared with; ``status`` is the solve's (``unverified``: a plan
    was found but not proven optimal, so no value is given and nothing is compared). Without one
    (``infeasible``, ``unbounded``), ``diagnosis`` says why, as ``optimize``'s does (JSON: only then).
    With periods, ``periods`` holds its spend per period (``{name, total_spend, spend}``; None
    without an optimum); without periods it is ``()`` and not in the JSON."""

    objective: str
    objective_value: float | None
    total_spend: float | None
    spend: dict[str, float] = field(default_factory=dict)
    status: str = "optimal"
    diagnosis: Diagnosis | None = None
    periods: tuple[dict, ...] | None = ()
    hiring_cost: float | None = None  # a scenario with sales roles: the optimum's hiring cost (None: no optimum)
    hires: dict[str, dict[str, float]] | None = None  # and its hires, by role and period (``total`` without)

    @property
    def total_cost(self) -> float | None:
        """Marketing spend plus hiring (the spend without a sales team)."""
        return None if self.total_spend is None else self.total_spend + (self.hiring_cost or 0.0)

    def to_dict(self) -> dict:
        out = {"objective": self.objective, "objective_value": finite(self.objective_value),
               "total_spend": finite(self.total_spend), "status": self.status}
        if self.hires is not None or self.hiring_cost is not None:
            out["hiring_cost"], out["total_cost"] = finite(self.hiring_cost), finite(self.total_cost)
            out["hires"] = None if self.hires is None else {k: dict(v) for k, v in self.hires.items()}
        if self.periods != ():
            out["periods"] = None if self.periods is None else [dict(p, spend=dict(p["spend"]))
                                                                for p in self.periods]
        if self.diagnosis is not None:  # as in optimize's JSON: only when there is no plan
            out["diagnosis"] = self.diagnosis.to_dict()
        return out


@dataclass(frozen=True)
class Equivalent:
    """The cheapest plan buying at least what the proposal buys of ``metrics`` (budget aside)."""

    metrics: dict[str, float]
    total_spend: float
    spend: dict[str, float]
    hiring_cost: float | None = None  # a scenario with sales roles: its hiring cost (then it minimises the total)
    hires: dict[str, dict[str, float]] | None = None

    @property
    def total_cost(self) -> float:
        return self.total_spend + (self.hiring_cost or 0.0)

    def to_dict(self) -> dict:
        out = {"total_spend": self.total_spend, "spend": dict(self.spend)}
        if self.hires is not None:
            out.update(hiring_cost=self.hiring_cost, total_cost=self.total_cost,
                       hires={k: dict(v) for k, v in self.hires.items()})
        return out


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
    periods: tuple[PeriodPlan, ...] = ()  # with periods: what the proposal spends and buys in each
    after_horizon: dict[str, Any] = field(default_factory=dict)  # with periods: what closes after the last
    sales_team: tuple[RolePlan, ...] = ()  # a scenario with sales roles: the proposal's hires and capacity

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def hiring_cost(self) -> float:
        """What the proposal's hires cost over the horizon (0 without a sales team)."""
        return float(sum(r.hiring_cost for r in self.sales_team)) + 0.0

    @property
    def total_cost(self) -> float:
        """Marketing spend plus hiring: what the budget limits and ``excess_cost`` compares."""
        return self.total_spend + self.hiring_cost

    def to_dict(self) -> dict[str, Any]:
        by_period = bool(self.scenario.periods)
        return {
            "scenario": self.scenario.name,
            "feasible": self.feasible,
            "total_spend": self.total_spend,
            "totals": {k: finite(v) for k, v in self.totals.items()},
            "channels": [{"name": c.name, "units": c.units, "spend": c.spend,
                          "metrics": {k: finite(v) for k, v in c.metrics.items()},
                          **({"fixed_cost": c.fixed_cost, "used": c.used} if c.used is not None else {})}
                         for c in self.channels],
            **({"periods": [p.to_dict() for p in self.periods], "after_horizon": self.after_horizon}
               if by_period else {}),
            "violations": [v.to_dict(by_period) for v in self.violations],
            "optimum": self.optimum.to_dict(),
            "excess_cost": finite(self.excess_cost),
            "forgone": finite(self.forgone),
            "cheapest_equivalent": self.cheapest_equivalent.to_dict() if self.cheapest_equivalent else None,
            "provenance": self.provenance.to_dict(),
            **({"hiring_cost": self.hiring_cost, "total_cost": self.total_cost,
                "sales_team": [r.to_dict() for r in self.sales_team]} if self.scenario.sales_team else {}),
        }


# -- reading a proposal ----------------------------------------------------------------------------
def _period_words(periods: tuple[str, ...]) -> str:
    return f"one of {', '.join(periods)} (the scenario plans by period, so every amount names its period)"


def read_proposal(path: str | Path, periods: tuple[str, ...] | list[str] = (), team: bool = False) -> list[Entry]:
    """The entries of a proposal file: CSV or XLSX (a row per channel, or per channel and period
    where the scenario has ``periods``; with ``team``, a scenario with a sales team, also rows of
    hires: a ``role`` and its ``hires``), YAML or JSON (a mapping, hires under ``sales_team``)."""
    from ..scenario.loading import read_document
    from ..scenario.sheets import read_table

    periods = tuple(periods)
    source = str(path)
    if Path(path).suffix.lower() in (".csv", ".xlsx"):
        table = read_table(path, source=source)
        issues = []
        known = ["channel", "period", *KINDS] if periods else ["channel", *KINDS]
        if team:  # rows of hires: a sales role and its hires (or units, as in the plan's CSV)
            known += ["role", "hires"]
        if "channel" not in table.columns and "role" not in table.columns:
            issues.append(table.error(table.header_row, None, "no channel column; allowed: a header with channel "
                                                               + ("and period " if periods else "")
                                                               + "and one or more of spend, units, share"))
        if periods and "period" not in table.columns:
            issues.append(table.error(table.header_row, None, "no period column; allowed: a header with channel, "
                                                               "period and one or more of spend, units, share, and "
                                                               f"in every row {_period_words(periods)}"))
        for column in table.columns:
            if column == "period" and not periods:
                issues.append(table.error(table.header_row, column, "the scenario has no periods; allowed: "
                                                                     f"{', '.join(known)} (a row per channel"
                                                                     + (" or role)" if team else ")")))
            elif column not in known:
                issues.append(table.error(table.header_row, column, f"unknown column"
                                          f"{did_you_mean(column, known)}; allowed: {', '.join(known)}"))
        if issues:
            raise ScenarioError(issues, source=source)
        entries = []
        for row in table.rows:
            if "role" in row.cells:
                entries.append(_role_row(table, row, periods, source))
                continue
            if "hires" in row.cells:
                raise ScenarioError(table.error(row.number, "hires", "hires are given without a role; allowed: "
                                                                     "a role (a sales role of the scenario) in the "
                                                                     "same row, or no hires"), source=source)
            given = [k for k in KINDS if k in row.cells]
            if "channel" not in row.cells or len(given) != 1:
                wrong = ("the channel is empty" if "channel" not in row.cells
                         else f"no spend, units or share is given for {row.cells['channel']}" if not given
                         else f"{_both(given)} given for {row.cells['channel']}")
                raise ScenarioError(table.error(row.number, None, f"{wrong}; allowed: a channel and one of spend, "
                                                                  "units or share"), source=source)
            if periods and "period" not in row.cells:
                raise ScenarioError(table.error(row.number, "period", f"the period is empty; allowed: "
                                                                      f"{_period_words(periods)}"), source=source)
            kind = given[0]
            entries.append(Entry(row.cells["channel"], kind, row.cells[kind], table.error(row.number, kind, ""),
                                 row.cells.get("period")))
        return entries
    data = read_document(path, "a proposal file (.csv, .xlsx, .yaml, .yml or .json)")
    if not isinstance(data, dict):
        allowed = ("{channel: {PERIOD: {spend: N}}}, {channel: {PERIOD: {units: N}}}, {channel: {PERIOD: {share: F}}} "
                   "or {channel: {PERIOD: N}}" if periods else
                   "{channel: {spend: N}}, {channel: {units: N}}, {channel: {share: F}} or {channel: N}")
        raise ScenarioError(Issue("", f"the document is not a mapping; allowed: {allowed}"), source=source)
    try:
        return entries_from_mapping(data, periods)
    except ScenarioError as exc:
        raise ScenarioError(exc.issues, source=source) from None


def _role_row(table, row, periods: tuple[str, ...], source: str) -> Entry:
    """The entry of a sheet's row of hires: ``role``, its ``hires`` (or ``units``), and its ``period``."""
    given = [k for k in HIRES if k in row.cells]
    other = [k for k in ("channel", "spend", "share") if k in row.cells]
    if other or len(given) != 1:
        wrong = (f"{' and '.join(other)} given in a row of the role {row.cells['role']}" if other
                 else f"no hires are given for {row.cells['role']}" if not given
                 else f"{_both(given)} given for {row.cells['role']}")
        raise ScenarioError(table.error(row.number, None, f"{wrong}; allowed: a role and its hires (or units), "
                                                          "and no channel, spend or share"), source=source)
    if periods and "period" not in row.cells:
        raise ScenarioError(table.error(row.number, "period", f"the period is empty; allowed: "
                                                              f"{_period_words(periods)}"), source=source)
    kind = given[0]
    return Entry(row.cells["role"], "hires", row.cells[kind], table.error(row.number, kind, ""),
                 row.cells.get("period"), role=True)


def _hire_entries(value: Any, periods: tuple[str, ...]) -> list[Entry]:
    """Entries of a proposal's ``sales_team``: ``{role: N}`` without periods, ``{role: {PERIOD: N}}`` with."""
    shape = "{role: {PERIOD: N}}" if periods else "{role: N}"
    if not isinstance(value, Mapping):
        raise ScenarioError(Issue("sales_team", f"{show(value)} is not a mapping; allowed: hires by role, {shape}"))
    out = []
    for role, hires in value.items():
        if not periods:
            if isinstance(hires, Mapping):
                raise ScenarioError(Issue(f"sales_team.{role}", "the scenario has no periods; allowed: a number of "
                                                                "hires, such as {sdr: 2}"))
            out.append(Entry(role, "hires", hires, Issue(f"sales_team.{role}", ""), role=True))
            continue
        if not isinstance(hires, Mapping) or not hires:
            wrong = "nothing is given" if isinstance(hires, Mapping) else f"{show(hires)} names no period"
            raise ScenarioError(Issue(f"sales_team.{role}", f"{wrong}; allowed: hires by period, {{PERIOD: N}}, "
                                                            f"PERIOD {_period_words(periods)}"))
        for period, amount in hires.items():
            out.append(Entry(role, "hires", amount, Issue(f"sales_team.{role}.{period}", ""), period, role=True))
    return out


def _both(given: list[str]) -> str:
    """``spend and units are both`` / ``spend, units and share are all``."""
    return (f"{given[0]} and {given[1]} are both" if len(given) == 2
            else f"{', '.join(given[:-1])} and {given[-1]} are all")


def _one_kind(path: str, value: Mapping) -> tuple[str, Any]:
    """The kind and amount of ``{spend|units|share: N}``, or the error naming ``path``."""
    if len(value) != 1 or next(iter(value)) not in KINDS:
        given = [str(k) for k in value]
        wrong = ("nothing is given" if not given else f"{given[0]} is given" if len(given) == 1
                 else f"{_both(given)} given")
        raise ScenarioError(Issue(path, f"{wrong}; allowed: exactly one of spend, units, share"))
    return next(iter(value.items()))


def entries_from_mapping(data: Mapping, periods: tuple[str, ...] | list[str] = ()) -> list[Entry]:
    """Entries of ``{channel: N}`` (spend) or ``{channel: {spend|units|share: value}}``; with
    ``periods``, of ``{channel: {PERIOD: N}}`` or ``{channel: {PERIOD: {spend|units|share: value}}}``."""
    periods = tuple(periods)
    entries = []
    for channel, value in data.items():
        if channel == "sales_team":  # the proposal's hires, by role (and period)
            entries.extend(_hire_entries(value, periods))
            continue
        if not periods:
            if isinstance(value, Mapping):
                kind, amount = _one_kind(str(channel), value)
                entries.append(Entry(channel, kind, amount, Issue(f"{channel}.{kind}", "")))
            else:
                entries.append(Entry(channel, "spend", value, Issue(str(channel), "")))
            continue
        if not isinstance(value, Mapping) or not value:
            wrong = "nothing is given" if isinstance(value, Mapping) else f"{show(value)} names no period"
            raise ScenarioError(Issue(str(channel), f"{wrong}; allowed: {{PERIOD: {{spend|units|share: N}}}} or "
                                                    f"{{PERIOD: N}} (spend), PERIOD {_period_words(periods)}"))
        for period, amount in value.items():
            path = f"{channel}.{period}"
            if period in KINDS and period not in periods:
                raise ScenarioError(Issue(f"{channel}.{period}", f"{period} is given without a period; allowed: "
                                                                 f"{{PERIOD: {{{period}: N}}}}, PERIOD "
                                                                 f"{_period_words(periods)}"))
            if isinstance(amount, Mapping):
                kind, amount = _one_kind(path, amount)
                entries.append(Entry(channel, kind, amount, Issue(f"{path}.{kind}", ""), period))
            else:
                entries.append(Entry(channel, "spend", amount, Issue(path, ""), period))
    return entries


def proposal_units(scenario: Scenario, program: Program, entries: list[Entry], source: str | None = None
                   ) -> np.ndarray:
    """Units per column of ``program`` from the entries (a channel's, or a channel's in a period);
    unlisted channels (and periods) are 0."""
    from pydantic_core import PydanticCustomError

    names = list(scenario.channel_names)
    periods = tuple(scenario.periods or ())
    units = np.zeros(len(program.columns))
    seen: dict[tuple[bool, str, Any], Issue] = {}
    issues: list[Issue] = []
    payer = _set_up_payers(program, entries, periods)
    paid_jumps: set[int] = set()  # a curve's jumps in spend that a proposal's spend pays

    def problem(entry: Entry, message: str, at: str | None = None) -> None:
        """An issue at the entry's value, or at its ``channel`` or ``period`` cell (field)."""
        where = entry.where
        if at:
            if where.file:  # a sheet: the same row, the other column
                path = f"{where.path.rsplit(', ', 1)[0]}, {at}"
            elif entry.role:
                path = f"sales_team.{entry.channel}" + (f".{entry.period}" if at == "period" else "")
            else:
                path = str(entry.channel) if at == "channel" else f"{entry.channel}.{entry.period}"
            where = replace(where, path=path)
        issue = replace(where, message=message)
        if issue not in issues:  # one unknown name given for several periods: said once
            issues.append(issue)

    roles = [r.name for r in scenario.sales_team or ()]
    for entry in entries:
        name = entry.channel if isinstance(entry.channel, str) else str(entry.channel)
        if entry.role and name not in roles:
            problem(entry, f"{name!r} is not a role of the scenario's sales_team{did_you_mean(name, roles)}; "
                           f"allowed: {', '.join(roles)}" if roles else
                    "the scenario has no sales_team, so there is nobody to hire; allowed: channels only",
                    at="role")
            continue
        if not entry.role and name not in names:
            problem(entry, f"{name!r} is not a channel of the scenario{did_you_mean(name, names)}; "
                           f"allowed: {', '.join(names)}", at="channel")
            continue
        period = entry.period
        if periods:
            if period is None:
                problem(entry, f"no period is given; allowed: {_period_words(periods)}",
                        at="role" if entry.role else "channel")
                continue
            if period not in periods:
                word = str(period)
                guess = nearest_period(word, periods)
                hint = f" (did you mean {guess}?)" if guess else ""
                problem(entry, f"{show(period)} is not a period of this scenario{hint}; "
                               f"allowed: {', '.join(periods)}", at="period")
                continue
        elif period is not None:
            problem(entry, "the scenario has no periods; allowed: no period (one line per "
                           f"{'role' if entry.role else 'channel'})", at="period")
            continue
        what = "role" if entry.role else "channel"
        if (entry.role, name, period) in seen:
            problem(entry, f"{name} is listed twice; allowed: one line per {what}" if not periods else
                    f"{name} in {period} is listed twice; allowed: one line per {what} and period", at=what)
            continue
        seen[entry.role, name, period] = entry.where
        if entry.value is None:  # `paid_search: null`, or {"email": None} in code: not "nothing", a mistake
            problem(entry, f"the value is empty; allowed: {_RULES[entry.kind].allowed}, or leave {name} out "
                           "(it then gets nothing)")
            continue
        try:
            amount = _RULES[entry.kind](entry.value)
        except PydanticCustomError as exc:
            problem(entry, exc.message())
            continue
        if entry.role:
            hire = next(h for h in program.hires_of(name) if h.period == period)
            units[hire.column] = amount
            continue
        channel = scenario.channels[names.index(name)]
        j = _column(program, name, period)
        # a tiered price: units fill its tiers in order, spend buys them along the schedule, cheapest first
        tiers = next((g for g in program.tier_groups if g.channel == name and g.period == period), None)
        if entry.kind == "units":
            if tiers is not None:
                units[list(tiers.columns)] = tiers.in_order(amount)
            else:
                units[j] = amount
            continue
        if entry.kind == "share":
            budget = _share_base(scenario.budget, period)
            if budget is None:
                problem(entry, "a share of the budget needs the scenario's budget, and none is given; "
                               "allowed: spend or units, or a budget (--set budget=N)" if scenario.budget is None
                        else f"a share of the budget needs the horizon's budget or {period}'s, and the scenario "
                             f"gives neither (budget by period: {', '.join(by_period(scenario.budget))}); allowed: "
                             f"spend or units, or a budget (--set budget=N or --set budget.{period}=N)")
                continue
            # in decimal: 28% of 5,000 is 1,400, not 1400.0000000000002
            amount = float(Decimal(repr(amount)) * Decimal(repr(budget)))
        set_up = payer.get((name, period), 0.0)
        if set_up and amount:  # spend pays the set-up cost first, then buys units
            if amount < set_up:
                when = f" in {period}" if period else ""
                problem(entry, f"spend {show(amount)} is below {name}'s set-up cost{when} {show(set_up)} "
                               f"(fixed_cost), so it buys nothing; allowed: 0, or at least {show(set_up)}")
                continue
            amount -= set_up
        if tiers is not None and tiers.jumps:  # a curve with jumps in spend: each paid before its segment buys
            bought, opened, inside = _along_curve(tiers, amount)
            if inside is not None:
                start, end, reached = set_up + inside[0], set_up + inside[1], inside[2]
                when = f" in {period}" if period else ""
                problem(entry, f"spend {show(amount + set_up)} stops inside a jump in spend of {name}'s response "
                               f"curve{when} ({show(start)} buys {show(reached)}, and the curve buys more only from "
                               f"{show(end)} on), so part of it buys nothing; allowed: at most {show(start)}, or "
                               f"at least {show(end)}")
                continue
            units[list(tiers.columns)] = bought
            paid_jumps.update(tiers.jump_columns[k] for k in opened)
            continue
        if tiers is not None and max(tiers.costs) > 0:  # a free first tier: spend buys it, then the rest
            schedule = tuple(Tier(cost=c, up_to=u) for c, u in zip(tiers.costs, tiers.up_to))
            units[list(tiers.columns)] = tiers.in_order(units_for_spend(schedule, amount))
            continue
        price = program.columns[j].price
        if price == 0:
            if amount:
                when = f" in {period}" if period else ""
                problem(entry, f"{name} is free{when} ({channel.price_field} 0): spend buys no units; allowed: units")
            continue
        units[j] = amount / price
    if issues:
        raise ScenarioError(issues, source=source)
    return _order_from_units(program, program.set_up_from_units(units), paid_jumps)  # a set-up paid exactly
    # where units are bought


def _along_curve(group, spend: float) -> tuple[list[float], list[int], tuple[float, float, float] | None]:
    """What ``spend`` buys along a response curve with jumps in spend (``group``: its segments):
    units per segment and the segments whose jump it pays, each jump paid before its segment buys
    (a spend that ends at a jump's end pays it and buys no more: a point of the curve); past the
    last point the last cost goes on (a limit past the cap stays one). Where the spend ends inside
    a jump (part of it would buy nothing): (spend before the jump, spend at its end, amount bought)
    as the third item, else None."""
    out, opened, left, spent, held = [0.0] * len(group.costs), [], float(spend), 0.0, 0.0
    size = 1e-9 * max(1.0, abs(spend))
    for k, (width, cost) in enumerate(zip(group.widths, group.costs)):
        if left <= size:
            break
        jump = group.jumps[k]
        if jump:
            if left < jump - size:
                return out, opened, (spent, spent + jump, held)
            left, spent = max(0.0, left - jump), spent + jump
            opened.append(k)
        take = left / cost if k == len(group.costs) - 1 else min(width, left / cost)
        out[k], left, spent, held = take, left - take * cost, spent + take * cost, held + take
    return out, opened, None


def _order_from_units(program: Program, units: np.ndarray, paid: set[int]) -> np.ndarray:
    """A proposal's ``units`` with each tier order binary set from the units (on where the next
    tier holds units; a curve's jump in spend also where the proposal's spend paid it): a proposal
    is held to the limits a user wrote, not to the model's own order rows, which its units obey
    by construction (they fill the tiers in order)."""
    if not any(g.binaries for g in program.tier_groups):
        return units
    out = np.array(units, dtype=float, copy=True)
    for group in program.tier_groups:
        for k, j in enumerate(group.binaries):
            out[j] = 1.0 if out[group.columns[k + 1]] > 0 or j in paid else 0.0
        if group.jump_columns and group.jump_columns[0] is not None:  # a jump before the first segment
            j = group.jump_columns[0]
            out[j] = 1.0 if out[group.columns[0]] > 0 or j in paid else 0.0
    return out


def _set_up_payers(program: Program, entries: list[Entry], periods: tuple[str, ...]) -> dict[tuple[str, Any], float]:
    """The set-up cost a proposal's spend on a channel pays before it buys units, by (channel,
    period): a set-up per period in its period; one over the horizon in the first period (in the
    scenario's order) in which the proposal spends on the channel."""
    out: dict[tuple[str, Any], float] = {}
    spending: dict[str, list] = {}
    for entry in entries:
        if entry.kind in ("spend", "share") and isinstance(entry.channel, str):
            try:
                if _RULES[entry.kind](entry.value):
                    spending.setdefault(entry.channel, []).append(entry.period)
            except Exception:  # noqa: BLE001 (a bad value is the entry loop's to report)
                continue
    for s in program.set_ups:
        if not s.cost:
            continue
        if s.period is not None or not periods:
            out[s.channel, s.period] = out.get((s.channel, s.period), 0.0) + s.cost
            continue
        when = [p for p in periods if p in spending.get(s.channel, [])]
        if when:
            out[s.channel, when[0]] = out.get((s.channel, when[0]), 0.0) + s.cost
    return out


def _share_base(budget: Any, period: str | None) -> float | None:
    """What a share is of: the horizon's budget, else (only per-period budgets) the period's."""
    total = horizon(budget)
    if total is not None or period is None:
        return total
    return by_period(budget).get(period)


def _column(program: Program, channel: str, period: str | None) -> int:
    """The units column of ``channel`` (in ``period``, where the scenario has periods)."""
    columns = program.columns_of(channel)
    if period is None:
        return int(columns[0])
    return int(next(j for j in columns if program.columns[j].period == period))


# -- checking --------------------------------------------------------------------------------------
def limit_unit(scenario: Scenario, program: Program, name: str) -> str:
    """The unit a limit is measured in, for people: the currency, a metric, a channel's units
    (``name`` without its period: ``caps.qualified_leads``, not ``caps.qualified_leads.Q3``)."""
    if name == "budget" or name.endswith(("_spend", "_spend]", "_spend_if_used")):
        return scenario.currency
    if name.startswith("constraints["):
        return ""  # left side minus right side, in whatever the terms measure
    if name.startswith("sales_team["):  # a role's capacity is of its metric; max_hires and integer count reps
        role = name[name.index("[") + 1:name.index("]")]
        metric = next((r[1] for r in program.roles if r[0] == role), "")
        return STAGE_LABEL.get(metric, metric) if name.endswith(".capacity") else "reps"
    metric = name.rsplit(".", 1)[-1]
    if metric == "revenue":
        return scenario.currency
    # the channel's units
    if name.endswith(("_units", ".integer", ".available", ".up_to", ".response_curve", "_units_if_used")):
        channel = name[name.index("[") + 1:name.index("]")]
        own = next((c for c in scenario.channels if c.name == channel), None)
        if own is not None and own.response_curve is not None:  # a curve's units are its stage's
            from ..scenario.curves import stage_of, stage_units

            return stage_units(stage_of(own.response_curve))
        unit = program.columns[program.columns_of(channel)[0]].unit
        return "units" if unit == "unit" else unit + "s"
    return STAGE_LABEL.get(metric, metric)


def violations(scenario: Scenario, program: Program, units: np.ndarray) -> tuple[Violation, ...]:
    """Every limit the units break by more than the verification tolerance (relative), in the limits' order."""
    out = []
    on_off = {s.column for s in program.set_ups}
    given = as_given(program, units)  # e.g. a tiered channel's spend limit: a bound on its units, told in money
    for k, limit in enumerate(program.limits):
        if limit.kind in ("set_up", "tier"):
            # the model's own rows tying units to a set-up (settled from the units: they hold) or to a
            # tier's width and order (a proposal fills the tiers in order; past a capped last tier the
            # channel's cap is the limit it breaks)
            continue
        if limit.violation(units) > TOLERANCE:
            value, bound = limit.value(units), limit.bound
            by = limit.excess(value)
            if k in given:  # in the scenario's terms: money, or the metric used against the capacity
                value, bound = given[k](value), given[k](bound)
                by = value - bound if limit.sense == "<=" else bound - value
            elif limit.kind == "min_buy":  # shown as the units (or spend) bought against the minimum
                least = -float(sum(a for j, a in zip(limit.index.tolist(), limit.coefs.tolist()) if j in on_off))
                value, bound = value + least, least
            base = limit.name[:-len(limit.period) - 1] if limit.period else limit.name
            out.append(Violation(limit.name, value, bound, by, limit_unit(scenario, program, base), limit.period))
    whole = np.array([column.integer for column in program.columns], dtype=bool)
    off = np.abs(units - np.round(units))
    for j in np.flatnonzero(whole & (off > TOLERANCE * np.maximum(1.0, np.abs(units)))):
        owner = "sales_team" if program.columns[j].kind == "hires" else "channels"
        name = f"{owner}[{program.columns[j].channel}].integer"
        out.append(Violation(name, float(units[j]), float(round(units[j])), float(off[j]),
                             limit_unit(scenario, program, name), program.columns[j].period))
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
    # as optimize reports it: set-ups paid exactly once or not, whole reps whole (not 0.9999999)
    return solution.status, program.settled(solution.units)


def _with_budget(program: Program, budget: float) -> Program:
    """The program with ``budget`` as its horizon budget (a period's budget stays: it is a limit of its own)."""
    limits = [lim for lim in program.limits if lim.kind != "budget" or lim.period is not None]
    index = np.flatnonzero(program.cost_coefs)  # marketing and hiring, as the scenario's budget
    return program.with_limits([Limit("budget", "budget", index, program.cost_coefs[index], "<=", budget), *limits])


def check(scenario: Scenario, proposal: str | Path | Mapping | list[Entry], solver: str = "highs") -> CheckResult:
    """Check a proposed allocation against ``scenario`` and compare it with the optimum.

    ``proposal`` is a file (CSV, XLSX, YAML, JSON) or a mapping such as
    ``{"paid_search": {"share": "40%"}, "webinars": {"units": 25}, "events": 60000}``; for a
    scenario with periods, by period: ``{"events": {"Q2": {"units": 1}}, "email": {"Q1": 9000}}``.
    """
    periods = tuple(scenario.periods or ())
    source = None
    if isinstance(proposal, (str, Path)):
        source, entries = str(proposal), read_proposal(proposal, periods, bool(scenario.sales_team))
    elif isinstance(proposal, Mapping):
        entries = entries_from_mapping(proposal, periods)
    elif isinstance(proposal, (list, tuple)) and all(isinstance(e, Entry) for e in proposal):
        entries = list(proposal)
    else:
        kind = type(proposal).__name__
        raise ScenarioError(Issue("proposal", f"a value of type {kind} is not a proposal; allowed: a file (CSV, "
                                              "XLSX, YAML, JSON), a mapping such as {\"email\": {\"spend\": 5000}}, "
                                              "or a list of entries"))
    program = build_program(scenario)
    units = proposal_units(scenario, program, entries, source)
    total_spend, channels, totals = what_units_buy(scenario, program, units)
    own = program.objective_value(units)
    prices = program.prices
    team = role_plans(program, units)
    total_cost = total_spend + program.hiring_cost(units)  # marketing plus hiring: what the budget limits

    # the best use of the same money (hiring included), under a max_ objective
    compared = program if program.sense == "min" else _with_budget(program, total_cost)
    status, best = _best(compared, solver)
    optimum_value = None if best is None else program.objective_value(best)
    why = diagnose(compared, str(status), solver) if status in ("infeasible", "unbounded") else None
    hiring = hires = None
    if program.hires:
        hiring = None if best is None else program.hiring_cost(best)
        hires = None if best is None else _hires(program, best)
    optimum = Optimum(scenario.objective, optimum_value, None if best is None else float(prices @ best),
                      {} if best is None else _spend(program, best), str(status), why,
                      () if not periods else None if best is None else _period_spend(program, best),
                      hiring, hires)
    excess = forgone = None
    if optimum_value is not None:
        if program.sense == "min":
            excess = total_cost - optimum.total_cost
        else:
            forgone = optimum_value - own
    by_period, after_horizon = period_plans(scenario, program, units)
    return CheckResult(scenario, own, total_spend, channels, totals, violations(scenario, program, units), optimum,
                       excess, forgone, cheapest_equivalent(scenario, program, totals, solver),
                       provenance(scenario, solver), by_period, after_horizon, team)


def _hires(program: Program, units: np.ndarray) -> dict[str, dict[str, float]]:
    """Hires by role and period (the single key ``total`` without periods)."""
    return {r.name: dict(r.hires) for r in role_plans(program, units)}


def cheapest_equivalent(scenario: Scenario, program: Program, totals: dict[str, float | None],
                        solver: str = "highs") -> Equivalent | None:
    """The cheapest plan buying at least ``totals`` of every target metric (deals without targets), budget aside.

    With periods the amounts are the horizon's (what closes inside it, the pipeline in flight
    included); every budget and target is left aside, a period's too.
    """
    metrics = list(scenario.targets) or ["deals"]
    amounts = {m: totals.get(m) for m in metrics}
    if any(v is None or not math.isfinite(v) for v in amounts.values()):
        return None
    limits = [lim for lim in program.limits if lim.kind not in ("budget", "target")]
    for metric, amount in amounts.items():
        coefs = program.amounts(metric)
        index = np.flatnonzero(coefs)
        # the totals count the pipeline in flight; so does the row (a constant), as a target's does
        limits.append(Limit(f"targets.{metric}", "target", index, coefs[index], ">=", float(amount),
                            program.in_flight(metric)))
    # the cheapest in total cost: with a sales team, hires that save marketing count at their price
    variant = program.with_limits(limits, objective="min_spend", sense="min", objective_coefs=program.cost_coefs)
    _, best = _best(variant, solver)
    if best is None:
        return None
    hiring, hires = (program.hiring_cost(best), _hires(program, best)) if program.hires else (None, None)
    return Equivalent({m: float(v) for m, v in amounts.items()}, float(program.prices @ best), _spend(program, best),
                      hiring, hires)


def _spend(program: Program, units: np.ndarray) -> dict[str, float]:
    """Spend per channel, read through the column table."""
    return {name: float(v) for name, v in zip(program.channels, program.channel_spend(units))}


def _period_spend(program: Program, units: np.ndarray) -> tuple[dict, ...]:
    """Spend per period, in total and per channel: ``({name, total_spend, spend: {channel: N}}, ...)``."""
    out = []
    for period in program.periods:
        bought = np.where(program.in_period(period), units, 0.0)
        spend = _spend(program, bought)
        out.append({"name": period, "total_spend": float(program.prices @ bought) + 0.0,
                    "spend": {k: v + 0.0 for k, v in spend.items()}})
    return tuple(out)
