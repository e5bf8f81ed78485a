"""Channels from a spreadsheet (CSV, XLSX), errors at row and column, and the starter template."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer import Scenario, ScenarioError, optimize
from optimizer.analysis.provenance import scenario_sha256
from optimizer.cli import app
from optimizer.scenario.loading import load_scenario

INLINE = [
    {"name": "email", "cost_per_lead": 20, "qualification_rate": 0.1, "caps": {"leads": 500}},
    {"name": "webinars", "unit_cost": 1000, "yields": {"leads": 50}, "integer": True, "max_units": 10},
    {"name": "search", "cost_per_lead": 30, "win_rate": 0.3},
]
CSV = """name,cost_per_lead,unit_cost,yields.leads,qualification_rate,win_rate,max_units,caps.leads,integer
email,20,,,10%,,,500,
webinars,,1000,50,,,10,,yes
search,30,,,,0.3,,,
"""
HEAD = {"budget": 100_000, "deal_value": 10_000, "funnel": {"qualification_rate": 0.3, "win_rate": 0.2},
        "targets": {"deals": 10}}


def _scenario(folder: Path, channels, sheet_text: str | None = None, name: str = "channels.csv") -> Path:
    if sheet_text is not None:
        (folder / name).write_text(sheet_text)
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump({**HEAD, "channels": channels}))
    return path


def _errors(path: Path, changes=None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, changes)
    return info.value.lines()


def test_csv_channels_equal_the_inline_list(tmp_path):
    from_sheet = load_scenario(_scenario(tmp_path, "channels.csv", CSV))
    inline = Scenario.model_validate({**HEAD, "name": "plan", "channels": INLINE})
    assert from_sheet == inline
    assert scenario_sha256(from_sheet) == scenario_sha256(inline)
    assert optimize(from_sheet).objective_value == optimize(inline).objective_value


def test_xlsx_channels_with_typed_cells_and_a_named_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active["A1"] = "channel data is on the next sheet"
    ws = book.create_sheet("Channels")
    rows = [line.split(",") for line in CSV.strip().splitlines()]
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row, start=1):
            value: object = text or None
            if r > 1 and text and text.replace(".", "").isdigit():
                value = float(text) if "." in text else int(text)
            if text == "10%":
                value = 0.1
                ws.cell(r, c).number_format = "0%"
            if text == "yes":
                value = True
            ws.cell(r, c, value)
    book.save(tmp_path / "channels.xlsx")
    path = _scenario(tmp_path, {"file": "channels.xlsx", "sheet": "Channels"})
    inline = Scenario.model_validate({**HEAD, "name": "plan", "channels": INLINE})
    assert load_scenario(path) == inline
    assert _errors(_scenario(tmp_path, {"file": "channels.xlsx", "sheet": "Chanels"})) == [
        f"{tmp_path / 'channels.xlsx'}: sheet: there is no sheet 'Chanels' (did you mean Channels?); "
        "allowed: Notes, Channels"]


def test_errors_name_the_sheet_row_and_column(tmp_path):
    # row 1 is the header, as a spreadsheet program numbers it; the blank row 4 still counts
    text = CSV.replace("search,30,,,,0.3", "\nsearch,30,,,,1.3")
    text = text.replace("email,20,,,10%,,,500,", "email,20,,,10%,,,-5,")
    sheet = tmp_path / "channels.csv"
    assert _errors(_scenario(tmp_path, "channels.csv", text)) == [
        f"{sheet}: row 2, caps.leads: -5 is not a number >= 0; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)",
        f'{sheet}: row 5, win_rate: 1.3 is not a rate; allowed: a number in (0, 1], or a percentage such as "12%"',
    ]


def test_a_row_without_a_price_and_duplicate_names(tmp_path):
    text = "name,cost_per_lead,win_rate\nemail,20,0.1\nemail,25,0.1\nsearch,,0.2\n"
    sheet = tmp_path / "channels.csv"
    assert _errors(_scenario(tmp_path, "channels.csv", text)) == [
        f"{sheet}: row 4: no price is given; allowed: exactly one of cost_per_contact, cost_per_lead, "
        "cost_per_qualified_lead, unit_cost, response_curve"]
    text = "name,cost_per_lead,win_rate\nemail,20,0.1\nemail,25,0.1\nsearch,5,0.2\n"
    assert _errors(_scenario(tmp_path, "channels.csv", text)) == [
        f'{sheet}: row 3, name: "email" is used by another channel; allowed: a unique name per channel']


def test_unknown_and_bare_nested_columns_are_named_in_the_header_row(tmp_path):
    text = "name,cost_per_lead,win_rat,caps\nemail,20,0.1,5\n"
    lines = _errors(_scenario(tmp_path, "channels.csv", text))
    assert [line.split("; allowed")[0] for line in lines] == [
        f"{tmp_path / 'channels.csv'}: row 1, win_rat: unknown column (did you mean win_rate?)",
        f"{tmp_path / 'channels.csv'}: row 1, caps: name the metric, e.g. caps.leads",
    ]


def test_a_missing_rate_is_reported_at_the_channels_row(tmp_path):
    # deals need a win rate; the scenario gives none anywhere for "search"
    head = {**HEAD, "funnel": {"qualification_rate": 0.3}}
    (tmp_path / "c.csv").write_text("name,cost_per_lead,win_rate\nemail,20,0.1\nsearch,30,\n")
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump({**head, "channels": "c.csv"}))
    assert _errors(tmp_path / "plan.yaml") == [
        f"{tmp_path / 'c.csv'}: row 3, win_rate: is not given, and deals (used by targets.deals) needs it for this "
        "channel; allowed: a rate in (0, 1] on the channel, or funnel.win_rate"]


def test_an_override_keeps_its_own_path(tmp_path):
    path = _scenario(tmp_path, "channels.csv", CSV)
    assert _errors(path, {"channels[search].win_rate": 2}) == [
        f'{path}: channels[search].win_rate: 2 is not a rate; allowed: a number in (0, 1], or a percentage such as '
        '"12%"']
    assert load_scenario(path, {"channels[search].win_rate": 0.5}).channels[2].win_rate == 0.5


def test_missing_file_and_bad_reference(tmp_path):
    path = _scenario(tmp_path, "nowhere.csv")
    assert _errors(path) == [
        f"{path}: channels: the file nowhere.csv does not exist (looked for {tmp_path / 'nowhere.csv'}); "
        "allowed: a .csv or .xlsx file, its path relative to the scenario file"]
    path = _scenario(tmp_path, "email")
    assert _errors(path) == [f'{path}: channels: "email" is not a .csv or .xlsx file; allowed: a list of channels, '
                             "a file name such as channels.csv, or {file: channels.xlsx, sheet: Channels}"]
    path = _scenario(tmp_path, {"sheet": "Channels"})
    assert _errors(path) == [f"{path}: channels: file is missing; allowed: a list of channels, a file name, or "
                             "{file: channels.xlsx, sheet: Channels}"]
    (tmp_path / "c.csv").write_text(CSV)
    path = _scenario(tmp_path, {"file": "c.csv", "sheet": "X"})
    assert _errors(path)[0].endswith("sheet 'X' is given, but a CSV file has no sheets; allowed: no sheet, or an "
                                     ".xlsx workbook")


def test_semicolon_separated_csv_and_byte_order_mark(tmp_path):
    text = "\ufeff" + CSV.replace(",", ";")
    assert load_scenario(_scenario(tmp_path, "channels.csv", text)).channel_names == ("email", "webinars", "search")


# -- template ------------------------------------------------------------------------------------
def test_template_writes_a_scenario_that_validates(tmp_path):
    runner = CliRunner()
    folder = tmp_path / "new"
    result = runner.invoke(app, ["template", "--output", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"wrote {folder / 'scenario.yaml'}\nwrote {folder / 'channels.csv'}\n"
    text = (folder / "scenario.yaml").read_text()
    assert text.count("#") >= 10 and "channels: channels.csv" in text
    result = runner.invoke(app, ["validate", str(folder / "scenario.yaml"), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [c["name"] for c in doc["channels"]] == ["email", "paid_search", "webinars", "events", "partners"]
    assert runner.invoke(app, ["optimize", str(folder / "scenario.yaml")]).exit_code == 0
    again = runner.invoke(app, ["template", "--output", str(folder)])
    assert again.exit_code == 2
    assert again.stderr == (f"--output: {folder / 'scenario.yaml'}, {folder / 'channels.csv'} already exist; "
                            "allowed: another folder, or --force to replace them\n")
    assert runner.invoke(app, ["template", "--output", str(folder), "--force"]).exit_code == 0


# -- any channel list survives a round trip through a sheet ------------------------------------------
@st.composite
def channel_lists(draw) -> list[dict]:
    out = []
    for i in range(draw(st.integers(1, 5))):
        price = draw(st.sampled_from(["cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost"]))
        ch: dict = {"name": f"c{i}", price: draw(st.sampled_from([0, 1.5, 20, 1e3, 12_345.678]))}
        if price == "unit_cost":
            ch["yields"] = {"leads": draw(st.integers(1, 500)), **({"impressions": 5e4} if draw(st.booleans()) else {})}
        for rate in ("response_rate", "qualification_rate", "win_rate"):
            if draw(st.booleans()):
                ch[rate] = draw(st.sampled_from([0.01, 0.125, 0.3, 1]))
        if draw(st.booleans()):
            ch["max_units"] = draw(st.integers(1, 10_000))
        if draw(st.booleans()):
            ch["caps"] = {"leads": draw(st.integers(1, 10_000))}
        if draw(st.booleans()):
            ch["integer"] = draw(st.booleans())
        out.append(ch)
    return out


def _flat(channel: dict) -> dict:
    return {f"{k}.{m}" if isinstance(v, dict) else k: x for k, v in channel.items()
            for m, x in (v.items() if isinstance(v, dict) else [(None, v)])}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channels=channel_lists(), percent=st.booleans())
def test_any_channel_list_round_trips_through_csv_and_xlsx(tmp_path, channels, percent):
    head = {"name": "plan", "funnel": {"response_rate": 0.02, "qualification_rate": 0.5, "win_rate": 0.2}}
    inline = Scenario.model_validate({**head, "channels": channels})
    rows = [_flat(c) for c in channels]
    columns = sorted({k for r in rows for k in r}, key=lambda k: (k != "name", k))

    def text(value) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return f"{value * 100:g}%" if percent and isinstance(value, float) and value < 1 else str(value)

    lines = [",".join(columns)] + [",".join(text(r[k]) if k in r else "" for k in columns) for r in rows]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    book = openpyxl.Workbook()
    book.active.append(columns)
    for r in rows:
        book.active.append([r.get(k) for k in columns])
    book.save(tmp_path / "c.xlsx")
    for name in ("c.csv", "c.xlsx"):
        (tmp_path / "plan.yaml").write_text(yaml.safe_dump({**head, "channels": name}))
        assert load_scenario(tmp_path / "plan.yaml") == inline, name
