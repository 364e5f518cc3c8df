"""The report's own figures: spreads over runs, weekly bands per arm, paired differences.

A run's figures are those of ``crmsim run`` (sim.presentation.plots); these are drawn for experiments, from the
runs and bands in a results folder. Each goes into the page as a PNG data URI.
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.presentation.reports.outcomes import OUTCOME_LABELS

SUCCESS_COLOUR = "#2a9d55"
FAILURE_COLOUR = "#b03a2e"
ARM_COLOURS = ["#1f5fa8", "#e07b1a", "#2a9d55", "#8e44ad", "#b03a2e", "#16a085", "#7f8c8d", "#d4ac0d"]
#: Weekly series shown as bands, with their titles.
BAND_TITLES = {
    "intended_use": "Using it as designed",
    "gaming": "Gaming it",
    "ignoring": "Ignoring it",
    "data_quality": "Data quality",
    "cost_per_sale": "Cost per unit sale",
    "roi": "Return on investment (so far)",
}


def plot_distributions(runs: pd.DataFrame, outcomes: list[str]):
    """Histograms of outcomes over runs, stacked by verdict."""
    import matplotlib.pyplot as plt

    cols = 3
    nrows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(13, 2.9 * nrows), squeeze=False)
    success = (runs["verdict"] == "success").to_numpy()
    for ax, column in zip(axes.flat, outcomes, strict=False):
        label, kind = OUTCOME_LABELS[column]
        values = runs[column].to_numpy(dtype=float)
        if kind == "year":
            values = values * 52
        keep = ~np.isnan(values)
        data = [values[keep & success], values[keep & ~success]]
        bins = np.histogram_bin_edges(values[keep], bins=min(30, max(5, int(keep.sum() ** 0.5) * 2)))
        ax.hist(data, bins=bins, stacked=True, color=[SUCCESS_COLOUR, FAILURE_COLOUR], label=["success", "failure"])
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("runs")
        ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
        if kind in ("pct", "spct", "year"):
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_bands_grid(bands: pd.DataFrame, arms: list[str]):
    """Weekly bands, three panels a row: per arm a median and its 50% band; one arm also its 90% band."""
    import matplotlib.pyplot as plt

    from sim.presentation.plots import BEHAVIOUR_COLOURS, STOCK_COLOURS

    columns = [c for c in BAND_TITLES if f"{c}_median" in bands]
    present = list(dict.fromkeys(bands["arm"])) if "arm" in bands else [None]
    order = [a for a in arms if a in present] + [a for a in present if a not in arms]
    cols = min(3, len(columns))
    nrows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.4 * cols, 3.0 * nrows), squeeze=False)
    single = len(order) == 1
    for ax, column in zip(axes.flat, columns, strict=False):
        for k, arm in enumerate(order):
            part = bands[bands["arm"] == arm] if arm is not None else bands
            colour = (
                {**BEHAVIOUR_COLOURS, **STOCK_COLOURS}.get(column, "#1f5fa8")
                if single
                else ARM_COLOURS[k % len(ARM_COLOURS)]
            )
            if single:
                ax.fill_between(
                    part["week"], part[f"{column}_q05"], part[f"{column}_q95"], color=colour, alpha=0.15, linewidth=0
                )
            ax.fill_between(
                part["week"], part[f"{column}_q25"], part[f"{column}_q75"], color=colour, alpha=0.3, linewidth=0
            )
            ax.plot(part["week"], part[f"{column}_median"], color=colour, label=str(arm))
        ax.set_title(BAND_TITLES[column], fontsize=10)
        ax.set_xlabel("week", fontsize=8)
        if column in ("intended_use", "gaming", "ignoring", "roi"):
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    if not single:
        axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_paired(table: pd.DataFrame, baseline: str, arms: list[str]):
    """Paired differences to the baseline with 95% intervals, three outcomes a row, in plain words."""
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    present = list(dict.fromkeys(table["arm"]))
    order = [a for a in arms if a in present] + [a for a in present if a not in arms]
    cols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(4.6 * cols, (0.45 * len(order) + 1.4) * nrows), squeeze=False, sharey=True
    )
    y = np.arange(len(order))[::-1]
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        label, kind = OUTCOME_LABELS.get(outcome, (outcome.replace("_", " "), "num"))
        scale = {"pct": 100.0, "spct": 100.0, "year": 5200.0}.get(kind, 1.0)
        rows = table[table["outcome"] == outcome].set_index("arm").reindex(order)
        mid = rows["mean_difference"].to_numpy(dtype=float) * scale
        low = rows["ci_low"].to_numpy(dtype=float) * scale
        high = rows["ci_high"].to_numpy(dtype=float) * scale
        ax.errorbar(mid, y, xerr=[mid - low, high - mid], fmt="o", color="#1f5fa8", capsize=3)
        ax.axvline(0, color="#888888", linewidth=1)
        ax.set_yticks(y, order, fontsize=8)
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("percentage points" if scale != 1.0 else "difference", fontsize=8)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"Difference to {baseline}, seed by seed (95% interval)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_uri(fig, dpi: int = 90) -> str:
    """A matplotlib figure as a PNG data URI; the figure is closed, since the page keeps only the PNG."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def file_uri(path: Path) -> str:
    """A PNG file as a data URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")
