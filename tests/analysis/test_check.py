"""``check``: a proposed plan against the scenario's limits and its optimum, with numbers derived by hand.

The scenario (every number below follows from it):
- funnel: qualification_rate 1, win_rate 0.1 (opportunity_rate 1 by default)
- a: $10 per lead -> 1 qualified lead, 0.1 deals per lead: $100 per deal, 10 qualified leads per deal
- b: $30 per qualified lead, win_rate 0.5, at most 20 units: $60 per deal, 2 qualified leads per deal
- budget 5,000; target 20 deals; cap 150 qualified leads

Cheapest plan (min_spend): all of b first (20 QL, $600, 10 deals), then 10 deals from a
(100 leads, $1,000); 120 qualified leads <= 150. Optimum $1,600.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from optimizer import Scenario, ScenarioError
from optimizer.analysis.check import check
from optimizer.analysis.provenance import scenario_sha256
from optimizer.cli import app

DATA = {
    "name": "two-channels",
    "budget": 5000,
    "funnel": {"qualification_rate": 1, "win_rate": 0.1},
    "targets": {"deals": 20},
    "caps": {"qualified_leads": 150},
    "channels": [
        {"name": "a", "cost_per_lead": 10},
        {"name": "b", "cost_per_qualified_lead": 30, "win_rate": 0.5, "max_units": 20},
    ],
}
# a gets 28% of the budget (1,400: 140 leads, 14 deals); b 10 units (10 QL, $300, 5 deals)
PROPOSAL = {"a": {"share": "28%"}, "b": {"units": 10}}


def _scenario(**changes) -> Scenario:
    return Scenario.model_validate({**DATA, **changes})


def test_min_spend_proposal_short_of_the_target():
    r = check(_scenario(), PROPOSAL)
    assert r.total_spend == pytest.approx(1700)
    assert r.totals["leads"] == pytest.approx(140) and r.totals["qualified_leads"] == pytest.approx(150)
    assert r.totals["deals"] == pytest.approx(19)
    assert not r.feasible
    assert [(v.name, v.value, v.limit, v.by) for v in r.violations] == [
        ("targets.deals", pytest.approx(19), 20, pytest.approx(1))]
    assert r.optimum.total_spend == pytest.approx(1600) and r.optimum.objective_value == pytest.approx(1600)
    assert r.excess_cost == pytest.approx(100) and r.forgone is None
    # at least 19 deals, cap kept, budget aside: b's 10 deals ($600) and 9 from a (90 leads, $900)
    e = r.cheapest_equivalent
    assert e.total_spend == pytest.approx(1500)
    assert e.spend == {"a": pytest.approx(900), "b": pytest.approx(600)}


def test_an_optimum_nothing_proves_gives_no_excess_cost(monkeypatch):
    import optimizer.model.solve as ladder
    from optimizer.model.certify import Certificate

    monkeypatch.setattr(ladder, "optimality", lambda program, units, duals, **kw: Certificate(
        0.0, None, 0.5, 0.0, failed="the dual test (forced)"))
    r = check(_scenario(), PROPOSAL)
    assert r.optimum.status == "unverified" and r.optimum.objective_value is None
    assert r.excess_cost is None and r.to_dict()["excess_cost"] is None
    assert r.total_spend == pytest.approx(1700)  # what the proposal buys is still read


def test_json_keys_are_exactly_the_documented_ones():
    doc = check(_scenario(), PROPOSAL).to_dict()
    assert list(doc) == ["scenario", "feasible", "total_spend", "totals", "channels", "violations", "optimum",
                         "excess_cost", "forgone", "cheapest_equivalent", "provenance"]
    assert list(doc["channels"][0]) == ["name", "units", "spend", "metrics"]
    assert list(doc["violations"][0]) == ["name", "value", "limit", "by"]
    assert list(doc["optimum"]) == ["objective", "objective_value", "total_spend", "status"]
    assert list(doc["cheapest_equivalent"]) == ["total_spend", "spend"]
    assert doc["provenance"]["scenario_sha256"] == scenario_sha256(_scenario())
    assert doc["feasible"] is False and doc["scenario"] == "two-channels"


def test_broken_cap_budget_and_channel_bound_are_measured_in_their_units():
    # a: 2,600 on a 2,500 budget (260 leads, 260 QL); b: 25 units where 20 is the most
    r = check(_scenario(budget=2500), {"a": 2600, "b": {"units": 25}})
    found = {v.name: (v.value, v.limit, v.by, v.unit) for v in r.violations}
    assert found == {
        "budget": (pytest.approx(3350), 2500, pytest.approx(850), "USD"),
        "caps.qualified_leads": (pytest.approx(285), 150, pytest.approx(135), "qualified leads"),
        "channels[b].max_units": (pytest.approx(25), 20, pytest.approx(5), "qualified leads"),
    }
    # deals 26 + 12.5 = 38.5: nothing bought beyond the cap can be matched, so no equivalent plan
    assert r.cheapest_equivalent is None


def test_max_objective_compares_at_the_proposals_own_spend():
    s = _scenario(objective="max_deals", targets={})
    # a: $1,000 (100 leads, 10 deals); b: $300 (10 QL, 5 deals) -> spend 1,300, 15 deals
    r = check(s, {"a": 1000, "b": {"spend": 300}})
    assert r.feasible and r.violations == ()
    # best use of $1,300: b's 20 QL ($600, 10 deals), then $700 of a (7 deals): 17 deals
    assert r.optimum.objective_value == pytest.approx(17) and r.optimum.total_spend == pytest.approx(1300)
    assert r.forgone == pytest.approx(2) and r.excess_cost is None
    # no targets: as many deals (15) for less: b's 10 deals ($600) and 5 from a ($500)
    assert r.cheapest_equivalent.total_spend == pytest.approx(1100)
    assert r.cheapest_equivalent.metrics == {"deals": pytest.approx(15)}


def test_whole_units_and_unlisted_channels():
    s = _scenario(channels=[*DATA["channels"], {"name": "w", "unit_cost": 100, "yields": {"leads": 30},
                                                "integer": True}])
    r = check(s, {"w": {"spend": 250}, "a": {"units": 100}})
    whole = [(v.value, v.limit, v.by, v.unit) for v in r.violations if v.name == "channels[w].integer"]
    assert whole == [(2.5, 2.0, 0.5, "units")]
    w = next(c for c in r.channels if c.name == "w")
    b = next(c for c in r.channels if c.name == "b")
    assert w.units == pytest.approx(2.5) and w.metrics["deals"] == pytest.approx(7.5)
    assert b.units == 0 and b.spend == 0


def _write_proposals(folder: Path) -> list[Path]:
    csv = folder / "p.csv"
    csv.write_text("channel,spend,units,share\na,,,28%\nb,,10,\n")
    yml = folder / "p.yaml"
    yml.write_text("a: {share: 28%}\nb: {units: 10}\n")
    js = folder / "p.json"
    js.write_text(json.dumps({"a": {"spend": 1400}, "b": {"units": 10}}))
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["channel", "share", "units"])
    ws.append(["a", 0.28, None])
    ws.append(["b", None, 10])
    xlsx = folder / "p.xlsx"
    book.save(xlsx)
    return [csv, yml, js, xlsx]


def test_every_file_format_reads_the_same_proposal(tmp_path):
    expected = check(_scenario(), PROPOSAL).to_dict()
    for path in _write_proposals(tmp_path):
        assert check(_scenario(), path).to_dict() == expected, path.name


@pytest.mark.parametrize(("text", "message"), [
    ("channel,spend\nemial,10\n", "row 2, channel: 'emial' is not a channel of the scenario; allowed: a, b"),
    ("channel,spend\nbb,10\n",
     "row 2, channel: 'bb' is not a channel of the scenario (did you mean b?); allowed: a, b"),
    ("channel,spend,units\na,10,3\n", "row 2: spend and units are both given for a; allowed: a channel and one of "
                                      "spend, units or share"),
    ("channel,spend\na,-5\n", "row 2, spend: -5 is not a number >= 0; allowed: a number >= 0 "
                              "(4800000, 4_800_000 or 4.8e6)"),
    ("channel,share\na,140%\n", 'row 2, share: "140%" is not a share; allowed: a number in [0, 1], or a percentage '
                                'such as "12%"'),
    ("channel,spend\na,10\na,20\n", "row 3, channel: a is listed twice; allowed: one line per channel"),
    ("channel,spned\na,10\n", "row 1, spned: unknown column (did you mean spend?); allowed: channel, spend, units, "
                              "share"),
])
def test_bad_proposal_rows(tmp_path, text, message):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        check(_scenario(), path)
    assert info.value.lines()[0] == f"{path}: {message}"


def test_share_needs_a_budget_and_a_free_channel_takes_units():
    s = _scenario(budget=None, channels=[*DATA["channels"], {"name": "free", "cost_per_lead": 0}])
    with pytest.raises(ScenarioError) as info:
        check(s, {"a": {"share": 0.5}, "free": 100})
    assert info.value.lines() == [
        "a.share: a share of the budget needs the scenario's budget, and none is given; allowed: spend or units, "
        "or a budget (--set budget=N)",
        "free: free is free (cost_per_lead 0): spend buys no units; allowed: units"]
    assert check(s, {"free": {"units": 100}}).totals["deals"] == pytest.approx(10)


# -- command line --------------------------------------------------------------------------------
def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


def test_cli_exit_codes_and_json(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(DATA))
    short, good, bad = tmp_path / "short.yaml", tmp_path / "good.yaml", tmp_path / "bad.yaml"
    short.write_text("a: {share: 28%}\nb: {units: 10}\n")
    good.write_text("a: 1000\nb: {units: 20}\n")  # 10 + 10 deals, 120 QL, $1,600: the optimum itself
    bad.write_text("c: 100\n")
    result = _cli("check", str(scenario), str(short), "--format", "json")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["excess_cost"] == pytest.approx(100)
    result = _cli("check", str(scenario), str(good), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["feasible"] is True and doc["excess_cost"] == pytest.approx(0, abs=1e-9)
    result = _cli("check", str(scenario), str(bad))
    assert result.exit_code == 2
    assert result.stderr == f"{bad}: c: 'c' is not a channel of the scenario; allowed: a, b\n"
    result = _cli("check", str(scenario), str(good), "--format", "csv")
    assert result.exit_code == 2 and "'csv' is not one of 'table', 'json'" in result.stderr
    # --set changes the scenario being checked: with a target of 15 deals, the short plan passes
    assert _cli("check", str(scenario), str(short), "--set", "targets.deals=15").exit_code == 0


def test_cli_table_names_broken_limits_and_the_comparison(tmp_path):
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(DATA))
    plan = tmp_path / "p.yaml"
    plan.write_text("a: {share: 28%}\nb: {units: 10}\n")
    out = _cli("check", str(scenario), str(plan)).stdout
    assert "two-channels: the proposed plan breaks 1 limit\n" in out
    assert "  targets.deals: 19 deals against a limit of 20 deals: short by 1 deals\n" in out
    assert "The cheapest plan meeting every limit costs $1,600; this plan costs $100 more (excess cost)." in out
    assert "The cheapest plan buying at least as much (deals 19), budget aside, costs $1,500: a $900, b $600." in out


# -- properties that hold for any proposal ------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(a=st.floats(1000, 1500), b=st.floats(0, 20), objective=st.sampled_from(["min_spend", "max_deals"]))
def test_any_feasible_proposal_is_no_better_than_the_optimum(a, b, objective):
    scenario = _scenario(objective=objective, targets={"deals": 20} if objective == "min_spend" else {})
    r = check(scenario, {"a": a, "b": {"units": b}})
    assert r.total_spend == pytest.approx(a + 30 * b)
    assert r.totals["deals"] == pytest.approx(a / 100 + b / 2)
    # deals >= 20 (min_spend only) and qualified leads a/10 + b <= 150, by hand
    holds = (objective != "min_spend" or a / 100 + b / 2 >= 20 - 1e-9) and a / 10 + b <= 150 + 1e-9
    if abs(a / 10 + b - 150) > 1e-6 and abs(a / 100 + b / 2 - 20) > 1e-6:
        assert r.feasible == holds
    if not r.feasible:
        return
    # a feasible proposal is itself a candidate for every comparison
    if objective == "min_spend":
        assert r.excess_cost >= -1e-6
    else:
        assert r.forgone >= -1e-6
    assert r.cheapest_equivalent.total_spend <= r.total_spend + 1e-6
