"""The ``--plot`` picture of a sweep (PNG, matplotlib with the Agg backend, imported only here).

One parameter: the objective against the parameter, the channel mix as a stacked area of spend
below it, and dotted lines where the mix changes; points without a plan are marked. Two
parameters: a heat map of the objective, with cells that have no plan crossed out.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np

from ..analysis.sweeps import Sweep
from ..analysis.variation import split_period
from ..files import write_atomic
from .charts import MAX_CHANNELS, OTHERS_COLOR, channel_label, others_label
from .formats import SYMBOLS, is_money, money

TITLE_CHARACTERS = 80  # a longer scenario name is cut in the title


def _title(name: str) -> str:
    return name if len(name) <= TITLE_CHARACTERS else name[:TITLE_CHARACTERS - 1] + "\u2026"


def _money_path(path: str) -> bool:
    """Whether a varied path is an amount of currency (one period's entry is as its field)."""
    return is_money(split_period(path)[0])


def _axis_label(path: str, currency: str) -> str:
    if _money_path(path):
        return f"{path} ({SYMBOLS.get(currency, currency)}, {currency})"
    if split_period(path)[0].endswith("_rate"):
        return f"{path} (rate, 0 to 1)"
    return f"{path} (count)"


def _objective_label(objective: str, currency: str) -> str:
    if is_money(objective):
        return f"{objective} ({currency})"
    return f"{objective} ({objective[4:].replace('_', ' ')})"


def _money_ticks(fig, result: Sweep, currency: str) -> None:
    """Amounts of currency on the axes as $1,200,000 rather than 1.2e6."""
    from matplotlib.ticker import FuncFormatter

    money_format = FuncFormatter(lambda v, _: money(v, currency))
    plain_format = FuncFormatter(lambda v, _: f"{v:,.6g}")
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            if is_money(result.objective):
                ax.yaxis.set_major_formatter(money_format)
            continue
        x_path = result.parameters[0]
        ax.xaxis.set_major_formatter(money_format if _money_path(x_path) else plain_format)
        y_label = ax.get_ylabel()
        if len(result.parameters) == 2:
            ax.yaxis.set_major_formatter(money_format if _money_path(result.parameters[1]) else plain_format)
        elif currency in y_label:
            ax.yaxis.set_major_formatter(money_format)
        else:
            ax.yaxis.set_major_formatter(plain_format)


def plot_sweep(result: Sweep, path: str | Path) -> None:
    """Draw the sweep and write it as a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cur = result.currency
    if len(result.parameters) == 1:
        x = result.values[:, 0]
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": [1, 1.2]})
        top.plot(x, result.objective_value, marker="o", markersize=3, color="tab:blue")
        no_plan = [i for i in range(len(result)) if not math.isfinite(result.objective_value[i])]
        if no_plan:
            low = np.nanmin(result.objective_value) if np.isfinite(result.objective_value).any() else 0.0
            top.scatter(x[no_plan], [low] * len(no_plan), marker="x", color="tab:red",
                        label="no plan (infeasible or invalid)")
            top.legend(loc="best")
        top.set_ylabel(_objective_label(result.objective, cur))
        top.set_title(f"{_title(result.scenario)}: {result.objective} against {result.parameters[0]}")
        has_plan = np.isfinite(result.objective_value)
        spend = np.nan_to_num(result.spend, nan=0.0)
        used = [j for j in range(spend.shape[1]) if spend[:, j].any()]
        rest: list[int] = []
        if len(used) > MAX_CHANNELS:  # the largest by spend over the sweep by name, the others as one area
            order = sorted(used, key=lambda j: (-spend[:, j].sum(), j))
            used, rest = sorted(order[:MAX_CHANNELS]), order[MAX_CHANNELS:]
        colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        if len(used) > len(colors):  # no two named areas of one colour
            colors = list(plt.get_cmap("tab20").colors)
        areas = [(spend[:, j], colors[k % len(colors)], channel_label(result.channels[j])) for k, j in enumerate(used)]
        if rest:
            areas.append((spend[:, rest].sum(axis=1), OTHERS_COLOR, others_label(rest)))
        lower = np.zeros(len(x))
        for amount, color, label in areas:  # a stacked area per channel, with gaps where a point has no plan
            upper = lower + amount
            bottom.fill_between(x, lower, upper, where=has_plan, interpolate=False, alpha=0.85,
                                color=color, label=label, linewidth=0)
            lower = upper
        if used:
            bottom.legend(loc="upper left", fontsize="small", ncol=2)
        bottom.set_ylabel(f"spend per channel ({cur})")
        bottom.set_xlabel(_axis_label(result.parameters[0], cur))
        for i in result.mix_changes():
            for ax in (top, bottom):
                ax.axvline(x[i], color="grey", linestyle=":", linewidth=1)
        if result.mix_changes():
            top.plot([], [], color="grey", linestyle=":", label="the mix changes (channels or binding limits)")
            top.legend(loc="best")
    else:
        nx, ny = result.shape
        grid = result.objective_value.reshape(nx, ny).T
        xs, ys = result.values[::ny, 0], result.values[:ny, 1]
        fig, ax = plt.subplots(figsize=(9, 7))
        mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(grid), shading="nearest", cmap="viridis")
        fig.colorbar(mesh, ax=ax, label=_objective_label(result.objective, cur))
        bad = [(result.values[i, 0], result.values[i, 1]) for i in range(len(result))
               if not math.isfinite(result.objective_value[i])]
        if bad:
            bx, by = zip(*bad)
            ax.scatter(bx, by, marker="x", color="tab:red", label="no plan (infeasible or invalid)")
            ax.legend(loc="upper right")
        ax.set_xlabel(_axis_label(result.parameters[0], cur))
        ax.set_ylabel(_axis_label(result.parameters[1], cur))
        ax.set_title(f"{_title(result.scenario)}: {result.objective}")
        ax.tick_params(axis="x", labelrotation=30)
        if len(xs) <= 12:  # ticks on the cells' own values (the grid's points), not between them
            ax.set_xticks(xs)
        if len(ys) <= 12:
            ax.set_yticks(ys)
    _money_ticks(fig, result, cur)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
