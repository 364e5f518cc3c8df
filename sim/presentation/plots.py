"""Figures with one palette per behaviour and role, shared by the CLI, notebooks and the dashboard."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.core import outcomes as registry
from sim.core.state import EMPLOYEE_OPTIONS, LEGACY, PARTNER_OPTIONS, ROLE_NAMES, Role
from sim.core.vocabulary import OPTIONS, ROLES

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
#: The option each behaviour share counts, for its legend word from the vocabulary.
BEHAVIOUR_OPTIONS = {
    "intended_use": "use",
    "gaming": "game",
    "ignoring": "ignore",
    "partner_self_serve": "self_serve",
    "partner_go_around": "go_around",
    "partner_disengaged": "disengage",
}
BEHAVIOUR_LABELS = {name: OPTIONS[option].short for name, option in BEHAVIOUR_OPTIONS.items()}
STOCK_COLOURS = {"data_quality": "#1f5fa8", "trust": "#8e44ad", "live": "#444444"}
#: One panel for all employees, then one per role: its title and the suffix of its columns
#: (None for partners, whose shares have their own columns).
ROLE_PANELS = [
    ("All employees", ""),
    *[(words.plural.capitalize(), words.series_suffix) for words in ROLES.values()],
]


def behaviour_by_role(ts: pd.DataFrame, title: str = "", columns: int = 5):
    """Stacked shares of use, gaming and ignoring per role (among those live), over the weeks.

    An organisation without channel partners gets no partner panel."""
    panels = [p for p in ROLE_PANELS if p[1] is not None or ts["live_partners"].any()]
    rows = -(-len(panels) // columns)
    fig, grid = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.6 * rows), sharey=True, squeeze=False)
    for ax in grid.flat[len(panels) :]:
        ax.set_visible(False)
    axes = list(grid.flat)
    for ax, (label, suffix) in zip(axes, panels, strict=False):
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
    fixed_margins(fig, left=0.65, right=0.15, bottom=0.6, top=0.7, wspace=0.07, hspace=0.35)
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
    fixed_margins(fig, left=0.5, right=0.15, bottom=0.6, top=0.36)
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
    fixed_margins(fig, left=0.6, right=0.15, bottom=0.6, top=0.68, wspace=0.2, hspace=0.36)
    return fig


def fixed_margins(fig, *, left: float, right: float, bottom: float, top: float, wspace=0.2, hspace=0.2) -> None:
    """Margins in inches, for figures whose labels are known: a run's figures. ``tight_layout``
    measures every label and took about a third of their drawing time (0.45 s of 1.3 s for the
    three); these margins leave room for tick labels of up to six characters."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height,
        wspace=wspace, hspace=hspace,
    )  # fmt: skip


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


# --- the network -------------------------------------------------------------------------

#: Node colour by option index, the same for employees and partners: use/self-serve green,
#: game/go-around orange, ignore/disengage grey; before go-live (the legacy process) near white.
LEGACY_COLOUR = "#f2f2f2"
OPTION_COLOURS = {
    0: BEHAVIOUR_COLOURS["intended_use"],
    1: BEHAVIOUR_COLOURS["gaming"],
    2: BEHAVIOUR_COLOURS["ignoring"],
    LEGACY: LEGACY_COLOUR,
}
#: An option index means the same kind of choice for employees and partners: both words.
OPTION_LABELS = {
    **{
        k: f"{OPTIONS[employee].short} / {OPTIONS[partner].short}"
        for k, (employee, partner) in enumerate(zip(EMPLOYEE_OPTIONS, PARTNER_OPTIONS, strict=True))
    },
    LEGACY: f"{OPTIONS['legacy'].short} (not live yet)",
}
#: Marker shape by role, in every network drawing.
ROLE_MARKERS = {Role.SALES: "o", Role.SERVICE: "s", Role.MANAGER: "^", Role.PARTNER: "D"}
ROLE_LABELS = {role: ROLES[key].singular for role, key in ROLE_NAMES.items()}
NODE_EDGE_COLOUR = "#555555"
TIE_COLOUR = "#9a9a9a"


def network_sample(model, max_nodes: int = 300, seed: int = 0) -> np.ndarray:
    """The rows drawn: everyone up to ``max_nodes``, else a sample of ``max_nodes`` stratified by role.

    Each role's people are put in a random order fixed by ``seed`` and interleaved in proportion
    to the role's size, so every role keeps its share (within one person) and a smaller sample is
    part of a larger one with the same seed: positions laid out for 300 people serve a drawing
    of 100. ``model`` is a CRMRollout or its organisation.
    """
    role = np.asarray(getattr(model, "org", model).role)
    n = len(role)
    if n <= max_nodes:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    key = np.empty(n)
    for r in np.unique(role):
        members = np.flatnonzero(role == r)
        rank = rng.permutation(len(members))
        key[members] = (rank + 0.5) / len(members)  # systematic: evenly spaced through the order
    order = np.lexsort((rng.random(n), key))
    return np.sort(order[: max(int(max_nodes), 0)])


def network_layout(model, seed: int = 0, max_nodes: int = 300) -> np.ndarray:
    """Positions of people, an (n, 2) array; NaN for people outside the drawn sample.

    A spring layout (networkx, seeded, so the same every time) of the sampled people and their
    ties. The organisation does not change during a run, so compute it once and reuse it every
    week. Under half a second at 300 people.
    """
    import networkx as nx

    org = getattr(model, "org", model)
    rows = network_sample(org, max_nodes, seed)
    positions = np.full((len(org.role), 2), np.nan)
    if len(rows) == 0:
        return positions
    graph = nx.from_scipy_sparse_array(org.adjacency[rows][:, rows].tocsr())
    laid = nx.spring_layout(graph, seed=seed, k=1.6 / np.sqrt(len(rows)), iterations=60)
    positions[rows] = np.array([laid[i] for i in range(len(rows))])
    return positions


class NetworkDrawing:
    """What ``draw_network`` drew: the rows shown, a caption, and ``update`` to recolour the nodes."""

    def __init__(self, rows: np.ndarray, role_rows: dict, collections: dict, caption: str, sampled: bool):
        self.rows = rows
        self.role_rows = role_rows
        self.collections = collections
        self.caption = caption
        self.sampled = sampled

    def update(self, behaviour: np.ndarray) -> list:
        """Recolour by ``behaviour`` (everyone's, one entry per row); returns the changed artists."""
        behaviour = np.asarray(behaviour)
        for role, rows in self.role_rows.items():
            self.collections[role].set_facecolor(node_colours(behaviour[rows]))
        return list(self.collections.values())


_RGBA = None


def node_colours(behaviour: np.ndarray) -> np.ndarray:
    """RGBA colours (k, 4) for option indices (LEGACY = -1 for people not live)."""
    global _RGBA
    if _RGBA is None:
        from matplotlib.colors import to_rgba

        _RGBA = np.array([to_rgba(OPTION_COLOURS[k]) for k in (LEGACY, 0, 1, 2)])
    return _RGBA[np.clip(np.asarray(behaviour, dtype=int) + 1, 0, 3)]


def draw_network(
    ax,
    model,
    positions: np.ndarray,
    max_nodes: int = 300,
    seed: int = 0,
    *,
    behaviour: np.ndarray | None = None,
    title: str | None = None,
    legend: bool = True,
    caption: bool = True,
) -> NetworkDrawing:
    """The organisation's network: colour by behaviour, marker by role, ties in light grey.

    ``positions`` from ``network_layout`` (same ``seed``, and a ``max_nodes`` at least this one).
    Above ``max_nodes`` people a deterministic sample (stratified by role, fixed by ``seed``) is
    drawn with the ties among them, and the caption says so. ``behaviour`` defaults to the
    model's current one. Returns a ``NetworkDrawing`` whose ``update`` recolours the nodes
    (for animations and dashboards, without redrawing the ties).
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    org = model.org
    n = org.n
    rows = network_sample(org, max_nodes, seed)
    positions = np.asarray(positions, dtype=float)
    if positions.shape != (n, 2):
        raise ValueError(f"positions must be an ({n}, 2) array from network_layout(model), got {positions.shape}")
    if len(rows) and np.isnan(positions[rows]).any():
        raise ValueError(
            "positions lack some people of this sample: lay out with network_layout(model, seed, max_nodes) "
            "using the same seed and at least this max_nodes"
        )
    behaviour = model.state.routine if behaviour is None else np.asarray(behaviour)
    sampled = len(rows) < n

    sub = org.adjacency[rows][:, rows].tocoo()
    upper = sub.row < sub.col
    xy = positions[rows]
    segments = np.stack([xy[sub.row[upper]], xy[sub.col[upper]]], axis=1)
    ax.add_collection(LineCollection(segments, colors=TIE_COLOUR, linewidths=0.6, alpha=0.55, zorder=1))

    size = float(np.clip(9000.0 / max(len(rows), 1), 14.0, 70.0))
    role_rows, collections = {}, {}
    for role in Role:
        members = rows[org.role[rows] == role]
        if len(members) == 0:
            continue
        role_rows[role] = members
        collections[role] = ax.scatter(
            positions[members, 0],
            positions[members, 1],
            s=size * (1.3 if role == Role.MANAGER else 1.0),
            marker=ROLE_MARKERS[role],
            c=node_colours(behaviour[members]),
            edgecolors=NODE_EDGE_COLOUR,
            linewidths=0.4,
            zorder=3 if role == Role.MANAGER else 2,
        )
    ax.margins(0.03)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_axis_off()

    text = (
        f"A sample of {len(rows)} of {n} people (stratified by role, seed {seed}) and the ties among them"
        if sampled
        else f"All {n} people and their ties"
    )
    if title is not None:
        ax.set_title(title)
    if caption:
        ax.text(0.5, -0.01, text, transform=ax.transAxes, ha="center", va="top", fontsize=8, color="#555555")
    if legend:
        handles = [
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=7,
                markerfacecolor=OPTION_COLOURS[k],
                markeredgecolor=NODE_EDGE_COLOUR,
                markeredgewidth=0.5,
                label=OPTION_LABELS[k],
            )
            for k in (0, 1, 2, LEGACY)
        ]
        handles += [
            Line2D(
                [],
                [],
                linestyle="",
                marker=ROLE_MARKERS[role],
                markersize=7,
                markerfacecolor="white",
                markeredgecolor="#333333",
                label=ROLE_LABELS[role],
            )
            for role in Role
            if role in role_rows
        ]
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    return NetworkDrawing(rows, role_rows, collections, text, sampled)


def plot_bands(bands: pd.DataFrame, columns: list[str], title: str = ""):
    """Median lines with shaded 50% and 90% bands, one panel per outcome."""
    import matplotlib.pyplot as plt

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


#: A difference's unit on a comparison's axis, by the registry's unit (the numbers are as recorded).
DIFFERENCE_UNITS = {
    "share": "share (0.1 = 10 points)",
    "signed_share": "return (0.1 = 10 points)",
    "index": "index (0 to 1 scale)",
    "per_week": "per week",
    "money": "thousands of the currency",
    "count": "count",
    "week": "weeks",
}


def plot_comparison(table: pd.DataFrame, baseline: str):
    """Paired differences to the baseline with their intervals, one panel per outcome."""
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    arms = list(dict.fromkeys(table["arm"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(3.6 * len(outcomes), 0.5 * len(arms) + 2), squeeze=False)
    for ax, outcome in zip(axes[0], outcomes, strict=True):
        rows = table[table["outcome"] == outcome].set_index("arm").loc[arms]
        y = np.arange(len(arms))
        ax.errorbar(
            rows["mean_difference"],
            y,
            xerr=[rows["mean_difference"] - rows["ci_low"], rows["ci_high"] - rows["mean_difference"]],
            fmt="o",
            color="#1f5fa8",
            capsize=3,
        )
        ax.axvline(0, color="#888888", linewidth=1)
        ax.set_yticks(y, arms if ax is axes[0][0] else [""] * len(arms))
        ax.invert_yaxis()  # the first arm on top, as in the table
        ax.set_title(outcome.replace("_", " "), fontsize=9)
        ax.set_xlabel(f"difference, {DIFFERENCE_UNITS[registry.outcome(outcome).unit]}", fontsize=8)
    fig.suptitle(f"Paired difference to {baseline} (95% bootstrap interval)")
    fig.tight_layout()
    return fig
