"""What ``optimize`` and ``validate`` print: a rich table for people, JSON and CSV for programs.

Renderers take finished results and return text; they never solve.
"""

from __future__ import annotations

import io
import os

from ..analysis.plan import Plan
from ..analysis.provenance import provenance
from ..scenario.curves import Curve, curve_data, curve_in, describe_curve, price_unit
from ..scenario.funnel import STAGE_LABEL
from ..scenario.periods import at, by_period, first, horizon, value_in, varies_by_period
from ..scenario.schema import Scenario, given_by_period
from ..scenario.tiers import Tier, describe, first_cost, units_for_spend
from .formats import csv_document, is_money, money, number, percent, quantity, to_json, unreachable_sentence

PER_SPEND = 1000.0  # validate shows what this much currency buys in each channel


def _console(record: io.StringIO):
    from rich.console import Console

    width = int(os.environ.get("COLUMNS", "0") or 0) or 150
    return Console(file=record, width=width, force_terminal=False, color_system=None, highlight=False, markup=False,
                   soft_wrap=False)


def print_whole(console, table) -> None:
    """Print a rich table without cutting a number: where it is wider than the console, at its own
    width (lines then run past the terminal's edge; a cut number, "$123,456,…", would be a wrong one)."""
    from rich.measure import Measurement

    width = Measurement.get(console, console.options.update_width(WIDEST), table).maximum
    if width <= console.width:
        console.print(table)
        return
    kept = console.width
    console.width = width
    try:
        console.print(table)
    finally:
        console.width = kept


WIDEST = 100_000  # characters: wide enough to measure any table at its natural width


def _text(buffer: io.StringIO) -> str:
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _metric_columns(scenario: Scenario) -> list[str]:
    return [m for m in scenario.metrics if m != "reach"]


def objective_text(value: float | None, objective: str, currency: str) -> str:
    """An objective's value for people: money for spend, profit and revenue, else a count."""
    if is_money(objective):
        return money(value, currency)
    if value is not None and abs(value) >= 100 and abs(value - round(value)) > 0.005:
        return f"{value:,.2f}"  # 129.31 deals is the answer; 129 would hide a third of a deal
    return number(value)


def plan_table(plan: Plan) -> str:
    """The plan as a table: a row per channel and a totals row, then binding limits and warnings."""
    from rich.table import Table

    s = plan.scenario
    buffer = io.StringIO()
    console = _console(buffer)
    if not plan.has_plan and not (plan.status == "unverified" and plan.channels):
        console.print(no_plan_text(plan).rstrip("\n"))
        return _text(buffer)
    if plan.status == "unverified":
        console.print(unverified_text(plan).rstrip("\n"))
    status = {"optimal": "optimal", "unverified": "unverified"}.get(plan.status, "best found within the time limit")
    gap = plan.solution.mip_gap
    if plan.status == "time_limit":
        status += f", proven gap {gap:.2%}" if gap is not None else ", no gap proven yet"
    value = objective_text(plan.objective_value, plan.objective, s.currency)
    title = f"{s.name}: {plan.objective} = {value} ({status})"
    metrics = _metric_columns(s)
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column("channel", footer="total")
    table.add_column("units", justify="right")
    table.add_column("spend", justify="right", footer=money(plan.total_spend, s.currency))
    table.add_column("share", justify="right", footer=percent(1.0) if plan.total_spend else "-")
    for m in metrics:
        table.add_column(STAGE_LABEL.get(m, m), justify="right", footer=quantity(m, plan.totals.get(m), s.currency))
    deals, revenue = plan.totals.get("deals"), plan.totals.get("revenue")
    total_cpd = plan.total_spend / deals if deals else None
    total_ros = revenue / plan.total_spend if revenue is not None and plan.total_spend else None
    table.add_column("cost/deal", justify="right", footer=money(total_cpd, s.currency))
    table.add_column("return", justify="right", footer=number(total_ros) + ("x" if total_ros is not None else ""))
    for c in plan.channels:
        ros = c.return_on_spend
        table.add_row(c.name, number(c.units), money(c.spend, s.currency), percent(c.share),
                      *[quantity(m, c.metrics.get(m), s.currency) for m in metrics], money(c.cost_per_deal, s.currency),
                      number(ros) + ("x" if ros is not None else ""))
        for k, tier in enumerate(c.tiers or ()):  # a tiered price: the units and spend in each tier
            end = f"to {number(tier.up_to)}" if tier.up_to is not None else "open"
            table.add_row(f"  tier {k} ({money(tier.cost, s.currency)}, {end})", number(tier.units),
                          money(tier.spend, s.currency), "", *["" for _ in metrics], "", "")
    flight = {m: plan.program.in_flight(m) for m in ("deals", "revenue")}
    if any(flight.values()):  # the totals count it; a row shows it, so that the column adds up
        table.add_row("pipeline (in flight)", "", "", "",
                      *[quantity(m, flight[m], s.currency) if m in flight else "" for m in metrics], "", "")
    console.print(table)
    if plan.sales_team:
        _sales_team_table(console, plan)
    if plan.periods:
        _period_tables(console, plan)
    for p in plan.periods:  # tiers count within each period
        for c in p.channels:
            if c.tiers:
                parts = ", ".join(f"{number(t.units)} at {money(t.cost, s.currency)}" for t in c.tiers if t.units)
                console.print(f"Tiers of {c.name} in {p.name}: {parts or 'none bought'}.")
    if plan.program.set_ups:
        console.print(set_up_text(plan))
    # a tier's width is the schedule, shown above; the on/off rows are said by the line above
    binding = [b for b in plan.binding if b.kind not in ("tier", "set_up", "min_buy")]
    if binding:
        console.print("Limits that bind:")
        roles = {r.name: r for r in plan.sales_team}
        for limit in binding:
            if limit.kind == "sales_capacity":  # the role's metric against its capacity, hires included
                r = roles[limit.name.split("[", 1)[1].split("]", 1)[0]]
                key = limit.period or "total"
                console.print(f"  {limit.name}: {quantity(r.metric, r.used[key], s.currency)} "
                              f"(<= {quantity(r.metric, r.capacity[key], s.currency)})")
                continue
            console.print(f"  {limit.name}: {quantity(limit.name, limit.value, s.currency, s)} "
                          f"({limit.sense} {quantity(limit.name, limit.limit, s.currency, s)})")
    else:
        console.print("No limit binds.")
    for w in plan.warnings:
        console.print(f"warning: {w}")
    return _text(buffer)


def _sales_team_table(console, plan: Plan) -> None:
    """Hires per role and period, capacity against what the plan uses of it, and the budget's split
    between marketing and hiring."""
    from rich.table import Table

    s, cur = plan.scenario, plan.scenario.currency
    keys = [p.name for p in plan.periods] or ["total"]
    table = Table(title="Sales team (hires; capacity used / capacity)", title_justify="left")
    table.add_column("role")
    table.add_column("", justify="left")
    for k in keys:
        table.add_column(k if plan.periods else "horizon", justify="right")
    table.add_column("hiring cost", justify="right")
    for r in plan.sales_team:
        table.add_row(r.name, "hires", *[number(r.hires[k]) for k in keys], money(r.hiring_cost, cur))
        label = STAGE_LABEL.get(r.metric, r.metric)
        table.add_row("", label, *[f"{quantity(r.metric, r.used[k], cur)} / {quantity(r.metric, r.capacity[k], cur)}"
                                   for k in keys], "")
    console.print(table)
    budget = s.budget
    of = ""
    if budget is not None:
        total = budget if not isinstance(budget, dict) else budget.get("total")
        of = f" of the {money(total, cur)} budget" if total is not None else ""
    console.print(f"Total cost {money(plan.total_cost, cur)}{of}: marketing {money(plan.total_spend, cur)}, hiring "
                  f"{money(plan.hiring_cost, cur)}.")


def set_up_text(plan: Plan) -> str:
    """The on/off choices of the channels with a set-up cost or a minimum buy, in one line:
    "Set-up costs and minimum buys: booth used (set-up $25,000 paid); events not used (minimum buy 2)"."""
    s, cur = plan.scenario, plan.scenario.currency
    parts = []
    for c in plan.channels:
        if c.used is None:
            continue
        channel = s.channels[s.channel_names.index(c.name)]
        terms = []
        if c.used and c.fixed_cost:
            once = " once over the horizon" if plan.periods and not isinstance(channel.fixed_cost, dict) else ""
            terms.append(f"set-up {money(c.fixed_cost, cur)} paid{once}")
        elif not c.used and channel.fixed_cost:
            terms.append(f"set-up {limit_text('spend', channel.fixed_cost, cur)} saved")
        if channel.min_units_if_used:
            terms.append(f"minimum buy {limit_text('units', channel.min_units_if_used, cur)}")
        if channel.min_spend_if_used:
            terms.append(f"minimum buy {limit_text('spend', channel.min_spend_if_used, cur)}")
        state = "used" if c.used else "not used"
        if c.used and plan.periods:
            running = [p.name for p in plan.periods if next(x for x in p.channels if x.name == c.name).units > 0]
            state += f" in {', '.join(running)}"
        parts.append(f"{c.name} {state}" + (f" ({'; '.join(terms)})" if terms else ""))
    return "Set-up costs and minimum buys: " + "; ".join(parts) + "."


def _period_tables(console, plan: Plan) -> None:
    """Spend per channel and period, the funnel per period, and what closes after the horizon."""
    from rich.table import Table

    s, cur = plan.scenario, plan.scenario.currency
    spend = Table(title="Spend by period", title_justify="left", show_footer=True)
    hiring = bool(plan.sales_team)  # a row of hiring cost: the footer is then the total cost
    spend.add_column("channel", footer="total cost" if hiring else "total")
    for p in plan.periods:
        spend.add_column(p.name, justify="right", footer=money(p.total_spend + (p.hiring_cost or 0.0), cur))
    spend.add_column("horizon", justify="right", footer=money(plan.total_cost if hiring else plan.total_spend, cur))
    for k, c in enumerate(plan.channels):
        spend.add_row(c.name, *[money(p.channels[k].spend, cur) for p in plan.periods], money(c.spend, cur))
    if plan.sales_team:  # the budget's other part: hiring, paid in each period from the hire on
        spend.add_row("hiring (sales team)", *[money(p.hiring_cost, cur) for p in plan.periods],
                      money(plan.hiring_cost, cur))
    console.print(spend)
    funnel = Table(title="Funnel by period (deals and revenue: closing in the period, pipeline included)",
                   title_justify="left")
    funnel.add_column("period")
    metrics = _metric_columns(s)
    for m in metrics:
        funnel.add_column(STAGE_LABEL.get(m, m), justify="right")
    flight = bool(plan.program.pipeline)
    if flight:
        funnel.add_column("pipeline deals", justify="right")
    for p in plan.periods:
        cells = []
        for m in metrics:
            text = quantity(m, p.totals.get(m), cur)
            cap = next((lim for lim in plan.constraints if lim.name == f"caps.{m}.{p.name}"), None)
            cells.append(text + (f" / {quantity(m, cap.limit, cur)}" if cap else ""))
        funnel.add_row(p.name, *cells, *([number(p.pipeline.get("deals", 0.0))] if flight else []))
    console.print(funnel)
    after = plan.after_horizon
    if after and after.get("deals"):
        parts = ", ".join(f"{c['name']} {number(c['deals'])}" for c in after["channels"] if c["deals"])
        console.print(f"After the horizon: {number(after['deals'])} deals ({money(after['revenue'], cur)}) close after "
                      f"{plan.periods[-1].name} and count toward nothing here: {parts}.")


def unverified_text(plan: Plan) -> str:
    """Why a solver's answer is not reported as proven (status ``unverified``)."""
    s, solution = plan.scenario, plan.solution
    found = " The plan it found is shown below, for inspection only." if plan.channels else ""
    return (f"{s.name}: no proven plan (unverified): the solver said {solution.claimed}, but {solution.failed}."
            f"{found} The scenario may lie outside the documented range of numbers (docs/scenario-format.md).\n")


def budget_needed_text(s: Scenario, needed: float, by_period_spend: dict[str, float] | None = None) -> str:
    """The diagnosis's line on the budget: the least spend meeting every limit but the budget's.

    With a budget by period (``{total: ..., Q4: ...}``) every budget limit is dropped, the
    horizon's and each period's, and the lines say so: the spend is the horizon's, then one such
    plan's by period and the budget as it is.
    """
    cur = s.currency
    if not isinstance(s.budget, dict):
        now = f" (budget now {money(s.budget, cur)})" if s.budget is not None else ""
        return f"Meeting every target needs a budget of at least {money(needed, cur)}{now}."
    total, periods = horizon(s.budget), by_period(s.budget)
    now = ([f"{money(total, cur)} over the horizon"] if total is not None else []) + \
        [f"{money(periods[p], cur)} in {p}" for p in s.periods or () if p in periods]
    return (f"Meeting every other limit needs a spend of at least {money(needed, cur)} over the horizon, with every "
            "budget limit dropped (the horizon's and each period's).\n"
            + (f"One such plan spends {', '.join(f'{p} {money(v, cur)}' for p, v in by_period_spend.items())}; "
               "the budget is now " if by_period_spend else "The budget is now ")
            + f"{_and(now)}.")


def _and(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def no_plan_text(plan: Plan) -> str:
    """The diagnosis as a short paragraph."""
    s, d = plan.scenario, plan.diagnosis
    if plan.status == "unverified":
        return unverified_text(plan)
    if plan.status == "time_limit":
        return f"{s.name}: no plan was found within the time limit; allow more time with --time-limit."
    if plan.status == "unbounded":
        channels = ", ".join(d.unbounded) if d and d.unbounded else "some channels"
        free = [c.name for c in s.channels if c.price == 0 and d and c.name in d.unbounded]
        advice = ("Give them a max_units or a cap: a free channel's spend is 0 whatever it buys, so neither "
                  "max_spend nor a budget limits it." if free and len(free) == len(d.unbounded)
                  else "Give them a max_spend, max_units or cap, or set a budget.")
        return f"{s.name}: no plan: {plan.objective} can grow without limit through {channels}. {advice}"
    lines = [f"{s.name}: no plan meets every limit (infeasible)."]
    if d and d.integer_only:
        whole = ", ".join(c.name for c in s.channels if c.integer)
        set_up = ", ".join(c.name for c in s.channels if c.sets_up)
        if not set_up:
            lines.append(f"The limits hold with fractional units, but not with whole units of {whole}.")
        else:
            parts = ([f"whole units of {whole}"] if whole else []) + [
                f"the on/off choices of {set_up} (a set-up cost paid in full, a minimum buy met in full)"]
            lines.append(f"The limits hold with fractional units and set-ups, but not with {' and '.join(parts)}.")
    if d and d.conflict and d.on_off:
        used = [n for n, on in d.on_off.items() if on]
        left = [n for n, on in d.on_off.items() if not on]
        how = "; ".join(([f"{', '.join(used)} used"] if used else []) + ([f"{', '.join(left)} not used"] if left
                                                                       else []))
        lines.append(f"With the on/off choices the fractional plan leans to ({how}), these limits cannot all hold "
                     "together: " + ", ".join(d.conflict) + ".")
    elif d and d.conflict:
        lines.append("These limits cannot all hold together: " + ", ".join(d.conflict) + ".")
    if d and d.achievable and all(v is None for v in d.achievable.values()):
        lines.append("No plan meets the other limits even without the targets: the conflict above is among them.")
    elif d and d.achievable:
        short, met = [], []
        for name, most in d.achievable.items():
            metric, _, period = name.partition(".")  # deals, or deals.Q4: a target within a period
            goal = at(s.targets.get(metric), period) if period else horizon(s.targets.get(metric))
            label = f"{metric} in {period}" if period else metric
            if most is not None and goal is not None and most >= goal - 1e-6 * max(1.0, abs(goal)):
                # within reach on its own: not what is short, so not listed as if it were
                met.append(f"{label} (up to {quantity(metric, most, s.currency)}, target "
                           f"{quantity(metric, goal, s.currency)})")
            else:
                short.append(f"{label} {quantity(metric, most, s.currency) if most is not None else 'none'} "
                             f"(target {quantity(metric, goal, s.currency)})")
        if short:
            lines.append("Under the other limits, the most achievable is: " + "; ".join(short) + ".")
            if met:
                lines.append("Within reach on its own under the other limits: " + "; ".join(met) + ".")
        else:
            lines.append("Each target is within reach on its own under the other limits, but not all of them "
                         "together: " + "; ".join(met) + ".")
    if d and d.unreachable:
        lines.append(unreachable_sentence(d.unreachable))
    elif d:
        if d.budget_needed is not None:
            lines.append(budget_needed_text(s, d.budget_needed, d.budget_needed_by_period))
        elif s.targets:
            lines.append("No budget meets every target: other limits (caps, bounds, constraints) stand in the way.")
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, timing: bool = True) -> str:
    return to_json(plan.to_dict(timing=timing))


def _tier_rows(c, lead: list, total: float, metrics: list[str]) -> list[list]:
    """The rows of a tiered channel's tiers: ``lead`` (channel, period) and the tier's number, units,
    spend, share and metrics (each tier yields the same per unit)."""
    rows = []
    for k, tier in enumerate(c.tiers or ()):
        part = tier.units / c.units if c.units else 0.0
        rows.append([*lead, k, tier.units, tier.spend, tier.spend / total if total else None,
                     *[None if (v := c.metrics.get(m)) is None else v * part for m in metrics]])
    return rows


def plan_csv(plan: Plan) -> str:
    """A row per channel: channel, units, spend, share and a column per metric. With periods, a
    ``period`` column after ``channel``: a row per channel and period, then one per channel with
    period ``total`` (share: of the horizon's spend). With tiered prices, a ``tier`` column after
    ``channel`` (and ``period``), empty on a channel's row, whose tier rows (0, 1, ...) follow it."""
    metrics = list(plan.scenario.metrics)
    total = plan.total_spend or 0.0
    tiered = bool(plan.program.tier_groups)
    tier = [""] if tiered else []
    set_up = bool(plan.program.set_ups)  # columns fixed_cost (paid) and used, last
    extra = ["fixed_cost", "used"] if set_up else []

    def on_off(c) -> list:
        return [] if not set_up else ["", ""] if c.used is None else [c.fixed_cost, str(c.used).lower()]

    def with_blanks(rows: list[list]) -> list[list]:
        return [row + ["", ""] for row in rows] if set_up else rows

    blank = [""] * (len(tier) + 1 + len(metrics) + len(extra))  # share, metrics and the set-up columns

    def roles(period: str | None) -> list[list]:
        """A row per sales role: channel ``sales_team[NAME]``, units its hires, spend its hiring cost."""
        out = []
        for r in plan.sales_team:
            hires = r.hires[period] if period is not None else sum(r.hires.values())
            cost = plan.program.hiring_cost(_role_units(plan, r.name), period) if period is not None else r.hiring_cost
            lead = [f"sales_team[{r.name}]"] + ([period or "total"] if plan.periods else [])
            out.append([*lead, *tier, hires, cost, *blank[len(tier):]])
        return out

    if not plan.periods:
        rows = []
        for c in plan.channels:
            rows.append([c.name, *tier, c.units, c.spend, c.share, *[c.metrics.get(m) for m in metrics], *on_off(c)])
            rows += with_blanks(_tier_rows(c, [c.name], total, metrics))
        rows += roles(None)
        return csv_document(["channel", *(["tier"] if tiered else []), "units", "spend", "share", *metrics, *extra],
                            rows)
    rows = []
    for k in range(len(plan.channels)):
        for p in plan.periods:
            c = p.channels[k]
            rows.append([c.name, p.name, *tier, c.units, c.spend, c.spend / total if total else None,
                         *[c.metrics.get(m) for m in metrics], *on_off(c)])
            rows += with_blanks(_tier_rows(c, [c.name, p.name], total, metrics))
    rows += [[c.name, "total", *tier, c.units, c.spend, c.share, *[c.metrics.get(m) for m in metrics], *on_off(c)]
             for c in plan.channels]
    for p in plan.periods:
        rows += roles(p.name)
    rows += roles(None)
    return csv_document(["channel", "period", *(["tier"] if tiered else []), "units", "spend", "share", *metrics,
                         *extra], rows)


def _role_units(plan: Plan, role: str):
    """The plan's units with only ``role``'s hires (to read that role's hiring cost in a period)."""
    import numpy as np

    units = np.zeros(len(plan.program.columns))
    for h in plan.program.hires_of(role):
        units[h.column] = plan.units[h.column]
    return units


# -- validate ------------------------------------------------------------------------------------
def understood(scenario: Scenario) -> dict:
    """What the tool read: per channel its price, entry stage and what 1,000 of currency buys."""
    channels = []

    def per_1000(y, price: float) -> dict:
        per_unit = {m: y.per_unit.get(m, 0.0) for m in scenario.metrics}  # unnamed yields metric: 0
        return {m: (None if v is None else PER_SPEND / price * v if price else float("inf") if v else 0.0)
                for m, v in per_unit.items()}

    def tiers(price) -> list[dict]:
        return [{"up_to": t.up_to, "cost": t.cost} for t in price]

    def per_unit_price(price) -> float:
        """The price "what 1,000 buys" divides by: the first tier's cost, or where the first tier
        is free and ends, the average along the schedule (the free units, then the rest)."""
        if type(price) is not tuple or price[0].cost > 0 or price[0].up_to is None:
            return first_cost(price)
        units = units_for_spend(price, PER_SPEND, most=True)
        return PER_SPEND / units if units and units != float("inf") else 0.0

    for c in scenario.channels:
        y = scenario.yields[c.name]
        entry = {"name": c.name, "price_field": c.price_field, "price": c.price,
                 "unit": price_unit(c), "entry": y.entry, "free": c.price == 0,
                 "per_1000": per_1000(y, per_unit_price(first(getattr(c, c.price_field)))), "integer": c.integer}
        for name in ("fixed_cost", "min_units_if_used", "min_spend_if_used"):  # given: as written
            if getattr(c, name) is not None:
                entry[name] = getattr(c, name)
        own = getattr(c, c.price_field)
        if type(own) is tuple:  # a tiered price: "what 1,000 buys" is at its first tier's cost
            entry["tiers"] = tiers(own)
        if c.response_curve is not None:  # a curve: its points, and its segments as the tiers above
            entry["response_curve"] = curve_data(curve_in(c.response_curve, None))
        if scenario.periods and varies_by_period(c):  # what it buys in each period it is available in
            entry["periods"] = {}
            for p in scenario.available(c):
                price = value_in(own, p)
                entry["periods"][p] = {"price": first_cost(price),
                                       "per_1000": per_1000(scenario.yields_in(c, p), per_unit_price(price)),
                                       **({"tiers": tiers(price)} if type(price) is tuple else {}),
                                       **({"response_curve": curve_data(curve_in(c.response_curve, p))}
                                          if c.response_curve is not None else {})}
        channels.append(entry)
    out = {"status": "valid", "scenario": scenario.name, "objective": scenario.objective,
           "currency": scenario.currency, "budget": scenario.budget, "targets": scenario.targets,
           "caps": scenario.caps, "constraints": [spec.name or spec.expr for spec in scenario.constraints],
           "channels": channels, "warnings": list(scenario.warnings),
           "provenance": provenance(scenario).to_dict()}
    if scenario.periods:  # what the text's periods lines show; without periods the JSON is as before
        for c, entry in zip(scenario.channels, channels):
            entry["available"] = list(scenario.available(c))
            entry["sales_cycle"] = list(scenario.cycle(c))
        out.update({"periods": list(scenario.periods), "sales_cycle": list(scenario.funnel.sales_cycle or (1.0,)),
                    "pipeline": {m: dict(v) for m, v in (scenario.pipeline or {}).items()},
                    "by_period": given_by_period(scenario)})
    if scenario.sales_team:  # the roles table's numbers; without a sales team the JSON is as before
        out["sales_team"] = [{"name": r.name, "cost": r.cost, "metric": r.metric, "capacity_per_rep": r.per_rep,
                              "current": r.current, "current_capacity": r.per_rep * r.current,
                              "max_hires": r.max_hires, "ramp": list(r.ramp or ()), "integer": r.integer}
                             for r in scenario.sales_team]
    return out


def set_up_cell(entry: dict, currency: str) -> str:
    """A channel's set-up cost and minimum buys as validate shows them: "$25,000 set-up cost,
    units 0 or >= 2" (by period: "Q1 $25,000, Q3 $25,000 set-up cost")."""
    parts = []
    if entry.get("fixed_cost"):
        by_period = isinstance(entry["fixed_cost"], dict) or entry.get("available") is None
        once = "" if by_period else " once over the horizon"
        parts.append(f"{limit_text('spend', entry['fixed_cost'], currency)} set-up cost{once}")
    for name, metric in (("min_units_if_used", "units"), ("min_spend_if_used", "spend")):
        if entry.get(name):
            parts.append(f"{metric} 0 or >= {limit_text(metric, entry[name], currency)}")
    return ", ".join(parts) or "-"


def limit_text(metric: str, value, currency: str, sense: str | None = None) -> str:
    """A limit as written: over the horizon (a number, or ``total``), then within each period it
    names: ``deals >= 80, deals in Q4 >= 20`` (``sense`` None: the bare amounts; "": no metric)."""
    entries = sorted(value.items(), key=lambda item: item[0] != "total") if isinstance(value, dict) else \
        [("total", value)]
    parts = []
    for key, amount in entries:
        text = quantity(metric, amount, currency)
        if sense is None:
            parts.append(text if key == "total" else f"{key} {text}")
        else:
            head = metric if sense else ""
            where = "" if key == "total" else (f" in {key}" if sense else f"{key} ")
            parts.append(f"{head}{where} {sense} {text}".strip() if sense else f"{where}{text}")
    return ", ".join(parts)


def _validate_periods(console, scenario: Scenario) -> None:
    """The periods, cycles, pipeline and availability a scenario with periods sets."""
    cur = scenario.currency
    console.print(f"Periods: {', '.join(scenario.periods)}. Sales cycle: {_cycle(scenario.funnel.sales_cycle)}.")
    for c in scenario.channels:
        own = [f"available in {', '.join(scenario.available(c))}"] if c.available is not None else []
        own += [f"sales cycle {_cycle(c.sales_cycle)}"] if c.sales_cycle else []
        own += [f"{f} {limit_text('spend' if f.endswith('spend') else 'units', getattr(c, f), cur)}"
                for f in ("min_spend", "max_spend", "min_units", "max_units") if isinstance(getattr(c, f), dict)]
        if own:
            console.print(f"  {c.name}: {'; '.join(own)}.")
    for metric, entries in (scenario.pipeline or {}).items():
        console.print(f"Pipeline in flight ({metric}): {limit_text(metric, entries, cur)}.")


def _cycle(shares) -> str:
    shares = shares or (1.0,)
    later = f"0-{len(shares) - 1}" if len(shares) > 1 else "0"
    return " / ".join(percent(v) for v in shares) + f" closing {later} periods after the spend"


def validate_table(scenario: Scenario) -> str:
    from rich.table import Table

    info = understood(scenario)
    cur = scenario.currency
    buffer = io.StringIO()
    console = _console(buffer)
    goal = ", ".join(limit_text(m, v, cur, ">=") for m, v in scenario.targets.items()) or "none"
    console.print(f"{scenario.name}: valid. Objective {scenario.objective}; budget "
                  f"{limit_text('budget', scenario.budget, cur, '') if scenario.budget else 'none'}; targets: {goal}.")
    if scenario.periods:
        _validate_periods(console, scenario)
    caps = ", ".join(limit_text(m, v, cur, "<=") for m, v in scenario.caps.items())
    rules = "; ".join(spec.name or spec.expr for spec in scenario.constraints)
    if caps or rules:
        console.print(f"Caps: {caps or 'none'}. Constraints: {rules or 'none'}.")
    table = Table(title=f"What {money(PER_SPEND, cur)} buys in each channel", title_justify="left")
    for col in ("channel", "price", "enters at"):
        table.add_column(col)
    for m in scenario.metrics:
        table.add_column(STAGE_LABEL.get(m, m), justify="right")
    symbol = money(0, cur).split("0")[0]
    for c in info["channels"]:
        rows = [(c["name"], c["price"], c["per_1000"], c.get("tiers"), c.get("response_curve"))] \
            if "periods" not in c else [(f"{c['name']} in {p}", v["price"], v["per_1000"], v.get("tiers"),
                                         v.get("response_curve")) for p, v in c["periods"].items()]
        for name, price_of, per, schedule, curve in rows:
            price = f"{money(price_of, cur)} / {c['unit']}" if price_of else f"free ({c['unit']})"
            if schedule:
                price = describe(tuple(Tier(**t) for t in schedule), symbol, c["unit"])
            if curve:
                price = describe_curve(Curve(**curve), symbol, STAGE_LABEL.get(curve["stage"], curve["stage"]))
            buys = ["unlimited" if v == float("inf") else quantity(m, v, cur) for m, v in per.items()]
            table.add_row(name + (" (whole units)" if c["integer"] else ""), price,
                          STAGE_LABEL.get(c["entry"], "outside the funnel") if c["entry"] else "outside the funnel",
                          *buys)
    console.print(table)
    console.print("'-': the channel does not reach that stage, or a rate to reach it is not given.")
    set_ups = [f"{c['name']} {set_up_cell(c, cur)}" for c in info["channels"]
               if any(c.get(f) for f in ("fixed_cost", "min_units_if_used", "min_spend_if_used"))]
    if set_ups:  # a line rather than a column: the table keeps its width
        console.print(f"Set-up costs and minimum buys: {'; '.join(set_ups)}.")
    if scenario.sales_team:
        _roles_table(console, scenario)
    for w in info["warnings"]:
        console.print(f"warning: {w}")
    return _text(buffer)


def _roles_table(console, scenario: Scenario) -> None:
    """The sales roles: cost, capacity per rep, the capacity of the reps on staff per period, the
    most hires and the ramp."""
    from rich.table import Table

    cur = scenario.currency
    per = "per period" if scenario.periods else "over the horizon"
    table = Table(title=f"Sales team (cost and capacity {per})", title_justify="left")
    for col in ("role", "cost / rep", "capacity / rep", "on staff", "current capacity", "max hires", "ramp"):
        table.add_column(col, justify="left" if col in ("role", "ramp", "max hires") else "right")
    for r in scenario.sales_team:
        label = STAGE_LABEL.get(r.metric, r.metric)
        most = "no limit" if r.max_hires is None else limit_text("", r.max_hires, cur)
        ramp = " / ".join(percent(v) for v in r.ramp) + ", then 100%" if r.ramp else "full from the start"
        table.add_row(r.name + (" (whole reps)" if r.integer else ""), money(r.cost, cur),
                      f"{quantity(r.metric, r.per_rep, cur)} {label}", number(r.current),
                      f"{quantity(r.metric, r.per_rep * r.current, cur)} {label}", most, ramp)
    console.print(table)
