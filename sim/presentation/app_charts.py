"""The dashboard's pictures as small SVG drawings: the network, the behaviour shares, the stocks.

A matplotlib figure costs a few hundred milliseconds to draw and encode each week; a class
waiting for the next week cannot wait that long. These drawings are plain SVG text built from
the weekly series (a few milliseconds), in the palette of ``sim.presentation.plots``, and
their legends are HTML beside them, so they always fit. The network's ties are drawn once per
organisation and reused; each week only the people's colours change.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from sim.core.state import EMPLOYEE_OPTIONS, PARTNER_OPTIONS, Role
from sim.core.vocabulary import OPTIONS
from sim.presentation import plots

#: The size of one small chart [SVG units]; the page scales it to its column.
WIDTH, HEIGHT = 260, 150
PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 34, 20, 6, 6
#: The axes' type [SVG units]: about 12 pixels on a projector's 1920 x 1080, where a chart is drawn
#: below its own size; readable from the back of a room.
AXIS_FONT = 13


def _frame(title: str, body: str, y_labels: tuple[str, str], weeks: tuple[int, int], width: int = WIDTH) -> str:
    """A chart's frame: axes, the first and last week, the y range, and a title above it."""
    x0, x1, y0, y1 = PAD_LEFT, width - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM
    return (
        f'<figure class="crm-chart"><figcaption>{html.escape(title)}</figcaption>'
        f'<svg viewBox="0 0 {width} {HEIGHT}" width="100%" role="img" aria-label="{html.escape(title)}">'
        f"{body}"
        f'<path d="M{x0},{y0}V{y1}H{x1}" fill="none" stroke="#888" stroke-width="0.8"/>'
        f'<text x="{x0 - 3}" y="{y0 + 8}" text-anchor="end" font-size="{AXIS_FONT}" fill="#555">{y_labels[1]}</text>'
        f'<text x="{x0 - 3}" y="{y1}" text-anchor="end" font-size="{AXIS_FONT}" fill="#555">{y_labels[0]}</text>'
        f'<text x="{x0}" y="{HEIGHT - 4}" font-size="{AXIS_FONT}" fill="#555">week {weeks[0]}</text>'
        f'<text x="{x1}" y="{HEIGHT - 4}" text-anchor="end" font-size="{AXIS_FONT}" fill="#555">week {weeks[1]}</text>'
        "</svg></figure>"
    )


def _scale(weeks: np.ndarray, width: int = WIDTH):
    """Functions from (week, value in 0-1) to SVG coordinates."""
    first, last = float(weeks[0]), float(max(weeks[-1], weeks[0] + 1))
    x0, x1, y0, y1 = PAD_LEFT, width - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM

    def x(week):
        return x0 + (np.asarray(week, dtype=float) - first) / (last - first) * (x1 - x0)

    def y(value):
        return y1 - np.clip(np.asarray(value, dtype=float), 0.0, 1.0) * (y1 - y0)

    return x, y


def _points(xs: np.ndarray, ys: np.ndarray) -> str:
    return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True))


def legend(items: list[tuple[str, str]]) -> str:
    """An HTML legend: a colour swatch and its words, wrapping as the column allows."""
    return (
        '<div class="crm-legend">'
        + "".join(f'<span><i style="background:{colour}"></i>{html.escape(words)}</span>' for words, colour in items)
        + "</div>"
    )


def stacked_shares(ts: pd.DataFrame, title: str, columns: list[str]) -> str:
    """Stacked areas of the shares in ``columns`` (each 0-1, summing to at most 1), over the weeks."""
    weeks = ts["week"].to_numpy()
    x, y = _scale(weeks)
    xs = x(weeks)
    below = np.zeros(len(weeks))
    body = []
    for column in columns:
        above = below + np.nan_to_num(ts[column].to_numpy(dtype=float))
        outline = _points(np.concatenate([xs, xs[::-1]]), np.concatenate([y(above), y(below)[::-1]]))
        colour = plots.BEHAVIOUR_COLOURS[column.removesuffix(_suffix(column))]
        body.append(f'<polygon points="{outline}" fill="{colour}"/>')
        below = above
    return _frame(title, "".join(body), ("0", "100%"), (int(weeks[0]), int(weeks[-1])))


def _suffix(column: str) -> str:
    for suffix in ("_sales", "_service", "_managers"):
        if column.endswith(suffix):
            return suffix
    return ""


def lines(ts: pd.DataFrame, title: str, series: list[tuple[str, str, str]], top: float | None = None) -> str:
    """Lines of the ``(column, words, colour)`` series; the y axis from 0 to the largest value, or to
    ``top`` if that is larger."""
    weeks = ts["week"].to_numpy()
    values = {column: np.nan_to_num(ts[column].to_numpy(dtype=float)) for column, _, _ in series}
    high = max(float(v.max()) for v in values.values())
    if top is not None:  # at least to ``top``: a 0-to-1 scale is drawn to 1, and never cut off
        high = max(high, top)
    low = min(0.0, *[float(v.min()) for v in values.values()])
    if high <= low:  # nothing yet but zeros: an axis from 0 to 1, not to a meaningless 1e-09
        high = low + 1.0
    span = (high - low) or 1.0
    x, y = _scale(weeks)
    xs = x(weeks)
    body = [
        f'<polyline points="{_points(xs, y((values[column] - low) / span))}" fill="none" stroke="{colour}" '
        'stroke-width="1.6"/>'
        for column, _, colour in series
    ]
    return _frame(title, "".join(body), (_number(low), _number(high)), (int(weeks[0]), int(weeks[-1])))


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value / 1000:.0f}k"
    return f"{value:.2g}" if abs(value) < 10 else f"{value:.0f}"


# --- the behaviour shares and the stocks, as the dashboard shows them ---------------------


#: The behaviour shares of a role: its title and columns (partners have their own series).
def role_share_panels(ts: pd.DataFrame) -> list[tuple[str, list[str]]]:
    panels = []
    for title, suffix in plots.ROLE_PANELS:
        if suffix is None:
            if not ts["live_partners"].any():
                continue
            panels.append((title, ["partner_self_serve", "partner_go_around", "partner_disengaged"]))
        else:
            panels.append((title, [name + suffix for name in ("intended_use", "gaming", "ignoring")]))
    return panels


def behaviour_legend() -> str:
    return legend(
        [
            (f"{OPTIONS[e].short} / {OPTIONS[p].short}", plots.OPTION_COLOURS[k])
            for k, (e, p) in enumerate(zip(EMPLOYEE_OPTIONS, PARTNER_OPTIONS, strict=True))
        ]
    )


def behaviour_by_role(ts: pd.DataFrame, beside: str = "") -> str:
    """Small stacked charts of use, gaming and ignoring by role (among those live), with one legend;
    ``beside``: more panels in the same row (on a projector, one row less to scroll to)."""
    charts = "".join(stacked_shares(ts, title, columns) for title, columns in role_share_panels(ts))
    return f'<div class="crm-charts">{charts}{beside}</div>{behaviour_legend()}'


STOCKS = [("data_quality", "data quality"), ("trust", "trust"), ("live", "employees live")]


def data_quality_and_trust(ts: pd.DataFrame) -> str:
    """One panel: data quality, trust in the data and the share of employees live, with its legend."""
    series = [(column, words, plots.STOCK_COLOURS[column]) for column, words in STOCKS]
    chart = lines(ts, "Data quality and trust", series, top=1.0)
    return f'<div class="crm-panel">{chart}{legend([(w, c) for _, w, c in series])}</div>'


#: What the choices add up to, one small chart per unit: a chart never puts money beside a
#: count or a share beside a rate (the printed figure's six panels are ``plots.ORGANISATION_PANELS``).
ORGANISATION_CHARTS = [
    ("Cost per unit sale (money)", ["cost_per_sale"]),
    ("Complaints (partners a week)", ["complaints"]),
    ("Compensation and margin lost (money a week)", ["compensation_paid", "margin_leakage"]),
    ("Drift and conflict (0 to 1)", ["drift", "conflict", "backlash"]),
    ("Turnover (share a year)", ["turnover_sales", "turnover_service"]),
    ("Morale and tension (0 to 1)", ["morale_sales", "tension"]),
    ("The system (0 to 1)", ["system_performance", "system_fit"]),
    ("Return on the investment so far", ["roi"]),
    ("Planned benefits realised (share)", ["benefits_realised"]),
]
#: Charts of a 0-to-1 scale drawn to 1, so that a little never fills the chart as if it were much.
TO_ONE = ("Drift and conflict (0 to 1)", "Morale and tension (0 to 1)", "The system (0 to 1)",
          "Planned benefits realised (share)")  # fmt: skip
#: A series' words in a legend.
SERIES_WORDS = {
    "cost_per_sale": "cost per unit sale",
    "complaints": "partners complaining",
    "compensation_paid": "compensation paid to partners",
    "margin_leakage": "margin lost to bent terms",
    "drift": "drift from the designed practice",
    "conflict": "marketing-service conflict",
    "backlash": "backlash against discipline",
    "turnover_sales": "sales reps leaving",
    "turnover_service": "service agents leaving",
    "morale_sales": "sales reps' morale",
    "tension": "tension between subcultures",
    "system_performance": "the system's performance",
    "system_fit": "its fit to the work",
    "roi": "return on investment",
    "benefits_realised": "planned benefits realised",
}


def organisation(ts: pd.DataFrame) -> str:
    """What the choices add up to: one small chart per entry of ``ORGANISATION_CHARTS``."""
    ts = ts.copy()
    for column in ts.columns:
        if column.startswith("turnover"):
            ts[column] = ts[column] * 52  # a weekly rate, shown per year
    parts = []
    for title, columns in ORGANISATION_CHARTS:
        series = [(c, SERIES_WORDS[c], plots.SERIES_COLOURS[c]) for c in columns]
        parts.append(
            '<div class="crm-panel">'
            + lines(ts, title, series, top=1.0 if title in TO_ONE else None)
            + legend([(words, colour) for _, words, colour in series])
            + "</div>"
        )
    return f'<div class="crm-charts">{"".join(parts)}</div>'


# --- the network ---------------------------------------------------------------------------

#: SVG shapes by role, as in the printed figures: circles, squares, triangles, diamonds.
SHAPES = {
    Role.SALES: "M{x:.1f},{y:.1f}m-3,0a3,3 0 1,0 6,0a3,3 0 1,0 -6,0z",
    Role.SERVICE: "M{x:.1f},{y:.1f}m-2.7,-2.7h5.4v5.4h-5.4z",
    Role.MANAGER: "M{x:.1f},{y:.1f}m0,-4.2l3.8,6.4h-7.6z",
    Role.PARTNER: "M{x:.1f},{y:.1f}m0,-3.6l3.6,3.6l-3.6,3.6l-3.6,-3.6z",
}
NETWORK_SIZE = 400


@dataclass(frozen=True)
class NetworkPicture:
    """The network laid out once: the ties as one SVG path, and each drawn person's shape.

    ``svg(behaviour)`` gives the week's picture: the same ties and shapes, coloured by what
    each person does; ``highlight`` rows get a ring (the people students play).
    """

    rows: np.ndarray
    ties: str
    shapes: tuple[str, ...]
    caption: str

    def svg(self, behaviour: np.ndarray, highlight: dict[int, str] | None = None) -> str:
        """The whole picture in one SVG: the ties, then the people coloured by ``behaviour``."""
        return self._svg(self.ties + self.people(behaviour, highlight))

    def ties_svg(self) -> str:
        """The ties alone: the layer under ``people_svg``, the same every week."""
        return self._svg(self.ties)

    def people_svg(self, behaviour: np.ndarray, highlight: dict[int, str] | None = None) -> str:
        """The people alone, coloured by ``behaviour`` (over ``ties_svg``: the part that changes)."""
        return self._svg(self.people(behaviour, highlight))

    def people(self, behaviour: np.ndarray, highlight: dict[int, str] | None = None) -> str:
        colours = np.array([plots.OPTION_COLOURS[k] for k in (0, 1, 2)] + [plots.LEGACY_COLOUR])
        picked = colours[np.where(behaviour[self.rows] < 0, 3, np.clip(behaviour[self.rows], 0, 2))]
        # one path per colour: few elements for the browser to patch each week
        nodes = []
        for colour in colours:
            d = "".join(shape for shape, c in zip(self.shapes, picked, strict=True) if c == colour)
            if d:
                nodes.append(f'<path d="{d}" fill="{colour}" stroke="#555" stroke-width="0.4"/>')
        rings = ""
        if highlight:
            where = {int(r): i for i, r in enumerate(self.rows)}
            for row, label in highlight.items():
                i = where.get(int(row))
                if i is None:
                    continue
                x, y = _shape_centre(self.shapes[i])
                rings += (
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="none" stroke="#1f5fa8" stroke-width="2"/>'
                    f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" font-size="10" fill="#1f5fa8">{html.escape(label)}</text>'
                )
        return "".join(nodes) + rings

    @staticmethod
    def _svg(body: str) -> str:
        return (
            f'<svg viewBox="0 0 {NETWORK_SIZE} {NETWORK_SIZE}" width="100%" role="img" '
            f'aria-label="the network">{body}</svg>'
        )


def _shape_centre(shape: str) -> tuple[float, float]:
    x, y = shape[1:].split("m", 1)[0].split(",")
    return float(x), float(y)


def network_picture(model, positions: np.ndarray, max_nodes: int = 300, seed: int = 0) -> NetworkPicture:
    """Lay the drawing out from ``plots.network_layout`` positions: ties once, a shape per person."""
    org = model.org
    rows = plots.network_sample(org, max_nodes, seed)
    xy = np.asarray(positions, dtype=float)[rows]
    low, high = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    xy = 12 + (xy - low) / np.where(high > low, high - low, 1.0) * (NETWORK_SIZE - 24)
    sub = org.adjacency[rows][:, rows].tocoo()
    upper = sub.row < sub.col
    ties = "".join(
        f"M{xy[a, 0]:.1f},{xy[a, 1]:.1f}L{xy[b, 0]:.1f},{xy[b, 1]:.1f}"
        for a, b in zip(sub.row[upper], sub.col[upper], strict=True)
    )
    roles = org.role[rows]
    shapes = tuple(SHAPES[Role(int(r))].format(x=p[0], y=p[1]) for r, p in zip(roles, xy, strict=True))
    n = len(org.role)
    caption = (
        f"A sample of {len(rows)} of {n} people (stratified by role) and the ties among them"
        if len(rows) < n
        else f"All {n} people and their ties"
    )
    return NetworkPicture(
        rows=rows,
        ties=f'<path d="{ties}" stroke="{plots.TIE_COLOUR}" stroke-width="0.6" stroke-opacity="0.6" fill="none"/>',
        shapes=shapes,
        caption=caption,
    )


@lru_cache(maxsize=1)
def network_legend() -> str:
    """What the colours and shapes mean."""
    colours = [(plots.OPTION_LABELS[k], plots.OPTION_COLOURS[k]) for k in (0, 1, 2)] + [
        (plots.OPTION_LABELS[-1], plots.LEGACY_COLOUR)
    ]
    shapes = " · ".join(
        f"{symbol} {plots.ROLE_LABELS[role]}s"
        for role, symbol in ((Role.SALES, "●"), (Role.SERVICE, "■"), (Role.MANAGER, "▲"), (Role.PARTNER, "◆"))
    )
    return legend(colours) + f'<div class="crm-legend">{shapes}</div>'


#: The page's styles for these drawings.
STYLE = """
.crm-charts { display: flex; flex-wrap: wrap; gap: 8px; }
.crm-charts > figure, .crm-charts > .crm-panel { flex: 1 1 220px; max-width: 420px; margin: 0; }
.crm-chart { margin: 0; }
.crm-chart figcaption { font-size: 13px; font-weight: 600; color: #333; }
.crm-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 14px; color: #333; margin: 4px 0; }
.crm-legend i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px;
  border: 1px solid #777; }
.crm-network { position: relative; max-width: 50vh; }  /* square: on a projector a row of charts shows below it */
.crm-log { max-height: 30vh; overflow-y: auto; }  /* beside the network, so it never pushes the charts down */
.crm-network > .crm-layer { position: absolute; top: 0; left: 0; width: 100%; }
.crm-key { color: #777; font-size: 12px; font-family: monospace; }
"""
