"""Reps to hire through the commands (issue 13): optimize in each format, validate's roles table,
input errors (exit 2), no plan (exit 3) with the diagnosis, CBC. Numbers derived by
hand for scenarios/b2b-sales-team.yaml: 120 opportunities a quarter from qualified leads at $200
(20%) or $1,200 (50%) within capacity C cost 400,000 - 466.67 C; C = 360 with no hires ($232,000 a
quarter, $928,000 a year), 480 in Q1 and 600 later with two SDRs hired in Q1 ($176,000 + 3 x
$120,000 of marketing and 2 x 4 x $30,000 of hiring: $776,000)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEAM = str(ROOT / "scenarios" / "b2b-sales-team.yaml")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          env={"COLUMNS": "150", "PATH": "/usr/bin:/bin"})


def test_optimize_json_has_hiring_and_total_cost():
    done = run("optimize", TEAM, "--format", "json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["objective_value"] == pytest.approx(776_000)
    assert plan["total_cost"] == pytest.approx(776_000)
    assert plan["total_spend"] == pytest.approx(176_000 + 3 * 120_000)
    assert plan["hiring_cost"] == pytest.approx(240_000)
    (sdr,) = plan["sales_team"]
    assert sdr["name"] == "sdr" and sdr["metric"] == "qualified_leads"
    assert sdr["hires"] == {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}
    assert sdr["capacity"] == {"Q1": 480.0, "Q2": 600.0, "Q3": 600.0, "Q4": 600.0}
    assert sdr["used"] == pytest.approx(sdr["capacity"])
    assert [p["hiring_cost"] for p in plan["periods"]] == [60_000.0] * 4
    kinds = {c["name"]: c["kind"] for c in plan["constraints"]}
    assert kinds["sales_team[sdr].capacity.Q3"] == "sales_capacity"
    assert kinds["sales_team[sdr].max_hires"] == "max_hires"
    assert sum(c["share"] for c in plan["channels"]) == pytest.approx(1.0)  # shares of marketing spend


def test_no_hires_costs_what_the_fixed_cap_does():
    plan = json.loads(run("optimize", TEAM, "--set", "sales_team[sdr].max_hires=0", "--format", "json").stdout)
    assert plan["objective_value"] == pytest.approx(4 * 232_000)
    assert plan["hiring_cost"] == 0


def test_the_table_shows_hires_capacity_and_the_split():
    done = run("optimize", TEAM)
    assert done.returncode == 0
    assert "b2b-sales-team: min_spend = $776,000 (optimal)" in done.stdout
    assert "│ sdr  │ hires           │         2 │         0 │         0 │         0 │    $240,000 │" in done.stdout
    assert "│      │ qualified leads │ 480 / 480 │ 600 / 600 │ 600 / 600 │ 600 / 600 │             │" in done.stdout
    assert "Total cost $776,000 of the $1,000,000 budget: marketing $536,000, hiring $240,000." in done.stdout
    assert "  sales_team[sdr].capacity.Q1: 480 (<= 480)" in done.stdout
    assert "hiring (sales team)" in done.stdout


def test_csv_has_a_row_per_role_and_period():
    rows = list(csv.reader(io.StringIO(run("optimize", TEAM, "--format", "csv").stdout)))
    roles = [r for r in rows if r[0] == "sales_team[sdr]"]
    assert [(r[1], float(r[2]), float(r[3])) for r in roles] == [
        ("Q1", 2.0, 60_000.0), ("Q2", 0.0, 60_000.0), ("Q3", 0.0, 60_000.0), ("Q4", 0.0, 60_000.0),
        ("total", 2.0, 240_000.0)]
    assert all(len(r) == len(rows[0]) for r in rows)


def test_csv_without_a_sales_team_is_unchanged():
    rows = list(csv.reader(io.StringIO(run("optimize", str(ROOT / "scenarios" / "b2b-annual-plan.yaml"),
                                           "--format", "csv").stdout)))
    assert rows[0] == ["channel", "units", "spend", "share", "reach", "leads", "qualified_leads", "opportunities",
                       "deals", "revenue"]
    assert len(rows) == 8 and not any(r[0].startswith("sales_team") for r in rows)


def test_validate_shows_the_roles():
    done = run("validate", TEAM)
    assert done.returncode == 0
    assert "Sales team (cost and capacity per period)" in done.stdout
    assert ("│ sdr (whole reps) │    $30,000 │ 120 qualified leads │        3 │ 360 qualified leads │ 4         │ "
            "50.0%, then 100% │") in done.stdout


def test_validate_json_lists_the_roles():
    (sdr,) = json.loads(run("validate", TEAM, "--format", "json").stdout)["sales_team"]
    assert sdr == {"name": "sdr", "cost": 30_000.0, "metric": "qualified_leads", "capacity_per_rep": 120.0,
                   "current": 3.0, "current_capacity": 360.0, "max_hires": 4.0, "ramp": [0.5], "integer": True}
    assert "sales_team" not in json.loads(run("validate", str(ROOT / "scenarios" / "b2b-annual-plan.yaml"),
                                              "--format", "json").stdout)


def test_cbc_agrees():
    plan = json.loads(run("optimize", TEAM, "--solver", "cbc", "--format", "json").stdout)
    assert plan["objective_value"] == pytest.approx(776_000, rel=1e-6)
    assert plan["sales_team"][0]["hires"]["Q1"] == pytest.approx(2.0)


def test_no_plan_needs_the_budget_for_marketing_and_hiring():
    done = run("optimize", TEAM, "--budget", "700000")
    assert done.returncode == 3
    assert "Meeting every target needs a budget of at least $776,000 (budget now $700,000)." in done.stdout
    plan = json.loads(run("optimize", TEAM, "--budget", "700000", "--format", "json").stdout)
    assert plan["diagnosis"]["budget_needed"] == pytest.approx(776_000)
    assert sum(plan["diagnosis"]["budget_needed_by_period"].values()) == pytest.approx(776_000)


def test_bad_role_is_exit_2_with_its_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(TEAM).read_text().replace("ramp: [0.5]", "ramp: [0.5, 0.25]"))
    done = run("optimize", str(bad))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"{bad}: sales_team[sdr].ramp[1]: 0.25 is below the share before it (0.5); "
                                   "allowed: shares that do not decrease (a rep does not unlearn)")
    assert "Traceback" not in done.stderr
