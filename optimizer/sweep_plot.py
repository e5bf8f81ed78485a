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

from .output import SYMBOLS, write_atomic
from .sweeps import Sweep, is_money


def _axis_label(path: str, currency: str) -> str:
    if is_money(path):
        return f"{path} ({SYMBOLS.get(currency, currency)}, {currency})"
    if path.endswith("_rate"):
        return f"{path} (rate, 0 to 1)"
    return f"{path} (count)"


def _objective_label(objective: str, currency: str) -> str:
    if objective in ("min_spend", "max_profit"):
        return f"{objective} ({currency})"
    return f"{objective} ({objective[4:].replace('_', ' ')})"


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
        top.set_title(f"{result.scenario}: {result.objective} against {result.parameters[0]}")
        spend = np.nan_to_num(result.spend, nan=0.0)
        used = [j for j in range(spend.shape[1]) if spend[:, j].any()]
        if used:
            bottom.stackplot(x, *[spend[:, j] for j in used], labels=[result.channels[j] for j in used], alpha=0.85)
            bottom.legend(loc="upper left", fontsize="small", ncol=2)
        bottom.set_ylabel(f"spend per channel ({cur})")
        bottom.set_xlabel(_axis_label(result.parameters[0], cur))
        for i in result.mix_changes():
            for ax in (top, bottom):
                ax.axvline(x[i], color="grey", linestyle=":", linewidth=1)
        if result.mix_changes():
            top.plot([], [], color="grey", linestyle=":", label="the channel mix changes")
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
        ax.set_title(f"{result.scenario}: {result.objective}")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    write_atomic(path, buffer.getvalue())
