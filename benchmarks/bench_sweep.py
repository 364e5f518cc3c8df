"""Benchmark: how fast and how lean the experiment engine runs sweeps.

Prints, each figure measured in a fresh process running `crmsim sweep`:
1. wall time of 1,000 runs of a 500-employee organisation over 156 weeks with 2 workers
   (target: at most 2 minutes on this 2-core machine);
2. the speed-up of 2 workers over 1 on the same runs (target: at least 1.7x);
3. peak memory (max RSS) of the coordinating process and of any one worker, for a sweep of
   2,000 runs and one of 20,000 runs of a small organisation (target: the 20,000-run sweep no
   higher than the 2,000-run one: results stream to disk).

    python benchmarks/bench_sweep.py                 # everything (about 10 minutes here)
    python benchmarks/bench_sweep.py --quick         # smaller counts, to try it out
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from sim.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
seconds = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "coordinator_mib": me, "worker_mib": children}))
"""


def sweep_file(folder: Path, runs: int, employees: int, weeks: int, partners: int) -> Path:
    path = folder / f"bench_{runs}_{employees}.toml"
    path.write_text(
        f"""name = "bench"
design = "monte_carlo"
samples = {runs}
seed = 1
[set]
"run.weeks" = {weeks}
"org.employees" = {employees}
"org.partners" = {partners}
[uncertainties]
"policy.commitment" = {{ uniform = [0.3, 1.0] }}
"policy.training_hours" = {{ uniform = [0, 24] }}
"""
    )
    return path


def measure(sweep: Path, out: Path, workers: int) -> dict:
    """Run one sweep in a fresh process; its wall time and peak memory."""
    command = [
        sys.executable,
        "-c",
        CHILD,
        "sweep",
        str(sweep),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sweeps, for a first look")
    parser.add_argument("--sections", default="123", help="which sections to run, e.g. 3 (default: 123)")
    args = parser.parse_args()
    speed_runs, ratio_runs = (200, 100) if args.quick else (1000, 300)
    memory_runs = (200, 2000) if args.quick else (2000, 20000)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("crmsim sweep benchmark (each figure: one fresh process running `crmsim sweep`)\n")

        if "1" in args.sections:
            speed(tmp, speed_runs)
        if "2" in args.sections:
            scaling(tmp, ratio_runs)
        if "3" in args.sections:
            memory(tmp, memory_runs)


def speed(tmp: Path, speed_runs: int) -> None:
    big = sweep_file(tmp, speed_runs, employees=500, weeks=156, partners=100)
    result = measure(big, tmp / "speed", workers=2)
    verdict = "met" if result["seconds"] <= 120 * speed_runs / 1000 else "NOT met"
    print(
        f"1. {speed_runs} runs x 500 employees x 156 weeks, 2 workers: {result['seconds']:.1f} s "
        f"({speed_runs / result['seconds']:.1f} runs/s) -> target <= 2 min per 1,000 runs: {verdict}"
    )


def scaling(tmp: Path, ratio_runs: int) -> None:
    ratio_sweep = sweep_file(tmp, ratio_runs, employees=500, weeks=156, partners=100)
    one = measure(ratio_sweep, tmp / "one", workers=1)
    two = measure(ratio_sweep, tmp / "two", workers=2)
    ratio = one["seconds"] / two["seconds"]
    print(
        f"2. {ratio_runs} runs: 1 worker {one['seconds']:.1f} s, 2 workers {two['seconds']:.1f} s: "
        f"{ratio:.2f}x -> target >= 1.7x: {'met' if ratio >= 1.7 else 'NOT met'}"
    )


def memory(tmp: Path, memory_runs: tuple[int, int]) -> None:
    print("3. peak memory, small organisation (30 employees, 10 weeks), 2 workers:")
    peaks = {}
    for runs in memory_runs:
        small = sweep_file(tmp, runs, employees=30, weeks=10, partners=5)
        started = time.perf_counter()
        m = measure(small, tmp / f"mem{runs}", workers=2)
        peaks[runs] = m
        print(
            f"   {runs:>6,} runs: coordinator {m['coordinator_mib']:.0f} MiB, largest worker "
            f"{m['worker_mib']:.0f} MiB, {time.perf_counter() - started:.0f} s"
        )
    low, high = memory_runs
    grew = peaks[high]["coordinator_mib"] - peaks[low]["coordinator_mib"]
    met = grew <= 0.02 * peaks[low]["coordinator_mib"]
    print(
        f"   coordinator grew by {grew:+.0f} MiB from {low:,} to {high:,} runs -> target no higher: "
        f"{'met' if met else 'NOT met'} (2% tolerance for noise)"
    )


if __name__ == "__main__":
    main()
