"""compare with a sales team (issue 13, section 2): rows for hires, hiring cost and total cost.
Hand-derived on scenarios/b2b-sales-team.yaml (see tests/analysis/test_check_hires.py): with two
SDRs hired in Q1 the year costs $536,000 + $240,000 = $776,000; with max_hires 0 it costs
4 x ($40,000 + $192,000) = $928,000 of marketing and nothing of hiring."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from optimizer.analysis.compare import compare, compare_files
from optimizer.output.whatif import compare_csv, compare_table
from optimizer.scenario.loading import load_scenario

TEAM = Path(__file__).resolve().parents[2] / "scenarios" / "b2b-sales-team.yaml"


@pytest.fixture(scope="module")
def pair():
    return compare_files([TEAM], {"sales_team[sdr].max_hires": 0})


def test_differences_have_hires_per_period_hiring_and_total_cost(pair):
    (d,) = pair.differences()
    assert d["hiring_cost"] == pytest.approx(-240_000)
    assert d["total_cost"] == pytest.approx(928_000 - 776_000)
    assert d["total_spend"] == pytest.approx(928_000 - 536_000)
    assert d["hires"] == {"sdr": pytest.approx({"Q1": -2, "Q2": 0, "Q3": 0, "Q4": 0})}
    first, second = pair.to_dict()["scenarios"]
    assert first["hires"] == {"sdr": {"Q1": 2.0, "Q2": 0.0, "Q3": 0.0, "Q4": 0.0}}
    assert (first["hiring_cost"], first["total_cost"]) == pytest.approx((240_000, 776_000))
    assert (second["hiring_cost"], second["total_cost"]) == pytest.approx((0, 928_000))


def test_table_and_csv_show_the_hires(pair):
    text = compare_table(pair)
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in text.splitlines() if line.startswith("│")}
    assert rows["hires sdr in Q1"] == ["2", "0", "-2"]
    assert rows["total cost"] == ["$776,000", "$928,000", "+$152,000"]
    assert rows["hiring cost"] == ["$240,000", "$0", "-$240,000"]
    table = list(csv.DictReader(io.StringIO(compare_csv(pair))))
    assert [float(r["hires[sdr][Q1]"]) for r in table] == [2.0, 0.0]
    assert [float(r["total_cost"]) for r in table] == pytest.approx([776_000, 928_000])


def test_a_scenario_without_the_team_or_other_periods_compares_hires_over_the_horizon(tmp_path):
    flat = tmp_path / "flat.yaml"
    # without periods: 600 qualified leads ($120,000) for 30 deals; 5 SDRs needed, 3 on staff: 2 hires at $30,000
    flat.write_text("name: flat\ntargets: {deals: 30}\nfunnel: {win_rate: 0.25}\n"
                    "channels:\n  - {name: paid_search, cost_per_qualified_lead: 200, opportunity_rate: 0.2}\n"
                    "sales_team:\n  - {name: sdr, cost: 30000, capacity: {qualified_leads: 120}, current: 3}\n")
    none = tmp_path / "none.yaml"
    none.write_text(flat.read_text().split("sales_team:")[0].replace("name: flat", "name: none"))
    result = compare([load_scenario(none), load_scenario(flat), load_scenario(TEAM)])
    d_flat, d_team = result.differences()
    assert result.hire_keys == ("total",)
    assert d_flat["hires"] == {"sdr": pytest.approx({"total": 2})}
    assert d_flat["hiring_cost"] == pytest.approx(60_000)
    assert d_flat["total_cost"] == pytest.approx(60_000)  # the same $120,000 of marketing, plus two hires
    assert d_team["hires"] == {"sdr": pytest.approx({"total": 2})}
    assert d_team["total_cost"] == pytest.approx(776_000 - 120_000)
    assert "hires" not in result.to_dict()["scenarios"][0]  # a scenario without a team: JSON as before
