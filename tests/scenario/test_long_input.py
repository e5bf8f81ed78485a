"""Long text in messages is cut: a 10,000-character name, key, metric or expression, a 300-digit
constant, a 401-digit number. Every echoed value is at most 80 characters, else its first 40, "…" and
its length; numbers too long to read are in scientific notation, and a number beyond any float is
outside the documented range (1e15), never "not a finite number" nor an OverflowError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from optimizer import ScenarioError, load_scenario
from optimizer.scenario.rules import parse_number

LONG = "a" * 10_000
BASE = {"name": "x", "targets": {"leads": 10}, "channels": [{"name": "email", "cost_per_lead": 45}]}
SIZE = 'typed numbers at most 1e15 in size (docs/scenario-format.md, "Limits of the input")'
LINEAR = 'allowed: a linear comparison such as "spend[paid_search] <= 0.3 * total_spend"'


def cut(text: str) -> str:
    """Text as a message quotes it when longer than 80 characters (written out here, not imported)."""
    return f"{text[:40]}… ({len(text):,} characters)"


def refused(tmp_path: Path, data: dict, *changes: tuple[str, object]) -> list[tuple[str, str]]:
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(data, width=10**6))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, dict(changes))
    return [(issue.path, issue.message) for issue in exc.value.issues]


def test_cut_keeps_80_characters_and_cuts_81():
    assert cut("b" * 81) == "b" * 40 + "… (81 characters)"


@pytest.mark.parametrize(("data", "expected"), [
    ({**BASE, "channels": [{"name": LONG + "-", "cost_per_lead": 45}]},
     ("channels[0]", f'name "{cut(LONG + "-")}" is not a valid channel name; allowed: letters, digits and _, not '
                     "starting with a digit")),
    ({**BASE, "channels": [{"name": LONG, "cost_per_lead": 45, "win_rate": 2}]},
     (f"channels[{cut(LONG)}].win_rate", '2 is not a rate; allowed: a number in (0, 1], or a percentage such as '
                                         '"12%"')),
    ({**BASE, "objective": LONG},
     ("objective", f'"{cut(LONG)}" is not a known objective; allowed: min_spend, max_profit, max_reach, max_leads, '
                   "max_qualified_leads, max_opportunities, max_deals, max_revenue")),
    ({**BASE, "budget": LONG},
     ("budget", f'"{cut(LONG)}" is not a number; allowed: a number > 0 (4800000, 4_800_000 or 4.8e6)')),
    ({**BASE, "targets": {LONG: 1}},
     (f"targets.{cut(LONG)}", f'"{cut(LONG)}" is not a metric of this scenario; allowed: reach, leads, '
                              "qualified_leads, opportunities, deals, revenue")),
    ({**BASE, "periods": [LONG + "-"]},
     ("periods[0]", f'"{cut(LONG + "-")}" is not a valid period name; allowed: letters, digits and _, not starting '
                    "with a digit")),
])
def test_a_long_value_is_cut_in_its_message(tmp_path, data, expected):
    assert refused(tmp_path, data) == [expected]


def test_a_long_unknown_key_is_cut(tmp_path):
    [(path, message)] = refused(tmp_path, {**BASE, "channels": [{"name": "email", "cost_per_lead": 45, LONG: 1}]})
    assert path == f"channels[email].{cut(LONG)}"
    assert message.startswith("unknown field; allowed: name, cost_per_contact")


def test_a_long_channel_name_in_a_constraint(tmp_path):
    data = {**BASE, "constraints": [f"spend[{LONG}] <= 5"]}
    assert refused(tmp_path, data) == [
        ("constraints[0]", f'"{cut(LONG)}" in spend[{cut(LONG)}] is not a channel; allowed: email')]


def test_a_long_expression_is_cut_and_its_column_kept(tmp_path):
    expr = "spend[email] <= " + "1 + " * 3000 + "x y"
    assert refused(tmp_path, {**BASE, "constraints": [expr]}) == [
        ("constraints[0]", f"\"{cut(expr)}\": unexpected 'y' after the right-hand side (at column {len(expr)}); "
                           f"{LINEAR}")]


def test_a_300_digit_constant_in_a_constraint_is_in_scientific_notation(tmp_path):
    expr = "spend[email] <= 1" + "0" * 300
    assert refused(tmp_path, {**BASE, "constraints": [expr]}) == [
        ("constraints[0]", f'"{cut(expr)}": 1e300 is above 1e15, the largest number the tool reads (at column 17); '
                           f"{LINEAR}")]


def test_a_long_channel_name_in_the_allowed_list_is_cut(tmp_path):
    data = {**BASE, "channels": [{"name": LONG, "cost_per_lead": 45}], "constraints": ["spend[emial] <= 5"]}
    assert refused(tmp_path, data) == [("constraints[0]", f'"emial" in spend[emial] is not a channel; allowed: '
                                                          f"{cut(LONG)}")]


def test_a_list_of_many_names_shows_20_and_the_count(tmp_path):
    channels = [{"name": f"c{i}", "cost_per_lead": 1} for i in range(30)]
    [(_, message)] = refused(tmp_path, {**BASE, "channels": channels, "constraints": ["spend[nope] <= 5"]})
    assert message.endswith("allowed: " + ", ".join(f"c{i}" for i in range(20)) + ", … (30 in all)")


# -- numbers beyond any float ---------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "shown"), [("1" + "0" * 400, "1e400"), ("1" + "0" * 300, "1e300"),
                                              ("-" + "1" + "0" * 400, "-1e400")])
def test_a_401_digit_budget_in_the_file_is_in_scientific_notation(tmp_path, typed, shown):
    path = tmp_path / "big.yaml"
    path.write_text(f"budget: {typed}\ntargets: {{leads: 1}}\nchannels:\n  - name: a\n    cost_per_lead: 1\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    [issue] = exc.value.issues
    if typed.startswith("-"):
        assert issue.message == f"{shown} is not a positive number; allowed: a number > 0 (4800000, 4_800_000 or 4.8e6)"
    elif len(typed) > 309:  # beyond any float
        assert issue.message == f"{shown} is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE}"
    else:
        assert issue.message == f"{shown} is above 1e15; allowed: a number in (0, 1e15]: {SIZE}"


@pytest.mark.parametrize("how", ["yaml", "json"])
def test_1e400_in_a_file_is_outside_the_documented_range(tmp_path, how):
    if how == "yaml":
        path = tmp_path / "big.yaml"
        path.write_text("budget: 1e400\ntargets: {leads: 1}\nchannels:\n  - name: a\n    cost_per_lead: 1\n")
    else:
        path = tmp_path / "big.json"
        path.write_text('{"budget": 1e400, "targets": {"leads": 1}, "channels": [{"name": "a", "cost_per_lead": 1}]}')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert [(i.path, i.message) for i in exc.value.issues] == [
        ("budget", f'"1e400" is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE}')]


@pytest.mark.parametrize(("value", "message"), [
    ("1" + "0" * 400, f"1e400 is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE}"),
    ("1e400", f'"1e400" is larger than the documented 1e15; allowed: a number in (0, 1e15]: {SIZE}'),
    ("١٢٣", '"١٢٣" is not a number; allowed: a number > 0 (4800000, 4_800_000 or 4.8e6)'),
])
def test_set_budget_beyond_any_float_exits_2(tmp_path, value, message):
    path = tmp_path / "plan.yaml"
    path.write_text("targets: {leads: 1}\nchannels:\n  - name: a\n    cost_per_lead: 1\n")
    done = subprocess.run([sys.executable, "-m", "optimizer", "validate", str(path), "--set", f"budget={value}"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{path}: budget: {message}"


def test_parse_number_never_overflows():
    assert parse_number(10**400) == float("inf") and parse_number(-(10**400)) == float("-inf")
    assert parse_number("1" + "0" * 400) == float("inf") and parse_number("1e400") == float("inf")
    assert parse_number("١٢٣") is None


def test_the_library_quotes_a_huge_int_in_scientific_notation():
    from optimizer import Scenario

    with pytest.raises(ScenarioError) as exc:
        Scenario(budget=-(10**400), channels=[{"name": "a", "cost_per_lead": 1}])
    assert exc.value.issues[0].message == ("-1e400 is not a positive number; allowed: a number > 0 (4800000, "
                                           "4_800_000 or 4.8e6)")
    with pytest.raises(ScenarioError) as exc:
        Scenario(channels=[{"name": "a", "unit_cost": 1, "yields": {"leads": 123456789 * 10**400}}])
    assert exc.value.issues[0].message == (f"1.234568e408 is larger than the documented 1e15; allowed: a number in "
                                           f"[0, 1e15]: {SIZE}")


def test_a_sheet_cell_beyond_any_float_is_outside_the_documented_range(tmp_path):
    (tmp_path / "channels.csv").write_text(f"name,cost_per_lead,max_spend\nemail,45,1e400\nweb,1{'0' * 400},5\n")
    path = tmp_path / "plan.yaml"
    path.write_text("targets: {leads: 1}\nchannels: channels.csv\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert [(i.path, i.message) for i in exc.value.issues] == [
        ("row 2, max_spend", f'"1e400" is larger than the documented 1e15; allowed: a number in [0, 1e15]: {SIZE}'),
        ("row 3, cost_per_lead", f"1e400 is larger than the documented 1e15; allowed: a number in [0, 1e15]: {SIZE}"),
    ]


def test_a_long_alias_name_in_a_yaml_error_is_cut(tmp_path):
    path = tmp_path / "alias.yaml"
    alias = "x" * 500
    path.write_text(f"a: *{alias}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert [(i.path, i.message) for i in exc.value.issues] == [
        ("line 1, column 4", f"not valid YAML: found undefined alias '{cut(alias)}'; allowed: a YAML mapping (see "
                             "docs/scenario-format.md)")]


def test_a_long_non_text_path_is_cut(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("targets: {leads: 1}\nchannels:\n  - name: a\n    cost_per_lead: 1\n")
    key = 10 ** 99
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, {key: 1})
    shown = cut(str(key))
    assert [(i.path, i.message) for i in exc.value.issues] == [
        (shown, f"the path {shown} is not text; allowed: a path such as budget, targets.revenue or "
                "channels[email].cost_per_lead")]


def test_a_long_period_key_is_cut_in_the_path(tmp_path):
    data = {**BASE, "periods": ["Q1"], "budget": {"Q1": 10, LONG: "x"}}
    assert refused(tmp_path, data) == [
        (f"budget.{cut(LONG)}", '"x" is not a number; allowed: a number > 0 (4800000, 4_800_000 or 4.8e6)')]
    data = {**BASE, "periods": ["Q1"], "budget": {"Q1": 10, LONG: 5}}
    assert refused(tmp_path, data) == [
        (f"budget.{cut(LONG)}", f'"{cut(LONG)}" is not a period of this scenario; allowed: Q1, total')]
