"""The five case scenarios reproduce the patterns their seed documents report.

Every pattern runs its case over 20 seeds and asserts on medians or on shares of seeds, with
the tolerance stated beside it. Each case's what-if (the policies its document says were
missing) must do better. A week's row in a time series is found by its ``week`` column.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import Scenario, run

CASES = Path(__file__).resolve().parents[2] / "scenarios" / "cases"
SEEDS = range(20)


@cache
def runs(case: str, overrides: tuple = ()) -> list[dict]:
    """The case over 20 seeds: each run's time series, summary and end-of-run partner terms."""
    out = []
    for seed in SEEDS:
        scenario = Scenario.load(CASES / f"{case}.toml").with_overrides({**dict(overrides), "run.seed": seed})
        result = run(scenario)
        partners = result.agents[result.agents["role"] == "partner"]
        terms = partners.groupby("behaviour")["terms_seen"].mean()
        out.append(
            {
                "ts": result.timeseries.set_index("week"),
                "summary": result.summary,
                "terms": terms,
                "go_live": scenario.policy.go_live_week,
            }
        )
    return out


def per_seed(case, fn, overrides: tuple = ()) -> np.ndarray:
    return np.array([fn(r) for r in runs(case, overrides)], dtype=float)


def window(ts: pd.DataFrame, column: str, first: int, last: int) -> float:
    """Mean of a column over weeks first..last (inclusive)."""
    return float(ts.loc[first:last, column].mean())


def last13(column):
    return lambda r: float(r["ts"][column].tail(13).mean())


def success_share(case, overrides: tuple = ()) -> float:
    return float(np.mean([r["summary"]["verdict"] == "success" for r in runs(case, overrides)]))


# --- Global Giant (seed 002) -------------------------------------------------------------

TELCO = "global_giant_telco"
SANCTIONS_ON = (("policy.sanctions", 1.0),)


def test_telco_technology_works_no_outages():
    # every week of every seed: system performance at or above 0.9 ("The CRM technology worked
    # perfectly"), because the telco connects few legacy systems, partly, and upgrades them ...
    lowest = per_seed(TELCO, lambda r: r["ts"]["system_performance"].min())
    assert lowest.min() >= 0.9
    # ... while the same organisation fully integrated with 20 legacy systems it did not upgrade
    # would fall below that once everyone is live (seed 001's "performance is degraded")
    heavy = Scenario.load(CASES / f"{TELCO}.toml").with_overrides(
        {
            "org.legacy_systems": 20,
            "policy.integration": "full",
            "policy.legacy_upgrade": False,
            "run.weeks": 10,
        }
    )
    assert run(heavy).timeseries["system_performance"].min() < 0.9


def test_telco_sales_intended_use_at_week_52_is_below_half():
    use = per_seed(TELCO, lambda r: r["ts"].loc[52, "intended_use_sales"])
    assert np.median(use) < 0.5
    assert np.mean(use < 0.5) >= 0.9  # tolerance: at most 2 of 20 seeds above


def test_telco_sales_gaming_rises_in_the_first_26_weeks():
    rise = per_seed(
        TELCO, lambda r: r["ts"].loc[r["go_live"] + 25, "gaming_sales"] - r["ts"].loc[r["go_live"], "gaming_sales"]
    )
    assert np.median(rise) > 0.05
    assert np.mean(rise > 0) >= 0.9


def test_telco_cost_per_sale_in_the_first_26_weeks_is_above_the_pre_rollout_baseline():
    def excess(r):
        ts, g = r["ts"], r["go_live"]
        return window(ts, "cost_per_sale", g, g + 25) - window(ts, "cost_per_sale", 1, g - 1)

    assert (per_seed(TELCO, excess) > 0).all()


def test_telco_self_serving_partners_end_with_worse_terms_than_those_who_go_around():
    gap = per_seed(TELCO, lambda r: r["terms"].get("go_around", np.nan) - r["terms"].get("self_serve", np.nan))
    gap = gap[~np.isnan(gap)]
    assert len(gap) >= 18  # both kinds of partner exist at the end in (almost) every seed
    assert np.median(gap) > 0
    assert np.mean(gap > 0) >= 0.9


def test_telco_compensation_is_paid():
    paid = per_seed(TELCO, lambda r: r["summary"]["outcomes"]["compensation_total"])
    assert np.mean(paid > 0) >= 0.9


def test_telco_sanctions_lower_gaming_but_also_sales_use_and_raise_sales_turnover():
    def after_go_live(column):
        return lambda r: window(r["ts"], column, r["go_live"], r["ts"].index.max())

    def paired(column):
        return per_seed(TELCO, after_go_live(column), SANCTIONS_ON) - per_seed(TELCO, after_go_live(column))

    gaming, use, turnover = paired("gaming_sales"), paired("intended_use_sales"), paired("turnover_sales")
    # paired on the same seeds (common random numbers): tolerance, at least 80% of seeds; for
    # sales use 70%: since people keep routines and early events tip them, a seed's path matters
    # more than before (75% of the 20 seeds measured when routines came in)
    assert np.median(gaming) < 0 and np.mean(gaming < 0) >= 0.8
    assert np.median(use) < 0 and np.mean(use < 0) >= 0.7
    assert np.median(turnover) > 0 and np.mean(turnover > 0) >= 0.8


def test_telco_marketing_service_conflict_rises_after_go_live():
    rise = per_seed(
        TELCO, lambda r: r["ts"].loc[r["go_live"] + 25, "conflict"] - r["ts"].loc[r["go_live"] - 1, "conflict"]
    )
    assert np.median(rise) > 0.2
    assert (rise > 0).all()


def test_telco_what_if_does_better():
    whatif = TELCO + "_whatif"
    assert np.median(per_seed(whatif, last13("intended_use"))) > np.median(per_seed(TELCO, last13("intended_use")))

    def early_cost(r):
        return window(r["ts"], "cost_per_sale", r["go_live"], r["go_live"] + 25)

    assert np.median(per_seed(whatif, early_cost)) < np.median(per_seed(TELCO, early_cost))
    assert success_share(whatif) > success_share(TELCO)


# --- Call centre without integration (seed 001) ------------------------------------------

CALL = "call_centre_integration"
CALL_WHATIF = CALL + "_whatif"


def test_call_centre_without_integration_service_keeps_ignoring_data_stay_poor_managers_rarely_use():
    assert np.median(per_seed(CALL, last13("ignoring_service"))) >= 0.5
    assert np.median(per_seed(CALL, last13("data_quality"))) < 0.4
    assert np.median(per_seed(CALL, last13("intended_use_managers"))) < 0.5


def test_call_centre_with_full_integration_all_three_improve():
    # paired on seeds; tolerance: at least 90% of seeds improve on each
    for column, better in (("ignoring_service", -1), ("data_quality", 1), ("intended_use_managers", 1)):
        diff = per_seed(CALL_WHATIF, last13(column)) - per_seed(CALL, last13(column))
        assert np.mean(better * diff > 0) >= 0.9, column


def test_call_centre_new_hire_training_keeps_service_adoption_up_late_in_the_run():
    """Turnover washes training away: without new-hire training, late service use is lower.

    Before routines the gap also widened over the run; now every new hire weighs their way of
    working on arrival, trained or not, and training acts through skill alone, so the gap no
    longer grows measurably (median early gap 0.005, late 0.005 when routines came in).
    """
    untrained = (("policy.new_hire_training", False),)

    def gap_in(first, last):
        def use(r):
            return window(r["ts"], "intended_use_service", first, last)

        return per_seed(CALL_WHATIF, use) - per_seed(CALL_WHATIF, use, untrained)

    late = gap_in(131, 156)
    assert np.median(late) > 0
    assert np.mean(late > 0) >= 0.6


def test_call_centre_go_live_in_exam_weeks_does_worse_than_waiting_for_them_to_end():
    # Seed 001: "it is impossible to introduce a new CRM system during the exam period". The
    # choice a manager has is to wait: a go-live inside the exams (week 21 of weeks 20-24) against
    # one just after them (week 26), each over its own first quarter live. A go-live at week 10 is
    # no clean comparison: its first half year runs into the same exams.
    def first_quarter(r):
        return window(r["ts"], "intended_use_service", r["go_live"], r["go_live"] + 12)

    in_exams = per_seed(CALL_WHATIF, first_quarter, (("policy.go_live_week", 21),))
    after_exams = per_seed(CALL_WHATIF, first_quarter, (("policy.go_live_week", 26),))
    diff = in_exams - after_exams
    assert np.median(diff) < -0.03  # measured: -0.076 (a quarter less use)
    assert np.mean(diff < 0) >= 0.8  # tolerance: 16 of 20 seeds (measured: 19)


# --- The Institute: technological drift (seed 000) ----------------------------------------

INSTITUTE = "institute_drift"


def rolling(column, week):
    return lambda r: float(r["ts"][column].rolling(13, min_periods=1).mean().loc[week])


def test_institute_adoption_grows_slowly_over_six_years():
    y1, y3, y6 = (per_seed(INSTITUTE, rolling("intended_use", w)) for w in (52, 156, 312))
    assert np.median(y1) < 0.3
    assert np.median(y3) > np.median(y1) and np.median(y6) > np.median(y3)


def test_institute_drift_rises_then_levels_off():
    early, mid = per_seed(INSTITUTE, rolling("drift", 13)), per_seed(INSTITUTE, rolling("drift", 104))
    late = per_seed(INSTITUTE, lambda r: window(r["ts"], "drift", 261, 312))
    before = per_seed(INSTITUTE, lambda r: window(r["ts"], "drift", 157, 208))
    assert np.median(mid) > np.median(early) + 0.03  # it rises over the first two years
    # and levels off: the last year moves less than a third of the first two years' rise
    assert abs(np.median(late) - np.median(before)) < (np.median(mid) - np.median(early)) / 3 + 0.01


def test_institute_organic_style_ends_with_more_use_and_more_drift_than_control():
    organic = INSTITUTE + "_whatif"
    for column in ("intended_use", "drift"):
        diff = per_seed(organic, last13(column)) - per_seed(INSTITUTE, last13(column))
        assert np.median(diff) > 0 and np.mean(diff > 0) >= 0.8, column


# --- City Council (seed 003) -------------------------------------------------------------

COUNCIL = "city_council"


def test_city_council_most_seeds_fail():
    assert success_share(COUNCIL) <= 0.3


def test_city_council_goal_shift_breaks_the_trend_at_the_cio_change():
    change = 70

    def slope(first, last):
        def fit(r):
            ts = r["ts"].loc[first:last, "intended_use"]
            return float(np.polyfit(ts.index, ts.values, 1)[0])

        return per_seed(COUNCIL, fit)

    before, after = slope(change - 20, change - 1), slope(change, change + 19)
    assert np.median(after - before) < 0
    # 55% of seeds (measured 60% when routines came in, 70% asked before): only those who
    # reconsider feel the new goal at once, so the break shows on fewer seeds
    assert np.mean(after < before) >= 0.55
    jump = per_seed(
        COUNCIL,
        lambda r: window(r["ts"], "gaming", change, change + 9) - window(r["ts"], "gaming", change - 10, change - 1),
    )
    assert np.median(jump) > 0


def test_city_council_what_if_with_commitment_and_in_house_team_succeeds_more_often():
    assert success_share(COUNCIL + "_whatif") >= success_share(COUNCIL) + 0.3


# --- Call-centre consolidation and culture (seed 004) ------------------------------------

CONSOLIDATION = "callcentre_consolidation"


def test_consolidation_underuse_turnover_and_benefits_short_of_plan():
    assert np.median(per_seed(CONSOLIDATION, last13("intended_use"))) < 0.6
    # turnover in the new centre runs above its staff's contented hazard (0.8% a week)
    yearly = per_seed(CONSOLIDATION, lambda r: r["ts"]["turnover_service"].mean() * 52)
    assert np.median(yearly) > 0.008 * 52 * 1.1
    assert np.median(per_seed(CONSOLIDATION, lambda r: r["summary"]["outcomes"]["benefits_realised"])) < 0.5


def test_consolidation_what_if_with_a_culture_programme_does_better_on_all_three():
    whatif = CONSOLIDATION + "_whatif"

    def turnover(r):
        return r["ts"]["turnover_service"].mean()

    def benefits(r):
        return r["summary"]["outcomes"]["benefits_realised"]

    for fn, better in ((last13("intended_use"), 1), (turnover, -1), (benefits, 1)):
        diff = per_seed(whatif, fn) - per_seed(CONSOLIDATION, fn)
        assert better * np.median(diff) > 0 and np.mean(better * diff > 0) >= 0.7


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.toml")))
def test_every_case_file_is_a_valid_scenario_named_after_its_file(case):
    assert Scenario.load(CASES / f"{case}.toml").name == case
