"""The fingerprint of a scenario: the SHA-256 of its canonical JSON.

``scenario_sha256`` hashes the canonical JSON of the *validated* scenario: defaults applied,
fields not given (null) left out, overrides included, ``name`` left out, channels in name order,
keys sorted, numbers as the floats they validate to and custom constraints in their parsed
linear form. It is computed once per scenario (a scenario is frozen) and kept. Reordering keys or
channels, reformatting the YAML, writing ``4.8e6`` for ``4_800_000``, ``12%`` for ``0.12`` or
stating a default explicitly does not change it; a change of any number does.

>>> from optimizer import Scenario
>>> a = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> b = Scenario(name="other", currency="USD", channels=[{"name": "email", "cost_per_lead": "2e1",
...              "integer": False}], targets={"leads": 100}, funnel={"opportunity_rate": 1})
>>> scenario_sha256(a) == scenario_sha256(b)
True
"""

from __future__ import annotations

import gc
import hashlib
import json
from typing import TYPE_CHECKING, Any

from .funnel import DEFAULT_RATES

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Scenario


def canonical_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the plain data that is hashed (see the module docstring)."""
    # a field not given and one given as null validate alike: both are left out (and the text is
    # a third of the size, which is most of the time at 10,000 channels)
    data = scenario.model_dump(mode="json", exclude_none=True, exclude={"name", "constraints"})
    funnel = data["funnel"]
    # deal_value may be given at the top level or in funnel (one or the other): one place here
    if "deal_value" in funnel:
        data["deal_value"] = funnel.pop("deal_value")
    for rate, value in DEFAULT_RATES.items():  # opportunity_rate: 1 when not given anywhere
        funnel.setdefault(rate, value)
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
                          allow_nan=False, check_circular=False)
    finally:
        if enabled:
            gc.enable()


def scenario_sha256(scenario: Scenario) -> str:
    """The SHA-256 (hex) of the scenario's canonical JSON, computed once per scenario."""
    return scenario.sha256


def compute_sha256(scenario: Scenario) -> str:
    """The SHA-256 (hex) of the scenario's canonical JSON, computed afresh."""
    return hashlib.sha256(canonical_json(scenario).encode("ascii")).hexdigest()
