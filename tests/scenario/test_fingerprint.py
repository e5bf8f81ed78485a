"""The fingerprint stays what it was: pinned digests, and the canonical JSON against the first algorithm.

``scenario_sha256`` is written into every plan's provenance and compared across runs and versions,
so a change of the canonical JSON's bytes would make every earlier fingerprint look like another
scenario. The digests below were computed by the algorithm kept here as ``oracle_json`` (the code of
``optimizer.scenario.fingerprint`` before pydantic-core wrote the text), before the change; they pin
backward compatibility of fingerprints. The property test holds the current canonical JSON to that
algorithm on random scenarios, including the numbers and characters the two JSON encoders spell
differently.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer import Scenario
from optimizer.errors import ScenarioError
from optimizer.scenario import fingerprint
from optimizer.scenario.fingerprint import canonical_json, compute_sha256, scenario_sha256
from optimizer.scenario.funnel import DEFAULT_RATES
from optimizer.scenario.loading import load_scenario
from optimizer.scenario.schema import Channel, Funnel

ROOT = Path(__file__).resolve().parents[2]

# Computed with the code of commit 6608b51 (fingerprint.py as ``oracle_json`` below), before the change.
PINNED = {
    "b2b-annual-plan.yaml": "7398012c7cbf59989754bbc2704fcc288d0c8e7b9d67402d7cdd913c6124c055",
    # added with periods (its canonical JSON is checked against the oracle below like every other)
    "b2b-quarterly-plan.yaml": "78ba9a3cde87e8259c71aaf654d842b40c455729e2d35a6f99382506ff6d10c4",
    # added with tiered prices (a tier list is canonical as a list of {cost, up_to}, keys sorted)
    # added with the sales team (roles in name order; the key only where roles are given)
    "b2b-sales-team.yaml": "b2639c006b5ef0a0feae2ffb8fb8b61975348456c0568be77bbbce81e9c67faa",
    "b2b-tiered-search.yaml": "ab53a4caa24e2c4ef10eaaf2a120cb9ff9dab1236182bc9298a90b61949cabc4",
    "ecommerce-holiday.yaml": "c52354a7a609779da11cf07ff2ecce8ddbb373901d4701003b03e49f0c27e896",
    "fixed-budget-max-deals.yaml": "68f78d9dfdc687af63ebef57bb4dee1a3bd80caf8b04d3706d5748518625cbf9",
    # added with response curves (the curve, and the tiered price it becomes, are both in the canonical JSON)
    "saturating-search.yaml": "67ecd11704cf380e262685952445f5a418c0688603cd7cee31067b8074515ea5",
    "textbook-media-selection.yaml": "a42d45e675a8db572e982b67583c40981c0430bb3e56600832bbbf4e1e7590d2",
}
PINNED_GENERATED = {  # benchmarks/generate.py, seed 7: custom constraints, every price kind, yields
    300: "7ba9674a76146cc91ce32ad3e93149205ac773333c0bec262648bcdabcd48767",
}


# -- the first algorithm, kept as the oracle ---------------------------------------------------------
def oracle_data(scenario: Scenario) -> dict[str, Any]:
    data = scenario.model_dump(mode="json", exclude_none=True, exclude={"name", "constraints"})
    funnel = data["funnel"]
    if "deal_value" in funnel:
        data["deal_value"] = funnel.pop("deal_value")
    for rate, value in DEFAULT_RATES.items():
        funnel.setdefault(rate, value)
    data["channels"] = sorted(data["channels"], key=lambda c: c["name"])
    # the sales team came later: its key only where roles are given, so that earlier fingerprints stay
    if data.get("sales_team"):
        data["sales_team"] = sorted(data["sales_team"], key=lambda r: r["name"])
    else:
        data.pop("sales_team", None)
    data["constraints"] = [
        {"name": spec.name, "sense": spec.parsed.sense, "constant": spec.parsed.constant,
         "terms": [[kind, channel, weight] for (kind, channel), weight in
                   sorted(((kind, channel or ""), weight) for (kind, channel), weight in spec.parsed.terms.items())],
         # periods came later: their keys only where given, so that earlier fingerprints stay
         **({"each_period": True} if spec.each_period else {}),
         **({"period": spec.period} if spec.period is not None else {})}
        for spec in scenario.constraints]
    return data


def oracle_json(scenario: Scenario) -> str:
    return json.dumps(oracle_data(scenario), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False, check_circular=False)


def _generated(n: int) -> dict:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.scenario_data(n)


# -- pinned digests ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(PINNED))
def test_bundled_scenarios_keep_their_fingerprints(name):
    scenario = load_scenario(ROOT / "scenarios" / name)
    assert scenario_sha256(scenario) == PINNED[name]
    assert compute_sha256(scenario) == PINNED[name]
    assert canonical_json(scenario) == oracle_json(scenario)


def test_bundled_scenarios_are_all_pinned():
    assert sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml")) == sorted(PINNED)


@pytest.mark.parametrize("n", sorted(PINNED_GENERATED))
def test_generated_scenario_keeps_its_fingerprint(n):
    scenario = Scenario.model_validate(_generated(n))
    assert scenario_sha256(scenario) == PINNED_GENERATED[n]
    assert canonical_json(scenario) == oracle_json(scenario)


# -- the spellings the two encoders differ on, each against the oracle -------------------------------
def _counting_python_encoder(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = json.dumps
    monkeypatch.setattr(fingerprint.json, "dumps", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


BASE = {"channels": [{"name": "email", "cost_per_lead": 20, "win_rate": 0.2}], "targets": {"leads": 100}}


def test_plain_scenario_is_written_by_pydantic_core(monkeypatch):
    calls = _counting_python_encoder(monkeypatch)
    scenario = load_scenario(ROOT / "scenarios" / "b2b-annual-plan.yaml")
    assert canonical_json(scenario) == oracle_json(scenario)
    assert calls == [1]  # the oracle's own call: canonical_json needed no Python encoder


@pytest.mark.parametrize("change", [
    {"funnel": {"response_rate": 1.5e-05}},  # pydantic-core: 0.000015, Python: 1.5e-05
    {"funnel": {"response_rate": 2.5e-07}},  # 2.5e-7 against 2.5e-07
    {"currency": "€"},  # Python escapes it: "\u20ac"
    {"currency": "😀"},  # a surrogate pair in Python's escape
    {"currency": "del\x7f"},  # Python escapes DEL, pydantic-core does not
    {"currency": "NaN"},  # text only: the slow path, the same result
    {"budget": 10.00001},  # looks like 0.0000...: the slow path, the same result
])
def test_spellings_pydantic_core_writes_otherwise_go_through_python(monkeypatch, change):
    scenario = Scenario.model_validate({**BASE, **change})
    expected = oracle_json(scenario)
    calls = _counting_python_encoder(monkeypatch)
    assert canonical_json(scenario) == expected
    assert calls == [1]


@pytest.mark.parametrize("change", [
    {"funnel": {"response_rate": 1e-10}},  # e-10: both spell it so
    {"funnel": {"response_rate": 1e-4}},  # 0.0001 in both
    {"budget": 1e15},  # the largest typed number the input allows
    {"currency": 'quote " back \\ slash / tab \t newline \n bell \x07'},  # escaped alike
])
def test_spellings_both_encoders_share_stay_on_pydantic_core(monkeypatch, change):
    scenario = Scenario.model_validate({**BASE, **change})
    expected = oracle_json(scenario)
    calls = _counting_python_encoder(monkeypatch)
    assert canonical_json(scenario) == expected
    assert calls == []


def test_random_scenarios_draw_every_field():
    # the canonical form reads a channel's fields one by one; a new field must be drawn below too
    # (the fields of periods are drawn by tests/scenario/test_periods.py's own strategy)
    assert set(Channel.model_fields) == {"name", *PRICES, "yields", *RATES, "deal_value", *BOUNDS, "caps", "integer",
                                         "available", "sales_cycle", "response_curve", *SET_UP}
    assert set(Funnel.model_fields) == {*RATES, "deal_value", "sales_cycle"}
    assert set(Scenario.model_fields) == {"name", "currency", "budget", "deal_value", "objective", "funnel",
                                          "targets", "caps", "channels", "constraints", "periods", "pipeline",
                                          "sales_team"}  # roles: tests/scenario/test_sales_team_input.py


# -- random scenarios against the oracle -------------------------------------------------------------
# text and numbers both encoders write alike (tame), and any (the Python encoder's escapes, tiny floats)
TAME_TEXT = st.text(st.sampled_from("abz_ 9\"\\/\n\t\x00\x1f-.e+"), min_size=1, max_size=6)
TEXT = st.text(st.sampled_from("abz_ 9é€😀\"\\/\n\t\x7f\x00\u2028-.e"), min_size=1, max_size=6)
TAME = (0.25, 0.1, 1.0, 3.0, 1e-4, 1e-10, 1e15, 1e16, 1.2345678901234568e17, 1e22)
AWKWARD = (1e-12, 2.5e-7, 1e-6, 1e-5, 1.5e-5, 9.999e-5, 1e-4, 0.1, 1.0, 10.00001, 1e15, 1e16, 5e-324)


def _numbers(low: float, high: float, tame: bool) -> st.SearchStrategy[float]:
    within = [x for x in (TAME if tame else AWKWARD) if low < x <= high]
    plain = st.integers(1, 10**6).map(float) | st.integers(1, 99).map(lambda k: k / 100)
    if tame:
        return (st.sampled_from(within) | plain).filter(lambda x: low < x <= high)
    return (st.sampled_from(within) | plain | st.floats(low, high, exclude_min=True, allow_nan=False,
                                                        allow_infinity=False)).filter(lambda x: low < x <= high)


PRICES = ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost")
RATES = ("response_rate", "qualification_rate", "opportunity_rate", "win_rate")
BOUNDS = ("min_spend", "max_spend", "min_units", "max_units")
SET_UP = ("fixed_cost", "min_units_if_used", "min_spend_if_used")


@st.composite
def scenarios(draw) -> dict:
    tame = draw(st.booleans())
    text = TAME_TEXT if tame else TEXT
    metric = draw((st.sampled_from(["trials", "demos"]) | text)
                  .filter(lambda t: "lead" not in t and "deal" not in t and "reach" not in t))
    channels = []
    for i in range(draw(st.integers(1, 5))):
        price = draw(st.sampled_from(PRICES))
        channel: dict = {"name": f"c{draw(st.integers(0, 50))}_{i}", price: draw(_numbers(0, 1e20, tame))}
        if price == "unit_cost":
            channel["yields"] = draw(st.dictionaries(st.sampled_from(["leads", "deals", metric, "b_" + metric]),
                                                     _numbers(0, 1e6, tame), min_size=1, max_size=3))
        for rate in RATES:
            if draw(st.integers(0, 3)) == 0:
                channel[rate] = draw(st.one_of(_numbers(0, 1, tame), st.none()))
        if draw(st.integers(0, 3)) == 0:
            channel["deal_value"] = draw(_numbers(0, 1e9, tame))
        for bound in BOUNDS:
            if draw(st.booleans()):
                channel[bound] = draw(_numbers(0, 1e12, tame))
        price_of = channel[price]  # a minimum below every maximum, in spend and in units
        spend_cap = min(channel.get("max_spend", math.inf), channel.get("max_units", math.inf) * price_of)
        if "min_spend" in channel:
            channel["min_spend"] = min(channel["min_spend"], spend_cap / 2)
        if "min_units" in channel:
            channel["min_units"] = min(channel["min_units"], spend_cap / 2 / price_of)
        if draw(st.booleans()):
            channel["caps"] = draw(st.dictionaries(st.sampled_from(["leads", "deals", "revenue"]),
                                                   _numbers(0, 1e9, tame), max_size=3))
        if draw(st.booleans()):
            channel["integer"] = True
        if "max_units" in channel and draw(st.integers(0, 3)) == 0:  # a set-up needs a bound on the units
            channel["fixed_cost"] = draw(_numbers(0, 1e9, tame))
            if draw(st.booleans()):
                channel["min_units_if_used"] = channel["max_units"] / 2
        if draw(st.integers(0, 4)) == 0:  # a response curve instead of the price (tiers in its stage)
            del channel[price]
            channel.pop("yields", None)
            spend = amount = 0.0
            points = [[0, 0]]
            for _ in range(draw(st.integers(1, 3))):
                spend += draw(_numbers(0, 1e6, tame))
                amount += draw(_numbers(0, 1e6, tame))
                points.append([spend, amount])
            channel["response_curve"] = {"stage": draw(st.sampled_from(["leads", "reach", "deals", "demos"])),
                                         "points": points}
        channels.append(channel)
    data: dict = {"name": draw(text), "channels": channels,
                  "currency": draw(st.sampled_from(["USD", "EUR", "GBP"]) | text),
                  "targets": draw(st.dictionaries(st.sampled_from(["leads", "deals"]), _numbers(0, 1e6, tame),
                                                  max_size=2)),
                  "funnel": {rate: draw(_numbers(0, 1, tame)) for rate in RATES if draw(st.integers(0, 5))}}
    if draw(st.integers(0, 3)):
        data["budget"] = draw(_numbers(0, 1e15, tame))
    if draw(st.integers(0, 3)):
        where = draw(st.sampled_from(["top", "funnel"]))
        value = draw(_numbers(0, 1e9, tame))
        if where == "top":
            data["deal_value"] = value
        else:
            data["funnel"]["deal_value"] = value
    names = [c["name"] for c in channels]
    constraints = []
    for k in range(draw(st.integers(0, 3))):
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        weight = draw(st.sampled_from(["0.3", "3", "1e16", "0.0001", "1e-10", "0.25"]
                                      + ([] if tame else ["2.5e-7", "1.5e-5"])))
        expr = f"spend[{a}] - {weight} * units[{b}] <= {weight} * total_spend + {draw(st.integers(0, 9))}"
        named = {"name": draw(st.just("share") | text) + str(k), "expr": expr}
        constraints.append(named if draw(st.booleans()) else expr)
    if constraints:
        data["constraints"] = constraints
    if draw(st.booleans()):
        data["caps"] = {"leads": draw(_numbers(0, 1e9, tame))}
    if draw(st.booleans()):
        data["objective"] = draw(st.sampled_from(["max_deals", "max_leads", "max_profit"]))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=scenarios())
def test_canonical_json_is_the_first_algorithms_text(data):
    try:
        scenario = Scenario.model_validate(data)
    except ScenarioError:
        assume(False)
    expected = oracle_json(scenario)
    assert canonical_json(scenario) == expected
    assert compute_sha256(scenario) == hashlib.sha256(expected.encode("ascii")).hexdigest()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e15, 1e15), st.floats(-1e-3, 1e-3)), min_size=1))  # typed numbers <= 1e15
def test_every_float_is_spelt_as_python_spells_it(numbers):
    # the floats of a scenario reach the text through the same encoder; here every magnitude at once
    data = {"channels": [{"name": "email", "cost_per_lead": 1.0}],
            "constraints": [f"spend[email] <= {abs(x)!r}" for x in numbers if math.isfinite(abs(x))]}
    scenario = Scenario.model_validate(data)
    assert canonical_json(scenario) == oracle_json(scenario)
