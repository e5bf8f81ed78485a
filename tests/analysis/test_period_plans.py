"""The plan per period: what falls in each period and what closes in it, checked by hand, at any
number of periods (the per-period amounts are read once per metric, not once per period)."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer import optimize
from optimizer.model.build import build_program
from optimizer.scenario.schema import Scenario


def three_periods() -> dict:
    # ads: one lead per unit at 10; events: 20 leads a unit at 500, only in P2, one unit forced there.
    # Every lead qualifies at 0.5, then 0.5 become opportunities, 0.4 of those deals, closing half
    # in the period of the spend and half one period later.
    return {"periods": ["P1", "P2", "P3"], "objective": "min_spend", "deal_value": 1_000,
            "funnel": {"qualification_rate": 0.5, "opportunity_rate": 0.5, "win_rate": 0.4,
                       "sales_cycle": [0.5, 0.5]},
            "targets": {"leads": {"P1": 100, "P2": 200, "P3": 300}},
            "channels": [{"name": "ads", "cost_per_lead": 10},
                         {"name": "events", "unit_cost": 500, "yields": {"leads": 20}, "available": ["P2"],
                          "min_units": {"P2": 1}}]}


def test_the_plan_per_period_by_hand():
    plan = optimize(three_periods())
    assert plan.status == "optimal"
    by_name = {p.name: p for p in plan.periods}
    # ads buy 100, 180, 300 leads; events one unit (20 leads) in P2
    assert [by_name[p].total_spend for p in ("P1", "P2", "P3")] == pytest.approx([1_000, 2_300, 3_000])
    # deals made: ads 10, 18, 30; events 2 in P2; half close at once, half a period later
    assert [by_name[p].totals["deals"] for p in ("P1", "P2", "P3")] == pytest.approx([5, 15, 25])
    assert [by_name[p].totals["revenue"] for p in ("P1", "P2", "P3")] == pytest.approx([5_000, 15_000, 25_000])
    assert [by_name[p].totals["qualified_leads"] for p in ("P1", "P2", "P3")] == pytest.approx([50, 100, 150])
    ads = {p: next(c for c in by_name[p].channels if c.name == "ads") for p in by_name}
    events = {p: next(c for c in by_name[p].channels if c.name == "events") for p in by_name}
    assert [ads[p].metrics["deals"] for p in ("P1", "P2", "P3")] == pytest.approx([5, 14, 24])
    assert [events[p].metrics["deals"] for p in ("P1", "P2", "P3")] == pytest.approx([0, 1, 1])
    assert [events[p].metrics["leads"] for p in ("P1", "P2", "P3")] == pytest.approx([0, 20, 0])
    assert plan.after_horizon["deals"] == pytest.approx(15)  # half of ads' 30 deals bought in P3


def test_amounts_in_a_period_read_from_the_columns():
    program = build_program(Scenario.model_validate(three_periods()))
    for metric in ("leads", "qualified_leads", "deals", "revenue"):
        for period in program.periods:
            # the column table read one column at a time: what falls in the period, or what closes in it
            expected = [0.0 if c.kind != "units" else
                        (c.closing[metric][program.periods.index(period)] or 0.0)
                        if c.closing is not None and metric in c.closing else
                        (c.per_unit.get(metric) or 0.0) if c.period == period else 0.0
                        for c in program.columns]
            assert program.amounts_in(metric, period).tolist() == pytest.approx(expected)
    ads_p2 = next(j for j, c in enumerate(program.columns) if c.channel == "ads" and c.period == "P2")
    # a lead of ads bought in P2 is 0.1 deal: 0.05 closes in P2, 0.05 in P3
    assert program.amounts_in("deals", "P1")[ads_p2] == 0
    assert program.amounts_in("deals", "P2")[ads_p2] == pytest.approx(0.05)
    assert program.amounts_in("deals", "P3")[ads_p2] == pytest.approx(0.05)
    assert program.amounts_in("leads", "P2")[ads_p2] == 1


def test_two_thousand_periods_with_one_channel_optimize():
    periods = [f"P{k}" for k in range(1, 2_001)]
    plan = optimize({"periods": periods, "objective": "min_spend", "deal_value": 1_000,
                     "funnel": {"qualification_rate": 0.5, "opportunity_rate": 0.5, "win_rate": 0.4},
                     "targets": {"leads": {p: 10 for p in periods}},
                     "channels": [{"name": "ads", "cost_per_lead": 10}]})
    assert plan.status == "optimal"
    assert len(plan.periods) == 2_000
    # 10 leads a period at 10 each; a lead is 0.1 deal, closing in its own period (no cycle)
    assert plan.total_spend == pytest.approx(200_000)
    assert np.allclose([p.total_spend for p in plan.periods], 100.0)
    assert np.allclose([p.totals["deals"] for p in plan.periods], 1.0)
