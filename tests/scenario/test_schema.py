"""The schema's shortcuts give exactly what the long way gives: number rules, derived values, the fingerprint."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from optimizer import Scenario
from optimizer.scenario import fingerprint
from optimizer.scenario.rules import NON_NEGATIVE, POSITIVE, RATE, NumberRule
from optimizer.scenario.schema import NAME, Channel, _quick

VALUES = [0, 1, -1, 0.0, -0.0, 0.5, 1.0, 1.5, 3, 1e300, -1e-300, math.inf, -math.inf, math.nan, True, False, None,
          "12%", "0.3", "4_800_000", "x", [], {}, 10**20]


def outcome(check, value):
    try:
        return "value", check(value)
    except PydanticCustomError as exc:
        return "error", str(exc)


@pytest.mark.parametrize("rule", [POSITIVE, NON_NEGATIVE, RATE, NumberRule("a number >= 0", low=0, optional=False)])
@pytest.mark.parametrize("value", VALUES)
def test_quick_number_rule_agrees_with_the_rule(rule, value):
    quick, slow = outcome(_quick(rule), value), outcome(rule, value)
    if quick[0] == "value" and isinstance(quick[1], float) and math.isnan(quick[1]):
        assert math.isnan(slow[1])
    else:
        assert quick == slow
    if quick[0] == "value" and quick[1] is not None:
        assert type(quick[1]) is float


def test_fingerprint_is_computed_once(monkeypatch):
    s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
    calls = []
    real = fingerprint.canonical_json
    monkeypatch.setattr(fingerprint, "canonical_json", lambda scenario: calls.append(1) or real(scenario))
    first = fingerprint.scenario_sha256(s)
    assert fingerprint.scenario_sha256(s) == first == fingerprint.compute_sha256(s)
    assert len(calls) == 2  # once for the kept value, once for compute_sha256


def test_a_changed_copy_recomputes_what_it_derives():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
    channel = s.channels[0]
    assert (channel.price_field, channel.price) == ("cost_per_lead", 20.0)
    changed = channel.model_copy(update={"cost_per_lead": 35.0})
    assert changed.price == 35.0 and channel.price == 20.0
    before = s.sha256
    other = s.model_copy(update={"targets": {"leads": 101.0}})
    assert other.sha256 != before and other.sha256 == fingerprint.compute_sha256(other)
    assert s.model_copy().sha256 == before


def test_null_fields_and_missing_fields_have_one_fingerprint():
    a = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
    b = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "win_rate": None, "max_spend": None}],
                 budget=None, targets={"leads": 100})
    assert a.sha256 == b.sha256
    assert '"max_spend"' not in fingerprint.canonical_json(b)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ_09-. \n\téß١ⅷ\u00a0"), max_size=6)
       | st.sampled_from(["", "if", "_", "email\n", "ch0", "2nd", "e\u0301", "ǅ", "ｅ"]))
def test_channel_name_rule_is_the_name_pattern_in_full(name: str) -> None:
    """The channel's check (an ASCII identifier) accepts exactly the names NAME matches in full."""
    try:
        Channel(name=name, cost_per_lead=1)
        accepted = True
    except ValidationError as exc:
        assert "is not a valid channel name" in str(exc)
        accepted = False
    assert accepted == (NAME.fullmatch(name) is not None)
