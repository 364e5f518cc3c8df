"""Measure the behavioural regularities of docs/validation.md: routines, diffusion, path dependence,
and failure that is not only technical.

    python docs/measure_behaviour.py                               # routines and diffusion only
    crmsim sweep scenarios/sweeps/typical_prior.toml --out out/prior
    crmsim sweep scenarios/sweeps/typical_prior_pairs.toml --out out/pairs
    python docs/measure_behaviour.py --prior out/prior --pairs out/pairs

Prints the figures docs/validation.md quotes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sim  # noqa: E402
from sim.analysis.rates import wilson  # noqa: E402
from sim.core.metrics import settled_switching  # noqa: E402

SEEDS = range(1, 6)


def weekly_switching(name: str, seed: int) -> float:
    """Median over weeks of the share of employees live for more than 13 weeks who changed their
    way of working that week."""
    scenario = sim.Scenario.default() if name == "baseline" else sim.Scenario.case(name)
    model = sim.CRMRollout(scenario.with_overrides({"run.seed": seed}))
    shares = []
    while model.running:
        model.step()
        share = settled_switching(model)
        if share is not None:
            shares.append(share)
    return float(np.median(shares))


def routines() -> None:
    print("1. Routines: weekly share of settled employees (13+ weeks live) who change their way of working")
    for name in ("baseline", "global_giant_telco"):
        values = [weekly_switching(name, seed) for seed in SEEDS]
        print(f"   {name:20} median over weeks, per seed: {', '.join(f'{v:.1%}' for v in values)}")


def diffusion() -> None:
    print("2. Diffusion: intended use over the weeks after a big-bang go-live (week 4)")
    voluntary_full = {"policy.mandate": 0.0, "policy.integration": "full"}
    for label, overrides in (
        ("mandated (baseline)", {}),
        ("voluntary, full, delivered", {**voluntary_full, "governance.unfinished_interfaces": 0.0}),
        ("voluntary, full, built after", voluntary_full),
    ):
        for seed in SEEDS:
            ts = sim.run(sim.Scenario.default().with_overrides({**overrides, "run.seed": seed}), agents=False)
            use = ts.timeseries.set_index("week")["intended_use"]
            growth = use.rolling(3, center=True).mean().diff()
            print(
                f"   {label:28} seed {seed}: week 6 {use[6]:.2f}, 13 {use[13]:.2f}, 26 {use[26]:.2f}, "
                f"52 {use[52]:.2f}, 156 {use[156]:.2f}; fastest growth in week {int(growth.idxmax())}; "
                f"week 6 / week 52 = {use[6] / max(use[52], 1e-9):.2f}"
            )


def path_dependence(folder: Path) -> None:
    runs = pd.read_parquet(folder / "runs")
    pairs = runs.pivot_table(index="point", columns="replication", values="verdict", aggfunc="first")
    differ = (pairs[0] != pairs[1]).mean()
    use = runs.pivot_table(index="point", columns="replication", values="intended_use_last13")
    low, high = wilson(int((pairs[0] != pairs[1]).sum()), len(pairs))
    print(
        f"3. Path dependence: {len(pairs)} draws of the typical prior with two independent seeds each: the verdicts "
        f"differ on {differ:.1%} ({low:.1%}-{high:.1%}); median |difference| in final intended use "
        f"{np.median(np.abs(use[0] - use[1])):.3f}"
    )
    integration = runs.groupby("point")["policy.integration"].first()
    for level, differs in (pairs[0] != pairs[1]).groupby(integration):
        print(f"   integration {level:8} differ on {int(differs.sum())} of {len(differs)} draws")


def failure(folder: Path) -> None:
    runs = pd.read_parquet(folder / "runs")
    failed = runs["verdict"] == "failure"
    low, high = wilson(int(failed.sum()), len(runs))
    print(f"4. Failure over {len(runs)} draws: {failed.mean():.1%} (95% Wilson interval {low:.1%} to {high:.1%})")
    criteria = sim.Scenario.default().verdict
    print(
        f"   short on intended use (< {criteria.min_intended_use}): "
        f"{(runs['intended_use_last13'] < criteria.min_intended_use).mean():.1%}; "
        f"short on ROI (< {criteria.min_roi}): {(runs['roi'] < criteria.min_roi).mean():.1%}"
    )
    for integration, group in runs.groupby("policy.integration"):
        f = group["verdict"] == "failure"
        lo, hi = wilson(int(f.sum()), len(group))
        print(f"   integration {integration:8} {f.mean():.0%} of {len(group)} ({lo:.0%}-{hi:.0%})")
    for level in ("partial", "full"):
        group = runs[runs["policy.integration"] == level]
        group_failed = group["verdict"] == "failure"
        for key in ("policy.commitment", "policy.mandate"):
            bands = pd.cut(group[key], [0, 0.5, 0.6, 0.7, 1.0])
            shares = ", ".join(
                f"{band}: {f.mean():.0%} of {len(f)}" for band, f in group_failed.groupby(bands, observed=True)
            )
            print(f"   {level} integration failing by {key}: {shares}")
        use = group["intended_use_last13"]
        counts, _ = np.histogram(use, bins=10, range=(0, 1))
        print(
            f"   {level} integration, final intended use per tenth: {' '.join(map(str, counts))} "
            f"(below 0.2: {int((use < 0.2).sum())}, above 0.8: {int((use > 0.8).sum())}, of {len(group)})"
        )
        weak = (group["policy.commitment"] <= 0.6) & (group["policy.mandate"] <= 0.6)
        print(
            f"   {level} integration with commitment and mandate both <= 0.6: "
            f"{group_failed[weak].mean():.0%} of {int(weak.sum())} failed"
        )
        print(
            f"   {level} integration failures: {int(group_failed.sum())}, of which short on use "
            f"{int((group_failed & (use < criteria.min_intended_use)).sum())}, "
            f"negative ROI {int((group_failed & (group['roi'] < 0)).sum())}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", type=Path, help="results folder of scenarios/sweeps/typical_prior.toml")
    parser.add_argument("--pairs", type=Path, help="results folder of scenarios/sweeps/typical_prior_pairs.toml")
    args = parser.parse_args()
    routines()
    diffusion()
    if args.pairs:
        path_dependence(args.pairs)
    if args.prior:
        failure(args.prior)


if __name__ == "__main__":
    main()
