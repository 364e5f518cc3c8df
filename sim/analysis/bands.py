"""Weekly bands over replications: the median and the 50% and 90% intervals of each outcome."""

from __future__ import annotations

import pandas as pd

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


def weekly_bands(series: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per week (and arm, if any); for each column its median, 50% and 90% intervals."""
    keys = ["arm", "week"] if "arm" in series and series["arm"].notna().any() else ["week"]
    grouped = series.groupby(keys, sort=True)[columns]
    parts = {name: grouped.quantile(q) for name, q in QUANTILES.items()}
    out = pd.concat({name: frame for name, frame in parts.items()}, axis=1)
    out.columns = [f"{column}_{stat}" for stat, column in out.columns]
    return out.reset_index()


def plot_bands(bands: pd.DataFrame, columns: list[str], title: str = ""):
    """Median lines with shaded 50% and 90% bands, one panel per outcome."""
    import matplotlib.pyplot as plt

    from sim.plots import BEHAVIOUR_COLOURS, STOCK_COLOURS

    colours = {**BEHAVIOUR_COLOURS, **STOCK_COLOURS}
    fig, axes = plt.subplots(1, len(columns), figsize=(4.2 * len(columns), 3.4), squeeze=False)
    for ax, column in zip(axes[0], columns, strict=True):
        colour = colours.get(column, "#1f5fa8")
        ax.fill_between(
            bands["week"],
            bands[f"{column}_q05"],
            bands[f"{column}_q95"],
            color=colour,
            alpha=0.15,
            linewidth=0,
            label="90%",
        )
        ax.fill_between(
            bands["week"],
            bands[f"{column}_q25"],
            bands[f"{column}_q75"],
            color=colour,
            alpha=0.35,
            linewidth=0,
            label="50%",
        )
        ax.plot(bands["week"], bands[f"{column}_median"], color=colour, label="median")
        ax.set_title(column.replace("_", " "))
        ax.set_xlabel("week")
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
