"""Time `optimize` on a generated scenario with set-up costs (a MILP) against a floor.

    .venv/bin/python benchmarks/bench_setup.py [--channels 200] [--repeat 5]

The scenario is ``benchmarks/generate.py``'s ``set_up_data``: 200 channels, each with a set-up
cost (an on/off binary) and every third with a minimum buy, beside the budget, a revenue target,
the sales-capacity cap and the mix rules.

* ``optimize``: `campaign-optimizer optimize FILE --format json --output F` in a new process; its
  JSON gives the MILP's proven gap (``mip_gap``) and the solve's seconds (``solver.seconds``: the
  HiGHS run and the proof of its answer: the LP with the binaries held, and the LP relaxation).
* floor: the script ``FLOOR`` below, in a new process: Python start, numpy and highspy imported,
  the program's own arrays (with their integrality) read from an ``.npz`` file written by the
  library before timing, HiGHS built from them (``passModel``) with the same relative gap
  (1e-9), solved, the units written as JSON. None of the command's reading, checking, building,
  verifying, proving or explaining; it must find the command's objective (1e-6 relative), or the
  benchmark stops.

Each runs ``--repeat`` times; the table shows medians.
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from generate import set_up_data  # noqa: E402
from harness import timed, write_arrays  # noqa: E402

import optimizer  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")

FLOOR = r'''
import json, sys, time
import numpy as np
import highspy
arrays = np.load(sys.argv[1])
n, m = int(arrays["n"]), int(arrays["m"])
lp = highspy.HighsLp()
lp.num_col_, lp.num_row_ = n, m
lp.col_cost_ = arrays["cost"]
lp.col_lower_, lp.col_upper_ = np.zeros(n), np.full(n, np.inf)
lp.row_lower_, lp.row_upper_ = arrays["row_lower"], arrays["row_upper"]
lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
lp.a_matrix_.start_ = arrays["start"]
lp.a_matrix_.index_ = arrays["index"]
lp.a_matrix_.value_ = arrays["value"]
lp.integrality_ = [highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
                   for k in arrays["integer"]]
if int(arrays["maximize"]):
    lp.sense_ = highspy.ObjSense.kMaximize
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.setOptionValue("mip_rel_gap", float(arrays["gap"]))
h.passModel(lp)
h.run()
info = h.getInfo()
document = {"status": h.modelStatusToString(h.getModelStatus()), "objective_value": info.objective_function_value,
            "mip_gap": info.mip_gap, "run_seconds": h.getRunTime(), "units": list(h.getSolution().col_value)}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(document, f)
'''





def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compileall.compile_dir(Path(optimizer.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "scenario.json"
        scenario.write_text(json.dumps(set_up_data(args.channels)), encoding="utf-8")
        arrays, floor_script = folder / "arrays.npz", folder / "floor.py"
        program = write_arrays(scenario, arrays)
        columns, binaries = len(program.columns), len(program.set_ups)
        floor_script.write_text(FLOOR, encoding="utf-8")
        plan_out, floor_out = folder / "plan.json", folder / "floor.json"
        optimize = [COMMAND, "optimize", str(scenario), "--format", "json", "--output", str(plan_out)]
        floor = [sys.executable, str(floor_script), str(arrays), str(floor_out)]
        runs: list[tuple[float, float, dict, dict]] = []
        timed(optimize), timed(floor)  # warm the file cache once
        for _ in range(args.repeat):
            t_opt, t_floor = timed(optimize), timed(floor)
            ours = json.loads(plan_out.read_text(encoding="utf-8"))
            bare = json.loads(floor_out.read_text(encoding="utf-8"))
            if ours["status"] != "optimal" or abs(ours["objective_value"] - bare["objective_value"]) > 1e-6 * max(
                    1.0, abs(bare["objective_value"])):
                raise SystemExit(f"the floor does not reach the command's optimum: {ours['status']} "
                                 f"{ours['objective_value']} vs {bare['status']} {bare['objective_value']}")
            runs.append((t_opt, t_floor, ours, bare))
    used = sum(1 for c in runs[0][2]["channels"] if c.get("used"))
    t_opt = statistics.median(r[0] for r in runs)
    t_floor = statistics.median(r[1] for r in runs)
    solve = statistics.median(r[2]["solver"]["seconds"] for r in runs)
    highs = statistics.median(r[3]["run_seconds"] for r in runs)
    gap = max(r[2]["mip_gap"] for r in runs)
    print(f"{args.channels} channels with set-up costs ({columns} columns, {binaries} on/off binaries; "
          f"{used} channels set up in the plan), median of {args.repeat} runs, seconds\n")
    print("| optimize | its solve (HiGHS and proof) | MILP gap | floor: bare highspy on the same arrays | "
          "floor's HiGHS run | optimize / floor |")
    print("|---|---|---|---|---|---|")
    print(f"| {t_opt:.3f} | {solve:.3f} | {gap:.1e} | {t_floor:.3f} | {highs:.3f} | {t_opt / t_floor:.2f}x |")


if __name__ == "__main__":
    main()
