"""Time `optimize` and `sensitivity` on a generated scenario whose every price has three tiers (an LP).

    .venv/bin/python benchmarks/bench_tiers.py [--channels 1000] [--repeat 3]

The scenario is ``benchmarks/generate.py``'s ``tiered_data``: 1,000 channels, each price in three
tiers, each dearer than the one before (3,000 units columns, a width row per capped tier), with a
budget, a revenue target, a sales-capacity cap, every channel's ``max_spend`` (a bound on its units
through the schedule) and a cap on every tenth pair of channels' spend. No rule rewards spending on
a tiered channel and no cost falls, so the LP fills every schedule in order by itself: no binaries.

* ``optimize``: `campaign-optimizer optimize FILE --format json --output F` in a new process; its
  JSON gives the solve time (``solver.seconds``: HiGHS and the proof of the answer) and the gap
  (``check.gap``, the duality gap of the LP's certificate: 0 up to rounding).
* ``sensitivity``: `campaign-optimizer sensitivity FILE --format json --output F` in a new process.
* floors: the script ``FLOOR`` below, in a new process: Python start, numpy and highspy imported,
  the program's own arrays read from an ``.npz`` file (written by the library before timing),
  HiGHS built from them (``passModel``), solved, the units written as JSON; for sensitivity, the
  same with HiGHS's own ranging (``getRanging``) written too. They do none of the commands' work
  (reading and checking the scenario, building the model, proving the answer, explaining it, and
  for sensitivity every range certified and its ends confirmed); the floor must find the command's
  objective (1e-6 relative), or the benchmark stops.

Each command runs ``--repeat`` times; the table shows medians. The package's bytecode is compiled
before timing, as an installed package's is.
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

from generate import tiered_data  # noqa: E402
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
if len(sys.argv) > 3:  # sensitivity's floor: HiGHS's own cost and bound ranging
    _, ranging = h.getRanging()
    document["ranging"] = {"cost_down": list(ranging.col_cost_dn.value_[:n]),
                           "cost_up": list(ranging.col_cost_up.value_[:n]),
                           "bound_down": list(ranging.row_bound_dn.value_[:m]),
                           "bound_up": list(ranging.row_bound_up.value_[:m])}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(document, f)
'''





def median(args: list[str], repeat: int) -> float:
    return statistics.median(timed(args) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compileall.compile_dir(Path(optimizer.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = folder / "scenario.json"
        scenario.write_text(json.dumps(tiered_data(args.channels)), encoding="utf-8")
        arrays, floor_script = folder / "arrays.npz", folder / "floor.py"
        program = write_arrays(scenario, arrays)
        n, m = len(program.columns), len(program.limits)
        ordered = sum(1 for g in program.tier_groups if g.binaries)
        if ordered:
            raise SystemExit(f"{ordered} tiered prices need order binaries: the benchmark is meant to time an LP")
        floor_script.write_text(FLOOR, encoding="utf-8")
        plan_out, floor_out, sens_out = folder / "plan.json", folder / "floor.json", folder / "sens.json"
        optimize = [COMMAND, "optimize", str(scenario), "--format", "json", "--output", str(plan_out)]
        sens = [COMMAND, "sensitivity", str(scenario), "--format", "json", "--output", str(sens_out)]
        floor = [sys.executable, str(floor_script), str(arrays), str(floor_out)]
        floor_ranging = [*floor, "ranging"]
        timed(optimize), timed(floor)  # warm the file cache once
        ours = json.loads(plan_out.read_text(encoding="utf-8"))
        bare = json.loads(floor_out.read_text(encoding="utf-8"))
        if ours["status"] != "optimal" or abs(ours["objective_value"] - bare["objective_value"]) > 1e-6 * max(
                1.0, abs(bare["objective_value"])):
            raise SystemExit(f"the floor does not reach the command's optimum: {ours['status']} "
                             f"{ours['objective_value']} vs {bare['status']} {bare['objective_value']}")
        mixed = [w for w in ours["warnings"] if w.startswith("mixed-integer")]
        if mixed:
            raise SystemExit(f"the plan is not an LP: {mixed[0]}")
        tiers = sum(len(c.get("tiers") or ()) for c in ours["channels"])
        t_opt = median(optimize, args.repeat)
        t_floor = median(floor, args.repeat)
        t_sens = median(sens, args.repeat)
        t_floor_ranging = median(floor_ranging, args.repeat)
        solves = json.loads(sens_out.read_text(encoding="utf-8"))
    solve_seconds = ours["solver"]["seconds"]
    gap = ours["check"]["gap"]
    print(f"{args.channels:,} channels, three tiers each ({tiers:,} tiers; {n:,} columns, {m:,} rows; an LP: "
          f"{len(solves['channels']):,} tier costs ranged), median of {args.repeat} runs, seconds\n")
    print("| command | seconds | solve (HiGHS and proof) | gap | floor | floor seconds | ratio |")
    print("|---|---|---|---|---|---|---|")
    print(f"| optimize | {t_opt:.3f} | {solve_seconds:.3f} | {gap:.1e} (LP) | bare highspy on the same arrays | "
          f"{t_floor:.3f} | {t_opt / t_floor:.2f}x |")
    print(f"| sensitivity | {t_sens:.3f} | | | bare highspy on the same arrays, with getRanging | "
          f"{t_floor_ranging:.3f} | {t_sens / t_floor_ranging:.2f}x |")
    print(f"\nsensitivity / optimize: {t_sens / t_opt:.2f}x")


if __name__ == "__main__":
    main()
