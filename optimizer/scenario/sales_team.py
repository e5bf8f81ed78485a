"""The sales team: roles whose reps follow up one funnel metric, and whom the plan may hire.

A role's capacity limits its metric in every period: the metric's total in period t is at most
``capacity x (current + the sum over hires in s <= t of hires_s x ramp share at t - s)``. A hire
in period t costs ``cost`` in t and every later period (without periods: once, at full capacity).

>>> role = Role(name="sdr", cost=30_000, capacity={"qualified_leads": 120}, current=6, ramp=[0.25, 0.75])
>>> role.metric, role.per_rep, role.share(0), role.share(1), role.share(5)
('qualified_leads', 120.0, 0.25, 0.75, 1.0)
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictBool
from pydantic_core import PydanticCustomError

from .periods import TOTAL, _at_key, by_period, horizon, per_period
from .rules import NON_NEGATIVE, NumberRule, fail, listing, shorten, show

ROLE_FIELDS = ("name", "cost", "capacity", "current", "max_hires", "ramp", "integer")
SHARE_RULE = NumberRule("a share", low=0, high=1, optional=False)
PER_REP = NumberRule("a positive number", low=0, low_open=True, optional=False)


def _number(rule: NumberRule):
    def check(value: Any) -> float:
        return rule(value)
    return BeforeValidator(check)


def _capacity(value: Any) -> Any:
    if not isinstance(value, dict):
        raise fail(f"{show(value)} is not a mapping", "one metric and what one ramped rep follows up per period, "
                                                     "such as {qualified_leads: 120}")
    if len(value) != 1:
        named = f"names {len(value)} metrics ({listing(value)})" if value else "names no metric"
        raise fail(named, "exactly one metric per role, such as {qualified_leads: 120} (a rep who follows up two "
                          "metrics: two roles)")
    (metric, amount), = value.items()
    if not isinstance(metric, str):
        raise fail(f"the key {show(metric)} is not text", "a metric name")
    try:
        return {metric: PER_REP(amount)}
    except PydanticCustomError as exc:
        raise _at_key(metric, exc) from None


def _ramp(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise fail(f"{show(value)} is not a list", "shares of full capacity in a hire's 1st, 2nd... period, such as "
                                                   "[0.25, 0.75]")
    out = []
    for k, share in enumerate(value):
        try:
            number = SHARE_RULE(share)
        except PydanticCustomError as exc:
                raise _at_key(str(k), exc) from None
        if out and number < out[-1]:
                raise _at_key(str(k), fail(f"{show(number)} is below the share before it ({show(out[-1])})",
                                       "shares that do not decrease (a rep does not unlearn)"))
        out.append(number)
    return tuple(out)


class Role(BaseModel):
    """A sales role: the cost of one rep per period, what one ramped rep follows up, reps on staff,
    the most that may be hired, the ramp of a new hire, and whether reps are whole people."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    cost: Annotated[float, _number(NumberRule("a number >= 0", low=0, optional=False))]
    capacity: Annotated[dict[str, float], BeforeValidator(_capacity)]
    current: Annotated[float, _number(NumberRule("a number >= 0", low=0, optional=False))] = 0.0
    max_hires: Annotated[float | dict[str, float] | None,
                         BeforeValidator(per_period(NON_NEGATIVE, NON_NEGATIVE, limit=True))] = None
    ramp: Annotated[tuple[float, ...] | None, BeforeValidator(_ramp)] = None
    integer: StrictBool = False

    @property
    def metric(self) -> str:
        """The metric this role's reps follow up."""
        return next(iter(self.capacity))

    @property
    def per_rep(self) -> float:
        """What one ramped rep follows up per period (per horizon without periods)."""
        return float(self.capacity[self.metric])

    def share(self, age: int) -> float:
        """A hire's share of full capacity ``age`` periods after the period it is hired in (0: that one)."""
        ramp = self.ramp or ()
        return float(ramp[age]) if age < len(ramp) else 1.0

    def most_hires(self, period: str | None) -> float | None:
        """The ``max_hires`` given for ``period`` (None: over the horizon), or None."""
        if self.max_hires is None:
            return None
        if period is None:
            return horizon(self.max_hires)
        return by_period(self.max_hires).get(period) if type(self.max_hires) is dict else None


def role_path(name: str) -> str:
    """``sales_team[sdr]``: a role's path in messages."""
    return f"sales_team[{shorten(name)}]"


def sales_team_issues(roles, metrics: tuple[str, ...], periods: list[str] | None, name_rule, name_text: str
                      ) -> list[tuple[str, str]]:
    """The rules of the sales team across fields: names, metrics, periods, one role per metric."""
    from .schema import did_you_mean, period_hint

    issues: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    by_metric: dict[str, str] = {}
    for i, role in enumerate(roles):
        if not name_rule.fullmatch(role.name):
            issues.append((f"sales_team[{i}].name", f"{show(role.name)} is not a valid role name; allowed: "
                                                    f"{name_text}"))
            continue
        where = role_path(role.name)
        if role.name in seen:
            issues.append((f"sales_team[{i}].name", f"{show(role.name)} is used by another role; allowed: a unique "
                                                    "name per role"))
            continue
        seen[role.name] = where
        metric = role.metric
        if metric not in metrics:
            issues.append((f"{where}.capacity.{shorten(metric)}",
                           f"{show(metric)} is not a metric of this scenario{did_you_mean(metric, metrics)}; "
                           f"allowed: {listing(metrics)}"))
        elif metric in by_metric:
            issues.append((f"{where}.capacity.{shorten(metric)}",
                           f"{shorten(metric)} is already the capacity of {by_metric[metric]}; allowed: one role per "
                           "metric (make them one role)"))
        else:
            by_metric[metric] = where
        if role.ramp is not None and not periods:
            issues.append((f"{where}.ramp", "a ramp needs periods; allowed: remove it (without periods a hire counts "
                                            "at full capacity), or give periods: [Q1, Q2, ...] in the scenario"))
        if type(role.max_hires) is dict:
            if not periods:
                issues.append((f"{where}.max_hires", "a mapping by period needs periods; allowed: a number, or "
                                                     "periods: [Q1, Q2, ...] in the scenario"))
            else:
                allowed = [*periods, TOTAL]
                for key in role.max_hires:
                    if key not in allowed:
                        issues.append((f"{where}.max_hires.{shorten(key)}",
                                       f"{show(key)} is not a period of this scenario{period_hint(key, allowed)}; "
                                       f"allowed: {listing(allowed)}"))
    return issues


def sales_team_warnings(roles) -> list[str]:
    """A role whose hires cost nothing and are not bounded: its hires are arbitrary."""
    return [f"{role_path(r.name)}.cost is 0 and no max_hires is given: its hires cost nothing, so how many the plan "
            "hires is arbitrary; give a cost or max_hires" for r in roles if r.cost == 0 and r.max_hires is None]
