"""Run a scenario to the end and collect its tables: the Python API behind ``crmsim run``."""

from __future__ import annotations

import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

import sim
from sim.core.metrics import agent_table, headline, share_columns
from sim.core.model import CRMRollout
from sim.core.outcomes import OF_THE_CRM_IN_USE
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
    model = CRMRollout(scenario, people=False)  # the tables come from the arrays, not from agents
    weeks = model.settings.run.weeks
    with tqdm(total=weeks, unit="wk", desc=model.settings.name, disable=not progress, leave=False) as bar:
        while model.running:
            model.step()
            bar.update(1)
    timeseries = model.recorder.frame()
    people = pd.concat([*model.snapshots, agent_table(model)], ignore_index=True) if agents else pd.DataFrame()
    result = Result(timeseries=timeseries, agents=people, summary=summarise(model, timeseries))
    return result


def run_batch(scenario: Scenario, seeds: Sequence[int]) -> list[Result]:
    """Run ``scenario`` once per seed, together; each Result equals run(scenario with that seed, agents=False).

    The organisations are blocks of one model (``sim/core/batch.py``): each numpy call of a week
    serves them all, and each one's results are those it has alone.
    """
    model = CRMRollout(scenario, seeds=list(seeds))
    while model.running:
        model.step()
    results = []
    for block in range(len(seeds)):
        timeseries = model.recorder.frame(block)
        summary = summarise(model, timeseries, block)
        results.append(Result(timeseries=timeseries, agents=pd.DataFrame(), summary=summary))
    return results


def summarise(model: CRMRollout, timeseries: pd.DataFrame, block: int = 0) -> dict:
    """Headline outcomes and provenance: versions, scenario hash, seed, the resolved scenario,
    and where the run came from (``sim.io.provenance``: libraries, platform, command, commit).

    For one organisation of a batch (``block``), its own seed, figures and events.
    """
    scenario = model.given  # as given, not as a planned change left it: the run is reproduced from it
    if model.seeds[block] != scenario.run.seed:
        scenario = scenario.with_overrides({"run.seed": model.seeds[block]}, source="run_batch")
    verdict = model.verdict(block)
    ledger, first_go_live = model.ledger, int(model.first_go_live_week[block])

    # numpy's NaN-skipping sums and means, as pandas takes them (the same bits) without pandas'
    # cost per call: a sweep summarises thousands of runs
    def series(name: str) -> np.ndarray:
        return timeseries[name].to_numpy()

    week = series("week")
    outcomes = {
        **headline(timeseries),
        "roi": verdict["roi"],
        "benefits_realised": float(ledger.benefits_realised()[block]),
        "total_costs": float(ledger.costs[block]),
        "total_benefits": float(ledger.benefits[block]),
        "cost_per_sale_baseline": float(np.nanmean(series("cost_per_sale")[week < first_go_live]))
        if first_go_live > 1
        else None,
        "complaints_total": float(np.nansum(series("complaints"))),
        "compensation_total": float(np.nansum(series("compensation_paid"))),
        "margin_leakage_total": float(np.nansum(series("margin_leakage"))),
    }
    if first_go_live > model.steps:  # the run ended before the CRM went live: nothing of its use to tell
        shares = [f"{c}{when}" for c in share_columns() for when in ("", "_last13")]
        outcomes.update(dict.fromkeys([*shares, *OF_THE_CRM_IN_USE]))
    return {
        "scenario": scenario.name,
        "scenario_hash": scenario.hash,
        "seed": scenario.run.seed,
        "weeks": int(model.steps),
        "people": _people(model, block),
        "verdict": verdict["verdict"],
        "verdict_detail": verdict,
        "outcomes": outcomes,
        "events": [{"week": w, "kind": k, "text": t} for w, k, t in model.block_events[block]],
        "versions": {
            "crmsim": sim.__version__,
            "mesa": mesa.__version__,
            "python": platform.python_version(),
        },
        "provenance": provenance(),
        "resolved_scenario": scenario.resolved(),
        "imported_files_sha256": scenario.imported_files_digest(),
    }


def _people(model: CRMRollout, block: int) -> dict:
    """How many employees, partners and ties one organisation of the model has."""
    rows = model.blocks.rows[block]
    partners = int(model.world.is_partner[rows].sum())
    return {
        "employees": len(rows) - partners,
        "partners": partners,
        "ties": int(np.diff(model.org.adjacency.indptr)[rows].sum() // 2),  # each tie is stored twice
    }
