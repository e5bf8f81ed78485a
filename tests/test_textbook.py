"""Independent reference tests: textbook LPs with published optima, and
funnel cases derived by hand.

Every expected value here is computed from numbers written in this file
(with ``scipy.optimize.linprog`` or by hand arithmetic in the comments), never
through the package's funnel or model code. The package is then asked for
the same optimum, with both solvers.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy.optimize import linprog

ROOT = Path(__file__).resolve().parent.parent
WIN_BIG_YAML = ROOT / "scenarios" / "textbook-media-selection.yaml"

SOLVERS = ["highs", "cbc"]


def _close(a: float, b: float, rel: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def _optimize(scenario_or_dict, solver: str):
    """Run the package on a scenario object or a raw scenario dict."""
    from optimizer import Scenario, optimize

    if isinstance(scenario_or_dict, dict):
        scenario_or_dict = Scenario.model_validate(scenario_or_dict)
    return optimize(scenario_or_dict, solver=solver)


def _channels(plan) -> dict[str, dict]:
    return {c["name"]: c for c in plan.to_dict()["channels"]}


# ---------------------------------------------------------------------------
# 1. Win Big Gambling Club (Render, Stair & Hanna, Quantitative Analysis for
#    Management, "Linear Programming Applications", Marketing applications:
#    media selection). Published optimum: X1 = 1.97 TV spots, X2 = 5 newspaper
#    ads, X3 = 6.2 prime-time radio spots, X4 = 0 afternoon radio spots,
#    audience 67,240.
# ---------------------------------------------------------------------------

WIN_BIG_AUDIENCE = [5000, 8500, 2400, 2800]  # per ad: TV, newspaper, radio 30 s prime, radio 1 min afternoon
WIN_BIG_COST = [800, 925, 290, 380]
WIN_BIG_MAX = [12, 5, 25, 20]
WIN_BIG_BUDGET = 8000
WIN_BIG_PUBLISHED = 67_240
# Exact optimum: X1 = 63/32, X2 = 5, X3 = 180/29, X4 = 0
# (budget, newspaper maximum and the $1,800 radio limit bind):
#   X3 = 1800/290 = 180/29; X1 = (8000 - 5*925 - 1800)/800 = 1575/800 = 63/32;
#   audience = 5000*63/32 + 8500*5 + 2400*180/29 = 7_799_875/116.
WIN_BIG_EXACT = Fraction(5000) * Fraction(63, 32) + 8500 * 5 + 2400 * Fraction(180, 29)


def _win_big_scipy():
    c = -np.array(WIN_BIG_AUDIENCE, dtype=float)  # linprog minimizes
    a_ub = [
        WIN_BIG_COST,  # budget
        [0, 0, -1, -1],  # X3 + X4 >= 5
        [0, 0, 290, 380],  # radio spend <= 1800
    ]
    b_ub = [WIN_BIG_BUDGET, -5, 1800]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, m) for m in WIN_BIG_MAX], method="highs")
    assert res.status == 0, res.message
    return -res.fun, res.x


def test_win_big_scipy_reproduces_published_optimum():
    value, x = _win_big_scipy()
    assert Fraction(7_799_875, 116) == WIN_BIG_EXACT
    assert abs(value - WIN_BIG_PUBLISHED) <= 0.5
    assert value == pytest.approx(float(WIN_BIG_EXACT), rel=1e-9)
    # The book's rounded solution.
    assert (round(x[0], 2), round(x[1], 2), round(x[2], 1), round(x[3], 2)) == (1.97, 5, 6.2, 0)
    assert x == pytest.approx([63 / 32, 5, 180 / 29, 0], abs=1e-7)


def test_win_big_yaml_holds_the_textbook_data():
    """The scenario file carries exactly the numbers of the LP above."""
    doc = yaml.safe_load(WIN_BIG_YAML.read_text())
    assert doc["objective"] == "max_audience"
    assert float(doc["budget"]) == WIN_BIG_BUDGET
    chans = doc["channels"]
    assert [c["name"] for c in chans] == ["tv", "newspaper", "radio_prime", "radio_afternoon"]
    assert [float(c["unit_cost"]) for c in chans] == WIN_BIG_COST
    assert [float(c["yields"]["audience"]) for c in chans] == WIN_BIG_AUDIENCE
    assert [float(c["max_units"]) for c in chans] == WIN_BIG_MAX
    exprs = [c if isinstance(c, str) else c["expr"] for c in doc["constraints"]]
    assert "units[radio_prime] + units[radio_afternoon] >= 5" in exprs
    assert "spend[radio_prime] + spend[radio_afternoon] <= 1800" in exprs


@pytest.mark.parametrize("solver", SOLVERS)
def test_win_big_package_matches_scipy(solver):
    from optimizer import load_scenario, optimize

    expected, x = _win_big_scipy()
    plan = optimize(load_scenario(str(WIN_BIG_YAML)), solver=solver)
    assert plan.status == "optimal"
    assert _close(plan.objective_value, expected), (plan.objective_value, expected)
    assert abs(plan.objective_value - WIN_BIG_PUBLISHED) <= 0.5
    chans = _channels(plan)
    units = [chans[n]["units"] for n in ("tv", "newspaper", "radio_prime", "radio_afternoon")]
    # The optimum is unique (checked below), so the plan must be it.
    assert units == pytest.approx(list(x), abs=1e-6)
    spend = sum(c["spend"] for c in chans.values())
    assert spend == pytest.approx(float(np.dot(WIN_BIG_COST, x)), rel=1e-6)
    assert plan.total_spend == pytest.approx(spend, rel=1e-9, abs=1e-9)
    assert plan.total_spend <= WIN_BIG_BUDGET * (1 + 1e-6)  # CBC reports 8 significant digits


def test_win_big_optimum_is_unique():
    """Each variable is pinned at the optimum (so comparing units is fair)."""
    value, x = _win_big_scipy()
    a_ub = [WIN_BIG_COST, [0, 0, -1, -1], [0, 0, 290, 380], [-a for a in WIN_BIG_AUDIENCE]]
    b_ub = [WIN_BIG_BUDGET, -5, 1800, -value * (1 - 1e-12)]
    bounds = [(0, m) for m in WIN_BIG_MAX]
    for j in range(4):
        for sign in (1, -1):
            c = np.zeros(4)
            c[j] = sign
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
            assert res.status == 0
            assert res.x[j] == pytest.approx(x[j], abs=1e-5)


# ---------------------------------------------------------------------------
# 2. Relax-and-Enjoy Lake Development Corporation (Anderson, Sweeney,
#    Williams, Camm et al., "An Introduction to Management Science:
#    Quantitative Approaches to Decision Making", chapter "Linear Programming
#    Applications in Marketing, Finance, and Operations Management",
#    section "Marketing Applications: Media Selection").
#    Maximize exposure quality; published optimum: 10 daytime TV, 0 evening
#    TV, 25 daily newspaper, 2 Sunday newspaper, 30 radio ads; total
#    exposure quality 2,370; 61,500 customers reached.
# ---------------------------------------------------------------------------

RELAX_NAMES = ["day_tv", "evening_tv", "daily_newspaper", "sunday_newspaper", "radio"]
RELAX_REACH = [1000, 2000, 1500, 2500, 300]
RELAX_COST = [1500, 3000, 400, 1000, 100]
RELAX_MAX = [15, 10, 25, 4, 30]
RELAX_QUALITY = [65, 90, 40, 60, 20]
RELAX_PUBLISHED = 2370

RELAX_SCENARIO = {
    "name": "relax-and-enjoy",
    "objective": "max_exposure_quality",
    "budget": 30000,
    "targets": {"customers_reached": 50000},
    "channels": [
        {
            "name": n,
            "unit_cost": c,
            "yields": {"customers_reached": r, "exposure_quality": q},
            "max_units": m,
        }
        for n, r, c, m, q in zip(RELAX_NAMES, RELAX_REACH, RELAX_COST, RELAX_MAX, RELAX_QUALITY)
    ],
    "constraints": [
        {"name": "min_tv_ads", "expr": "units[day_tv] + units[evening_tv] >= 10"},
        "spend[day_tv] + spend[evening_tv] <= 18000",
    ],
}


def _relax_scipy():
    c = -np.array(RELAX_QUALITY, dtype=float)
    a_ub = [
        RELAX_COST,  # budget 30,000
        [-1, -1, 0, 0, 0],  # at least 10 TV ads
        [1500, 3000, 0, 0, 0],  # at most 18,000 on TV
        [-r for r in RELAX_REACH],  # at least 50,000 customers reached
    ]
    b_ub = [30000, -10, 18000, -50000]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=[(0, m) for m in RELAX_MAX], method="highs")
    assert res.status == 0, res.message
    return -res.fun, res.x


def test_relax_and_enjoy_scipy_reproduces_published_optimum():
    value, x = _relax_scipy()
    assert value == pytest.approx(RELAX_PUBLISHED, abs=1e-6)
    assert float(np.dot(RELAX_REACH, x)) == pytest.approx(61_500, abs=1e-4)
    assert x == pytest.approx([10, 0, 25, 2, 30], abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_relax_and_enjoy_package_matches_scipy(solver):
    expected, _ = _relax_scipy()
    plan = _optimize(RELAX_SCENARIO, solver)
    assert plan.status == "optimal"
    assert _close(plan.objective_value, expected), (plan.objective_value, expected)
    chans = _channels(plan)
    units = np.array([chans[n]["units"] for n in RELAX_NAMES])
    # Whatever optimum the solver picks, it must be feasible and worth 2,370.
    assert float(np.dot(RELAX_QUALITY, units)) == pytest.approx(RELAX_PUBLISHED, rel=1e-6)
    assert float(np.dot(RELAX_REACH, units)) >= 50000 * (1 - 1e-6)
    assert sum(c["spend"] for c in chans.values()) <= 30000 * (1 + 1e-6)


# ---------------------------------------------------------------------------
# 3. Market Survey, Inc. (same book and section, "Marketing Research").
#    Minimize interview cost; published optimum $20,320 with 240 day and 160
#    evening interviews of households with children, 240 day and 360 evening
#    interviews of households without children.
#    Costs: day/children $20, evening/children $25, day/no children $18,
#    evening/no children $20. At least 1,000 interviews; at least as many
#    evening as day interviews; at least 400 of each household type; at least
#    40% of the households with children and 60% of the households without
#    children interviewed in the evening.
# ---------------------------------------------------------------------------

SURVEY_NAMES = ["day_children", "evening_children", "day_no_children", "evening_no_children"]
SURVEY_COST = [20, 25, 18, 20]
SURVEY_PUBLISHED = 20_320

SURVEY_SCENARIO = {
    "name": "market-survey",
    "objective": "min_spend",
    "targets": {"interviews": 1000, "with_children": 400, "without_children": 400},
    "channels": [
        {"name": "day_children", "unit_cost": 20, "yields": {"interviews": 1, "with_children": 1}},
        {"name": "evening_children", "unit_cost": 25,
         "yields": {"interviews": 1, "with_children": 1, "evening": 1}},
        {"name": "day_no_children", "unit_cost": 18, "yields": {"interviews": 1, "without_children": 1}},
        {"name": "evening_no_children", "unit_cost": 20,
         "yields": {"interviews": 1, "without_children": 1, "evening": 1}},
    ],
    "constraints": [
        {"name": "evening_at_least_day",
         "expr": "evening >= units[day_children] + units[day_no_children]"},
        {"name": "children_evening_share", "expr": "evening[evening_children] >= 0.4 * with_children"},
        "units[evening_no_children] >= 0.6 * (units[day_no_children] + units[evening_no_children])",
    ],
}


def _survey_scipy():
    a_ub = [
        [-1, -1, -1, -1],  # >= 1000 interviews
        [1, -1, 1, -1],  # evening >= day
        [0.4, -0.6, 0, 0],  # EC >= 0.4 (DC + EC)
        [0, 0, 0.6, -0.4],  # ENC >= 0.6 (DNC + ENC)
        [-1, -1, 0, 0],  # >= 400 with children
        [0, 0, -1, -1],  # >= 400 without children
    ]
    b_ub = [-1000, 0, 0, 0, -400, -400]
    res = linprog(SURVEY_COST, A_ub=a_ub, b_ub=b_ub, method="highs")
    assert res.status == 0, res.message
    return res.fun, res.x


def test_market_survey_scipy_reproduces_published_optimum():
    value, x = _survey_scipy()
    assert value == pytest.approx(SURVEY_PUBLISHED, abs=1e-6)
    assert x == pytest.approx([240, 160, 240, 360], abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_market_survey_package_matches_scipy(solver):
    expected, _ = _survey_scipy()
    plan = _optimize(SURVEY_SCENARIO, solver)
    assert plan.status == "optimal"
    assert _close(plan.objective_value, expected), (plan.objective_value, expected)
    chans = _channels(plan)
    units = np.array([chans[n]["units"] for n in SURVEY_NAMES])
    assert float(np.dot(SURVEY_COST, units)) == pytest.approx(SURVEY_PUBLISHED, rel=1e-6)
    assert plan.total_spend == pytest.approx(SURVEY_PUBLISHED, rel=1e-6)
    assert units.sum() >= 1000 * (1 - 1e-6)


# ---------------------------------------------------------------------------
# 4. Funnel cases derived by hand.
# ---------------------------------------------------------------------------

# One channel. Revenue target 1,000,000 at deal value 10,000 -> 100 deals.
# win_rate 0.25 -> 400 opportunities; opportunity_rate defaults to 1 -> 400
# qualified leads; qualification_rate 0.4 -> 1,000 leads; response_rate 0.05
# -> 20,000 contacts; at 2.00 per contact -> 40,000 spend.
ONE_CHANNEL_EXPECTED = {
    "units": 20_000,
    "spend": 40_000,
    "reach": 20_000,
    "leads": 1_000,
    "qualified_leads": 400,
    "opportunities": 400,
    "deals": 100,
    "revenue": 1_000_000,
}

_RATES = {"response_rate": 0.05, "qualification_rate": 0.4, "win_rate": 0.25}


def _one_channel(where: str) -> dict:
    channel = {"name": "direct_mail", "cost_per_contact": 2.0}
    d = {"name": "one-channel", "deal_value": 10_000, "targets": {"revenue": 1_000_000}, "channels": [channel]}
    if where == "funnel":
        d["funnel"] = dict(_RATES)
    elif where == "channel":
        channel.update(_RATES)
    else:  # text forms of numbers and rates
        d["funnel"] = {"response_rate": "5%", "qualification_rate": "40%", "win_rate": 0.25}
        d["deal_value"] = "1e4"
        d["targets"] = {"revenue": "1_000_000"}
    return d


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("where", ["funnel", "channel", "text"])
def test_one_channel_funnel_by_hand(where, solver):
    plan = _optimize(_one_channel(where), solver)
    assert plan.status == "optimal"
    assert plan.objective_value == pytest.approx(40_000, rel=1e-6)
    assert plan.total_spend == pytest.approx(40_000, rel=1e-6)
    ch = _channels(plan)["direct_mail"]
    assert ch["units"] == pytest.approx(20_000, rel=1e-6)
    assert ch["spend"] == pytest.approx(40_000, rel=1e-6)
    assert ch["share"] == pytest.approx(1.0, rel=1e-9)
    for metric in ("leads", "qualified_leads", "opportunities", "deals", "revenue"):
        assert ch["metrics"][metric] == pytest.approx(ONE_CHANNEL_EXPECTED[metric], rel=1e-6), metric
        assert plan.to_dict()["totals"][metric] == pytest.approx(ONE_CHANNEL_EXPECTED[metric], rel=1e-6), metric


# Two channels, defaults qualification_rate 0.2, win_rate 0.2, deal_value 5,000.
#   paid_search: 40 per lead -> 0.2 qualified, 0.2 opportunities (rate 1),
#                0.04 deals per lead -> 40 / 0.04 = 1,000 per deal.
#   webinar:     3,000 per webinar, 150 leads each, own qualification_rate 0.3
#                -> 45 qualified, 45 opportunities, 9 deals -> 333.33 per deal.
#                At most 10 webinars.
# The webinar is cheaper per deal, so it is used up to its maximum first.
TWO_CHANNELS = {
    "name": "two-channels",
    "funnel": {"response_rate": 0.02, "qualification_rate": 0.2, "win_rate": 0.2},
    "deal_value": 5000,
    "channels": [
        {"name": "paid_search", "cost_per_lead": 40},
        {"name": "webinar", "unit_cost": 3000, "yields": {"leads": 150}, "qualification_rate": 0.3,
         "max_units": 10},
    ],
}

TWO_CHANNEL_CASES = {
    # 120 deals: 10 webinars = 90 deals for 30,000; the other 30 deals from
    # paid search = 30 / 0.04 = 750 leads = 30,000. Total 60,000.
    "min_spend_for_120_deals": (
        {"targets": {"deals": 120}},
        60_000, {"webinar": 10, "paid_search": 750}, 60_000),
    # Budget 45,000, maximize deals: 10 webinars (30,000, 90 deals), then
    # 15,000 on paid search = 375 leads = 15 deals. 105 deals.
    "max_deals_on_45000": (
        {"objective": "max_deals", "budget": 45_000},
        105, {"webinar": 10, "paid_search": 375}, 45_000),
    # Maximize profit with paid search capped at 20,000 of spend: both channels
    # earn more than they cost (webinar 9 * 5,000 - 3,000 = 42,000 each; a lead
    # 0.04 * 5,000 - 40 = 160), so both run at their maximum:
    # revenue (90 + 20) * 5,000 = 550,000, spend 50,000, profit 500,000.
    "max_profit_capped": (
        {"objective": "max_profit", "channels.paid_search.max_spend": 20_000},
        500_000, {"webinar": 10, "paid_search": 500}, 50_000),
    # Revenue target 400,000 = 80 deals, all from 80/9 webinars = 26,666.67.
    "min_spend_for_revenue": (
        {"targets": {"revenue": 400_000}},
        3000 * 80 / 9, {"webinar": 80 / 9, "paid_search": 0}, 3000 * 80 / 9),
}


def _two_channels(changes: dict) -> dict:
    import copy

    d = copy.deepcopy(TWO_CHANNELS)
    for key, value in changes.items():
        if key.startswith("channels."):
            _, name, field = key.split(".")
            next(c for c in d["channels"] if c["name"] == name)[field] = value
        else:
            d[key] = value
    return d


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("case", sorted(TWO_CHANNEL_CASES))
def test_two_channels_by_hand(case, solver):
    changes, objective, units, spend = TWO_CHANNEL_CASES[case]
    plan = _optimize(_two_channels(changes), solver)
    assert plan.status == "optimal"
    assert plan.objective_value == pytest.approx(objective, rel=1e-6)
    assert plan.total_spend == pytest.approx(spend, rel=1e-6)
    chans = _channels(plan)
    for name, u in units.items():
        assert chans[name]["units"] == pytest.approx(u, rel=1e-6, abs=1e-6), name
    webinar = chans["webinar"]["metrics"]
    assert webinar["qualified_leads"] == pytest.approx(45 * units["webinar"], rel=1e-6, abs=1e-6)
    assert webinar["deals"] == pytest.approx(9 * units["webinar"], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_channels_max_profit_without_cap_is_unbounded(solver):
    # Paid search returns 200 of revenue for every 40 spent and has no limit.
    plan = _optimize(_two_channels({"objective": "max_profit"}), solver)
    assert plan.status == "unbounded"
    assert plan.objective_value is None


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_channels_target_beyond_budget_is_infeasible(solver):
    # 105 deals is the most 45,000 buys (see above), so 106 cannot be met.
    plan = _optimize(_two_channels({"budget": 45_000, "targets": {"deals": 106}}), solver)
    assert plan.status == "infeasible"
    assert plan.objective_value is None


# -- the demo scenario, transcribed by hand from scenarios/b2b-annual-plan.yaml -----------------------
# Per unit of each channel, worked from the file's prices, rates and yields (funnel defaults:
# response 1.5%, qualification 0.25, opportunity 0.4, win 0.2, $40,000 a deal; one revenue dollar per
# qualified lead is 0.4 * win * 40,000):
#   channel              price   qualified leads per unit     revenue per unit           upper bound on units
B2B_BY_HAND = [
    ("direct_mail",          2.40, 0.015 * 0.25,  0.015 * 0.25 * 0.4 * 0.2 * 40000, 250_000 / 2.40),
    ("email",               45.00, 0.12,          0.12 * 0.4 * 0.2 * 40000,         5000),
    ("paid_search",        180.00, 0.30,          0.30 * 0.4 * 0.2 * 40000,         None),
    ("content_syndication", 90.00, 0.15,          0.15 * 0.4 * 0.2 * 40000,         120_000 / 90),
    ("webinars",         14000.00, 120 * 0.35,    120 * 0.35 * 0.4 * 0.2 * 40000,   24),
    ("events",           55000.00, 110,           110 * 0.4 * 0.26 * 40000,         6),
    ("partners",           900.00, 1.0,           1.0 * 0.4 * 0.3 * 40000,          250),
]


@pytest.mark.parametrize("solver", SOLVERS)
def test_demo_scenario_matches_scipy_on_a_hand_transcription(solver):
    from optimizer import load_scenario, optimize

    price = np.array([row[1] for row in B2B_BY_HAND])
    ql = np.array([row[2] for row in B2B_BY_HAND])
    revenue = np.array([row[3] for row in B2B_BY_HAND])
    bounds = [(2 if name == "events" else 0, upper) for name, *_, upper in B2B_BY_HAND]
    share = price * 0.3  # spend[paid_search] <= 0.3 * total_spend
    share[2] -= price[2]
    a_ub = np.vstack([price, -revenue, ql, -share])
    b_ub = [900_000, -4.8e6, 1300, 0]
    reference = linprog(price, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    assert reference.status == 0
    plan = optimize(load_scenario(ROOT / "scenarios" / "b2b-annual-plan.yaml"), solver)
    assert plan.objective_value == pytest.approx(reference.fun, rel=1e-6)
    assert reference.fun == pytest.approx(545_600, rel=1e-9)  # the README's number
