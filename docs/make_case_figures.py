"""Draw the figures of docs/cases.md: each case and its what-if over many seeds, median and 50% band.

    python docs/make_case_figures.py            # 20 seeds per scenario, into docs/figures/
    python docs/make_case_figures.py --seeds 5  # quicker
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim import Scenario, run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "scenarios" / "cases"

#: Per case: the series that show its patterns, with a label, and the variants to compare.
FIGURES = {
    "global_giant_telco": {
        "series": [("intended_use_sales", "sales: intended use"), ("gaming_sales", "sales: gaming"),
                   ("cost_per_sale", "cost per unit sale"), ("conflict", "marketing-service conflict")],
        "variants": {"as it happened": ("global_giant_telco", {}),
                     "with sanctions": ("global_giant_telco", {"policy.sanctions": 1.0}),
                     "what-if": ("global_giant_telco_whatif", {})},
    },
    "call_centre_integration": {
        "series": [("ignoring_service", "service: ignoring"), ("data_quality", "data quality"),
                   ("intended_use_managers", "managers: intended use"), ("intended_use_service", "service: intended use")],
        "variants": {"no integration": ("call_centre_integration", {}),
                     "what-if: integrated, hires trained": ("call_centre_integration_whatif", {}),
                     "integrated, hires untrained": ("call_centre_integration_whatif",
                                                     {"policy.new_hire_training": False}),
                     "integrated, go-live in exams": ("call_centre_integration_whatif", {"policy.go_live_week": 21})},
    },
    "institute_drift": {
        "series": [("intended_use", "intended use"), ("drift", "drift index"), ("system_fit", "system fit"),
                   ("ignoring", "ignoring")],
        "variants": {"control": ("institute_drift", {}), "what-if: organic": ("institute_drift_whatif", {})},
    },
    "city_council": {
        "series": [("intended_use", "intended use"), ("gaming", "gaming"), ("data_quality", "data quality"),
                   ("roi", "return on investment")],
        "variants": {"as it happened": ("city_council", {}),
                     "what-if: committed, balanced team": ("city_council_whatif", {})},
    },
    "callcentre_consolidation": {
        "series": [("intended_use", "intended use"), ("turnover_service", "central centre: turnover per year"),
                   ("tension", "cultural tension"), ("benefits_realised", "benefits realised (share of plan)")],
        "variants": {"culture pillar, no deliverables": ("callcentre_consolidation", {}),
                     "what-if: culture programme": ("callcentre_consolidation_whatif", {})},
    },
}
COLOURS = ["#b03a2e", "#1f5fa8", "#e07b1a", "#16a085"]


def case_figure(case: str, spec: dict, seeds: int):
    fig, axes = plt.subplots(1, len(spec["series"]), figsize=(4.2 * len(spec["series"]), 3.4))
    for colour, (label, (file, overrides)) in zip(COLOURS, spec["variants"].items(), strict=False):
        base = Scenario.load(CASES / f"{file}.toml").with_overrides(overrides)
        frames = [run(base.with_overrides({"run.seed": seed})).timeseries for seed in range(seeds)]
        weeks = frames[0]["week"]
        for ax, (column, title) in zip(axes, spec["series"], strict=True):
            values = np.array([f[column].to_numpy() for f in frames])
            if column.startswith("turnover"):  # a weekly rate: a 13-week mean, per year
                values = np.array([f[column].rolling(13, min_periods=1).mean().to_numpy() * 52 for f in frames])
            lo, mid, hi = np.percentile(values, [25, 50, 75], axis=0)
            ax.fill_between(weeks, lo, hi, color=colour, alpha=0.2, linewidth=0)
            ax.plot(weeks, mid, color=colour, label=label)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("week")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{case}: median and interquartile band over {seeds} seeds", fontsize=11)
    fig.tight_layout()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for case, spec in FIGURES.items():
        fig = case_figure(case, spec, args.seeds)
        fig.savefig(args.out / f"case_{case}.png", dpi=100)
        plt.close(fig)
        print(f"wrote {args.out / f'case_{case}.png'}")


if __name__ == "__main__":
    main()
