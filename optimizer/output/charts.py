"""The report's charts as PNG images (matplotlib, Agg): spend by channel, the funnel, cost per deal,
(a plan by period) spend per period by channel, and (a sales team) capacity against use.

Each function takes a finished :class:`~optimizer.plan.Plan` and returns PNG bytes; nothing here
solves. matplotlib is imported inside the functions, so commands that draw nothing never load it.
"""

from __future__ import annotations

import io

from ..analysis.plan import Plan
from ..scenario.funnel import STAGE_LABEL, STAGES
from .formats import SYMBOLS, money, number

DPI = 100
COLOR = "#2f6690"
ACCENT = "#d9822b"
OTHERS_COLOR = "#9aa5b1"
# A chart names at most this many channels, the largest by spend; the rest share one "others" bar
# (or area), so the figure stays readable and of a bounded size whatever the scenario (10,000
# channels once drew a 216-megapixel image for minutes).
MAX_CHANNELS = 12
LABEL_CHARACTERS = 40  # a longer channel name is cut, so it cannot widen the figure without bound
CUT_OTHERS = 1.5  # an "others" bar longer than this many times the longest named bar is cut there


def channel_label(name: str) -> str:
    """A channel's name as a chart shows it: at most ``LABEL_CHARACTERS`` characters.

    >>> channel_label("email"), len(channel_label("x" * 100))
    ('email', 40)
    """
    return name if len(name) <= LABEL_CHARACTERS else name[:LABEL_CHARACTERS - 1] + "\u2026"


def others_label(rest: list) -> str:
    return f"others ({len(rest):,} channels)"


def _height(bars: int) -> float:
    """Inches for a chart of horizontal bars, at most ``MAX_CHANNELS + 1`` of them."""
    return 0.45 * max(min(bars, MAX_CHANNELS + 1), 1) + 1.4


def largest(channels: list, limit: int = MAX_CHANNELS) -> tuple[list, list]:
    """``(shown, rest)``: all channels in their order when they are at most ``limit``, else the
    ``limit`` largest by spend (largest first; ties in plan order) and the others.

    >>> from types import SimpleNamespace as C
    >>> shown, rest = largest([C(name=n, spend=v) for n, v in (("a", 1), ("b", 5), ("c", 3))], 2)
    >>> [c.name for c in shown], [c.name for c in rest]
    (['b', 'c'], ['a'])
    """
    if len(channels) <= limit:
        return list(channels), []
    order = sorted(range(len(channels)), key=lambda i: (-channels[i].spend, i))
    return [channels[i] for i in order[:limit]], [channels[i] for i in order[limit:]]


def _share(share: float) -> str:
    """A share of spend: 12%, 0.4%, <0.1% (an "others" bar of many small channels is not 0%)."""
    if share >= 0.01 or share == 0:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "<0.1%"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    # no creation time or software version in the file: the same plan draws the same bytes
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buffer.getvalue()


def _currency_axis(axis, currency: str) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=4))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: money(v, currency)))


def spend_by_channel(plan: Plan) -> bytes:
    """Horizontal bars: each channel's spend, labelled with its amount and share (the
    ``MAX_CHANNELS`` largest by spend by name, the rest as one "others" bar)."""
    plt = _pyplot()
    cur = plan.scenario.currency
    shown, rest = largest(plan.channels)
    rows = [(channel_label(c.name), c.spend, c.share, COLOR) for c in shown]
    widths = [c.spend for c in shown]
    cut = False
    if rest:
        spend = sum(c.spend for c in rest)
        rows.append((others_label(rest), spend, spend / plan.total_spend if plan.total_spend else None, OTHERS_COLOR))
        longest = max(widths, default=0.0)
        cut = longest > 0 and spend > CUT_OTHERS * longest  # else "others" would squash every named bar
        widths.append(CUT_OTHERS * longest if cut else spend)
    rows.reverse()  # the first row on top
    widths.reverse()
    fig, ax = plt.subplots(figsize=(7, _height(len(rows))))
    bars = ax.barh([r[0] for r in rows], widths, color=[r[3] for r in rows])
    for bar, (_, spend, share, _color) in zip(bars, rows):
        text = money(spend, cur) + (f" ({_share(share)})" if share is not None and spend > 0 else "")
        if cut and bar is bars[0]:  # the "others" bar
            bar.set_hatch("//")
            text += ", bar cut"
        ax.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    _currency_axis(ax.xaxis, cur)
    ax.set_xlabel(f"spend ({SYMBOLS.get(cur, cur)}, {cur})")
    ax.set_title(f"Spend by channel: {money(plan.total_spend, cur)} in total")
    ax.margins(x=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def funnel_stages(plan: Plan) -> list[tuple[str, float]]:
    """The funnel's stages with their totals, from the first stage with any volume to revenue."""
    stages = [(s, plan.totals.get(s)) for s in STAGES]
    stages = [(s, v) for s, v in stages if v is not None]
    while stages and not stages[0][1]:
        stages.pop(0)
    return stages


def funnel(plan: Plan) -> bytes:
    """The funnel from reach to revenue: a bar per stage (log scale: stages differ by orders of magnitude)."""
    plt = _pyplot()
    cur = plan.scenario.currency
    stages = funnel_stages(plan)
    counts = [(s, v) for s, v in stages if s != "revenue"]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(counts) + 1.6))
    names = [STAGE_LABEL[s] for s, _ in reversed(counts)]
    values = [v for _, v in reversed(counts)]
    bars = ax.barh(names, [max(v, 1e-9) for v in values], color=COLOR, log=True)
    for bar, v in zip(bars, values):
        ax.annotate(number(v), (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=8)
    revenue = dict(stages).get("revenue")
    title = "The funnel" + (f": revenue {money(revenue, cur)}" if revenue is not None else "")
    ax.set_title(title)
    ax.set_xlabel("people or items at each stage (log scale)")
    ax.margins(x=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def cost_per_deal(plan: Plan) -> bytes:
    """Bars: cost per deal of each channel that wins deals, with the plan's average as a line."""
    plt = _pyplot()
    cur = plan.scenario.currency
    shown, rest = largest([c for c in plan.channels if c.cost_per_deal is not None])
    rows = [(channel_label(c.name), c.cost_per_deal, COLOR) for c in shown]
    if rest:  # the others together: their spend over their deals
        rows.append((others_label(rest), sum(c.spend for c in rest) / sum(c.metrics["deals"] for c in rest),
                     OTHERS_COLOR))
    fig, ax = plt.subplots(figsize=(7, _height(len(rows))))
    if rows:
        rows.reverse()
        bars = ax.barh([r[0] for r in rows], [r[1] for r in rows], color=[r[2] for r in rows])
        for bar, (_, v, _color) in zip(bars, rows):
            ax.annotate(money(v, cur), (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=8)
        deals = plan.totals.get("deals")
        if deals:
            average = plan.total_spend / deals
            ax.axvline(average, color=ACCENT, linestyle="--", label=f"plan average {money(average, cur)}")
            ax.legend(loc="upper right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no channel wins deals in this plan", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    _currency_axis(ax.xaxis, cur)
    ax.set_xlabel(f"cost per deal ({cur})")
    ax.set_title("Cost per deal by channel")
    ax.margins(x=0.25)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def period_stacks(plan: Plan) -> list[tuple[str, list[float]]]:
    """The stacks of :func:`spend_by_period`, bottom first: ``(label, spend in each period)`` for each
    channel that spends in some period (in plan order; at most ``MAX_CHANNELS``, the largest by
    spend over the horizon), then the others as one stack.

    >>> from types import SimpleNamespace as C
    >>> p = C(channels=[C(name="a", spend=3.0), C(name="b", spend=0.0)],
    ...       periods=[C(channels=[C(spend=1.0), C(spend=0.0)]), C(channels=[C(spend=2.0), C(spend=0.0)])])
    >>> period_stacks(p)
    [('a', [1.0, 2.0])]
    """
    spending = [k for k, c in enumerate(plan.channels) if c.spend > 0]
    shown, rest = largest([plan.channels[k] for k in spending])
    named = {id(c) for c in shown}
    stacks = [(channel_label(plan.channels[k].name), [p.channels[k].spend for p in plan.periods])
              for k in spending if id(plan.channels[k]) in named]
    if rest:
        others = [k for k in spending if id(plan.channels[k]) not in named]
        stacks.append((others_label(rest), [sum(p.channels[k].spend for k in others) for p in plan.periods]))
    return stacks


def spend_by_period(plan: Plan) -> bytes:
    """Stacked bars: each period's spend by channel, periods on the x axis, each bar labelled with the
    period's total (the ``MAX_CHANNELS`` largest channels by name, the rest as one "others" stack)."""
    plt = _pyplot()
    cur = plan.scenario.currency
    stacks = period_stacks(plan)
    names = [channel_label(p.name) for p in plan.periods]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    if len(stacks) > len(colors):  # no two named stacks of one colour
        colors = list(plt.get_cmap("tab20").colors)
    fig, ax = plt.subplots(figsize=(min(max(7.0, 0.5 * len(names) + 3), 20.0), 4.5))
    x = list(range(len(names)))
    bottom = [0.0] * len(names)
    for k, (label, spend) in enumerate(stacks):
        others = k == MAX_CHANNELS  # at most MAX_CHANNELS named stacks: one more is the others
        ax.bar(x, spend, bottom=bottom, color=OTHERS_COLOR if others else colors[k % len(colors)], label=label,
               width=0.7)
        bottom = [b + v for b, v in zip(bottom, spend)]
    for i, p in enumerate(plan.periods):
        ax.annotate(money(p.total_spend, cur), (i, bottom[i]), xytext=(0, 3), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, names, rotation=45 if len(names) > 8 else 0, ha="right" if len(names) > 8 else "center")
    _currency_axis(ax.yaxis, cur)
    ax.set_ylabel(f"spend ({SYMBOLS.get(cur, cur)}, {cur})")
    ax.set_title(f"Spend per period by channel: {money(plan.total_spend, cur)} in total")
    # room for the totals above the bars (margins would not do: a stack of 0 on top makes its bar's top sticky)
    ax.set_ylim(0, 1.12 * max(bottom, default=0.0) or 1.0)
    if stacks:  # outside the bars, on the right, in the order of the stacks (the top one first)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  frameon=False)
    else:
        ax.text(0.5, 0.5, "no spend in any period", ha="center", va="center", transform=ax.transAxes)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


MAX_ROLES = 6  # a chart draws at most this many sales roles (one panel each), in the scenario's order


def sales_capacity(plan: Plan) -> bytes:
    """Per sales role, a panel: bars of what the plan uses of the role's metric in each period, and
    the role's capacity (reps on staff and hired, over their ramp) as a line over them."""
    plt = _pyplot()
    roles = list(plan.sales_team)[:MAX_ROLES]
    fig, axes = plt.subplots(len(roles), 1, figsize=(7.5, 3.2 * len(roles)), squeeze=False)
    for ax, role in zip(axes[:, 0], roles):
        keys = list(role.capacity)
        x = list(range(len(keys)))
        ax.bar(x, [role.used[k] for k in keys], color=COLOR, width=0.6, label="used")
        ax.step(x, [role.capacity[k] for k in keys], where="mid", color=ACCENT, linewidth=2, label="capacity")
        ax.plot(x, [role.capacity[k] for k in keys], "o", color=ACCENT)
        hired = ", ".join(f"{number(v)} in {k}" for k, v in role.hires.items() if v > 0) or "none"
        ax.set_title(f"{channel_label(role.name)}: {STAGE_LABEL.get(role.metric, role.metric)} (hires: {hired})",
                     fontsize=10)
        ax.set_xticks(x, [channel_label(k) for k in keys])
        ax.set_ylim(0, 1.3 * max([*role.capacity.values(), *role.used.values(), 1.0]))
        ax.legend(loc="upper left", ncols=2, fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle("Sales capacity against use per period", fontsize=11, y=1.0)
    fig.tight_layout()
    return _png(fig)


CHARTS = {"spend-by-channel": spend_by_channel, "spend-by-period": spend_by_period, "funnel": funnel,
          "cost-per-deal": cost_per_deal, "sales-capacity": sales_capacity}


def applicable(plan: Plan) -> list[str]:
    """The charts that say something for this plan: no funnel chart without funnel volume, and
    no cost-per-deal chart without deals (a media-selection plan has neither); spend per period
    only for a plan by period; capacity against use only with a sales team."""
    names = ["spend-by-channel"]
    if plan.periods:
        names.append("spend-by-period")
    if any(v for s, v in funnel_stages(plan) if s != "revenue"):
        names.append("funnel")
    if any(c.cost_per_deal is not None for c in plan.channels):
        names.append("cost-per-deal")
    if plan.scenario.sales_team:
        names.append("sales-capacity")
    return names


def draw_all(plan: Plan) -> dict[str, bytes]:
    """Every chart that applies to the plan, by file stem: ``{"spend-by-channel": b"\\x89PNG...", ...}``."""
    return {name: CHARTS[name](plan) for name in applicable(plan)}
