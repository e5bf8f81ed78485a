"""Property test: random funnel scenarios agree with scipy's linprog.

The test generates scenarios as plain dicts in the documented scenario
format, builds the linear program ITSELF from the raw dict (its own reading
of the funnel semantics of the scenario format, below; nothing from the
package's funnel, expression or model code), solves it with
``scipy.optimize.linprog(method="highs")`` and asks the package for the same
scenario. Both must report the same status and, when optimal, the same
objective value within 1e-6 relative. The package's plan is also checked
against the reference model: spend = price * units per channel, every limit
of the reference model holds at the package's units, and the objective
recomputed from those units is the reported one.

Reference funnel semantics (from the scenario format):
  stages reach -> leads -> qualified_leads -> opportunities -> deals -> revenue;
  the rate into each: response_rate, qualification_rate, opportunity_rate
  (1 when not given anywhere), win_rate, deal_value.
  A channel enters at the stage its price names (cost_per_contact: reach,
  cost_per_lead: leads, cost_per_qualified_lead: qualified_leads, unit_cost:
  the earliest stage named in `yields`, or outside the funnel if none). From
  the entry each later stage = previous stage * rate into it (the channel's
  own rate, else the funnel default, else opportunity_rate 1 and the
  top-level deal_value); a stage given in `yields` is taken as given.
  Nothing before the entry. Everything per unit, linear in units.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

STAGES = ["reach", "leads", "qualified_leads", "opportunities", "deals", "revenue"]
RATE_INTO = {
    "leads": "response_rate",
    "qualified_leads": "qualification_rate",
    "opportunities": "opportunity_rate",
    "deals": "win_rate",
    "revenue": "deal_value",
}
PRICE_ENTRY = {
    "cost_per_contact": "reach",
    "cost_per_lead": "leads",
    "cost_per_qualified_lead": "qualified_leads",
}
PRICE_KINDS = ["cost_per_contact", "cost_per_lead", "cost_per_qualified_lead", "unit_cost"]
RATE_FIELDS = ["response_rate", "qualification_rate", "opportunity_rate", "win_rate"]
FUNNEL_FIELDS = RATE_FIELDS + ["deal_value"]
INVENTED = ["impressions", "clicks"]

STATUS = {0: "optimal", 2: "infeasible", 3: "unbounded"}


# ---------------------------------------------------------------------------
# The reference model, built from the raw dict.
# ---------------------------------------------------------------------------


def num(v) -> float:
    """A number as the scenario format allows it: 12, 1.5e3, "1e6", "12%"."""
    if isinstance(v, str):
        s = v.strip().replace("_", "")
        if s.endswith("%"):
            return float(s[:-1]) / 100.0
        return float(s)
    return float(v)


def price_of(ch: dict) -> tuple[str, float]:
    kinds = [k for k in PRICE_KINDS if k in ch]
    assert len(kinds) == 1
    return kinds[0], num(ch[kinds[0]])


def per_unit(ch: dict, d: dict) -> dict[str, float]:
    """What one unit of a channel yields, for every metric it touches."""
    funnel = d.get("funnel", {})
    kind, _ = price_of(ch)
    if kind == "unit_cost":
        given = {k: num(v) for k, v in ch["yields"].items()}
        named = [s for s in STAGES if s in given]
        entry = named[0] if named else None
    else:
        given = {}
        entry = PRICE_ENTRY[kind]
    out = dict(given)
    if entry is None:
        return out
    out.setdefault(entry, 1.0)
    prev = entry
    for stage in STAGES[STAGES.index(entry) + 1:]:
        if stage not in given:
            field = RATE_INTO[stage]
            if field in ch:
                rate = num(ch[field])
            elif field in funnel:
                rate = num(funnel[field])
            elif field == "opportunity_rate":
                rate = 1.0
            elif field == "deal_value" and "deal_value" in d:
                rate = num(d["deal_value"])
            else:  # the generator always gives every rate
                raise AssertionError(f"no {field} for {ch['name']}")
            out[stage] = out[prev] * rate
        prev = stage
    return out


class Reference:
    """The LP over units x >= 0 of each channel: minimize c @ x subject to
    A_ub x <= b_ub, A_eq x == b_eq, lb <= x <= ub."""

    def __init__(self, d: dict):
        self.d = d
        chans = d["channels"]
        self.names = [c["name"] for c in chans]
        self.idx = {n: i for i, n in enumerate(self.names)}
        n = len(chans)
        self.price = np.array([price_of(c)[1] for c in chans])
        self.yields = [per_unit(c, d) for c in chans]
        metrics = sorted({m for y in self.yields for m in y} | set(STAGES))  # a stage no channel reaches: 0
        self.metric = {m: np.array([y.get(m, 0.0) for y in self.yields]) for m in metrics}

        self.lb = np.zeros(n)
        self.ub = np.full(n, np.inf)
        for i, c in enumerate(chans):
            p = self.price[i]
            if "min_units" in c:
                self.lb[i] = max(self.lb[i], num(c["min_units"]))
            if "max_units" in c:
                self.ub[i] = min(self.ub[i], num(c["max_units"]))
            if "min_spend" in c:
                assert p > 0
                self.lb[i] = max(self.lb[i], num(c["min_spend"]) / p)
            if "max_spend" in c and p > 0:  # a free channel's spend is 0 whatever its units
                self.ub[i] = min(self.ub[i], num(c["max_spend"]) / p)

        rows, rhs, eq_rows, eq_rhs = [], [], [], []
        if "budget" in d:
            rows.append(self.price.copy())
            rhs.append(num(d["budget"]))
        for m, v in d.get("targets", {}).items():
            rows.append(-self.metric[m])
            rhs.append(-num(v))
        for m, v in d.get("caps", {}).items():
            rows.append(self.metric[m].copy())
            rhs.append(num(v))
        for i, c in enumerate(chans):
            for m, v in c.get("caps", {}).items():
                row = np.zeros(n)
                row[i] = self.metric[m][i]
                rows.append(row)
                rhs.append(num(v))
        # Custom constraints: the generator hands us each one's linear form
        # (coefficients over units, sense, right-hand side) next to its text.
        for coef, sense, b in d.get("_reference_constraints", []):
            row = np.array([coef.get(name, 0.0) for name in self.names])
            if sense == "<=":
                rows.append(row)
                rhs.append(b)
            elif sense == ">=":
                rows.append(-row)
                rhs.append(-b)
            else:
                eq_rows.append(row)
                eq_rhs.append(b)
        self.a_ub = np.array(rows) if rows else None
        self.b_ub = np.array(rhs) if rows else None
        self.a_eq = np.array(eq_rows) if eq_rows else None
        self.b_eq = np.array(eq_rhs) if eq_rows else None

        objective = d.get("objective", "min_spend")
        if objective == "min_spend":
            self.c, self.sign = self.price.copy(), 1.0
        elif objective == "max_profit":
            self.c, self.sign = -(self.metric.get("revenue", np.zeros(n)) - self.price), -1.0
        else:
            self.c, self.sign = -self.metric[objective[len("max_"):]], -1.0

    def objective_at(self, x: np.ndarray) -> float:
        return float(self.sign * (self.c @ x))

    def solve(self) -> tuple[str, float | None]:
        bounds = list(zip(self.lb, [None if math.isinf(u) else u for u in self.ub]))
        common = dict(A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq,
                      bounds=bounds, method="highs")
        # Feasibility first, so that "infeasible or unbounded" is never ambiguous.
        feas = linprog(np.zeros(len(self.names)), **common)
        assert feas.status in (0, 2), feas.message
        if feas.status == 2:
            return "infeasible", None
        res = linprog(self.c, **common)
        assert res.status in (0, 3, 4), res.message  # 4: HiGHS "unbounded or infeasible"
        if res.status != 0:
            return "unbounded", None
        self.x = res.x
        return "optimal", float(self.sign * res.fun)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation at x, as excess / max(1, |limit|)."""
        worst = 0.0
        for lo, hi, xi in zip(self.lb, self.ub, x):
            worst = max(worst, (lo - xi) / max(1.0, abs(lo)))
            if not math.isinf(hi):
                worst = max(worst, (xi - hi) / max(1.0, abs(hi)))
        if self.a_ub is not None:
            for row, b in zip(self.a_ub, self.b_ub):
                worst = max(worst, (row @ x - b) / max(1.0, abs(b)))
        if self.a_eq is not None:
            for row, b in zip(self.a_eq, self.b_eq):
                worst = max(worst, abs(row @ x - b) / max(1.0, abs(b)))
        return worst


# ---------------------------------------------------------------------------
# Random scenarios in the documented format.
# ---------------------------------------------------------------------------


def _val(draw, lo: float, hi: float, digits: int = 2) -> float:
    """A moderate number in [lo, hi] with few significant digits, log-uniform."""
    e = draw(st.floats(math.log10(lo), math.log10(hi)))
    v = float(f"{10 ** e:.{digits}g}")
    return min(max(v, lo), hi)


def _rate(draw):
    r = _val(draw, 0.01, 1.0)
    if draw(st.integers(0, 9)) == 0 and r * 100 == int(r * 100):
        return f"{int(r * 100)}%"
    return r


@st.composite
def scenarios(draw) -> dict:
    n = draw(st.integers(1, 6))
    d: dict = {"name": "random"}
    funnel = {f: _rate(draw) for f in RATE_FIELDS}
    deal_value = _val(draw, 100, 50_000)
    if draw(st.booleans()):
        d["deal_value"] = deal_value
    else:
        funnel["deal_value"] = deal_value
    d["funnel"] = funnel

    channels = []
    for i in range(n):
        ch: dict = {"name": f"c{i}"}
        kind = draw(st.sampled_from(PRICE_KINDS))
        free = draw(st.integers(0, 9)) == 0
        price = 0.0 if free else _val(draw, 0.5, 500)
        ch[kind] = price
        if kind == "unit_cost":
            shape = draw(st.sampled_from(
                ["leads", "qualified_leads", "leads+qualified", "impressions+leads", "impressions"]))
            if shape == "leads":
                ch["yields"] = {"leads": _val(draw, 1, 200)}
            elif shape == "qualified_leads":
                ch["yields"] = {"qualified_leads": _val(draw, 1, 100)}
            elif shape == "leads+qualified":  # a later stage given is taken as given
                ch["yields"] = {"leads": _val(draw, 10, 200), "qualified_leads": _val(draw, 1, 10)}
            elif shape == "impressions+leads":
                ch["yields"] = {"impressions": _val(draw, 100, 50_000), "leads": _val(draw, 1, 100)}
            else:  # outside the funnel
                ch["yields"] = {"impressions": _val(draw, 100, 50_000)}
        # Per-channel overrides of any funnel field (some may name a stage at
        # or before the entry: they do not apply, only warn).
        for f in FUNNEL_FIELDS:
            if draw(st.integers(0, 4)) == 0:
                ch[f] = _val(draw, 100, 50_000) if f == "deal_value" else _rate(draw)

        # Upper and lower limits, consistent with each other.
        upper_units = None
        up = draw(st.sampled_from(["none", "none", "max_units", "max_spend"]))
        if up == "max_units":
            ch["max_units"] = _val(draw, 1, 100_000)
            upper_units = ch["max_units"]
        elif up == "max_spend":
            ch["max_spend"] = _val(draw, 100, 1_000_000)
            upper_units = ch["max_spend"] / price if price > 0 else None
        low = draw(st.sampled_from(["none", "none", "none", "min_units", "min_spend"]))
        if low == "min_spend" and price == 0:
            low = "min_units"
        if low != "none":
            frac = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]))
            same_kind = (low == "min_units" and up == "max_units") or (low == "min_spend" and up == "max_spend")
            if frac == 1.0 and up != "none" and not same_kind:
                frac = 0.5  # never let rounding put a minimum above a maximum of the other kind
            if frac == 1.0 and same_kind:
                ch[low] = ch[up]  # minimum == maximum: the channel is pinned
            else:
                units = (upper_units if upper_units is not None else _val(draw, 1, 10_000)) * frac
                value = units if low == "min_units" else units * price
                ch[low] = float(f"{value:.3g}")
        channels.append(ch)
    d["channels"] = channels

    # Metrics the scenario knows, per channel (used to pick targets, caps,
    # objective and constraint terms only among metrics that exist).
    produced = [per_unit(c, d) for c in channels]
    known = {m for y in produced for m in y}

    targets = {}
    target_ranges = {"leads": (10, 20_000), "qualified_leads": (1, 2_000), "deals": (1, 200),
                     "revenue": (1_000, 2_000_000)}
    for m, (lo, hi) in target_ranges.items():
        if m in known and draw(st.integers(0, 3)) == 0:
            targets[m] = _val(draw, lo, hi)

    if "qualified_leads" in known and draw(st.integers(0, 4)) == 0:
        d["caps"] = {"qualified_leads": _val(draw, 10, 100_000)}

    for i, c in enumerate(channels):
        own = [m for m in ("leads", "qualified_leads", "deals", "impressions") if m in produced[i]]
        if own and draw(st.integers(0, 6)) == 0:
            m = draw(st.sampled_from(own))
            c["caps"] = {m: _val(draw, 1, 100_000)}

    objectives = ["min_spend", "min_spend", "max_profit"]
    objectives += [m for m in ("max_deals", "max_revenue") if m[4:] in known]
    objectives += [m for m in ("max_qualified_leads", "max_impressions") if m[4:] in known]
    objective = draw(st.sampled_from(objectives))
    if objective != "min_spend" or draw(st.booleans()):
        d["objective"] = objective
    has_budget = draw(st.booleans())
    if has_budget or objective.startswith("max_") and objective != "max_profit":
        d["budget"] = _val(draw, 5_000, 10_000_000)
    if objective == "min_spend" and not targets and draw(st.booleans()):
        # Give most min_spend problems something to buy.
        m = draw(st.sampled_from(sorted(known & set(target_ranges)))) if known & set(target_ranges) else None
        if m:
            targets[m] = _val(draw, *target_ranges[m])
    if targets:
        d["targets"] = targets

    # Custom constraints: text in the scenario, linear form for the reference.
    names = [c["name"] for c in channels]
    prices = {c["name"]: price_of(c)[1] for c in channels}
    texts, forms = [], []
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.integers(0, 6))
        a = draw(st.sampled_from(names))
        others = [x for x in names if x != a]
        if kind == 0:  # share of total spend
            f = draw(st.sampled_from([0.1, 0.25, 0.4, 0.6]))
            texts.append(f"spend[{a}] <= {f} * total_spend")
            coef = {x: -f * prices[x] for x in names}
            coef[a] += prices[a]
            forms.append((coef, "<=", 0.0))
        elif kind == 1 and others:  # two channels' units together
            b = draw(st.sampled_from(others))
            k = _val(draw, 1, 1_000)
            texts.append(f"units[{a}] + units[{b}] >= {k}")
            forms.append(({a: 1.0, b: 1.0}, ">=", k))
        elif kind == 2 and others:  # parentheses, minus, both sides
            b = draw(st.sampled_from(others))
            k = _val(draw, 10, 100_000)
            texts.append(f"2 * (spend[{a}] - spend[{b}]) <= {k} - spend[{b}]")
            forms.append(({a: 2 * prices[a], b: -prices[b]}, "<=", k))
        elif kind == 3:  # a channel's share of a metric's total
            m_opts = [m for m in ("leads", "qualified_leads", "deals") if m in produced[names.index(a)]]
            if not m_opts:
                continue
            m = draw(st.sampled_from(m_opts))
            f = draw(st.sampled_from([0.2, 0.5, 0.8]))
            texts.append(f"{m}[{a}] >= {f} * {m}")
            coef = {x: -f * produced[names.index(x)].get(m, 0.0) for x in names}
            coef[a] += produced[names.index(a)][m]
            forms.append((coef, ">=", 0.0))
        elif kind == 4 and draw(st.booleans()):  # an equality on units
            k = _val(draw, 1, 1_000)
            texts.append(f"units[{a}] == {k}")
            forms.append(({a: 1.0}, "==", k))
        elif kind >= 4:  # a bound on a channel's spend, written as a constraint
            k = _val(draw, 100, 100_000)
            texts.append(f"spend[{a}] <= {k}")
            forms.append(({a: prices[a]}, "<=", k))
    if texts:
        d["constraints"] = [
            {"name": f"rule{j}", "expr": t} if draw(st.booleans()) else t for j, t in enumerate(texts)
        ]
        d["_reference_constraints"] = forms
    return d


def scenario_dict(d: dict) -> dict:
    """The scenario as the package sees it (without the reference's notes)."""
    out = copy.deepcopy(d)
    out.pop("_reference_constraints", None)
    return out


# ---------------------------------------------------------------------------
# The property.
# ---------------------------------------------------------------------------


def _check_plan(ref: Reference, plan, expected_status: str, expected_value, raw: dict, solver: str):
    where = f"[{solver}] scenario={raw!r}"
    assert plan.status == expected_status, f"status {plan.status!r} != reference {expected_status!r} {where}"
    if expected_status != "optimal":
        return
    assert plan.objective_value is not None, where
    assert math.isclose(plan.objective_value, expected_value, rel_tol=1e-6, abs_tol=1e-6), (
        f"objective {plan.objective_value!r} != reference {expected_value!r} {where}"
    )
    out = plan.to_dict()
    assert out["status"] == "optimal"
    chans = {c["name"]: c for c in out["channels"]}
    assert set(chans) == set(ref.names), where
    x = np.array([float(chans[n]["units"]) for n in ref.names])
    spend = np.array([float(chans[n]["spend"]) for n in ref.names])
    # spend = price * units, channel by channel, and the total adds up.
    assert np.allclose(spend, ref.price * x, rtol=1e-9, atol=1e-7), (spend, ref.price * x, where)
    total = float(spend.sum())
    assert math.isclose(plan.total_spend, total, rel_tol=1e-9, abs_tol=1e-7), (plan.total_spend, total, where)
    assert math.isclose(out["total_spend"], total, rel_tol=1e-9, abs_tol=1e-7), where
    # The plan satisfies every limit of the reference model ...
    viol = ref.max_violation(x)
    assert viol <= 1e-5, f"plan violates the reference model by {viol:.3g} {where}"
    # ... and is worth, by the reference's reckoning, what the package says.
    assert math.isclose(ref.objective_at(x), plan.objective_value, rel_tol=1e-6, abs_tol=1e-6), (
        ref.objective_at(x), plan.objective_value, where)
    # Funnel stages per channel, where the package reports them.
    for i, n in enumerate(ref.names):
        metrics = chans[n].get("metrics") or {}
        for m in STAGES[1:]:
            if m in metrics and metrics[m] is not None:
                want = ref.yields[i].get(m, 0.0) * x[i]
                assert math.isclose(float(metrics[m]), want, rel_tol=1e-7, abs_tol=1e-6), (
                    n, m, metrics[m], want, where)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=scenarios(), also_cbc=st.sampled_from([False, False, False, True]))
def test_random_scenarios_agree_with_linprog(raw, also_cbc):
    from optimizer import Scenario, optimize

    ref = Reference(raw)
    status, value = ref.solve()
    scenario = Scenario.model_validate(scenario_dict(raw))
    for solver in ("highs", "cbc") if also_cbc else ("highs",):
        try:
            plan = optimize(scenario, solver=solver)
        except Exception as exc:  # report the scenario, not only the package's traceback
            raise AssertionError(
                f"[{solver}] optimize raised {type(exc).__name__}: {exc}; reference status {status!r}, "
                f"value {value!r}; scenario={raw!r}") from exc
        _check_plan(ref, plan, status, value, raw, solver)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(raw=scenarios())
def test_reference_model_is_sound(raw):
    """The reference stands on its own: its optimum is feasible for itself,
    statuses cover all three outcomes, spend is price * units."""
    ref = Reference(raw)
    status, value = ref.solve()
    assert status in ("optimal", "infeasible", "unbounded")
    if status == "optimal":
        assert value is not None and math.isfinite(value)
        assert ref.max_violation(ref.x) <= 1e-6
        assert math.isclose(ref.objective_at(ref.x), value, rel_tol=1e-9, abs_tol=1e-9)
        if raw.get("objective", "min_spend") == "min_spend":
            assert value >= -1e-9


def test_reference_funnel_by_hand():
    """The reference's funnel arithmetic on a case worked by hand."""
    d = {
        "deal_value": 10_000,
        "funnel": {"response_rate": "5%", "qualification_rate": 0.4, "win_rate": 0.25},
        "channels": [
            {"name": "mail", "cost_per_contact": 2.0},
            # qualification_rate at its own entry stage does not apply.
            {"name": "sdr", "cost_per_qualified_lead": 100, "qualification_rate": 0.9, "win_rate": 0.5},
            {"name": "event", "unit_cost": 5000, "yields": {"impressions": 1000, "leads": 80, "qualified_leads": 50}},
            {"name": "billboard", "unit_cost": 900, "yields": {"impressions": 30000}},
        ],
        "targets": {"revenue": 1_000_000},
    }
    mail, sdr, event, board = (per_unit(c, d) for c in d["channels"])
    assert mail == pytest.approx({"reach": 1, "leads": 0.05, "qualified_leads": 0.02, "opportunities": 0.02,
                                  "deals": 0.005, "revenue": 50}, rel=1e-12)
    assert sdr == pytest.approx({"qualified_leads": 1, "opportunities": 1, "deals": 0.5, "revenue": 5000}, rel=1e-12)
    assert event == pytest.approx({"impressions": 1000, "leads": 80, "qualified_leads": 50, "opportunities": 50,
                                   "deals": 12.5, "revenue": 125_000}, rel=1e-12)
    assert board == pytest.approx({"impressions": 30000}, rel=1e-12)
    # 100 deals: cost per deal mail 400, sdr 200, event 400 -> all from sdr: 200 qualified leads.
    status, value = Reference(d).solve()
    assert status == "optimal" and math.isclose(value, 20_000, rel_tol=1e-9)
