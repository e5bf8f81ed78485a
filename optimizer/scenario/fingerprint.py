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
import re
from dataclasses import make_dataclass
from operator import attrgetter, itemgetter
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaSerializer, core_schema

from .funnel import DEFAULT_RATES
from .schema import Channel, Scenario

# Channel fields in the order the canonical JSON lists them; the mappings among them have their own keys sorted.
_CHANNEL_FIELDS = tuple(sorted(Channel.model_fields))
_CHANNEL_MAPPINGS = ("caps", "yields")
# Where pydantic-core's JSON can differ from Python's ``json.dumps(..., ensure_ascii=True)`` on the same
# data: a float between 1e-5 and 1e-4 (0.0000123 against 1.23e-05), a negative exponent of one digit
# (2.5e-7 against 2.5e-07), an infinity or NaN (Python refuses them here), and a byte that is not
# printable ASCII (Python escapes it). Each is looked for as plain text, so text in a name that looks
# like one only costs the slower encoder, never another result. A word is looked for only if its first
# letter is in the text (a one-byte search is some forty times faster than a word's: "I" and "N" are rare).
_SPELT_OTHERWISE = (b"0.0000", b"Infinity", b"NaN", b"\x7f")
_ONE_DIGIT_NEGATIVE_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")

# A channel as pydantic-core writes it for the canonical JSON: a dataclass with the channel's fields in
# name order, sharing the channel's own ``__dict__`` (nothing is copied). pydantic-core writes a
# dataclass's fields in the order of its schema and, with ``exclude_none``, leaves out those that are
# None: the channel's ``model_dump`` without the walk, its keys sorted.
_ChannelFields = make_dataclass("_ChannelFields", [(field, Any, None) for field in _CHANNEL_FIELDS])
_CANONICAL = SchemaSerializer(
    core_schema.typed_dict_schema(
        {"channels": core_schema.typed_dict_field(core_schema.list_schema(core_schema.dataclass_schema(
            _ChannelFields,
            core_schema.dataclass_args_schema(
                "_ChannelFields", [core_schema.dataclass_field(field, core_schema.any_schema())
                                   for field in _CHANNEL_FIELDS]),
            list(_CHANNEL_FIELDS))))},
        extra_behavior="allow"),  # the other keys written as to_json writes any data
    core_schema.CoreConfig(ser_json_inf_nan="constants"))  # as to_json: the text check below finds them


def canonical_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the plain data that is hashed (see the module docstring), keys sorted at every level.

    Channels' ``caps`` and ``yields`` may be the scenario's own mappings: read the data, do not change it.
    """
    data = _data_but_channels(scenario)
    data["channels"] = [_channel_data(c) for c in sorted(scenario.channels, key=attrgetter("name"))]
    return dict(sorted(data.items()))


def _data_but_channels(scenario: Scenario) -> dict[str, Any]:
    # a field not given and one given as null validate alike: both are left out
    data = scenario.model_dump(mode="json", exclude_none=True, exclude={"name", "channels", "constraints"})
    funnel = data["funnel"]
    # deal_value may be given at the top level or in funnel (one or the other): one place here
    if "deal_value" in funnel:
        data["deal_value"] = funnel.pop("deal_value")
    for rate, value in DEFAULT_RATES.items():  # opportunity_rate: 1 when not given anywhere
        funnel.setdefault(rate, value)
    if not scenario.sales_team:  # no sales team: the key is left out, so earlier fingerprints stay
        data.pop("sales_team", None)
    else:  # roles in name order, as channels
        data["sales_team"] = sorted(data["sales_team"], key=itemgetter("name"))
    data = _keys_sorted(data)
    data["constraints"] = [_constraint_data(spec) for spec in scenario.constraints]
    return data


def _constraint_data(spec) -> dict[str, Any]:
    """A custom constraint in its parsed linear form (and the periods it holds in, where given)."""
    data = {"constant": spec.parsed.constant, "name": spec.name, "sense": spec.parsed.sense,
            "terms": [[kind, channel, weight] for (kind, channel), weight in
                      sorted(((kind, channel or ""), weight) for (kind, channel), weight in spec.parsed.terms.items())]}
    if spec.each_period:  # the keys of periods appear only where given: earlier fingerprints stay
        data["each_period"] = True
    if spec.period is not None:
        data["period"] = spec.period
    return dict(sorted(data.items()))


def _channel_data(channel: Channel) -> dict[str, Any]:
    """A channel's fields that are given, in name order (the same data as its ``model_dump``, without the walk)."""
    own = channel.__dict__
    data = {field: own[field] for field in _CHANNEL_FIELDS if own[field] is not None}
    for field in _MODEL_FIELDS:  # a tier list's tiers and a curve, as the plain data pydantic-core writes
        if field in data:
            data[field] = _plain(data[field])
    if _by_period(own):
        return _keys_sorted(data)
    for field in _CHANNEL_MAPPINGS:
        mapping = data.get(field)
        if mapping is not None and len(mapping) > 1:
            data[field] = dict(sorted(mapping.items()))
    return data


_MODEL_FIELDS = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost", "response_curve")


def _plain(value: Any) -> Any:
    """A field's value as plain data: models (a tier, a curve) as their fields in name order, tuples as lists."""
    if isinstance(value, BaseModel):
        return _keys_sorted(value.model_dump(mode="json", exclude_none=True))
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _channel_views(scenario: Scenario) -> list[Any]:
    """The channels in name order as ``_ChannelFields``, for `_CANONICAL` (the data `_channel_data` gives)."""
    views = []
    new = object.__new__
    periods = bool(scenario.periods)
    for channel in sorted(scenario.channels, key=attrgetter("name")):
        own = channel.__dict__
        caps, yields = own["caps"], own["yields"]
        if periods and _by_period(own):  # mappings by period, maybe nested: every key sorted
            own = _keys_sorted({field: own[field] for field in _CHANNEL_FIELDS})
        elif (caps is not None and len(caps) > 1) or (yields is not None and len(yields) > 1):
            own = dict(own)  # a copy with the mappings' keys sorted; the channel stays as it is
            for field in _CHANNEL_MAPPINGS:
                mapping = own[field]
                if mapping is not None and len(mapping) > 1:
                    own[field] = dict(sorted(mapping.items()))
        view = new(_ChannelFields)
        view.__dict__ = own
        views.append(view)
    return views


def _by_period(own: dict[str, Any]) -> bool:
    """Whether a channel's fields hold a mapping by period (or a cycle) besides its caps and yields."""
    return (any(type(own[field]) is dict for field in _PERIOD_FIELDS)
            or any(type(v) is dict for field in _CHANNEL_MAPPINGS for v in (own[field] or {}).values()))


_PERIOD_FIELDS = tuple(f for f in _CHANNEL_FIELDS if f not in (*_CHANNEL_MAPPINGS, "name", "integer", "available",
                                                                  "sales_cycle"))


def _keys_sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _keys_sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_keys_sorted(item) for item in value]
    return value


def canonical_json(scenario: Scenario) -> str:
    """Sorted keys, no spaces, floats as Python's shortest round-trip text, escaped to ASCII.

    That is ``json.dumps(canonical_data(scenario), sort_keys=True, separators=(",", ":"))``, which
    defines it; pydantic-core writes the same text (the data's keys are already in order) in a
    fraction of the time, and Python's encoder writes what pydantic-core would spell otherwise.
    """
    # The canonical form is many small acyclic containers: with the collector on, each of its runs
    # would re-walk the whole scenario (a third of the time at 100,000 channels).
    enabled = gc.isenabled()
    gc.disable()
    try:
        data = _data_but_channels(scenario)
        data["channels"] = _channel_views(scenario)
        fast = _CANONICAL.to_json(dict(sorted(data.items())), exclude_none=True)
        if (fast.isascii() and not any(text[:1] in fast and text in fast for text in _SPELT_OTHERWISE)
                and not _ONE_DIGIT_NEGATIVE_EXPONENT.search(fast)):
            return fast.decode("ascii")
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
