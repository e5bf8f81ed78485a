"""The sales_team section: its fields, rules and messages (docs/scenario-format.md, "Sales team")."""

from __future__ import annotations

import pytest

from optimizer import Scenario
from optimizer.errors import ScenarioError
from optimizer.scenario.fingerprint import compute_sha256
from optimizer.scenario.paths import set_in_data

BASE = {"channels": [{"name": "email", "cost_per_lead": 20, "qualification_rate": 0.5}], "targets": {"leads": 100}}


def data(periods=False, **role) -> dict:
    sdr = {"name": "sdr", "cost": 30_000, "capacity": {"qualified_leads": 120}, "current": 6, **role}
    out = {**BASE, "sales_team": [sdr]}
    if periods:
        out["periods"] = ["Q1", "Q2"]
    return out


def messages(raw: dict) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        Scenario.model_validate(raw)
    return [f"{i.path}: {i.message}" for i in err.value.issues]


def test_a_role_as_the_issue_writes_it():
    s = Scenario.model_validate(data(periods=True, max_hires={"Q1": 1, "Q2": 1}, ramp=[0, 0.5], integer=True))
    role = s.sales_team[0]
    assert (role.metric, role.per_rep, role.current, role.integer) == ("qualified_leads", 120.0, 6.0, True)
    assert [role.share(k) for k in range(4)] == [0.0, 0.5, 1.0, 1.0]
    assert s.warnings == ()


@pytest.mark.parametrize(("role", "periods", "expected"), [
    ({"capacity": {"qualified_leadz": 120}}, False,
     'sales_team[sdr].capacity.qualified_leadz: "qualified_leadz" is not a metric of this scenario (did you mean '
     "qualified_leads?); allowed: reach, leads, qualified_leads, opportunities, deals, revenue"),
    ({"capacity": {"qualified_leads": 120, "opportunities": 20}}, False,
     "sales_team[sdr].capacity: names 2 metrics (qualified_leads, opportunities); allowed: exactly one metric per "
     "role, such as {qualified_leads: 120} (a rep who follows up two metrics: two roles)"),
    ({"capacity": {}}, False,
     "sales_team[sdr].capacity: names no metric; allowed: exactly one metric per role, such as {qualified_leads: "
     "120} (a rep who follows up two metrics: two roles)"),
    ({"cost": -5}, False,
     "sales_team[sdr].cost: -5 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
    ({"current": -1}, False,
     "sales_team[sdr].current: -1 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
    ({"max_hires": -2}, False,
     "sales_team[sdr].max_hires: -2 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"),
    ({"capacity": {"qualified_leads": 0}}, False,
     "sales_team[sdr].capacity.qualified_leads: 0 is not a positive number; allowed: a number > 0 (4800000, "
     "4_800_000 or 4.8e6)"),
    ({"ramp": [0.5, 1.2]}, True, "sales_team[sdr].ramp[1]: 1.2 is not a share; allowed: a number in [0, 1]"),
    ({"ramp": [0.75, 0.25]}, True,
     "sales_team[sdr].ramp[1]: 0.25 is below the share before it (0.75); allowed: shares that do not decrease (a "
     "rep does not unlearn)"),
    ({"ramp": [0.5]}, False,
     "sales_team[sdr].ramp: a ramp needs periods; allowed: remove it (without periods a hire counts at full "
     "capacity), or give periods: [Q1, Q2, ...] in the scenario"),
    ({"max_hires": {"Q1": 1}}, False,
     "sales_team[sdr].max_hires: a mapping by period needs periods; allowed: a number, or periods: [Q1, Q2, ...] in "
     "the scenario"),
    ({"max_hires": {"Q3": 1}}, True,
     'sales_team[sdr].max_hires.Q3: "Q3" is not a period of this scenario (did you mean Q2?); allowed: Q1, Q2, total'),
    ({"seniority": 2}, False,
     "sales_team[sdr].seniority: unknown field; allowed: name, cost, capacity, current, max_hires, ramp, integer"),
])
def test_bad_roles_get_the_usual_message(role, periods, expected):
    assert messages(data(periods, **role)) == [expected]


def test_two_roles_on_one_metric_and_names():
    raw = data()
    raw["sales_team"].append({"name": "bdr", "cost": 1, "capacity": {"qualified_leads": 50}})
    raw["sales_team"].append({"name": "sdr", "cost": 1, "capacity": {"leads": 50}})
    raw["sales_team"].append({"name": "2x", "cost": 1, "capacity": {"deals": 50}})
    assert messages(raw) == [
        "sales_team[bdr].capacity.qualified_leads: qualified_leads is already the capacity of sales_team[sdr]; "
        "allowed: one role per metric (make them one role)",
        'sales_team[2].name: "sdr" is used by another role; allowed: a unique name per role',
        'sales_team[3].name: "2x" is not a valid role name; allowed: letters, digits and _, not starting with a digit',
    ]


def test_a_free_role_without_max_hires_is_a_warning():
    s = Scenario.model_validate(data(cost=0))
    assert s.warnings == ("sales_team[sdr].cost is 0 and no max_hires is given: its hires cost nothing, so how many "
                          "the plan hires is arbitrary; give a cost or max_hires",)
    assert Scenario.model_validate(data(cost=0, max_hires=2)).warnings == ()


def test_constraints_name_roles():
    raw = data()
    raw["constraints"] = ["hires[sdrs] <= 2"]
    assert messages(raw) == ['constraints[0]: "sdrs" in hires[sdrs] is not a role of sales_team (did you mean '
                             'sdr?); allowed: hires[NAME] with NAME one of sdr']
    raw["constraints"] = ["hiring_cost <= 0.5 * total_spend", "hires[sdr] <= 2"]
    Scenario.model_validate(raw)
    raw = dict(BASE, constraints=["hires[sdr] <= 2"])  # without a sales team: an unknown term, as before
    assert messages(raw)[0].startswith('constraints[0]: "hires[sdr]" is not a known term')


def test_the_fingerprint_holds_the_team_in_name_order():
    a = Scenario.model_validate(data())
    b = Scenario.model_validate({**data(), "sales_team": [{"name": "sdr", "capacity": {"qualified_leads": "120"},
                                                           "cost": 3e4, "current": 6, "integer": False}]})
    assert compute_sha256(a) == compute_sha256(b)
    assert compute_sha256(a) != compute_sha256(Scenario.model_validate(data(current=7)))
    assert compute_sha256(Scenario.model_validate(BASE)) != compute_sha256(a)
    two = data()
    two["sales_team"].append({"name": "ae", "cost": 5, "capacity": {"opportunities": 3}})
    swapped = {**two, "sales_team": two["sales_team"][::-1]}
    assert compute_sha256(Scenario.model_validate(two)) == compute_sha256(Scenario.model_validate(swapped))


def test_set_paths_name_role_fields():
    raw = data(periods=True, max_hires=4)
    assert set_in_data(raw, "sales_team[sdr].cost", 10)["sales_team"][0]["cost"] == 10
    assert set_in_data(raw, "sales_team[sdr].max_hires.Q1", 1)["sales_team"][0]["max_hires"] == {"total": 4, "Q1": 1}
    assert set_in_data(raw, "sales_team[sdr].current", 2)["sales_team"][0]["current"] == 2
    with pytest.raises(ScenarioError) as err:
        set_in_data(raw, "sales_team[sd].cost", 1)
    assert str(err.value) == "sales_team[sd].cost: no role is named 'sd' (did you mean sdr?); allowed: sales_team[sdr]"
    with pytest.raises(ScenarioError) as err:
        set_in_data(raw, "sales_team[sdr].costs", 1)
    assert str(err.value) == ("sales_team[sdr].costs: 'costs' is not a role field (did you mean cost?); allowed: "
                              "sales_team[sdr].cost, sales_team[sdr].capacity, sales_team[sdr].current, "
                              "sales_team[sdr].max_hires, sales_team[sdr].ramp, sales_team[sdr].integer")
