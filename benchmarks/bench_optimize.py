"""Time `campaign-optimizer optimize` end to end against two floors written here, stage by stage.

    make bench                      # or: .venv/bin/python benchmarks/bench_optimize.py [--channels 10000]

For the bundled B2B scenario and a generated one (benchmarks/generate.py: a budget, a revenue
target, a sales cap, a spend limit per channel, one custom constraint per 10 channels):

* ``optimize`` is `campaign-optimizer optimize FILE --format json --output F` in a new process
  (median of ``--repeat`` runs; the command and the two floors take turns, run by run, so that
  the load of a shared machine falls on all three alike).
* floor (a), bare: the script in ``BARE_FLOOR`` below: Python start, read the scenario file, the
  coefficients with numpy, HiGHS built from arrays (``passModel``) and solved, a JSON file out.
* floor (b): the same script, but it first imports every third-party package the command
  imports (found by running the command and reading ``sys.modules``), and writes a document of
  the same shape and size as the command's: every channel with its metrics, every limit with its
  slack, the provenance with a SHA-256 of the scenario.

Both floors must find the command's objective value (1e-6 relative), or the benchmark stops.
The stages (validation, fingerprint, build, solve, plan and verification, JSON) are timed
through the library in this process (best of the runs; the fingerprint computed once, in its own
stage, and kept for the JSON); imports are the command's own, read with ``python -X importtime``.
Within solve, the scaling (finding the factors of the ladder's first rung) and the certificate of
the answer (:func:`optimizer.model.certify.optimality`) are timed on their own.
Goals (issue 9): optimize within 2x floor (a) and 1.5x floor (b);
at 10,000 channels validation <= 0.15 s, the fingerprint <= 0.05 s, JSON <= 0.25 s;
(issue 10) scaling <= 0.02 s and the certificate <= 0.02 s.

The package's bytecode is compiled before timing, as an installed package's is (pip compiles it at
install): run from a checkout with ``PYTHONDONTWRITEBYTECODE=1``, every start of the command would
otherwise compile every module again (about 50 ms on this machine), which no user pays.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
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
from optimizer.model.certify import optimality  # noqa: E402
from optimizer.model.highs import WarmModel  # noqa: E402
from optimizer.model.solve import solve  # noqa: E402
from optimizer.output.plan import plan_json  # noqa: E402
from optimizer.scenario.fingerprint import scenario_sha256  # noqa: E402
from optimizer.scenario.loading import load_scenario, read_document  # noqa: E402
from optimizer.scenario.schema import Scenario  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")

# The floor: what any program answering the same question must do at least. It reads exactly the
# fields the two benchmark scenarios use (min_spend; funnel rates, the four prices, yields; spend
# and unit bounds; targets and caps of funnel stages; linear constraints over spend[...] and
# total_spend) and solves the same LP.
BARE_FLOOR = r'''
import hashlib, importlib, json, re, sys
path, out, mode = sys.argv[1], sys.argv[2], sys.argv[3]
for name in (sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] else []):
    importlib.import_module(name)
import numpy as np
import highspy

text = open(path, encoding="utf-8").read()
if path.endswith(".json"):
    data = json.loads(text)
else:
    import yaml
    data = yaml.safe_load(text)

def num(v):
    if isinstance(v, str):
        v = v.strip().replace("_", "")
        return float(v[:-1]) / 100 if v.endswith("%") else float(v)
    return float(v)

STAGES = ["reach", "leads", "qualified_leads", "opportunities", "deals", "revenue"]
RATES = [None, "response_rate", "qualification_rate", "opportunity_rate", "win_rate", "deal_value"]
ENTRY = {"cost_per_contact": 0, "cost_per_lead": 1, "cost_per_qualified_lead": 2}
channels = data["channels"]
n = len(channels)
funnel = data.get("funnel") or {}
names = [c["name"] for c in channels]
fields = [next(f for f in ("cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost") if f in c)
          for c in channels]
price = np.array([num(c[f]) for c, f in zip(channels, fields)])
given = [{k: num(v) for k, v in (c.get("yields") or {}).items()} for c in channels]
start = np.array([ENTRY.get(f) if f in ENTRY else min(STAGES.index(s) for s in g) for f, g in zip(fields, given)])
per_unit = np.zeros((n, 6))
value = np.ones(n)
for s in range(6):
    default = num(funnel.get(RATES[s], data.get(RATES[s], 1.0 if s == 3 else np.nan))) if s else 1.0
    rate = np.array([num(c[RATES[s]]) if s and RATES[s] in c else default for c in channels])
    stated = np.array([g.get(STAGES[s], np.nan) for g in given])
    value = np.where(s == start, 1.0, value * rate)
    value = np.where(np.isnan(stated), value, stated)
    per_unit[:, s] = np.where(s < start, 0.0, value)

lower, upper = np.zeros(n), np.full(n, np.inf)
for i, c in enumerate(channels):
    for key, side, scale in (("min_spend", 0, price[i]), ("max_spend", 1, price[i]), ("min_units", 0, 1.0),
                             ("max_units", 1, 1.0)):
        if key in c:
            bound = num(c[key]) / scale
            if side:
                upper[i] = min(upper[i], bound)
            else:
                lower[i] = max(lower[i], bound)
rows, row_lo, row_hi, row_names = [], [], [], []
def row(name, coefs, lo, hi):
    rows.append(coefs); row_lo.append(lo); row_hi.append(hi); row_names.append(name)
if "budget" in data:
    row("budget", price, -np.inf, num(data["budget"]))
for metric, v in (data.get("targets") or {}).items():
    row(f"targets.{metric}", per_unit[:, STAGES.index(metric)], num(v), np.inf)
for metric, v in (data.get("caps") or {}).items():
    row(f"caps.{metric}", per_unit[:, STAGES.index(metric)], -np.inf, num(v))
position = {name: i for i, name in enumerate(names)}
TERM = re.compile(r"([-+]?)\s*(?:([\d.e_]+)\s*\*\s*)?(spend\[(\w+)\]|total_spend|[\d.e_]+)")
for k, spec in enumerate(data.get("constraints") or []):
    expr = spec["expr"] if isinstance(spec, dict) else spec
    sense = next(s for s in ("<=", ">=", "==") if s in expr)
    coefs, constant = {}, 0.0
    for side, part in ((1.0, expr.split(sense)[0]), (-1.0, expr.split(sense)[1])):
        for sign, factor, term, channel in TERM.findall(part):
            weight = side * (-1.0 if sign == "-" else 1.0) * (num(factor) if factor else 1.0)
            if channel:
                coefs[position[channel]] = coefs.get(position[channel], 0.0) + weight * price[position[channel]]
            elif term == "total_spend":
                for i in range(n):
                    coefs[i] = coefs.get(i, 0.0) + weight * price[i]
            else:
                constant += weight * num(term)
    dense = np.zeros(n)
    dense[list(coefs)] = list(coefs.values())
    row(f"constraints[{spec.get('name', k) if isinstance(spec, dict) else k}]", dense,
        -constant if sense != "<=" else -np.inf, -constant if sense != ">=" else np.inf)

matrix = np.array(rows)
nonzero = matrix != 0
lp = highspy.HighsLp()
lp.num_col_, lp.num_row_ = n, len(rows)
lp.col_cost_, lp.col_lower_, lp.col_upper_ = price, lower, upper
lp.row_lower_, lp.row_upper_ = np.array(row_lo), np.array(row_hi)
lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(nonzero.sum(axis=1))]).astype(np.int32)
lp.a_matrix_.index_ = np.nonzero(nonzero)[1].astype(np.int32)
lp.a_matrix_.value_ = matrix[nonzero]
h = highspy.Highs()
h.setOptionValue("output_flag", False)
h.passModel(lp)
h.run()
units = np.array(h.getSolution().col_value)
objective = h.getInfo().objective_function_value
status = h.modelStatusToString(h.getModelStatus()).lower()
spend = units * price
if mode == "bare":
    document = {"status": status, "objective_value": objective,
                "channels": [{"name": a, "units": u, "spend": s}
                             for a, u, s in zip(names, units.tolist(), spend.tolist())]}
else:  # the command's document: every channel with its metrics, every limit with its slack, provenance
    metrics = per_unit * units[:, None]
    total = float(spend.sum())
    activity = matrix @ units
    deals, revenue = metrics[:, 4], metrics[:, 5]
    document = {
        "scenario": data.get("name", path), "status": status, "objective": "min_spend",
        "objective_value": objective, "total_spend": total, "currency": data.get("currency", "USD"),
        "channels": [{"name": a, "units": u, "spend": s, "share": s / total,
                      "metrics": dict(zip(STAGES, m)), "cost_per_deal": s / d if d else None,
                      "return_on_spend": r / s if s else None}
                     for a, u, s, m, d, r in zip(names, units.tolist(), spend.tolist(), metrics.tolist(),
                                                 deals.tolist(), revenue.tolist())],
        "totals": dict(zip(STAGES, metrics.sum(axis=0).tolist())),
        "constraints": [{"name": a, "kind": "limit", "value": v, "limit": hi if hi < np.inf else lo,
                         "slack": (hi - v) if hi < np.inf else (v - lo),
                         "binding": bool(min(abs(hi - v), abs(v - lo)) < 1e-6)}
                        for a, v, lo, hi in zip(row_names, activity.tolist(), row_lo, row_hi)]
                       + [{"name": f"channels[{a}].max_spend", "kind": "channel_bound", "value": s,
                           "limit": float(u * p), "slack": float(u * p - s), "binding": bool(abs(u * p - s) < 1e-6)}
                          for a, s, u, p in zip(names, spend.tolist(), upper.tolist(), price.tolist()) if u < np.inf],
        "warnings": [], "solver": {"name": "highs", "version": highspy.Highs().version(), "seconds": 0.0},
        "check": {"max_violation": 0.0},
        "provenance": {"scenario_sha256": hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest(),
                       "tool_version": "0", "solver": "highs", "solver_version": highspy.Highs().version()}}
text = json.dumps(document)
if len(text) <= 1_000_000:  # as the command does: indented unless large
    text = json.dumps(document, indent=2)
with open(out, "w", encoding="utf-8") as f:
    f.write(text + "\n")
'''

# The command's third-party imports, read after it ran (stdlib and our own package left out).
IMPORTS_OF = r'''
import atexit, json, sys
listing = sys.argv[1]
def report():
    top = {m.split(".")[0] for m in sys.modules}
    third = sorted(m for m in top if m not in sys.stdlib_module_names and not m.startswith("_")
                   and m != "optimizer" and getattr(sys.modules.get(m), "__file__", None))
    with open(listing, "w") as f:
        json.dump(third, f)
atexit.register(report)
sys.argv = ["campaign-optimizer", "optimize", sys.argv[2], "--format", "json", "--output", sys.argv[3]]
from optimizer.cli import run
run()
'''


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        shown = " ".join(a if len(a) < 200 else "SCRIPT" for a in args)
        raise SystemExit(f"{shown} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def medians_of(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """The median seconds of each command over ``repeat`` runs, the commands taking turns."""
    for args in commands.values():
        timed(args)  # warm the file cache
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, args in commands.items():
            times[name].append(timed(args))
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def command_imports(file: Path, folder: Path) -> tuple[list[str], float]:
    """The third-party packages ``optimize --format json`` imports, and the seconds all its imports take."""
    listing = folder / "imports.json"
    subprocess.run([sys.executable, "-c", IMPORTS_OF, str(listing), str(file), str(folder / "imports-plan.json")],
                   check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", IMPORTS_OF, str(folder / "unused.json"),
                           str(file), str(folder / "imports-plan.json")], capture_output=True, text=True, check=True)
    total = 0
    for line in done.stderr.splitlines():  # "import time: self | cumulative | name"; top level: no indent
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[2][1:2] != " " and parts[1].strip().isdigit():
            total += int(parts[1])
    return json.loads(listing.read_text()), total / 1e6


def stages(file: Path, repeat: int) -> dict[str, float]:
    """Each stage through the library, best of ``repeat`` runs (the fingerprint computed afresh)."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        data = read_document(file)
        data.setdefault("name", file.stem)
        t1 = time.perf_counter()
        scenario = Scenario.model_validate(data)
        t2 = time.perf_counter()
        scenario_sha256(scenario)  # computed once here, kept for the JSON
        t3 = time.perf_counter()
        program = build_program(scenario)
        t4 = time.perf_counter()
        solution = solve(program)
        t5 = time.perf_counter()
        plan = plan_from_solution(scenario, program, solution)
        t6 = time.perf_counter()
        plan_json(plan)
        t7 = time.perf_counter()
        if plan.status != "optimal":
            raise SystemExit(f"{file.name}: {plan.status}")
        # within solve: the scaling factors of its first rung, and the certificate of its answer
        scaling = WarmModel(program).scale_seconds
        t8 = time.perf_counter()
        certificate = optimality(program, solution.units, solution.duals)
        t9 = time.perf_counter()
        if not certificate.passed:
            raise SystemExit(f"{file.name}: the certificate fails: {certificate.failed}")
        for name, seconds in (("read", t1 - t0), ("validation", t2 - t1), ("fingerprint", t3 - t2),
                              ("build", t4 - t3), ("solve", t5 - t4), ("plan+verification", t6 - t5),
                              ("JSON", t7 - t6), ("scaling", scaling), ("certificate", t9 - t8)):
            best[name] = min(best.get(name, float("inf")), seconds)
        best["objective"] = plan.objective_value
        best["HiGHS run"] = solution.solver.solver_seconds or 0.0
    return best


def measure(label: str, file: Path, folder: Path, repeat: int) -> dict:
    out = folder / "out.json"
    third_party, import_seconds = command_imports(file, folder)
    floor_a = [sys.executable, "-c", BARE_FLOOR, str(file), str(out), "bare"]
    floor_b = [sys.executable, "-c", BARE_FLOOR, str(file), str(out), "document", ",".join(third_party)]
    ours = stages(file, max(3, repeat // 2))
    for floor in (floor_a, floor_b):
        timed(floor)
        found = json.loads(out.read_text())["objective_value"]
        if abs(found - ours["objective"]) > 1e-6 * max(1.0, abs(ours["objective"])):
            raise SystemExit(f"{label}: the floor found {found}, the command {ours['objective']}: not the same LP")
    command = [COMMAND, "optimize", str(file), "--format", "json", "--output", str(folder / "plan.json")]
    times = medians_of({"optimize": command, "floor (a)": floor_a, "floor (b)": floor_b}, repeat)
    size_ours, size_floor = (folder / "plan.json").stat().st_size, out.stat().st_size
    return {"label": label, "stages": ours, "imports": import_seconds, "third_party": third_party, **times,
            "sizes": (size_ours, size_floor)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=10_000, help="channels of the generated scenario")
    parser.add_argument("--repeat", type=int, default=7, help="runs per process timing (the median is shown)")
    args = parser.parse_args()
    os.environ.pop("CAMPAIGN_OPTIMIZER_DEBUG", None)
    compileall.compile_dir(ROOT / "optimizer", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generated = folder / f"generated-{args.channels}.json"
        generated.write_text(json.dumps(scenario_data(args.channels)))
        load_scenario(generated)  # fail early on a generator bug
        rows = [measure("scenarios/b2b-annual-plan.yaml", ROOT / "scenarios" / "b2b-annual-plan.yaml", folder,
                        args.repeat),
                measure(f"generated, {args.channels:,} channels", generated, folder, args.repeat)]
    names = ("read", "validation", "fingerprint", "build", "solve", "HiGHS run", "scaling", "certificate",
             "plan+verification", "JSON")
    print("Stages, seconds (library calls in one process, best of the runs; imports: the command's, by -X importtime)")
    print("| scenario | " + " | ".join(names) + " | imports |")
    print("|---|" + "---|" * (len(names) + 1))
    for r in rows:
        print(f"| {r['label']} | " + " | ".join(f"{r['stages'][n]:.3f}" for n in names) + f" | {r['imports']:.3f} |")
    print(f"\nEnd to end, new process, median of {args.repeat} runs, seconds")
    print("| scenario | optimize | floor (a) bare | floor (b) same imports and document | optimize / (a) | "
          "optimize / (b) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['optimize']:.3f} | {r['floor (a)']:.3f} | {r['floor (b)']:.3f} | "
              f"{r['optimize'] / r['floor (a)']:.2f}x | {r['optimize'] / r['floor (b)']:.2f}x |")
    print("\nGoals: optimize / (a) <= 2, optimize / (b) <= 1.5; at 10,000 channels validation <= 0.15 s, "
          "fingerprint <= 0.05 s, JSON <= 0.25 s, scaling <= 0.02 s, certificate <= 0.02 s (both within solve).")
    print("Third-party packages the command imports (floor (b) imports them too): " + ", ".join(rows[0]["third_party"]))
    for r in rows:
        print(f"JSON written by {r['label']}: optimize {r['sizes'][0]:,} bytes, floor (b) {r['sizes'][1]:,} bytes")


if __name__ == "__main__":
    main()
