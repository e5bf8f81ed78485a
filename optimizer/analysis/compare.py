"""Scenarios side by side: objective, spend and deals per channel, funnel totals, and the
differences against the first; where every scenario has the same periods, spend per period too.
Where some scenario has a sales team, its hires per role (per period where every scenario has the
same periods, else over the horizon: ``total``), hiring cost and total cost (marketing plus hiring).

A channel a scenario does not have spends nothing in it: its spend (and deals, where the scenario
counts deals) is 0 there, and differences count it so. A metric a scenario does not measure is
unknown, not 0: its total is None, and so is every difference with it.

>>> from optimizer import Scenario, apply_changes
>>> a = Scenario(name="a", channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> result = compare([a, apply_changes(a, {"targets.leads": 150})])
>>> result.differences()[0]["objective_value"]
1000.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..scenario.schema import Scenario
from .plan import Plan, finite, optimize


@dataclass(frozen=True)
class Compared:
    """One scenario of a comparison: where it came from, the changes made to it, and its plan."""

    plan: Plan = field(repr=False)
    file: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.plan.scenario.name

    @property
    def spend(self) -> dict[str, float]:
        return {c.name: c.spend for c in self.plan.channels}

    @property
    def deals(self) -> dict[str, float | None]:
        return {c.name: c.metrics.get("deals") for c in self.plan.channels}

    @property
    def periods(self) -> tuple[str, ...]:
        """The scenario's periods, in order (() without periods)."""
        return tuple(self.plan.scenario.periods or ())

    def spend_of(self, channel: str) -> float | None:
        """Spend on ``channel``: 0 where the scenario does not have it; None without a plan."""
        return self.spend.get(channel, 0.0) if self.plan.has_plan else None

    def deals_of(self, channel: str) -> float | None:
        """Deals of ``channel``: 0 where the scenario does not have it but counts deals; None where
        a rate is missing, the scenario does not count deals, or it has no plan."""
        if not self.plan.has_plan:
            return None
        if channel in self.deals:
            return self.deals[channel]
        return 0.0 if "deals" in self.plan.scenario.metrics else None

    @property
    def has_team(self) -> bool:
        return bool(self.plan.scenario.sales_team)

    def hires_of(self, role: str, period: str | None = None) -> float | None:
        """Hires of ``role`` in ``period`` (None: over the horizon): 0 where the scenario does not have
        the role; None without a plan."""
        if not self.plan.has_plan:
            return None
        own = next((r for r in self.plan.sales_team if r.name == role), None)
        if own is None:
            return 0.0
        return float(own.hires[period]) if period is not None else float(sum(own.hires.values())) + 0.0

    @property
    def period_spend(self) -> list[dict] | None:
        """Spend per period, in total and per channel: ``[{name, total_spend, spend}]`` (None without a plan)."""
        if not self.plan.has_plan:
            return None
        return [{"name": p.name, "total_spend": p.total_spend, "spend": {c.name: c.spend for c in p.channels}}
                for p in self.plan.periods]

    def to_dict(self) -> dict:
        """The scenario's entry in the comparison's JSON; ``diagnosis`` (as ``optimize``'s) when it has no plan;
        ``periods`` (its spend per period) where it has periods."""
        p = self.plan
        out = {"name": self.name, "file": self.file, "changes": dict(self.changes), "status": p.status,
               "objective_value": finite(p.objective_value), "total_spend": finite(p.total_spend),
               "spend": {k: finite(v) for k, v in self.spend.items()},
               "totals": {k: finite(v) for k, v in p.totals.items()},
               "provenance": p.provenance.to_dict()}
        if self.periods:
            out["periods"] = self.period_spend
        if self.has_team:
            out["hiring_cost"], out["total_cost"] = finite(p.hiring_cost), finite(p.total_cost)
            out["hires"] = None if not p.has_plan else {r.name: dict(r.hires) for r in p.sales_team}
        if not p.has_plan:
            out["diagnosis"] = p.diagnosis.to_dict() if p.diagnosis else None
        return out


def _minus(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else float(a) - float(b) + 0.0


@dataclass(frozen=True)
class Comparison:
    """Several scenarios' plans; ``to_dict()`` is ``{scenarios: [...], differences: [...]}``."""

    scenarios: tuple[Compared, ...]

    @property
    def all_have_plans(self) -> bool:
        return all(c.plan.has_plan for c in self.scenarios)

    @property
    def channels(self) -> list[str]:
        return list(dict.fromkeys(name for c in self.scenarios for name in c.spend))

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(m for c in self.scenarios for m in c.plan.scenario.metrics))

    @property
    def roles(self) -> list[str]:
        """Every scenario's sales roles, in order of first appearance ([] where none has a sales team)."""
        return list(dict.fromkeys(r.name for c in self.scenarios for r in c.plan.scenario.sales_team or ()))

    @property
    def hire_keys(self) -> tuple[str, ...]:
        """The keys hires are compared by: the periods where every scenario has the same, else ``total``."""
        return self.same_periods or ("total",)

    def hires(self, c: Compared) -> dict[str, dict[str, float | None]]:
        """A scenario's hires by role and :attr:`hire_keys` (0 for a role it does not have)."""
        return {role: {k: c.hires_of(role, None if k == "total" and not self.same_periods else k)
                       for k in self.hire_keys} for role in self.roles}

    @property
    def any_periods(self) -> bool:
        """Whether some scenario has periods (then differences carry ``periods``)."""
        return any(c.periods for c in self.scenarios)

    @property
    def same_periods(self) -> tuple[str, ...]:
        """The periods every scenario has, the same names in the same order; () when they differ
        (or none has periods): spend per period is then not compared."""
        first = self.scenarios[0].periods
        return first if first and all(c.periods == first for c in self.scenarios) else ()

    def differences(self) -> list[dict]:
        """Each scenario after the first, minus the first: objective, total spend, spend and totals;
        where every scenario has the same periods, spend per period (``periods``; null where they differ)."""
        first = self.scenarios[0]
        periods = self.same_periods
        out = []
        for other in self.scenarios[1:]:
            both = first.plan.has_plan and other.plan.has_plan
            spend = {ch: _minus(other.spend_of(ch), first.spend_of(ch)) if both else None for ch in self.channels}
            totals = {m: _minus(other.plan.totals.get(m), first.plan.totals.get(m)) if both else None
                      for m in self.metrics}
            same_objective = other.plan.objective == first.plan.objective  # spend minus deals means nothing
            entry = {"name": other.name,
                     "objective_value": _minus(other.plan.objective_value, first.plan.objective_value)
                     if same_objective else None,
                     "total_spend": _minus(other.plan.total_spend, first.plan.total_spend),
                     "spend": spend, "totals": totals}
            if self.roles:  # a scenario without a sales team hires nobody: hiring 0, total cost its spend
                first_cost, other_cost = first.plan.total_cost, other.plan.total_cost
                entry["hiring_cost"] = _minus(other.plan.hiring_cost, first.plan.hiring_cost)
                entry["total_cost"] = _minus(other_cost, first_cost)
                mine, theirs = self.hires(first), self.hires(other)
                entry["hires"] = {role: {k: _minus(theirs[role][k], mine[role][k]) for k in self.hire_keys}
                                  for role in self.roles}
            if self.any_periods:
                entry["periods"] = None if not periods else [
                    {"name": p,
                     "total_spend": _minus(b["total_spend"], a["total_spend"]) if both else None,
                     "spend": {ch: _minus(b["spend"].get(ch, 0.0), a["spend"].get(ch, 0.0)) if both else None
                               for ch in self.channels}}
                    for k, p in enumerate(periods)
                    for a, b in [(first.period_spend[k], other.period_spend[k]) if both else ({}, {})]]
            out.append(entry)
        return out

    def to_dict(self) -> dict:
        return {"scenarios": [c.to_dict() for c in self.scenarios], "differences": self.differences()}


def compare(scenarios: Sequence[Scenario], files: Sequence[str | None] | None = None,
            changes: Sequence[dict[str, Any]] | None = None, solver: str = "highs") -> Comparison:
    """Optimize each scenario and put the plans side by side (differences against the first)."""
    files = list(files) if files is not None else [None] * len(scenarios)
    changes = list(changes) if changes is not None else [{}] * len(scenarios)
    return Comparison(tuple(Compared(optimize(s, solver=solver), f, dict(c))
                            for s, f, c in zip(scenarios, files, changes)))


def compare_files(files: Sequence[str | Path], changes: dict[str, Any] | None = None,
                  solver: str = "highs") -> Comparison:
    """Compare scenario files. With one file and ``changes``, the file against itself changed;
    with several, ``changes`` apply to every file."""
    from ..scenario.loading import load_scenario

    changes = dict(changes or {})
    if len(files) == 1 and changes:
        entries = [(files[0], {}), (files[0], changes)]
    else:
        entries = [(f, changes) for f in files]
    scenarios = [load_scenario(f, c) for f, c in entries]
    return compare(scenarios, [str(f) for f, _ in entries], [c for _, c in entries], solver)
