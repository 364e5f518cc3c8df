"""Benchmark: small runs alone and in batches, and `crmsim replicate` end to end.

Prints, for the default organisation (500 employees + 100 partners, 156 weeks):

1. the cost of one run in process, alone and in batches of 8 and 27 organisations
   (``CRMRollout(scenario, seeds=[...])``, ``sim/core/batch.py``): milliseconds per run (build
   and weeks), runs per second, and where a batch's week goes (each phase of
   ``CRMRollout.PHASES``); and the arithmetic floor (``benchmarks/floor.py``: the barest numpy
   logit choice over the same network, the yardstick of this machine) per run;
2. `crmsim replicate -n RUNS` as a user runs it (a fresh process: start-up, workers, batches,
   Parquet, the bands figure), on 1 and on 2 workers: wall time, runs per second and the
   speed-up of 2 workers over 1; and how much of it a command costs whatever its runs (the wall
   time of `crmsim replicate -n 2`).

Targets (issue: sweeps of small organisations): at least 20 runs/s on 1 worker and 40 runs/s on
2; a 2-worker speed-up of at least 1.7x. Every figure is the median of ``--repeats`` (3) runs of
one invocation; the machine is shared, so compare figures from one run of this script only.

    python benchmarks/bench_batch.py                  # about 5 minutes here
    python benchmarks/bench_batch.py --runs 200 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "benchmarks"):  # crmsim, and the floor beside this script (also when loaded by a test)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from floor import floor_week_seconds  # noqa: E402

from sim import CRMRollout, Scenario  # noqa: E402


def in_process(batch: int, repeats: int) -> dict:
    """Median milliseconds per run (build, weeks) of ``repeats`` batches of ``batch`` organisations,
    the arithmetic floor's weeks over the same network (``benchmarks/floor.py``), and the share of
    a batch's week in each phase."""
    builds, weeks, floors, phases = [], [], [], Counter()
    for repeat in range(repeats):
        seeds = list(range(1000 * repeat, 1000 * repeat + batch))
        started = time.perf_counter()
        model = CRMRollout(Scenario.default(), seeds=seeds)
        built = time.perf_counter()
        _time_phases(model, phases)
        while model.running:
            model.step()
        done = time.perf_counter()
        builds.append((built - started) / batch)
        weeks.append((done - built) / batch)
        floors.append(floor_week_seconds(model.org.adjacency, int(model.steps)) / batch)
    total = sum(phases.values())
    return {
        "build_ms": 1000 * statistics.median(builds),
        "weeks_ms": 1000 * statistics.median(weeks),
        "floor_ms": 1000 * statistics.median(floors),
        "phases": {name: seconds / total for name, seconds in phases.items()},
    }


def _time_phases(model: CRMRollout, spent: Counter) -> None:
    for name in CRMRollout.PHASES:
        phase = getattr(model, name)

        def timed(*args, _phase=phase, _name=name, **kwargs):
            started = time.perf_counter()
            result = _phase(*args, **kwargs)
            spent[_name] += time.perf_counter() - started
            return result

        setattr(model, name, timed)


def replicate(runs: int, workers: int, folder: Path) -> float:
    """Wall seconds of `crmsim replicate -n runs --workers workers` in a fresh process."""
    out = folder / f"replicate-{runs}-{workers}-{time.monotonic_ns()}"
    command = [sys.executable, "-m", "sim.cli", "replicate", "-n", str(runs), "--workers", str(workers)]
    started = time.perf_counter()
    subprocess.run([*command, "--out", str(out), "--quiet"], check=True, cwd=REPO)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000, help="replications end to end (default 1000)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    print("1. One run in process (500 employees + 100 partners, 156 weeks), medians of", args.repeats)
    alone = None
    for batch in (1, 8, 27):
        figures = in_process(batch, args.repeats)
        per_run = figures["build_ms"] + figures["weeks_ms"]
        alone = alone or per_run
        phases = ", ".join(f"{name} {share:.0%}" for name, share in figures["phases"].items())
        print(
            f"   batch of {batch:>2}: {per_run:7.1f} ms/run (build {figures['build_ms']:.1f}) = "
            f"{1000 / per_run:5.1f} runs/s, {alone / per_run:4.1f}x alone; week: {phases}"
        )
        floor = figures["floor_ms"]
        print(
            f"      the arithmetic floor over the same network: {floor:.1f} ms/run ({1000 / floor:.0f} runs/s); "
            f"crmsim's weeks = {figures['weeks_ms'] / floor:.1f}x it"
        )

    print(f"2. crmsim replicate -n {args.runs} end to end (fresh process), medians of {args.repeats}")
    with tempfile.TemporaryDirectory() as tmp:
        seconds = {}
        for workers in (1, 2):
            seconds[workers] = statistics.median(replicate(args.runs, workers, Path(tmp)) for _ in range(args.repeats))
            rate = args.runs / seconds[workers]
            target = 20 * workers
            verdict = "met" if rate >= target else "NOT met"
            print(
                f"   {workers} worker(s): {seconds[workers]:6.1f} s = {rate:5.1f} runs/s",
                f"(target {target}: {verdict})",
            )
        speedup = seconds[1] / seconds[2]
        print(f"   2-worker speed-up: {speedup:.2f}x (target 1.7x: {'met' if speedup >= 1.7 else 'NOT met'})")
        fixed = {w: statistics.median(replicate(2, w, Path(tmp)) for _ in range(args.repeats)) for w in (1, 2)}
        print(
            f"   a command's cost whatever its runs (crmsim replicate -n 2: start-up, workers, manifest, figure):"
            f" {fixed[1]:.1f} s on 1 worker, {fixed[2]:.1f} s on 2"
        )


if __name__ == "__main__":
    main()
