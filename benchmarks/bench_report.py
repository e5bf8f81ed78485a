"""Time `campaign-optimizer report` on generated scenarios beside a floor (the same work, plainest way).

    .venv/bin/python benchmarks/bench_report.py [--channels 1000,10000] [--repeat 3]

For each generated scenario (benchmarks/generate.py: a budget, a revenue target, a sales cap, a
spend limit per channel, one custom constraint per 10 channels):

* ``report`` is `campaign-optimizer report FILE --output F --no-sensitivity` in a new process, for
  F ending .xlsx, .html and .md (median of ``--repeat`` runs); .html and .xlsx draw the three
  charts, .md (without ``--charts``) draws none.
* the floor is the same work done the plainest way, in one new process: ``BARE_FLOOR`` of
  benchmarks/bench_optimize.py (Python start, the scenario read, the coefficients with numpy,
  HiGHS built from arrays and solved; it also writes its small JSON answer), then ``XLSX_FLOOR``
  below: openpyxl imported, the report's tables read from a JSON file of plain arrays (written here
  from the plan, before timing: the floor reads the tables' cells rather than deriving them), the
  three charts drawn by bare matplotlib from the floor's own solution (the 12 largest channels by
  spend and one "others" bar, as the command draws them, with amounts on the bars) and the same
  workbook written by bare openpyxl: the same sheets, cells, number formats, text cells as strings
  with the quote-prefix style, bold headers, the charts under the Plan and Funnel tables.
  Before the floor is timed, its objective must equal the command's (1e-6 relative) and its cells
  the command's workbook's (values of every sheet), or the benchmark stops.

The stages (load, optimize, tables, charts, and writing each format) are timed through the library
in this process, best of the runs. Tests never assert on time; the README quotes this table.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_optimize import BARE_FLOOR, median_of, timed  # noqa: E402
from generate import scenario_data  # noqa: E402

from optimizer.analysis.plan import optimize  # noqa: E402
from optimizer.output.charts import draw_all  # noqa: E402
from optimizer.output.report import (  # noqa: E402
    MONEY,
    PERCENT,
    PRICE,
    RATE,
    _currency_format,
    _unwrap,
    html_text,
    markdown_text,
    report_tables,
    xlsx_bytes,
)
from optimizer.scenario.loading import load_scenario  # noqa: E402

COMMAND = str(Path(sys.executable).parent / "campaign-optimizer")
FORMATS = (".xlsx", ".html", ".md")

# The floor's second half: the same workbook from plain arrays and the floor's own solution
# (``names``, ``spend``, ``units``, ``per_unit``, ``STAGES`` and ``np`` are BARE_FLOOR's), written by
# matplotlib and openpyxl and nothing else.
XLSX_FLOOR = r'''
import io, json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
tables, out = sys.argv[1], sys.argv[2]
with open(tables, encoding="utf-8") as f:
    sheets = json.load(f)

def chart(labels, values, log=False):
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(labels) + 1.4))
    bars = ax.barh(labels, values, log=log)
    ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer

def largest(order, values, per):
    top, rest = order[:12], order[12:]
    labels, amounts = [names[i] for i in top], list(values[top] / per[top])
    if len(rest):
        labels.append("others")
        amounts.append(values[rest].sum() / per[rest].sum())
    return chart(labels, amounts)

order = np.argsort(-spend, kind="stable")
deals = per_unit[:, 4] * units
totals = (per_unit * units[:, None]).sum(axis=0)
won = order[deals[order] > 0]
images = {"Plan": [largest(order, spend, np.ones(len(spend)))] + ([largest(won, spend, deals)] if len(won) else []),
          "Funnel": [chart(STAGES[:5], np.maximum(totals[:5], 1e-9), log=True)]}
book = Workbook()
book.remove(book.active)
bold = Font(bold=True)
for sheet in sheets:
    ws = book.create_sheet(sheet["title"])
    formats = sheet["formats"]
    lines = [sheet["header"], *sheet["rows"], *[[n] for n in sheet["notes"]]]
    for r, values in enumerate(lines, start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c, value)
            if isinstance(value, str):
                cell.data_type = "s"
                cell.quotePrefix = True
            elif value is not None:
                cell.number_format = formats[c - 1]
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "B2"
    row = len(lines) + 2
    for png in images.get(sheet["title"], []):
        image = Image(png)
        ws.add_image(image, f"A{row}")
        row += int(image.height / 20) + 2
book.save(out)
'''
# BARE_FLOOR then XLSX_FLOOR in one process: floor SCENARIO ANSWER.json TABLES.json OUT.xlsx
FLOOR = ("import sys\n_args = sys.argv[1:]\nsys.argv = ['floor', _args[0], _args[1], 'bare']\n" + BARE_FLOOR
         + "\nsys.argv = ['floor', _args[2], _args[3]]\n" + XLSX_FLOOR)


def plain_tables(plan, sheets) -> list[dict]:
    """The report's tables as plain arrays: header, rows of values, a number format per column."""
    number_formats = {MONEY: _currency_format(plan.scenario.currency), PERCENT: "0.0%", RATE: '0.00"x"',
                      PRICE: "General"}
    out = []
    for sheet in sheets:
        body = list(sheet.rows) + ([sheet.total] if sheet.total else [])
        rows = []
        for values in body:
            row = []
            for value, (_, kind) in zip(values, sheet.columns):
                value, _kind = _unwrap(value, kind)
                row.append(None if isinstance(value, float) and not math.isfinite(value) else value)
            rows.append(row)
        out.append({"title": sheet.title, "header": [h for h, _ in sheet.columns], "rows": rows,
                    "formats": [number_formats.get(kind, "#,##0.00") for _, kind in sheet.columns],
                    "notes": list(sheet.notes)})
    return out


def same_cells(ours: Path, floor: Path) -> None:
    """The floor wrote the command's workbook: every sheet's cell values equal, below the header row too."""
    import openpyxl

    a, b = openpyxl.load_workbook(ours), openpyxl.load_workbook(floor)
    if a.sheetnames != b.sheetnames:
        raise SystemExit(f"the floor wrote sheets {b.sheetnames}, the command {a.sheetnames}")
    for name in a.sheetnames:
        left = [[c.value for c in row] for row in a[name].iter_rows()]
        right = [[c.value for c in row] for row in b[name].iter_rows()]
        # empty rows left out, and About's date: the two were made at different minutes
        left = [r for r in left if any(v is not None for v in r) and r[0] != "generated"]
        right = [r for r in right if any(v is not None for v in r) and r[0] != "generated"]
        if left != right:
            row = next((k for k, (x, y) in enumerate(zip(left, right)) if x != y), min(len(left), len(right)))
            theirs, ours = (rows[row] if row < len(rows) else None for rows in (right, left))
            raise SystemExit(f"{name}: the floor's cells differ from the command's, first at data row {row + 1}: "
                             f"{theirs} against {ours}")


def stages(file: Path, repeat: int) -> dict[str, float]:
    """Each stage through the library, best of ``repeat`` runs."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        scenario = load_scenario(file)
        t1 = time.perf_counter()
        plan = optimize(scenario)
        t2 = time.perf_counter()
        sheets = report_tables(plan, None)
        t3 = time.perf_counter()
        charts = draw_all(plan)
        t4 = time.perf_counter()
        xlsx_bytes(plan, sheets, charts)
        t5 = time.perf_counter()
        html_text(plan, sheets, charts)
        t6 = time.perf_counter()
        markdown_text(plan, sheets)
        t7 = time.perf_counter()
        for name, seconds in (("load", t1 - t0), ("optimize", t2 - t1), ("tables", t3 - t2), ("charts", t4 - t3),
                              ("write .xlsx", t5 - t4), ("write .html", t6 - t5), ("write .md", t7 - t6)):
            best[name] = min(best.get(name, float("inf")), seconds)
    return best


def measure(n: int, folder: Path, repeat: int) -> dict:
    file = folder / f"generated-{n}.json"
    file.write_text(json.dumps(scenario_data(n)))
    scenario = load_scenario(file)
    plan = optimize(scenario)
    if plan.status != "optimal":
        raise SystemExit(f"{file.name}: {plan.status}")
    tables = folder / f"tables-{n}.json"
    tables.write_text(json.dumps(plain_tables(plan, report_tables(plan, None))))
    answer = folder / "floor.json"
    floor = [sys.executable, "-c", FLOOR, str(file), str(answer), str(tables), str(folder / "floor.xlsx")]
    times = {}
    for suffix in FORMATS:
        command = [COMMAND, "report", str(file), "--output", str(folder / f"report{suffix}"), "--no-sensitivity"]
        times[suffix] = median_of(command, repeat)
    timed(floor)
    found = json.loads(answer.read_text())["objective_value"]
    if not math.isclose(found, plan.objective_value, rel_tol=1e-6):
        raise SystemExit(f"{file.name}: the floor found {found}, the command {plan.objective_value}")
    same_cells(folder / "report.xlsx", folder / "floor.xlsx")
    times["floor"] = median_of(floor, repeat)
    return {"label": f"generated, {n:,} channels", "stages": stages(file, max(2, repeat // 2)), **times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", default="1000,10000", help="channels of each generated scenario, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per process timing (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(int(n), Path(tmp), args.repeat) for n in args.channels.split(",")]
    names = ("load", "optimize", "tables", "charts", "write .xlsx", "write .html", "write .md")
    print("Stages, seconds (library calls in one process, best of the runs)")
    print("| scenario | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for r in rows:
        print(f"| {r['label']} | " + " | ".join(f"{r['stages'][n]:.3f}" for n in names) + " |")
    print(f"\nEnd to end, `report FILE --output F --no-sensitivity`, new process, median of {args.repeat} runs, "
          "seconds")
    print("| scenario | .xlsx | .html | .md | floor: solve, charts, workbook, bare | .xlsx / floor |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['.xlsx']:.2f} | {r['.html']:.2f} | {r['.md']:.2f} | {r['floor']:.2f} | "
              f"{r['.xlsx'] / r['floor']:.2f}x |")


if __name__ == "__main__":
    main()
