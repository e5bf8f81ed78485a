"""One answer to a scenario: the :class:`Plan`, and :func:`optimize`, which builds, solves,
verifies and (when there is no plan) diagnoses.

>>> from optimizer import Scenario, optimize
>>> s = Scenario(channels=[{"name": "email", "cost_per_lead": 20}], targets={"leads": 100})
>>> plan = optimize(s)
>>> plan.status, plan.objective_value
('optimal', 2000.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import Issue, ScenarioError, SolverError
from ..model.build import build_program
from ..model.program import Limit, Program, TierGroup
from ..model.solve import Solution, SolverInfo, solve
from ..model.verify import Check, verify, verify_tiers
from ..scenario.schema import Scenario
from .provenance import Provenance, provenance

if TYPE_CHECKING:  # pragma: no cover (imported where there is no plan to diagnose)
    from .diagnosis import Diagnosis

BINDING_TOLERANCE = 1e-6


def finite(value: float | None) -> float | None:
    """JSON has no inf or NaN: such values are null."""
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class TierPlan:
    """One tier of a tiered price in a plan: its end (None: open), cost, and the units and spend in it."""

    up_to: float | None
    cost: float
    units: float
    spend: float
    jump: float | None = None  # a response curve's jump in spend paid to open this segment (None: no jump)

    def to_dict(self) -> dict:
        out = {"up_to": self.up_to, "cost": self.cost, "units": self.units, "spend": self.spend}
        if self.jump is not None:
            out["jump"] = self.jump
        return out


@dataclass(frozen=True)
class ChannelPlan:
    """A channel's part of a plan: units, spend, share of total spend and what it buys (and, for a
    tiered price, the units and spend in each tier)."""

    name: str
    units: float
    spend: float
    share: float | None
    metrics: dict[str, float | None]
    tiers: tuple[TierPlan, ...] | None = None
    # a channel with a set-up cost or a minimum buy: the set-up cost paid (counted in ``spend``) and
    # whether the channel is used (None: a channel without either)
    fixed_cost: float | None = None
    used: bool | None = None

    @property
    def cost_per_deal(self) -> float | None:
        deals = self.metrics.get("deals")
        return self.spend / deals if deals else None

    @property
    def return_on_spend(self) -> float | None:
        revenue = self.metrics.get("revenue")
        return revenue / self.spend if revenue is not None and self.spend > 0 else None

    def to_dict(self) -> dict:
        out = {"name": self.name, "units": self.units, "spend": self.spend, "share": finite(self.share),
               "metrics": {k: finite(v) for k, v in self.metrics.items()},
               "cost_per_deal": finite(self.cost_per_deal), "return_on_spend": finite(self.return_on_spend)}
        if self.tiers is not None:
            out["tiers"] = [t.to_dict() for t in self.tiers]
        if self.used is not None:
            out["fixed_cost"], out["used"] = self.fixed_cost, self.used
        return out


def with_set_ups(program: Program, units: np.ndarray, channels: tuple[ChannelPlan, ...], period: str | None
                 ) -> tuple[ChannelPlan, ...]:
    """``channels`` with the set-up cost each paid and whether it is used, for the channels with a
    set-up cost or a minimum buy: over the horizon (``period`` None: every set-up), or in one period
    (the set-ups paid in it; a horizon's set-up is paid in none)."""
    if not program.set_ups:
        return channels
    paid: dict[str, float] = {}
    for s in program.set_ups:
        if period is None or s.period == period:
            paid[s.channel] = paid.get(s.channel, 0.0) + s.cost * float(round(units[s.column]))
        else:
            paid.setdefault(s.channel, 0.0)
    return tuple(replace(c, fixed_cost=paid[c.name] + 0.0, used=program.used(units, c.name, period))
                 if c.name in paid else c for c in channels)


def with_tiers(program: Program, units: np.ndarray, channels: tuple[ChannelPlan, ...], period: str | None
               ) -> tuple[ChannelPlan, ...]:
    """``channels`` with the units and spend in each tier of a tiered price (in ``period``)."""
    found = {g.channel: g for g in program.tier_groups if g.period == period}
    if not found:
        return channels
    out = []
    for c in channels:
        group = found.get(c.name)
        if group is not None:
            held = [float(units[j]) + 0.0 for j in group.columns]
            if group.jumps:  # a curve with jumps in spend: each segment's spend pays its jump where opened
                paid = [None if j is None else group.jumps[k] * float(round(units[j])) + 0.0
                        for k, j in enumerate(group.jump_columns)]
                c = replace(c, tiers=tuple(TierPlan(up_to, cost, u, u * cost + (jump or 0.0) + 0.0, jump)
                                           for up_to, cost, u, jump in zip(group.up_to, group.costs, held, paid)))
            else:
                c = replace(c, tiers=tuple(TierPlan(up_to, cost, u, u * cost + 0.0)
                                           for up_to, cost, u in zip(group.up_to, group.costs, held)))
        out.append(c)
    return tuple(out)


@dataclass(frozen=True)
class RolePlan:
    """A sales role in a plan: reps hired, its capacity and what the plan uses of it, by period
    (the single key ``total`` without periods), and the hiring cost over the horizon."""

    name: str
    metric: str
    hires: dict[str, float]
    capacity: dict[str, float]
    used: dict[str, float]
    hiring_cost: float

    def to_dict(self) -> dict:
        return {"name": self.name, "metric": self.metric, "hires": self.hires, "capacity": self.capacity,
                "used": self.used, "hiring_cost": self.hiring_cost}


def role_plans(program: Program, units: np.ndarray) -> tuple[RolePlan, ...]:
    """Every sales role at ``units``: hires, capacity (recomputed from the hires over their ramp)
    and use of it (its metric in each period), and its hiring cost."""
    out = []
    keys = list(program.periods) or ["total"]
    for name, metric, _, _ in program.roles:
        own = program.hires_of(name)
        capacity = program.capacity_of(name, units)
        used = [float(program.amounts_in(metric, p if program.periods else None) @ units) + 0.0
                for p in (program.periods or (None,))]
        cost = float(sum(h.total_cost * float(units[h.column]) for h in own)) + 0.0
        out.append(RolePlan(name, metric, {k: float(units[h.column]) + 0.0 for k, h in zip(keys, own)},
                            dict(zip(keys, capacity)), dict(zip(keys, used)), cost))
    return tuple(out)


@dataclass(frozen=True)
class LimitState:
    """A limit at the plan: its value, how far from the limit, whether it binds."""

    name: str
    kind: str
    sense: str
    value: float
    limit: float
    slack: float
    binding: bool
    period: str | None = None  # the period the limit holds in (None: over the horizon)

    def to_dict(self, periods: bool = False) -> dict:
        """The limit's JSON; ``periods`` (a scenario with periods): with its ``period`` (null: the horizon)."""
        out = {"name": self.name, "kind": self.kind, "value": self.value, "limit": self.limit,
               "slack": self.slack, "binding": self.binding}
        if periods:
            out["period"] = self.period
        return out


def limit_state(limit: Limit, value: float) -> LimitState:
    """A limit at the plan, given its left side ``value`` (an availability never binds: it is at 0 in
    every plan, see :attr:`~optimizer.model.program.Limit.is_availability`)."""
    slack = -limit.excess(value)
    binding = abs(slack) <= BINDING_TOLERANCE * max(1.0, abs(limit.bound)) and not limit.is_availability
    return LimitState(limit.name, limit.kind, limit.sense, value, limit.bound, 0.0 if binding else slack, binding,
                      limit.period)


def limit_states(program: Program, units: np.ndarray) -> tuple[LimitState, ...]:
    """Every limit at ``units``: :func:`limit_state` for all limits at once (the same numbers)."""
    values = program.values(units)
    slack = -program.excesses(values)
    bounds = program.bounds
    binding = np.abs(slack) <= BINDING_TOLERANCE * np.maximum(1.0, np.abs(bounds))
    slack = np.where(binding, 0.0, slack)
    binding &= ~program.availability
    values, bounds, slack = values.tolist(), bounds.tolist(), slack.tolist()
    for k, given in as_given(program, units).items():  # e.g. a tiered channel's spend limit: in money
        values[k], bounds[k] = given(values[k]), given(bounds[k])
        slack[k] = 0.0 if binding[k] else (bounds[k] - values[k]) * (1 if program.limits[k].sense == "<=" else -1)
    return tuple(LimitState(limit.name, limit.kind, limit.sense, v, b, s, bind, limit.period)
                 for limit, v, b, s, bind in zip(program.limits, values, bounds, slack, binding.tolist()))


def as_given(program: Program, units: np.ndarray) -> dict[int, Callable[[float], float]]:
    """The limits the model holds in other terms than the scenario gives them, by limit index, each
    with what turns an amount of the model's row (its value, its bound, an end of its range) into
    the scenario's terms at ``units``. The one place this is said; every limit's value and limit
    shown (plan, JSON ``limits``, check, sensitivity, report) goes through it:

    - a tiered channel's ``min_spend``/``max_spend`` is a bound on its units (see :func:`spend_bounds`):
      told in money along its schedule;
    - a sales role's capacity, ``sales_team[sdr].capacity.Q1``, is the metric used less what the
      reps hired so far follow up, against what the reps on staff follow up: told as the metric
      used against the capacity that period (staff and the hires at ``units``, over their ramp),
      both moved by the hires' capacity. Its shadow prices stay per unit of the metric.
    """
    out: dict[int, Callable[[float], float]] = {k: g.spend_of for k, g in spend_bounds(program).items()}
    if program.hires:
        hired = {h.column for h in program.hires}
        for k, limit in enumerate(program.limits):
            if limit.kind == "sales_capacity":
                # the row holds -capacity per rep x ramp share for each hire: what they follow up
                shift = -float(sum(a * float(units[j]) for j, a in zip(limit.index.tolist(), limit.coefs.tolist())
                                   if j in hired)) + 0.0
                out[k] = partial(float.__add__, shift)
    return out


def spend_bounds(program: Program) -> dict[int, TierGroup]:
    """The limits that are a tiered channel's ``min_spend`` or ``max_spend`` (the model bounds its
    units through the schedule, filled in order), by limit index, with their schedule: what reads
    such a limit in money converts its units with ``TierGroup.spend_of``."""
    if not program.tier_groups:
        return {}
    groups = {g.columns: g for g in program.tier_groups}
    out = {}
    for k, limit in enumerate(program.limits):
        if limit.kind != "channel_bound":
            continue
        group = groups.get(tuple(limit.index.tolist()))
        if group is not None and limit.name.startswith(f"channels[{group.channel}].") and \
                limit.name[len(group.channel) + 11:].split(".", 1)[0] in ("min_spend", "max_spend"):
            out[k] = group
    return out


@dataclass(frozen=True)
class PeriodPlan:
    """One period of a plan: its spend, the pipeline closing in it, and its funnel (what falls in
    it; deals and revenue: what closes in it), in total and per channel."""

    name: str
    total_spend: float
    pipeline: dict[str, float]
    totals: dict[str, float | None]
    channels: tuple[ChannelPlan, ...]
    hiring_cost: float | None = None  # a scenario with sales roles: the hiring cost paid in the period

    def to_dict(self) -> dict:
        hiring = {} if self.hiring_cost is None else {"hiring_cost": self.hiring_cost}
        return {"name": self.name, "total_spend": self.total_spend, **hiring, "pipeline": self.pipeline,
                "totals": {k: finite(v) for k, v in self.totals.items()},
                "channels": [{"name": c.name, "units": c.units, "spend": c.spend,
                              "metrics": {k: finite(v) for k, v in c.metrics.items()},
                              **({"tiers": [t.to_dict() for t in c.tiers]} if c.tiers is not None else {}),
                              **({"fixed_cost": c.fixed_cost, "used": c.used} if c.used is not None else {})}
                             for c in self.channels]}


def period_plans(scenario: Scenario, program: Program, units: np.ndarray
                 ) -> tuple[tuple[PeriodPlan, ...], dict[str, Any]]:
    """The plan per period, and what it leaves after the horizon: ``{deals, revenue, channels}``."""
    if not program.periods:
        return (), {}
    prices = program.prices
    out = []
    # every metric per period and channel at once: one pass over the columns, not one per period
    per_period = {m: program.per_period_channel(m, units) for m in scenario.metrics}
    for k, period in enumerate(program.periods):
        bought = program.in_period(period)
        spend = program.channel_spend(np.where(bought, units, 0.0))
        amount = program.channel_units(np.where(bought, units, 0.0))
        metrics = {m: v[k] for m, v in per_period.items()}
        channels = tuple(ChannelPlan(name, float(amount[k]) + 0.0, float(spend[k]) + 0.0, None,
                                     {m: float(v[k]) + 0.0 for m, v in metrics.items()})
                         for k, name in enumerate(program.channels))
        channels = with_set_ups(program, units, with_tiers(program, units, channels, period), period)
        pipeline = {m: program.in_flight(m, period) for m in ("deals", "revenue") if m in program.pipeline}
        totals = {m: float(v.sum()) + program.in_flight(m, period) for m, v in metrics.items()}
        out.append(PeriodPlan(period, float(prices[bought] @ units[bought]) + 0.0, pipeline, totals, channels,
                              program.hiring_cost(units, period) if program.hires else None))
    after = {m: program.per_channel(program.after_horizon(m) * units) for m in ("deals", "revenue")}
    after_horizon = {"deals": float(after["deals"].sum()) + 0.0, "revenue": float(after["revenue"].sum()) + 0.0,
                     "channels": [{"name": name, "deals": float(after["deals"][k]) + 0.0,
                                   "revenue": float(after["revenue"][k]) + 0.0}
                                  for k, name in enumerate(program.channels)]}
    return tuple(out), after_horizon


@dataclass(frozen=True)
class Plan:
    """The answer for one scenario: status, allocation, totals, limits, and a diagnosis when there is no plan."""

    scenario: Scenario = field(repr=False)
    program: Program = field(repr=False)
    solution: Solution = field(repr=False)
    status: str
    objective_value: float | None
    total_spend: float | None
    channels: tuple[ChannelPlan, ...]
    totals: dict[str, float | None]
    constraints: tuple[LimitState, ...]
    check: Check | None
    diagnosis: Diagnosis | None = None
    periods: tuple[PeriodPlan, ...] = ()  # with periods: the plan of each
    after_horizon: dict[str, Any] = field(default_factory=dict)  # with periods: what closes after the last
    sales_team: tuple[RolePlan, ...] = ()  # a scenario with sales roles: each role's hires and capacity

    @property
    def hiring_cost(self) -> float | None:
        """What the plan's hires cost over the horizon (0 without a sales team)."""
        if self.total_spend is None:
            return None
        return float(sum(r.hiring_cost for r in self.sales_team)) + 0.0

    @property
    def total_cost(self) -> float | None:
        """Marketing spend plus hiring: what the budget limits."""
        return None if self.total_spend is None else self.total_spend + (self.hiring_cost or 0.0)

    @property
    def objective(self) -> str:
        return self.scenario.objective

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "time_limit") and self.solution.units is not None

    @property
    def units(self) -> np.ndarray | None:
        return self.solution.units

    @property
    def solver(self) -> SolverInfo:
        return self.solution.solver

    @property
    def warnings(self) -> tuple[str, ...]:
        notes = self.program.notes
        ordered = {n.split("channels[", 1)[1].split("]", 1)[0] for n in notes if "tier order enforced on" in n}
        # a concave curve is an LP unless a rule rewards its spend: then the order note says what it is
        said = tuple(w for w in self.scenario.warnings if not (w.startswith("response curve on channels[")
                                                               and w.split("[", 1)[1].split("]", 1)[0] in ordered))
        return tuple(dict.fromkeys(said + notes))

    @property
    def binding(self) -> tuple[LimitState, ...]:
        return tuple(c for c in self.constraints if c.binding)

    @property
    def allocation(self):
        """A pandas DataFrame, a row per channel: units, spend, share and every metric."""
        import pandas as pd

        rows = [{"channel": c.name, "units": c.units, "spend": c.spend, "share": c.share, **c.metrics,
                 "cost_per_deal": c.cost_per_deal, "return_on_spend": c.return_on_spend} for c in self.channels]
        return pd.DataFrame(rows).set_index("channel")

    @property
    def provenance(self) -> Provenance:
        return provenance(self.scenario, self.solver)

    def to_dict(self, timing: bool = True) -> dict[str, Any]:
        """The documented JSON document of ``campaign-optimizer optimize --format json``.

        ``timing=False`` (``--no-timing``) leaves out the run time, the only field that differs
        between two solves of the same scenario.
        """
        out: dict[str, Any] = {
            "scenario": self.scenario.name,
            "status": self.status,
            "objective": self.objective,
            "objective_value": finite(self.objective_value),
            "total_spend": finite(self.total_spend),
            "currency": self.scenario.currency,
            "channels": [c.to_dict() for c in self.channels],
            "totals": {k: finite(v) for k, v in self.totals.items()},
            "constraints": [c.to_dict(bool(self.program.periods)) for c in self.constraints],
            "warnings": list(self.warnings),
            "solver": self.solver.to_dict(timing),
            "check": self.check.to_dict() if self.check else None,
            "provenance": self.provenance.to_dict(),
        }
        if self.scenario.sales_team:
            out["hiring_cost"] = finite(self.hiring_cost)
            out["total_cost"] = finite(self.total_cost)
            out["sales_team"] = [r.to_dict() for r in self.sales_team]
        if self.program.periods and self.periods:
            out["periods"] = [p.to_dict() for p in self.periods]
            out["after_horizon"] = self.after_horizon
        if self.program.integer and self.has_plan:
            out["mip_gap"] = finite(self.solution.mip_gap)
        if not self.has_plan:
            out["diagnosis"] = self.diagnosis.to_dict() if self.diagnosis else None
        if self.status == "unverified":
            out["unverified"] = {"claimed": self.solution.claimed, "failed": self.solution.failed}
        return out


def optimize(scenario: Scenario | Mapping[str, Any], solver: str = "highs", time_limit: float | None = None) -> Plan:
    """Solve a scenario: the cheapest plan meeting its targets, or the most of its ``max_`` metric.

    ``scenario`` is a :class:`~optimizer.Scenario` or a mapping of the same fields (as a scenario
    file holds them), which is validated first: a bad one raises
    :class:`~optimizer.errors.ScenarioError`, as does anything else (``None``, a file name: read
    files with :func:`~optimizer.load_scenario`) and a ``time_limit`` that is not a number > 0.
    The plan is verified without the solver before it is returned; a plan that breaks a limit by
    more than 1e-6 (relative) raises :class:`~optimizer.errors.SolverError`, never returns optimal.

    >>> optimize({"channels": [{"name": "email", "cost_per_lead": 20}], "targets": {"leads": 50}}).total_spend
    1000.0
    """
    if isinstance(scenario, Mapping) and not isinstance(scenario, Scenario):
        scenario = Scenario.model_validate(dict(scenario))
    elif not isinstance(scenario, Scenario):
        hint = " (a file name: read it with load_scenario)" if isinstance(scenario, (str, PurePath)) else ""
        raise ScenarioError(Issue("scenario", f"a value of type {type(scenario).__name__} is not a scenario{hint}; "
                                              "allowed: a Scenario, or a mapping of its fields"))
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0):
        raise ScenarioError(Issue("time_limit", f"{time_limit!r} is not a time limit; allowed: a number of seconds "
                                                "> 0, or None"))
    program = build_program(scenario)
    solution = solve(program, solver, time_limit)
    return plan_from_solution(scenario, program, solution)


def plan_from_pulp(scenario: Scenario, problem) -> Plan:
    """The Plan of a problem made by :func:`optimizer.to_pulp` from ``scenario``, extended and solved
    by you: verified against the scenario's limits and your added constraints (a plan breaking
    either raises :class:`~optimizer.errors.SolverError`). Without a plan there is no diagnosis:
    the conflict may lie in your constraints.
    """
    from ..model.pulp_model import read_pulp

    program = build_program(scenario)
    solution = read_pulp(program, problem)
    if not solution.has_plan:
        return Plan(scenario, program, solution, solution.status, None, None, (), {}, (), None, None)
    return plan_from_solution(scenario, program, solution)


def plan_from_solution(scenario: Scenario, program: Program, solution: Solution) -> Plan:
    """Assemble the Plan of a solved program, with the proof of its status (``check``).

    A solve whose answer failed its proof (status ``unverified``) keeps the plan it found, so a user
    can see it, but it is no plan (``has_plan`` is False) and gets no diagnosis.
    """
    if solution.status == "error":
        raise SolverError(f"the {solution.solver.name} solver returned no usable answer for {scenario.name}")
    units = solution.units
    if units is None:
        from .diagnosis import diagnose

        diagnosis = None if solution.status == "unverified" else diagnose(program, solution.status,
                                                                         solution.solver.name)
        return Plan(scenario, program, solution, solution.status, None, None, (), {}, (), None, diagnosis)
    if program.tier_groups:  # the LP may leave tiers out of order where the order costs nothing: put it in order
        units = program.in_tier_order(units)
        solution = replace(solution, units=units)
    if program.set_ups or any(g.jumps for g in program.tier_groups) or \
            any(program.columns[h.column].integer for h in program.hires):
        # each set-up (and each jump in spend of a curve) paid exactly where units are bought, whole
        # reps exactly whole (verified on the solver's own first)
        raw = verify(program, units)
        if not raw.passed and solution.status != "unverified":
            raise SolverError(f"the {solution.solver.name} solver's plan breaks {raw.worst} by "
                              f"{raw.max_violation:.3g} (relative); it is not reported as optimal")
        units = program.settled(units)
        solution = replace(solution, units=units)
    check = solution.certificate if isinstance(solution.certificate, Check) else verify(program, units)
    tiers = verify_tiers(program, units) if program.tier_groups else None
    if tiers is not None and not tiers.passed and solution.status != "unverified":
        raise SolverError(f"the {solution.solver.name} solver's plan breaks {tiers.worst} by "
                          f"{tiers.max_violation:.3g} (relative); it is not reported as optimal")
    if solution.status != "unverified" and not check.passed:
        raise SolverError(f"the {solution.solver.name} solver's plan breaks {check.worst} by "
                          f"{check.max_violation:.3g} (relative); it is not reported as optimal")
    total_spend, channels, totals = what_units_buy(scenario, program, units)
    channels = with_tiers(program, units, channels, None)
    states = limit_states(program, units)
    periods, after_horizon = period_plans(scenario, program, units)
    return Plan(scenario, program, solution, solution.status, program.objective_value(units), total_spend,
                channels, totals, states, check, periods=periods, after_horizon=after_horizon,
                sales_team=role_plans(program, units))


def what_units_buy(scenario: Scenario, program: Program, units: np.ndarray
                   ) -> tuple[float, tuple[ChannelPlan, ...], dict[str, float | None]]:
    """Total spend, each channel's part and the totals of every metric, for any units (a plan or a proposal)."""
    spend = program.channel_spend(units)
    bought = program.channel_units(units)
    total_spend = float(spend.sum())
    metrics: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}  # a metric the channel needs a rate for that is missing
    # a metric the channel does not name in ``yields`` is 0; None means a rate is missing (NaN here)
    wanted = list(scenario.metrics)
    per_unit = np.array([[math.nan if (v := c.per_unit.get(m, 0.0)) is None else v for m in wanted]
                         if c.kind == "units" else [0.0] * len(wanted) for c in program.columns],
                        dtype=float).reshape(len(program.columns), len(wanted))
    for i, m in enumerate(wanted):
        gone = np.isnan(per_unit[:, i])
        metrics[m] = program.per_channel(np.where(gone, 0.0, per_unit[:, i]) * units)
        missing[m] = program.per_channel(gone.astype(float)) > 0
    # plain lists, read once: indexing numpy arrays value by value costs 0.25 s at 10,000 channels
    names = list(metrics)
    lists = []
    for m in names:
        values = (metrics[m] + 0.0).tolist()  # + 0.0: no -0.0
        for k in np.flatnonzero(missing[m]).tolist():
            values[k] = None
        lists.append(values)
    columns = list(zip(*lists))
    shares = (spend / total_spend).tolist() if total_spend > 0 else [None] * len(spend)
    channels = [ChannelPlan(name, amount, cost, share, dict(zip(names, values)))
                for name, amount, cost, share, values in zip(program.channels, bought.tolist(), spend.tolist(),
                                                             shares, columns or [()] * len(spend))]
    channels = list(with_set_ups(program, units, tuple(channels), None))
    totals: dict[str, float | None] = {}
    for i, m in enumerate(names):
        # totals count the pipeline in flight (a channel's own numbers do not)
        totals[m] = None if bool((missing[m] & (bought > 0)).any()) else \
            float(sum(v for values in columns if (v := values[i]) is not None)) + program.in_flight(m)
    return total_spend, tuple(channels), totals
