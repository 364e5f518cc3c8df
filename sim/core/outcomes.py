"""The outcomes of a run, defined once: name, label, unit, which way is better, how it is computed.

In the manner of EMA Workbench's ``ScalarOutcome`` (name, kind, function): every module that
records, compares, analyses or shows outcomes (the results store, paired comparison,
sensitivity, scenario discovery, the EMA wrapper, the reports) reads this registry instead of
keeping its own list. Most outcomes summarise a weekly series (``SERIES_last13`` is the mean
of the last 13 weeks; for a share of those live, of those of its weeks with anyone of its group
live: ``sim.core.metrics.live_weeks``); a few come from the books or from the verdict.

Units: ``share`` (0-1, shown as a percentage), ``signed_share`` (a return, may be negative),
``index`` (0-1 scale), ``per_week`` (a weekly rate, shown per year), ``money`` (thousands of a
currency unit), ``count``, ``week``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.core.vocabulary import ROLES

#: Which way is better for an outcome.
HIGHER, LOWER, NEITHER = 1, -1, 0


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run."""

    name: str
    label: str  # in a strategist's words
    unit: str  # see the module's docstring
    direction: int  # HIGHER or LOWER is better; NEITHER where it is not good or bad (drift)
    source: str  # how it is computed from the run's summary


def _people(role: str) -> str:
    """A role's people at the start of a label ("Sales reps"), in the vocabulary's words."""
    return ROLES[role].plural.capitalize()


def _last13(series: str, label: str, unit: str, direction: int) -> Outcome:
    return Outcome(f"{series}_last13", label, unit, direction, f"mean of the weekly {series} over the last 13 weeks")


#: Every outcome an experiment records per run, in this order.
OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        _last13("intended_use", "Employees using the CRM as designed", "share", HIGHER),
        _last13("gaming", "Employees gaming it (entries for show)", "share", LOWER),
        _last13("ignoring", "Employees ignoring it", "share", LOWER),
        _last13("intended_use_sales", f"{_people('sales')} using it as designed", "share", HIGHER),
        _last13("intended_use_service", f"{_people('service')} using it as designed", "share", HIGHER),
        _last13("intended_use_managers", f"{_people('manager')} using it as designed", "share", HIGHER),
        _last13("gaming_sales", f"{_people('sales')} gaming it", "share", LOWER),
        _last13("partner_self_serve", f"{_people('partner')} self-serving", "share", HIGHER),
        _last13("partner_go_around", f"{_people('partner')} going around it", "share", LOWER),
        _last13("data_quality", "Data quality (0 = useless, 1 = perfect)", "index", HIGHER),
        _last13("trust", "Trust in the data (0 to 1)", "index", HIGHER),
        _last13("drift", "Drift from the designed practice (0 to 1)", "index", NEITHER),
        _last13("conflict", "Marketing-service conflict (0 to 1)", "index", LOWER),
        _last13("turnover", "Staff turnover, per year", "per_week", LOWER),
        _last13("cost_per_sale", "Cost per unit sale", "money", LOWER),
        Outcome("roi", "Return on investment", "signed_share", HIGHER, "(benefits - costs) / costs over the run"),
        Outcome("benefits_realised", "Planned benefits realised", "share", HIGHER, "benefits / planned benefits"),
        Outcome("complaints_total", "Partner complaints (total)", "count", LOWER, "sum of weekly complaints"),
        Outcome(
            "compensation_total", "Compensation paid to partners (total)", "money", LOWER, "sum of weekly compensation"
        ),
        Outcome(
            "margin_leakage_total", "Margin leaked through bent terms (total)", "money", LOWER, "sum of weekly leakage"
        ),
        Outcome("peak_gaming", "Peak share gaming", "share", LOWER, "highest weekly gaming share"),
        Outcome(
            "weeks_to_half_use",
            "Week half of live employees first used it as designed",
            "week",
            LOWER,
            "first week with intended use at or above 0.5",
        ),
    )
}

#: Outcomes a run's summary has beside the recorded ones (shown in a run's report).
SUMMARY_ONLY: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("total_costs", "Total costs", "money", LOWER, "sum of weekly costs"),
        Outcome("total_benefits", "Total benefits", "money", HIGHER, "sum of weekly benefits"),
        Outcome("live", "Employees live on the CRM at the end", "share", NEITHER, "live share in the last week"),
    )
}

#: ``success``: 1 for a run whose verdict is success, 0 for a failure (sensitivity, discovery, EMA).
SUCCESS = Outcome(
    "success", "Rollout judged a success", "share", HIGHER, "1 if the verdict is success, 0 if failure, else no value"
)

#: Outcomes of the CRM's money and its peak use, besides the shares of those live
#: (``sim.core.metrics.share_columns``): a run that ended before the CRM went live has none (no
#: value, not 0: nobody used it, and a return on an investment not yet made is undefined).
OF_THE_CRM_IN_USE = (
    "roi",
    "roi_last13",
    "benefits_realised",
    "benefits_realised_last13",
    "peak_gaming",
    "peak_gaming_week",
)

#: The outcomes a comparison or a report shows first.
HEADLINE = (
    "intended_use_last13",
    "gaming_last13",
    "data_quality_last13",
    "roi",
    "cost_per_sale_last13",
    "turnover_last13",
)


def outcome(name: str) -> Outcome:
    """An outcome by name: recorded, summary-only, or ``success``."""
    if name == SUCCESS.name:
        return SUCCESS
    return OUTCOMES.get(name) or SUMMARY_ONLY[name]


def success(verdict: str | None) -> float:
    """The ``success`` outcome of a run from its verdict: 1 or 0, and no value (NaN) for a run
    that was not judged (it ended before the CRM went live): it is no failure."""
    return {"success": 1.0, "failure": 0.0}.get(verdict, math.nan)
