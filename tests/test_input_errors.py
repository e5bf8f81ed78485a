"""Every kind of bad input (issue 3, section 1) is reported through the CLI as exit 2 with one message
per problem, ``FILE: PATH: what is wrong; allowed: ...``, and with ``--format json`` as exactly one
JSON document ``{"status": "invalid", "errors": [{"path", "message"}]}`` on stdout. Limits that
merely cannot all hold together are not input errors: they are a plan that does not exist (exit 3).

Scenarios are small and written here; whole messages are pinned where they are stable.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app

FILE = "plan.yaml"
# One channel at the leads stage, with every rate the funnel needs to reach revenue.
BASE = """\
deal_value: 40000
funnel: {qualification_rate: 0.25, win_rate: 0.2}
channels:
  - name: email
    cost_per_lead: 45
targets:
  deals: 10
"""
RATE_ALLOWED = 'allowed: a number in (0, 1], or a percentage such as "12%"'
POSITIVE_ALLOWED = "allowed: a number > 0 (4800000, 4_800_000 or 4.8e6)"
AMOUNT_ALLOWED = "allowed: a number >= 0 (4800000, 4_800_000 or 4.8e6)"
STAGES = "reach, leads, qualified_leads, opportunities, deals, revenue"
CHANNEL_FIELDS = ("name, cost_per_contact, cost_per_lead, cost_per_qualified_lead, unit_cost, response_curve, yields, "
                  "response_rate, qualification_rate, opportunity_rate, win_rate, deal_value, min_spend, max_spend, "
                  "min_units, max_units, caps, integer, available, sales_cycle, fixed_cost, min_units_if_used, "
                  "min_spend_if_used")
TERM_ALLOWED = ("allowed: spend[NAME], units[NAME], METRIC[NAME], total_spend, numbers, or a metric "
                f"({STAGES})")
LINEAR_ALLOWED = 'allowed: a linear comparison such as "spend[paid_search] <= 0.3 * total_spend"'


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages then name the file as given: plan.yaml


def invalid(text: str | None, *options: str, file: str = FILE, command: str = "optimize") -> list[tuple[str, str]]:
    """Run the command on ``text`` (written to ``file``) in table and in JSON format; check that both
    report the same problems as bad input; return them as (path, message) pairs."""
    if text is not None:
        Path(file).write_text(text)
    runner = CliRunner()
    table = runner.invoke(app, [command, file, *options])
    assert table.exit_code == 2, table.output
    assert table.stdout == ""
    lines = table.stderr.splitlines()
    assert 1 <= len(lines) <= 20
    assert "Traceback" not in table.output

    as_json = runner.invoke(app, [command, file, *options, "--format", "json"])
    assert as_json.exit_code == 2, as_json.output
    assert as_json.stderr == table.stderr
    assert "Traceback" not in as_json.output
    document = json.loads(as_json.stdout)  # exactly one document: json.loads rejects anything after it
    assert list(document) == ["status", "errors"]
    assert document["status"] == "invalid"
    errors = document["errors"]
    for error in errors:
        assert set(error) <= {"path", "message", "file"}
        # every problem names the file, except a malformed option (--set, --target), which is at fault itself
        assert error.get("file") == (None if error["path"].startswith("--") else file)
    pairs = [(e["path"], e["message"]) for e in errors]
    # the text lines are the same problems, each FILE: PATH: MESSAGE (a malformed option names no file)
    rendered = [": ".join(x for x in (e.get("file"), e["path"], e["message"]) if x) for e in errors]
    assert lines == rendered[:20]
    return pairs


def only(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    assert len(pairs) == 1, pairs
    return pairs[0]


def outcome(text: str, *options: str) -> tuple[int, dict]:
    Path(FILE).write_text(text)
    result = CliRunner().invoke(app, ["optimize", FILE, *options, "--format", "json"])
    return result.exit_code, json.loads(result.stdout)


# -- reading the file --------------------------------------------------------------------------------
def test_missing_file() -> None:
    assert only(invalid(None, file="nowhere.yaml")) == (
        "", "the file does not exist; allowed: a scenario file (.yaml, .yml or .json)")


def test_a_folder_is_not_a_file() -> None:
    Path("folder.yaml").mkdir()
    assert only(invalid(None, file="folder.yaml")) == (
        "", "the file is a folder; allowed: a scenario file (.yaml, .yml or .json)")


def test_a_pipe_is_not_a_regular_file() -> None:
    import os

    os.mkfifo("pipe.yaml")  # <(...) gives one: commands read their inputs more than once
    assert only(invalid(None, file="pipe.yaml")) == (
        "", "the file is not a regular file (a pipe?); allowed: a scenario file (.yaml, .yml or .json)")


def test_a_missing_proposal_says_what_a_proposal_may_be() -> None:
    # was: 'allowed: a scenario file (.yaml, .yml or .json)', though a proposal may be a sheet
    Path("plan.yaml").write_text("deal_value: 1000\ntargets: {leads: 10}\n"
                                 "channels:\n  - {name: email, cost_per_lead: 3}\n")
    done = CliRunner().invoke(app, ["check", "plan.yaml", "nowhere.yaml"])
    assert done.exit_code == 2
    assert done.stderr == ("nowhere.yaml: the file does not exist; allowed: a proposal file (.csv, .xlsx, .yaml, .yml "
                           "or .json)\n")


def test_malformed_yaml_has_line_and_column() -> None:
    text = "budget: 5\nchannels: [\n  - name: a\n"
    path, message = only(invalid(text))
    assert path == "line 3, column 3"
    assert message.startswith("not valid YAML: ")
    assert message.endswith("; allowed: a YAML mapping (see docs/scenario-format.md)")


def test_a_tab_in_yaml_is_located() -> None:
    assert only(invalid("budget:\t5\n")) == (
        "line 1, column 8", "not valid YAML: found character '\\t' that cannot start any token; "
                            "allowed: a YAML mapping (see docs/scenario-format.md)")


def test_a_key_given_twice_is_an_error_not_the_last_value() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    cost_per_lead: 50\n")
    assert only(invalid(text)) == (
        "line 6, column 5", "not valid YAML: the key 'cost_per_lead' is given twice in channels[email] "
                            "(lines 5 and 6); allowed: each key once")


def test_malformed_json_has_line_and_column() -> None:
    text = '{"channels": [{"name": "email", "cost_per_lead": 20}],\n "targets": {"leads": 100,}}'
    assert only(invalid(text, file="plan.json")) == (
        "line 2, column 27", "not valid JSON: Expecting property name enclosed in double quotes; "
                             "allowed: a JSON object")


@pytest.mark.parametrize(("text", "kind"), [("- a\n- b\n", "a list"), ("just text\n", "a str"), ("", "empty")])
def test_a_document_that_is_not_a_mapping(text: str, kind: str) -> None:
    assert only(invalid(text)) == (
        "", f"the document is {kind}, not a mapping; allowed: a mapping with channels (see docs/scenario-format.md)")


# -- unknown fields, with the nearest known name ------------------------------------------------------
def test_unknown_top_level_field() -> None:
    assert only(invalid("budgit: 500000\n" + BASE)) == (
        "budgit", "unknown field (did you mean budget?); allowed: name, currency, budget, deal_value, objective, "
                  "funnel, targets, caps, channels, constraints, periods, pipeline, sales_team")


def test_unknown_funnel_field() -> None:
    text = BASE.replace("win_rate: 0.2", "win_rat: 0.2")
    assert ("funnel.win_rat", "unknown field (did you mean win_rate?); allowed: response_rate, qualification_rate, "
                              "opportunity_rate, win_rate, deal_value, sales_cycle") in invalid(text)


def test_unknown_channel_field_is_named_by_channel() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    qualifcation_rate: 0.3\n")
    assert only(invalid(text)) == (
        "channels[email].qualifcation_rate",
        f"unknown field (did you mean qualification_rate?); allowed: {CHANNEL_FIELDS}")


def test_unknown_constraint_field() -> None:
    pairs = invalid(BASE + "constraints:\n  - {name: mix, exp: 'spend[email] <= 5'}\n")
    assert ("constraints[mix].exp",
            "unknown field (did you mean expr?); allowed: name, expr, each_period, period") in pairs


def test_a_channel_without_a_name_is_named_by_position() -> None:
    text = BASE.replace("targets:", "  - cost_per_lead: 5\ntargets:")
    assert only(invalid(text)) == ("channels[1].name", "is required and missing; allowed: see docs/scenario-format.md")


@pytest.mark.parametrize(("key", "stage"), [("lead", "leads"), ("qualified_lead", "qualified_leads")])
def test_misspelt_yields_stage(key: str, stage: str) -> None:
    text = f"channels:\n  - name: webinars\n    unit_cost: 14000\n    yields: {{{key}: 120}}\n"
    assert only(invalid(text)) == (
        f"channels[webinars].yields.{key}",
        f'"{key}" looks like a misspelt funnel stage (did you mean {stage}?); '
        f"allowed: a stage ({STAGES}) or a metric of your own")


def test_an_invented_yields_metric_is_not_a_misspelling() -> None:
    text = "budget: 1000\nobjective: max_impressions\nchannels:\n  - name: tv\n    unit_cost: 100\n" \
           "    yields: {impressions: 5000}\n"
    code, plan = outcome(text)
    assert (code, plan["status"]) == (0, "optimal")
    assert plan["totals"]["impressions"] == pytest.approx(50000)


def test_an_empty_section_is_left_out_not_a_type_error() -> None:
    text = BASE.replace("targets:\n  deals: 10\n", "targets:\n  # deals: 10\n") + "caps:\nconstraints:\n"
    code, plan = outcome(text.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    caps:\n"))
    assert (code, plan["status"], plan["total_spend"]) == (0, "optimal", 0)


# -- wrong types ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("line", "path", "message"), [
    ("budget: lots", "budget", f'"lots" is not a number; {POSITIVE_ALLOWED}'),
    ("budget: [1, 2]", "budget", f"a list is not a number; {POSITIVE_ALLOWED}"),
    ("budget: yes", "budget", f"true is not a number; {POSITIVE_ALLOWED}"),
    ("budget: '4,800,000'", "budget", f'"4,800,000" is not a number; {POSITIVE_ALLOWED}'),
    ("budget: '12%'", "budget", f'"12%" is not a number; {POSITIVE_ALLOWED}'),
    ("name: [a]", "name", "a list is not text; allowed: text"),
    ("funnel: 5", "funnel", "5 is not a mapping; allowed: a mapping"),
    ("caps: [1]", "caps", "a list is not a mapping; allowed: a mapping"),
    ("constraints: 'spend[email] <= 5'", "constraints", '"spend[email] <= 5" is not a list; allowed: a list'),
])
def test_wrong_type_at_top_level(line: str, path: str, message: str) -> None:
    key = line.split(":")[0]
    text = "\n".join(x for x in BASE.splitlines() if not x.startswith(key + ":")) + "\n" + line + "\n"
    assert (path, message) in invalid(text)


def test_keys_that_are_numbers_not_names() -> None:
    assert only(invalid("2024: 5\n" + BASE)) == (
        "2024", "the key 2024 is not text; allowed: name, currency, budget, deal_value, objective, funnel, targets, "
                "caps, channels, constraints, periods, pipeline, sales_team")
    assert only(invalid(BASE + "  2024: 5\n")) == (
        "targets.2024", "the key 2024 is not text; allowed: a name (letters, digits and _)")
    text = "channels:\n  - name: tv\n    unit_cost: 100\n    yields: {leads: 5, 30: 1}\n"
    assert only(invalid(text)) == ("channels[tv].yields.30", "the key 30 is not text; allowed: a name (letters, "
                                                             "digits and _)")


def test_wrong_types_in_channels() -> None:
    assert only(invalid("channels: 5\n")) == ("channels", "5 is not a list; allowed: a list")
    assert only(invalid("channels: [email]\n")) == ("channels[0]", '"email" is not a mapping; allowed: a mapping')
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    integer: maybe\n")
    assert only(invalid(text)) == ("channels[email].integer", '"maybe" is not true or false; allowed: true or false')
    text = "channels:\n  - name: webinars\n    unit_cost: 100\n    yields: leads\n"
    assert only(invalid(text)) == ("channels[webinars].yields", '"leads" is not a mapping; allowed: a mapping')


def test_an_empty_value_where_a_number_belongs() -> None:
    assert only(invalid(BASE + "  leads:\n")) == ("targets.leads", f"an empty value is not a number; {AMOUNT_ALLOWED}")


def test_a_channel_name_that_is_not_a_name() -> None:
    text = BASE.replace("name: email", "name: 2nd-email")
    assert only(invalid(text)) == (
        "channels[0]", 'name "2nd-email" is not a valid channel name; allowed: letters, digits and _, '
                       "not starting with a digit")


def test_no_channels() -> None:
    assert only(invalid("budget: 5\n")) == ("channels", "is required and missing; allowed: see docs/scenario-format.md")
    assert only(invalid("channels: []\n")) == ("channels", "the list is empty; allowed: at least one channel")


# -- numbers out of range ------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "shown", "what"), [
    ("-5", "-5", "is not a positive number"),
    ("0", "0", "is not a positive number"),
    (".inf", "inf", "is not a finite number"),
    (".nan", "nan", "is not a finite number"),
])
def test_budget_must_be_positive_and_finite(value: str, shown: str, what: str) -> None:
    assert only(invalid(f"budget: {value}\n" + BASE)) == ("budget", f"{shown} {what}; {POSITIVE_ALLOWED}")


@pytest.mark.parametrize("value", ["'1e999'", "1e999"])
def test_a_budget_beyond_any_float_is_outside_the_documented_range(value: str) -> None:
    assert only(invalid(f"budget: {value}\n" + BASE)) == (
        "budget", '"1e999" is larger than the documented 1e15; allowed: a number in (0, 1e15]: typed numbers at most '
                  '1e15 in size (docs/scenario-format.md, "Limits of the input")')


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("cost_per_lead", "-1", "-1"), ("max_spend", "-100", "-100"), ("min_units", "-2", "-2"),
])
def test_channel_numbers_must_not_be_negative(field: str, value: str, shown: str) -> None:
    text = BASE.replace("    cost_per_lead: 45\n", f"    cost_per_lead: 45\n    {field}: {value}\n")
    if field == "cost_per_lead":
        text = BASE.replace("cost_per_lead: 45", f"cost_per_lead: {value}")
    assert only(invalid(text)) == (f"channels[email].{field}", f"{shown} is not a number >= 0; {AMOUNT_ALLOWED}")


def test_targets_caps_and_yields_must_not_be_negative() -> None:
    assert only(invalid(BASE + "  leads: -1\n")) == ("targets.leads", f"-1 is not a number >= 0; {AMOUNT_ALLOWED}")
    assert only(invalid(BASE + "caps: {leads: .inf}\n")) == (
        "caps.leads", f"inf is not a finite number; {AMOUNT_ALLOWED}")
    text = "channels:\n  - name: webinars\n    unit_cost: 100\n    yields: {leads: -10}\n"
    assert only(invalid(text)) == ("channels[webinars].yields.leads", f"-10 is not a number >= 0; {AMOUNT_ALLOWED}")


def test_deal_value_must_be_positive() -> None:
    assert only(invalid(BASE.replace("deal_value: 40000", "deal_value: 0"))) == (
        "deal_value", f"0 is not a positive number; {POSITIVE_ALLOWED}")


@pytest.mark.parametrize(("value", "shown"), [("1.3", "1.3"), ("0", "0"), ("-0.1", "-0.1"), ("'120%'", '"120%"'),
                                              ("'0%'", '"0%"')])
def test_rates_outside_zero_one(value: str, shown: str) -> None:
    text = BASE.replace("win_rate: 0.2", f"win_rate: {value}")
    assert only(invalid(text)) == ("funnel.win_rate", f"{shown} is not a rate; {RATE_ALLOWED}")
    text = BASE.replace("    cost_per_lead: 45\n", f"    cost_per_lead: 45\n    qualification_rate: {value}\n")
    assert only(invalid(text)) == ("channels[email].qualification_rate", f"{shown} is not a rate; {RATE_ALLOWED}")


def test_a_rate_of_nan_or_text() -> None:
    assert only(invalid(BASE.replace("win_rate: 0.2", "win_rate: .nan"))) == (
        "funnel.win_rate", f"nan is not a finite number; {RATE_ALLOWED}")
    assert only(invalid(BASE.replace("win_rate: 0.2", "win_rate: high"))) == (
        "funnel.win_rate", f'"high" is not a number; {RATE_ALLOWED}')


def test_number_formats_that_are_accepted() -> None:
    """4_800_000, 4.8e6, "1e6" (quoted) and "12%" for rates all mean numbers."""
    text = ('budget: "1e6"\ndeal_value: 4.8e4\nfunnel: {qualification_rate: 25%, win_rate: "20 %"}\n'
            "channels:\n  - name: email\n    cost_per_lead: 4_5\n    max_spend: 1_000_000\n"
            "targets: {revenue: 4.8e6}\n")
    code, plan = outcome(text)
    assert (code, plan["status"]) == (0, "optimal")
    # 4.8e6 / 48,000 per deal = 100 deals; / 0.2 / 0.25 = 2,000 leads at 45
    assert plan["total_spend"] == pytest.approx(2000 * 45)


# -- prices and a channel's own limits ---------------------------------------------------------------
def test_no_price() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    max_spend: 10\n")
    assert only(invalid(text)) == (
        "channels[email]", "no price is given; allowed: exactly one of cost_per_contact, cost_per_lead, "
                           "cost_per_qualified_lead, unit_cost, response_curve")


def test_two_prices() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    cost_per_contact: 2\n")
    assert only(invalid(text)) == (
        "channels[email]", "2 prices are given (cost_per_contact, cost_per_lead); allowed: exactly one of "
                           "cost_per_contact, cost_per_lead, cost_per_qualified_lead, unit_cost, response_curve")


def test_unit_cost_needs_yields_and_yields_needs_unit_cost() -> None:
    assert only(invalid("channels:\n  - name: tv\n    unit_cost: 5\n")) == (
        "channels[tv]", "unit_cost needs yields (what one unit buys); allowed: yields such as {leads: 140}")
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    yields: {leads: 4}\n")
    assert only(invalid(text)) == (
        "channels[email]", "yields is only read for unit_cost channels, and this one has cost_per_lead; "
                           "allowed: remove yields, or price the channel by unit_cost")


@pytest.mark.parametrize(("limits", "message"), [
    ("min_spend: 50000\n    max_spend: 1000",
     "min_spend 50000 is above max_spend 1000; allowed: min_spend <= max_spend: lower one of them"),
    ("min_units: 50\n    max_units: 10",
     "min_units 50 is above max_units 10; allowed: min_units <= max_units: lower one of them"),
    ("min_units: 50\n    max_spend: 1000",
     "min_units 50 (spend 2250) is above max_spend 1000; allowed: a minimum at or below the maximum: "
     "lower one of them"),
    ("min_spend: 5000\n    max_units: 100",
     "min_spend 5000 is above max_units 100 (spend 4500); allowed: a minimum at or below the maximum: "
     "lower one of them"),
])
def test_a_minimum_above_its_own_maximum(limits: str, message: str) -> None:
    text = BASE.replace("    cost_per_lead: 45\n", f"    cost_per_lead: 45\n    {limits}\n")
    assert only(invalid(text)) == ("channels[email]", message)


def test_a_minimum_spend_on_a_free_channel() -> None:
    text = BASE.replace("cost_per_lead: 45", "cost_per_lead: 0\n    min_spend: 100")
    assert only(invalid(text)) == (
        "channels[email]", "min_spend 100 cannot be spent: the channel's cost_per_lead is 0; "
                           "allowed: min_spend 0 (or min_units) for a free channel")


def test_duplicate_channel_names() -> None:
    text = BASE.replace("targets:", "  - name: email\n    cost_per_lead: 50\ntargets:")
    assert only(invalid(text)) == (
        "channels[1].name", '"email" is used by another channel; allowed: a unique name per channel')


def test_deal_value_in_two_places() -> None:
    text = BASE.replace("funnel: {", "funnel: {deal_value: 30000, ")
    assert only(invalid(text)) == (
        "funnel.deal_value", "deal_value is given both at the top level (40000) and in funnel (30000); "
                             "allowed: give one or the other")


# -- metrics, objectives and missing rates -------------------------------------------------------------
METRIC_ALLOWED = f"allowed: {STAGES}"


def test_unknown_metric_in_targets() -> None:
    assert only(invalid(BASE + "  dels: 5\n")) == (
        "targets.dels", f'"dels" is not a metric of this scenario (did you mean deals?); {METRIC_ALLOWED}')


def test_unknown_metric_in_caps() -> None:
    assert only(invalid(BASE + "caps: {qualified_lead: 300}\n")) == (
        "caps.qualified_lead", '"qualified_lead" is not a metric of this scenario (did you mean qualified_leads?); '
                               f"{METRIC_ALLOWED}")


def test_unknown_metric_in_a_channel_cap() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    caps: {impressions: 5}\n")
    assert only(invalid(text)) == (
        "channels[email].caps.impressions", f'"impressions" is not a metric of this scenario; {METRIC_ALLOWED}')


def test_unknown_objective() -> None:
    assert only(invalid("budget: 5000\nobjective: max_dels\n" + BASE)) == (
        "objective", '"max_dels" is not a known objective (did you mean max_deals?); allowed: min_spend, '
                     "max_profit, max_reach, max_leads, max_qualified_leads, max_opportunities, max_deals, "
                     "max_revenue")


def test_unknown_metric_in_a_constraint() -> None:
    assert only(invalid(BASE + "constraints: ['dels[email] <= 5']\n")) == (
        "constraints[0]", f'"dels[email]" is not a known term (did you mean deals?); {TERM_ALLOWED}')


def test_max_objective_needs_a_budget() -> None:
    assert only(invalid("objective: max_deals\n" + BASE)) == (
        "budget", "objective max_deals needs a budget, and none is given; allowed: a number > 0, "
                  "or objective min_spend")


def test_max_objective_needs_a_budget_also_when_given_as_an_option() -> None:
    assert only(invalid(BASE, "--objective", "max_leads")) == (
        "budget", "objective max_leads needs a budget, and none is given; allowed: a number > 0, "
                  "or objective min_spend")


def test_max_profit_without_deal_value() -> None:
    text = BASE.replace("deal_value: 40000\n", "") + "objective: max_profit\n"
    assert only(invalid(text)) == (
        "deal_value", "objective max_profit needs revenue, and no deal_value is given; allowed: a number > 0 at "
                      "the top level (deal_value), in funnel, or on each channel")


def test_max_profit_without_deal_value_nor_rates_names_both() -> None:
    text = "objective: max_profit\nchannels:\n  - name: email\n    cost_per_lead: 45\n"
    assert invalid(text) == [
        ("deal_value", "objective max_profit needs revenue, and no deal_value is given; allowed: a number > 0 at "
                       "the top level (deal_value), in funnel, or on each channel"),
        ("channels[email].qualification_rate",
         "is not given, and revenue (used by objective max_profit) needs it for this channel; "
         "allowed: a rate in (0, 1] on the channel, or funnel.qualification_rate"),
    ]


@pytest.mark.parametrize(("where", "text"), [
    ("targets.revenue", BASE + "  revenue: 100000\n"),
    ("caps.revenue", BASE + "caps: {revenue: 100000}\n"),
    ("constraints[0]", BASE + "constraints: ['revenue[email] <= 100000']\n"),
])
def test_a_revenue_metric_without_deal_value(where: str, text: str) -> None:
    text = text.replace("deal_value: 40000\n", "")
    assert only(invalid(text)) == (
        "deal_value", f"{where} needs revenue, and no deal_value is given; allowed: a number > 0 at "
                      "the top level (deal_value), in funnel, or on each channel")


def test_a_used_stage_unreachable_for_a_missing_rate_names_channel_and_rate() -> None:
    text = BASE.replace("funnel: {qualification_rate: 0.25, win_rate: 0.2}", "funnel: {win_rate: 0.2}")
    assert only(invalid(text)) == (
        "channels[email].qualification_rate",
        "is not given, and deals (used by targets.deals) needs it for this channel; "
        "allowed: a rate in (0, 1] on the channel, or funnel.qualification_rate")


@pytest.mark.parametrize(("section", "where"), [
    ("caps: {leads: 500}", "caps.leads"),
    ("constraints: ['leads >= 10']", "constraints[0]"),
    ("objective: max_leads\nbudget: 1000", "objective max_leads"),
])
def test_a_missing_response_rate_is_never_counted_as_zero(section: str, where: str) -> None:
    text = ("channels:\n  - name: direct_mail\n    cost_per_contact: 2.4\n"
            "  - name: email\n    cost_per_lead: 45\n" + section + "\n")
    assert only(invalid(text)) == (
        "channels[direct_mail].response_rate",
        f"is not given, and leads (used by {where}) needs it for this channel; "
        "allowed: a rate in (0, 1] on the channel, or funnel.response_rate")


def test_a_missing_rate_in_a_channel_cap_names_that_channel_only() -> None:
    text = BASE.replace("funnel: {qualification_rate: 0.25, win_rate: 0.2}", "funnel: {qualification_rate: 0.25}")
    text = text.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    win_rate: 0.2\n")
    text = text.replace("targets:", "  - name: webinars\n    cost_per_lead: 90\n    caps: {deals: 4}\ntargets:")
    text = text.replace("  deals: 10", "  leads: 10")  # deals are used by the webinars cap only
    assert only(invalid(text)) == (
        "channels[webinars].win_rate",
        "is not given, and deals (used by channels[webinars].caps.deals) needs it for this channel; "
        "allowed: a rate in (0, 1] on the channel, or funnel.win_rate")


# -- constraints ---------------------------------------------------------------------------------
def constraint(expr: str, name: str | None = None) -> list[tuple[str, str]]:
    item = f"{{name: {name}, expr: '{expr}'}}" if name else f"'{expr}'"
    return invalid(BASE + f"constraints:\n  - 'spend[email] >= 0'\n  - {item}\n")


def test_unknown_channel_in_a_constraint() -> None:
    assert only(constraint("spend[emial] <= 0.3 * total_spend")) == (
        "constraints[1]", '"emial" in spend[emial] is not a channel (did you mean email?); allowed: email')


def test_unknown_term_in_a_constraint_is_named_by_the_constraint_name() -> None:
    assert only(constraint("budget_left >= 5", name="mix")) == (
        "constraints[mix]", f'"budget_left" is not a known term; {TERM_ALLOWED}')


def test_spend_without_a_channel() -> None:
    assert only(constraint("spend <= 5000")) == (
        "constraints[1]", "spend needs a channel (did you mean total_spend?); allowed: spend[NAME] with NAME one of "
                          "email")


@pytest.mark.parametrize(("expr", "why"), [
    ("spend[email] * leads <= 5", "a product of two quantities is not linear; multiply by a number only "
                                  "(at column 16)"),
    ("leads / spend[email] <= 5", "dividing by a quantity is not linear; divide by a number only (at column 9)"),
])
def test_a_constraint_that_is_not_linear(expr: str, why: str) -> None:
    assert only(constraint(expr)) == ("constraints[1]", f'"{expr}": {why}; {LINEAR_ALLOWED}')


@pytest.mark.parametrize(("expr", "why"), [
    ("spend[email] + 5", "expected one of <=, >=, == , found the end of the text (at column 17)"),
    ("spend[email] < 5", "'<' is not a comparison here; use <=, >= or == (at column 14)"),
    ("leads <= 5 <= 6", "a constraint has exactly one comparison; write two constraints (at column 12)"),
    ("5 <= 6", "the constraint names no quantity (spend[...], units[...], a metric or total_spend)"),
])
def test_a_constraint_that_is_not_a_comparison(expr: str, why: str) -> None:
    assert only(constraint(expr)) == ("constraints[1]", f'"{expr}": {why}; {LINEAR_ALLOWED}')


def test_constraint_text_is_never_executed() -> None:
    expr = "__import__(\"os\").system(\"touch pwned\") <= 5"
    path, message = only(invalid(BASE + f"constraints:\n  - '{expr}'\n"))
    assert path == "constraints[0]"
    assert message.startswith(f'"{expr}": unexpected character')
    assert not Path("pwned").exists()


def test_a_constraint_written_over_two_lines_is_quoted_on_one() -> None:
    assert only(invalid(BASE + "constraints:\n  - |\n    spend[email]\n    <= 5 5\n")) == (
        "constraints[0]", f'"spend[email]\\n<= 5 5\\n": unexpected \'5\' after the right-hand side (at column 19); '
                          f"{LINEAR_ALLOWED}")


def test_two_constraints_with_one_name() -> None:
    text = BASE + "constraints:\n  - {name: mix, expr: 'leads >= 1'}\n  - {name: mix, expr: 'leads <= 9000'}\n"
    assert only(invalid(text)) == ("constraints[mix]", "the name is used by two constraints; "
                                                       "allowed: a unique name each")


# -- command-line changes and options --------------------------------------------------------------
@pytest.mark.parametrize(("option", "path", "message"), [
    ("budgit=5", "budgit", "'budgit' is not a scenario field (did you mean budget?); allowed: name, currency, "
                           "budget, deal_value, objective, funnel, targets, caps, channels, constraints, periods, "
                           "pipeline, sales_team"),
    ("channels[emial].cost_per_lead=5", "channels[emial].cost_per_lead",
     "no channel is named 'emial' (did you mean email?); allowed: email"),
    ("channels[email].cost_per_led=5", "channels[email].cost_per_led",
     f"'cost_per_led' is not a channel field (did you mean cost_per_lead?); allowed: {CHANNEL_FIELDS}"),
    ("channels[email]=5", "channels[email]",
     "name a channel field; allowed: channels[NAME].FIELD, e.g. channels[email].cost_per_lead"),
    ("channels[email].caps.leads.x=5", "channels[email].caps.leads.x",  # one level deeper: a period's entry
     "names a period (x), but this scenario has no periods; allowed: channels[email].caps.leads, or periods: "
     "[Q1, Q2, ...] in the scenario"),
    ("channels[email].caps.leads.x.y=5", "channels[email].caps.leads.x.y",
     "the path goes deeper than the field; allowed: e.g. channels[email].caps.leads"),
    ("funnel.win_rat=0.2", "funnel.win_rat",
     "'win_rat' is not a funnel field (did you mean win_rate?); allowed: funnel.response_rate, "
     "funnel.qualification_rate, funnel.opportunity_rate, funnel.win_rate, funnel.deal_value, funnel.sales_cycle"),
    ("targets=5", "targets", "name a metric; allowed: targets.METRIC, e.g. targets.deals"),
    ("budget!=5", "budget!", "'!' is not allowed in a path; allowed: paths such as budget, targets.revenue, "
                             "funnel.win_rate, channels[email].cost_per_lead"),
    ("name.x=5", "name.x", "name is not a mapping, so the path names nothing; allowed: paths such as budget, "
                           "targets.revenue, channels[email].caps.leads"),
    ("constraints[mix]=leads >= 1", "constraints[mix]",
     "the scenario has no constraints to change; allowed: add them in the file, or set the whole list: "
     "--set 'constraints=[\"spend[a] <= 1000\"]'"),
])
def test_bad_set_paths(option: str, path: str, message: str) -> None:
    assert only(invalid(BASE, "--set", option)) == (path, message)


@pytest.mark.parametrize(("option", "path", "message"), [
    ("budget=abc", "budget", f'"abc" is not a number; {POSITIVE_ALLOWED}'),
    ("channels[email].win_rate=130%", "channels[email].win_rate", f'"130%" is not a rate; {RATE_ALLOWED}'),
    # a channel named by its position is reported by its name
    ("channels[0].cost_per_lead=-5", "channels[email].cost_per_lead", f"-5 is not a number >= 0; {AMOUNT_ALLOWED}"),
    ("targets.dels=5", "targets.dels",
     f'"dels" is not a metric of this scenario (did you mean deals?); {METRIC_ALLOWED}'),
    ("channels[email].integer=often", "channels[email].integer",
     '"often" is not true or false; allowed: true or false'),
])
def test_bad_set_values(option: str, path: str, message: str) -> None:
    assert only(invalid(BASE, "--set", option)) == (path, message)


def test_set_names_constraints_by_name_or_position() -> None:
    text = BASE + "constraints:\n  - {name: mix, expr: 'spend[email] <= 5000'}\n  - 'leads >= 1'\n"
    assert only(invalid(text, "--set", "constraints[mix]=spend[emal] <= 1")) == (
        "constraints[mix]", '"emal" in spend[emal] is not a channel (did you mean email?); allowed: email')
    assert only(invalid(text, "--set", "constraints[1].expr=leads >=")) == (
        "constraints[1]", "\"leads >=\": expected a number, a name or '(', found the end of the text "
                          f"(at column 9); {LINEAR_ALLOWED}")
    assert only(invalid(text, "--set", "constraints[2]=leads >= 1")) == (
        "constraints[2]", "no constraint is named '2'; allowed: mix, 1 (a name, or a position from 0)")
    assert only(invalid(text, "--set", "constraints[mix].sense=1")) == (
        "constraints[mix].sense", "a constraint has two fields; allowed: constraints[NAME], constraints[NAME].expr "
                                  "or constraints[NAME].name")
    # a valid change applies: the mix rule now binds (spend on email at most 4,500 = 100 leads, 5 deals)
    code, plan = outcome(text, "--set", "constraints[mix]=spend[email] <= 4500", "--target", "deals=5")
    assert code == 0
    assert plan["total_spend"] == pytest.approx(4500)


def test_set_text_fields_take_the_text_as_written() -> None:
    code, plan = outcome(BASE, "--set", "name=2024", "--set", "currency=NOK")
    assert (code, plan["scenario"], plan["currency"]) == (0, "2024", "NOK")


@pytest.mark.parametrize(("options", "path", "message"), [
    (["--set", "budget"], "--set", "'budget' is not PATH=VALUE; allowed: e.g. --set budget=500000"),
    (["--set", "=5"], "--set", "'=5' is not PATH=VALUE; allowed: e.g. --set budget=500000"),
    (["--target", "deals"], "--target", "'deals' is not PATH=VALUE; allowed: e.g. --target deals=200"),
])
def test_malformed_change_options(options: list[str], path: str, message: str) -> None:
    assert only(invalid(BASE, *options)) == (path, message)
    result = CliRunner().invoke(app, ["optimize", FILE, *options])
    assert result.stderr == f"{path}: {message}\n"  # the option is at fault, not the file


@pytest.mark.parametrize(("options", "path", "message"), [
    (["--budget", "lots"], "budget", f'"lots" is not a number; {POSITIVE_ALLOWED}'),
    (["--budget", "-5"], "budget", f"-5 is not a positive number; {POSITIVE_ALLOWED}"),
    (["--objective", "max_dels"], "objective",
     '"max_dels" is not a known objective (did you mean max_deals?); allowed: min_spend, max_profit, max_reach, '
     "max_leads, max_qualified_leads, max_opportunities, max_deals, max_revenue"),
    (["--target", "dels=5"], "targets.dels",
     f'"dels" is not a metric of this scenario (did you mean deals?); {METRIC_ALLOWED}'),
    (["--target", "deals=many"], "targets.deals", f'"many" is not a number; {AMOUNT_ALLOWED}'),
])
def test_bad_shortcut_option_values(options: list[str], path: str, message: str) -> None:
    assert only(invalid(BASE, *options)) == (path, message)


@pytest.mark.parametrize(("options", "error"), [
    (["--format", "xml"], "Invalid value for '--format' / '-f': Value error, 'xml' is not one of 'table', 'json', "
                          "'csv'."),
    (["--solver", "gurobi"], "Invalid value for '--solver': Value error, 'gurobi' is not one of 'highs', 'cbc'."),
    (["--time-limit", "-1"], "Invalid value for '--time-limit': Input should be greater than or equal to 0"),
])
def test_bad_option_values_exit_2(options: list[str], error: str) -> None:
    Path(FILE).write_text(BASE)
    result = CliRunner().invoke(app, ["optimize", FILE, *options])
    assert result.exit_code == 2
    assert f"Error: {error}" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.output.splitlines()) <= 20


def test_validate_reports_the_same_errors() -> None:
    text = BASE.replace("win_rate: 0.2", "win_rate: 1.3")
    assert only(invalid(text, command="validate")) == ("funnel.win_rate", f"1.3 is not a rate; {RATE_ALLOWED}")


# -- many problems, the console script ---------------------------------------------------------------
def test_many_problems_fit_in_20_lines() -> None:
    text = "channels:\n" + "".join(f"  - name: c{i}\n    cost_per_lead: -1\n" for i in range(30))
    Path(FILE).write_text(text)
    result = CliRunner().invoke(app, ["optimize", FILE])
    lines = result.stderr.splitlines()
    assert result.exit_code == 2
    assert len(lines) == 20
    assert lines[0] == f"{FILE}: channels[c0].cost_per_lead: -1 is not a number >= 0; {AMOUNT_ALLOWED}"
    assert lines[-1] == "... and 11 more problems"
    as_json = CliRunner().invoke(app, ["optimize", FILE, "--format", "json"])
    assert len(json.loads(as_json.stdout)["errors"]) == 30  # the document carries every problem


def test_console_script_through_a_real_process(tmp_path: Path) -> None:
    """The installed entry point (python -m optimizer), stdout holding only the JSON document."""
    (tmp_path / FILE).write_text(BASE.replace("win_rate: 0.2", "win_rate: '130%'"))
    done = subprocess.run([sys.executable, "-m", "optimizer", "optimize", FILE, "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert json.loads(done.stdout)["errors"][0]["path"] == "funnel.win_rate"
    assert done.stderr == f'{FILE}: funnel.win_rate: "130%" is not a rate; {RATE_ALLOWED}\n'


def test_json_scenarios_are_checked_the_same_way() -> None:
    data = {"channels": [{"name": "email", "cost_per_lead": 45, "win_rate": 2}], "targets": {"leads": 10}}
    assert only(invalid(json.dumps(data), file="plan.json")) == (
        "channels[email].win_rate", f"2 is not a rate; {RATE_ALLOWED}")


# -- limits that cannot all hold are a plan that does not exist, not bad input ---------------------
def test_minimums_above_the_budget_are_infeasible_not_invalid() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    min_spend: 9000\n")
    code, plan = outcome(text, "--budget", "5000")
    assert (code, plan["status"]) == (3, "infeasible")
    assert sorted(plan["diagnosis"]["conflict"]) == ["budget", "channels[email].min_spend"]


def test_a_target_beyond_a_cap_is_infeasible_not_invalid() -> None:
    code, plan = outcome(BASE + "caps: {qualified_leads: 20}\n")  # 10 deals need 50 qualified leads
    assert (code, plan["status"]) == (3, "infeasible")
    assert sorted(plan["diagnosis"]["conflict"]) == ["caps.qualified_leads", "targets.deals"]


def test_a_target_beyond_a_channel_maximum_is_infeasible_not_invalid() -> None:
    text = BASE.replace("    cost_per_lead: 45\n", "    cost_per_lead: 45\n    max_units: 100\n")  # 10 deals: 200 leads
    code, plan = outcome(text)
    assert (code, plan["status"]) == (3, "infeasible")
    assert sorted(plan["diagnosis"]["conflict"]) == ["channels[email].max_units", "targets.deals"]


@pytest.mark.parametrize(("written", "shown"), [("0x10", '"0x10"'), ("1:30", '"1:30"')])
def test_yaml_11_hex_and_base_60_integers_are_not_numbers_here(written: str, shown: str) -> None:
    # PyYAML would read 0x10 as 16 and 1:30 as 90 (YAML 1.1); found in review
    path, message = only(invalid(f"channels:\n  - {{name: a, cost_per_lead: {written}}}\ntargets: {{leads: 1}}\n"))
    assert path == "channels[a].cost_per_lead"
    assert message.startswith(f"{shown} is not a number")


def test_a_leading_zero_is_decimal() -> None:
    code, document = outcome("channels:\n  - {name: a, cost_per_lead: 017}\ntargets: {leads: 10}\n")
    assert code == 0 and document["objective_value"] == pytest.approx(170)  # 17 a lead, not octal 15
