"""A curve's channel is labelled by its stage wherever its unit is shown; the report's Limits sheet
carries the sensitivity notes; a set-up's own rows are not among the limits a user reads."""

from __future__ import annotations

import json

import openpyxl
import pytest
from typer.testing import CliRunner

from optimizer import Scenario, check, optimize, sensitivity, write_report
from optimizer.cli import app
from optimizer.scenario.curves import stage_unit

SDR = {"name": "sdr", "response_curve": {"stage": "opportunities", "points": [[0, 0], [20000, 40], [60000, 100]]}}
DEMOS = {"name": "demo_days", "response_curve": {"stage": "demos", "points": [[0, 0], [10000, 50]]}}
WEBINARS = {"name": "webinars", "unit_cost": 12000, "yields": {"leads": 150, "qualified_leads": 60}, "max_units": 10}


DATA = {"name": "opp", "budget": 400_000, "deal_value": 30_000, "targets": {"deals": 30},
        "funnel": {"qualification_rate": 0.3, "opportunity_rate": 0.4, "win_rate": 0.25},
        "channels": [SDR, DEMOS, WEBINARS]}


def curves_scenario() -> Scenario:
    return Scenario.model_validate(DATA)


@pytest.mark.parametrize(("stage", "unit"), [("opportunities", "opportunity"), ("deals", "deal"),
                                             ("demos", "demo"), ("signups", "signup"), ("replies", "reply"),
                                             ("pipeline", "pipeline"), ("leads", "lead"), ("reach", "contact")])
def test_a_stage_s_unit(stage, unit):
    assert stage_unit(stage) == unit


def test_the_report_labels_a_curve_by_its_stage_and_shows_the_curve_notes(tmp_path):
    s = curves_scenario()
    plan = optimize(s)
    path = tmp_path / "plan.xlsx"
    write_report(plan, sensitivity(plan), path)
    book = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in book["Plan"].iter_rows()]
    unit = {r[0]: r[4] for r in rows[1:] if r[0]}
    assert (unit["sdr"], unit["demo_days"], unit["webinars"]) == ("opportunity", "demo", "unit")
    inputs = [[c.value for c in row] for row in book["Inputs"].iter_rows()]
    per = inputs[0].index("per")
    assert {r[0]: r[per] for r in inputs[1:] if r[0] in ("sdr", "demo_days")} == {"sdr": "opportunity",
                                                                                   "demo_days": "demo"}
    texts = [c.value for row in book["Limits"].iter_rows() for c in row if isinstance(c.value, str)]
    for name in ("sdr", "demo_days"):
        note = (f"channels[{name}].response_curve: a response curve gets no price range (its segments' costs are "
                "its points'; move a point with --set and compare)")
        assert note in texts


def test_check_counts_a_curve_s_cap_in_its_stage():
    # $60,000 buys the curve's 100 opportunities; $10,000 more at its last cost ($40,000 / 60) buys 15 more
    r = check(curves_scenario(), {"sdr": 70_000})
    cap = next(v for v in r.violations if v.name == "channels[sdr].response_curve")
    assert (cap.value, cap.limit, cap.unit) == (pytest.approx(115), 100, "opportunities")


def test_validate_json_gives_a_curve_s_unit(tmp_path):
    path = tmp_path / "opp.json"
    path.write_text(json.dumps(DATA))
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    channels = {c["name"]: c for c in json.loads(result.stdout)["channels"]}
    assert (channels["sdr"]["unit"], channels["demo_days"]["unit"], channels["webinars"]["unit"]) == \
        ("opportunity", "demo", "unit")


BOOTH = {"name": "booth", "unit_cost": 10_000, "yields": {"leads": 400}, "fixed_cost": 25_000, "max_units": 6,
         "min_units_if_used": 2}
EMAIL = {"name": "email", "cost_per_lead": 40, "max_units": 2500}


def test_a_set_up_s_own_rows_are_not_limits_a_user_reads(tmp_path):
    s = Scenario(budget=200_000, targets={"leads": 3000}, channels=[EMAIL, BOOTH])
    plan = optimize(s)
    own = {"channels[booth].fixed_cost", "channels[booth].on_off"}
    assert own <= {limit.name for limit in plan.program.limits}  # in the model
    result = sensitivity(plan)
    names = [x.name for x in result.limits]
    assert not own & set(names)
    assert "channels[booth].min_units_if_used" in names  # a user's rule stays
    assert not own & {row["name"] for row in result.to_dict()["limits"]}
    path = tmp_path / "plan.xlsx"
    write_report(plan, result, path)
    listed = [row[0].value for row in openpyxl.load_workbook(path)["Limits"].iter_rows(min_row=2)]
    assert "channels[booth].min_units_if_used" in listed and not own & set(listed)
