"""The outcomes as a strategist reads them: their names in words and their numbers (rates: sim.analysis.rates)."""

from __future__ import annotations

import math

from sim.core import outcomes as registry

#: How a number of each unit of the registry is shown (see ``fmt``): pct (share), spct (signed
#: share), num (2 decimals), money (whole units), int, year (weekly rate x 52).
UNIT_FORMATS = {
    "share": "pct",
    "signed_share": "spct",
    "index": "num",
    "per_week": "year",
    "money": "money",
    "count": "int",
    "week": "int",
}
#: Money per unit sold is a small number whose decimals matter; money totals are shown in whole units.
FORMAT_EXCEPTIONS = {"cost_per_sale_last13": "num"}

#: Outcomes as a strategist reads them: label and format, from the registry.
OUTCOME_LABELS = {
    o.name: (o.label, FORMAT_EXCEPTIONS.get(o.name, UNIT_FORMATS[o.unit]))
    for o in (*registry.OUTCOMES.values(), *registry.SUMMARY_ONLY.values())
}

#: The outcomes shown on a run's page, in this order (those present): a choice of the page, named
#: as in the registry.
RUN_HEADLINE = [
    "intended_use_last13",
    "gaming_last13",
    "ignoring_last13",
    "intended_use_sales_last13",
    "intended_use_service_last13",
    "intended_use_managers_last13",
    "partner_self_serve_last13",
    "partner_go_around_last13",
    "data_quality_last13",
    "trust_last13",
    "live",
    "roi",
    "benefits_realised",
    "total_costs",
    "total_benefits",
    "cost_per_sale_last13",
    "turnover_last13",
    "peak_gaming",
    "weeks_to_half_use",
    "complaints_total",
    "compensation_total",
    "margin_leakage_total",
]


def fmt(value, kind: str = "num", signed: bool = False) -> str:
    """A number for a strategist: a share as a percentage, money with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value)
    sign = "+" if signed else ""
    if kind == "pct":
        return f"{value:{sign}.0%}" if not signed else _signed_points(value)
    if kind == "spct":
        return f"{value:+.0%}" if not signed else _signed_points(value)
    if kind == "year":
        return f"{value * 52:{sign}.0%}" if not signed else _signed_points(value * 52)
    if kind == "money":
        return f"{value:{sign},.0f}"
    if kind == "int":
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.2f}" if abs(value) < 100 else f"{value:{sign},.0f}"


def _signed_points(value: float) -> str:
    """A difference of shares in percentage points."""
    return f"{value * 100:+.1f} pts"
