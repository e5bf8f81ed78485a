"""Issue 10's last line, in the commands that only carried the status: a target on a stage no channel
reaches gives the line "No channel reaches reach" (JSON ``unreachable``) in ``check`` (its optimum),
``sweep`` (once under the table; ``unreachable`` on each such point) and ``compare --format json``
(each scenario's ``diagnosis``, as ``optimize``'s)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import Scenario, check
from optimizer.analysis.sweeps import run_sweep

SCENARIO = """\
name: unreachable
targets: {reach: 100}
funnel: {qualification_rate: 0.3, opportunity_rate: 0.5, win_rate: 0.2}
channels:
  - name: email
    cost_per_lead: 45
"""
LINE = ("No channel reaches reach: none is priced at or before that stage of the funnel or yields it; "
        "add one or drop the target.")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "unreachable.yaml"
    path.write_text(SCENARIO)
    (tmp_path / "proposal.yaml").write_text("email: {spend: 100}\n")
    return path


def test_check_names_the_unreachable_stage_in_text_and_json(scenario):
    text = cli("check", str(scenario), "proposal.yaml", cwd=scenario.parent)
    assert text.returncode == 3, text.stderr
    assert "  " + LINE + "\n" in text.stdout
    done = cli("check", str(scenario), "proposal.yaml", "--format", "json", cwd=scenario.parent)
    assert done.returncode == 3
    optimum = json.loads(done.stdout)["optimum"]
    assert optimum["status"] == "infeasible"
    assert optimum["diagnosis"]["unreachable"] == ["reach"]
    assert optimum["diagnosis"]["conflict"] == ["targets.reach"]


def test_check_of_a_scenario_with_an_optimum_has_no_diagnosis():
    s = Scenario(channels=[{"name": "email", "cost_per_lead": 10}], targets={"leads": 10})
    result = check(s, {"email": {"spend": 100}})
    assert result.optimum.status == "optimal" and result.optimum.diagnosis is None
    assert "diagnosis" not in result.to_dict()["optimum"]


def test_check_under_a_max_objective_diagnoses_the_optimum_it_compares_with():
    s = Scenario(objective="max_deals", budget=1000, targets={"reach": 10},
                 funnel={"qualification_rate": 0.3, "opportunity_rate": 0.5, "win_rate": 0.2},
                 channels=[{"name": "email", "cost_per_lead": 10}])
    result = check(s, {"email": {"spend": 100}})
    assert result.optimum.status == "infeasible"
    assert result.optimum.diagnosis.unreachable == ["reach"]


def test_sweep_says_it_once_under_the_table_and_marks_each_point(scenario):
    done = cli("sweep", str(scenario), "--vary", "targets.reach=0:100:3", cwd=scenario.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("No channel reaches") == 1
    assert LINE + "\n" in done.stdout  # every infeasible point has this reason: no points named
    as_json = cli("sweep", str(scenario), "--vary", "targets.reach=0:100:3", "--format", "json", cwd=scenario.parent)
    points = json.loads(as_json.stdout)["points"]
    assert [p["status"] for p in points] == ["optimal", "infeasible", "infeasible"]
    assert [p.get("unreachable") for p in points] == [None, ["reach"], ["reach"]]  # a target of 0 is met


def test_sweep_names_the_points_when_other_points_are_infeasible_for_another_reason():
    # leads cost $45 each: 10 leads need $450, above the $100 budget, at every point;
    # reach is unreachable only where its target is above 0
    s = Scenario(name="mixed", budget=100, targets={"reach": 0, "leads": 10},
                 channels=[{"name": "email", "cost_per_lead": 45}])
    result = run_sweep(s, {"targets.reach": [0, 50]})
    assert result.status == ("infeasible", "infeasible")
    assert result.unreachable == ((), ("reach",))
    from optimizer.output.whatif import sweep_table

    text = sweep_table(result)
    assert ("No channel reaches reach: none is priced at or before that stage of the funnel or yields it; add one "
            "or drop the target (at targets.reach = 50).\n") in text


def test_compare_json_carries_each_scenarios_diagnosis(scenario):
    root = Path(__file__).resolve().parent.parent
    done = cli("compare", str(scenario), "scenarios/b2b-annual-plan.yaml", "--format", "json", cwd=root)
    assert done.returncode == 3, done.stderr
    first, second = json.loads(done.stdout)["scenarios"]
    assert first["status"] == "infeasible"
    assert first["diagnosis"]["unreachable"] == ["reach"]
    assert first["diagnosis"]["conflict"] == ["targets.reach"]
    assert second["status"] == "optimal" and "diagnosis" not in second
