"""Record the pinned outputs that the restructure must not change (issue 9).

Run once on the commit before the restructure: ``python tests/golden/record.py``. It writes,
for the baseline and the five cases at two seeds each, the weekly series, the agent table and
the summary without provenance. ``tests/test_golden.py`` compares the current model with them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent.parent))

SCENARIOS = [
    "baseline",
    "global_giant_telco",
    "call_centre_integration",
    "institute_drift",
    "city_council",
    "callcentre_consolidation",
]
SEEDS = [3, 11]
#: summary keys that describe the run's provenance rather than the model's results
PROVENANCE = ("versions", "resolved_scenario", "scenario_hash", "imported_files_sha256", "provenance")


def outputs(name: str, seed: int):
    import sim

    scenario = sim.Scenario.default() if name == "baseline" else sim.Scenario.case(name)
    scenario = scenario.with_overrides({"run.seed": seed}, source="golden")
    result = sim.run(scenario)
    summary = {k: v for k, v in result.summary.items() if k not in PROVENANCE}
    return result.timeseries, result.agents, json.loads(json.dumps(summary, default=str))


def main() -> None:
    for name in SCENARIOS:
        for seed in SEEDS:
            ts, agents, summary = outputs(name, seed)
            stem = HERE / f"{name}-{seed}"
            ts.to_parquet(f"{stem}-timeseries.parquet", index=False)
            agents.to_parquet(f"{stem}-agents.parquet", index=False)
            Path(f"{stem}-summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
            print(stem.name, len(ts), len(agents))


if __name__ == "__main__":
    main()
