"""Figures of a calibration folder: the log over the forecast, the posterior, the arms.

Each figure function takes what it draws (tables read from the folder) and returns a Matplotlib
figure, so a notebook can show one; ``save_calibration_figures`` writes them all as PNG.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from sim.calibration.folder import COMMAND, FIGURES
from sim.io.output import png_metadata, write_output

CARRY_ON = "carry_on"


def forecast_bands(forecast: pd.DataFrame, observed: pd.DataFrame, last_week: int, columns: list[str]):
    """Each column's 50% and 90% forecast bands (carrying on), the median, and the observed weeks as dots."""
    n = len(columns)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, sharex=True)
    base = forecast[forecast["arm"] == CARRY_ON]
    for ax, column in zip(axes.flat, columns, strict=False):
        band = base[base["column"] == column].sort_values("week")
        ax.fill_between(band["week"], band["q05"], band["q95"], color="tab:blue", alpha=0.18, label="90%")
        ax.fill_between(band["week"], band["q25"], band["q75"], color="tab:blue", alpha=0.35, label="50%")
        ax.plot(band["week"], band["q50"], color="tab:blue", lw=1.2, label="median")
        seen = observed[observed["column"] == column]
        if len(seen):
            ax.plot(seen["week"], seen["value"], "o", ms=3, color="black", label="observed")
        ax.axvline(last_week + 0.5, color="grey", ls=":", lw=1)
        ax.set_title(column, fontsize=10)
        ax.set_xlabel("week")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle("Observed weeks and the posterior forecast (dotted line: last observed week)", fontsize=11)
    fig.tight_layout()
    return fig


def posterior_pairs(posterior: pd.DataFrame, parameters: dict):
    """Each fitted parameter's weighted histogram over its prior's 90% range, and the pairs."""
    keys = list(parameters)
    k = len(keys)
    fig, axes = plt.subplots(k, k, figsize=(2.8 * k + 0.6, 2.5 * k + 0.4), squeeze=False)
    weights = posterior["weight"].to_numpy()
    for i, y in enumerate(keys):
        for j, x in enumerate(keys):
            ax = axes[i, j]
            if i == j:
                lo, hi = parameters[x]["prior_ci90"]
                span = hi - lo
                ax.hist(
                    posterior[x],
                    bins=25,
                    weights=weights,
                    range=(lo - 0.1 * span, hi + 0.1 * span),
                    color="tab:blue",
                    alpha=0.7,
                )
                ax.axvspan(*parameters[x]["ci90"], color="tab:orange", alpha=0.15)
                ax.set_yticks([])
                shown = "identified" if parameters[x]["identified"] else "not identified"
                ax.set_title(f"{x}\n{shown}, contraction {parameters[x]['contraction']:.2f}", fontsize=8)
            elif i > j:
                ax.scatter(posterior[x], posterior[y], s=6 + 200 * weights, alpha=0.5, color="tab:blue")
            else:
                ax.set_visible(False)
            if i == k - 1:
                ax.set_xlabel(x, fontsize=8)
    fig.suptitle("Posterior (weighted particles; shaded: 90% credible interval)", fontsize=11)
    fig.tight_layout()
    return fig


def arms_effects(arms: dict):
    """Each arm's paired difference from carrying on (median and 90% interval), and its success probability."""
    names = [a for a in arms if a != CARRY_ON]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.6 * max(len(names), 1) + 2.2))
    if not names:
        left.text(0.5, 0.5, "no arms in the spec", ha="center", va="center")
        left.set_axis_off()
    for i, name in enumerate(names):
        diff = arms[name]["versus_carry_on"]["intended_use_last13"]
        if diff is not None:
            lo, hi = diff["ci90"]
            left.plot([lo, hi], [i, i], color="tab:blue", lw=3)
            left.plot(diff["median"], i, "o", color="tab:blue")
    left.axvline(0, color="grey", lw=1)
    left.set_yticks(range(len(names)), names, fontsize=8)
    left.set_xlabel("intended use, last 13 weeks: arm - carrying on")
    every = list(arms)
    chances = [arms[a]["success_probability"] for a in every]
    right.barh(range(len(every)), chances, color="tab:green")
    for i, chance in enumerate(chances):
        right.text(chance + 0.01, i, f"{chance:.0%}", va="center", fontsize=8)
    right.set_yticks(range(len(every)), every, fontsize=8)
    right.set_xlim(0, 1)
    right.set_xlabel("probability of success")
    fig.tight_layout()
    return fig


def save_calibration_figures(folder: Path) -> list[str]:
    """Write the three figures of a calibration folder; their file names."""
    folder = Path(folder)
    summary = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
    forecast = pd.read_parquet(folder / "forecast.parquet")
    observed = pd.read_parquet(folder / "observed.parquet")
    posterior = pd.read_parquet(folder / "posterior.parquet")
    figures = [
        forecast_bands(forecast, observed, summary["observed"]["last_week"], summary["forecast"]["columns"]),
        posterior_pairs(posterior, summary["parameters"]),
        arms_effects(summary["arms"]),
    ]
    draw = dict(dpi=100, format="png", metadata=png_metadata())  # marked as crmsim's, written whole
    for name, fig in zip(FIGURES, figures, strict=True):
        write_output(folder / name, lambda tmp, fig=fig: fig.savefig(tmp, **draw), COMMAND)
        plt.close(fig)
    return list(FIGURES)
