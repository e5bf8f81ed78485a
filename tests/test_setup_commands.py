"""Set-up costs and minimum buys through the commands (issue 12, section 3): what optimize prints
in each format, validate's line, the input errors (exit 2) with their whole messages, no plan (exit
3) with the diagnosis, check, CBC and the time limit. Numbers derived by hand: 6 shows and 600
e-mail leads, 85,000 + 24,000 = 109,000 (tests/model/test_set_up.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOTH = """name: booth-demo
budget: 200000
targets: {leads: 3000}
channels:
  - name: email
    cost_per_lead: 40
    max_units: 2500
  - name: booth
    unit_cost: 10000
    yields: {leads: 400}
    fixed_cost: 25000
    max_units: 6
    integer: true
"""


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          env={"COLUMNS": "150", "PATH": "/usr/bin:/bin"})


@pytest.fixture
def booth(tmp_path: Path) -> Path:
    path = tmp_path / "booth.yaml"
    path.write_text(BOOTH)
    return path


def test_optimize_table_says_the_set_up(booth):
    done = run("optimize", str(booth))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "booth-demo: min_spend = $109,000 (optimal)"
    assert "Set-up costs and minimum buys: booth used (set-up $25,000 paid)." in lines
    assert "warning: mixed-integer: set-up cost on channels[booth]" in lines
    assert not any("channels[booth].fixed_cost" in line or "on_off" in line for line in lines)  # the model's rows
    row = next(line for line in lines if line.startswith("│ booth"))
    assert "$85,000" in row and "78.0%" in row  # spend with the set-up, and its share of 109,000


def test_optimize_json_and_csv(booth):
    done = run("optimize", str(booth), "--format", "json")
    assert done.returncode == 0
    plan = json.loads(done.stdout)  # exactly one document
    booth_plan = plan["channels"][1]
    assert (booth_plan["spend"], booth_plan["fixed_cost"], booth_plan["used"]) == (85_000, 25_000, True)
    assert "fixed_cost" not in plan["channels"][0]  # a channel without a set-up keeps its keys
    assert plan["total_spend"] == 109_000 and plan["mip_gap"] is not None and plan["mip_gap"] <= 1e-4
    assert plan["solver"]["seconds"] >= 0
    kinds = {c["name"]: c["kind"] for c in plan["constraints"]}
    assert kinds["channels[booth].fixed_cost"] == "set_up" and kinds["channels[booth].on_off"] == "set_up"
    assert plan["warnings"] == ["mixed-integer: set-up cost on channels[booth]"]
    csv = run("optimize", str(booth), "--format", "csv").stdout.splitlines()
    assert csv[0] == "channel,units,spend,share,reach,leads,qualified_leads,opportunities,deals,revenue,fixed_cost,used"
    assert csv[1].endswith(",,")  # e-mail: no set-up
    assert csv[2].startswith("booth,6.0,85000.0,") and csv[2].endswith(",25000.0,true")


def test_cbc_and_a_time_limit_agree(booth):
    cbc = json.loads(run("optimize", str(booth), "--solver", "cbc", "--format", "json").stdout)
    assert cbc["status"] == "optimal" and cbc["objective_value"] == pytest.approx(109_000)
    timed = json.loads(run("optimize", str(booth), "--time-limit", "30", "--format", "json").stdout)
    assert timed["status"] == "optimal" and timed["objective_value"] == pytest.approx(109_000)


def test_validate_shows_set_ups(booth):
    done = run("validate", str(booth))
    assert done.returncode == 0
    assert "Set-up costs and minimum buys: booth $25,000 set-up cost." in done.stdout.splitlines()
    understood = json.loads(run("validate", str(booth), "--format", "json").stdout)
    assert understood["channels"][1]["fixed_cost"] == 25_000 and "fixed_cost" not in understood["channels"][0]


@pytest.mark.parametrize(("change", "message"), [
    ("channels[booth].max_units=null", "channels[booth].fixed_cost: a set-up cost is a mixed-integer model, which "
                                       "needs a finite bound on the channel's units, and none is given; allowed: "
                                       "max_units or max_spend on the channel (or a budget)"),
    ("channels[booth].min_units_if_used=8", "channels[booth].min_units_if_used: 8 is above max_units 6; allowed: "
                                            "min_units_if_used <= max_units: lower one of them, or leave "
                                            "min_units_if_used out"),
    ("channels[booth].fixed_cost=-5", "channels[booth].fixed_cost: -5 is not a number >= 0; allowed: a number >= 0 "
                                      "(4800000, 4_800_000 or 4.8e6)"),
])
def test_input_errors_name_the_field(tmp_path, change, message):
    path = tmp_path / "booth.yaml"
    path.write_text(BOOTH.replace("budget: 200000\n", ""))  # no budget: only the channel's own fields bound it
    done = run("optimize", str(path), "--set", change)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{path}: {message}"
    assert "Traceback" not in done.stderr
    as_json = run("optimize", str(path), "--set", change, "--format", "json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["status"] == "invalid"


def test_no_plan_is_diagnosed(booth):
    done = run("optimize", str(booth), "--budget", "100000")
    assert done.returncode == 3
    assert done.stdout.splitlines() == [
        "booth-demo: no plan meets every limit (infeasible).",
        "These limits cannot all hold together: budget, targets.leads, channels[booth].fixed_cost.",
        "Under the other limits, the most achievable is: leads 2,775 (target 3,000).",
        "Meeting every target needs a budget of at least $109,000 (budget now $100,000).",
    ]


def test_check_pays_the_set_up_and_refuses_less(booth, tmp_path):
    proposal = tmp_path / "proposal.csv"
    proposal.write_text("channel,spend\nbooth,45000\nemail,40000\n")
    done = run("check", str(booth), str(proposal), "--format", "json")
    assert done.returncode == 3  # it breaks targets.leads: 800 + 1,000 leads
    result = json.loads(done.stdout)
    booth_check = next(c for c in result["channels"] if c["name"] == "booth")
    assert (booth_check["units"], booth_check["fixed_cost"], booth_check["used"]) == (2, 25_000, True)
    proposal.write_text("channel,spend\nbooth,5000\n")
    done = run("check", str(booth), str(proposal))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"{proposal}: row 2, spend: spend 5000 is below booth's set-up cost 25000 "
                                   "(fixed_cost), so it buys nothing; allowed: 0, or at least 25000")


def test_sensitivity_holds_the_on_off_choice(booth):
    done = run("sensitivity", str(booth), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["analysed_as"] == "integers_fixed"


def test_set_gives_a_set_up_by_period():
    from optimizer import Scenario
    from optimizer.scenario.paths import apply_changes, changes_from_options

    s = Scenario(periods=["Q1", "Q2"], budget=300_000, targets={"leads": 2000},
                 channels=[{"name": "email", "cost_per_lead": 40, "max_units": 2500},
                           {"name": "booth", "unit_cost": 10_000, "yields": {"leads": 400}, "fixed_cost": 25_000,
                            "max_units": 6}])
    changed = apply_changes(s, changes_from_options(["channels[booth].fixed_cost.Q2=5000",
                                                     "channels[email].min_units_if_used.Q1=100"]))
    # a number becomes a mapping with the old number in every other period; none given is 0 elsewhere
    assert changed.channels[1].fixed_cost == {"Q1": 25_000, "Q2": 5000}
    assert changed.channels[0].min_units_if_used == {"Q1": 100, "Q2": 0}
