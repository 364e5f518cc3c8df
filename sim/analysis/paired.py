"""Paired policy comparison: every arm ran on the same seeds, so differences are taken seed by seed.

For each arm and outcome, over the seeds on which both ran to a value: the mean difference to the
baseline arm with a bootstrap confidence interval (resampling seeds; none over too few seeds to
say), the shares of seeds on which the arm did better, the same and worse, and the arm's
success rate among its judged runs, with McNemar's exact test of the two rates seed by seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.rates import paired_success, success_rate
from sim.core import outcomes as registry


def better_direction(name: str) -> int:
    """Which way is better for an outcome, from the registry; a column that is no outcome has none."""
    try:
        return registry.outcome(name).direction
    except KeyError:
        return registry.NEITHER


#: Fewer paired seeds than this get no interval. A percentile bootstrap over n seeds can only
#: take values between the smallest and largest difference: over 3 seeds it covers about 75%,
#: not 95%, and over 1 seed it has no width at all.
MIN_SEEDS = 10


def compare_arms(
    runs: pd.DataFrame,
    baseline: str,
    outcomes: list[str],
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (arm, outcome), over the seeds on which both the arm and the baseline have a value:
    their means, the paired mean difference with a bootstrap interval (none under MIN_SEEDS seeds),
    and the shares of seeds on which the arm did better, the same, or worse."""
    ok = runs[runs["status"] == "ok"]
    wide = {arm: frame.set_index("replication") for arm, frame in ok.groupby("arm", sort=False)}
    base = wide[baseline]
    rng = np.random.default_rng(seed)
    rows = []
    for arm, frame in wide.items():
        if arm == baseline:
            continue
        shared = base.index.intersection(frame.index)
        verdicts = paired_success(frame.loc[shared, "verdict"], base.loc[shared, "verdict"])
        for outcome in outcomes:
            pair = pd.DataFrame({"arm": frame.loc[shared, outcome], "base": base.loc[shared, outcome]}).dropna()
            diff = (pair["arm"] - pair["base"]).to_numpy(dtype=float)
            n = len(diff)
            low = high = np.nan
            if n >= MIN_SEEDS:
                boot = diff[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
                low, high = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
            direction = better_direction(outcome)
            rows.append(
                {
                    "arm": arm,
                    "outcome": outcome,
                    "seeds": n,
                    "baseline_mean": float(pair["base"].mean()) if n else np.nan,
                    "arm_mean": float(pair["arm"].mean()) if n else np.nan,
                    "mean_difference": float(diff.mean()) if n else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "p_higher": _share(diff > 0),
                    "p_better": _share(direction * diff > 0) if direction else np.nan,
                    "p_tied": _share(diff == 0),
                    "p_worse": _share(direction * diff < 0) if direction else np.nan,
                    "verdict_rate": success_rate(frame.loc[shared, "verdict"]),
                    "baseline_verdict_rate": success_rate(base.loc[shared, "verdict"]),
                    "undetermined": int((frame.loc[shared, "verdict"] == "undetermined").sum()),
                    "success_won": verdicts["won"],  # seeds where only the arm succeeded
                    "success_lost": verdicts["lost"],  # seeds where only the baseline did
                    "success_p": verdicts["p"],  # McNemar's exact test of the two success rates
                }
            )
    return pd.DataFrame(rows)


def _difference(value: float, scale: float) -> str:
    """A signed difference to three significant digits; one that is rounding error of the means it
    is taken between (below 1e-12 of them) is shown as the 0 it is, not as +2.6e-18."""
    return "+0" if abs(value) <= 1e-12 * max(scale, 1e-300) else f"{value:+.3g}"


def to_markdown(table: pd.DataFrame, baseline: str, confidence: float = 0.95) -> str:
    """A readable table: per arm and outcome, the paired difference to the baseline with its interval."""
    lines = [
        f"# Paired comparison against `{baseline}`",
        "",
        f"Differences are arm minus baseline on the same seeds; intervals are {confidence:.0%} bootstrap intervals "
        f"over seeds (none with fewer than {MIN_SEEDS} seeds: too few to say). They cover chance from seed to "
        "seed at the scenario's values, not doubt about those values (a calibration carries that), and narrow "
        "as seeds are added. Better / same / worse are the "
        "shares of seeds on which the arm did better than the baseline, the same, or worse. Success rates count "
        "the runs that were judged (a run that ended before the CRM went live is undetermined). "
        "Numbers are as recorded: shares from 0 to 1 (a difference of 0.1 is 10 percentage points), turnover "
        "per week (x 52 for a year), money in thousands of the currency. "
        "The baseline's success rate: "
        + (_rate(table["baseline_verdict_rate"].iloc[0]) + "." if len(table) else "n/a."),
        "",
        "| arm | outcome | seeds | baseline mean | arm mean | mean difference | interval | better / same / worse |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        if r.seeds == 0:  # no seed on which both have a value (an arm that never went live)
            lines.append(f"| {r.arm} | {r.outcome} | 0 | n/a | n/a | n/a | n/a | |")
            continue
        shares = "" if np.isnan(r.p_better) else f"{r.p_better:.0%} / {r.p_tied:.0%} / {r.p_worse:.0%}"
        scale = max(abs(r.baseline_mean), abs(r.arm_mean))
        interval = (
            "too few seeds"
            if np.isnan(r.ci_low)
            else f"[{_difference(r.ci_low, scale)}, {_difference(r.ci_high, scale)}]"
        )
        lines.append(
            f"| {r.arm} | {r.outcome} | {r.seeds} | {r.baseline_mean:.3g} | {r.arm_mean:.3g} | "
            f"{_difference(r.mean_difference, scale)} | {interval} | {shares} |"
        )
    lines += [
        "",
        "Success seed by seed: on how many seeds only the arm succeeded, and only the baseline; seeds where "
        "both succeeded or both failed do not tell them apart. p is McNemar's exact test that the two "
        "success rates are the same.",
        "",
        "| arm | success rate | undetermined runs | only the arm succeeded | only the baseline succeeded | p |",
        "|---|---|---|---|---|---|",
    ]
    for arm, rows in table.groupby("arm", sort=False):
        r = rows.iloc[0]
        lines.append(
            f"| {arm} | {_rate(r['verdict_rate'])} | {r['undetermined']} | {r['success_won']} | "
            f"{r['success_lost']} | {'n/a' if np.isnan(r['success_p']) else format(r['success_p'], '.2g')} |"
        )
    return "\n".join(lines) + "\n"


def _share(where: np.ndarray) -> float:
    """The share of seeds where a condition holds (NaN for no seeds)."""
    return float(where.mean()) if len(where) else np.nan


def _rate(value: float) -> str:
    return "n/a" if np.isnan(value) else f"{value:.0%}"
