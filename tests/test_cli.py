"""The command line as users and scripts meet it: real processes, stdout and exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
B2B = str(ROOT / "scenarios" / "b2b-annual-plan.yaml")


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.mark.parametrize("extra", [[], ["--solver", "cbc"], ["--budget", "500000"], ["--objective", "max_deals"],
                                   ["--set", "channels[email].win_rate=2"]],
                         ids=["optimal", "cbc", "infeasible", "max", "invalid"])
def test_json_stdout_is_exactly_one_document(extra):
    done = cli("optimize", B2B, "--format", "json", *extra)
    document = json.loads(done.stdout)  # fails on a banner or a second document
    assert done.stdout.strip().startswith("{") and done.stdout.strip().endswith("}")
    expected = {"optimal": 0, "infeasible": 3, "invalid": 2}[document["status"]]
    assert done.returncode == expected
    if document["status"] == "invalid":
        assert document["errors"][0]["path"] == "channels[email].win_rate"
    else:
        assert {"scenario", "status", "objective", "objective_value", "total_spend", "currency", "channels", "totals",
                "constraints", "warnings", "solver", "check"} <= set(document)


def test_json_plan_adds_up():
    document = json.loads(cli("optimize", B2B, "--format", "json").stdout)
    spend = sum(c["spend"] for c in document["channels"])
    assert spend == pytest.approx(document["total_spend"])
    assert sum(c["share"] for c in document["channels"]) == pytest.approx(1)
    for metric, total in document["totals"].items():
        assert sum(c["metrics"][metric] for c in document["channels"]) == pytest.approx(total, abs=1e-6)
    kinds = {c["kind"] for c in document["constraints"]}
    assert kinds == {"budget", "target", "cap", "channel_bound", "constraint"}
    assert document["check"]["max_violation"] <= 1e-6
    binding = {c["name"] for c in document["constraints"] if c["binding"]}
    assert {"targets.revenue", "caps.qualified_leads", "channels[events].max_units"} <= binding


def test_infeasible_json_carries_the_diagnosis():
    done = cli("optimize", B2B, "--format", "json", "--budget", "500000")
    document = json.loads(done.stdout)
    assert done.returncode == 3
    assert document["status"] == "infeasible"
    assert set(document["diagnosis"]) >= {"conflict", "achievable", "budget_needed", "unbounded"}
    assert "budget" in document["diagnosis"]["conflict"]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.stem for s in SCENARIOS])
def test_highs_and_cbc_agree_on_every_bundled_scenario(scenario):
    values = [json.loads(cli("optimize", str(scenario), "--format", "json", "--solver", s).stdout)["objective_value"]
              for s in ("highs", "cbc")]
    assert values[0] == pytest.approx(values[1], rel=1e-6)


def test_csv_has_a_row_per_channel_and_a_column_per_metric(tmp_path):
    out = tmp_path / "plan.csv"
    done = cli("optimize", B2B, "--format", "csv", "--output", str(out))
    assert done.returncode == 0 and done.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["channel"] for r in rows][:3] == ["direct_mail", "email", "paid_search"]
    assert list(rows[0])[:4] == ["channel", "units", "spend", "share"]
    assert {"leads", "qualified_leads", "deals", "revenue"} <= set(rows[0])
    assert sum(float(r["revenue"]) for r in rows) == pytest.approx(4.8e6)
    events = next(r for r in rows if r["channel"] == "events")
    assert float(events["units"]) == pytest.approx(6) and float(events["spend"]) == pytest.approx(330000)


def test_output_replaces_a_file_whole_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "plan.json"
    out.write_text("old")
    assert cli("optimize", B2B, "--format", "json", "--output", str(out)).returncode == 0
    assert json.loads(out.read_text())["status"] == "optimal"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_a_failed_run_does_not_touch_the_output_file(tmp_path):
    out = tmp_path / "plan.json"
    out.write_text("old")
    assert cli("optimize", B2B, "--output", str(out), "--set", "budget=-1").returncode == 2
    assert out.read_text() == "old"


def test_write_lp_from_the_command_line(tmp_path):
    lp = tmp_path / "model.lp"
    assert cli("optimize", B2B, "--write-lp", str(lp), "--format", "json").returncode == 0
    text = lp.read_text()
    assert "units_webinars" in text and "caps.qualified_leads" in text and "search_share" in text


def test_overrides_repeat_and_combine():
    done = cli("optimize", B2B, "--format", "json", "--target", "deals=130", "--target", "revenue=4e6",
               "--set", "caps.qualified_leads=2000")
    document = json.loads(done.stdout)
    assert done.returncode == 0
    limits = {c["name"]: c for c in document["constraints"]}
    assert limits["targets.deals"]["limit"] == 130 and limits["targets.revenue"]["limit"] == 4e6
    assert limits["caps.qualified_leads"]["limit"] == 2000
    assert document["totals"]["deals"] >= 130 - 1e-6


def test_missing_file_and_bad_option_are_input_errors():
    done = cli("optimize", "no-such-file.yaml")
    assert done.returncode == 2 and "no-such-file.yaml" in done.stderr and "Traceback" not in done.stderr
    done = cli("optimize", B2B, "--format", "xml")
    assert done.returncode == 2 and "xml" in done.stderr


def test_version_and_help():
    assert cli("--version").stdout.strip().endswith("0.1.0")
    help_text = cli("--help").stdout
    assert "optimize" in help_text and "validate" in help_text


@pytest.mark.parametrize(("option", "value"), [("--solver", "gurobi"), ("--time-limit", "soon")])
def test_a_bad_option_with_json_still_prints_one_json_document(option, value):
    done = cli("optimize", B2B, "--format", "json", option, value)
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["status"] == "invalid"
    assert document["errors"][0]["path"] == option and option in document["errors"][0]["message"]


def test_validate_offers_table_and_json_only():
    done = cli("validate", B2B, "--format", "csv")
    assert done.returncode == 2 and "'table', 'json'" in done.stderr


def test_output_keeps_the_replaced_files_permissions_and_reads_for_others_when_new(tmp_path):
    import os
    import stat

    new, kept = tmp_path / "new.csv", tmp_path / "kept.csv"
    kept.write_text("old")
    kept.chmod(0o640)
    for out in (new, kept):
        assert cli("optimize", B2B, "--format", "csv", "--output", str(out)).returncode == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~mask  # not the owner-only mode of a temporary file
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640


def test_output_into_a_missing_folder_is_an_input_error(tmp_path):
    done = cli("optimize", B2B, "--format", "csv", "--output", str(tmp_path / "typo" / "plan.csv"))
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "typo").exists()


def test_two_options_setting_one_field_differently_are_an_input_error():
    done = cli("optimize", B2B, "--budget", "1e6", "--set", "budget=2e5")
    assert done.returncode == 2 and "budget is set twice" in done.stderr


# -- --format json: one document whatever fails; a closed or full stdout is one line, no traceback --
def _one_document(text: str) -> dict:
    document = json.loads(text)  # fails on nothing, on a second document or on a banner
    assert set(document) == {"status", "errors"}
    return document


def test_json_output_error_exit_2_prints_one_document():
    done = cli("optimize", B2B, "--format", "json", "--write-lp", "/nope/x.lp")
    assert done.returncode == 2
    document = _one_document(done.stdout)
    assert document["status"] == "invalid"
    assert document["errors"][0]["message"] == "/nope/x.lp: cannot write: the folder /nope does not exist"


def test_json_sweep_whose_plot_fails_prints_only_the_error():
    done = cli("sweep", B2B, "--vary", "budget=6e5,7e5", "--format", "json", "--plot", "/nope/p.png")
    assert done.returncode == 2
    assert _one_document(done.stdout)["errors"][0]["message"].startswith("/nope/p.png: cannot write")


@pytest.mark.parametrize("raised, code, status, message", [
    (RuntimeError("boom"), 1, "error", "RuntimeError: boom"),
    (KeyboardInterrupt(), 130, "error", "interrupted"),
    ("solver", 1, "error", "the solver failed"),
], ids=["unexpected", "interrupted", "solver error"])
def test_json_every_failure_prints_one_document(monkeypatch, raised, code, status, message):
    from typer.testing import CliRunner

    import optimizer.analysis.plan
    from optimizer.cli import app
    from optimizer.errors import SolverError

    def failing(*args, **kwargs):
        raise SolverError("the solver failed") if raised == "solver" else raised

    monkeypatch.setattr(optimizer.analysis.plan, "optimize", failing)
    done = CliRunner().invoke(app, ["optimize", B2B, "--format", "json"])
    assert done.exit_code == code
    document = _one_document(done.stdout)
    assert document == {"status": status, "errors": [{"path": "", "message": message}]}


def _closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """The command with a stdout whose reader has gone (as ``| head -c 10`` leaves it)."""
    import os

    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run([sys.executable, "-m", "optimizer", *args], stdout=writer, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, timeout=120)
    finally:
        os.close(writer)


@pytest.mark.parametrize("args, code", [
    (["optimize", B2B, "--format", "json"], 1),
    (["sweep", B2B, "--vary", "budget=6e5:9e5:50", "--format", "csv"], 1),
    (["optimize", B2B, "--format", "json", "--set", "budget=x"], 2),
    (["optimize", "--format", "json"], 2),
], ids=["plan", "sweep", "input error", "usage error"])
def test_a_closed_stdout_is_one_line_never_a_traceback(args, code):
    done = _closed_stdout(*args)
    assert done.returncode == code
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.splitlines()[0] == "error: cannot write to stdout: the reader closed it"
    assert done.stderr.count("cannot write to stdout") == 1


@pytest.mark.parametrize("args, code", [
    (["optimize", B2B], 1),
    (["optimize", B2B, "--format", "json"], 1),
    (["optimize", B2B, "--format", "json", "--set", "budget=x"], 2),
], ids=["table", "json", "input error"])
def test_a_stdout_closed_from_the_start_is_one_line_never_a_traceback(args, code):
    # ``>&-``: the process starts without file descriptor 1 (was: AttributeError on sys.stdout None)
    done = subprocess.run([sys.executable, "-m", "optimizer", *args], stderr=subprocess.PIPE, text=True, cwd=ROOT,
                          timeout=120, preexec_fn=lambda: os.close(1))
    assert done.returncode == code
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.splitlines()[0] == "error: cannot write to stdout: it is closed"
    assert done.stderr.count("cannot write to stdout") == 1


def test_a_stdout_closed_from_the_start_does_not_stop_an_output_file(tmp_path):
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", B2B, "--format", "json", "--output",
                           str(tmp_path / "plan.json")], stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "plan.json").read_text())["status"] == "optimal"


def test_a_full_stdout_is_one_line(monkeypatch, tmp_path, capsys):
    import errno

    from optimizer import cli as module

    class Full:
        """A stream on a full disk: every flush fails with ENOSPC."""

        def __init__(self):
            self.handle = open(tmp_path / "stdout", "w")  # noqa: SIM115 (closed below)

        def write(self, text):
            return len(text)

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

        def fileno(self):
            return self.handle.fileno()

    full = Full()
    monkeypatch.setattr(sys, "stdout", full)
    monkeypatch.setattr(module._State, "stdout_failed", False)
    try:
        assert module._write_stdout("{}") is False
        assert module._write_stdout("{}") is False  # said once
    finally:
        monkeypatch.undo()
        full.handle.close()
    assert capsys.readouterr().err == "error: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_report_no_timing_writes_the_same_bytes_twice(tmp_path, suffix):
    first, second, timed = (tmp_path / f"{stem}{suffix}" for stem in ("first", "second", "timed"))
    for path in (first, second):
        assert cli("report", B2B, "--output", str(path), "--no-timing").returncode == 0
    assert cli("report", B2B, "--output", str(timed)).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != timed.read_bytes()  # the date is left out only with the flag


def test_output_suffix_picks_the_format_and_a_contradicting_format_is_refused(tmp_path):
    done = cli("optimize", B2B, "--output", str(tmp_path / "plan.csv"))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "plan.csv").read_text())))
    assert rows and "spend" in rows[0]
    done = cli("optimize", B2B, "--output", str(tmp_path / "plan.json"))
    assert json.loads((tmp_path / "plan.json").read_text())["status"] == "optimal"
    done = cli("optimize", B2B, "--output", str(tmp_path / "plan.txt"))
    assert (tmp_path / "plan.txt").read_text().startswith("b2b-annual-plan: min_spend = ")
    done = cli("optimize", B2B, "--format", "json", "--output", str(tmp_path / "other.csv"))
    assert done.returncode == 2
    assert "--format json disagrees with the file's suffix (.csv); allowed: --format csv" in done.stderr
    assert not (tmp_path / "other.csv").exists()
    done = cli("sensitivity", B2B, "--output", str(tmp_path / "s.csv"))
    assert done.returncode == 2 and "this command writes no CSV; allowed: .json" in done.stderr
    assert not (tmp_path / "s.csv").exists()
    done = cli("sweep", B2B, "--vary", "budget=6e5,7e5", "--output", str(tmp_path / "sweep.json"))
    assert [p["values"] for p in json.loads((tmp_path / "sweep.json").read_text())["points"]] \
        == [{"budget": 6e5}, {"budget": 7e5}]


def test_a_time_limit_of_zero_is_an_input_error_in_the_options_words():
    done = cli("optimize", B2B, "--time-limit", "0")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == ("--time-limit: 0 seconds leaves no time to search; allowed: a number of "
                                   "seconds > 0, or no --time-limit for no limit")
