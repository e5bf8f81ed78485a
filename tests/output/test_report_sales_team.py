"""The report's Sales team sheet and capacity chart, read back with openpyxl; the numbers against the
MILP of scenarios/b2b-sales-team.yaml written here by hand with scipy."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from optimizer import load_scenario, optimize
from optimizer.output.charts import applicable
from optimizer.output.report import write_report

T, COST, PER_REP, STAFF, RAMP = 4, 30_000.0, 120.0, 3.0, 0.5


def by_hand():
    """s_t, r_t: qualified leads of paid search ($200, 20% opportunities) and analyst referrals
    ($1,200, 50%); h_t: SDRs hired in quarter t (whole, at most 4, half capacity in the first quarter,
    paid from t on). min cost s.t. 0.25 (0.2 s_t + 0.5 r_t) >= 30 and s_t + r_t <= capacity_t."""
    n = 3 * T
    c = np.r_[np.full(T, 200.0), np.full(T, 1200.0), [COST * (T - t) for t in range(T)]]
    rows, lo, hi = [], [], []
    for t in range(T):
        deals = np.zeros(n)
        deals[t], deals[T + t] = 0.05, 0.125
        capacity = np.zeros(n)
        capacity[t] = capacity[T + t] = 1.0
        for u in range(t + 1):
            capacity[2 * T + u] = -PER_REP * (RAMP if u == t else 1.0)
        rows += [deals, capacity]
        lo += [30.0, -np.inf]
        hi += [np.inf, PER_REP * STAFF]
    rows.append(np.r_[np.zeros(2 * T), np.ones(T)]), lo.append(-np.inf), hi.append(4.0)
    res = milp(c, constraints=LinearConstraint(np.array(rows), lo, hi), integrality=np.r_[np.zeros(2 * T), np.ones(T)],
               bounds=Bounds(0, np.inf), options={"mip_rel_gap": 1e-9})
    x = res.x
    hires = np.round(x[2 * T:])
    capacity = [PER_REP * (STAFF + sum(hires[u] * (RAMP if u == t else 1.0) for u in range(t + 1))) for t in range(T)]
    used = [x[t] + x[T + t] for t in range(T)]
    paid = [COST * sum(hires[:t + 1]) for t in range(T)]
    return hires, capacity, used, paid, float(res.fun)


def test_sales_team_sheet_and_chart(tmp_path):
    hires, capacity, used, paid, total = by_hand()
    plan = optimize(load_scenario("scenarios/b2b-sales-team.yaml"))
    path = tmp_path / "team.xlsx"
    write_report(plan, None, path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames.index("Sales team") == book.sheetnames.index("Periods") + 1
    ws = book["Sales team"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("role", "metric", "period", "hires", "capacity", "used", "hiring cost")
    for t in range(T):
        role, metric, period, n, cap, use, cost = rows[1 + t]
        assert (role, metric, period) == ("sdr", "qualified leads", f"Q{t + 1}")
        assert n == pytest.approx(hires[t]) and cap == pytest.approx(capacity[t])
        assert use == pytest.approx(used[t], abs=1e-6) and cost == pytest.approx(paid[t])
    assert rows[5][:3] == ("sdr", "qualified leads", "horizon")
    assert rows[5][3] == pytest.approx(hires.sum()) and rows[5][6] == pytest.approx(sum(paid))
    split = {r[0]: r[6] for r in rows[6:9]}
    assert split["hiring cost"] == pytest.approx(sum(paid))
    assert split["total cost"] == pytest.approx(total)
    assert split["marketing spend"] == pytest.approx(total - sum(paid))
    assert ws["G2"].number_format.startswith("$") or "$" in ws["G2"].number_format
    assert ws.cell(9, 1).font.b  # the total cost row in bold
    assert len(ws._images) == 1  # capacity against use


def test_charts_and_html(tmp_path):
    plan = optimize(load_scenario("scenarios/b2b-sales-team.yaml"))
    assert "sales-capacity" in applicable(plan)
    written = write_report(plan, None, tmp_path / "team.html", charts_dir=tmp_path / "charts", timing=False)
    assert (tmp_path / "charts" / "sales-capacity.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "team.html").read_text()
    assert '<section id="sales-team"><h2>Sales team</h2>' in page
    assert "Sales capacity against use per period" in page
    assert len(written) == 1 + len(applicable(plan))


def test_no_sales_team_no_sheet(tmp_path):
    plan = optimize(load_scenario("scenarios/b2b-quarterly-plan.yaml"))
    assert "sales-capacity" not in applicable(plan)
    write_report(plan, None, tmp_path / "q.xlsx")
    assert "Sales team" not in openpyxl.load_workbook(tmp_path / "q.xlsx").sheetnames


def test_without_periods(tmp_path):
    flat = load_scenario("scenarios/b2b-sales-team.yaml")
    data = flat.model_dump(exclude_none=True, exclude_defaults=True)
    data.pop("periods")
    data["targets"] = {"deals": 30}
    data["sales_team"][0].pop("ramp")
    from optimizer import Scenario

    plan = optimize(Scenario.model_validate(data))
    write_report(plan, None, tmp_path / "f.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "f.xlsx")["Sales team"].iter_rows(values_only=True))
    # without periods one row per role, keyed "total": capacity 120 x (3 on staff + hires), $30,000 once each
    role, metric, period, n, cap, use, cost = rows[1]
    assert period == "total" and cap == pytest.approx(120 * (3 + n)) and cost == pytest.approx(30_000 * n)
    assert use <= cap + 1e-6
    assert [r[0] for r in rows[2:5]] == ["marketing spend", "hiring cost", "total cost"]
