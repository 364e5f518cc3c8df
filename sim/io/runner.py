"""Run a scenario to the end and collect its tables: the Python API behind ``crmsim run``."""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mesa
import pandas as pd
from tqdm.auto import tqdm

import sim
from sim.core.metrics import agent_table, headline
from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.io.output import write_run
from sim.io.provenance import provenance


@dataclass
class Result:
    """What a run leaves behind: weekly aggregates, the people at the end, and a summary."""

    timeseries: pd.DataFrame
    agents: pd.DataFrame
    summary: dict

    def save(self, out_dir: str | Path, figures: Callable | None = None, force: bool = False) -> Path:
        """Write tables and summary (and figures, given ``sim.presentation.plots.save_run_figures``);
        an earlier run folder is replaced whole or not at all.

        A folder holding anything but a crmsim run is refused (``sim.io.folders``) unless ``force``.
        """
        return write_run(self, Path(out_dir), figures=figures, force=force)


def run(scenario: Scenario | None = None, *, progress: bool = False, agents: bool = True) -> Result:
    """Run ``scenario`` (the default one if None) for ``run.weeks`` weeks.

    ``agents=False`` skips the agent table (an empty frame), for sweeps that keep only outcomes.
    """
    model = CRMRollout(scenario)
    weeks = model.settings.run.weeks
    with tqdm(total=weeks, unit="wk", desc=model.settings.name, disable=not progress, leave=False) as bar:
        while model.running:
            model.step()
            bar.update(1)
    timeseries = model.recorder.frame()
    people = pd.concat([*model.snapshots, agent_table(model)], ignore_index=True) if agents else pd.DataFrame()
    result = Result(timeseries=timeseries, agents=people, summary=summarise(model, timeseries))
    return result


def summarise(model: CRMRollout, timeseries: pd.DataFrame) -> dict:
    """Headline outcomes and provenance: versions, scenario hash, seed, the resolved scenario,
    and where the run came from (``sim.io.provenance``: libraries, platform, command, commit)."""
    scenario = model.settings
    verdict = model.verdict()
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "seed": scenario.run.seed,
        "weeks": int(model.steps),
        "people": {
            "employees": model.org.employees,
            "partners": int(model.org.n - model.org.employees),
            "ties": int(model.org.adjacency.nnz // 2),
        },
        "verdict": verdict["verdict"],
        "verdict_detail": verdict,
        "outcomes": {
            **headline(timeseries),
            "roi": model.ledger.roi,
            "benefits_realised": model.ledger.benefits_realised,
            "total_costs": model.ledger.costs,
            "total_benefits": model.ledger.benefits,
            "cost_per_sale_baseline": float(
                timeseries.loc[timeseries["week"] < model.first_go_live, "cost_per_sale"].mean()
            )
            if model.first_go_live > 1
            else None,
            "complaints_total": float(timeseries["complaints"].sum()),
            "compensation_total": float(timeseries["compensation_paid"].sum()),
            "margin_leakage_total": float(timeseries["margin_leakage"].sum()),
        },
        "events": [{"week": w, "kind": k, "text": t} for w, k, t in model.events],
        "versions": {
            "crmsim": sim.__version__,
            "mesa": mesa.__version__,
            "python": platform.python_version(),
        },
        "provenance": provenance(),
        "resolved_scenario": scenario.resolved(),
        "imported_files_sha256": _imported_files_hash(scenario),
    }


def _imported_files_hash(scenario: Scenario) -> str | None:
    """The content of an imported organisation, hashed: the scenario hash covers only the paths."""
    if not scenario.org.people_csv:
        return None
    digest = hashlib.sha256()
    for path in (scenario.org.people_csv, scenario.org.edges_csv):
        digest.update(scenario.resolve_path(path).read_bytes())
    return digest.hexdigest()[:16]
