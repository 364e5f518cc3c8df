"""The outcomes as a strategist reads them: their names in words, their numbers, their uncertainty."""

from __future__ import annotations

import math

from scipy.stats import binomtest

#: Outcomes as a strategist reads them: label, format, and what the number is.
#: Formats: pct (share), spct (signed share), num (2 decimals), money (whole units), int, year (weekly rate x 52).
OUTCOME_LABELS = {
    "intended_use_last13": ("Employees using the CRM as designed", "pct"),
    "gaming_last13": ("Employees gaming it (entries for show)", "pct"),
    "ignoring_last13": ("Employees ignoring it", "pct"),
    "intended_use_sales_last13": ("Sales reps using it as designed", "pct"),
    "intended_use_service_last13": ("Service staff using it as designed", "pct"),
    "intended_use_managers_last13": ("Managers using it as designed", "pct"),
    "gaming_sales_last13": ("Sales reps gaming it", "pct"),
    "partner_self_serve_last13": ("Channel partners self-serving", "pct"),
    "partner_go_around_last13": ("Channel partners going around it", "pct"),
    "data_quality_last13": ("Data quality (0 = useless, 1 = perfect)", "num"),
    "trust_last13": ("Trust in the data (0 to 1)", "num"),
    "drift_last13": ("Drift from the designed practice (0 to 1)", "num"),
    "conflict_last13": ("Marketing-service conflict (0 to 1)", "num"),
    "turnover_last13": ("Staff turnover, per year", "year"),
    "cost_per_sale_last13": ("Cost per unit sale", "num"),
    "roi": ("Return on investment", "spct"),
    "benefits_realised": ("Planned benefits realised", "pct"),
    "complaints_total": ("Partner complaints (total)", "int"),
    "compensation_total": ("Compensation paid to partners (total)", "money"),
    "margin_leakage_total": ("Margin leaked through bent terms (total)", "money"),
    "peak_gaming": ("Peak share gaming", "pct"),
    "weeks_to_half_use": ("Week half of live employees first used it as designed", "int"),
    "total_costs": ("Total costs", "money"),
    "total_benefits": ("Total benefits", "money"),
    "live": ("Employees live on the CRM at the end", "pct"),
}

#: The outcomes shown for a run, in this order (those present).
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


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The interval for a rate of success (or failure) over ``n`` runs; (0, 1) when there are no runs.

    Wilson's score interval: unlike the textbook p +- z*se it stays inside 0 to 1 and keeps its
    coverage for rates near 0 or 1 and for a few dozen runs, as an experiment often has.
    """
    if n == 0:
        return 0.0, 1.0
    interval = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)
