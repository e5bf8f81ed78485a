"""Time sweeps and sensitivity: our warm re-solve against a bare highspy re-solve and a rebuild.

    make bench                      # or: .venv/bin/python benchmarks/bench_sweep.py [--points 1000]

For a 1,000-point sweep of ``targets.revenue`` (from 80% to 120% of the scenario's target) on the
bundled B2B scenario and on a generated 1,000-channel scenario (benchmarks/generate.py), the time
per point of:
- ours: ``optimizer.analysis.sweeps.run_sweep``, the whole sweep divided by its points (each point validated,
  re-solved warm on the kept HiGHS model, verified without the solver, spend and totals read back);
- bare highspy: the same change written directly here (``changeRowBounds``, ``run``, read the
  columns) on a model built here with highspy, nothing else: the floor;
- rebuild: ``optimize(apply_changes(...))`` per point (validate, build, state in PuLP, solve cold,
  verify), timed on a sample of the points;
and the ratios (goals: ours within 2x of bare highspy, rebuild at least 10x ours). Then the whole
1,000-point B2B sweep (goal: under 2 s) and the sensitivity of the B2B plan, rate ranges
included (goal: under 1 s), through the library and as the command in a fresh process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from generate import scenario_data  # noqa: E402

from optimizer import Scenario, apply_changes, load_scenario, optimize  # noqa: E402
from optimizer.analysis.sensitivity import sensitivity  # noqa: E402
from optimizer.analysis.sweeps import run_sweep  # noqa: E402
from optimizer.model.build import build_program  # noqa: E402
from optimizer.model.solve import quiet_stdout  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")
PATH = "targets.revenue"


def bare_highspy(scenario: Scenario, values: np.ndarray) -> float:
    """Seconds per point of the same sweep written directly with highspy: the floor."""
    import highspy

    program = build_program(scenario)
    with quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    n, m = len(program.columns), len(program.limits)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = program.objective_coefs.astype(float)
    lp.col_lower_, lp.col_upper_ = np.zeros(n), np.full(n, highspy.kHighsInf)
    lower = [lim.bound - lim.constant if lim.sense != "<=" else -highspy.kHighsInf for lim in program.limits]
    upper = [lim.bound - lim.constant if lim.sense != ">=" else highspy.kHighsInf for lim in program.limits]
    lp.row_lower_, lp.row_upper_ = np.array(lower), np.array(upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum([len(lim.index) for lim in program.limits])]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate([lim.index for lim in program.limits]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([lim.coefs for lim in program.limits]).astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize if program.sense == "max" else highspy.ObjSense.kMinimize
    h.passModel(lp)
    h.run()
    row = [lim.name for lim in program.limits].index(PATH)
    start = time.perf_counter()
    for value in values:
        h.changeRowBounds(row, float(value), highspy.kHighsInf)
        h.run()
        np.array(h.getSolution().col_value)
    return (time.perf_counter() - start) / len(values)


def ours(scenario: Scenario, values: np.ndarray) -> tuple[float, object]:
    start = time.perf_counter()
    result = run_sweep(scenario, {PATH: values})
    return time.perf_counter() - start, result


def rebuild(scenario: Scenario, values: np.ndarray) -> float:
    start = time.perf_counter()
    for value in values:
        optimize(apply_changes(scenario, {PATH: float(value)}))
    return (time.perf_counter() - start) / len(values)


def command(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([COMMAND, *args], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cases = [("B2B demo (7 channels)", load_scenario(ROOT / "scenarios" / "b2b-annual-plan.yaml"), 100),
             (f"generated, {args.channels:,} channels", Scenario.model_validate(scenario_data(args.channels)), 20)]
    optimize(cases[0][1])  # imports and the solver's first start are not what we time
    print(f"Sweep of {PATH}, {args.points:,} points from 80% to 120% of the target; time per point "
          f"(median of {args.repeat} runs; rebuild on a sample of points)\n")
    print("| scenario | ours (warm) | bare highspy | rebuild | ours / bare | rebuild / ours | sweep total "
          "| points optimal |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {}
    for label, scenario, sample in cases:
        target = scenario.targets["revenue"]
        values = np.linspace(0.8 * target, 1.2 * target, args.points)
        runs = [ours(scenario, values) for _ in range(args.repeat)]
        total = statistics.median(t for t, _ in runs)
        result = runs[0][1]
        per_ours = total / args.points
        per_bare = statistics.median(bare_highspy(scenario, values) for _ in range(args.repeat))
        per_rebuild = rebuild(scenario, values[:: max(1, args.points // sample)])
        totals[label] = total
        print(f"| {label} | {per_ours * 1e3:.3f} ms | {per_bare * 1e3:.3f} ms | {per_rebuild * 1e3:.2f} ms | "
              f"{per_ours / per_bare:.2f}x | {per_rebuild / per_ours:.1f}x | {total:.3f} s | "
              f"{result.status.count('optimal'):,} |")
    b2b = cases[0][1]
    plan = optimize(b2b)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = sensitivity(plan)
        times.append(time.perf_counter() - start)
    sweep_command = command("sweep", "scenarios/b2b-annual-plan.yaml", "--vary",
                            f"{PATH}=3.84e6:5.76e6:{args.points}", "--format", "csv")
    sensitivity_command = command("sensitivity", "scenarios/b2b-annual-plan.yaml", "--format", "json")
    print()
    print("| goal | measured | goal |")
    print("|---|---|---|")
    print(f"| {args.points:,}-point B2B sweep, library | {totals[cases[0][0]]:.3f} s | < 2 s |")
    print(f"| {args.points:,}-point B2B sweep, command end to end (process start, CSV) | {sweep_command:.3f} s | - |")
    print(f"| B2B sensitivity with rate ranges, library ({result.solves} re-solves, {len(result.rates)} rates) | "
          f"{statistics.median(times):.3f} s | < 1 s |")
    print(f"| B2B sensitivity, command end to end (process start, solve, JSON) | {sensitivity_command:.3f} s | - |")


if __name__ == "__main__":
    main()
