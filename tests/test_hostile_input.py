"""Hostile and malformed input (issue 10, section 3): every attack is exit 2, one message naming the
file and the field (``FILE: PATH: what is wrong; allowed: ...``), in table and in JSON format, never
a traceback, and nothing executed. Library-level cases check the named errors the library raises.

Each case pins the whole message; the files are small and written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_input_errors import BASE, POSITIVE_ALLOWED, invalid, only
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import ScenarioError
from optimizer.scenario.loading import load_scenario, read_document

SHEET_BASE = BASE.replace("channels:\n  - name: email\n    cost_per_lead: 45\n", "channels: channels.csv\n")
NESTING = "allowed: at most 50 levels of lists and mappings (a scenario needs 5)"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages then name the file as given: plan.yaml


def refused(text: str | None, *options: str, file: str = "plan.yaml", command: str = "validate") -> list[str]:
    """Run the command in table and JSON format; check exit 2, no traceback, one JSON document with the
    same problems; return the lines ``FILE: PATH: MESSAGE`` (the file may be a sheet's, not ``file``)."""
    if text is not None:
        Path(file).write_text(text)
    runner = CliRunner()
    table = runner.invoke(app, [command, file, *options])
    assert table.exit_code == 2, table.output
    assert table.stdout == "" and "Traceback" not in table.output
    as_json = runner.invoke(app, [command, file, *options, "--format", "json"])
    assert as_json.exit_code == 2 and "Traceback" not in as_json.output
    errors = json.loads(as_json.stdout)["errors"]
    lines = [": ".join(x for x in (e.get("file"), e["path"], e["message"]) if x) for e in errors]
    assert table.stderr.splitlines() == lines
    return lines


def library_error(call, *args, **kwargs) -> ScenarioError:
    """The ScenarioError ``call(*args, **kwargs)`` raises (any other exception fails the test)."""
    with pytest.raises(ScenarioError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- 1. reading YAML and JSON ------------------------------------------------------------------------
def test_yaml_nested_600_deep_is_refused_at_its_line_and_column() -> None:
    text = BASE + "name: " + "[" * 600 + "]" * 600 + "\n"
    assert only(invalid(text)) == (
        "line 8, column 56", f"not valid YAML: lists and mappings nest more than 50 levels deep; {NESTING}")


def test_yaml_nested_through_aliases_is_refused() -> None:
    # each line is shallow; the value they build is 60 levels deep
    lines = ["l0: &l0 [1]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, 60)]
    assert only(invalid("\n".join(lines) + "\n")) == (
        "line 50, column 6",
        f"not valid YAML: lists and mappings nest more than 50 levels deep (through aliases); {NESTING}")


def test_a_yaml_alias_inside_its_own_node_is_refused() -> None:
    assert only(invalid(BASE + "name: &a [*a]\n")) == (
        "line 8, column 11", "not valid YAML: an alias refers to the list or mapping it is in; "
                             "allowed: aliases of complete nodes only")


def test_json_array_100000_deep_is_refused() -> None:
    text = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert only(invalid(text, file="plan.json")) == (
        "", f"not valid JSON: lists or objects nest more than 50 levels deep; {NESTING}")


def test_json_nested_deeper_than_the_limit_but_readable_is_refused_too() -> None:
    text = '{"name": ' + "[" * 60 + "]" * 60 + "}"
    assert only(invalid(text, file="plan.json")) == (
        "", f"not valid JSON: lists or objects nest more than 50 levels deep; {NESTING}")


@pytest.mark.parametrize(("key", "kind"), [("[a, b]", "a list"), ("{a: 1}", "a mapping")])
def test_a_complex_yaml_key_is_refused(key: str, kind: str) -> None:
    assert only(invalid(BASE + f"? {key}\n: 1\n")) == (
        "line 8, column 3", f"not valid YAML: a key is {kind}; allowed: a key that is a name or a number")


def test_a_key_given_twice_names_the_key_and_both_lines() -> None:
    assert only(invalid("budget: 1000\n" + BASE + "budget: 2000\n")) == (
        "line 9, column 1", "not valid YAML: the key 'budget' is given twice in one mapping (lines 1 and 9); "
                            "allowed: each key once")


DUPLICATES = [
    # (file, text, where, the message's middle): JSON and YAML say the same, with the object's path
    ("dup.json", '{"budget": 1000,\n "budget": 2000,\n "channels": [{"name": "a", "cost_per_lead": 1}]}',
     "line 2, column 2", "JSON: the key 'budget' is given twice in one object (lines 1 and 2)"),
    ("dup.yaml", "budget: 1000\nbudget: 2000\nchannels: [{name: a, cost_per_lead: 1}]\n",
     "line 2, column 1", "YAML: the key 'budget' is given twice in one mapping (lines 1 and 2)"),
    ("dup.json", '{"channels": [\n  {"cost_per_lead": 45,\n   "name": "email",\n   "cost_per_lead": 50}]}',
     "line 4, column 4", "JSON: the key 'cost_per_lead' is given twice in channels[email] (lines 2 and 4)"),
    ("dup.yaml", "channels:\n  - cost_per_lead: 45\n    name: email\n    cost_per_lead: 50\n",
     "line 4, column 5", "YAML: the key 'cost_per_lead' is given twice in channels[email] (lines 2 and 4)"),
    ("dup.json", '{"targets": {"leads": 1, "leads": 2}}',
     "line 1, column 26", "JSON: the key 'leads' is given twice in targets (line 1, columns 14 and 26)"),
    ("dup.yaml", "targets: {leads: 1, leads: 2}\n",
     "line 1, column 21", "YAML: the key 'leads' is given twice in targets (line 1, columns 11 and 21)"),
    ("dup.json", '{"channels": [{"name": "a b", "caps": {"leads": 1, "leads": 2}}]}',
     "line 1, column 52", "JSON: the key 'leads' is given twice in channels[0].caps (line 1, columns 40 and 52)"),
]


@pytest.mark.parametrize(("file", "text", "where", "middle"), DUPLICATES)
def test_a_key_given_twice_names_its_line_and_object_in_json_and_yaml(file, text, where, middle) -> None:
    Path(file).write_text(text)
    error = library_error(read_document, file)
    assert [(i.path, i.message) for i in error.issues] == [(where, f"not valid {middle}; allowed: each key once")]
    assert refused(None, file=file) == [f"{file}: {where}: not valid {middle}; allowed: each key once"]


def test_a_long_key_given_twice_is_cut() -> None:
    key = "k" * 5000
    Path("dup.json").write_text(f'{{"{key}": 1, "{key}": 2}}')
    [issue] = library_error(read_document, "dup.json").issues
    assert issue.message == (f"not valid JSON: the key '{key[:40]}… (5,000 characters)' is given twice in one object "
                             "(line 1, columns 2 and 5009); allowed: each key once")


@pytest.mark.parametrize("text", ["0o17", "0x10", "0b11", "1:30", "1:30.5", "1__0", "1_", "1__000.5", "._5"])
def test_yaml_1_1_number_oddities_are_not_numbers(text: str) -> None:
    # YAML 1.1 would read 0x10 as 16, 0b11 as 3, 1:30 as 90 (base 60) and 1__0 as 10
    assert only(invalid(BASE + f"budget: {text}\n")) == ("budget", f'"{text}" is not a number; {POSITIVE_ALLOWED}')


@pytest.mark.parametrize("option", ["0o17", "0x10", "1:30", "1__0"])
def test_set_reads_numbers_by_the_same_rule(option: str) -> None:
    assert only(invalid(BASE, "--set", f"budget={option}")) == (
        "budget", f'"{option}" is not a number; {POSITIVE_ALLOWED}')


@pytest.mark.parametrize(("text", "number"), [("2_400_000", 2_400_000), ("017", 17), ("1_000.5", 1000.5),
                                             ("+5", 5), ("4.8e+6", 4.8e6), ("4.8e6", 4.8e6)])
def test_numbers_the_docs_allow_are_read(text: str, number: float) -> None:
    Path("plan.yaml").write_text(BASE + f"budget: {text}\n")
    assert load_scenario("plan.yaml").budget == number
    assert load_scenario("plan.yaml", {"budget": text}).budget == number


def test_a_yaml_python_tag_is_refused_and_not_run() -> None:
    text = BASE + 'name: !!python/object/apply:os.system ["touch executed"]\n'
    path, message = only(invalid(text))
    assert path == "line 8, column 7"
    assert message.startswith("not valid YAML: could not determine a constructor for the tag")
    assert not Path("executed").exists()


def test_an_integer_too_long_for_a_float_is_outside_the_documented_range_not_a_crash() -> None:
    digits = "1" + "0" * 400
    expected = ("budget", f"1e400 is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE_LIMIT}")
    assert only(invalid(BASE + f"budget: {digits}\n")) == expected
    assert only(invalid('{"budget": ' + digits + ', "channels": [{"name": "a", "cost_per_lead": 1}]}',
                        file="plan.json")) == expected


def test_read_document_raises_the_named_error_for_each_attack(tmp_path: Path) -> None:
    cases = {"deep.yaml": "a: " + "[" * 600 + "]" * 600, "deep.json": "[" * 100_000 + "]" * 100_000,
             "key.yaml": "? [a]\n: 1\n", "twice.yaml": "a: 1\na: 2\n"}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        error = library_error(read_document, tmp_path / name)
        assert error.source == str(tmp_path / name)
        assert json.dumps(error.to_dict())  # a plain document, as --format json prints it


def test_cli_output_for_a_deep_file_is_one_json_document() -> None:
    Path("plan.json").write_text("[" * 100_000 + "]" * 100_000)
    result = CliRunner().invoke(app, ["validate", "plan.json", "--format", "json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["errors"][0]["file"] == "plan.json"


# -- 2. numbers: ASCII digits, the documented range -------------------------------------------------
SIZE_LIMIT = 'typed numbers at most 1e15 in size (docs/scenario-format.md, "Limits of the input")'
RATE_LIMIT = 'allowed: a rate in [1e-12, 1]: rates at least 1e-12 (docs/scenario-format.md, "Limits of the input")'


@pytest.mark.parametrize("digits", ["١٢٣", "१२३", "１２３", "١٢٣٤.٥", "12٣"])
def test_digits_of_other_scripts_are_not_numbers(digits: str) -> None:
    # Python's Decimal and float read all three as 123
    assert only(invalid(BASE, "--set", f"budget={digits}")) == (
        "budget", f'"{digits}" is not a number; {POSITIVE_ALLOWED}')
    assert only(invalid(BASE + f"budget: {digits}\n")) == ("budget", f'"{digits}" is not a number; {POSITIVE_ALLOWED}')


def test_other_scripts_digits_in_a_rate_and_a_percentage() -> None:
    assert only(invalid(BASE, "--set", "funnel.win_rate=١٢%")) == (
        "funnel.win_rate", '"١٢%" is not a number; allowed: a number in (0, 1], or a percentage such as "12%"')


@pytest.mark.parametrize(("line", "path", "shown", "allowed"), [
    ("budget: 2e15", "budget", '"2e15"', "a number in (0, 1e15]"),
    ("budget: 10000000000000001", "budget", "10000000000000001", "a number in (0, 1e15]"),
    ("budget: 1.0e+20", "budget", "1e+20", "a number in (0, 1e15]"),
    ("targets: {deals: 1e16}", "targets.deals", '"1e16"', "a number in [0, 1e15]"),
    ("caps: {leads: 5e15}", "caps.leads", '"5e15"', "a number in [0, 1e15]"),
])
def test_a_typed_number_above_1e15_is_outside_the_documented_range(line: str, path: str, shown: str,
                                                                      allowed: str) -> None:
    text = BASE.replace("targets:\n  deals: 10\n", "") + line + "\n"
    assert only(invalid(text)) == (path, f"{shown} is above 1e15; allowed: {allowed}: {SIZE_LIMIT}")


def test_1e15_itself_is_inside_the_range() -> None:
    Path("plan.yaml").write_text(BASE)
    assert load_scenario("plan.yaml", {"budget": "1e15"}).budget == 1e15


def test_a_price_above_1e15_is_outside_the_range() -> None:
    assert only(invalid(BASE, "--set", "channels[email].cost_per_lead=1e16")) == (
        "channels[email].cost_per_lead", f'"1e16" is above 1e15; allowed: a number in [0, 1e15]: {SIZE_LIMIT}')


@pytest.mark.parametrize(("value", "what"), [
    ("1e309", f"is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE_LIMIT}"),
    ("-1e309", f"is not a positive number; {POSITIVE_ALLOWED}"),
    ("1e999999999%", f"is not a number; {POSITIVE_ALLOWED}"),
    ("inf", f"is not a finite number; {POSITIVE_ALLOWED}"),
])
def test_a_constant_beyond_any_float_is_an_input_error(value: str, what: str) -> None:
    assert only(invalid(BASE, "--set", f"budget={value}")) == ("budget", f'"{value}" {what}')


@pytest.mark.parametrize("value", ["1e-13", "5e-13", "1e-11%"])
def test_a_rate_below_1e_12_names_the_documented_range(value: str) -> None:
    assert only(invalid(BASE, "--set", f"channels[email].win_rate={value}")) == (
        "channels[email].win_rate", f'"{value}" is below 1e-12; {RATE_LIMIT}')


def test_a_rate_of_1e_12_is_inside_the_range_and_0_is_still_not_a_rate() -> None:
    Path("plan.yaml").write_text(BASE)
    assert load_scenario("plan.yaml", {"funnel.win_rate": "1e-12"}).funnel.win_rate == 1e-12
    assert only(invalid(BASE, "--set", "funnel.win_rate=0")) == (
        "funnel.win_rate", '0 is not a rate; allowed: a number in (0, 1], or a percentage such as "12%"')


def test_the_library_checks_the_range_too() -> None:
    from optimizer.scenario.schema import Scenario

    error = library_error(Scenario, channels=[{"name": "a", "cost_per_lead": 1, "win_rate": 1e-13}])
    assert [(i.path, i.message) for i in error.issues] == [
        ("channels[a].win_rate", f"1e-13 is below 1e-12; {RATE_LIMIT}")]


def test_digits_of_other_scripts_in_a_csv_sheet_are_not_numbers() -> None:
    Path("channels.csv").write_text("name,cost_per_lead\nemail,٤٥\n")
    assert refused(SHEET_BASE) == [
        'channels.csv: row 2, cost_per_lead: "٤٥" is not a number; '
        'allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)']


# -- 3. constraint expressions ------------------------------------------------------------------------
CONSTRAINED = BASE + "constraints:\n  - name: search_share\n    expr: spend[email] <= 100000\n"
LINEAR = 'allowed: a linear comparison such as "spend[paid_search] <= 0.3 * total_spend"'


def set_constraint(expr: str) -> tuple[str, str]:
    return only(invalid(CONSTRAINED, "--set", f"constraints[search_share]={expr}"))


def test_a_misplaced_underscore_in_a_constraint_names_the_constraint() -> None:
    assert set_constraint("spend[email] <= 1__0") == (
        "constraints[search_share]", '"spend[email] <= 1__0": 1__0 is not a number (an underscore goes between two '
                                     f'digits) (at column 17); {LINEAR}')


@pytest.mark.parametrize("number", ["1e309", "2e15", "1_000_000_000_000_001"])
def test_a_number_above_1e15_in_a_constraint(number: str) -> None:
    assert set_constraint(f"spend[email] <= {number}") == (
        "constraints[search_share]", f'"spend[email] <= {number}": {number} is above 1e15, the largest number the '
                                     f"tool reads (at column 17); {LINEAR}")


def cut(text: str) -> str:
    """Long text as every message quotes it: its first 40 characters, then its length."""
    return f"{text[:40]}… ({len(text):,} characters)"


def test_a_product_of_numbers_beyond_a_float() -> None:
    expr = "spend[email] <= " + " * ".join(["1e15"] * 21)
    assert set_constraint(expr) == (
        "constraints[search_share]", f'"{cut(expr)}": a product of its numbers is beyond any number the tool can '
                                     f"compute with; {LINEAR}")


@pytest.mark.parametrize(("inner", "column"), [("(" * 1000 + "1" + ")" * 1000, 67), ("-" * 1000 + "1", 67)])
def test_1000_nested_parentheses_or_signs(inner: str, column: int) -> None:
    expr = f"spend[email] <= {inner}"
    assert set_constraint(expr) == (
        "constraints[search_share]", f'"{cut(expr)}": parentheses and signs nest more than 50 deep (at column '
                                     f"{column}); {LINEAR}")


def test_other_scripts_digits_in_a_constraint() -> None:
    assert set_constraint("spend[email] <= ١٢٣") == (
        "constraints[search_share]", f"\"spend[email] <= ١٢٣\": unexpected character '١' (at column 17); {LINEAR}")


def test_50_nested_parentheses_are_read() -> None:
    from optimizer.scenario.expressions import parse_constraint

    parsed = parse_constraint("spend[a] <= " + "(" * 49 + "2 * 3" + ")" * 49)
    assert parsed.constant == -6.0


# -- 4. names ---------------------------------------------------------------------------------------
NAME_RULE = "allowed: letters, digits and _, not starting with a digit"


@pytest.mark.parametrize(("written", "shown"), [(r'"email\n"', r'"email\n"'), ('"emaіl"', '"emaіl"'),
                                                (r'"email\r"', r'"email\r"'), ('"émail"', '"émail"')])
def test_a_channel_name_beside_its_look_alike_is_refused(written: str, shown: str) -> None:
    # a final newline ("$" matches before it) and a Cyrillic і look like "email" in every table
    text = BASE.replace("targets:", f"  - name: {written}\n    cost_per_lead: 40\ntargets:")
    assert only(invalid(text)) == ("channels[1]", f"name {shown} is not a valid channel name; {NAME_RULE}")


def test_the_library_matches_names_in_full() -> None:
    from optimizer.scenario.schema import Scenario

    error = library_error(Scenario, channels=[{"name": "email", "cost_per_lead": 1},
                                              {"name": "email\n", "cost_per_lead": 2}])
    assert [(i.path, i.message) for i in error.issues] == [
        ("channels[1]", f'name "email\\n" is not a valid channel name; {NAME_RULE}')]


# -- 5. sheets ---------------------------------------------------------------------------------------
SIZE = "allowed: a sheet of at most 200,000 rows and 64 columns, at most 200 MB (uncompressed)"
XLSX_BASE = BASE.replace("channels:\n  - name: email\n    cost_per_lead: 45\n", "channels: channels.xlsx\n")


def workbook(path: str = "channels.xlsx", rows: int = 1) -> dict[str, bytes]:
    """A channels workbook as openpyxl writes it; returns its members (name -> bytes)."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "cost_per_lead"])
    for i in range(rows):
        sheet.append([f"c{i}", 45])
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(members: dict[str, bytes], path: str = "channels.xlsx", **replaced: bytes) -> None:
    """The workbook at ``path`` with members replaced (keys: the member name with / and . as _)."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, replaced.get(name.replace("/", "_").replace(".", "_"), data))


SHEET = "xl_worksheets_sheet1_xml"


def test_a_workbook_inflating_beyond_200_mb_is_refused_before_it_is_read() -> None:
    import zipfile

    members = workbook()
    with zipfile.ZipFile("channels.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open("xl/padding.xml", "w", force_zip64=True) as padding:
            for _ in range(201):
                padding.write(b" " * 1_000_000)
    assert Path("channels.xlsx").stat().st_size < 1_000_000
    assert refused(XLSX_BASE) == [f"channels.xlsx: the workbook inflates to 201 MB; {SIZE}"]


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>').encode()


def test_xml_entity_declarations_in_a_sheet_are_refused() -> None:
    rewrite(workbook(), **{SHEET: billion_laughs()})
    assert refused(XLSX_BASE) == [
        "channels.xlsx: the workbook's XML declares entities or a DTD (EntitiesForbidden); "
        "allowed: an .xlsx file as spreadsheet programs save it"]


def test_an_external_entity_in_the_workbook_part_is_refused() -> None:
    Path("secret.txt").write_text("secret")
    members = workbook()
    xml = members["xl/workbook.xml"].decode()
    evil = xml.replace("?>", '?><!DOCTYPE x [<!ENTITY e SYSTEM "secret.txt">]>', 1).replace('name="Sheet"',
                                                                                            'name="&e;"')
    assert "&e;" in evil
    rewrite(members, xl_workbook_xml=evil.encode())
    # the workbook part is parsed without resolving the entity: an undefined entity, never the file's text
    assert refused(XLSX_BASE) == ["channels.xlsx: cannot be read as a workbook (ExpatError: undefined entity: "
                                  "line 1, column 409); allowed: an .xlsx file"]


def test_malformed_xml_in_a_sheet_is_refused() -> None:
    members = workbook()
    rewrite(members, **{SHEET: members["xl/worksheets/sheet1.xml"][:-40]})
    (line,) = refused(XLSX_BASE)
    assert line.startswith("channels.xlsx: cannot be read as a workbook (ExpatError: unclosed token: line 1, ")
    assert line.endswith("); allowed: an .xlsx file")


def test_a_file_named_xlsx_that_is_not_a_zip() -> None:
    Path("channels.xlsx").write_text("name,cost_per_lead\nemail,45\n")
    assert refused(XLSX_BASE) == [
        "channels.xlsx: cannot be read as a workbook (BadZipFile: File is not a zip file); allowed: an .xlsx file"]


def sheet_xml(rows: list[tuple[int, int]]) -> bytes:
    """A sheet with a header row and a text cell at each (row, column)."""
    from openpyxl.utils import get_column_letter

    cells = ['<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>cost_per_lead</t></is></c></row>']
    for row, column in rows:
        cells.append(f'<row r="{row}"><c r="{get_column_letter(column)}{row}" t="n"><v>1</v></c></row>')
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><dimension ref="A1:B2"/><sheetData>{"".join(cells)}</sheetData>'
            "</worksheet>").encode()


def test_a_workbook_row_beyond_200000_is_refused() -> None:
    # one cell at row 2,000,000,000: the reader would otherwise yield two billion empty rows
    rewrite(workbook(), **{SHEET: sheet_xml([(2, 2), (2_000_000_000, 1)])})
    assert refused(XLSX_BASE) == [
        f"channels.xlsx: the sheet has rows beyond row 200,000 (delete the rows below); {SIZE}"]


def test_a_workbook_cell_beyond_column_64_is_refused() -> None:
    rewrite(workbook(), **{SHEET: sheet_xml([(2, 2), (3, 65)])})
    assert refused(XLSX_BASE) == [
        f"channels.xlsx: row 3, column 65: the sheet has cells beyond column 64; {SIZE}"]


def test_200000_rows_and_64_columns_are_read() -> None:
    from optimizer.scenario.sheets import read_table

    header = ["name", "cost_per_lead", *(f"x{i}" for i in range(62))]
    lines = [",".join(header), "a,45" + ",1" * 62] + [f"c{i},45" for i in range(199_998)]
    Path("big.csv").write_text("\n".join(lines) + "\n")
    table = read_table("big.csv")
    assert len(table.columns) == 64 and len(table.rows[0].cells) == 64 and table.rows[-1].number == 200_000


def test_a_csv_sheet_beyond_the_limits() -> None:
    Path("channels.csv").write_text("name,cost_per_lead\n" + "c,45\n" * 200_000)
    assert refused(SHEET_BASE) == [
        f"channels.csv: the sheet has rows beyond row 200,000 (delete the rows below); {SIZE}"]
    Path("channels.csv").write_text("name,cost_per_lead\nemail,45" + ",1" * 63 + "\n")
    assert refused(SHEET_BASE) == [f"channels.csv: row 2, column 65: the sheet has cells beyond column 64; {SIZE}"]


def test_a_csv_cell_over_the_field_limit() -> None:
    Path("channels.csv").write_text('name,cost_per_lead\nemail,45\n"' + "x" * 200_000 + '",1\n')
    assert refused(SHEET_BASE) == [
        "channels.csv: row 3: not a valid CSV file: field larger than field limit (131072); "
        "allowed: a CSV file with cells of at most 131,072 characters"]


# -- 6. check: proposals ------------------------------------------------------------------------------
def checked(proposal: str, text: str) -> list[str]:
    Path(proposal).write_text(text)
    return refused(BASE, proposal, command="check")


def test_a_null_proposal_value_names_the_file_and_the_channel() -> None:
    assert checked("proposal.yaml", "email: null\n") == [
        "proposal.yaml: email: the value is empty; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6), "
        "or leave email out (it then gets nothing)"]
    assert checked("proposal.yaml", "email: {units: null}\n") == [
        "proposal.yaml: email.units: the value is empty; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6), "
        "or leave email out (it then gets nothing)"]


@pytest.mark.parametrize(("proposal", "text", "line"), [
    ("proposal.yaml", "email: {spend: 100, units: 5}\n",
     "proposal.yaml: email: spend and units are both given; allowed: exactly one of spend, units, share"),
    ("proposal.json", '{"email": {"spend": 100, "units": 5, "share": 0.1}}',
     "proposal.json: email: spend, units and share are all given; allowed: exactly one of spend, units, share"),
    ("proposal.csv", "channel,spend,units\nemail,100,5\n",
     "proposal.csv: row 2: spend and units are both given for email; allowed: a channel and one of spend, units or "
     "share"),
])
def test_spend_and_units_for_one_channel_name_the_file_and_the_channel(proposal: str, text: str, line: str) -> None:
    assert checked(proposal, text) == [line]


def test_the_library_check_names_a_null_value_and_refuses_a_non_proposal() -> None:
    from optimizer.analysis.check import check

    Path("plan.yaml").write_text(BASE)
    scenario = load_scenario("plan.yaml")
    error = library_error(check, scenario, {"email": None})
    assert [(i.path, i.message) for i in error.issues] == [
        ("email", "the value is empty; allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6), or leave email out "
                  "(it then gets nothing)")]
    error = library_error(check, scenario, 5)
    assert [(i.path, i.message) for i in error.issues] == [
        ("proposal", 'a value of type int is not a proposal; allowed: a file (CSV, XLSX, YAML, JSON), a mapping '
                     'such as {"email": {"spend": 5000}}, or a list of entries')]


# -- 7. the library raises its named errors ----------------------------------------------------------
def issues(error: ScenarioError) -> list[tuple[str, str]]:
    return [(i.path, i.message) for i in error.issues]


def test_optimize_accepts_a_mapping_and_validates_it() -> None:
    import yaml

    from optimizer import optimize

    plan = optimize(yaml.safe_load(BASE))
    # 10 deals / 0.2 won / 0.25 qualified = 200 leads at 45
    assert plan.status == "optimal" and plan.total_spend == pytest.approx(200 * 45)
    error = library_error(optimize, {"channels": [{"name": "email", "cost_per_lead": -1}]})
    assert issues(error) == [("channels[email].cost_per_lead", "-1 is not a number >= 0; allowed: a number >= 0 "
                                                                "(4800000, 4_800_000 or 4.8e6)")]


@pytest.mark.parametrize(("value", "message"), [
    (None, "a value of type NoneType is not a scenario; allowed: a Scenario, or a mapping of its fields"),
    ("plan.yaml", "a value of type str is not a scenario (a file name: read it with load_scenario); allowed: a "
                  "Scenario, or a mapping of its fields"),
    ([1], "a value of type list is not a scenario; allowed: a Scenario, or a mapping of its fields"),
])
def test_optimize_of_something_else_is_a_scenario_error(value, message: str) -> None:
    from optimizer import optimize

    assert issues(library_error(optimize, value)) == [("scenario", message)]


@pytest.mark.parametrize("limit", ["x", -1, 0, True])
def test_optimize_with_a_bad_time_limit(limit) -> None:
    import yaml

    from optimizer import optimize

    assert issues(library_error(optimize, yaml.safe_load(BASE), "highs", limit)) == [
        ("time_limit", f"{limit!r} is not a time limit; allowed: a number of seconds > 0, or None")]


def test_load_scenario_with_changes_that_are_not_paths() -> None:
    Path("plan.yaml").write_text(BASE)
    error = library_error(load_scenario, "plan.yaml", {1: 2})
    assert error.source == "plan.yaml"
    assert issues(error) == [("1", "the path 1 is not text; allowed: a path such as budget, targets.revenue or "
                                   "channels[email].cost_per_lead")]
    assert issues(library_error(load_scenario, "plan.yaml", [("budget", 1)])) == [
        ("changes", 'a value of type list is not a mapping of changes; allowed: {path: value}, e.g. '
                    '{"budget": 500000}')]
    assert issues(library_error(load_scenario, None)) == [
        ("path", 'a value of type NoneType is not a file name; allowed: a path such as "plan.yaml" (text or '
                 "pathlib.Path)")]


def test_sensitivity_limit_of_an_unknown_name_lists_the_names() -> None:
    from optimizer import optimize, sensitivity

    Path("plan.yaml").write_text(BASE.replace("targets:", "budget: 20000\ntargets:"))
    analysis = sensitivity(optimize(load_scenario("plan.yaml")))
    assert analysis.limit("budget").name == "budget"
    assert issues(library_error(analysis.limit, "nope")) == [
        ("nope", "no limit of this plan is named 'nope'; allowed: budget, targets.deals")]
    assert issues(library_error(analysis.limit, "budgt")) == [
        ("budgt", "no limit of this plan is named 'budgt' (did you mean budget?); allowed: budget, targets.deals")]
