"""Reproducible numbers: a fingerprint of the scenario and the versions that produced an answer.

``scenario_sha256`` hashes the canonical JSON of the *validated* scenario: defaults applied,
overrides included, ``name`` left out, channels in name order, keys sorted, numbers as the
floats they validate to and custom constraints in their parsed linear form. Reordering keys or
channels, reformatting the YAML, writing ``4.8e6`` for ``4_800_000``, ``12%`` for ``0.12`` or
stating a default explicitly does not change it; a change of any number does.

>>> from optimizer import Scenario
>>> a = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> b = Scenario(name="other", currency="USD", channels=[{"name": "email", "cost_per_lead": "2e1",
...              "integer": False}], targets={"leads": 100}, funnel={"opportunity_rate": 1})
>>> scenario_sha256(a) == scenario_sha256(b)
True
>>> provenance(a, "highs").to_dict()["solver"]
'highs'
"""

from __future__ import annotations

import gc
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .funnel import DEFAULT_RATES

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario
    from .solve import SolverInfo


@dataclass(frozen=True)
class Provenance:
    """What produced a number: the scenario's fingerprint, this tool's version and the solver's."""

    scenario_sha256: str
    tool_version: str
    solver: str
    solver_version: str

    def to_dict(self) -> dict[str, str]:
        return {"scenario_sha256": self.scenario_sha256, "tool_version": self.tool_version,
                "solver": self.solver, "solver_version": self.solver_version}


def canonical_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the plain data that is hashed (see the module docstring)."""
    data = scenario.model_dump(mode="json")
    data.pop("name", None)
    funnel = data["funnel"]
    # deal_value may be given at the top level or in funnel (one or the other): one place here
    data["deal_value"] = data["deal_value"] if data["deal_value"] is not None else funnel.pop("deal_value", None)
    funnel.pop("deal_value", None)
    for rate, value in DEFAULT_RATES.items():  # opportunity_rate: 1 when not given anywhere
        if funnel.get(rate) is None:
            funnel[rate] = value
    data["channels"] = sorted(data["channels"], key=lambda c: c["name"])
    data["constraints"] = [
        {"name": spec.name, "sense": spec.parsed.sense, "constant": spec.parsed.constant,
         "terms": [[kind, channel, weight] for (kind, channel), weight in
                   sorted(((kind, channel or ""), weight) for (kind, channel), weight in spec.parsed.terms.items())]}
        for spec in scenario.constraints]
    return data


def canonical_json(scenario: Scenario) -> str:
    """Sorted keys, no spaces, floats as Python's shortest round-trip text."""
    # The canonical form is many small acyclic containers: with the collector on, each of its runs
    # would re-walk the whole scenario (a third of the time at 100,000 channels).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return json.dumps(canonical_data(scenario), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                          allow_nan=False)
    finally:
        if enabled:
            gc.enable()


def scenario_sha256(scenario: Scenario) -> str:
    """The SHA-256 (hex) of the scenario's canonical JSON."""
    return hashlib.sha256(canonical_json(scenario).encode("ascii")).hexdigest()


def provenance(scenario: Scenario, solver: SolverInfo | str = "highs") -> Provenance:
    """The provenance of an answer for ``scenario``, solved by ``solver`` (a SolverInfo or a solver name)."""
    from . import __version__
    from .solve import solver_version

    if isinstance(solver, str):
        name, version = solver, solver_version(solver)
    else:
        name, version = solver.name, solver.version
    return Provenance(scenario_sha256(scenario), __version__, name, version)
