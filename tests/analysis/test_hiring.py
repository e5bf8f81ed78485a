"""What one more rep is worth (analysis.hiring): each hire's objective change against re-solves of an
LP written here by hand with scipy (one more hire forced, minus the optimum), and the cost range
against re-solves just inside and just outside its ends."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimizer import Scenario, load_scenario, optimize
from optimizer.analysis.sensitivity import sensitivity

QUARTERS = 4


def by_hand(cost: float = 30_000.0, integer: bool = True, fixed: dict[int, float] | None = None,
            lower: dict[int, float] | None = None):
    """scenarios/b2b-sales-team.yaml by hand: variables s_t, r_t (qualified leads of paid search and
    analyst referrals), h_t (SDRs hired in quarter t).
    min sum_t 200 s_t + 1200 r_t + cost (4 - t) h_t
    s.t. 0.25 (0.2 s_t + 0.5 r_t) >= 30                         (deals in t)
         s_t + r_t - 120 (0.5 h_t + sum_{u<t} h_u) <= 360      (capacity in t: 3 SDRs, half in the first quarter)
         sum_t h_t <= 4;  total cost <= 1,000,000
    ``fixed``: hires held at values; ``lower``: hires at least. Returns (objective, hires)."""
    T = QUARTERS
    n = 3 * T
    c = np.zeros(n)
    c[:T], c[T:2 * T] = 200.0, 1200.0
    c[2 * T:] = [cost * (T - t) for t in range(T)]
    rows, lo, hi = [], [], []
    for t in range(T):
        deals = np.zeros(n)
        deals[t], deals[T + t] = 0.25 * 0.2, 0.25 * 0.5
        rows.append(deals), lo.append(30.0), hi.append(np.inf)
        capacity = np.zeros(n)
        capacity[t] = capacity[T + t] = 1.0
        for u in range(t + 1):
            capacity[2 * T + u] = -120.0 * (0.5 if u == t else 1.0)
        rows.append(capacity), lo.append(-np.inf), hi.append(360.0)
    most = np.zeros(n)
    most[2 * T:] = 1.0
    rows.append(most), lo.append(-np.inf), hi.append(4.0)
    rows.append(c.copy()), lo.append(-np.inf), hi.append(1_000_000.0)
    low, up = np.zeros(n), np.full(n, np.inf)
    for t, v in (fixed or {}).items():
        low[2 * T + t] = up[2 * T + t] = v
    for t, v in (lower or {}).items():
        low[2 * T + t] = v
    A = np.array(rows)
    if integer:
        kinds = np.r_[np.zeros(2 * T), np.ones(T)]
        res = milp(c, constraints=LinearConstraint(A, lo, hi), integrality=kinds, bounds=Bounds(low, up),
                   options={"mip_rel_gap": 1e-9})
    else:
        bounds = list(zip(low, up))
        ub = [(r, h) for r, l_, h in zip(rows, lo, hi) if np.isfinite(h)]
        lb = [(-r, -l_) for r, l_, h in zip(rows, lo, hi) if np.isfinite(l_)]
        res = linprog(c, A_ub=np.array([r for r, _ in ub + lb]), b_ub=np.array([b for _, b in ub + lb]),
                      bounds=bounds, method="highs")
    assert res.status == 0
    return float(res.fun), np.array(res.x[2 * T:])


@pytest.fixture(scope="module")
def team():
    return load_scenario("scenarios/b2b-sales-team.yaml")


def test_one_more_whole_sdr_against_resolves(team):
    """Whole reps (integers_fixed): the other hires held at the plan's, one more (or one fewer) hire
    in each quarter forced; the analysis's change of the objective is the re-solve's."""
    best, hires = by_hand()
    assert hires.tolist() == [2.0, 0.0, 0.0, 0.0]
    result = sensitivity(optimize(team))
    assert result.analysed_as == "integers_fixed"
    (role,) = result.sales_team
    assert role.name == "sdr" and role.cost_ranged is False
    for t, item in enumerate(role.hires):
        assert item.name == f"sales_team[sdr].hires.Q{t + 1}" and item.period == f"Q{t + 1}"
        more = dict(enumerate(hires))
        more[t] += 1
        f_more, _ = by_hand(fixed=more)
        assert item.objective_change == pytest.approx(f_more - best, abs=1e-6)
        assert item.hiring_cost == pytest.approx(30_000 * (QUARTERS - t))
        if hires[t] > 0:
            fewer = dict(enumerate(hires))
            fewer[t] -= 1
            f_less, _ = by_hand(fixed=fewer)
            assert item.objective_change_down == pytest.approx(f_less - best, abs=1e-6)
        else:
            assert item.objective_change_down is None
    # by hand: a third SDR in Q1 adds 60 leads in Q1 that replace referrals (each qualified lead more
    # saves 1200 x 2/3 - 200 x 5/3 = $466.67) and idle capacity later, for 4 x $30,000
    assert role.hires[0].objective_change == pytest.approx(4 * 30_000 - 60 * (1200 * 2 / 3 - 200 * 5 / 3))


def test_one_more_relaxed_sdr_against_resolves(team):
    """Reps as a continuous quantity (--relax): one more (at least) and one fewer (at most) hire."""
    best, hires = by_hand(integer=False)
    result = sensitivity(optimize(team), relax=True)
    assert result.analysed_as == "relaxed"
    (role,) = result.sales_team
    for t, item in enumerate(role.hires):
        assert item.hires == pytest.approx(hires[t], abs=1e-7)
        f_more, _ = by_hand(integer=False, lower={t: hires[t] + 1})
        assert item.objective_change == pytest.approx(f_more - best, rel=1e-9, abs=1e-4)
    assert role.hires[0].objective_change != pytest.approx(88_000)  # the capacity prices summed (degenerate)


def test_cost_range_against_resolves_inside_and_outside(team):
    """The range of the SDR's cost keeping the relaxed hiring plan: just inside each end the hires
    are the plan's, just outside they are not."""
    _, hires = by_hand(integer=False)
    role = sensitivity(optimize(team), relax=True).sales_team[0]
    assert role.cost_ranged and role.cost_from is not None and role.cost_to is not None
    assert role.cost_from < 30_000 < role.cost_to
    eps = 1e-4 * 30_000
    for cost in (role.cost_from + eps, role.cost_to - eps):
        assert by_hand(cost, integer=False)[1] == pytest.approx(hires, abs=1e-7)
    for cost in (role.cost_from - eps, role.cost_to + eps):
        assert np.abs(by_hand(cost, integer=False)[1] - hires).max() > 1e-3
    assert role.to_dict()["cost_from"] == pytest.approx(role.cost_from)


def test_whole_people_have_no_cost_range_and_json(team):
    out = sensitivity(optimize(team)).to_dict()
    (role,) = out["sales_team"]
    assert role["cost_from"] is None and role["cost_to"] is None
    assert [h["name"] for h in role["hires"]] == [f"sales_team[sdr].hires.Q{t}" for t in range(1, 5)]
    assert set(role["hires"][0]) == {"name", "period", "hires", "objective_change", "objective_change_down",
                                     "hiring_cost"}


def test_binding_max_hires_makes_one_more_impossible_for_whole_reps(team):
    """max_hires 2 with two whole SDRs planned: a third in any quarter is not possible (null)."""
    capped = team.model_copy(update={"sales_team": [team.sales_team[0].model_copy(update={"max_hires": 2.0})]})
    role = sensitivity(optimize(capped)).sales_team[0]
    assert [h.objective_change for h in role.hires] == [None] * 4
    assert role.hires[0].objective_change_down is not None


def test_without_periods_and_without_team():
    flat = Scenario.model_validate({
        "name": "flat", "budget": 2_000_000, "targets": {"opportunities": 120},
        "channels": [{"name": "search", "cost_per_qualified_lead": 200, "opportunity_rate": 0.2},
                     {"name": "referrals", "cost_per_qualified_lead": 1200, "opportunity_rate": 0.5}],
        "sales_team": [{"name": "sdr", "cost": 30_000, "capacity": {"qualified_leads": 120}, "current": 3,
                        "max_hires": 1}]})
    result = sensitivity(optimize(flat))
    (item,) = result.sales_team[0].hires
    assert item.name == "sales_team[sdr].hires" and "period" not in item.to_dict()
    # by hand: s + r <= 360 + 120 h, 0.2 s + 0.5 r >= 120, h <= 1 (an LP: cost range by re-solves)
    def f(h_low, h_high=1.0, cost=30_000.0):
        res = linprog([200, 1200, cost], A_ub=[[1, 1, -120], [-0.2, -0.5, 0]], b_ub=[360, -120],
                      bounds=[(0, None), (0, None), (h_low, h_high)], method="highs")
        return (res.fun, res.x) if res.status == 0 else (None, None)
    best, x = f(0)
    assert item.hires == pytest.approx(x[2])
    assert item.objective_change is None  # max_hires 1 binds: no plan has one more
    assert item.objective_change_down == pytest.approx(f(0, x[2] - 1)[0] - best)
    role = result.sales_team[0]
    eps = 1e-4 * 30_000
    assert role.cost_from == 0.0 or f(0, cost=role.cost_from - eps)[1][2] < x[2] - 1e-6
    assert f(0, cost=role.cost_to - eps)[1][2] == pytest.approx(x[2])
    assert f(0, cost=role.cost_to + eps)[1][2] < x[2] - 1e-6
    plain = Scenario.model_validate({"name": "plain", "targets": {"leads": 10},
                                     "channels": [{"name": "email", "cost_per_lead": 2}]})
    assert "sales_team" not in sensitivity(optimize(plain)).to_dict()


def test_text_says_what_one_more_sdr_is_worth(team):
    from optimizer.output.whatif import limit_sentence, sales_team_lines, sensitivity_table

    result = sensitivity(optimize(team))
    assert "Sales team (one more or one fewer hire" in sensitivity_table(result)
    text = "\n".join(sales_team_lines(result))  # the block's lines, unwrapped whatever the console width
    best, hires = by_hand()
    f_more, _ = by_hand(fixed={0: hires[0] + 1, 1: 0, 2: 0, 3: 0})
    assert f"one more sdr hired in Q1 costs ${f_more - best:,.0f}" in text  # $92,000
    assert "sdr: cost $30,000 per period; whole people: no cost range" in text
    capacity = result.limit("sales_team[sdr].capacity.Q1")
    assert limit_sentence(capacity, result).startswith("sales_team[sdr].capacity.Q1: one more qualified lead in Q1 "
                                                       "saves $467")
    analysed = sensitivity(optimize(team), relax=True)
    role = analysed.sales_team[0]  # its ends are checked by re-solves above
    assert (f"the hiring plan holds for a cost from ${role.cost_from:,.0f} to ${role.cost_to:,.0f}"
            in sales_team_lines(analysed)[-1])
