"""Time `campaign-optimizer optimize`: the demo end to end, and generated scenarios by stage.

    make bench                      # or: .venv/bin/python benchmarks/bench_optimize.py [--sizes 10,100,1000]

(a) The demo scenario, end to end as a user runs it (process start, imports, solve, table).
(b) Generated scenarios (benchmarks/generate.py: a budget, a revenue target, a sales cap, a spend
    limit per channel, one custom constraint per 10 channels), timed stage by stage through the
    library: read the JSON file, validate, build the program, state it in PuLP, hand it to HiGHS
    and solve (HiGHS's own run time shown apart), verify and assemble the plan, render JSON; then
    the real command end to end in a fresh process. "whole / HiGHS" is how much of the time is ours.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from generate import scenario_data  # noqa: E402

from optimizer.analysis.plan import plan_from_solution  # noqa: E402
from optimizer.model.build import build_program  # noqa: E402
from optimizer.model.solve import solve  # noqa: E402
from optimizer.output.plan import plan_json  # noqa: E402
from optimizer.scenario.loading import read_document  # noqa: E402
from optimizer.scenario.schema import Scenario  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")


def run_command(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([COMMAND, *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"campaign-optimizer {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def demo(repeat: int) -> None:
    scenario = str(ROOT / "scenarios" / "b2b-annual-plan.yaml")
    run_command("optimize", scenario)  # warm the file cache
    times = [run_command("optimize", scenario) for _ in range(repeat)]
    print(f"(a) campaign-optimizer optimize scenarios/b2b-annual-plan.yaml, end to end, {repeat} runs:")
    print(f"    median {statistics.median(times):.3f} s, best {min(times):.3f} s (goal: under 0.5 s)\n")


def stages(n: int, folder: Path) -> dict[str, float]:
    file = folder / f"generated-{n}.json"
    file.write_text(json.dumps(scenario_data(n)))
    t0 = time.perf_counter()
    data = read_document(file)
    t1 = time.perf_counter()
    scenario = Scenario.model_validate(data)
    t2 = time.perf_counter()
    program = build_program(scenario)
    t3 = time.perf_counter()
    solution = solve(program)
    t4 = time.perf_counter()
    plan = plan_from_solution(scenario, program, solution)
    t5 = time.perf_counter()
    plan_json(plan)
    t6 = time.perf_counter()
    if plan.status != "optimal":
        raise SystemExit(f"generated scenario with {n} channels: {plan.status}")
    info = solution.solver
    return {"n": n, "rows": len(program.limits), "read": t1 - t0, "validate": t2 - t1, "build": t3 - t2,
            "pulp": info.model_seconds, "solve": t4 - t3, "highs": info.solver_seconds, "verify": t5 - t4,
            "render": t6 - t5, "library": t6 - t0,
            "command": run_command("optimize", str(file), "--format", "json", "--output", str(folder / "plan.json"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000,100000", help="channel counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=10, help="runs of the demo")
    args = parser.parse_args()
    demo(args.repeat)
    print("(b) generated scenarios, seconds per stage (library calls), then the command end to end")
    header = ("channels", "limits", "read", "validate", "build", "PuLP model", "solve", "HiGHS run", "verify",
              "render", "library", "command", "whole/HiGHS")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            r = stages(n, Path(tmp))
            cells = [f"{r['n']:,}", f"{r['rows']:,}"] + [f"{r[k]:.3f}" for k in (
                "read", "validate", "build", "pulp", "solve", "highs", "verify", "render", "library", "command")]
            cells.append(f"{r['command'] / r['highs']:.0f}x")
            print("| " + " | ".join(cells) + " |", flush=True)
    print("\n'solve' includes 'PuLP model' (stating the LP in PuLP) and 'HiGHS run' (the solver's own time);")
    print("'command' is `campaign-optimizer optimize FILE --format json --output F` in a new process.")


if __name__ == "__main__":
    main()
