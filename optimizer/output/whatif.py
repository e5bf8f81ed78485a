"""What ``sensitivity``, ``sweep`` and ``compare`` print: tables in business terms, JSON and CSV.

Renderers take finished results and return text; they never solve.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np

from ..analysis.sensitivity import ChannelSensitivity, LimitSensitivity, Sensitivity
from ..analysis.variation import split_period
from ..scenario.funnel import STAGE_LABEL
from .formats import csv_document, is_money, money, number, quantity, to_json, unreachable_sentence
from .plan import _console, _text, objective_text, print_whole

if TYPE_CHECKING:  # only named in annotations: sensitivity need not import sweeps (multiprocessing) or compare
    from ..analysis.compare import Comparison
    from ..analysis.sweeps import Sweep

SINGULAR = {"reach": "person reached", "leads": "lead", "qualified_leads": "qualified lead",
            "opportunities": "opportunity", "deals": "deal", "revenue": "dollar of revenue"}


# -- sensitivity ---------------------------------------------------------------------------------
def _base(limit: LimitSensitivity) -> str:
    """A limit's name without its period (``caps.qualified_leads.Q3`` -> ``caps.qualified_leads``):
    what says its unit and whether it is money."""
    suffix = f".{limit.period}" if limit.period is not None else ""
    return limit.name[:-len(suffix)] if suffix and limit.name.endswith(suffix) else limit.name


def _limit_unit(limit: LimitSensitivity, s: Sensitivity) -> tuple[float, str]:
    """How much of a limit one step is, and what to call it: ($1,000 of budget, one deal, ...)."""
    name, cur = _base(limit), s.scenario.currency
    if is_money(name):  # a constraint, even one over spend, is taken in its own units below
        what = {"budget": "budget"}.get(name, "revenue" if name.endswith("revenue") else "spend")
        return 1000.0, f"{money(1000, cur)} of {what}"
    metric = name.rsplit(".", 1)[-1]
    if limit.kind == "max_hires":
        return 1.0, "hire"
    if limit.kind == "sales_capacity":  # in the role's metric: one more qualified lead followed up
        role = next((r for r in s.scenario.sales_team if name == f"sales_team[{r.name}].capacity"), None)
        metric = role.metric if role is not None else metric
    if limit.kind == "channel_bound":
        channel = name[len("channels["):name.index("]")]
        column = next(c for c in s.scenario.channels if c.name == channel)
        from ..scenario.curves import price_unit

        return 1.0, f"{price_unit(column)} of {channel}"
    if limit.kind == "constraint":  # taken as left - right OP 0: one more moves the 0 to 1
        return 1.0, {"<=": "unit of room (left side may exceed the right by 1)",
                     ">=": "unit required (left side must exceed the right by 1)"}.get(
                         limit.sense, "unit of shift (left side must exceed the right by 1)")
    return 1.0, SINGULAR.get(metric, f"unit of {metric}")


def _effect(delta: float | None, s: Sensitivity) -> str:
    """A change of the objective in words: costs $X / saves $X / buys X deals / loses X deals."""
    cur = s.scenario.currency
    if delta is None:
        return "is not possible (no plan meets it)"
    if abs(delta) < 1e-9:
        return "changes nothing"
    if s.objective == "min_spend":
        return f"{'costs' if delta > 0 else 'saves'} {money(abs(delta), cur)}"
    if s.objective == "max_profit":
        return f"{'adds' if delta > 0 else 'costs'} {money(abs(delta), cur)} of profit"
    metric = s.objective[4:]
    amount = money(abs(delta), cur) if is_money(metric) else _amount(abs(delta))
    label = "of revenue" if metric == "revenue" else STAGE_LABEL.get(metric, metric)
    return f"{'buys' if delta > 0 else 'loses'} {amount} {label}" if metric != "revenue" else \
        f"{'adds' if delta > 0 else 'loses'} {amount} {label}"


def _amount(value: float) -> str:
    """A count for people: 1,234 or 12.5, and three significant digits below 0.01 (0.000412)."""
    if 0 < abs(value) < 0.01:
        return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")
    return number(value)


def _limit_value(name: str, value: float | None, cur: str, scenario=None) -> str:
    if value is None:
        return "no end"
    return quantity(name, value, cur, scenario)


def limit_sentence(limit: LimitSensitivity, s: Sensitivity) -> str:
    """``targets.deals: one more deal costs $1,088; one deal less saves $1,088 (holds from 100 to 130)``."""
    if limit.held:
        return f"{limit.name}: held at the planned whole units"
    step, noun = _limit_unit(limit, s)
    more = None if limit.shadow_price is None else limit.shadow_price * step
    less = None if limit.shadow_price_down is None else limit.shadow_price_down * step
    cur = s.scenario.currency
    if limit.period is not None:  # what one more of Q3's capacity is worth
        noun += f" in {limit.period}"
    more_words = f"one more {noun}"
    less_words = f"{money(step, cur)} less" if step != 1 else "one less"
    text = f"{limit.name}: {more_words} {_effect(more, s)}, {less_words} {_effect(less, s)}"
    if limit.degenerate:
        text += " (degenerate: each direction has its own price)"
    if limit.shadow_price is not None:
        start, end = (_limit_value(_base(limit), v, cur, s.scenario) for v in (limit.valid_from, limit.valid_to))
        which = "the price of one more" if limit.degenerate else "this"
        text += f"\n    {which} holds for the limit from {start} to {end}"
    return text


def _price(value: float | None, cur: str, empty: str = "-") -> str:
    if value is None:
        return empty
    return money(value, cur)


def channel_sentence(c: ChannelSensitivity, cur: str) -> str:
    """A channel's price in words; a price given per period is one sentence per period (``email in Q3``)."""
    per = f"per {c.unit}"
    name = c.name if c.period is None else f"{c.name} in {c.period}"
    if c.tier is not None:  # "paid_search tier 1 ($55.00 to 5,000)"
        reach = "and up" if c.up_to is None else f"to {c.up_to:,.0f}" if float(c.up_to).is_integer() \
            else f"to {c.up_to:,.2f}"
        name = f"{c.name} tier {c.tier} ({money(c.price, cur)} {reach})" + ("" if c.period is None
                                                                            else f" in {c.period}")
    def end(value: float | None, reason: str | None, side: str, empty: str = "-") -> str:
        text = _price(value, cur, empty)
        return f"{text} (the {side} tier's cost)" if reason == "tier_order" else text

    start = end(c.price_from, c.from_reason, "previous")
    if c.in_plan:
        to = end(c.price_to, c.to_reason, "next", "any higher price")
        return (f"{name}: in the plan at {money(c.price, cur)} {per}; the mix holds for a price from "
                f"{start} to {to}")
    if c.reduced_cost is None:
        if c.tier is not None:
            return (f"{name}: out of the plan at {money(c.price, cur)} {per}; no price that keeps the tier order "
                    f"brings it in (the mix holds from {start} to "
                    f"{end(c.price_to, c.to_reason, 'next', 'any higher price')})")
        return f"{name}: out of the plan at {money(c.price, cur)} {per}; no lower price brings it in"
    return (f"{name}: out of the plan at {money(c.price, cur)} {per}; it enters if the price drops by more "
            f"than {money(c.reduced_cost, cur)} (to {money(c.price_from, cur)})")


def _rate_end(value: float, objective: float | None, reason: str, s: Sensitivity, down: bool) -> str:
    where = f"{value:.6g}"
    if reason == "infeasible":
        return f"{where} (below it no plan meets every limit)" if down else \
            f"{where} (above it no plan meets every limit)"
    if reason == "domain":
        return f"{where} (the mix holds {'all the way down' if down else 'up to 1'})"
    if reason == "invalid":
        return f"{where} (the scenario allows no further)"
    return f"{where} ({s.objective} {objective_text(objective, s.objective, s.scenario.currency)})"


def _shadow(value: float | None) -> str:
    """A shadow price with its significant digits: 0.000187 deals per $ must not read as 0."""
    if value is None:
        return "none"
    return f"{value:,.3g}" if 0 < abs(value) < 1 else number(value)


def sensitivity_table(s: Sensitivity) -> str:
    """Shadow prices, price ranges, rate ranges and alternative optima, in business terms."""
    from rich.table import Table

    cur = s.scenario.currency
    buffer = io.StringIO()
    console = _console(buffer)
    status = s.status if s.status != "time_limit" else "stopped at the time limit" + (
        f", gap {s.mip_gap:.2%}" if s.mip_gap is not None else "")
    console.print(f"{s.scenario.name}: {s.objective} = {objective_text(s.objective_value, s.objective, cur)} "
                  f"({status})")
    if s.analysed_as == "integers_fixed" and (not s.ordered or any(c.integer for c in s.scenario.channels)):
        console.print(held_note(s.scenario))
    if s.analysed_as == "relaxed":
        spent = ", ".join(f"{k} {money(v, cur)} ({number((s.analysed_units or {}).get(k, 0.0))} units)"
                          for k, v in (s.analysed_spend or {}).items() if v > 0 or (s.analysed_units or {}).get(k))
        console.print("Analysed as the LP relaxation (whole units may be fractions), the plan it is about: "
                      f"{spent or 'nothing bought'}.")
    if s.tier_order is not None:
        console.print(tier_order_note(s))
    table = Table(title="Limits", title_justify="left")
    for col in ("limit", "value", "limit value", "binds", "one more", "one less", "holds from", "holds to"):
        table.add_column(col, justify="left" if col in ("limit", "binds") else "right")
    for x in s.limits:
        base = _base(x)
        table.add_row(x.name, _limit_value(base, x.value, cur, s.scenario),
                      _limit_value(base, x.limit, cur, s.scenario),
                      "yes" if x.binding else "no", "held" if x.held else _shadow(x.shadow_price),
                      "held" if x.held else _shadow(x.shadow_price_down),
                      _limit_value(base, x.valid_from, cur, s.scenario) if x.valid_from is not None else "-",
                      _limit_value(base, x.valid_to, cur, s.scenario) if x.valid_to is not None else "-")
    console.print(table)
    console.print(f"'one more' and 'one less': the change of {s.objective} per one unit more or less of the limit.")
    binding = [x for x in s.limits if x.binding]
    if binding:
        console.print("What the binding limits are worth:")
        for x in binding:
            console.print("  " + limit_sentence(x, s))
    console.print("Channel prices:")
    for c in s.channels:
        console.print("  " + channel_sentence(c, cur))
    for note in s.notes:
        console.print("  " + note)
    if s.sales_team:
        console.print("Sales team (one more or one fewer hire, re-solved with it forced):")
        for line in sales_team_lines(s):
            console.print("  " + line)
    ordered = {_price_path(c) for c in s.channels} & set(s.ordered)
    if any(c.tier is not None and _price_path(c) not in ordered for c in s.channels):
        console.print("A tier's range stops at the tier before's and the tier after's costs: past them the tiers "
                      "would need binaries to be filled in order (another model, not analysed here).")
    if s.rates:
        rates = Table(title="Conversion rates: how far each may move before the mix changes", title_justify="left")
        for col in ("rate", "value", "may fall to", "may rise to"):
            rates.add_column(col, justify="left" if col == "rate" else "right")
        for r in s.rates:
            rates.add_row(r.name, f"{r.value:.6g}", _rate_end(r.low, r.objective_at_low, r.low_reason, s, True),
                          _rate_end(r.high, r.objective_at_high, r.high_reason, s, False))
        console.print(rates)
    if s.alternative is None:
        console.print("No other mix is exactly as good: this plan is the only optimum." if not s.left_out else
                      "No other whole-unit plan is exactly as good among those the search covers (it leaves out "
                      f"{', '.join(s.left_out)}: no max_units, max_spend or budget bounds their units).")
    else:
        units = s.alternative_units or {}
        spent = ", ".join(f"{k} {money(v, cur)}" + (f" ({number(units[k])} units)" if units.get(k) else "")
                          for k, v in s.alternative.items() if v > 0 or units.get(k, 0) > 0)
        console.print("Another mix is exactly as good: the plan above is one of several optimal answers.")
        console.print(f"  for example, with {s.objective} the same: {spent}")
    return _text(buffer)


def sales_team_lines(s: Sensitivity) -> list[str]:
    """``one more sdr hired in Q1 costs $92,000 (its cost: $120,000 over the horizon)...`` per role
    and period, and the role's cost range."""
    cur, out = s.scenario.currency, []
    for role in s.sales_team:
        for h in role.hires:
            when = f" in {h.period}" if h.period else ""
            text = (f"{h.name} ({number(h.hires)} hired): one more {role.name} hired{when} "
                    f"{_effect(h.objective_change, s)} (the hire costs {money(h.hiring_cost, cur)} over the horizon)")
            if h.objective_change_down is not None:
                text += f", one fewer {_effect(h.objective_change_down, s)}"
            out.append(text)
        per = "per period" if s.scenario.periods else "per hire"
        if not any(r.integer for r in s.scenario.sales_team if r.name == role.name) or s.analysed_as == "relaxed":
            end = "no end" if role.cost_to is None else money(role.cost_to, cur)
            out.append(f"{role.name}: cost {money(role.cost, cur)} {per}; the hiring plan holds for a cost from "
                       f"{money(role.cost_from or 0.0, cur)} to {end}")
        else:
            out.append(f"{role.name}: cost {money(role.cost, cur)} {per}; whole people: no cost range "
                       "(--relax gives the relaxation's)")
    return out


def _price_path(c) -> str:
    return f"channels[{c.name}].{c.price_field}"  # a channel's price item (a curve's channel has none)


def held_note(scenario) -> str:
    """What sensitivity holds at the plan's values: whole units, and the on/off choices of set-ups."""
    on_off = ", ".join(c.name for c in scenario.channels if c.sets_up)
    whole = any(c.integer for c in scenario.channels)
    if not on_off:
        return "Whole-unit channels are held at their planned units; the whole-unit choice itself may change " \
               "inside these ranges."
    choices = f"the on/off choices of set-up costs and minimum buys ({on_off})"
    if whole:
        return f"Whole-unit channels are held at their planned units and {choices} at the plan's; those choices " \
               "may change inside these ranges."
    return f"The {choices.removeprefix('the ')} are held at the plan's; those choices may change inside these ranges."


def tier_order_note(s: Sensitivity) -> str:
    """What the analysis of a tiered price whose order needs binaries is about (held or relaxed)."""
    names = ", ".join(s.ordered)
    if s.tier_order == "relaxed":
        return (f"The order of {names} needs binaries, relaxed here with the rest: the relaxation may fill its "
                "tiers out of order, so these figures are the relaxation's, not those of a plan that buys in order.")
    return (f"The tier order of {names} is held as the plan fills it (its order binaries fixed): shadow prices and "
            "ranges are those of that fixed LP, a tier's cost may pass its neighbours' inside them, and which "
            "tiers the plan fills may change inside them.")


def sensitivity_json(s: Sensitivity) -> str:
    return to_json(s.to_dict())


# -- sweep ---------------------------------------------------------------------------------------
def _value_text(path: str, value: float, cur: str) -> str:
    field = split_period(path)[0]
    role_cost = field.startswith("sales_team[") and field.endswith("].cost")  # a rep's cost is money
    return money(value, cur) if is_money(field) or role_cost else f"{value:.6g}"


def sweep_table(result: Sweep) -> str:
    """A row per point: the values, status, objective, total spend and spend per channel."""
    from rich.table import Table

    cur = result.currency
    buffer = io.StringIO()
    console = _console(buffer)
    used = [j for j in range(len(result.channels))
            if any(math.isfinite(v) and v > 0 for v in result.spend[:, j])]
    table = Table(title=f"{result.scenario}: {result.objective} over {' x '.join(result.parameters)}",
                  title_justify="left")
    for p in result.parameters:
        table.add_column(p, justify="right")
    table.add_column("status")
    table.add_column(result.objective, justify="right")
    table.add_column("total spend", justify="right")
    if result.roles:  # the budget's other part, and who is hired (in which periods)
        table.add_column("hiring cost", justify="right")
        for r in result.roles:
            table.add_column(f"hires {r}", justify="right")
    for j in used:
        table.add_column(result.channels[j], justify="right")
    for period in result.periods:
        table.add_column(f"{period} spend", justify="right")
    for i in range(len(result)):
        cells = [_value_text(p, v, cur) for p, v in zip(result.parameters, result.values[i])]
        ok = math.isfinite(result.objective_value[i])
        cells += [result.status[i], objective_text(result.objective_value[i] if ok else None, result.objective, cur),
                  money(result.total_spend[i] if ok else None, cur)]
        if result.roles:
            cells.append(money(result.hiring_cost[i] if ok else None, cur))
            cells += [_hires_text(result, i, n) if ok else "-" for n in range(len(result.roles))]
        cells += [money(result.spend[i, j] if ok else None, cur) for j in used]
        cells += [money(result.period_spend[i, k] if ok else None, cur) for k in range(len(result.periods))]
        table.add_row(*cells)
    if result.periods:  # wider: never cut a number
        print_whole(console, table)
    else:
        console.print(table)
    if len(result.parameters) == 1:
        changes = result.mix_changes()
        if changes:
            at = ", ".join(_value_text(result.parameters[0], result.values[i, 0], cur) for i in changes)
            console.print(f"The mix (channels in the plan, limits that bind) changes at {result.parameters[0]} = {at}.")
        if result.roles:
            _print_hiring_changes(result, console)
        if result.periods:
            _print_binding(result, console)
    for i in range(len(result)):
        if result.messages[i]:
            console.print(f"{result.status[i]} at {_point_name(result, i)}: {result.messages[i]}")
    _print_unreachable(result, console)
    return _text(buffer)


def _hires_text(result: Sweep, i: int, n: int) -> str:
    """A role's hires at point ``i``: ``2`` without periods; ``2 (Q1)``, ``3 (Q1 2, Q2 1)`` with them; ``0``."""
    hires = result.hires[i, n]
    if not result.periods:
        return number(float(hires[0]))
    when = [(k, float(v)) for k, v in zip(result.periods, hires) if abs(v) > 1e-9]
    if not when:
        return "0"
    total = number(sum(v for _, v in when))
    inside = when[0][0] if len(when) == 1 else ", ".join(f"{k} {number(v)}" for k, v in when)
    return f"{total} ({inside})"


def _print_hiring_changes(result: Sweep, console) -> None:
    """Where, along a curve, the hires change (where hiring starts or stops paying)."""
    path, cur = result.parameters[0], result.currency
    has = [math.isfinite(v) for v in result.hiring_cost]
    at = [i for i in range(1, len(result)) if has[i] and has[i - 1]
          and not np.allclose(result.hires[i], result.hires[i - 1], atol=1e-9)]
    if at:
        console.print(f"The hires change at {path} = "
                      + ", ".join(_value_text(path, result.values[i, 0], cur) for i in at) + ".", soft_wrap=True)


def _print_binding(result: Sweep, console) -> None:
    """With periods, the limits that bind by path (``caps.qualified_leads.Q3``), once per run of
    neighbouring points where they are the same (channels' availability is not among them)."""
    path, cur = result.parameters[0], result.currency
    runs: list[tuple[int, int, list[str]]] = []
    for i in range(len(result)):
        if not math.isfinite(result.objective_value[i]):
            continue
        names = result.binding_names(i)
        if runs and runs[-1][1] == i - 1 and runs[-1][2] == names:
            runs[-1] = (runs[-1][0], i, names)
        else:
            runs.append((i, i, names))
    if not runs:
        return
    common = [name for name in runs[0][2] if all(name in names for _, _, names in runs)]
    if len(runs) == 1 or common:
        planned = sum(last - first + 1 for first, last, _ in runs)
        every = "" if len(result) == 1 else "at every point" if planned == len(result) else "at every point with a plan"
        console.print(f"Limits that bind{' ' + every if every else ''}: {', '.join(common) or 'none'}.", soft_wrap=True)
    if len(runs) > 1:
        console.print("Also binding:" if common else "Limits that bind:")
        for first, last, names in runs:
            where = _value_text(path, result.values[first, 0], cur)
            if last != first:
                where += " to " + _value_text(path, result.values[last, 0], cur)
            extra = [name for name in names if name not in common]
            console.print(f"  {path} = {where}: {', '.join(extra) or 'none'}", soft_wrap=True)


def _print_unreachable(result: Sweep, console) -> None:
    """Once under the table: the targets no channel reaches, for every point where they are the
    reason (naming the points only when that is not every infeasible point)."""
    where: dict[tuple[str, ...], list[int]] = {}
    for i, metrics in enumerate(result.unreachable):
        if metrics:
            where.setdefault(metrics, []).append(i)
    infeasible = sum(1 for status in result.status if status == "infeasible")
    for metrics, points in where.items():
        at = "" if len(points) == infeasible else " (at " + "; ".join(_point_name(result, i) for i in points) + ")"
        console.print(unreachable_sentence(metrics)[:-1] + at + ".", soft_wrap=True)


def _point_name(result: Sweep, i: int) -> str:
    return ", ".join(f"{p} = {_value_text(p, v, result.currency)}" for p, v in zip(result.parameters, result.values[i]))


def sweep_json(result: Sweep) -> str:
    return to_json(result.to_dict())


def sweep_csv(result: Sweep) -> str:
    """One row per point, with a header; empty cells where a point has no number."""
    return csv_document(result.columns(), result.rows())


# -- compare -------------------------------------------------------------------------------------
def _label(c) -> str:
    if c.changes:
        return c.name + " with " + ", ".join(f"{k}={v}" for k, v in c.changes.items())
    return c.name


def compare_table(result: Comparison) -> str:
    """A column per scenario and one per difference against the first; a row per figure."""
    from rich.table import Table

    first = result.scenarios[0]
    cur = first.plan.scenario.currency
    buffer = io.StringIO()
    console = _console(buffer)
    table = Table(title="Scenarios compared (differences against the first)", title_justify="left")
    table.add_column("")
    for c in result.scenarios:
        table.add_column(_label(c), justify="right")
    for c in result.scenarios[1:]:
        table.add_column(f"difference ({c.name})" if not c.changes else "difference", justify="right")
    differences = result.differences()

    def signed(value: float | None, as_money: bool) -> str:
        if value is None:
            return "-"
        text = money(value, cur) if as_money else number(value)
        shown_zero = text.strip("$-+").replace("0", "").replace(".", "").replace(",", "") == ""
        return text if value <= 0 or text.startswith("-") or shown_zero else "+" + text

    objective_money = is_money(first.plan.objective)
    table.add_row("status", *[c.plan.status for c in result.scenarios], *["" for _ in differences])
    table.add_row(f"objective ({first.plan.objective})",
                  *[objective_text(c.plan.objective_value, c.plan.objective, cur) for c in result.scenarios],
                  *[signed(d["objective_value"], objective_money) for d in differences])
    table.add_row("total spend", *[money(c.plan.total_spend, cur) for c in result.scenarios],
                  *[signed(d["total_spend"], True) for d in differences])
    if result.roles:  # marketing plus hiring: what the budget limits
        table.add_row("hiring cost", *[money(c.plan.hiring_cost, cur) for c in result.scenarios],
                      *[signed(d["hiring_cost"], True) for d in differences])
        table.add_row("total cost", *[money(c.plan.total_cost, cur) for c in result.scenarios],
                      *[signed(d["total_cost"], True) for d in differences])
        for role in result.roles:
            hires = [result.hires(c)[role] for c in result.scenarios]
            for k in result.hire_keys:
                where = f" in {k}" if result.same_periods else ""
                table.add_row(f"hires {role}{where}", *[number(h[k]) for h in hires],
                              *[signed(d["hires"][role][k], False) for d in differences])
    for ch in result.channels:  # a channel a scenario does not have: $0 there, as its difference counts it
        table.add_row(f"spend {ch}", *[money(c.spend_of(ch), cur) for c in result.scenarios],
                      *[signed(d["spend"][ch], True) for d in differences])
    for k, period in enumerate(result.same_periods):
        table.add_row(f"spend in {period}",
                      *[money(c.period_spend[k]["total_spend"], cur) if c.plan.has_plan else "-"
                        for c in result.scenarios],
                      *[signed(d["periods"][k]["total_spend"], True) for d in differences])
    for ch in result.channels:
        deals = [c.deals_of(ch) for c in result.scenarios]
        if all(v is None for v in deals):
            continue
        diffs = [None if a is None or deals[0] is None else a - deals[0] for a in deals[1:]]
        table.add_row(f"deals {ch}", *[number(v) for v in deals], *[signed(v, False) for v in diffs])
    for m in result.metrics:
        if m == "reach":
            continue
        as_money = is_money(m)
        table.add_row(STAGE_LABEL.get(m, m),
                      *[quantity(m, c.plan.totals.get(m), cur) if c.plan.has_plan else "-" for c in result.scenarios],
                      *[signed(d["totals"][m], as_money) for d in differences])
    print_whole(console, table)
    if result.any_periods and not result.same_periods:
        which = "; ".join(f"{_label(c)}: {', '.join(c.periods) or 'no periods'}" for c in result.scenarios)
        console.print(f"Spend by period is not compared: the scenarios' periods differ ({which}).", soft_wrap=True)
    for c in result.scenarios:
        if not c.plan.has_plan:
            from .plan import no_plan_text

            text = no_plan_text(c.plan).rstrip()
            own = f"{c.plan.scenario.name}: "  # the text names the scenario; the label says which run
            console.print(f"{_label(c)}: " + (text.removeprefix(own) if text.startswith(own) else text))
    return _text(buffer)


def compare_json(result: Comparison) -> str:
    return to_json(result.to_dict())


def compare_csv(result: Comparison) -> str:
    """A row per scenario: name, file, status, objective, total spend, spend per channel, totals; where
    every scenario has the same periods, spend per period (``period_spend[PERIOD]``, as a sweep's CSV)
    after the channels."""
    channels, metrics, periods, roles = result.channels, result.metrics, result.same_periods, result.roles

    def cell(v):
        return None if v is None else float(v)

    rows = []
    for c in result.scenarios:
        d = c.to_dict()
        by_period = c.period_spend if periods else None
        rows.append([d["name"], d["file"] or "", ";".join(f"{k}={v}" for k, v in c.changes.items()), d["status"],
                     cell(d["objective_value"]), cell(d["total_spend"]),
                     *(cell(d["spend"].get(ch)) for ch in channels),
                     *(cell(by_period[k]["total_spend"] if by_period else None) for k in range(len(periods))),
                     *(cell(d["totals"].get(m)) for m in metrics),
                     *(([cell(c.plan.hiring_cost), cell(c.plan.total_cost)]
                        + [cell(h[k]) for h in result.hires(c).values() for k in result.hire_keys]) if roles else [])])
    team = (["hiring_cost", "total_cost", *(f"hires[{r}]" + (f"[{k}]" if result.same_periods else "")
                                            for r in roles for k in result.hire_keys)] if roles else [])
    return csv_document(["name", "file", "changes", "status", "objective_value", "total_spend",
                         *(f"spend[{ch}]" for ch in channels), *(f"period_spend[{p}]" for p in periods), *metrics,
                         *team], rows)
