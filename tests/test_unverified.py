"""Status ``unverified`` through the commands (issue 10): a plan nothing proves is shown under a line
naming the failed test, never as the answer; exit 3; sensitivity and report refuse it; sweep rows
carry it. The failure is forced by a certificate that always fails (the numbers that cause one for
real lie outside the documented range)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

B2B = "scenarios/b2b-annual-plan.yaml"


@pytest.fixture
def never_proven(monkeypatch):
    import optimizer.analysis.variation as variation
    import optimizer.model.solve as ladder
    from optimizer.model.certify import Certificate

    def fails(program, units, duals, **kw):
        return Certificate(0.0, None, 0.5, 0.0, failed="a reduced cost has the wrong sign (0.5)")

    monkeypatch.setattr(ladder, "optimality", fails)
    monkeypatch.setattr(variation, "optimality", fails)


def _run(*args: str):
    from optimizer.cli import app

    return CliRunner().invoke(app, list(args))


def test_optimize_shows_the_plan_found_under_the_failed_test(never_proven):
    done = _run("optimize", B2B)
    assert done.exit_code == 3
    first = done.stdout.splitlines()[0]
    assert first.startswith("b2b-annual-plan: no proven plan (unverified)")
    assert "a reduced cost has the wrong sign (0.5)" in done.stdout
    assert "caps.qualified_leads: 1,300 (<= 1,300)" in done.stdout  # the plan found is still shown, limits too


def test_json_keeps_channels_and_check_and_names_the_claim(never_proven):
    done = _run("optimize", B2B, "--format", "json")
    assert done.exit_code == 3
    doc = json.loads(done.stdout)
    assert doc["status"] == "unverified"
    assert doc["unverified"]["claimed"] == "optimal"
    assert "a reduced cost has the wrong sign" in doc["unverified"]["failed"]
    assert {c["name"] for c in doc["channels"]} >= {"webinars", "events"}
    assert doc["check"]["max_violation"] <= 1e-6  # the plan meets the limits; its optimality is unproven
    assert "diagnosis" not in doc or doc["diagnosis"] is None


@pytest.mark.parametrize("command", [["sensitivity", B2B], ["report", B2B, "--output", "never.xlsx"]])
def test_sensitivity_and_report_refuse_it(never_proven, command, tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    shutil.copy(Path(B2B), tmp_path / "b2b.yaml")
    monkeypatch.chdir(tmp_path)
    done = _run(command[0], "b2b.yaml", *command[2:])
    assert done.exit_code == 3
    assert "unverified" in done.output
    assert not (tmp_path / "never.xlsx").exists()


def test_sweep_rows_carry_it(never_proven):
    done = _run("sweep", B2B, "--vary", "targets.revenue=4e6,5e6", "--format", "json")
    assert done.exit_code == 0, done.output
    assert [p["status"] for p in json.loads(done.stdout)["points"]] == ["unverified", "unverified"]


def test_check_compares_with_no_unproven_optimum(never_proven):
    done = _run("check", B2B, "scenarios/b2b-proposal.csv")
    assert done.exit_code == 3  # the proposal breaks the sales cap (README's example)
    assert "No optimum is proven (unverified" in done.stdout
    assert "excess cost" not in done.stdout
