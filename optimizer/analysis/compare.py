"""Scenarios side by side: objective, spend and deals per channel, funnel totals, and the
differences against the first.

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

from ..scenario.periods import not_by_period_yet
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

    def to_dict(self) -> dict:
        """The scenario's entry in the comparison's JSON; ``diagnosis`` (as ``optimize``'s) when it has no plan."""
        p = self.plan
        out = {"name": self.name, "file": self.file, "changes": dict(self.changes), "status": p.status,
               "objective_value": finite(p.objective_value), "total_spend": finite(p.total_spend),
               "spend": {k: finite(v) for k, v in self.spend.items()},
               "totals": {k: finite(v) for k, v in p.totals.items()},
               "provenance": p.provenance.to_dict()}
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

    def differences(self) -> list[dict]:
        """Each scenario after the first, minus the first: objective, total spend, spend and totals."""
        first = self.scenarios[0]
        out = []
        for other in self.scenarios[1:]:
            both = first.plan.has_plan and other.plan.has_plan
            spend = {ch: _minus(other.spend.get(ch, 0.0), first.spend.get(ch, 0.0)) if both else None
                     for ch in self.channels}
            totals = {m: _minus(other.plan.totals.get(m), first.plan.totals.get(m)) if both else None
                      for m in self.metrics}
            same_objective = other.plan.objective == first.plan.objective  # spend minus deals means nothing
            out.append({"name": other.name,
                        "objective_value": _minus(other.plan.objective_value, first.plan.objective_value)
                        if same_objective else None,
                        "total_spend": _minus(other.plan.total_spend, first.plan.total_spend),
                        "spend": spend, "totals": totals})
        return out

    def to_dict(self) -> dict:
        return {"scenarios": [c.to_dict() for c in self.scenarios], "differences": self.differences()}


def compare(scenarios: Sequence[Scenario], files: Sequence[str | None] | None = None,
            changes: Sequence[dict[str, Any]] | None = None, solver: str = "highs") -> Comparison:
    """Optimize each scenario and put the plans side by side (differences against the first)."""
    for s in scenarios:
        not_by_period_yet(s, "compare")
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
