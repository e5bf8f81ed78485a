"""Time ``sensitivity`` against its own ``optimize``, as commands, on generated scenarios.

    make bench                      # or: .venv/bin/python benchmarks/bench_sensitivity.py [--runs 3]

For generated scenarios of 100, 300 and 1,000 channels (benchmarks/generate.py), the median over
``--runs`` fresh processes of
- ``campaign-optimizer optimize FILE --format json --output F`` (the plan alone);
- ``campaign-optimizer sensitivity FILE --format json --output F`` (the plan and its whole analysis:
  shadow prices and ranges of every limit, price ranges of every channel, rate ranges, alternatives);
and their ratio (goals: within 3x at 300 channels, within 4x at 1,000). The floor is bare highspy on
the same model, in this process: built from arrays (``passModel``), solved, ``getRanging``.
The two commands take turns, run by run, so the load of a shared machine falls on both alike. The
package's bytecode is compiled before timing, as an installed package's is (with
``PYTHONDONTWRITEBYTECODE=1`` every start would otherwise compile every module again).
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from generate import scenario_data  # noqa: E402

from optimizer import Scenario  # noqa: E402
from optimizer.model.build import build_program  # noqa: E402
from optimizer.model.solve import quiet_stdout  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")
GOALS = {300: 3.0, 1000: 4.0}


def command_seconds(commands: list[list[str]], runs: int) -> list[float]:
    """The median seconds of each command over ``runs`` fresh processes, the commands taking turns."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for args, seconds in zip(commands, times):
            start = time.perf_counter()
            done = subprocess.run([COMMAND, *args], capture_output=True, text=True)
            seconds.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return [statistics.median(seconds) for seconds in times]


def floor_seconds(data: dict, runs: int) -> float:
    """Bare highspy on the scenario's model: passModel from arrays, run, getRanging."""
    import highspy

    program = build_program(Scenario.model_validate(data))
    n, m = len(program.columns), len(program.limits)
    lower = np.array([lim.bound - lim.constant if lim.sense in (">=", "==") else -np.inf for lim in program.limits])
    upper = np.array([lim.bound - lim.constant if lim.sense in ("<=", "==") else np.inf for lim in program.limits])
    starts = np.concatenate([[0], np.cumsum([len(lim.index) for lim in program.limits])]).astype(np.int32)
    index = np.concatenate([lim.index for lim in program.limits]).astype(np.int32)
    values = np.concatenate([lim.coefs for lim in program.limits]).astype(float)
    times = []
    with quiet_stdout():
        highspy.Highs()
    for _ in range(runs):
        start = time.perf_counter()
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = program.objective_coefs, np.zeros(n), np.full(n, np.inf)
        lp.row_lower_, lp.row_upper_ = lower, upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = starts, index, values
        lp.sense_ = highspy.ObjSense.kMaximize if program.sense == "max" else highspy.ObjSense.kMinimize
        h.passModel(lp)
        h.run()
        h.getRanging()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    args = parser.parse_args()
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "optimizer", quiet=1)
    print("| channels | optimize (s) | sensitivity (s) | sensitivity / optimize | goal | bare highspy floor (s) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for n in args.sizes:
            data = scenario_data(n)
            path = Path(folder) / f"generated-{n}.json"
            path.write_text(json.dumps(data))
            out = str(Path(folder) / "out.json")
            optimize, analyse = command_seconds([["optimize", str(path), "--format", "json", "--output", out],
                                                 ["sensitivity", str(path), "--format", "json", "--output", out]],
                                                args.runs)
            goal = GOALS.get(n)
            verdict = "-" if goal is None else f"{goal:.0f}x ({'met' if analyse / optimize <= goal else 'not met'})"
            print(f"| {n:,} | {optimize:.2f} | {analyse:.2f} | {analyse / optimize:.1f}x | {verdict} | "
                  f"{floor_seconds(data, args.runs):.4f} |", flush=True)


if __name__ == "__main__":
    main()
