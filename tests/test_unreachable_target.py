"""A target on a stage no channel reaches (issue 10): infeasible, exit 3, conflict [targets.reach] and
the line "no channel reaches reach", in every command. Decided before any solver runs: the row of
``targets.reach`` has no terms, so 0 >= 100 fails by its constant alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer import optimize

SCENARIO = """\
name: unreachable
targets: {reach: 100}
funnel: {qualification_rate: 0.3, opportunity_rate: 0.5, win_rate: 0.2}
channels:
  - name: email
    cost_per_lead: 45
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "unreachable.yaml"
    path.write_text(SCENARIO)
    return path


def test_the_library_says_infeasible_with_the_target_as_the_conflict(scenario):
    from optimizer import load_scenario

    plan = optimize(load_scenario(scenario))
    assert plan.status == "infeasible" and not plan.has_plan
    assert plan.diagnosis.conflict == ["targets.reach"]
    assert plan.diagnosis.unreachable == ["reach"]
    assert plan.diagnosis.achievable == {"reach": 0.0}
    assert plan.diagnosis.budget_needed is None


def test_a_reachable_target_is_not_called_unreachable(scenario):
    from optimizer import load_scenario

    scenario.write_text(SCENARIO.replace("targets: {reach: 100}", "targets: {leads: 10}\nbudget: 100"))
    plan = optimize(load_scenario(scenario))
    assert plan.status == "infeasible"  # 10 leads cost $450, above the $100 budget
    assert plan.diagnosis.unreachable == []
    assert plan.diagnosis.budget_needed == pytest.approx(450)


@pytest.mark.parametrize("command", [["optimize"], ["sensitivity"], ["report", "--output", "r.xlsx"]])
def test_every_command_exits_3_naming_the_stage(scenario, command):
    done = cli(command[0], str(scenario), *command[1:], cwd=scenario.parent)
    assert done.returncode == 3, done.stderr
    text = done.stdout + done.stderr
    assert "These limits cannot all hold together: targets.reach." in text
    assert "No channel reaches reach" in text
    assert "Traceback" not in text
    assert not (scenario.parent / "r.xlsx").exists()


def test_json_carries_diagnosis_unreachable(scenario):
    done = cli("optimize", str(scenario), "--format", "json", cwd=scenario.parent)
    assert done.returncode == 3
    doc = json.loads(done.stdout)
    assert doc["status"] == "infeasible"
    assert doc["diagnosis"]["unreachable"] == ["reach"]
    assert doc["diagnosis"]["conflict"] == ["targets.reach"]


def test_sweep_check_and_compare_carry_the_status(scenario):
    sweep = cli("sweep", str(scenario), "--vary", "targets.reach=10:100:3", "--format", "json", cwd=scenario.parent)
    assert sweep.returncode == 0, sweep.stderr
    assert {row["status"] for row in json.loads(sweep.stdout)["points"]} == {"infeasible"}
    proposal = scenario.parent / "proposal.yaml"
    proposal.write_text("email: {spend: 100}\n")
    checked = cli("check", str(scenario), str(proposal), "--format", "json", cwd=scenario.parent)
    assert checked.returncode == 3
    doc = json.loads(checked.stdout)
    assert doc["optimum"]["status"] == "infeasible" and doc["excess_cost"] is None
    assert [v["name"] for v in doc["violations"]] == ["targets.reach"]
    compared = cli("compare", str(scenario), str(scenario), "--format", "json", cwd=scenario.parent)
    assert compared.returncode == 3
    assert "infeasible" in compared.stdout


def test_compare_names_a_scenario_without_a_plan_once(scenario):
    done = cli("compare", str(scenario), "scenarios/b2b-annual-plan.yaml", cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 3
    assert "unreachable: no plan meets every limit (infeasible)." in done.stdout
    assert "unreachable: unreachable:" not in done.stdout
