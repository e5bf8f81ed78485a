"""Reports people forward: an XLSX workbook, a self-contained HTML page, or Markdown.

:func:`write_report` takes a finished plan and (optionally) its sensitivity analysis and writes
them; it never solves. All three formats show the same tables, built once by :func:`report_tables`:

- **Plan**: a row per channel (spend, share, units, every funnel stage and metric, cost per deal,
  return on spend) and a total row;
- **Periods** (a scenario with periods only): a row per channel and period (units, spend, share of
  the period's spend, every stage; deals and revenue closing in the period), a tiered channel's
  tiers under it in each period, each period's pipeline, total and limits, the horizon's total, and
  what closes after the horizon;
- **Sales team** (a scenario with a sales team only): per role and period the reps hired, the
  role's capacity (reps on staff and hired, over their ramp) and what the plan uses of it, and the
  hiring cost paid in the period; then the total cost split into marketing spend and hiring;
- **Funnel**: each stage's total, what enters the funnel there, and the conversion from the stage
  before (over the channels that pass through both);
- **Limits**: every limit, binding or not, with its shadow prices and the range over which the
  price holds (from the sensitivity analysis; without one, the solver's duals, unchecked);
- **Inputs**: the scenario as read, each channel's rates after the funnel defaults are applied;
- **About**: provenance (scenario fingerprint, tool and solver versions) and the date (left out with
  ``timing=False``, for a report that comes out the same bytes each time).

Charts (spend by channel, the funnel, cost per deal; with periods, spend per period by channel;
with a sales team, capacity against use per period)
are embedded in the XLSX and the HTML and, when asked, written as PNG files too. Every file is
written atomically.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis.plan import Plan
from ..errors import Issue, NoPlanError, ScenarioError
from ..files import make_folder, write_atomic
from ..scenario.curves import price_unit
from ..scenario.funnel import DEFAULT_RATES, RATE_FIELDS, RATE_INTO, STAGE_LABEL, STAGES
from ..scenario.periods import by_period, horizon, value_in
from .formats import SYMBOLS, is_money, money, number, percent, quantity
from .plan import limit_text, objective_text

FORMATS = (".xlsx", ".html", ".md")
# where each chart goes: under the Plan, Periods or Funnel table, with its alternative text
PLACES = {"Plan": (("spend-by-channel", "Spend by channel"), ("cost-per-deal", "Cost per deal")),
          "Periods": (("spend-by-period", "Spend per period by channel"),),
          "Funnel": (("funnel", "The funnel from reach to revenue"),),
          "Sales team": (("sales-capacity", "Sales capacity against use per period"),)}
LIMIT_FIELDS = ("min_spend", "max_spend", "min_units", "max_units")

# a column's kind decides its number format everywhere: money, percent, count, rate, text
MONEY, PERCENT, COUNT, RATE, TEXT, FLAG, PRICE = "money", "percent", "count", "rate", "text", "flag", "price"


@dataclass(frozen=True)
class Sheet:
    """One table of the report: a title, typed columns, rows of plain values, and notes under it."""

    title: str
    columns: tuple[tuple[str, str], ...]  # (header, kind)
    rows: tuple[tuple[Any, ...], ...]
    notes: tuple[str, ...] = ()
    total: tuple[Any, ...] | None = None  # a last row in bold
    bold: frozenset[int] = frozenset()  # rows (their index in ``rows``) in bold: a period's total


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (revenue in a column of counts)."""

    value: float | None
    kind: str


def _unwrap(value: Any, kind: str) -> tuple[Any, str]:
    return (value.value, value.kind) if isinstance(value, Typed) else (value, kind)


def _metric_label(metric: str) -> str:
    return STAGE_LABEL.get(metric, metric)


def _per(spend: float, amount: float | None) -> float | None:
    return spend / amount if amount else None


def plan_sheet(plan: Plan) -> Sheet:
    s = plan.scenario
    metrics = shown_metrics(plan)
    columns = [("channel", TEXT), ("spend", MONEY), ("share", PERCENT), ("units", COUNT), ("unit", TEXT)]
    columns += [(_metric_label(m), MONEY if is_money(m) else COUNT) for m in metrics]
    ratios = [r for r in ("deals", "revenue") if r in metrics]  # cost per deal, return on spend
    columns += [(label, kind) for r, label, kind in (("deals", "cost per deal", MONEY),
                                                     ("revenue", "return on spend", RATE)) if r in ratios]
    unit = {c.name: price_unit(c) for c in s.channels}
    t = plan.totals
    ros = t["revenue"] / plan.total_spend if t.get("revenue") is not None and plan.total_spend else None
    own = {"deals": lambda c: c.cost_per_deal, "revenue": lambda c: c.return_on_spend}
    rows = []
    for c in plan.channels:
        rows.append((c.name, c.spend, c.share, c.units, unit[c.name], *[c.metrics.get(m) for m in metrics],
                     *[own[r](c) for r in ratios]))
        for label, tier, part in _tiers(c, s.currency):  # a tiered price: its tiers under it, as the plan's table
            rows.append((label, tier.spend, tier.spend / plan.total_spend if plan.total_spend else None, tier.units,
                         unit[c.name], *[None if c.metrics.get(m) is None else c.metrics[m] * part for m in metrics],
                         *[None for _ in ratios]))
    flight = {m: plan.program.in_flight(m) for m in ("deals", "revenue")}
    if any(flight.values()):  # the totals count the pipeline in flight: a row shows it, so that columns add up
        rows.append(("pipeline (in flight)", None, None, None, None, *[flight.get(m) for m in metrics],
                     *[None for _ in ratios]))
    whole = {"deals": _per(plan.total_spend, t.get("deals")), "revenue": ros}
    total = ("total", plan.total_spend, 1.0 if plan.total_spend else None, None, None,
             *[t.get(m) for m in metrics], *[whole[r] for r in ratios])
    status = "optimal" if plan.status == "optimal" else f"best found within the time limit ({plan.status})"
    notes = (f"Objective {plan.objective}: {_objective_text(plan)} ({status}).",
             "Units are what each channel's price is per (a lead, a contact, a unit such as one webinar).")
    if any(c.tiers for c in plan.channels):
        notes += ("A tiered price's tiers follow its channel (indented): the units and spend bought in each tier, "
                  "in order (each full before the next); they split the channel's row and are not added again "
                  "in the total.",)
    if plan.periods:
        notes += (f"Over the horizon ({plan.periods[0].name} to {plan.periods[-1].name}): deals and revenue are "
                  f"those closing inside it; what closes after {plan.periods[-1].name} is on the Periods sheet, "
                  "with every period's numbers.",)
    return Sheet("Plan", tuple(columns), tuple(rows), notes, total)


def _tiers(c, currency: str):
    """A tiered channel's tiers as rows: (label, tier, its part of the channel's units)."""
    for k, tier in enumerate(c.tiers or ()):
        end = f"to {number(tier.up_to)}" if tier.up_to is not None else "open"
        part = tier.units / c.units if c.units else 0.0  # each tier yields the same per unit
        yield f"  tier {k} ({money(tier.cost, currency)}, {end})", tier, part


def _period_label(metric: str) -> str:
    """A metric's column on the Periods sheet: deals and revenue are those closing in the period."""
    return f"{_metric_label(metric)} closing" if metric in ("deals", "revenue") else _metric_label(metric)


def _limit_rows(plan: Plan, metrics: list[str]) -> dict[str | None, list[tuple[Any, ...]]]:
    """The limits on each period's totals (its budget, caps and targets; key None: the horizon's),
    as an "at most" and an "at least" row with each limit in the column it limits."""
    cells: dict[tuple[str | None, str], dict[str, float]] = {}
    for limit in plan.constraints:
        if limit.kind in ("budget", "target", "cap") and limit.sense in ("<=", ">="):
            metric = "spend" if limit.kind == "budget" else limit.name.split(".")[1]
            cells.setdefault((limit.period, limit.sense), {})[metric] = limit.limit
    out: dict[str | None, list[tuple[Any, ...]]] = {}
    for period in (*[p.name for p in plan.periods], None):
        for sense, label in (("<=", "at most"), (">=", "at least")):
            if (found := cells.get((period, sense))):
                out.setdefault(period, []).append((label, period or "horizon", None, found.get("spend"), None,
                                                   *[found.get(m) for m in metrics]))
    return out


def periods_sheet(plan: Plan) -> Sheet:
    """A row per channel and period (spend, share of the period's spend, units, every stage: what
    falls in the period; deals and revenue: what closes in it), each period's pipeline, total and
    limits, the horizon's total, and what closes after the horizon, per channel and in total."""
    metrics = shown_metrics(plan)
    columns = [("channel", TEXT), ("period", TEXT), ("units", COUNT), ("spend", MONEY),
               ("share of the period's spend", PERCENT)]
    columns += [(_period_label(m), MONEY if is_money(m) else COUNT) for m in metrics]
    rows: list[tuple[Any, ...]] = []
    bold = set()
    flight = bool(plan.program.pipeline)
    limits = _limit_rows(plan, metrics)
    for p in plan.periods:
        for c in p.channels:
            rows.append((c.name, p.name, c.units, c.spend, c.spend / p.total_spend if p.total_spend else None,
                         *[c.metrics.get(m) for m in metrics]))
            for label, tier, part in _tiers(c, plan.scenario.currency):  # tiers count the period's own units
                rows.append((label, p.name, tier.units, tier.spend, tier.spend / p.total_spend if p.total_spend
                             else None, *[None if m in ("deals", "revenue") or c.metrics.get(m) is None
                                          else c.metrics[m] * part for m in metrics]))
        if flight:
            rows.append(("pipeline (in flight)", p.name, None, None, None,
                         *[p.pipeline.get(m, 0.0) if m in ("deals", "revenue") else None for m in metrics]))
        bold.add(len(rows))
        rows.append(("total", p.name, None, p.total_spend, 1.0 if p.total_spend else None,
                     *[p.totals.get(m) for m in metrics]))
        rows += limits.get(p.name, [])
    bold.add(len(rows))
    rows.append(("total", "horizon", None, plan.total_spend, 1.0 if plan.total_spend else None,
                 *[plan.totals.get(m) for m in metrics]))
    rows += limits.get(None, [])
    last = plan.periods[-1].name
    after = plan.after_horizon or {}

    def closing_after(deals: float | None, revenue: float | None) -> list[Any]:
        return [deals if m == "deals" else revenue if m == "revenue" else None for m in metrics]

    closes = "deals" in metrics or "revenue" in metrics
    if closes:
        for c in after.get("channels", []):
            rows.append((c["name"], f"after {last}", None, None, None, *closing_after(c["deals"], c["revenue"])))
        bold.add(len(rows))
        rows.append(("total", f"after {last}", None, None, None,
                     *closing_after(after.get("deals"), after.get("revenue"))))
    notes = ["Spend, units and every stage of the funnel fall in the period of the spend"
             + ("; deals and revenue are those closing in the period, after the sales cycle's lag." if closes else ".")]
    if any(c.tiers for p in plan.periods for c in p.channels):
        notes.append("A tiered price's tiers follow its channel in each period (indented): the units, spend and "
                     "stages bought in each tier within the period (tiers count the units bought in the period), "
                     "in order (each full before the next); they split the channel's row and are not added again "
                     "in the total. Deals and "
                     "revenue closing in a period are the channel's, not split by tier (they come from earlier "
                     "periods' spend too).")
    if flight:
        notes.append("A period's total counts the pipeline in flight (deals opened before "
                     f"{plan.periods[0].name}); a channel's rows do not.")
    notes.append("at most, at least: the limits on a period's own totals (its budget, caps and targets), each in the "
                 "column it limits; horizon: the limits over the whole horizon. The Limits sheet has every limit, "
                 "named by its path, with its slack and shadow price.")
    if closes:
        notes.append(f"after {last}: deals (and their revenue) that this plan's spend brings but that close after "
                     f"{last}: they count toward no target, cap or objective here.")
    return Sheet("Periods", tuple(columns), tuple(rows), tuple(notes), bold=frozenset(bold))


def sales_team_sheet(plan: Plan) -> Sheet:
    """Per sales role and period: reps hired, capacity, used, and the hiring cost paid in the period
    (a role's total row: its hires and hiring cost over the horizon); then marketing spend, hiring
    cost and the total cost the budget limits."""
    program, units = plan.program, plan.units
    rows: list[tuple[Any, ...]] = []
    bold = set()
    for role in plan.sales_team:
        metric = _metric_label(role.metric)
        own = program.hires_of(role.name)
        for k, key in enumerate(role.hires):
            paid = float(sum(h.costs[k] * float(units[h.column]) for h in own)) + 0.0 if program.periods \
                else role.hiring_cost
            rows.append((role.name, metric, key, role.hires[key], role.capacity[key], role.used[key], paid))
        if program.periods:
            bold.add(len(rows))
            rows.append((role.name, metric, "horizon", float(sum(role.hires.values())) + 0.0, None, None,
                         role.hiring_cost))
    bold.update(range(len(rows), len(rows) + 3))
    rows += [("marketing spend", None, "horizon", None, None, None, plan.total_spend),
             ("hiring cost", None, "horizon", None, None, None, plan.hiring_cost),
             ("total cost", None, "horizon", None, None, None, plan.total_cost)]
    budget = plan.scenario.budget
    total = horizon(budget) if isinstance(budget, dict) else budget
    notes = ["capacity: what the role's reps follow up of its metric in the period (reps on staff, and those hired so "
             "far at their ramp's share); used: the plan's total of that metric in the period. A hire costs the "
             "role's cost in the period hired and every later one." if program.periods else
             "capacity: what the role's reps follow up of its metric (reps on staff and hired); used: the plan's "
             "total of that metric. A hire costs the role's cost once.",
             "total cost: marketing spend plus hiring, what the budget limits"
             + (f" ({money(total, plan.scenario.currency)} budget)." if total is not None else ".")]
    columns = (("role", TEXT), ("metric", TEXT), ("period", TEXT), ("hires", COUNT), ("capacity", COUNT),
               ("used", COUNT), ("hiring cost", MONEY))
    return Sheet("Sales team", columns, tuple(rows), tuple(notes), bold=frozenset(bold))


def shown_metrics(plan: Plan) -> list[str]:
    """The metrics worth a column: any the plan yields, or the scenario names (targets, caps, objective)."""
    s = plan.scenario
    named = set(s.targets) | set(s.caps) | {s.objective_metric} | {m for c in s.channels for m in c.caps}
    return [m for m in s.metrics if m in named or any(c.metrics.get(m) for c in plan.channels)]


def _objective_text(plan: Plan) -> str:
    return objective_text(plan.objective_value, plan.objective, plan.scenario.currency)


def funnel_sheet(plan: Plan) -> Sheet:
    s = plan.scenario
    entry = {c.name: s.yields[c.name].entry for c in s.channels}
    rows = []
    for i, stage in enumerate(STAGES):
        total = plan.totals.get(stage)
        entering = sum(c.metrics.get(stage) or 0.0 for c in plan.channels if entry[c.name] == stage)
        conversion = None
        if i > 0 and stage != "revenue":
            # over the channels that pass through both stages (entered before this one)
            through = [c for c in plan.channels if entry[c.name] is not None
                       and STAGES.index(entry[c.name]) < i]
            before = sum(c.metrics.get(STAGES[i - 1]) or 0.0 for c in through)
            after = sum(c.metrics.get(stage) or 0.0 for c in through)
            conversion = after / before if before > 0 else None
        if stage == "revenue":
            rows.append((STAGE_LABEL[stage], Typed(total, MONEY), None, None))
        else:
            rows.append((STAGE_LABEL[stage], total, entering, conversion))
    deals, revenue = plan.totals.get("deals"), plan.totals.get("revenue")
    notes = ["conversion: the share of the stage before that reaches this one, over the channels that pass "
             "through both; entering: bought directly at this stage (a channel's price or yields)."]
    if not any(plan.totals.get(stage) for stage in STAGES):
        notes.insert(0, "No channel of this plan brings volume into the funnel.")
    if deals and revenue is not None:
        notes.append(f"Revenue per deal: {money(revenue / deals, s.currency)}.")
    if plan.periods:
        notes.append(f"Over the horizon ({plan.periods[0].name} to {plan.periods[-1].name}): deals and revenue are "
                     "those closing inside it (the total counts the pipeline in flight); the conversion to deals "
                     "counts only those, so with a sales cycle it is below the win rate. The Periods sheet has "
                     "each period's funnel and what closes after the horizon.")
    return Sheet("Funnel", (("stage", TEXT), ("total", COUNT), ("entering here", COUNT),
                            ("conversion from the stage before", PERCENT)), tuple(rows), tuple(notes))


def limits_sheet(plan: Plan, sensitivity: Any | None) -> Sheet:
    """Every limit; shadow prices and ranges from ``sensitivity.to_dict()["limits"]`` when given."""
    by_name = {}
    if sensitivity is not None:
        by_name = {row["name"]: row for row in sensitivity.to_dict()["limits"]}
    duals = plan.solution.duals
    periods = bool(plan.periods)
    rows = []
    for k, state in enumerate(plan.constraints):
        if periods and state.name.endswith("].available"):
            continue  # a period a channel does not run in: no units there, nothing to price
        if state.kind in ("tier", "set_up"):
            # a tier's width is the schedule (the Plan sheet shows it), a set-up's rows tie its units to
            # its on/off choice (the Plan sheet's fixed cost and used): not limits a user moves
            continue
        row = by_name.get(state.name)
        base = state.name  # budget.Q4 is money as budget is, constraints[x].Q1 as constraints[x]
        if state.period and base.endswith(f".{state.period}"):
            base = base[:-len(state.period) - 1]
        spendy = is_money(base, plan.scenario)

        def amount(value: float | None, spendy: bool = spendy) -> Any:
            return Typed(value, MONEY) if spendy else value

        if row is not None:
            prices = (row.get("shadow_price"), row.get("shadow_price_down"), amount(row.get("valid_from")),
                      amount(row.get("valid_to")))
        else:
            dual = None if duals is None or duals[k] != duals[k] else float(duals[k])
            prices = (dual, None, None, None)
        rows.append((state.name, *((state.period or "",) if periods else ()), state.kind, state.sense,
                     amount(state.value), amount(state.limit), amount(state.slack), "yes" if state.binding else "no",
                     *prices))
    if sensitivity is not None:
        notes = ("shadow price: the change of the objective per one unit more of the limit; one unit less: the change "
                 "per one unit less (they differ where the plan is degenerate); the price holds while the limit "
                 "stays between 'valid from' and 'valid to' (empty: no end). From the sensitivity analysis, each "
                 "price checked by re-solving.",)
        analysed_as = getattr(sensitivity, "analysed_as", "lp")
        ordered = getattr(sensitivity, "tier_order", None) is not None
        whole = not ordered or any(c.integer for c in plan.scenario.channels)
        if analysed_as == "integers_fixed" and whole:
            held = [x.name for x in sensitivity.limits if getattr(x, "held", False)]
            from .whatif import held_note

            notes += (held_note(plan.scenario) + (f" No shadow price for {', '.join(held)}: held at the planned whole "
                                                "units." if held else ""),)
        elif analysed_as == "relaxed":
            notes += ("Shadow prices and ranges are those of the LP relaxation (whole units may be fractions), "
                      "not of the whole-unit plan above.",)
        if ordered:
            from .whatif import tier_order_note

            notes += (tier_order_note(sensitivity),)
        notes += tuple(getattr(sensitivity, "notes", ()))  # what the text output says too (a curve: no price range)
    else:
        notes = ("shadow price: the solver's dual, the change of the objective per one unit more of the limit, "
                 "not checked by re-solving (no sensitivity analysis was given to the report); ranges are not "
                 "computed." if not plan.program.integer else
                 "This plan has whole-unit channels and no sensitivity analysis was given to the report: no shadow "
                 "prices.",)
    if periods:
        notes += ("period: the period a limit holds in (empty: over the whole horizon); each limit is named by its "
                  "path, as in --set (caps.qualified_leads.Q3). The periods a channel does not run in "
                  "(channels[NAME].available) are left out: the channel buys nothing there.",)
    columns = (("limit", TEXT), *((("period", TEXT),) if periods else ()), ("kind", TEXT), ("sense", TEXT),
               ("value", COUNT), ("limit value", COUNT), ("slack", COUNT), ("binding", FLAG), ("shadow price", PRICE),
               ("shadow price, one unit less", PRICE), ("valid from", COUNT), ("valid to", COUNT))
    return Sheet("Limits", columns, tuple(rows), notes)


_VARIES = object()  # a value given by period, on a row that is not one period's


def _at(value: Any, period: str | None) -> Any:
    """A value in ``period``; ``period`` None (every period at once): the number, or ``_VARIES``."""
    if period is None:
        return _VARIES if isinstance(value, dict) else value
    return value_in(value, period)


def _effective_rates(plan: Plan, channel, period: str | None = None) -> list[float | None]:
    """A channel's rates after the funnel defaults apply (in ``period``, where the scenario has
    periods); empty where a rate does not apply, or varies by period on a row of every period."""
    s = plan.scenario
    y = s.yields[channel.name]
    out = []
    for stage, rate in RATE_INTO.items():
        applies = (y.entry is not None and STAGES.index(stage) > STAGES.index(y.entry)
                   and stage not in (channel.yields or {}))
        value = _at(getattr(channel, rate), period)
        if value is None:
            value = _at(s.default_rates.get(rate), period)
        if value is None:
            value = DEFAULT_RATES.get(rate)
        out.append(value if applies and value is not _VARIES else None)
    return out


def inputs_sheet(plan: Plan) -> Sheet:
    s = plan.scenario
    if s.periods:
        return _inputs_by_period(plan)
    columns = [("channel", TEXT), ("price", MONEY), ("per", TEXT), ("enters at", TEXT)]
    columns += [(rate.replace("_", " "), MONEY if is_money(rate) else PERCENT) for rate in RATE_FIELDS]
    columns += [("min spend", MONEY), ("max spend", MONEY), ("min units", COUNT), ("max units", COUNT),
                ("caps", TEXT), ("yields per unit", TEXT), ("whole units", FLAG)]
    rows = []
    for c in s.channels:
        entry = s.yields[c.name].entry
        rows.append((c.name, _price_cell(getattr(c, c.price_field), c, s.currency), price_unit(c),
                     STAGE_LABEL[entry] if entry else "outside the funnel",
                     *_effective_rates(plan, c), c.min_spend, c.max_spend, c.min_units, c.max_units,
                     ", ".join(f"{m} <= {quantity(m, v, s.currency)}" for m, v in c.caps.items()),
                     ", ".join(f"{m} {quantity(m, v, s.currency)}" for m, v in (c.yields or {}).items()),
                     "yes" if c.integer else "no"))
    notes = [f"Scenario {s.name}: objective {s.objective}; currency {s.currency}; budget "
             f"{money(s.budget, s.currency) if s.budget is not None else 'none'}."]
    if s.targets:
        notes.append("Targets: " + "; ".join(f"{m} >= {quantity(m, v, s.currency)}" for m, v in s.targets.items())
                     + ".")
    if s.caps:
        notes.append("Caps: " + "; ".join(f"{m} <= {quantity(m, v, s.currency)}" for m, v in s.caps.items()) + ".")
    for i, spec in enumerate(s.constraints):
        notes.append(f"constraints[{spec.name or i}]: {spec.expr}")
    notes.append("Rates are after the funnel defaults are applied; empty where a rate does not apply to the channel.")
    return Sheet("Inputs", tuple(columns), tuple(rows), tuple(notes))


def _price_cell(value: Any, channel, currency: str) -> Any:
    """A price as the Inputs sheet shows it: the number, or a tiered price's schedule in words
    ("$35 / lead to 2,000, $55 to 5,000, then $90", as ``validate`` shows it)."""
    if type(value) is not tuple:
        return value
    from ..scenario.tiers import describe

    return describe(value, money(0, currency).split("0")[0], price_unit(channel))


def _by_period(channel, scenario) -> bool:
    """Whether a channel's inputs differ by period: a price, rate (its own or the funnel's), yield,
    limit or cap given by period."""
    values = [getattr(channel, f) for f in (channel.price_field, *RATE_FIELDS, *LIMIT_FIELDS)]
    values += [*(channel.yields or {}).values(), *channel.caps.values(), *scenario.default_rates.values()]
    return any(isinstance(v, dict) for v in values)


def _inputs_by_period(plan: Plan) -> Sheet:
    """The Inputs sheet of a scenario with periods: a row per channel over the horizon (the values
    that hold in every period, the limits over the whole horizon, where it runs, its sales cycle),
    then, where any input is given by period, a row per period it runs in with its values there."""
    from .plan import _cycle

    s = plan.scenario
    cur = s.currency
    columns = [("channel", TEXT), ("period", TEXT), ("price", MONEY), ("per", TEXT), ("enters at", TEXT)]
    columns += [(rate.replace("_", " "), MONEY if is_money(rate) else PERCENT) for rate in RATE_FIELDS]
    columns += [("min spend", MONEY), ("max spend", MONEY), ("min units", COUNT), ("max units", COUNT),
                ("caps", TEXT), ("yields per unit", TEXT), ("whole units", FLAG), ("runs in", TEXT),
                ("sales cycle", TEXT)]

    def shown(value: Any) -> Any:
        return None if value is _VARIES else value

    rows = []
    for c in s.channels:
        entry = s.yields[c.name].entry
        enters = STAGE_LABEL[entry] if entry else "outside the funnel"
        unit = price_unit(c)
        caps = ", ".join(f"{m} <= {quantity(m, horizon(v), cur)}" for m, v in c.caps.items() if horizon(v) is not None)
        yields = ", ".join(f"{m} {quantity(m, v, cur)}" for m, v in (c.yields or {}).items() if not isinstance(v, dict))
        runs = ", ".join(s.available(c)) if c.available is not None else "every period"
        rows.append((c.name, "horizon", _price_cell(shown(_at(getattr(c, c.price_field), None)), c, cur), unit, enters,
                     *_effective_rates(plan, c), *[horizon(getattr(c, f)) for f in LIMIT_FIELDS], caps, yields,
                     "yes" if c.integer else "no", runs, _cycle(c.sales_cycle) if c.sales_cycle else "the funnel's"))
        if not _by_period(c, s):
            continue
        for p in s.available(c):
            caps = ", ".join(f"{m} <= {quantity(m, by_period(v)[p], cur)}" for m, v in c.caps.items()
                             if p in by_period(v))
            yields = ", ".join(f"{m} {quantity(m, value_in(v, p), cur)}" for m, v in (c.yields or {}).items())
            rows.append((c.name, p, _price_cell(value_in(getattr(c, c.price_field), p), c, cur), unit, enters,
                         *_effective_rates(plan, c, p),
                         *[by_period(getattr(c, f)).get(p) for f in LIMIT_FIELDS], caps, yields, None, None, None))
    notes = [f"Scenario {s.name}: objective {s.objective}; currency {cur}; budget "
             f"{limit_text('budget', s.budget, cur) if s.budget is not None else 'none'}.",
             f"Periods: {', '.join(s.periods)}. Sales cycle: {_cycle(s.funnel.sales_cycle)}."]
    if s.targets:
        notes.append("Targets: " + "; ".join(limit_text(m, v, cur, ">=") for m, v in s.targets.items()) + ".")
    if s.caps:
        notes.append("Caps: " + "; ".join(limit_text(m, v, cur, "<=") for m, v in s.caps.items()) + ".")
    for metric, entries in (s.pipeline or {}).items():
        notes.append(f"Pipeline in flight ({metric}): {limit_text(metric, entries, cur)}.")
    for i, spec in enumerate(s.constraints):
        within = " (within every period)" if spec.each_period else f" (within {spec.period})" if spec.period else ""
        notes.append(f"constraints[{spec.name or i}]: {spec.expr}{within}")
    notes.append("horizon: the values that hold in every period (empty where one is given by period) and the limits "
                 "over the whole horizon; a row per period, where any input of the channel is given by period: its "
                 "price, rates and yields in that period and the limits within it (the periods it runs in only).")
    notes.append("Rates are after the funnel defaults are applied; empty where a rate does not apply to the channel.")
    return Sheet("Inputs", tuple(columns), tuple(rows), tuple(notes))


def about_sheet(plan: Plan, sensitivity: Any | None, when: dt.datetime | None) -> Sheet:
    """Provenance, and the date the report was made unless ``when`` is None (a report that must
    come out byte for byte the same each time)."""
    from ..version import __version__

    p = plan.provenance.to_dict()
    rows = (("scenario", plan.scenario.name), ("scenario_sha256", p["scenario_sha256"]),
            ("tool", f"campaign-optimizer {__version__}"), ("tool_version", p["tool_version"]),
            ("solver", p["solver"]), ("solver_version", p["solver_version"]), ("status", plan.status),
            ("objective", plan.objective),
            ("objective_value", Typed(plan.objective_value, MONEY if is_money(plan.objective) else COUNT)),
            ("sensitivity", "analysed (shadow prices checked by re-solves)" if sensitivity is not None
             else "not analysed: solver duals only"))
    if when is not None:
        rows += (("generated", when.strftime("%Y-%m-%d %H:%M UTC")),)
    return Sheet("About", (("field", TEXT), ("value", TEXT)), rows,
                 ("The same scenario_sha256 means the same validated scenario: solve it with the same tool and "
                  "solver versions to reproduce every number here.",))


def report_tables(plan: Plan, sensitivity: Any | None = None, when: dt.datetime | None = None,
                  timing: bool = True) -> list[Sheet]:
    """The report's tables, in order: Plan, Periods (a scenario with periods only), Sales team (a
    scenario with a sales team only), Funnel, Limits, Inputs, About.

    About says when the report was made (``when``, by default now), unless ``timing`` is False.
    """
    if not plan.has_plan:
        raise NoPlanError(f"{plan.scenario.name} has no plan ({plan.status}): there is nothing to report",
                          status=str(plan.status))
    when = (when or dt.datetime.now(dt.UTC)) if timing else None
    periods = [periods_sheet(plan)] if plan.periods else []
    team = [sales_team_sheet(plan)] if plan.scenario.sales_team else []
    return [plan_sheet(plan), *periods, *team, funnel_sheet(plan), limits_sheet(plan, sensitivity), inputs_sheet(plan),
            about_sheet(plan, sensitivity, when)]


# -- writing ---------------------------------------------------------------------------------------
def check_report_path(path: str | Path) -> str:
    """The report's format from its suffix (``.xlsx``, ``.html``, ``.md``); bad input before any solving."""
    path = Path(path)
    suffix = path.suffix.lower()
    suffix = ".html" if suffix == ".htm" else suffix
    if suffix not in FORMATS:
        raise ScenarioError(Issue("--output", f"{path.name}: a {suffix or 'file without suffix'} report cannot be "
                                              "written; allowed: a .xlsx, .html or .md file"))
    if path.is_dir():
        raise ScenarioError(Issue("--output", f"{path} is a folder; allowed: a file name ending .xlsx, .html or .md"))
    return suffix


def write_report(plan: Plan, sensitivity: Any | None, path: str | Path, charts_dir: str | Path | None = None,
                 when: dt.datetime | None = None, timing: bool = True) -> list[Path]:
    """Write the report of ``plan`` to ``path`` (.xlsx, .html or .md), charts also to ``charts_dir``.

    ``sensitivity`` is the analysis of the same plan (an object whose ``to_dict()["limits"]`` lists
    ``{name, shadow_price, shadow_price_down, valid_from, valid_to, ...}``), or None. The About
    table says when the report was made (``when``, by default now); ``timing=False`` leaves the date
    out, so the same plan writes the same bytes each time (.html and .md; the .xlsx file's zip
    entries and document properties still carry the time). Returns the files written, the report
    first.
    """
    path = Path(path)
    suffix = check_report_path(path)
    sheets = report_tables(plan, sensitivity, when, timing)
    from .charts import draw_all

    # Markdown shows charts only as links to files: without --charts there is nothing to draw
    charts = draw_all(plan) if suffix != ".md" or charts_dir is not None else {}
    written = []
    if charts_dir is not None:
        make_folder(charts_dir, "--charts")
        for stem, png in charts.items():
            target = Path(charts_dir) / f"{stem}.png"
            write_atomic(target, png)
            written.append(target)
    if suffix == ".xlsx":
        content: str | bytes = xlsx_bytes(plan, sheets, charts)
    elif suffix == ".html":
        content = html_text(plan, sheets, charts)
    else:
        links = None
        if charts_dir is not None:
            links = {stem: Path(os.path.relpath(Path(charts_dir) / f"{stem}.png", path.parent)).as_posix()
                     for stem in charts}
        content = markdown_text(plan, sheets, links)
    write_atomic(path, content)
    return [path, *written]


def _currency_format(currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f'"{symbol}"#,##0;-"{symbol}"#,##0'
    # the scenario's own code, each character a literal (a quote or a ; in it cannot break the format)
    code = "".join(f"\\{ch}" for ch in currency) if '"' in currency or "\\" in currency else f'"{currency}"'
    return f"#,##0 {code};-#,##0 {code}"


def _put(ws, row: int, column: int, value: Any):
    """Write one cell: a number as a number, any text as text.

    openpyxl reads a string starting with ``=`` as a formula and ``#N/A`` as an error; a scenario's
    own words (its name, metric keys, constraint names and expressions, the currency) must stay text,
    so every text cell is typed a string, with the quote-prefix style that keeps Excel from reading
    it as a formula once edited. Nothing is added to the text. Characters XML cannot hold (control
    characters) become U+FFFD.
    """
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        cell = ws.cell(row, column, ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return ws.cell(row, column, value)


def xlsx_bytes(plan: Plan, sheets: list[Sheet], charts: dict[str, bytes]) -> bytes:
    """The workbook: a sheet per table, typed cells with number formats, frozen header, charts."""
    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    formats = {MONEY: _currency_format(plan.scenario.currency), PERCENT: "0.0%", COUNT: "#,##0.00",
               RATE: '0.00"x"', PRICE: "General"}
    book = Workbook()
    book.remove(book.active)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    placed = {title: [stem for stem, _ in places] for title, places in PLACES.items()}
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        for col, (header, _) in enumerate(sheet.columns, start=1):
            _put(ws, 1, col, header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        body = list(sheet.rows) + ([sheet.total] if sheet.total else [])
        for r, values in enumerate(body, start=2):
            for col, (value, (_, column_kind)) in enumerate(zip(values, sheet.columns), start=1):
                value, kind = _unwrap(value, column_kind)
                cell = _put(ws, r, col, value)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell.number_format = formats.get(kind, "#,##0.00")
        for r in sorted(sheet.bold):
            for cell in ws[r + 2]:
                cell.font = Font(bold=True)
        if sheet.total:
            for cell in ws[len(body) + 1]:
                cell.font = Font(bold=True)
        ws.freeze_panes = {"Plan": "B2", "Inputs": "B2", "Limits": "B2", "Periods": "C2"}.get(sheet.title, "A2")
        for col, (header, kind) in enumerate(sheet.columns, start=1):
            lengths = [len(header) if len(header) <= 14 else 14]
            for values in body:
                value, cell_kind = _unwrap(values[col - 1], kind)
                if isinstance(value, str):
                    lengths.append(len(value))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    lengths.append(len(money(value, plan.scenario.currency)) + 1 if cell_kind == MONEY else 10)
            ws.column_dimensions[get_column_letter(col)].width = min(max(lengths) + 2, 70)
        ws.row_dimensions[1].height = 32
        # printed (or as PDF): landscape, every column on one page width, the header on every page
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.print_title_rows = "1:1"
        next_row = len(body) + 3
        for note in sheet.notes:
            _put(ws, next_row, 1, note).font = Font(italic=True)
            next_row += 1
        next_row += 1
        for stem in [stem for stem in placed.get(sheet.title, []) if stem in charts]:
            image = Image(io.BytesIO(charts[stem]))
            ws.add_image(image, f"A{next_row}")
            next_row += int(image.height / 20) + 2
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell_text(value: Any, kind: str, currency: str) -> str:
    value, kind = _unwrap(value, kind)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value
    if kind == MONEY:
        return money(value, currency)
    if kind == PERCENT:
        return percent(value)
    if kind == RATE:
        return number(value) + "x"
    if kind == PRICE and value and abs(value) < 100:
        return f"{value:.4g}"  # a price per unit of revenue target is a fraction of one: keep its digits
    return number(value)


def html_text(plan: Plan, sheets: list[Sheet], charts: dict[str, bytes]) -> str:
    """One self-contained page: inline style, charts as data: URIs, no scripts, no network."""
    s = plan.scenario
    cur = s.currency
    esc = html.escape

    def image(stem: str, alt: str) -> str:
        data = base64.b64encode(charts[stem]).decode("ascii")
        return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'

    def table(sheet: Sheet) -> str:
        head = "".join(f"<th>{esc(h)}</th>" for h, _ in sheet.columns)
        numeric = [kind not in (TEXT, FLAG) for _, kind in sheet.columns]

        def row(values, tag="td", cls=""):
            cells = "".join(f'<{tag}{" class=num" if n else ""}>{esc(_cell_text(v, k, cur))}</{tag}>'
                            for v, (_, k), n in zip(values, sheet.columns, numeric))
            return f"<tr{cls}>{cells}</tr>"

        body = "".join(row(values, cls=' class="total"' if i in sheet.bold else "")
                       for i, values in enumerate(sheet.rows))
        if sheet.total:
            body += row(sheet.total, cls=' class="total"')
        notes = "".join(f"<p class=note>{esc(n)}</p>" for n in sheet.notes)
        anchor = sheet.title.lower().replace(" ", "-")
        return (f'<section id="{anchor}"><h2>{esc(sheet.title)}</h2>'
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}")

    parts = []
    for sheet in sheets:
        section = table(sheet)
        for stem, alt in PLACES.get(sheet.title, ()):
            if stem in charts:
                section += image(stem, alt)
        parts.append(section + "</section>")
    title = f"{s.name}: {plan.objective} = {_objective_text(plan)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="campaign-optimizer">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 72rem;
       padding: 0 1rem; color: #1d2733; }}
h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccd; }}
table {{ border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }}
th, td {{ border: 1px solid #d6dbe3; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
th {{ background: #dce6f1; }} td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.total td {{ font-weight: bold; background: #f3f6fa; }}
p.note {{ font-size: 0.8rem; color: #556; margin: 0.25rem 0; }}
figure {{ margin: 1rem 0; }} img {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{esc(title)}</h1>
{"".join(parts)}
</body>
</html>
"""


# code, emphasis, strikethrough, table cells; a link or image needs "](" or "][" (a reference
# definition would need a line of its own, and every line starts with the writer's own text); "_"
# makes emphasis only at a word's edge
_MARKDOWN_SPECIAL = re.compile(r"[\\`*~|]|\](?=[(\[])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_HTML_START = re.compile(r"<(?=[A-Za-z/!?])|&(?=[A-Za-z#])")  # a tag, comment or autolink; an entity


def markdown_escape(text: str) -> str:
    """Text shown as typed in Markdown: no emphasis, link, code, HTML tag or table cell made from it.

    Markdown characters get a backslash where they could mark something up (``_`` only at a word's
    edge, so ``direct_mail`` stays; ``]`` only before ``(`` or ``[``, so ``channels[email]`` stays);
    a ``<`` that would open a tag and an ``&`` that would start an entity become entities; a line
    break becomes a space (a table row is one line).

    >>> markdown_escape("<img src=x onerror=alert(1)> *a* [b](c) | direct_mail _d_ <= 3")
    '&lt;img src=x onerror=alert(1)> \\\\*a\\\\* [b\\\\](c) \\\\| direct_mail \\\\_d\\\\_ <= 3'
    """
    text = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    text = _HTML_START.sub(lambda m: "&lt;" if m.group(0) == "<" else "&amp;", text)
    return text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def markdown_text(plan: Plan, sheets: list[Sheet], chart_links: dict[str, str] | None = None) -> str:
    """Markdown for a document or a wiki: a heading and a pipe table per sheet; charts linked when written."""
    cur = plan.scenario.currency
    cell = markdown_escape

    lines = [f"# {cell(plan.scenario.name)}: {plan.objective} = {_objective_text(plan)}", ""]
    for sheet in sheets:
        lines += [f"## {sheet.title}", ""]
        lines.append("| " + " | ".join(cell(h) for h, _ in sheet.columns) + " |")
        lines.append("|" + "|".join("---" if kind in (TEXT, FLAG) else "---:" for _, kind in sheet.columns) + "|")
        def bold(values, columns=sheet.columns) -> str:
            return "| " + " | ".join(f"**{cell(t)}**" if (t := _cell_text(v, k, cur)) else ""
                                     for v, (_, k) in zip(values, columns)) + " |"

        for i, values in enumerate(sheet.rows):
            lines.append(bold(values) if i in sheet.bold else
                         "| " + " | ".join(cell(_cell_text(v, k, cur)) for v, (_, k) in zip(values, sheet.columns))
                         + " |")
        if sheet.total:
            lines.append(bold(sheet.total))
        lines.append("")
        for note in sheet.notes:
            lines += [f"_{cell(note)}_", ""]
        if chart_links:
            for stem in [stem for stem, _ in PLACES.get(sheet.title, ()) if stem in chart_links]:
                lines += [f"![{stem.replace('-', ' ')}]({chart_links[stem]})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
