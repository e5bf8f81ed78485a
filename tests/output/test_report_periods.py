"""Reports of a plan by period: the Periods sheet, Limits by period path, Inputs by period, the
spend-by-period chart; numbers derived by hand.

The scenario: periods P1, P2; funnel qualification_rate 0.5, win_rate 0.2 (opportunity_rate 1), so
0.1 deals per lead, closing half in the period of the spend and half in the next (sales_cycle
[0.5, 0.5]); deal value $1,000; 3 deals in flight in P1. Email costs $20 per lead in P1 and $25 in
P2, at most 100 leads a period; search $50 per lead, in P2 only. Sales can follow up 40 qualified
leads in P1; at least 10 deals must close in P2; budget $10,000, at most $5,000 in P2.

By hand: deals closing in P2 are 0.05 (leads in P1 + leads in P2), so 200 leads are needed. P1's
cap allows 80 leads (40 qualified); email, cheaper in both periods, buys 80 in P1 ($1,600) and 100 in
P2 ($2,500), search the other 20 in P2 ($1,000): $5,100. Deals closing: P1 0.05 x 80 = 4 (7 with
the pipeline), P2 0.05 x 200 = 10; after P2: 0.05 x 120 = 6 (email 5, search 1): 4 + 10 + 6 = 20 =
0.1 x 200 bought. One more qualified lead of P1 capacity moves 2 leads from search ($100) to email
in P1 ($40): it saves $60 (shadow price -60). One more deal in P2 costs 20 search leads: $1,000.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from typer.testing import CliRunner

from optimizer import Scenario, load_scenario, optimize
from optimizer.cli import app
from optimizer.output import charts
from optimizer.output.report import write_report

ROOT = Path(__file__).resolve().parents[2]
SHEETS = ["Plan", "Funnel", "Limits", "Inputs", "About"]
QUARTERLY = ROOT / "scenarios" / "b2b-quarterly-plan.yaml"
PERIOD_SHEETS = ["Plan", "Periods", "Funnel", "Limits", "Inputs", "About"]


def _scenario(**changes) -> Scenario:
    data = {"name": "two-periods", "periods": ["P1", "P2"], "deal_value": 1000,
            "budget": {"total": 10_000, "P2": 5_000},
            "funnel": {"qualification_rate": 0.5, "win_rate": 0.2, "sales_cycle": [0.5, 0.5]},
            "targets": {"deals": {"P2": 10}}, "caps": {"qualified_leads": {"P1": 40}},
            "pipeline": {"deals": {"P1": 3}},
            "channels": [{"name": "email", "cost_per_lead": {"P1": 20, "P2": 25}, "max_units": {"P1": 100, "P2": 100}},
                         {"name": "search", "cost_per_lead": 50, "available": ["P2"]}]}
    return Scenario.model_validate({**data, **changes})


@pytest.fixture(scope="module")
def plan():
    return optimize(_scenario())


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def _table(ws) -> tuple[list[str], list[dict]]:
    rows = _rows(ws)
    header = rows[0]
    return header, [dict(zip(header, r)) for r in rows[1:] if r[0] is not None and r[1] is not None]


def _by_key(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["channel"], r["period"]): r for r in rows}


def test_the_periods_sheet_by_hand(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == PERIOD_SHEETS
    ws = book["Periods"]
    header, rows = _table(ws)
    assert header == ["channel", "period", "units", "spend", "share of the period's spend", "leads", "qualified leads",
                      "opportunities", "deals closing", "revenue closing"]
    by = _by_key(rows)
    approx = pytest.approx
    email1, search1, email2, search2 = by["email", "P1"], by["search", "P1"], by["email", "P2"], by["search", "P2"]
    assert (email1["units"], email1["spend"], email1["share of the period's spend"]) == approx((80, 1600, 1.0))
    assert (email1["leads"], email1["qualified leads"], email1["opportunities"]) == approx((80, 40, 40))
    assert (email1["deals closing"], email1["revenue closing"]) == approx((4, 4000))
    assert (search1["units"], search1["spend"], search1["deals closing"]) == approx((0, 0, 0))
    share = "share of the period's spend"
    assert (email2["units"], email2["spend"], email2[share]) == approx((100, 2500, 2500 / 3500))
    assert (search2["units"], search2["spend"], search2[share]) == approx((20, 1000, 1000 / 3500))
    # closing in P2: half of P1's and half of P2's deals
    assert email2["deals closing"] == approx(0.05 * 80 + 0.05 * 100) and search2["deals closing"] == approx(0.05 * 20)
    assert by["pipeline (in flight)", "P1"]["deals closing"] == approx(3)
    assert by["pipeline (in flight)", "P1"]["revenue closing"] == approx(3000)
    assert by["pipeline (in flight)", "P2"]["deals closing"] == 0
    total1, total2, horizon = by["total", "P1"], by["total", "P2"], by["total", "horizon"]
    assert (total1["spend"], total1["qualified leads"], total1["deals closing"], total1["revenue closing"]) == approx(
        (1600, 40, 7, 7000))
    assert (total2["spend"], total2["leads"], total2["deals closing"]) == approx((3500, 120, 10))
    assert (horizon["spend"], horizon["leads"], horizon["deals closing"], horizon["revenue closing"]) == approx(
        (5100, 200, 17, 17000))
    # each period's limits in the column they limit; the horizon's after its total
    assert by["at most", "P1"]["qualified leads"] == 40 and by["at most", "P1"]["spend"] is None
    assert by["at most", "P2"]["spend"] == 5000 and by["at least", "P2"]["deals closing"] == 10
    assert ("at least", "P1") not in by and by["at most", "horizon"]["spend"] == 10_000
    after = {c: by[c, "after P2"] for c in ("email", "search", "total")}
    assert [after[c]["deals closing"] for c in after] == approx([5, 1, 6])
    assert [after[c]["revenue closing"] for c in after] == approx([5000, 1000, 6000])
    assert after["total"]["spend"] is None and after["total"]["leads"] is None
    # deals bought (0.1 per lead) = closing in the horizon + after it, per channel
    for channel, leads in (("email", 180), ("search", 20)):
        closing = sum(by[channel, p]["deals closing"] for p in ("P1", "P2"))
        assert closing + after[channel]["deals closing"] == approx(0.1 * leads)
    # the totals rows are bold, the channels' are not
    cells = {(r[0].value, r[1].value): r[0] for r in ws.iter_rows(min_row=2) if r[1].value}
    assert cells["total", "P1"].font.b and cells["total", "horizon"].font.b and cells["total", "after P2"].font.b
    assert not cells["email", "P1"].font.b
    assert ws["D2"].number_format == '"$"#,##0;-"$"#,##0' and ws["E2"].number_format == "0.0%"


def test_the_plan_and_funnel_sheets_keep_the_horizon_numbers(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    book = openpyxl.load_workbook(path)
    header, *body = _rows(book["Plan"])
    rows = {r[0]: dict(zip(header, r)) for r in body[:len(plan.channels) + 2]}  # channels, pipeline, total
    doc = plan.to_dict()
    for c in doc["channels"]:
        assert rows[c["name"]]["spend"] == pytest.approx(c["spend"])
        assert rows[c["name"]]["deals"] == pytest.approx(c["metrics"]["deals"])
    assert rows["email"]["deals"] == pytest.approx(4 + 9)  # closing inside the horizon, not the 18 bought
    assert rows["pipeline (in flight)"]["deals"] == pytest.approx(3)
    assert doc["totals"]["deals"] == pytest.approx(17)
    assert rows["total"]["deals"] == pytest.approx(doc["totals"]["deals"])
    assert rows["total"]["spend"] == pytest.approx(doc["total_spend"]) and doc["total_spend"] == pytest.approx(5100)
    funnel = {r[0]: r for r in _rows(book["Funnel"])[1:] if r[0]}
    assert funnel["deals"][1] == pytest.approx(17) and funnel["leads"][1] == pytest.approx(200)


def test_the_limits_sheet_names_limits_by_period_path(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    header, rows = _table_all(openpyxl.load_workbook(path)["Limits"])
    assert header[:3] == ["limit", "period", "kind"]
    by = {r["limit"]: r for r in rows}
    assert list(by) == ["budget", "budget.P2", "targets.deals.P2", "caps.qualified_leads.P1",
                        "channels[email].max_units.P1", "channels[email].max_units.P2"]
    assert by["budget"]["period"] is None and by["budget.P2"]["period"] == "P2"
    assert by["caps.qualified_leads.P1"]["period"] == "P1" and by["caps.qualified_leads.P1"]["binding"] == "yes"
    # the solver's duals (no sensitivity given), as derived by hand
    assert by["caps.qualified_leads.P1"]["shadow price"] == pytest.approx(-60)
    assert by["targets.deals.P2"]["shadow price"] == pytest.approx(1000)
    assert (by["budget.P2"]["value"], by["budget.P2"]["limit value"]) == pytest.approx((3500, 5000))
    assert by["budget.P2"]["slack"] == pytest.approx(1500)


def _table_all(ws) -> tuple[list[str], list[dict]]:
    rows = _rows(ws)
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:] if r[0] is not None and r[2] is not None]


class StandIn:
    """The sensitivity result's shape, as far as the report reads it: limits named by period path."""

    def to_dict(self) -> dict:
        return {"limits": [{"name": "caps.qualified_leads.P1", "shadow_price": -60.0, "shadow_price_down": 60.0,
                            "valid_from": 35.0, "valid_to": 50.0}]}


def test_the_limits_sheet_takes_a_sensitivity_by_period_path(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, StandIn(), path)
    _header, rows = _table_all(openpyxl.load_workbook(path)["Limits"])
    row = next(r for r in rows if r["limit"] == "caps.qualified_leads.P1")
    assert (row["shadow price"], row["shadow price, one unit less"], row["valid from"], row["valid to"]) == (
        -60, 60, 35, 50)


def test_the_inputs_sheet_shows_values_by_period(plan, tmp_path):
    path = tmp_path / "plan.xlsx"
    write_report(plan, None, path)
    header, rows = _table(openpyxl.load_workbook(path)["Inputs"])
    assert header[:3] == ["channel", "period", "price"] and header[-2:] == ["runs in", "sales cycle"]
    by = _by_key(rows)
    assert list(by) == [("email", "horizon"), ("email", "P1"), ("email", "P2"), ("search", "horizon")]
    email, p1, p2 = by["email", "horizon"], by["email", "P1"], by["email", "P2"]
    assert email["price"] is None and email["max units"] is None  # given by period: on the periods' rows
    assert (p1["price"], p1["max units"], p2["price"], p2["max units"]) == (20, 100, 25, 100)
    assert p1["qualification rate"] == 0.5 and p1["win rate"] == 0.2 and email["win rate"] == 0.2
    assert email["runs in"] == "every period" and by["search", "horizon"]["runs in"] == "P2"
    assert by["search", "horizon"]["price"] == 50
    notes = [r[0] for r in _rows(openpyxl.load_workbook(path)["Inputs"]) if r[0] and r[1] is None]
    assert "Periods: P1, P2. Sales cycle: 50.0% / 50.0% closing 0-1 periods after the spend." in notes
    assert "Targets: deals in P2 >= 10." in notes and "Pipeline in flight (deals): P1 3." in notes


def test_html_and_markdown_have_the_periods_table_and_chart(plan, tmp_path):
    page = tmp_path / "plan.html"
    write_report(plan, None, page)
    text = page.read_text()
    section = re.search(r'<section id="periods">(.*?)</section>', text, re.S).group(1)
    assert "<h2>Periods</h2>" in section
    assert ("<tr><td>email</td><td>P1</td><td class=num>80</td><td class=num>$1,600</td><td class=num>100.0%</td>"
            in section)
    assert '<tr class="total"><td>total</td><td>horizon</td>' in section
    image = re.search(r'<img alt="Spend per period by channel" src="data:image/png;base64,([^"]+)">', section)
    assert Image.open(io.BytesIO(base64.b64decode(image.group(1)))).format == "PNG"
    wiki = tmp_path / "plan.md"
    written = write_report(plan, None, wiki, charts_dir=tmp_path / "charts")
    assert [p.name for p in written] == ["plan.md", "spend-by-channel.png", "spend-by-period.png", "funnel.png",
                                        "cost-per-deal.png"]
    text = wiki.read_text()
    assert text.index("## Plan") < text.index("## Periods") < text.index("## Funnel")
    assert "| email | P1 | 80 | $1,600 | 100.0% | 80 | 40 | 40 | 4 | $4,000 |" in text
    assert "| **total** | **after P2** |  |  |  |  |  |  | **6** | **$6,000** |" in text
    assert "![spend by period](charts/spend-by-period.png)" in text


def test_the_spend_by_period_chart(plan, monkeypatch):
    drawn = []
    original = charts._png

    def keep(fig):
        ax = fig.axes[0]
        drawn.append(([t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.get_legend().texts],
                      [(p.get_x(), p.get_height()) for p in ax.patches], [t.get_text() for t in ax.texts]))
        return original(fig)

    monkeypatch.setattr(charts, "_png", keep)
    assert charts.applicable(plan) == ["spend-by-channel", "spend-by-period", "funnel", "cost-per-deal"]
    png = charts.spend_by_period(plan)
    assert Image.open(io.BytesIO(png)).format == "PNG"
    (ticks, legend, bars, labels), = drawn
    assert ticks == ["P1", "P2"]
    assert legend == ["search", "email"]  # the top stack first
    heights = {}
    for x, height in bars:
        heights.setdefault(round(x, 6), []).append(height)
    assert [sum(h) for _, h in sorted(heights.items())] == pytest.approx([1600, 3500])
    assert labels == ["$1,600", "$3,500"]


def test_a_chart_of_many_channels_names_the_largest_and_stacks_the_others():
    # channel i spends 100 + i in P1 and 200 + 2 i in P2 (at its max_spend: the leads target needs all)
    n = 15
    channels = [{"name": f"ch{i}", "cost_per_lead": 1, "max_spend": {"P1": 100 + i, "P2": 200 + 2 * i}}
                for i in range(n)]
    leads = sum(300 + 3 * i for i in range(n))
    plan = optimize(Scenario.model_validate({"name": "many", "periods": ["P1", "P2"], "channels": channels,
                                             "targets": {"leads": leads}}))
    stacks = charts.period_stacks(plan)
    assert [label for label, _ in stacks] == [*(f"ch{i}" for i in range(3, n)), "others (3 channels)"]
    assert stacks[-1][1] == pytest.approx([300 + 3, 600 + 6])  # channels 0, 1, 2
    assert stacks[0][1] == pytest.approx([103, 206])
    png = Image.open(io.BytesIO(charts.spend_by_period(plan)))
    assert png.size[0] <= 20 * charts.DPI + 400


def test_a_scenario_without_periods_has_the_sheets_it_had(tmp_path):
    path = tmp_path / "plan.xlsx"
    flat = optimize(Scenario.model_validate({
        "name": "two-channels", "deal_value": 1000, "funnel": {"qualification_rate": 0.5, "win_rate": 0.2},
        "targets": {"deals": 20}, "channels": [{"name": "email", "cost_per_lead": 20, "max_units": 150},
                                               {"name": "search", "cost_per_lead": 50}]}))
    write_report(flat, None, path, charts_dir=tmp_path / "charts")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    assert [c.value for c in book["Limits"][1]] == [
        "limit", "kind", "sense", "value", "limit value", "slack", "binding", "shadow price",
        "shadow price, one unit less", "valid from", "valid to"]
    assert [c.value for c in book["Inputs"][1]] == [
        "channel", "price", "per", "enters at", "response rate", "qualification rate", "opportunity rate", "win rate",
        "deal value", "min spend", "max spend", "min units", "max units", "caps", "yields per unit", "whole units"]
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == ["cost-per-deal.png", "funnel.png",
                                                                      "spend-by-channel.png"]
    assert "pipeline (in flight)" not in [r[0] for r in _rows(book["Plan"])]


def test_the_bundled_quarterly_plan_adds_up(tmp_path):
    """The Periods sheet against the plan's per-period numbers, and deals closing recomputed from the
    sheet's own opportunities with each channel's win rate and sales cycle as the scenario gives them."""
    scenario = load_scenario(QUARTERLY)
    plan = optimize(scenario)
    path = tmp_path / "q.xlsx"
    write_report(plan, None, path)
    _header, rows = _table(openpyxl.load_workbook(path)["Periods"])
    by = _by_key(rows)
    periods = list(scenario.periods)
    for p in plan.periods:
        for c in p.channels:
            row = by[c.name, p.name]
            assert (row["units"], row["spend"], row["opportunities"], row["deals closing"]) == pytest.approx(
                (c.units, c.spend, c.metrics["opportunities"], c.metrics["deals"]))
        assert by["total", p.name]["spend"] == pytest.approx(p.total_spend)
    assert sum(by["total", p]["spend"] for p in periods) == pytest.approx(plan.total_spend)
    assert by["total", "horizon"]["spend"] == pytest.approx(plan.total_spend)
    funnel = scenario.funnel
    for c in scenario.channels:
        cycle = c.sales_cycle or funnel.sales_cycle
        win = c.win_rate if c.win_rate is not None else funnel.win_rate
        opportunities = [by[c.name, p]["opportunities"] for p in periods]
        bought = [o * win for o in opportunities]
        closing = [sum(bought[t - k] * share for k, share in enumerate(cycle) if t - k >= 0)
                   for t in range(len(periods))]
        assert [by[c.name, p]["deals closing"] for p in periods] == pytest.approx(closing, abs=1e-9), c.name
        after = by[c.name, f"after {periods[-1]}"]["deals closing"]
        assert sum(closing) + after == pytest.approx(sum(bought)), c.name
    flight = {"Q1": 12, "Q2": 6, "Q3": 0, "Q4": 0}
    for p in periods:
        channels = sum(by[c.name, p]["deals closing"] for c in scenario.channels)
        assert by["total", p]["deals closing"] == pytest.approx(channels + flight[p])
    assert by["total", "horizon"]["revenue closing"] == pytest.approx(4.4e6)  # the binding revenue target
    book = openpyxl.load_workbook(path)
    _header, limits = _table_all(book["Limits"])
    names = {r["limit"]: r["period"] for r in limits}
    assert names["caps.qualified_leads.Q3"] == "Q3" and names["targets.deals.Q4"] == "Q4"
    assert names["targets.revenue"] is None and names["constraints[search_share].Q2"] == "Q2"
    assert not any(name.endswith(".available") for name in names)


def test_report_command_with_periods_writes_the_same_bytes_twice(tmp_path):
    runner = CliRunner()
    for suffix in (".md", ".html"):
        outputs = []
        for run in ("a", "b"):
            folder = tmp_path / f"{run}{suffix}"
            folder.mkdir()
            out = folder / f"q{suffix}"
            result = runner.invoke(app, ["report", str(QUARTERLY), "--output", str(out), "--no-sensitivity",
                                         "--no-timing", "--charts", str(folder / "charts")])
            assert result.exit_code == 0, result.output
            assert result.stdout.splitlines() == [f"wrote {out}", *(f"wrote {folder / 'charts' / stem}.png"
                                                                    for stem in ("spend-by-channel", "spend-by-period",
                                                                                 "funnel", "cost-per-deal"))]
            outputs.append([out, *sorted((folder / "charts").iterdir())])
        for a, b in zip(*outputs):
            assert a.read_bytes() == b.read_bytes(), a.name
        assert "Periods" in outputs[0][0].read_text()


def test_report_command_writes_a_workbook_with_periods(tmp_path):
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(app, ["report", str(QUARTERLY), "-o", str(out), "--no-sensitivity",
                                      "--set", "caps.qualified_leads.Q3=300"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == PERIOD_SHEETS
    _header, rows = _table(book["Periods"])
    assert _by_key(rows)["at most", "Q3"]["qualified leads"] == 300


def test_the_html_page_by_period_renders_in_headless_chromium(plan, tmp_path):
    from test_report import _chromium, _Dom, _headless  # the same browser as the page without periods

    chromium = _chromium()
    page = tmp_path / "plan.html"
    write_report(plan, None, page)
    done = _headless(chromium, tmp_path, "--dump-dom", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    assert dom.sections == ["plan", "periods", "funnel", "limits", "inputs", "about"]
    assert [alt for alt, _ in dom.images] == ["Spend by channel", "Cost per deal", "Spend per period by channel",
                                              "The funnel from reach to revenue"]
    assert {"share of the period's spend", "deals closing", "period", "runs in"} <= set(dom.headers)
    assert "after P2" in dom.text
