"""What ``check`` prints: the proposal's funnel, the limits it breaks and how it compares with the optimum.

Renderers take a finished :class:`~optimizer.proposal.CheckResult` and return text; they never solve.
"""

from __future__ import annotations

import io

from ..analysis.check import CheckResult
from ..scenario.funnel import STAGE_LABEL
from .formats import is_money, money, number, percent, quantity, to_json, unreachable_sentence
from .plan import _console, _metric_columns, _text, print_whole


def _amount(value: float | None, unit: str, currency: str) -> str:
    return money(value, currency) if unit == currency else f"{number(value)} {unit}".rstrip()


def _constraint_text(scenario, name: str) -> str:
    key = name[len("constraints["):-1]
    for i, spec in enumerate(scenario.constraints):
        if key in (spec.name, str(i)):
            return spec.expr
    return ""


def _unavailable(result: CheckResult, v) -> str:
    """``2 units bought in Q3, where events does not run (available in Q2, Q4)``."""
    name = v.name[len("channels["):-len("].available")]
    s = result.scenario
    channel = next(c for c in s.channels if c.name == name)
    runs = s.available(channel)
    k = list(s.channel_names).index(name)
    closed = [p.name for p in result.periods if p.name not in runs and p.channels[k].units > 0]
    unit = v.unit[:-1] if v.unit.endswith("s") and number(v.value) == "1" else v.unit  # 1 unit, 2 units
    return (f"{number(v.value)} {unit} bought in {', '.join(closed)}, where {name} does not run (available in "
            f"{', '.join(runs)})")


def _period_tables(console, result: CheckResult) -> None:
    """The proposal's spend per channel and period beside the optimum's, its funnel per period
    (qualified leads against each period's capacity), and what closes after the horizon."""
    from rich.table import Table

    s, cur, o = result.scenario, result.scenario.currency, result.optimum
    both = o.periods is not None and o.status == "optimal"
    title = "Spend by period: the proposal" + (f", then the optimum ({o.objective})" if both else "")
    spend = Table(title=title, title_justify="left")
    spend.add_column("channel", no_wrap=True)
    for p in result.periods:
        spend.add_column(p.name, justify="right")
    spend.add_column("horizon", justify="right")
    for k, c in enumerate(result.channels):
        spend.add_row(c.name, *[money(p.channels[k].spend, cur) for p in result.periods], money(c.spend, cur),
                      end_section=k == len(result.channels) - 1)
    spend.add_row("proposal total", *[money(p.total_spend, cur) for p in result.periods],
                  money(result.total_spend, cur), end_section=both)
    if both:
        for k, c in enumerate(result.channels):
            spend.add_row(f"optimum: {c.name}", *[money(p["spend"].get(c.name), cur) for p in o.periods],
                          money(o.spend.get(c.name), cur), end_section=k == len(result.channels) - 1)
        spend.add_row("optimum total", *[money(p["total_spend"], cur) for p in o.periods], money(o.total_spend, cur))
    print_whole(console, spend)
    # the title on a line of its own: as the table's, it would wrap at the table's width
    console.print("The proposal's funnel by period (deals and revenue: closing in the period, pipeline included)",
                  soft_wrap=True)
    funnel = Table()
    funnel.add_column("period")
    metrics = _metric_columns(s)
    for m in metrics:
        funnel.add_column(STAGE_LABEL.get(m, m), justify="right")
    flight = bool(s.pipeline)
    if flight:
        funnel.add_column("pipeline deals", justify="right")
    for p in result.periods:
        cells = []
        for m in metrics:
            cap = s.caps.get(m)
            limit = cap.get(p.name) if isinstance(cap, dict) else None
            cells.append(quantity(m, p.totals.get(m), cur) + (f" / {quantity(m, limit, cur)}" if limit is not None
                                                                else ""))
        funnel.add_row(p.name, *cells, *([number(p.pipeline.get("deals", 0.0))] if flight else []))
    print_whole(console, funnel)
    after = result.after_horizon
    if after and after.get("deals"):
        parts = ", ".join(f"{c['name']} {number(c['deals'])}" for c in after["channels"] if c["deals"])
        console.print(f"After the horizon: {number(after['deals'])} deals ({money(after['revenue'], cur)}) close after "
                      f"{result.periods[-1].name} and count toward nothing here: {parts}.", soft_wrap=True)


def _hires_text(hires: dict[str, dict[str, float]]) -> str:
    """``sdr 2 in Q1`` (``sdr 2`` without periods; ``no hires``), role by role."""
    parts = []
    for role, by in hires.items():
        when = [f"{number(n)} in {k}" if k != "total" else number(n) for k, n in by.items() if round(n, 6)]
        parts.append(f"{role} {', '.join(when)}" if when else f"{role} none")
    return "hires " + "; ".join(parts)


def check_json(result: CheckResult) -> str:
    return to_json(result.to_dict())


def check_table(result: CheckResult) -> str:
    """The proposal as a table (a row per channel, totals), then broken limits and the comparison."""
    from rich.table import Table

    s = result.scenario
    cur = s.currency
    buffer = io.StringIO()
    console = _console(buffer)
    broken = len(result.violations)
    verdict = "meets every limit" if not broken else f"breaks {broken} limit{'s' if broken > 1 else ''}"
    metrics = _metric_columns(s)
    table = Table(title=f"{s.name}: the proposed plan {verdict}", title_justify="left", show_footer=True)
    table.add_column("channel", footer="total", no_wrap=True, min_width=max(len(c.name) for c in result.channels))
    table.add_column("units", justify="right")
    table.add_column("spend", justify="right", footer=money(result.total_spend, cur))
    table.add_column("share", justify="right", footer=percent(1.0) if result.total_spend else "-")
    for m in metrics:
        table.add_column(STAGE_LABEL.get(m, m), justify="right", footer=quantity(m, result.totals.get(m), cur))

    def per(spend: float, amount: float | None) -> str:
        return money(spend / amount, cur) if amount else "-"

    def ratio(spend: float, revenue: float | None) -> str:
        return number(revenue / spend) + "x" if revenue is not None and spend > 0 else "-"

    t = result.totals
    table.add_column("cost/deal", justify="right", footer=per(result.total_spend, t.get("deals")))
    table.add_column("cost/QL", justify="right", footer=per(result.total_spend, t.get("qualified_leads")))
    table.add_column("return", justify="right", footer=ratio(result.total_spend, t.get("revenue")))
    for c in result.channels:
        table.add_row(c.name, number(c.units), money(c.spend, cur), percent(c.share),
                      *[quantity(m, c.metrics.get(m), cur) for m in metrics], per(c.spend, c.metrics.get("deals")),
                      per(c.spend, c.metrics.get("qualified_leads")), ratio(c.spend, c.metrics.get("revenue")))
    flight = {m: sum(p.pipeline.get(m, 0.0) for p in result.periods) for m in ("deals", "revenue")}
    if any(flight.values()):  # the totals count it; a row shows it, so that the column adds up (as optimize's)
        table.add_row("pipeline (in flight)", "", "", "",
                      *[quantity(m, flight[m], cur) if m in flight else "" for m in metrics], "", "", "")
    print_whole(console, table)
    if result.periods:
        _period_tables(console, result)
    if s.sales_team:  # the proposal's hires, capacity against use, and the budget's split (as optimize's)
        from .plan import _sales_team_table

        _sales_team_table(console, result)

    def say(text: str) -> None:  # prose is never wrapped: it is read, copied and compared in tests
        console.print(text, soft_wrap=True)

    if result.violations:
        say("Limits broken:")
        for v in result.violations:
            if v.name.endswith(".integer"):
                where = f" in {v.period}" if v.period else ""
                say(f"  {v.name}: {number(v.value)} is not a whole number of {v.unit}{where}")
                continue
            if v.name.startswith("constraints["):
                within = f", within {v.period}" if v.period else ""
                say(f"  {v.name} ({_constraint_text(s, v.base)}{within}): broken by "
                    f"{quantity(v.base, v.by, cur, s)} (left side minus right side)")
                continue
            if v.name.endswith("].available"):
                say(f"  {v.name}: {_unavailable(result, v)}")
                continue
            over = "over" if v.value > v.limit else "short"
            say(f"  {v.name}: {_amount(v.value, v.unit, cur)} against a limit of "
                          f"{_amount(v.limit, v.unit, cur)}: {over} by {_amount(v.by, v.unit, cur)}")
    o = result.optimum
    say(f"Compared with the optimum ({o.objective}):")
    if o.status == "unverified":
        say("  No optimum is proven (unverified: see campaign-optimizer optimize), so nothing is compared.")
    elif o.objective == "min_spend":
        if o.total_spend is None:
            say("  The scenario has no plan that meets every limit (see campaign-optimizer optimize).")
        else:
            if result.excess_cost >= 0:
                tail = f"this plan costs {money(result.excess_cost, cur)} more (excess cost)."
            else:
                tail = (f"this plan costs {money(-result.excess_cost, cur)} less, because it breaks limits the "
                        "optimum keeps.")
            hired = (f" ({money(o.total_spend, cur)} of marketing, {money(o.hiring_cost, cur)} of hiring: "
                     f"{_hires_text(o.hires)})" if o.hires is not None else "")
            say(f"  The cheapest plan meeting every limit costs {money(o.total_cost, cur)}{hired}; {tail}")
    else:
        metric = o.objective.removeprefix("max_")
        spent = "total cost" if s.sales_team else "spend"  # marketing and hiring: what the budget limits
        show = (lambda v: money(v, cur)) if is_money(o.objective) else number
        if o.objective_value is None:
            say(f"  With this plan's {spent} ({money(result.total_cost, cur)}) as the budget, no plan meets "
                          "every other limit.")
        else:
            tail = (f"it forgoes {show(result.forgone)}" if result.forgone >= 0 else
                    "more, because it breaks limits the best plan keeps")
            say(f"  With this plan's {spent} ({money(result.total_cost, cur)}) as the budget, the best plan "
                          f"gives {metric} {show(o.objective_value)}; this plan gives {show(result.objective_value)}: "
                          f"{tail}.")
    if o.diagnosis and o.diagnosis.unreachable:
        say("  " + unreachable_sentence(o.diagnosis.unreachable))
    e = result.cheapest_equivalent
    if e is None:
        say("  No plan buys as much as this one while keeping the other limits (budget aside).")
    else:
        what = ", ".join(f"{STAGE_LABEL.get(m, m)} {quantity(m, v, cur)}"
                         for m, v in e.metrics.items())
        parts = ", ".join(f"{name} {money(v, cur)}" for name, v in e.spend.items() if v > 0) or "nothing"
        if e.hires is not None:
            parts += f", hiring {money(e.hiring_cost, cur)} ({_hires_text(e.hires)})"
        say(f"  The cheapest plan buying at least as much ({what}), budget aside, costs "
                      f"{money(e.total_cost, cur)}: {parts}.")
    for w in s.warnings:
        say(f"warning: {w}")
    return _text(buffer)
