"""Issue 10: a parallel sweep leaves no worker behind, and a sweep's input is bounded and checked
before anything is solved (exit 2 naming --vary; the library raises ScenarioError)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
B2B = ROOT / "scenarios" / "b2b-annual-plan.yaml"
PROC = Path("/proc")

needs_proc = pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="needs /proc to find child processes")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent id, start time) of a process from /proc, None when it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name, in parentheses, may hold spaces
    return fields[0], int(fields[1]), int(fields[19])


def descendants(pid: int) -> set[tuple[int, int]]:
    """The living descendants of ``pid`` as (pid, start time), so a reused id is not mistaken for one."""
    table = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (info := _stat(int(entry.name))) is not None and info[0] != "Z":
            table[int(entry.name)] = info
    seen: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, (_, ppid, _) in table.items() if ppid in frontier and p not in seen}
        seen |= frontier
    return {(p, table[p][2]) for p in seen}


def alive(processes: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Those of ``processes`` still running (a zombie, dead but not yet reaped, is not running)."""
    out = set()
    for pid, start in processes:
        info = _stat(pid)
        if info is not None and info[2] == start and info[0] != "Z":
            out.add((pid, start))
    return out


@needs_proc
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGHUP", "SIGINT"])
def test_killing_a_parallel_sweep_leaves_no_workers(how):
    # about a minute of solving on one core: the workers are surely busy when the signal comes
    sweep = subprocess.Popen([sys.executable, "-m", "optimizer", "sweep", str(B2B), "--vary",
                              "channels[webinars].qualification_rate=0.2:0.4:100000", "--workers", "2",
                              "--format", "csv"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        workers: set[tuple[int, int]] = set()
        while time.monotonic() < deadline and sweep.poll() is None:
            workers = descendants(sweep.pid)
            if len(workers) >= 3:  # two workers and multiprocessing's resource tracker
                break
            time.sleep(0.1)
        assert len(workers) >= 3, f"the sweep started no workers: {workers}"
        time.sleep(1.0)  # let them get busy
        workers |= descendants(sweep.pid)
        sweep.send_signal(how)
        code = sweep.wait(timeout=30)
        deadline = time.monotonic() + 10
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alive(workers) == set()
        stderr = sweep.stderr.read().decode()
        if how == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:  # the conventional 128 + N (130 for Ctrl-C), and a message, not a traceback
            assert code == 128 + how, stderr
            assert "Traceback" not in stderr
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.wait()


# -- sweep input limits ----------------------------------------------------------------------------
def _scenario(channels: int):
    from optimizer import Scenario

    return Scenario(name="many", channels=[{"name": f"c{k}", "cost_per_lead": 10 + k, "max_units": 100}
                                           for k in range(channels)], targets={"leads": 50})


@pytest.fixture
def no_solving(monkeypatch):
    """Fails the test if the sweep gets as far as building its model."""
    from optimizer.analysis import sweeps

    def explorer(*args, **kwargs):
        raise AssertionError("the sweep started solving")

    monkeypatch.setattr(sweeps, "Explorer", explorer)


def test_too_many_points_are_refused_before_solving(no_solving):
    from optimizer.analysis.sweeps import run_sweep
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        run_sweep(_scenario(1), {"budget": range(1001), "targets.leads": range(1, 1001)})
    assert str(caught.value) == ("--vary: 1,001 x 1,000 = 1,001,000 points is too many; allowed: at most "
                                 "1,000,000 points")


def test_too_many_points_times_channels_are_refused_before_solving(no_solving):
    from optimizer.analysis.sweeps import run_sweep
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        run_sweep(_scenario(501), {"budget": range(1000, 1100), "targets.leads": range(1, 1001)})
    assert str(caught.value) == ("--vary: 100,000 points x 501 channels = 50,100,000 results is too many; allowed: at "
                                 "most 50,000,000 (points x channels): fewer points or a coarser grid")


def test_at_the_limits_a_sweep_is_accepted(monkeypatch):
    from optimizer.analysis import sweeps

    class Stop(Exception):
        pass

    def explorer(*args, **kwargs):
        raise Stop  # got past every check: that is all this test asks

    monkeypatch.setattr(sweeps, "Explorer", explorer)
    with pytest.raises(Stop):
        sweeps.run_sweep(_scenario(50), {"budget": range(1000), "targets.leads": range(1, 1001)})  # 1e6 x 50 = 5e7


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_cli_two_axes_of_a_million_are_refused_at_once():
    started = time.monotonic()
    done = cli("sweep", str(B2B), "--vary", "budget=1e5:1e6:1000000", "--vary", "targets.revenue=1e6:5e6:1000000",
               "--format", "json")
    assert done.returncode == 2
    import json

    assert json.loads(done.stdout)["errors"] == [{"path": "--vary", "message": "1,000,000 x 1,000,000 = "
                                                  "1,000,000,000,000 points is too many; allowed: at most "
                                                  "1,000,000 points"}]
    assert time.monotonic() - started < 60  # counted, not built (building took 16 s and 16 GB would follow)


def test_cli_points_times_channels_names_vary_and_the_maximum(tmp_path):
    rows = "".join(f"c{k},{10 + k},100\n" for k in range(600))
    (tmp_path / "channels.csv").write_text("name,cost_per_lead,max_units\n" + rows)
    (tmp_path / "many.yaml").write_text("targets: {leads: 50}\nchannels: channels.csv\n")
    done = cli("sweep", "many.yaml", "--vary", "targets.leads=1:100000:100000", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("--vary: 100,000 points x 600 channels = 60,000,000 results is too "
                                   "many; allowed: at most 50,000,000 (points x channels): fewer points or a "
                                   "coarser grid")


def test_cli_vary_twice_on_one_path_is_an_input_error():
    done = cli("sweep", str(B2B), "--vary", "budget=6e5,7e5", "--vary", "budget=8e5")
    assert done.returncode == 2
    assert "--vary budget: budget is varied twice (the second would silently win); allowed: each path once" \
        in done.stderr


def test_library_vary_twice_through_two_spellings(no_solving):
    from optimizer.analysis.sweeps import run_sweep
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError, match="budget is varied twice"):
        run_sweep(_scenario(1), {"budget": [1], " budget": [2]})


WRONG = {
    "a text value": ({"budget": ["x"]}, "--vary budget: 'x' is not a number; allowed: a list of numbers"),
    "a bool": ({"budget": [True]}, "--vary budget: True is not a number"),
    "None in the values": ({"budget": [None]}, "--vary budget: None is not a number"),
    "a number, not a list": ({"budget": 5}, "--vary budget: 5 is not a list of values"),
    "a text, not a list": ({"budget": "1,2"}, "--vary budget: '1,2' is not a list of values"),
    "no values": ({"budget": []}, "--vary budget: no values are given"),
    "a path that is not text": ({3: [1]}, "--vary: 3 is not a path"),
    "a list of pairs": ([("budget", [1])], "--vary: a list is not a mapping of paths to values"),
    "None": (None, "--vary: a NoneType is not a mapping"),
    "three parameters": ({"budget": [1], "targets.leads": [1], "channels[c0].max_units": [1]},
                         "--vary: 3 parameters are varied; allowed: one (a curve) or two (a grid)"),
}


@pytest.mark.parametrize("parameters, message", WRONG.values(), ids=WRONG.keys())
def test_library_sweep_raises_scenario_error_for_wrong_types(no_solving, parameters, message):
    from optimizer.analysis.sweeps import sweep
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError) as caught:
        sweep(_scenario(1), parameters)
    assert str(caught.value).startswith(message)


def test_library_sweep_of_a_non_scenario_raises_scenario_error(no_solving):
    from optimizer.analysis.sweeps import sweep
    from optimizer.errors import ScenarioError

    with pytest.raises(ScenarioError, match="scenario: a dict is not a scenario"):
        sweep({"channels": []}, {"budget": [1]})


def test_library_values_as_numbers_of_any_kind_and_as_text():
    from decimal import Decimal

    import numpy as np

    from optimizer.analysis.sweeps import run_sweep

    # 10 per lead, 50 leads: 500 whatever the budget, while the budget allows it
    result = run_sweep(_scenario(1), {"budget": [np.float64(2000), Decimal("1500"), "1e3", 499]})
    assert result.status == ("optimal", "optimal", "optimal", "infeasible")
    assert result.objective_value[:3].tolist() == [500.0, 500.0, 500.0]
