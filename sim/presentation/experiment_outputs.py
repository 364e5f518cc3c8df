"""The files an experiment leaves beside its runs: bands, comparison tables, plots, a short text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.analysis.bands import weekly_bands
from sim.analysis.paired import compare_arms, to_markdown
from sim.analysis.rates import tally, wilson
from sim.core.errors import InputError
from sim.core.outcomes import HEADLINE
from sim.experiments.store import SERIES, RunStore
from sim.io.output import write_output
from sim.io.written import check_unchanged
from sim.presentation.plots import plot_bands, plot_comparison
from sim.presentation.reports.outcomes import OUTCOME_LABELS, fmt

BAND_COLUMNS = ["intended_use", "gaming", "ignoring", "data_quality", "cost_per_sale", "roi"]
#: What an experiment writes beside its runs, anew each time it runs or resumes
OUTPUTS = ("bands.parquet", "bands.csv", "bands.png", "comparison.csv", "comparison.md", "comparison.png")


def check_outputs_unchanged(folder: str | Path, command: str) -> None:
    """Before an experiment runs: it will write its outputs anew, so none of them may have been
    changed since crmsim wrote them (``sim.io.written``): say so now, not after the runs."""
    check_unchanged([Path(folder) / name for name in OUTPUTS], command)


def check_some_finished(store: RunStore, arm: str | None = None) -> None:
    """An experiment (or a baseline arm) of which no run finished has nothing to summarise, or
    nothing to compare with: say why, in one line."""
    runs = store.read_runs()
    if arm is not None:
        runs = runs[runs["arm"] == arm]
    if (runs["status"] == "ok").any():
        return
    errors = runs["error"].dropna()
    first = errors.iloc[0] if len(errors) else "no error recorded"
    which = f"of the baseline arm {arm} " if arm is not None else ""
    raise InputError(str(store.root), "runs", f"all {len(runs)} runs {which}failed; the first said: {first}")


def replication_outputs(store: RunStore, name: str) -> str:
    """bands.parquet/.csv and bands.png over the replications, and a closing summary."""
    import matplotlib.pyplot as plt

    command = "crmsim replicate"
    check_outputs_unchanged(store.root, command)  # all of them, before any is written
    check_some_finished(store)
    bands = weekly_bands(store.read_series(), [c for c in SERIES if c in BAND_COLUMNS])
    write_output(store.root / "bands.parquet", lambda p: bands.to_parquet(p, index=False), command)
    write_output(store.root / "bands.csv", lambda p: bands.to_csv(p, index=False), command)
    fig = plot_bands(bands, BAND_COLUMNS, title=f"{name}: median, 50% and 90% bands over replications")
    write_output(store.root / "bands.png", lambda p: fig.savefig(p, dpi=100, format="png"), command)
    plt.close(fig)
    runs = store.read_runs()
    ok = runs[runs["status"] == "ok"]
    wins, judged = tally(ok["verdict"])
    crashed, undetermined = len(runs) - len(ok), len(ok) - judged
    head = f"{name}: {len(ok)} runs finished" + (f", {crashed} crashed" if crashed else "")
    if judged:
        low, high = wilson(wins, judged)
        head += f"; success rate {wins / judged:.0%} (95% interval {low:.0%} to {high:.0%})"
    if undetermined:
        head += f"; {undetermined} ended before the CRM went live (undetermined)"
    lines = [head]
    for outcome in HEADLINE:
        values = ok[outcome].dropna()
        if values.empty:  # every run ended before the CRM went live: none has this outcome
            continue
        q = np.quantile(values, [0.05, 0.5, 0.95])
        label, kind = OUTCOME_LABELS[outcome]  # as the report shows it: shares in %, turnover per year
        low, median, high = (fmt(v, kind) for v in q)
        lines.append(f"  {label} ({outcome}): median {median} (90% of runs in {low} to {high})")
    lines.append(f"wrote {store.root}/ (runs/, series/, bands.*, manifest.json)")
    return "\n".join(lines)


def comparison_outputs(store: RunStore, baseline: str) -> str:
    """comparison.csv/.md/.png: paired differences to the baseline arm, and the text of the table."""
    import matplotlib.pyplot as plt

    command = "crmsim compare"
    check_outputs_unchanged(store.root, command)  # all of them, before any is written
    check_some_finished(store, baseline)
    table = compare_arms(store.read_runs(), baseline, list(HEADLINE))
    write_output(store.root / "comparison.csv", lambda p: table.to_csv(p, index=False), command)
    text = to_markdown(table, baseline)
    write_output(store.root / "comparison.md", lambda p: Path(p).write_text(text), command)
    fig = plot_comparison(table, baseline)
    write_output(store.root / "comparison.png", lambda p: fig.savefig(p, dpi=100, format="png"), command)
    plt.close(fig)
    bands = weekly_bands(store.read_series(), [c for c in SERIES if c in BAND_COLUMNS])
    write_output(store.root / "bands.parquet", lambda p: bands.to_parquet(p, index=False), command)
    return text + f"\nwrote {store.root}/ (runs/, series/, comparison.*, bands.parquet, manifest.json)"
