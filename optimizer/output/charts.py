"""The report's charts as PNG images (matplotlib, Agg): spend by channel, the funnel, cost per deal.

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
    """Horizontal bars: each channel's spend, labelled with its amount and share."""
    plt = _pyplot()
    cur = plan.scenario.currency
    channels = list(reversed(plan.channels))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(channels) + 1.4))
    bars = ax.barh([c.name for c in channels], [c.spend for c in channels], color=COLOR)
    for bar, c in zip(bars, channels):
        share = f" ({c.share:.0%})" if c.share is not None and c.spend > 0 else ""
        ax.annotate(money(c.spend, cur) + share, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
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
    rows = [(c.name, c.cost_per_deal) for c in plan.channels if c.cost_per_deal is not None]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(rows), 1) + 1.4))
    if rows:
        rows.reverse()
        bars = ax.barh([n for n, _ in rows], [v for _, v in rows], color=COLOR)
        for bar, (_, v) in zip(bars, rows):
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


CHARTS = {"spend-by-channel": spend_by_channel, "funnel": funnel, "cost-per-deal": cost_per_deal}


def applicable(plan: Plan) -> list[str]:
    """The charts that say something for this plan: no funnel chart without funnel volume, and
    no cost-per-deal chart without deals (a media-selection plan has neither)."""
    names = ["spend-by-channel"]
    if any(v for s, v in funnel_stages(plan) if s != "revenue"):
        names.append("funnel")
    if any(c.cost_per_deal is not None for c in plan.channels):
        names.append("cost-per-deal")
    return names


def draw_all(plan: Plan) -> dict[str, bytes]:
    """Every chart that applies to the plan, by file stem: ``{"spend-by-channel": b"\\x89PNG...", ...}``."""
    return {name: CHARTS[name](plan) for name in applicable(plan)}
