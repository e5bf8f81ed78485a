"""`validate --format json` with periods: the periods, cycles, pipeline, availability and every
field given by period, as the text shows them; without periods the JSON keeps its keys."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.output.plan import understood
from optimizer.scenario.schema import Scenario

PLAIN_KEYS = {"status", "scenario", "objective", "currency", "budget", "targets", "caps", "constraints", "channels",
              "warnings", "provenance"}


def quarters() -> dict:
    return {"periods": ["Q1", "Q2", "Q3"], "deal_value": 40_000, "budget": {"total": 9e5, "Q3": 2e5},
            "funnel": {"qualification_rate": 0.3, "opportunity_rate": 0.4, "win_rate": 0.25,
                       "sales_cycle": ["50%", 0.5]},
            "targets": {"revenue": 1e6, "deals": {"Q3": 10}},
            "pipeline": {"deals": {"Q1": 5}},
            "channels": [{"name": "email", "cost_per_lead": 40, "sales_cycle": [1],
                          "qualification_rate": {"Q1": 0.1, "Q2": 0.1, "Q3": 0.05}},
                         {"name": "events", "unit_cost": 5e4, "yields": {"leads": 300}, "available": ["Q3", "Q1"],
                          "max_units": {"Q1": 2, "Q3": 3}}]}


def test_validate_json_shows_what_periods_set():
    info = understood(Scenario.model_validate(quarters()))
    assert info["periods"] == ["Q1", "Q2", "Q3"]
    assert info["sales_cycle"] == [0.5, 0.5]
    assert info["pipeline"] == {"deals": {"Q1": 5}}
    email, events = info["channels"]
    assert (email["available"], email["sales_cycle"]) == (["Q1", "Q2", "Q3"], [1])
    assert (events["available"], events["sales_cycle"]) == (["Q1", "Q3"], [0.5, 0.5])  # the scenario's order
    assert info["by_period"] == {"budget": {"total": 9e5, "Q3": 2e5}, "targets.deals": {"Q3": 10},
                                 "channels[email].qualification_rate": {"Q1": 0.1, "Q2": 0.1, "Q3": 0.05},
                                 "channels[events].max_units": {"Q1": 2, "Q3": 3}}


def test_validate_json_without_periods_keeps_its_keys(tmp_path):
    path = tmp_path / "plain.json"
    funnel = {"qualification_rate": 0.5, "opportunity_rate": 0.5, "win_rate": 0.5}
    path.write_text(json.dumps({"deal_value": 1000, "funnel": funnel, "targets": {"deals": 5},
                                "channels": [{"name": "a", "cost_per_lead": 10}]}))
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert set(info) == PLAIN_KEYS
    assert "available" not in info["channels"][0] and "sales_cycle" not in info["channels"][0]


def test_validate_json_of_the_quarterly_scenario():
    result = CliRunner().invoke(app, ["validate", "scenarios/b2b-quarterly-plan.yaml", "--format", "json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert set(info) == PLAIN_KEYS | {"periods", "sales_cycle", "pipeline", "by_period"}
    assert info["pipeline"] == {"deals": {"Q1": 12, "Q2": 6}}  # as the file gives it
    assert info["by_period"]["channels[events].max_units"] == {"Q2": 2, "Q4": 2}
    assert {c["name"]: c["available"] for c in info["channels"]}["events"] == ["Q2", "Q4"]
