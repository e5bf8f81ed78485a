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
