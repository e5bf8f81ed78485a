"""The format of periods: what is accepted, and the message for what is not (file, field, allowed)."""

from __future__ import annotations

import pytest

from optimizer.errors import ScenarioError
from optimizer.scenario.fingerprint import compute_sha256
from optimizer.scenario.schema import Scenario


def base(**extra) -> dict:
    data = {"periods": ["Q1", "Q2", "Q3"], "deal_value": 40_000,
            "funnel": {"qualification_rate": 0.3, "opportunity_rate": 0.4, "win_rate": 0.25},
            "targets": {"revenue": 1e6},
            "channels": [{"name": "email", "cost_per_lead": 40}, {"name": "events", "unit_cost": 5e4,
                                                                  "yields": {"leads": 300}}]}
    data.update(extra)
    return data


def problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as caught:
        Scenario.model_validate(data)
    return [(i.path, i.message) for i in caught.value.issues]


def with_channel(**fields) -> dict:
    data = base()
    data["channels"][0] = {**data["channels"][0], **fields}
    return data


def test_a_valid_scenario_with_every_period_field():
    s = Scenario.model_validate(base(
        budget={"total": 5e5, "Q3": 1e5}, caps={"qualified_leads": {"Q1": 700, "Q2": 600}},
        pipeline={"deals": {"Q1": 5}, "revenue": {"Q2": 80_000}},
        funnel={"qualification_rate": {"Q1": "30%", "Q2": 0.3, "Q3": 0.2}, "win_rate": 0.25,
                "sales_cycle": ["50%", 0.5]},
        constraints=[{"expr": "spend[events] <= 0.5 * total_spend", "each_period": True},
                     {"name": "q2", "expr": "spend[email] >= 100", "period": "Q2"}]))
    assert s.periods == ["Q1", "Q2", "Q3"]
    assert s.funnel.sales_cycle == (0.5, 0.5)
    assert s.funnel.qualification_rate == {"Q1": 0.3, "Q2": 0.3, "Q3": 0.2}


@pytest.mark.parametrize(("data", "path", "words"), [
    (base(periods=["Q1", "Q1"]), "periods[1]", "listed twice"),
    (base(periods=["Q1", "total"]), "periods[1]", "reserved word"),
    (base(periods=["1Q"]), "periods[0]", "not a valid period name"),
    (base(periods=[]), "periods", "the list is empty"),
    (base(caps={"qualified_leads": {"Q1x": 700}}), "caps.qualified_leads.Q1x", "(did you mean Q1?)"),
    (base(budget={"Q2": -5}), "budget.Q2", "-5 is not a positive number"),
    (base(funnel={"win_rate": {"Q1": 1.5, "Q2": 0.2, "Q3": 0.2}}), "funnel.win_rate.Q1", "1.5"),
    (base(funnel={"win_rate": {"Q1": 0.2, "Q2": 0.2}}), "funnel.win_rate", "does not name Q3"),
    (base(funnel={"sales_cycle": [0.3, 0.3]}), "funnel.sales_cycle", "sum to 0.6, not 1"),
    (base(funnel={"sales_cycle": [0.5, "x", 0.5]}), "funnel.sales_cycle[1]", '"x" is not a number'),
    (with_channel(available=[]), "channels[email].available", "names no period"),
    (with_channel(available=["Q4"]), "channels[email].available[0]", "not a period of this scenario"),
    (with_channel(available=["Q1", "Q1"]), "channels[email].available[1]", "listed twice"),
    (with_channel(available=["Q1"], cost_per_lead={"Q2": 40}), "channels[email].cost_per_lead",
     "does not name Q1"),
    (base(pipeline={"leads": {"Q1": 5}}), "pipeline.leads", "allowed: deals, revenue"),
    (base(deal_value=None, funnel={}, targets={"leads": 5}, pipeline={"deals": {"Q1": 5}}), "pipeline.deals.Q1",
     "need a value"),
    (base(constraints=[{"name": "x", "expr": "spend[email] <= 5", "each_period": True, "period": "Q1"}]),
     "constraints[x]", "each_period and period are both given"),
    (base(constraints=[{"name": "x", "expr": "spend[email] <= 5", "period": "Q7"}]), "constraints[x].period",
     "not a period of this scenario"),
])
def test_bad_period_input_names_the_field(data, path, words):
    found = problems(data)
    assert any(p == path and words in m and "allowed:" in m for p, m in found), found


@pytest.mark.parametrize(("extra", "path"), [
    ({"budget": {"Q1": 5}}, "budget"),
    ({"targets": {"deals": {"Q4": 80}}}, "targets.deals"),
    ({"funnel": {"sales_cycle": [1]}}, "funnel.sales_cycle"),
    ({"pipeline": {"deals": {"Q1": 3}}}, "pipeline"),
])
def test_period_fields_without_periods_are_input_errors(extra, path):
    data = base(**extra)
    del data["periods"]
    found = problems(data)
    assert any(p == path and "needs periods" in m for p, m in found), found


def test_a_channel_field_by_period_without_periods_is_named():
    data = with_channel(max_units={"Q1": 5}, available=["Q1"])
    del data["periods"]
    paths = [p for p, _ in problems(data)]
    assert "channels[email].max_units" in paths and "channels[email].available" in paths


def test_fingerprint_keeps_period_order_and_ignores_mapping_key_order():
    a = Scenario.model_validate(with_channel(qualification_rate={"Q1": 0.1, "Q2": 0.2, "Q3": 0.3}))
    b = Scenario.model_validate(with_channel(qualification_rate={"Q3": 0.3, "Q1": 0.1, "Q2": "20%"}))
    c = Scenario.model_validate({**with_channel(qualification_rate={"Q1": 0.1, "Q2": 0.2, "Q3": 0.3}),
                                 "periods": ["Q2", "Q1", "Q3"]})
    assert compute_sha256(a) == compute_sha256(b) != compute_sha256(c)
    d = Scenario.model_validate(base(constraints=[{"expr": "spend[email] <= 5", "each_period": True}]))
    e = Scenario.model_validate(base(constraints=[{"expr": "spend[email] <= 5"}]))
    assert compute_sha256(d) != compute_sha256(e)


def test_set_one_period_of_an_inherited_rate_keeps_the_default_in_the_other_periods():
    """A channel without its own qualification rate inherits the funnel's, given by period; setting
    one period's entry (``--set channels[email].qualification_rate.P2=0.5``) keeps the inherited
    rate in the other periods, as a number of its own would (independent: the scenario written
    with the mapping by hand)."""
    from optimizer import apply_changes

    base = {"periods": ["P1", "P2", "P3"], "deal_value": 1000,
            "funnel": {"qualification_rate": {"P1": 0.3, "P2": 0.2, "P3": 0.25}, "opportunity_rate": 0.5,
                       "win_rate": 0.2},
            "targets": {"deals": 10},
            "channels": [{"name": "email", "cost_per_lead": 10, "available": ["P1", "P2"]},
                         {"name": "search", "cost_per_lead": 40, "qualification_rate": 0.4}]}
    changed = apply_changes(Scenario.model_validate(base), {"channels[email].qualification_rate.P2": 0.5})
    by_hand = {**base, "channels": [{**base["channels"][0], "qualification_rate": {"P1": 0.3, "P2": 0.5}},
                                    base["channels"][1]]}
    assert compute_sha256(changed) == compute_sha256(Scenario.model_validate(by_hand))
    # a plain default is kept the same way
    plain = {**base, "funnel": {**base["funnel"], "qualification_rate": 0.3}}
    changed = apply_changes(Scenario.model_validate(plain), {"channels[email].qualification_rate.P1": 0.1})
    by_hand = {**plain, "channels": [{**base["channels"][0], "qualification_rate": {"P1": 0.1, "P2": 0.3}},
                                     base["channels"][1]]}
    assert compute_sha256(changed) == compute_sha256(Scenario.model_validate(by_hand))


QUARTERS = {"periods": ["Q1", "Q2", "Q3", "Q4"], "deal_value": 1000, "budget": 10_000,
            "funnel": {"qualification_rate": 0.3, "opportunity_rate": 0.5, "win_rate": 0.2},
            "targets": {"deals": 1}, "caps": {"qualified_leads": 500}, "pipeline": {"deals": {"Q1": 2}},
            "channels": [{"name": "email", "cost_per_lead": 10}]}


@pytest.mark.parametrize(("path", "message"), [
    ("budget.Q5", "'Q5' is not a period of this scenario (did you mean Q4?); allowed: Q1, Q2, Q3, Q4, total"),
    ("budget.q4", "'q4' is not a period of this scenario (did you mean Q4?)"),
    ("caps.qualified_leads.Q5", "'Q5' is not a period of this scenario (did you mean Q4?); allowed: Q1, Q2, Q3, "
                                "Q4, total"),
    ("channels[email].qualification_rate.Q5", "'Q5' is not a period of this scenario (did you mean Q4?); "
                                              "allowed: Q1, Q2, Q3, Q4"),
    ("funnel.win_rate.Q04", "'Q04' is not a period of this scenario (did you mean Q4?)"),
    ("pipeline.deals.total", "pipeline.deals is in flight by period, not over the horizon; allowed: "
                             "pipeline.deals.PERIOD"),
])
def test_set_with_a_mistyped_period_names_it_and_the_nearest(path, message):
    from optimizer import apply_changes

    with pytest.raises(ScenarioError) as caught:
        apply_changes(Scenario.model_validate(QUARTERS), {path: 0.5})
    assert any(i.path == path and message in i.message for i in caught.value.issues), caught.value.issues


@pytest.mark.parametrize(("path", "field"), [
    ("budget.Q1", "budget"), ("caps.qualified_leads.Q1", "caps.qualified_leads"),
    ("channels[email].qualification_rate.Q2", "channels[email].qualification_rate"),
])
def test_set_of_a_period_without_periods_says_the_scenario_has_none(path, field):
    from optimizer import apply_changes

    data = {k: v for k, v in QUARTERS.items() if k not in ("periods", "pipeline")}
    with pytest.raises(ScenarioError) as caught:
        apply_changes(Scenario.model_validate(data), {path: 0.5})
    assert [(i.path, i.message) for i in caught.value.issues] == [
        (path, f"names a period ({path.rsplit('.', 1)[1]}), but this scenario has no periods; allowed: {field}, "
               "or periods: [Q1, Q2, ...] in the scenario")]


def test_set_pipeline_in_one_period_adds_it_and_keeps_the_others():
    from optimizer import apply_changes

    changed = apply_changes(Scenario.model_validate(QUARTERS), {"pipeline.deals.Q3": 4, "pipeline.revenue.Q2": 900})
    assert changed.pipeline == {"deals": {"Q1": 2, "Q3": 4}, "revenue": {"Q2": 900}}


@pytest.mark.parametrize(("data", "path", "message"), [
    (base(budget={"Q4": 5}), "budget.Q4",
     '"Q4" is not a period of this scenario (did you mean Q3?); allowed: Q1, Q2, Q3, total'),
    (base(caps={"qualified_leads": {"q2": 700}}), "caps.qualified_leads.q2",
     '"q2" is not a period of this scenario (did you mean Q2?); allowed: Q1, Q2, Q3, total'),
    (base(pipeline={"deals": {"Q5": 3}}), "pipeline.deals.Q5",
     '"Q5" is not a period of this scenario (did you mean Q3?); allowed: Q1, Q2, Q3'),
    (with_channel(available=["Q1", "q3"]), "channels[email].available[1]",
     '"q3" is not a period of this scenario (did you mean Q3?); allowed: Q1, Q2, Q3'),
    (with_channel(available=["Q4"]), "channels[email].available[0]",
     '"Q4" is not a period of this scenario (did you mean Q3?); allowed: Q1, Q2, Q3'),
    (base(constraints=[{"name": "x", "expr": "spend[email] <= 5", "period": "q1"}]), "constraints[x].period",
     '"q1" is not a period of this scenario (did you mean Q1?); allowed: Q1, Q2, Q3'),
])
def test_an_unknown_period_in_a_file_gets_the_hint_set_gives(data, path, message):
    # the same nearest-period rule as --set: another case, or a short name that is not very near
    assert (path, message) in problems(data)


@pytest.mark.parametrize(("data", "path", "message"), [
    (base(funnel={"sales_cycle": [1.2, -0.2]}), "funnel.sales_cycle",
     '2 shares are wrong: [0] 1.2 is not a share, [1] -0.2 is not a share; allowed: a number in [0, 1], or a '
     'percentage such as "12%"'),
    (with_channel(sales_cycle=[0.5, "x", 1.5]), "channels[email].sales_cycle",
     '2 shares are wrong: [1] "x" is not a number, [2] 1.5 is not a share; allowed: a number in [0, 1], or a '
     'percentage such as "12%"'),
    (base(funnel={"sales_cycle": [1.2, 0]}), "funnel.sales_cycle[0]",  # one bad share: named by its own path
     '1.2 is not a share; allowed: a number in [0, 1], or a percentage such as "12%"'),
])
def test_a_cycle_names_every_bad_share(data, path, message):
    assert (path, message) in problems(data)


def test_set_a_whole_mapping_replaces_the_limit():
    """``--set 'budget={Q1: 500, Q2: 700}'`` replaces the budget with that mapping (the horizon's
    limit and the other periods' entries go), where ``--set budget=N`` keeps the periods' entries."""
    from optimizer import apply_changes

    data = {**QUARTERS, "budget": {"total": 10_000, "Q4": 3_000}}
    changed = apply_changes(Scenario.model_validate(data), {"budget": {"Q1": 500, "Q2": 700}})
    assert changed.budget == {"Q1": 500, "Q2": 700}
    changed = apply_changes(Scenario.model_validate(data), {"budget": 9_000})
    assert changed.budget == {"total": 9_000, "Q4": 3_000}
