"""Time the finance commands: `check`, `report` (XLSX, HTML, Markdown) and a scenario whose channels are a sheet.

    make bench                      # or: .venv/bin/python benchmarks/bench_finance.py [--repeat 5]

(a) The commands end to end as a user runs them on the B2B scenario (process start included).
(b) Inside `report`: optimize, the sensitivity analysis, the three charts, and each writer, through
    the library; and inside `check`: reading the proposal, the proposal's funnel and limits, and the
    two comparison solves.
(c) Loading a scenario whose channels are a CSV sheet against the same channels inline, for
    generated scenarios of 100 to 10,000 channels (benchmarks/generate.py).
"""

from __future__ import annotations

import argparse
import csv
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

from optimizer.analysis.check import check, read_proposal  # noqa: E402
from optimizer.analysis.plan import optimize  # noqa: E402
from optimizer.analysis.sensitivity import sensitivity  # noqa: E402
from optimizer.output.charts import draw_all  # noqa: E402
from optimizer.output.report import html_text, markdown_text, report_tables, xlsx_bytes  # noqa: E402
from optimizer.scenario.loading import load_scenario  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")
B2B = ROOT / "scenarios" / "b2b-annual-plan.yaml"
PROPOSAL = ROOT / "scenarios" / "b2b-proposal.csv"


def run(*args: str, ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    done = subprocess.run([COMMAND, *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"campaign-optimizer {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def end_to_end(repeat: int, folder: Path) -> None:
    print(f"(a) end to end on scenarios/b2b-annual-plan.yaml, median of {repeat} runs (process start included)")
    print(f"    {'command':<62} {'seconds':>8}")
    commands = [
        (f"check ... {PROPOSAL.name}", ("check", str(B2B), str(PROPOSAL)), (3,)),
        (f"check ... {PROPOSAL.name} --format json", ("check", str(B2B), str(PROPOSAL), "--format", "json"), (3,)),
        ("report ... --output plan.xlsx", ("report", str(B2B), "--output", str(folder / "plan.xlsx")), (0,)),
        ("report ... --output plan.html", ("report", str(B2B), "--output", str(folder / "plan.html")), (0,)),
        ("report ... --output plan.md", ("report", str(B2B), "--output", str(folder / "plan.md")), (0,)),
        ("optimize ... (for comparison)", ("optimize", str(B2B)), (0,)),
    ]
    for label, args, ok in commands:
        run(*args, ok=ok)  # warm the file cache (and matplotlib's font cache)
        times = [run(*args, ok=ok) for _ in range(repeat)]
        print(f"    {label:<62} {statistics.median(times):>8.3f}")
    print()


def stages(repeat: int) -> None:
    scenario = load_scenario(B2B)
    t_opt, plan = timed(lambda: optimize(scenario), repeat)
    t_sens, analysis = timed(lambda: sensitivity(plan), repeat)
    t_tables, sheets = timed(lambda: report_tables(plan, analysis), repeat)
    t_charts, charts = timed(lambda: draw_all(plan), repeat)
    t_xlsx, _ = timed(lambda: xlsx_bytes(plan, sheets, charts), repeat)
    t_html, _ = timed(lambda: html_text(plan, sheets, charts), repeat)
    t_md, _ = timed(lambda: markdown_text(plan, sheets), repeat)
    t_read, _ = timed(lambda: read_proposal(PROPOSAL), repeat)
    t_check, _ = timed(lambda: check(scenario, PROPOSAL), repeat)
    print(f"(b) stages in one process (warm), median of {repeat}")
    print(f"    {'stage':<44} {'seconds':>8}")
    for label, value in (("optimize (build, solve, verify)", t_opt), ("sensitivity (Limits sheet)", t_sens),
                         ("report tables", t_tables),
                         ("three charts (matplotlib, PNG)", t_charts), ("XLSX writer (openpyxl)", t_xlsx),
                         ("HTML writer", t_html), ("Markdown writer", t_md), ("read the proposal CSV", t_read),
                         ("check (funnel, limits, two comparison solves)", t_check)):
        print(f"    {label:<44} {value:>8.4f}")
    print()


def sheet_loading(sizes: list[int], folder: Path) -> None:
    print("(c) loading a scenario: channels inline (JSON) against channels in a CSV sheet")
    print(f"    {'channels':>8} {'inline s':>10} {'sheet s':>10} {'ratio':>7}")
    for n in sizes:
        data = scenario_data(n)
        inline = folder / f"inline-{n}.json"
        inline.write_text(json.dumps(data))
        columns = sorted({k for c in data["channels"] for k in c if not isinstance(c[k], dict)})
        nested = sorted({f"{k}.{m}" for c in data["channels"] for k, v in c.items() if isinstance(v, dict) for m in v})
        with open(folder / f"channels-{n}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns + nested)
            for c in data["channels"]:
                flat = {**{k: v for k, v in c.items() if not isinstance(v, dict)},
                        **{f"{k}.{m}": x for k, v in c.items() if isinstance(v, dict) for m, x in v.items()}}
                writer.writerow(["" if flat.get(k) is None else flat[k] for k in columns + nested])
        sheet = folder / f"sheet-{n}.json"
        sheet.write_text(json.dumps({**data, "channels": f"channels-{n}.csv"}))
        t_inline, a = timed(lambda file=inline: load_scenario(file), 3)
        t_sheet, b = timed(lambda file=sheet: load_scenario(file), 3)
        assert a == b, "the sheet must give the same scenario"
        print(f"    {n:>8,} {t_inline:>10.4f} {t_sheet:>10.4f} {t_sheet / t_inline:>7.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="100,1000,10000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        end_to_end(args.repeat, folder)
        stages(args.repeat)
        sheet_loading([int(s) for s in args.sizes.split(",")], folder)


if __name__ == "__main__":
    main()
