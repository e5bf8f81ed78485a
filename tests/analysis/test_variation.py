"""The Explorer's outcomes name the plan's mix by channel (through the column table) and by limit."""

from __future__ import annotations

import numpy as np

from optimizer import Scenario
from optimizer.analysis.variation import Explorer


def test_mix_names_the_channels_in_the_plan_and_the_limits_that_bind():
    # a costs 10 a lead, b 20, c 30 with at most 40 leads from a: 40 from a, the other 60 from b
    s = Scenario(channels=[{"name": "a", "cost_per_lead": 10, "max_units": 40}, {"name": "b", "cost_per_lead": 20},
                           {"name": "c", "cost_per_lead": 30}], targets={"leads": 100})
    explorer = Explorer(s)
    outcome = explorer.solve({})
    channels, limits = outcome.mix
    assert channels == {"a", "b"}
    assert {explorer.program.limits[k].name for k in limits} == {"targets.leads", "channels[a].max_units"}
    assert outcome.objective_value == 40 * 10 + 60 * 20
    # b dearer than c: c takes b's place in the mix
    channels, _ = explorer.solve({"channels[b].cost_per_lead": 35}).mix
    assert channels == {"a", "c"}
    assert explorer.solve({"channels[b].cost_per_lead": -1}).mix is None


def _full_validation_message(scenario, changes):
    from optimizer import apply_changes
    from optimizer.errors import ScenarioError

    try:
        apply_changes(scenario, changes)
    except ScenarioError as exc:
        return "; ".join(issue.render() for issue in exc.issues)
    return None


def test_a_value_its_field_rejects_gets_the_full_validations_exact_message():
    """Bad values across every kind of numeric path, one at a time and beside another change: the
    own-rule message equals what validating the whole changed scenario says (the oracle)."""
    import random
    from pathlib import Path

    from optimizer import load_scenario
    from optimizer.analysis.variation import numeric_paths, own_rule_issue

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "b2b-annual-plan.yaml")
    explorer = Explorer(scenario)
    paths = numeric_paths(scenario)
    rng = random.Random(9)
    bad = [-1.0, 0.0, 1.2, float("nan"), float("inf"), "12%", "abc", -0.5]
    checked = 0
    for path in paths:
        for value in rng.sample(bad, 3):
            for extra in ({}, {"budget": 7e5}, {"channels[email].max_spend": 5e4}):
                changes = {path: value, **{p: v for p, v in extra.items() if p != path}}
                expected = _full_validation_message(scenario, changes)
                outcome = explorer.solve(changes)
                if expected is None:
                    assert outcome.status != "invalid", (changes, outcome.message)
                else:
                    assert outcome.status == "invalid" and outcome.message == expected, changes
                own = own_rule_issue(changes)
                if own is not None:  # answered without validating the scenario: the same words
                    assert own == expected, changes
                    checked += 1
    assert checked > 100


# -- cheap variants: a channel's values set without validating or rebuilding the scenario -----------
def _generated(*args):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("generate_for_variants", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Scenario.model_validate(module.periodic_data(*args) if len(args) > 1 else module.scenario_data(*args))


def _by_month_rates():
    """Funnel defaults and a channel's rate given by period: an inherited rate is a mapping."""
    return Scenario(periods=["M1", "M2", "M3"], deal_value={"M1": 1000, "M2": 1200, "M3": 900},
                    funnel={"qualification_rate": {"M1": 0.2, "M2": 0.25, "M3": 0.3}, "win_rate": 0.3,
                            "sales_cycle": [0.5, 0.5]},
                    channels=[{"name": "email", "cost_per_lead": {"M1": 20, "M2": 25, "M3": 22},
                               "win_rate": {"M1": 0.2, "M2": 0.3, "M3": 0.25}, "min_spend": 100},
                              {"name": "search", "cost_per_lead": 40, "deal_value": 1500},
                              {"name": "events", "unit_cost": 900, "yields": {"leads": 30, "impressions": 5000},
                               "available": ["M1", "M3"]}],
                    targets={"deals": {"M2": 3, "M3": 4}}, caps={"impressions": 1e6}, budget=5e4,
                    constraints=[{"expr": "spend[email] <= 2 * spend[search] + 50 * units[events]"}])


def _scenarios():
    from pathlib import Path

    from optimizer import load_scenario

    root = Path(__file__).resolve().parents[2] / "scenarios"
    # a tier's number is no cheap variant (value_variant leaves it to a full validation), so tiered
    # scenarios are left out
    out = [s for s in (load_scenario(p) for p in sorted(root.glob("*.yaml"))) if not any(c.tiered for c in s.channels)]
    return out + [_generated(12), _generated(6, 4), _by_month_rates()]


def _assert_same_program(cheap, full):
    assert cheap.periods == full.periods and cheap.pipeline == full.pipeline and cheap.integer == full.integer
    assert cheap.columns == full.columns  # prices, yields per unit, deals and revenue by the period they close in
    assert np.array_equal(cheap.objective_coefs, full.objective_coefs)
    assert cheap.objective_constant == full.objective_constant and cheap.sense == full.sense
    assert [(q.name, q.kind, q.sense, q.period) for q in cheap.limits] == [
        (q.name, q.kind, q.sense, q.period) for q in full.limits]
    for a, b in zip(cheap.limits, full.limits):
        assert np.array_equal(a.index, b.index) and np.array_equal(a.coefs, b.coefs), a.name
        assert (a.bound, a.constant) == (b.bound, b.constant), a.name
    for a, b in zip(cheap._stacked, full._stacked):
        assert np.array_equal(a, b)


def _variant_changes(scenario):
    """The variants sensitivity asks for: every price moved at once, each conversion rate of every
    channel moved at once, as its slopes need them; then a yield and a channel's deal value."""
    from optimizer.analysis.sensitivity import _items, _variant
    from optimizer.model.build import build_program

    program = build_program(scenario)
    columns = {name: program.columns_of(name) for name in program.channels}
    prices, rates = _items(scenario, columns, program)
    out = [_variant({item: item.value * 1.5 + 1 for item in prices})]
    for rate in ("response_rate", "qualification_rate", "opportunity_rate", "win_rate"):
        group = [item for item in rates if item.field == rate and item.channel is not None]
        if group:
            out.append(_variant({item: item.value / 2 for item in group}))
    for c in scenario.channels:
        for metric, value in (c.yields or {}).items():
            if not isinstance(value, dict):
                out.append({f"channels[{c.name}].yields.{metric}": value * 2})
        if c.deal_value is not None and not isinstance(c.deal_value, dict):
            out.append({f"channels[{c.name}].deal_value": c.deal_value * 0.8})
    return out


def test_a_variant_of_channels_values_equals_the_validated_rebuilt_scenario():
    """Prices, rates (a channel's own, one it inherits, one period's entry), yields and deal values:
    the variant's scenario is the validated one's, and its program the rebuilt one's, array by array."""
    from optimizer.model.build import build_program

    checked = 0
    for scenario in _scenarios():
        explorer = Explorer(scenario)
        for changes in _variant_changes(scenario):
            full = explorer.scenario_at(changes)
            cheap = explorer.value_variant(changes)
            assert cheap is not None, (scenario.name, changes)
            assert cheap.model_dump() == full.model_dump()
            _assert_same_program(build_program(cheap), build_program(full))
            _assert_same_program(explorer.program_at(changes), build_program(full))
            checked += 1
    assert checked >= 30


def test_a_variant_that_changes_a_shape_or_breaks_a_rule_is_validated_in_full():
    """A number given for one period's entry only (the field becomes a mapping), a yield the channel
    does not have, a limit, a bad value, a price that its minimum spend rules out: no cheap variant;
    the program is the validated one's, or the validation's error."""
    import pytest

    from optimizer.errors import ScenarioError
    from optimizer.model.build import build_program

    s = _by_month_rates()
    explorer = Explorer(s)
    for changes in ({"channels[search].cost_per_lead.M2": 30}, {"channels[events].yields.deals": 3},
                    {"budget": 6e4}, {"channels[email].max_spend": 900}, {"funnel.win_rate": 0.2}):
        assert explorer.value_variant(changes) is None, changes
        _assert_same_program(explorer.program_at(changes), build_program(explorer.scenario_at(changes)))
    assert explorer.value_variant({"channels[events].yields.leads": 40}) is not None
    for bad in ({"channels[search].win_rate": 1.5}, {"channels[email].cost_per_lead.M1": -1},
                {"channels[search].cost_per_lead": True}, {"channels[search].yields.leads": 3},
                {"channels[search].cost_per_contact": 1.0}):
        assert explorer.value_variant(bad) is None
        with pytest.raises(ScenarioError):
            explorer.program_at(bad)
    # email has a minimum spend: a price of 0 makes it unspendable, as its own rule says
    free = Scenario(channels=[{"name": "email", "cost_per_lead": 20, "min_spend": 100}])
    assert Explorer(free).value_variant({"channels[email].cost_per_lead": 0}) is None
    with pytest.raises(ScenarioError, match="min_spend 100 cannot be spent"):
        Explorer(free).program_at({"channels[email].cost_per_lead": 0})
