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

NESTING = "allowed: at most 50 levels of lists and mappings (a scenario needs 5)"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages then name the file as given: plan.yaml


def library_error(call, *args) -> ScenarioError:
    """The ScenarioError ``call(*args)`` raises (any other exception fails the test)."""
    with pytest.raises(ScenarioError) as caught:
        call(*args)
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


def test_an_integer_too_long_for_a_float_is_quoted_not_a_crash() -> None:
    digits = "1" + "0" * 400
    assert only(invalid(BASE + f"budget: {digits}\n")) == (
        "budget", f'"{digits}" is not a finite number; {POSITIVE_ALLOWED}')
    assert only(invalid('{"budget": ' + digits + ', "channels": [{"name": "a", "cost_per_lead": 1}]}',
                        file="plan.json")) == ("budget", f'"{digits}" is not a finite number; {POSITIVE_ALLOWED}')


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
