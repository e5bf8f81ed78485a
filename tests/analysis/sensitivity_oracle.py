"""Test oracle: the sensitivity algorithm as it was before issue 9 (re-solves of validated scenario
variants: scan, then bisect), kept verbatim except for imports and the mix, which it computes from
units by column index itself (``Outcome.mix`` names channels now). Slow, quadratic in channels,
and independent of the basis arithmetic of :mod:`optimizer.analysis.sensitivity`: the new
implementation is compared with it, figure by figure (tests/analysis/test_sensitivity_oracle.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.analysis.plan import Plan, finite
from optimizer.analysis.provenance import provenance
from optimizer.analysis.variation import MIX_TOLERANCE, Explorer, Outcome, effective_rates
from optimizer.errors import Issue, NoPlanError, ScenarioError, SolverError
from optimizer.model.verify import verify
from optimizer.scenario.funnel import PRICE_UNIT
from optimizer.scenario.schema import Scenario

RELATIVE = 1e-6  # ranges are found to this relative precision
STEPS = (1e-4, 1e-6, 1e-8)  # limit moves (relative to max(1, |limit|)) for the re-solve slopes
FRACTIONS = (0.001, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1.0)  # scan points, as fractions of the way to the end
NO_END = 1e6  # a price may rise this many times over before the scan calls the range unbounded
NON_NEGATIVE_KINDS = ("budget", "target", "cap", "channel_bound", "channel_cap")


def _close(a: float, b: float, rel: float = RELATIVE) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-9


@dataclass(frozen=True)
class LimitSensitivity:
    """A limit at the optimum: binds or not, its shadow prices and where ``shadow_price`` holds."""

    name: str
    kind: str
    sense: str
    value: float
    limit: float
    binding: bool
    shadow_price: float | None  # change of the objective per one unit more of the limit (None: no plan there)
    shadow_price_down: float | None  # change of the objective per one unit less
    valid_from: float | None
    valid_to: float | None

    @property
    def degenerate(self) -> bool:
        """True when one unit more and one unit less are priced differently."""
        up, down = self.shadow_price, self.shadow_price_down
        return up is not None and down is not None and not _close(up, -down)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "value": self.value, "limit": self.limit,
                "binding": self.binding, "shadow_price": finite(self.shadow_price),
                "shadow_price_down": finite(self.shadow_price_down), "valid_from": finite(self.valid_from),
                "valid_to": finite(self.valid_to)}


@dataclass(frozen=True)
class ChannelSensitivity:
    """A channel's price: in the plan or not, the drop that brings it in, the range that keeps the mix."""

    name: str
    in_plan: bool
    price_field: str
    unit: str
    price: float
    reduced_cost: float | None  # the price drop needed to enter; 0 in the plan; None: no price brings it in
    price_from: float | None
    price_to: float | None

    def to_dict(self) -> dict:
        return {"name": self.name, "in_plan": self.in_plan, "price_field": self.price_field, "price": self.price,
                "reduced_cost": finite(self.reduced_cost), "price_from": finite(self.price_from),
                "price_to": finite(self.price_to)}


@dataclass(frozen=True)
class RateRange:
    """A conversion rate: how far it may fall (``low``) and rise (``high``) before the mix changes.

    ``low_reason``/``high_reason``: ``mix`` (the mix changes there), ``infeasible`` (no plan beyond),
    ``invalid`` (the scenario does not allow beyond) or ``domain`` (the mix holds up to 1, or down to 0).
    """

    name: str
    value: float
    low: float
    high: float
    objective_at_low: float | None
    objective_at_high: float | None
    low_reason: str
    high_reason: str

    def to_dict(self) -> dict:
        return {"name": self.name, "value": self.value, "from": self.low, "to": self.high,
                "objective_at_from": finite(self.objective_at_low), "objective_at_to": finite(self.objective_at_high)}


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity of one optimal plan (see the module docstring); ``to_dict()`` is the JSON."""

    scenario: Scenario = field(repr=False)
    status: str
    objective: str
    objective_value: float | None
    limits: tuple[LimitSensitivity, ...] = ()
    channels: tuple[ChannelSensitivity, ...] = ()
    rates: tuple[RateRange, ...] = ()
    alternative: dict[str, float] | None = None  # spend per channel of another plan exactly as good
    alternative_units: dict[str, float] | None = None  # and its units (what tells free channels apart)
    solves: int = 0  # re-solves it took
    diagnosis: dict | None = None  # why there is no plan, when there is none

    def limit(self, name: str) -> LimitSensitivity:
        return next(x for x in self.limits if x.name == name)

    def channel(self, name: str) -> ChannelSensitivity:
        return next(x for x in self.channels if x.name == name)

    def rate(self, name: str) -> RateRange:
        return next(x for x in self.rates if x.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "status": self.status, "objective": self.objective,
                "objective_value": finite(self.objective_value),
                "limits": [x.to_dict() for x in self.limits], "channels": [x.to_dict() for x in self.channels],
                "rates": [x.to_dict() for x in self.rates],
                "alternative": None if self.alternative is None else {
                    "spend": dict(self.alternative), "units": dict(self.alternative_units or {})},
                **({"diagnosis": self.diagnosis} if self.status not in ("optimal", "time_limit") else {}),
                "provenance": provenance(self.scenario, "highs").to_dict()}  # re-solves run on HiGHS


def sensitivity(plan: Plan, progress: Callable[[int, int], None] | None = None) -> Sensitivity:
    """Shadow prices, price and rate ranges and alternative optima of an optimal LP plan.

    A plan with integer channels raises ScenarioError (duals do not apply: use a sweep); a
    scenario without a plan gives a Sensitivity with its status and nothing else. The work grows
    with channels times the scenario's size (every variant is a validated scenario):
    ``progress(done, total)`` is called after each limit, channel and rate.
    """
    scenario = plan.scenario
    if plan.program.integer:
        whole = next(c.name for c in scenario.channels if c.integer)
        raise ScenarioError(Issue(f"channels[{whole}].integer",
                                  "the plan buys whole units, and shadow prices and ranges do not apply to an "
                                  "integer plan; allowed: integer: false (e.g. --set "
                                  f"channels[{whole}].integer=false), or campaign-optimizer sweep to see how "
                                  "the plan moves with a number"))
    if not plan.has_plan:
        return Sensitivity(scenario, plan.status, plan.objective, None,
                           diagnosis=plan.diagnosis.to_dict() if plan.diagnosis else None)
    return _Analysis(scenario, plan, progress).run()


class _Analysis:
    def __init__(self, scenario: Scenario, plan: Plan, progress: Callable[[int, int], None] | None = None):
        self.scenario = scenario
        self.progress = progress
        self.explorer = Explorer(scenario, scale=None)  # the unscaled model, as the old algorithm had
        self.base = self.explorer.solve_bounds({}, duals=True)
        if not self.base.has_plan or self.base.status != "optimal":
            raise NoPlanError(f"{scenario.name}: no optimal plan to analyse ({self.base.status})")
        self.f0 = float(self.base.objective_value)
        if not _close(self.f0, float(plan.objective_value), 1e-7):
            raise SolverError(f"two solves of {scenario.name} disagree: {self.f0} and {plan.objective_value}")
        self.program = self.explorer.program
        self.ranging = self.explorer.model.ranging()
        self.duals = self.base.duals
        self.reduced = self.base.reduced_costs
        self.binding = [state.binding for state in plan.constraints]  # as ``optimize`` reports them

    def run(self) -> Sensitivity:
        alternative = self._alternative()  # first: it needs the base basis on the kept model
        candidates = effective_rates(self.scenario)
        total = len(self.program.limits) + len(self.program.columns) + len(candidates)
        done = iter(range(1, total + 1))

        def tick(item):
            if self.progress is not None:
                self.progress(next(done), total)
            return item

        limits = tuple(tick(self._limit(k)) for k in range(len(self.program.limits)))
        channels = tuple(tick(self._channel(j)) for j in range(len(self.program.columns)))
        rates = tuple(tick(self._rate(path, value)) if self._matters(path, value) else tick(None)
                      for path, value in candidates.items())
        rates = tuple(r for r in rates if r is not None)
        spend, units = alternative if alternative is not None else (None, None)
        return Sensitivity(self.scenario, "optimal", self.scenario.objective, self.f0, limits, channels, rates,
                           spend, units, self.explorer.solves)

    # -- limits ----------------------------------------------------------------------------------
    def _at_bound(self, k: int, t: float) -> float | None:
        outcome = self.explorer.solve_bounds({k: t})
        return outcome.objective_value if outcome.status == "optimal" else None

    def _scale(self, k: int) -> float:
        """The size of limit ``k`` in its own units (a custom constraint's bound is 0, its terms are not)."""
        limit = self.program.limits[k]
        return max(1.0, abs(limit.bound), abs(limit.bound - limit.constant))

    def _slope(self, k: int, b: float, d: int, low: float) -> tuple[float | None, float]:
        """The objective's change per unit of limit ``k`` moved from ``b`` in direction ``d`` (re-solves),
        and how precise that is (the objective's rounding over the step)."""
        scale = self._scale(k)
        previous = None
        noise = 1e-10 * max(1.0, abs(self.f0))
        for step in STEPS:
            t = b + d * step * scale
            if t < low:
                return None, 0.0
            f = self._at_bound(k, t)
            if f is None:
                return None, 0.0
            slope = (f - self.f0) / (t - b)
            if previous is not None and abs(slope - previous[0]) <= RELATIVE * abs(previous[0]) + previous[1]:
                return previous
            previous = (slope, noise / (step * scale))
        return previous

    def _on_line(self, k: int, b: float, slope: float, t: float) -> bool:
        f = self._at_bound(k, t)
        return f is not None and abs(f - (self.f0 + slope * (t - b))) <= 1e-8 * max(1.0, abs(self.f0),
                                                                                      abs(slope * (t - b)))

    def _piece_end(self, k: int, b: float, slope: float, d: int, low: float, candidate: float) -> float | None:
        """How far from ``b`` (direction ``d``) the objective stays on the line of ``slope``; None: no end."""
        scale = self._scale(k)
        tol = RELATIVE * scale
        if math.isfinite(candidate) and d * (candidate - b) > tol and candidate >= low:
            outside = candidate + d * tol
            if self._on_line(k, b, slope, candidate) and (outside < low or not self._on_line(k, b, slope, outside)):
                return candidate
        inside, step = b, 1e-3 * scale
        while True:
            t = b + d * step
            if t <= low:
                if self._on_line(k, b, slope, low):
                    return low
                t = low
                break
            if not self._on_line(k, b, slope, t):
                break
            inside = t
            if step > 1e12 * scale:
                return None
            step *= 8
        outside = t
        while abs(outside - inside) > tol:
            mid = (inside + outside) / 2
            if self._on_line(k, b, slope, mid):
                inside = mid
            else:
                outside = mid
        return inside

    def _limit(self, k: int) -> LimitSensitivity:
        limit = self.program.limits[k]
        value = float(self.program.values(self.base.units)[k])
        binding = self.binding[k]
        low = 0.0 if limit.kind in NON_NEGATIVE_KINDS else -math.inf
        b = limit.bound
        if not len(limit.index):
            return LimitSensitivity(limit.name, limit.kind, limit.sense, value, b, binding, 0.0, 0.0, None, None)
        if not binding:  # a limit with slack: moving it up to its value changes nothing
            if limit.sense == "<=":
                valid = (value, None)
            else:
                valid = (low if math.isfinite(low) else None, value)
            return LimitSensitivity(limit.name, limit.kind, limit.sense, value, b, False, 0.0, 0.0, *valid)
        dual = float(self.duals[k]) if self.duals is not None else math.nan
        up, down = self._slope(k, b, +1, low), self._slope(k, b, -1, low)
        # HiGHS's dual answers the question where the re-solve confirms it: take its exact value
        up, down = (None if x[0] is None else dual if math.isfinite(dual) and abs(x[0] - dual) <= 1e-6 * abs(dual)
                    + 2 * x[1] else x[0] for x in (up, down))
        valid_from = valid_to = None
        if up is not None:
            candidate_to = self.ranging.limit_to[k] if self.ranging else math.nan
            candidate_from = self.ranging.limit_from[k] if self.ranging else math.nan
            valid_to = self._piece_end(k, b, up, +1, low, candidate_to)
            valid_from = b if down is None or not _close(up, down) else \
                self._piece_end(k, b, up, -1, low, candidate_from)
        else:
            valid_from = valid_to = None
        self.explorer.solve_bounds({})
        return LimitSensitivity(limit.name, limit.kind, limit.sense, value, b, True, _float(up),
                                None if down is None else -down + 0.0, _float(valid_from), _float(valid_to))

    # -- channels and rates: re-solves with the scenario's own numbers changed ----------------
    def _same(self, outcome: Outcome) -> bool:
        return outcome.status == "optimal" and _mix(outcome) == _mix(self.base)

    def _side(self, path: str, v: float, d: int, end: float, open_end: bool) -> tuple[float | None, float | None, str]:
        """Move ``path`` from ``v`` towards ``end`` (direction ``d``) until the mix changes.

        Returns (the last value with the same mix, the objective there or None, why it ends).
        """
        explorer = self.explorer
        if math.isfinite(end):
            points = [v + (end - v) * f for f in FRACTIONS]
            if open_end:
                points[-1] = v + (end - v) * (1 - RELATIVE)
        else:
            points = [v + d * max(abs(v), 1.0) * g for g in (1e-3, 1e-2, 0.1, 0.5, 1, 4, 16, 100, 1e3, NO_END)]
        inside, inside_objective = v, self.f0
        for t in points:
            if t == inside:
                continue
            outcome = explorer.solve({path: t})
            if self._same(outcome):
                inside, inside_objective = t, outcome.objective_value
                continue
            outside, outside_outcome = t, outcome
            while abs(outside - inside) > RELATIVE * max(abs(inside), abs(outside)) and \
                    abs(outside - inside) > 1e-12 * max(1.0, abs(v)):
                mid = (inside + outside) / 2
                outcome = explorer.solve({path: mid})
                if self._same(outcome):
                    inside, inside_objective = mid, outcome.objective_value
                else:
                    outside, outside_outcome = mid, outcome
            reason = {"infeasible": "infeasible", "invalid": "invalid"}.get(outside_outcome.status, "mix")
            return inside, (None if reason == "infeasible" else inside_objective), reason
        if not math.isfinite(end):
            return None, None, "domain"
        return end, inside_objective, "domain"

    def _channel(self, j: int) -> ChannelSensitivity:
        column = self.program.columns[j]
        c = next(ch for ch in self.scenario.channels if ch.name == column.channel)
        path = f"channels[{c.name}].{c.price_field}"
        p = float(c.price)
        in_plan = j in _mix(self.base)[0]
        make = lambda *a: ChannelSensitivity(c.name, in_plan, c.price_field, PRICE_UNIT[c.price_field], p, *a)  # noqa: E731
        if not in_plan:
            exact = self._entry(j, path, p, 0.0, math.inf)
            if exact is not None:
                low, high = exact
                return make(None if low <= 0 else float(p - low), float(low), None if high == math.inf else float(high))
        low, _, _ = self._side(path, p, -1, 0.0, False)
        high, _, _ = self._side(path, p, +1, math.inf, False)
        if in_plan:
            return make(0.0, low, high)
        return make(None if low is None or low <= 0 else p - low, low, high)

    def _entry(self, j: int, path: str, v: float, low: float, high: float) -> tuple[float, float] | None:
        """For a channel out of the plan and a number of its own (its price, one of its rates): the range
        (low, high) over which it stays out, exact from the duals and confirmed by re-solves; None when
        that does not apply (the number moves other channels too) or a re-solve disagrees.

        The channel's column is nonbasic at zero, so the plan and the duals stay put while only its
        reduced cost moves, linearly: its coefficients are linear in its price and in each of its rates.
        """
        if self.reduced is None or self.duals is None:
            return None
        dv = max(1.0, v) if math.isinf(high) else ((high - v) / 2 if v < high else -v / 2)
        other = self.explorer.program_at({path: v + dv})
        costs_now, costs_then = self.program.objective_coefs, other.objective_coefs
        if np.any(np.delete(costs_now != costs_then, j)):
            return None
        row_rates = np.zeros(len(self.program.limits))
        for k, (a, b) in enumerate(zip(self.program.limits, other.limits)):
            if np.array_equal(a.coefs, b.coefs) and np.array_equal(a.index, b.index):
                continue
            rest_a, rest_b = a.index != j, b.index != j
            same_rest = np.array_equal(a.index[rest_a], b.index[rest_b]) and \
                np.array_equal(a.coefs[rest_a], b.coefs[rest_b])
            if not same_rest:
                return None
            row_rates[k] = (_coef(b, j) - _coef(a, j)) / dv
        slope = (costs_then[j] - costs_now[j]) / dv - float(self.duals @ row_rates)
        rc = float(self.reduced[j])
        root = v - rc / slope if abs(slope) > 1e-12 else math.nan
        lo, hi = low, high
        if math.isfinite(root) and low < root < v:
            lo = root
        elif math.isfinite(root) and v < root < high:
            hi = root
        for end, d in ((lo, -1), (hi, +1)):
            if end in (low, high):
                probe = end if math.isfinite(end) else v * NO_END + 1.0
                probe = v * RELATIVE if probe == 0.0 and low == 0.0 and path.endswith("_rate") else probe
                if not self._same(self.explorer.solve({path: probe})):
                    return None
            elif not self._confirm(path, end, d):
                return None
        return lo, hi

    def _confirm(self, path: str, end: float, d: int) -> bool:
        """A re-solve just inside ``end`` keeps the mix; one just outside (direction ``d``) changes it."""
        eps = RELATIVE * max(abs(end), 1e-3)
        inside = self.explorer.solve({path: end - d * eps / 2})
        return self._same(inside) and not self._same(self.explorer.solve({path: end + d * eps}))

    def _matters(self, path: str, value: float) -> bool:
        """Whether a rate shapes the model at all (some coefficient or the objective moves with it)."""
        other = self.explorer.program_at({path: value * 0.5})
        return not np.array_equal(other.objective_coefs, self.program.objective_coefs) or any(
            not np.array_equal(a.coefs, b.coefs) for a, b in zip(self.program.limits, other.limits))

    def _rate(self, path: str, value: float) -> RateRange:
        if path.startswith("channels["):
            name = path[len("channels["):path.index("]")]
            j = next(i for i, c in enumerate(self.program.columns) if c.channel == name)
            if j not in _mix(self.base)[0]:
                exact = self._entry(j, path, value, 0.0, 1.0)
                if exact is not None:
                    low, high = float(exact[0]), float(exact[1])
                    return RateRange(path, value, low, high, self.f0, self.f0, "domain" if low == 0 else "mix",
                                     "domain" if high == 1.0 else "mix")
        low, at_low, why_low = self._side(path, value, -1, 0.0, True)
        high, at_high, why_high = self._side(path, value, +1, 1.0, False)
        if why_low == "domain":
            low = 0.0
        return RateRange(path, value, low, high, at_low, at_high, why_low, why_high)

    # -- alternative optima ----------------------------------------------------------------------
    def _alternative(self) -> tuple[dict[str, float], dict[str, float]] | None:
        """Spend and units per channel of another plan exactly as good, if there is one."""
        program, base = self.program, self.base
        model = self.explorer.model
        tolerance = 1e-9 * max(1.0, abs(self.f0))
        extremes = model.extremes(self.f0, tolerance)
        self.explorer.solve_bounds({})  # back to the base plan's basis
        prices = program.prices
        total = float(prices @ base.units)
        best, best_gap = None, 0.0
        for j, pair in enumerate(extremes):
            for units in pair:
                if units is None:
                    continue
                units = np.where(np.abs(units) < 1e-12, 0.0, units)
                scale = prices[j] if prices[j] > 0 else 1.0
                gap = abs(units[j] - base.units[j]) * scale
                if gap <= 1e-6 * max(1.0, total if prices[j] > 0 else float(base.units.max())):
                    continue
                if not verify(program, units).passed or not _close(program.objective_value(units), self.f0, 1e-7):
                    continue
                if gap > best_gap:
                    best, best_gap = units, gap
        if best is None:
            return None
        best = np.where(np.abs(best) < 1e-9 * max(1.0, float(np.abs(best).max())), 0.0, best)
        return ({c.channel: float(prices[i] * best[i]) + 0.0 for i, c in enumerate(program.columns)},
                {c.channel: float(best[i]) + 0.0 for i, c in enumerate(program.columns)})


def _float(x: float | None) -> float | None:
    return None if x is None else float(x)


def _coef(limit, j: int) -> float:
    where = np.flatnonzero(limit.index == j)
    return float(limit.coefs[where[0]]) if len(where) else 0.0


def _mix(outcome: Outcome) -> tuple[frozenset, frozenset] | None:
    """The plan's mix by column index: columns with units above zero, and the limits that bind."""
    if not outcome.has_plan:
        return None
    units, program = outcome.units, outcome.program
    in_plan = frozenset(np.flatnonzero(units > MIX_TOLERANCE * max(1.0, float(units.max()))).tolist())
    return in_plan, frozenset(np.flatnonzero(program.binding(units, MIX_TOLERANCE)).tolist())
