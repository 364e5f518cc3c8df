"""Figures with one palette per behaviour and role, shared by the CLI, notebooks and the dashboard."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

#: One colour per behaviour, the same in every figure: use/self-serve green, game/go-around
#: orange, ignore/disengage grey.
BEHAVIOUR_COLOURS = {
    "intended_use": "#2a9d55",
    "gaming": "#e07b1a",
    "ignoring": "#8c8c8c",
    "partner_self_serve": "#2a9d55",
    "partner_go_around": "#e07b1a",
    "partner_disengaged": "#8c8c8c",
}
BEHAVIOUR_LABELS = {
    "intended_use": "use as designed",
    "gaming": "game",
    "ignoring": "ignore",
    "partner_self_serve": "self-serve",
    "partner_go_around": "go around",
    "partner_disengaged": "disengage",
}
STOCK_COLOURS = {"data_quality": "#1f5fa8", "trust": "#8e44ad", "live": "#444444"}
ROLE_PANELS = [
    ("All employees", ""),
    ("Sales reps", "_sales"),
    ("Service staff", "_service"),
    ("Managers", "_managers"),
    ("Channel partners", None),
]


def behaviour_by_role(ts: pd.DataFrame, title: str = ""):
    """Stacked shares of use, gaming and ignoring per role (among those live), over the weeks."""
    fig, axes = plt.subplots(1, len(ROLE_PANELS), figsize=(17, 3.6), sharey=True)
    for ax, (label, suffix) in zip(axes, ROLE_PANELS, strict=True):
        names = (
            ["partner_self_serve", "partner_go_around", "partner_disengaged"]
            if suffix is None
            else ["intended_use", "gaming", "ignoring"]
        )
        columns = names if suffix is None else [n + suffix for n in names]
        ax.stackplot(
            ts["week"],
            *[ts[c] for c in columns],
            colors=[BEHAVIOUR_COLOURS[n] for n in names],
            labels=[BEHAVIOUR_LABELS[n] for n in names],
            alpha=0.9,
        )
        ax.set_title(label)
        ax.set_xlabel("week")
        ax.set_ylim(0, 1)
        ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    axes[0].set_ylabel("share of those live")
    fig.suptitle(title or "Behaviour by role")
    fig.tight_layout()
    return fig


def data_quality_and_trust(ts: pd.DataFrame, title: str = ""):
    """Data quality, trust (which follows it with a lag) and the share of employees live."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, label in (("data_quality", "data quality"), ("trust", "trust"), ("live", "employees live")):
        ax.plot(ts["week"], ts[name], color=STOCK_COLOURS[name], label=label, linestyle=":" if name == "live" else "-")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("week")
    ax.legend()
    ax.set_title(title or "Data quality and trust")
    fig.tight_layout()
    return fig


ORGANISATION_PANELS = [
    ("Cost per unit sale", ["cost_per_sale"]),
    ("Gaming economy (per week)", ["complaints", "compensation_paid", "margin_leakage"]),
    ("Drift and conflict", ["drift", "conflict", "backlash"]),
    ("People (turnover per year)", ["turnover_sales", "turnover_service", "morale_sales", "tension"]),
    ("The system", ["system_performance", "system_fit"]),
    ("Money", ["roi", "benefits_realised"]),
]
SERIES_COLOURS = {
    "cost_per_sale": "#b03a2e",
    "complaints": "#e07b1a",
    "compensation_paid": "#8e44ad",
    "margin_leakage": "#b03a2e",
    "drift": "#16a085",
    "conflict": "#c0392b",
    "backlash": "#7f8c8d",
    "turnover_sales": "#e07b1a",
    "turnover_service": "#1f5fa8",
    "morale_sales": "#2a9d55",
    "tension": "#8e44ad",
    "system_performance": "#1f5fa8",
    "system_fit": "#16a085",
    "roi": "#2a9d55",
    "benefits_realised": "#1f5fa8",
}


def organisation(ts: pd.DataFrame, title: str = ""):
    """What the choices add up to: cost per sale, the gaming economy, drift, conflict, people, money."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 7))
    for ax, (label, columns) in zip(axes.flat, ORGANISATION_PANELS, strict=True):
        for column in columns:
            values = ts[column] * (52 if column.startswith("turnover") else 1)  # weekly rate, shown per year
            ax.plot(ts["week"], values, color=SERIES_COLOURS[column], label=column.replace("_", " "))
        if columns == ["cost_per_sale"]:
            live = ts.loc[ts["live"] > 0, "week"]
            baseline = ts.loc[ts["week"] < live.iloc[0], "cost_per_sale"] if len(live) else ts["cost_per_sale"]
            if len(baseline):
                ax.axhline(baseline.mean(), color="#444444", linestyle=":", label="before the rollout")
        ax.set_title(label)
        ax.set_xlabel("week")
        ax.legend(fontsize=7)
    fig.suptitle(title or "The organisation")
    fig.tight_layout()
    return fig


def save_run_figures(ts: pd.DataFrame, out_dir, name: str = "") -> list[str]:
    """The standard figures of a run, as PNG files in ``out_dir``."""
    written = []
    figures = (
        ("behaviour_by_role.png", behaviour_by_role, "Behaviour by role, share of those live"),
        ("data_quality_trust.png", data_quality_and_trust, "Data quality and trust"),
        ("organisation.png", organisation, "The organisation"),
    )
    for filename, draw, title in figures:
        fig = draw(ts, title=f"{title}: {name}" if name else title)
        fig.savefig(out_dir / filename, dpi=110)
        plt.close(fig)
        written.append(filename)
    return written
