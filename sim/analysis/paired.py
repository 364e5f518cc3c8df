"""Paired policy comparison: every arm ran on the same seeds, so differences are taken seed by seed.

For each arm and outcome: the mean difference to the baseline arm with a bootstrap confidence
interval (resampling seeds), the probability that the arm beats the baseline on a seed, and
the arm's verdict (success) rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core import outcomes as registry


def better_direction(name: str) -> int:
    """Which way is better for an outcome, from the registry; a column that is no outcome has none."""
    try:
        return registry.outcome(name).direction
    except KeyError:
        return registry.NEITHER


def compare_arms(
    runs: pd.DataFrame,
    baseline: str,
    outcomes: list[str],
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (arm, outcome): means, paired mean difference, bootstrap CI, P(beats baseline)."""
    ok = runs[runs["status"] == "ok"]
    wide = {arm: frame.set_index("replication") for arm, frame in ok.groupby("arm", sort=False)}
    base = wide[baseline]
    rng = np.random.default_rng(seed)
    rows = []
    for arm, frame in wide.items():
        if arm == baseline:
            continue
        shared = base.index.intersection(frame.index)
        picks = rng.integers(0, len(shared), size=(resamples, len(shared))) if len(shared) else None
        for outcome in outcomes:
            diff = (frame.loc[shared, outcome] - base.loc[shared, outcome]).to_numpy(dtype=float)
            diff = diff[~np.isnan(diff)]
            direction = better_direction(outcome)
            if len(diff) and picks is not None:
                boot = diff[picks[:, : len(diff)] % len(diff)].mean(axis=1)
                low, high = np.quantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
            else:
                low = high = np.nan
            rows.append(
                {
                    "arm": arm,
                    "outcome": outcome,
                    "seeds": len(diff),
                    "baseline_mean": float(base.loc[shared, outcome].mean()),
                    "arm_mean": float(frame.loc[shared, outcome].mean()),
                    "mean_difference": float(diff.mean()) if len(diff) else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "p_higher": float((diff > 0).mean()) if len(diff) else np.nan,
                    "p_better": float((direction * diff > 0).mean()) if len(diff) and direction else np.nan,
                    "verdict_rate": float((frame.loc[shared, "verdict"] == "success").mean()),
                    "baseline_verdict_rate": float((base.loc[shared, "verdict"] == "success").mean()),
                }
            )
    return pd.DataFrame(rows)


def to_markdown(table: pd.DataFrame, baseline: str, confidence: float = 0.95) -> str:
    """A readable table: per arm and outcome, the paired difference to the baseline with its interval."""
    lines = [
        f"# Paired comparison against `{baseline}`",
        "",
        f"Differences are arm minus baseline on the same seeds; intervals are {confidence:.0%} bootstrap intervals "
        "over seeds. P(better) is the share of seeds on which the arm did better. The baseline's success rate: "
        + (f"{table['baseline_verdict_rate'].iloc[0]:.0%}." if len(table) else "n/a."),
        "",
        "| arm | outcome | baseline | arm | difference | interval | P(better) | success rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        better = "" if np.isnan(r.p_better) else f"{r.p_better:.0%}"
        lines.append(
            f"| {r.arm} | {r.outcome} | {r.baseline_mean:.3g} | {r.arm_mean:.3g} | {r.mean_difference:+.3g} | "
            f"[{r.ci_low:+.3g}, {r.ci_high:+.3g}] | {better} | {r.verdict_rate:.0%} |"
        )
    return "\n".join(lines) + "\n"
