"""A paired comparison says no more than its seeds allow: no interval over too few of them, ties
counted as ties, runs that never went live counted apart, and every share over the same seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import paired
from sim.analysis.rates import success_rate


def runs(arms: dict[str, list[float]], outcome: str = "intended_use_last13", verdicts=None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "arm": arm,
                "replication": i,
                "status": "ok",
                "verdict": (verdicts or {}).get(arm, ["success"] * len(values))[i],
                outcome: value,
            }
            for arm, values in arms.items()
            for i, value in enumerate(values)
        ]
    )


def row(table: pd.DataFrame) -> pd.Series:
    return table.iloc[0]


@pytest.mark.parametrize("seeds", [1, 3, paired.MIN_SEEDS - 1])
def test_too_few_seeds_get_no_interval(seeds):
    base = list(np.linspace(0.1, 0.5, seeds))
    table = paired.compare_arms(runs({"base": base, "arm": [v + 0.2 for v in base]}), "base", ["intended_use_last13"])
    r = row(table)
    assert np.isnan(r.ci_low) and np.isnan(r.ci_high)
    assert r.mean_difference == pytest.approx(0.2) and r.seeds == seeds
    assert "| too few seeds |" in paired.to_markdown(table, "base")


def test_enough_seeds_get_an_interval_around_the_mean_difference():
    rng = np.random.default_rng(1)
    base = rng.random(40)
    r = row(
        paired.compare_arms(
            runs({"base": list(base), "arm": list(base + 0.1 + rng.normal(0, 0.05, 40))}),
            "base",
            ["intended_use_last13"],
        )
    )
    assert r.ci_low < r.mean_difference < r.ci_high and r.ci_low > 0


def test_ties_are_neither_better_nor_worse():
    base = [0.5] * 12
    arm = [0.6] * 3 + [0.5] * 7 + [0.4] * 2
    r = row(paired.compare_arms(runs({"base": base, "arm": arm}), "base", ["intended_use_last13"]))
    assert (r.p_better, r.p_tied, r.p_worse) == pytest.approx((3 / 12, 7 / 12, 2 / 12))
    text = paired.to_markdown(
        paired.compare_arms(runs({"base": base, "arm": arm}), "base", ["intended_use_last13"]), "base"
    )
    assert "25% / 58% / 17%" in text


def test_seeds_missing_an_outcome_leave_both_arms_and_are_counted():
    base = [0.1 * i for i in range(12)]
    arm = [v + 0.05 for v in base]
    arm[0] = arm[5] = np.nan
    r = row(paired.compare_arms(runs({"base": base, "arm": arm}), "base", ["intended_use_last13"]))
    kept = [v for i, v in enumerate(base) if i not in (0, 5)]
    assert r.seeds == 10
    assert r.baseline_mean == pytest.approx(np.mean(kept))  # the baseline over the same seeds as the arm
    assert r.mean_difference == pytest.approx(0.05)
    assert r.ci_low == pytest.approx(0.05) and r.ci_high == pytest.approx(0.05)  # every paired difference is 0.05


def test_a_run_that_never_went_live_is_no_failure():
    verdicts = pd.Series(["success", "failure", "undetermined", "undetermined"])
    assert success_rate(verdicts) == 0.5
    assert np.isnan(success_rate(pd.Series(["undetermined"])))
    table = paired.compare_arms(
        runs(
            {"base": [0.5] * 4, "arm": [0.0] * 4},
            verdicts={"base": ["success", "failure", "success", "success"], "arm": ["undetermined"] * 4},
        ),
        "base",
        ["intended_use_last13"],
    )
    r = row(table)
    assert np.isnan(r.verdict_rate) and r.undetermined == 4 and r.baseline_verdict_rate == 0.75


def test_the_comparison_figure_lists_arms_as_the_table_does_and_names_each_axis_unit():
    rng = np.random.default_rng(3)
    seeds = paired.MIN_SEEDS
    data = pd.concat(
        [
            runs({arm: list(rng.random(seeds)) for arm in ("base", "first", "second")}, outcome)
            for outcome in ("intended_use_last13", "cost_per_sale_last13")
        ]
    )
    data = data.groupby(["arm", "replication"], as_index=False, sort=False).first()
    table = paired.compare_arms(data, "base", ["intended_use_last13", "cost_per_sale_last13"])
    import matplotlib.pyplot as plt

    from sim.presentation.plots import plot_comparison

    fig = plot_comparison(table, "base")
    try:
        first, second = fig.axes
        labels = [t.get_text() for t in first.get_yticklabels()]
        tops = sorted(zip(first.get_yticks(), labels, strict=True), key=lambda t: t[0])
        shown_top_down = [label for _, label in tops] if first.yaxis_inverted() else [label for _, label in tops[::-1]]
        assert shown_top_down == list(dict.fromkeys(table["arm"]))  # the table's order, top to bottom
        assert first.get_xlabel() == "difference, share (0.1 = 10 points)"
        assert second.get_xlabel() == "difference, thousands of the currency"
    finally:
        plt.close(fig)


@pytest.mark.parametrize("won, lost", [(0, 0), (0, 1), (3, 0), (8, 0), (5, 5), (12, 4), (2, 17), (40, 31)])
def test_mcnemars_exact_p_is_the_two_sided_binomial_test_of_the_seeds_that_tell_arms_apart(won, lost):
    from scipy.stats import binomtest

    from sim.analysis.rates import mcnemar_exact

    expected = 1.0 if won + lost == 0 else binomtest(won, won + lost, 0.5).pvalue
    assert mcnemar_exact(won, lost) == pytest.approx(expected, rel=1e-12)


def test_a_paired_success_difference_is_clear_where_separate_intervals_overlap():
    """40 seeds: the baseline succeeds on 16, the arm on the same 16 and 8 more. The two Wilson
    intervals overlap, yet every seed that tells them apart favours the arm (p = 2 / 2**8)."""
    from sim.analysis.rates import wilson

    base = ["success"] * 16 + ["failure"] * 24
    arm = ["success"] * 24 + ["failure"] * 16
    table = paired.compare_arms(
        runs({"base": [0.0] * 40, "arm": [0.0] * 40}, verdicts={"base": base, "arm": arm}),
        "base",
        ["intended_use_last13"],
    )
    r = row(table)
    assert (r.success_won, r.success_lost) == (8, 0)
    assert r.success_p == pytest.approx(2 / 2**8)
    assert wilson(24, 40)[0] < wilson(16, 40)[1]  # the separate intervals overlap
    text = paired.to_markdown(table, "base")
    assert "| arm | 60% | 0 | 8 | 0 | 0.0078 |" in text


def test_seeds_not_judged_in_both_arms_are_left_out_of_the_paired_success_test():
    from sim.analysis.rates import paired_success

    arm = pd.Series(["success", "success", "undetermined", "failure"], index=[0, 1, 2, 3])
    base = pd.Series(["failure", "undetermined", "failure", "failure"], index=[0, 1, 2, 3])
    assert paired_success(arm, base) == {"seeds": 2, "won": 1, "lost": 0, "p": 1.0}
    never = pd.Series(["undetermined"] * 4, index=[0, 1, 2, 3])  # an arm that never went live: nothing to test
    judged = paired_success(never, base)
    assert (judged["seeds"], judged["won"], judged["lost"]) == (0, 0, 0) and np.isnan(judged["p"])


def test_a_difference_that_is_rounding_error_reads_as_zero():
    base = [0.1, 0.7, 0.2, 0.3, 0.9, 0.6, 0.4, 0.8, 0.5, 0.35]  # the same values in another order: means equal
    table = paired.compare_arms(runs({"base": base, "arm": base[::-1]}), "base", ["intended_use_last13"])
    text = paired.to_markdown(table, "base")
    assert "e-1" not in text and "| +0 |" in text
    assert "| baseline mean | arm mean | mean difference |" in text
