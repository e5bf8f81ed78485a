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
