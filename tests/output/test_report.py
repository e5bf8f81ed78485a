"""Reports: XLSX, HTML (rendered in headless Chromium) and Markdown, with numbers derived by hand.

The scenario: funnel qualification_rate 0.5, win_rate 0.2 (opportunity_rate 1): 0.1 deals per lead;
email $20 per lead (at most 150 leads), search $50 per lead; target 20 deals; deal value $1,000.
By hand: the 200 leads needed come from email first (150 leads, $3,000, 15 deals), then search
(50 leads, $2,500, 5 deals): spend $5,500; 100 qualified leads, 100 opportunities, revenue $20,000.
One more deal costs 10 search leads = $500 (the target's shadow price); one more email lead saves
$50 - $20 = $30 (the email bound's shadow price, -30).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from optimizer import NoPlanError, Scenario, ScenarioError, optimize
from optimizer.analysis.provenance import scenario_sha256
from optimizer.cli import app
from optimizer.output.report import write_report

ROOT = Path(__file__).resolve().parents[2]
SHEETS = ["Plan", "Funnel", "Limits", "Inputs", "About"]


def _scenario(**changes) -> Scenario:
    data = {"name": "two-channels", "deal_value": 1000, "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
            "targets": {"deals": 20}, "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 150},
                                                   {"name": "search", "cost_per_lead": 50}]}
    return Scenario.model_validate({**data, **changes})


class StandIn:
    """The shape of issue 4's sensitivity result, as far as the report reads it."""

    def to_dict(self) -> dict:
        return {"limits": [
            {"name": "targets.deals", "kind": "target", "value": 20.0, "limit": 20.0, "binding": True,
             "shadow_price": 500.0, "shadow_price_down": -500.0, "valid_from": 15.0, "valid_to": None},
            {"name": "channels[email].max_units", "kind": "channel_bound", "value": 150.0, "limit": 150.0,
             "binding": True, "shadow_price": -30.0, "shadow_price_down": 30.0, "valid_from": 0.0, "valid_to": 200.0},
        ]}


@pytest.fixture(scope="module")
def plan():
    return optimize(_scenario())


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_xlsx_sheets_numbers_formats_and_charts(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    written = write_report(plan, StandIn(), path)
    assert written == [path]
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    ws = book["Plan"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["channel", "spend", "share", "units", "unit"]
    rows = {r[0]: dict(zip(header, r)) for r in _rows(ws)[1:] if r[0]}
    assert rows["email"]["spend"] == pytest.approx(3000) and rows["search"]["spend"] == pytest.approx(2500)
    assert rows["email"]["share"] == pytest.approx(3000 / 5500)
    assert rows["email"]["deals"] == pytest.approx(15) and rows["search"]["deals"] == pytest.approx(5)
    email, search = rows["email"], rows["search"]
    assert email["cost per deal"] == pytest.approx(200) and search["cost per deal"] == pytest.approx(500)
    assert email["return on spend"] == pytest.approx(5) and search["return on spend"] == pytest.approx(2)
    assert rows["total"]["spend"] == pytest.approx(5500) and rows["total"]["revenue"] == pytest.approx(20000)
    assert rows["total"]["cost per deal"] == pytest.approx(275)
    # numbers are stored as numbers, with currency and percentage formats
    spend = ws.cell(2, 2)
    assert isinstance(spend.value, (int, float)) and spend.number_format == '"$"#,##0;-"$"#,##0'
    assert ws.cell(2, 3).number_format == "0.0%"
    for sheet in SHEETS:
        assert book[sheet].freeze_panes in ("A2", "B2"), sheet
        assert book[sheet].column_dimensions["A"].width >= 8, sheet
    assert len(ws._images) == 2 and len(book["Funnel"]._images) == 1

    funnel = {r[0]: r for r in _rows(book["Funnel"])[1:7]}
    assert funnel["leads"][1] == pytest.approx(200) and funnel["leads"][2] == pytest.approx(200)
    assert funnel["qualified leads"][3] == pytest.approx(0.5)  # the qualification rate
    assert funnel["opportunities"][3] == pytest.approx(1.0) and funnel["deals"][3] == pytest.approx(0.2)
    assert funnel["revenue"][1] == pytest.approx(20000)

    limits = {r[0]: r for r in _rows(book["Limits"])[1:] if r[0] and r[1]}
    assert [c.value for c in book["Limits"][1]] == [
        "limit", "kind", "sense", "value", "limit value", "slack", "binding", "shadow price",
        "shadow price, one unit less", "valid from", "valid to"]
    assert limits["targets.deals"][6:] == ["yes", 500, -500, 15, None]
    assert limits["channels[email].max_units"][6:] == ["yes", -30, 30, 0, 200]

    inputs = {r[0]: dict(zip([c.value for c in book["Inputs"][1]], r)) for r in _rows(book["Inputs"])[1:3]}
    assert inputs["email"]["qualification rate"] == 0.5 and inputs["email"]["win rate"] == 0.2
    assert inputs["email"]["opportunity rate"] == 1.0 and inputs["email"]["deal value"] == 1000
    assert inputs["email"]["response rate"] is None  # enters at leads: the rate into leads does not apply

    about = dict(r[:2] for r in _rows(book["About"])[1:] if r[0])
    assert about["scenario_sha256"] == scenario_sha256(plan.scenario)
    assert about["solver"] == "highs" and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", about["generated"])


def test_without_sensitivity_the_limits_show_the_solver_duals(plan, tmp_path):
    # the duals are checked against the hand derivation, not against the solver's own output
    write_report(plan, None, tmp_path / "plan.xlsx")
    rows = {r[0]: r for r in _rows(openpyxl.load_workbook(tmp_path / "plan.xlsx")["Limits"])[1:] if r[0] and r[1]}
    assert rows["targets.deals"][7] == pytest.approx(500)
    assert rows["channels[email].max_units"][7] == pytest.approx(-30)
    assert rows["targets.deals"][8:] == [None, None, None]


def _charts_of(text: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)]


def test_html_is_one_self_contained_file(plan, tmp_path):
    path = tmp_path / "plan.html"
    write_report(plan, StandIn(), path)
    text = path.read_text()
    charts = _charts_of(text)
    assert len(charts) == 3 and all(c.startswith(b"\x89PNG\r\n\x1a\n") for c in charts)
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)  # nothing fetched from a network
    assert "<script" not in text
    assert "$5,500" in text and "two-channels: min_spend = $5,500" in text


def test_markdown_tables_and_chart_links(plan, tmp_path):
    (tmp_path / "report").mkdir()
    path = tmp_path / "report" / "plan.md"
    written = write_report(plan, None, path, charts_dir=tmp_path / "charts")  # the charts folder is made
    assert [p.name for p in written] == ["plan.md", "spend-by-channel.png", "funnel.png", "cost-per-deal.png"]
    text = path.read_text()
    for sheet in SHEETS:
        assert f"\n## {sheet}\n" in text
    assert "| email | $3,000 | 54.5% | 150 | lead |" in text
    assert "| **total** | **$5,500** | **100.0%** |" in text
    assert "![funnel](../charts/funnel.png)" in text
    assert (tmp_path / "charts" / "funnel.png").read_bytes().startswith(b"\x89PNG")


def test_writers_never_solve(plan, tmp_path, monkeypatch):
    import optimizer.model.solve

    def refuse(*args, **kwargs):
        raise AssertionError("a writer solved")

    monkeypatch.setattr(optimizer.model.solve, "solve", refuse)
    for suffix in (".xlsx", ".html", ".md"):
        write_report(plan, StandIn(), tmp_path / f"plan{suffix}")


def test_an_existing_report_is_replaced_only_by_a_complete_one(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"the old report")
    infeasible = optimize(_scenario(budget=100))
    with pytest.raises(NoPlanError):
        write_report(infeasible, None, path)
    assert path.read_bytes() == b"the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temporary file left
    with pytest.raises(ScenarioError, match=r"plan.pdf: a .pdf report cannot be written"):
        write_report(optimize(_scenario()), None, tmp_path / "plan.pdf")


def test_report_command(tmp_path):
    scenario = ROOT / "scenarios" / "b2b-annual-plan.yaml"
    runner = CliRunner()
    out = tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["report", str(scenario), "--output", str(out), "--charts", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"wrote {out}"
    assert openpyxl.load_workbook(out).sheetnames == SHEETS
    result = runner.invoke(app, ["report", str(scenario), "--output", str(tmp_path / "none.html"),
                                 "--set", "budget=100"])
    assert result.exit_code == 3 and "no plan meets every limit" in result.stderr
    assert not (tmp_path / "none.html").exists()
    result = runner.invoke(app, ["report", str(scenario), "--output", str(tmp_path / "plan.pdf")])
    assert result.exit_code == 2
    assert result.stderr == "--output: plan.pdf: a .pdf report cannot be written; allowed: a .xlsx, .html or .md file\n"


# -- the HTML page in a real browser -----------------------------------------------------------------
def _chromium() -> str:
    """Debian's Chromium; installed with apt-get where missing and permitted, else the test is skipped."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CAMPAIGN_OPTIMIZER_NO_INSTALL"):
        pytest.skip("chromium is not installed (CAMPAIGN_OPTIMIZER_NO_INSTALL is set)")
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and cannot be: install Debian's chromium package to run this test")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # fail fast where the mirrors cannot be reached: the whole suite must stay well under 10 minutes
    fast = ["-o", "Acquire::Retries=0", "-o", "Acquire::http::Timeout=20", "-o", "Acquire::https::Timeout=20"]
    for command, seconds in ((["apt-get", *fast, "update", "-q"], 120),
                             (["apt-get", *fast, "install", "-y", "-q", "chromium"], 300)):
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds)
        except subprocess.TimeoutExpired:
            pytest.skip(f"chromium is not installed, and `{' '.join(command)}` took over {seconds} s")
        if done.returncode != 0:
            pytest.skip(f"chromium is not installed, and `{' '.join(command)}` failed: {done.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium, but it is not on PATH")
    return found


def _headless(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    return subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=120)


class _Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.images, self.headers, self.text = [], [], [], []
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "img":
            self.images.append((attrs.get("alt"), attrs.get("src", "")[:22]))
        self._in_th = tag == "th"

    def handle_data(self, data):
        if self._in_th:
            self.headers.append(data)
        self.text.append(data)


def test_html_renders_in_headless_chromium(plan, tmp_path):
    chromium = _chromium()
    page = tmp_path / "plan.html"
    write_report(plan, StandIn(), page)
    done = _headless(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    assert dom.sections == ["plan", "funnel", "limits", "inputs", "about"]
    assert [alt for alt, _ in dom.images] == ["Spend by channel", "Cost per deal", "The funnel from reach to revenue"]
    assert all(src == "data:image/png;base64," for _, src in dom.images)
    assert {"channel", "spend", "shadow price", "valid from"} <= set(dom.headers)
    text = " ".join(dom.text)
    assert "$5,500" in text and "$3,000" in text and scenario_sha256(plan.scenario) in text

    # the screenshot shows the charts: the bars' colour (#2f6690) covers a visible area
    shot = tmp_path / "page.png"
    done = _headless(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1200,1800", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("RGB"))
    bar = int((pixels == (0x2F, 0x66, 0x90)).all(axis=2).sum())
    assert bar > 2000, bar


def test_a_plan_outside_the_funnel_gets_no_empty_columns_or_charts(tmp_path):
    # a media-selection LP: units buy an invented metric, no funnel stage, no deals
    plan = optimize(Scenario(channels=[{"name": "tv", "unit_cost": 800, "yields": {"audience": 5000}, "max_units": 2},
                                       {"name": "radio", "unit_cost": 290, "yields": {"audience": 2400}}],
                             budget=2180, objective="max_audience"))
    written = write_report(plan, None, tmp_path / "media.md", charts_dir=tmp_path / "charts")
    assert [p.name for p in written] == ["media.md", "spend-by-channel.png"]
    text = (tmp_path / "media.md").read_text()
    # 2,180 buys 7.52 radio spots (8.28 audience per dollar, better than tv's 6.25): audience 18,041
    assert "| channel | spend | share | units | unit | audience |" in text
    assert "| **total** | **$2,180** | **100.0%** |  |  | **18,041** |" in text
    assert "No channel of this plan brings volume into the funnel." in text


def test_report_command_takes_limits_from_the_sensitivity_analysis(tmp_path):
    # hand-derived (module docstring): one more deal costs $500 while email alone falls short, i.e.
    # from 15 deals up (no end: search is unlimited); one more email lead saves $30 until email's 200
    # leads would cover the 20 deals alone
    scenario = tmp_path / "two.json"
    scenario.write_text(json.dumps(_scenario().to_data()))
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(app, ["report", str(scenario), "--output", str(out)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    rows = {r[0]: r for r in _rows(book["Limits"])[1:] if r[0] and r[1]}
    deals, email = rows["targets.deals"], rows["channels[email].max_units"]
    assert deals[7] == pytest.approx(500) and deals[8] == pytest.approx(-500)
    assert deals[9] == pytest.approx(15) and deals[10] is None
    assert email[7] == pytest.approx(-30) and email[8] == pytest.approx(30)
    assert email[10] == pytest.approx(200)
    assert dict(r[:2] for r in _rows(book["About"])[1:] if r[0])["sensitivity"].startswith("analysed")
    # --no-sensitivity: the solver's duals, and no ranges
    result = CliRunner().invoke(app, ["report", str(scenario), "--output", str(out), "--no-sensitivity"])
    assert result.exit_code == 0, result.output
    rows = {r[0]: r for r in _rows(openpyxl.load_workbook(out)["Limits"])[1:] if r[0] and r[1]}
    assert rows["targets.deals"][7] == pytest.approx(500) and rows["targets.deals"][8:] == [None, None, None]


def test_charts_folder_is_made_but_not_its_parents(tmp_path):
    scenario = str(ROOT / "scenarios" / "b2b-annual-plan.yaml")
    runner = CliRunner()
    result = runner.invoke(app, ["report", scenario, "--output", str(tmp_path / "p.md"), "--no-sensitivity",
                                 "--charts", str(tmp_path / "typo" / "charts")])
    assert result.exit_code == 2
    assert result.stderr == (f"error: --charts {tmp_path / 'typo' / 'charts'}: cannot make the folder: "
                             f"{tmp_path / 'typo'} does not exist\n")
    assert not (tmp_path / "p.md").exists()
    result = runner.invoke(app, ["template", "--output", str(tmp_path / "typo" / "plan")])
    assert result.exit_code == 2 and "cannot make the folder" in result.stderr
