"""Benchmark: what compiling buys, against numpy, on identical inputs.

The evidence for (or against) compiling the week, in two measurements:

1. The keep-or-reconsider step. ``routine.decide`` is written here once more as one loop per
   person (dissatisfaction, the inertia of the routine kept, the chance of reconsidering, the
   logit choice of those who do, the main trigger) and compiled with Numba. A model is stepped
   to week 30; that week's inputs to ``routine.decide`` are kept and both versions run on copies
   of them. Printed: whether every output is equal to the bit, and the median time of each
   (``--repeats`` calls) at each size.
2. The arithmetic floor (``benchmarks/floor.py``: the barest numpy logit choice over the
   model's network, about ten numpy calls a week) written as one compiled loop per person, run
   for ``--weeks`` weeks on the same draws. Printed: whether every week's choices are equal to
   the bit, each one's median week and agent-steps per second. The compiled floor is a ceiling
   for a compiled crmsim: its week does at least this much for each person, and much more.

Numba is not a dependency of crmsim: ``pip install numba`` first (the script says so if it is
missing). The first call compiles; it is not timed.

    python benchmarks/bench_compiled_decision.py                 # 500 and 10,000 employees
    python benchmarks/bench_compiled_decision.py --sizes 2000 --repeats 50
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "benchmarks"):  # crmsim, and the floor beside this script
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from floor import BASE, SOCIAL, floor_week  # noqa: E402
from scipy import sparse  # noqa: E402

from sim import CRMRollout, Scenario  # noqa: E402
from sim.core.mechanisms import routine  # noqa: E402
from sim.core.state import LEGACY  # noqa: E402

OUTPUTS = ("routine", "utilities", "reconsider_probability", "reconsidered", "main_trigger")


def compile_loop():
    """The per-person loop, compiled (no fast-math: the same operations in the same order as numpy's)."""
    from numba import njit

    @njit(cache=False)
    def loop(u, triggers, current, strength, legacy, using, rt, sensitivity, draws, names, out):
        base, weight, margin, scale, status_quo, habit = rt
        reconsider_draw, choice_draw = draws
        chosen, chance_out, reconsidered, main = out
        for i in range(len(current)):
            now = current[i]
            live = now != LEGACY
            u0, u1, u2 = u[0, i], u[1, i], u[2, i]
            if now == 0:
                own, other = u0, max(u1, u2)
            elif now == 1:
                own, other = u1, max(u0, u2)
            else:
                own, other = u2, max(u0, u1)
            felt = 1.0 / (1.0 + np.exp(-(other - own - margin) / scale))
            dissatisfied = weight * using[i] * (felt * (1.0 if live else 0.0))
            bonus = status_quo + habit * strength[i] * (1.0 if now != legacy[i] else 0.0)
            if now == 0:
                u0 += bonus
            elif now == 1:
                u1 += bonus
            elif now == 2:
                u2 += bonus
            u[0, i], u[1, i], u[2, i] = u0, u1, u2
            keep = 1.0 - base
            for t in range(triggers.shape[0]):
                keep *= 1.0 - triggers[t, i]
            keep *= 1.0 - dissatisfied
            chance = 1.0 - keep
            chance_out[i] = chance if live else 0.0
            reconsidered[i] = live and reconsider_draw[i] < chance
            chosen[i], main[i] = now, -1
            if reconsidered[i]:
                top = max(u0, u1, u2)
                p0, p1, p2 = (
                    np.exp(sensitivity * (u0 - top)),
                    np.exp(sensitivity * (u1 - top)),
                    np.exp(sensitivity * (u2 - top)),
                )
                total = p0 + p1 + p2
                p0, p1 = p0 / total, p1 / total
                chosen[i] = (1 if choice_draw[i] > p0 else 0) + (1 if choice_draw[i] > p0 + p1 else 0)
                strongest, which = dissatisfied, len(names) - 1  # the first of equals wins, as argmax
                for t in range(triggers.shape[0] - 1, -1, -1):
                    if triggers[t, i] >= strongest:
                        strongest, which = triggers[t, i], t
                main[i] = names[which] if strongest > base else -1

    return loop


def compiled_decide(loop, utilities, triggers, current, strength, legacy, using, rt, sensitivity, *draws):
    """``routine.decide``'s outputs from the compiled loop."""
    n = len(current)
    names = np.array([routine.TRIGGERS.index(t) for t in (*triggers, "dissatisfied")], dtype=np.int8)
    out = (np.empty(n, np.int8), np.empty(n), np.empty(n, np.bool_), np.empty(n, np.int8))
    u = utilities.copy()
    settings = (
        rt.base_rate,
        rt.dissatisfied,
        rt.dissatisfaction_margin,
        rt.dissatisfaction_scale,
        rt.status_quo,
        rt.habit,
    )
    legacy = np.broadcast_to(legacy, (n,)).astype(np.int8)
    loop(
        u, np.stack(list(triggers.values())), current, strength, legacy, using, settings, sensitivity, draws, names, out
    )
    return dict(zip(OUTPUTS, (out[0], u, out[1], out[2], out[3]), strict=True))


def compile_floor():
    """``floor.floor_week`` as one compiled loop per person: the same operations in the same order."""
    from numba import njit

    base = tuple(float(b) for b in BASE[:, 0])

    @njit(cache=False)
    def floor_loop(indptr, indices, data, choice, draw, out):
        for i in range(len(choice)):
            counts = np.zeros(3)
            for k in range(indptr[i], indptr[i + 1]):  # the neighbours in the order of the sparse product
                counts[choice[indices[k]]] += data[k]
            total = max(counts[0] + counts[1] + counts[2], 1e-300)
            u0 = base[0] + SOCIAL * (counts[0] / total)
            u1 = base[1] + SOCIAL * (counts[1] / total)
            u2 = base[2] + SOCIAL * (counts[2] / total)
            top = max(max(u0, u1), u2)
            e0, e1, e2 = np.exp(u0 - top), np.exp(u1 - top), np.exp(u2 - top)
            s = e0 + e1 + e2
            p0, p1 = e0 / s, e1 / s
            out[i] = (1 if draw[i] > p0 else 0) + (1 if draw[i] > p0 + p1 else 0)

    return floor_loop


def compare_floors(floor_loop, employees: int, weeks: int) -> dict:
    """The numpy floor and the compiled one over the network of a default organisation of this size,
    week by week on the same draws: equal choices, and each one's median week."""
    scenario = Scenario.default().with_overrides({"org.employees": employees, "org.partners": employees // 5})
    adjacency = sparse.csr_matrix(CRMRollout(scenario, seed=3, people=False).world.ties)
    adjacency.sort_indices()
    n = adjacency.shape[0]
    rng = np.random.default_rng(0)
    start = rng.integers(0, 3, n).astype(np.int8)
    draws = rng.random((weeks, n))
    onehot = np.empty((n, 3))
    floor_loop(adjacency.indptr, adjacency.indices, adjacency.data, start, draws[0], np.empty(n, np.int8))  # compiles
    numpy_choice, compiled_choice = start.copy(), start.copy()
    numpy_times, compiled_times, same = [], [], True
    for draw in draws:
        started = time.perf_counter()
        numpy_choice = floor_week(adjacency, numpy_choice, draw, onehot)
        numpy_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        chosen = np.empty(n, np.int8)
        floor_loop(adjacency.indptr, adjacency.indices, adjacency.data, compiled_choice, draw, chosen)
        compiled_choice = chosen
        compiled_times.append(time.perf_counter() - started)
        same &= numpy_choice.astype(np.int8).tobytes() == compiled_choice.tobytes()
    return {
        "people": n,
        "numpy": statistics.median(numpy_times),
        "compiled": statistics.median(compiled_times),
        "same": same,
    }


def week_inputs(employees: int) -> tuple:
    """The arguments ``routine.decide`` gets in week 30 of a default organisation of this size."""
    scenario = Scenario.default().with_overrides({"org.employees": employees, "org.partners": employees // 5})
    model = CRMRollout(scenario, seed=3, people=False)
    kept = []
    real = routine.decide

    def keep(*args):
        kept.append(copy.deepcopy(args))
        return real(*args)

    routine.decide = keep
    try:
        for _ in range(30):
            model.step()
    finally:
        routine.decide = real
    return kept[-1]


def median_seconds(function, args: tuple, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        fresh = copy.deepcopy(args)
        started = time.perf_counter()
        function(*fresh)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 10_000], help="employees")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--weeks", type=int, default=52, help="weeks of the floors (section 2)")
    args = parser.parse_args()
    try:
        loop = compile_loop()
        floor_loop = compile_floor()
    except ImportError:
        print("bench_compiled_decision: needs numba (pip install numba); crmsim itself does not use it")
        sys.exit(2)
    print("1. The keep-or-reconsider step (routine.decide), numpy and compiled, on week 30's inputs")
    for employees in args.sizes:
        inputs = week_inputs(employees)
        numpy_out = routine.decide(*copy.deepcopy(inputs))
        compiled_out = compiled_decide(loop, *copy.deepcopy(inputs))  # the first call compiles
        same = all(
            getattr(numpy_out, name).dtype == compiled_out[name].dtype
            and getattr(numpy_out, name).tobytes() == compiled_out[name].tobytes()
            for name in OUTPUTS
        )
        numpy_s = median_seconds(routine.decide, inputs, args.repeats)
        compiled_s = median_seconds(lambda *a: compiled_decide(loop, *a), inputs, args.repeats)
        print(
            f"   {len(inputs[2]):>7,} people: numpy {numpy_s * 1e3:.3f} ms, compiled {compiled_s * 1e3:.3f} ms "
            f"({numpy_s / compiled_s:.1f}x); outputs equal to the bit: {'yes' if same else 'NO'}"
        )

    print(f"2. The arithmetic floor (benchmarks/floor.py), numpy and compiled, {args.weeks} weeks on the same draws")
    for employees in args.sizes:
        f = compare_floors(floor_loop, employees, args.weeks)
        print(
            f"   {f['people']:>7,} people: numpy {f['numpy'] * 1e3:.3f} ms a week "
            f"({f['people'] / f['numpy'] / 1e6:.2f} M agent-steps/s), compiled {f['compiled'] * 1e3:.3f} ms "
            f"({f['people'] / f['compiled'] / 1e6:.2f} M/s, {f['numpy'] / f['compiled']:.1f}x); "
            f"choices equal to the bit every week: {'yes' if f['same'] else 'NO'}"
        )


if __name__ == "__main__":
    main()
