"""Time `optimize` and `sensitivity` on a plan by month against the floors the per-period issue sets.

    .venv/bin/python benchmarks/bench_periods.py [--channels 100] [--periods 12] [--repeat 5]

The scenario is ``benchmarks/generate.py``'s ``periodic_data``: 100 channels over 12 months with a
three-period sales cycle, seasonal capacity and rates, availability, pipeline, a share rule within
every month (1,200 columns).

* ``optimize``: `campaign-optimizer optimize FILE --format json --output F` in a new process.
* floor: the script ``FLOOR`` below, in a new process: Python start, numpy and highspy imported,
  the program's own arrays read from an ``.npz`` file (written by the library before timing),
  HiGHS built from them (``passModel``), solved, the units written as JSON. It does none of the
  command's work of reading and checking the scenario, building the model, verifying and
  certifying the answer or explaining it; it must find the command's objective (1e-6 relative),
  or the benchmark stops.
* ``sensitivity``: `campaign-optimizer sensitivity FILE --format json --output F`, whose floor is
  its own ``optimize``.

Each command runs ``--repeat`` times, the three taking turns run by run (so the load of a shared
machine falls on all alike); the table shows medians. Goals (issue 11): optimize within
2x its floor, sensitivity within 3x its own optimize.

The package's bytecode is compiled before timing, as an installed package's is (pip compiles it at
install): run from a checkout with ``PYTHONDONTWRITEBYTECODE=1``, every start would otherwise
compile every module again (30-60 ms on this machine), which no user pays.
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

from generate import periodic_data  # noqa: E402
from harness import timed, write_arrays  # noqa: E402

import optimizer  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")

FLOOR = r'''
import json, sys
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
if int(arrays["maximize"]):
    lp.sense_ = highspy.ObjSense.kMaximize
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.passModel(lp)
h.run()
document = {"status": h.modelStatusToString(h.getModelStatus()),
            "objective_value": h.getInfo().objective_function_value,
            "units": list(h.getSolution().col_value)}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(document, f)
'''





def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compileall.compile_dir(Path(optimizer.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "scenario.json"
        scenario.write_text(json.dumps(periodic_data(args.channels, args.periods)), encoding="utf-8")
        arrays, floor_script = folder / "arrays.npz", folder / "floor.py"
        columns = len(write_arrays(scenario, arrays).columns)
        floor_script.write_text(FLOOR, encoding="utf-8")
        plan_out, floor_out, sens_out = folder / "plan.json", folder / "floor.json", folder / "sens.json"
        optimize = [COMMAND, "optimize", str(scenario), "--format", "json", "--output", str(plan_out)]
        floor = [sys.executable, str(floor_script), str(arrays), str(floor_out)]
        sens = [COMMAND, "sensitivity", str(scenario), "--format", "json", "--output", str(sens_out)]
        timed(optimize), timed(floor)  # warm the file cache once
        ours = json.loads(plan_out.read_text(encoding="utf-8"))
        bare = json.loads(floor_out.read_text(encoding="utf-8"))
        if ours["status"] != "optimal" or abs(ours["objective_value"] - bare["objective_value"]) > 1e-6 * max(
                1.0, abs(bare["objective_value"])):
            raise SystemExit(f"the floor does not reach the command's optimum: {ours['status']} "
                             f"{ours['objective_value']} vs {bare['status']} {bare['objective_value']}")
        times: dict[str, list[float]] = {"optimize": [], "floor": [], "sensitivity": []}
        for _ in range(args.repeat):
            for name, command in (("optimize", optimize), ("floor", floor), ("sensitivity", sens)):
                times[name].append(timed(command))
        t_opt, t_floor, t_sens = (statistics.median(times[name]) for name in ("optimize", "floor", "sensitivity"))
    print(f"{args.channels} channels x {args.periods} periods ({columns} columns), median of {args.repeat} runs, "
          "seconds\n")
    print("| command | seconds | floor | floor seconds | ratio | goal |")
    print("|---|---|---|---|---|---|")
    print(f"| optimize | {t_opt:.3f} | bare highspy on the same arrays | {t_floor:.3f} | {t_opt / t_floor:.2f}x | 2x |")
    print(f"| sensitivity | {t_sens:.3f} | its own optimize | {t_opt:.3f} | {t_sens / t_opt:.2f}x | 3x |")


if __name__ == "__main__":
    main()
