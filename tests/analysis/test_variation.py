"""The Explorer's outcomes name the plan's mix by channel (through the column table) and by limit."""

from __future__ import annotations

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
