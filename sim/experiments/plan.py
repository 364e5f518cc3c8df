"""What to run: replications of a scenario, policy arms on common random numbers, a sweep design.

A plan is a list of runs with their seeds and parameters, a results folder, and a manifest.
``execute_plan`` hands it to the engine and records the manifest (crmsim version, the
experiment's hash, the seeds and how they were derived, timings, provenance).

Everything a plan needs is checked before anything touches the disk: a command refused for its
arguments leaves no folder behind.
"""

from __future__ import annotations

import ast
import hashlib
import json
import math
import multiprocessing.spawn
import platform
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

import sim
from sim.core.errors import InputError, Interrupted
from sim.core.organisation import import_csv
from sim.core.scenario import Scenario, bounds
from sim.experiments import designs, seeds
from sim.experiments.engine import Task, arrow_type, dask_client, row_schema, run_tasks
from sim.experiments.processes import check_workers
from sim.experiments.stopping import Stop, StopSignals
from sim.experiments.store import OUTCOMES, RunStore
from sim.experiments.sweepfile import SweepFile
from sim.io.output import plain
from sim.io.provenance import LIBRARIES, provenance

#: Runs in one experiment at most. A million runs of even a small organisation take days on a
#: laptop, and the manifest lists every seed; a bigger study is several experiments (or a typo).
MAX_RUNS = 1_000_000
SIGNS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}


@dataclass
class Plan:
    """An experiment: its kind, base scenarios (one per arm), the varied points, and seeds."""

    kind: str  # replicate | compare | sweep
    seed: int
    arms: dict[str | None, Scenario]  # arm name -> its scenario (None: no arms)
    points: pd.DataFrame  # one row per point: the varied parameters
    replications: int
    common_random_numbers: bool  # seeds by replication (shared across arms and points), else by run
    keep_series: bool = False
    extra: dict = field(default_factory=dict)  # the sweep or comparison definition, for the manifest
    # what of ``extra`` defines the experiment (its hash); by default all of it. A sweep leaves out
    # where its file lies, its name and its description: the same sweep resumes from anywhere
    identity: dict | None = None
    imported_files: dict = field(init=False)  # arm -> content hash of its imported organisation, or None

    def __post_init__(self) -> None:
        check_seed(self.seed, "seed")
        check_size(self.replications, self.total, "replications")
        # workers get each scenario as data: an imported organisation's files must be found from
        # anywhere, and their content is part of what the experiment is
        self.arms = {arm: scenario.with_imports_located() for arm, scenario in self.arms.items()}
        self.imported_files = {str(a): s.imported_files_digest() for a, s in self.arms.items()}
        # a bad line is named once, now, not by every run in its error; each organisation read once,
        # however many arms share it
        imported = {(s.org.people_csv, s.org.edges_csv) for s in self.arms.values() if s.org.people_csv}
        for people, edges in sorted(imported):
            import_csv(people, edges)

    @property
    def total(self) -> int:
        return len(self.arms) * len(self.points) * self.replications

    @property
    def parameters(self) -> list[str]:
        return list(self.points.columns)

    def seed_of(self, run: int, replication: int) -> int:
        return seeds.derive(self.seed, replication if self.common_random_numbers else run)

    def tasks(self) -> Iterator[Task]:
        """The runs, numbered replication-major so a partial experiment covers every arm and point."""
        resolved = {arm: scenario.resolved() for arm, scenario in self.arms.items()}
        names = self.parameters
        run = 0
        for replication in range(self.replications):
            for point, values in enumerate(self.points.itertuples(index=False, name=None)):
                overrides = dict(zip(names, values, strict=True))
                for arm in self.arms:
                    yield Task(
                        run=run,
                        seed=self.seed_of(run, replication),
                        scenario=resolved[arm],
                        overrides=plain(overrides),  # the scenario schema and Parquet see plain types
                        arm=arm,
                        point=point,
                        replication=replication,
                        keep_series=self.keep_series,
                    )
                    run += 1

    @property
    def hash(self) -> str:
        return self.hash_with(self.replications)

    def hash_with(self, replications: int) -> str:
        """The hash of this experiment with ``replications`` per point instead of its own: a folder
        begun with fewer replications holds the first runs of this one (runs are numbered
        replication-major and seeded by replication or run number), so more are added to it."""
        return self._hash(self.extra if self.identity is None else self.identity, replications)

    def earlier_hashes(self, held: dict | None = None, replications: int | None = None) -> tuple[str, ...]:
        """The hashes this experiment had before a sweep's identity left out its file's place, name
        and description: with this file's path, and with the path a folder's manifest (``held``)
        names. A folder begun then is resumed under its hash: the same content, name and
        description, from any copy of the file."""
        if self.identity is None:
            return ()
        replications = self.replications if replications is None else replications
        files = {self.extra["sweep_file"], (held or {}).get("sweep_file") or self.extra["sweep_file"]}
        return tuple(self._hash({**self.extra, "sweep_file": file}, replications) for file in sorted(files))

    def _hash(self, definition: dict, replications: int) -> str:
        if "sweep" in definition:  # a sweep file says its replications too
            definition = {**definition, "sweep": {**definition["sweep"], "replications": replications}}
        content = {
            "crmsim": sim.__version__,  # results of two versions never mix in one folder
            "kind": self.kind,
            "seed": self.seed,
            "replications": replications,
            "crn": self.common_random_numbers,
            "series": self.keep_series,
            "arms": {str(a): s.resolved() for a, s in self.arms.items()},
            "points": _table_digest(self.points),
            "extra": definition,
        }
        if any(self.imported_files.values()):  # (absent otherwise: the hashes of earlier folders hold)
            content["imported_files"] = self.imported_files
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def schema(self) -> pa.Schema:
        return row_schema({name: arrow_type(self.points[name].drop_duplicates().tolist()) for name in self.parameters})


def check_seed(seed, source: str = "--seed") -> None:
    """An experiment seed is a whole number >= 0 (what numpy's SeedSequence takes)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(source, None, f"got {seed!r}; allowed: a whole number >= 0")


def check_size(replications, total: int, source: str = "-n") -> None:
    """At least one replication, and at most MAX_RUNS runs in all."""
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InputError(source, "runs", f"got {replications!r}; allowed: a whole number >= 1")
    if total > MAX_RUNS:
        raise InputError(
            source, "runs", f"{total:,} runs in all; allowed: at most {MAX_RUNS:,} per experiment (split it in several)"
        )


def replicate_plan(scenario: Scenario, n: int, seed: int | None = None) -> Plan:
    """``n`` runs of one scenario on different seeds (derived from the scenario's seed)."""
    if seed is not None:
        check_seed(seed)
    check_size(n, n if isinstance(n, int) else 0)
    return Plan(
        kind="replicate",
        seed=scenario.run.seed if seed is None else seed,
        arms={None: scenario},
        points=pd.DataFrame(index=[0]),
        replications=n,
        common_random_numbers=True,
        keep_series=True,
    )


def compare_plan(arms: dict[str, Scenario], n: int, seed: int, baseline: str) -> Plan:
    """Policy arms on the same ``n`` seeds: the same organisation, network and shocks per seed."""
    if baseline not in arms:
        raise InputError("baseline", baseline, f"not an arm; arms: {', '.join(map(str, arms))}")
    for name, scenario in arms.items():
        if not isinstance(scenario, Scenario):
            raise InputError("arms", str(name), f"got {type(scenario).__name__}; allowed: a Scenario")
    check_seed(seed)
    check_size(n, n * len(arms) if isinstance(n, int) else 0)
    return Plan(
        kind="compare",
        seed=seed,
        arms=dict(arms),
        points=pd.DataFrame(index=[0]),
        replications=n,
        common_random_numbers=True,
        keep_series=True,
        extra={"baseline": baseline},
    )


#: Settings of a sweep file that only some designs read: set for another, they would be ignored.
UNUSED_BY_OTHER_DESIGNS = {
    "samples": ("lhs", "sobol", "monte_carlo", "morris"),
    "grid_levels": ("grid",),
    "second_order": ("sobol",),
    "morris_levels": ("morris",),
}


def sweep_plan(sweep: SweepFile) -> Plan:
    """The sweep's design points x replications, on seeds derived from the sweep seed and the run
    index (or the replication index, with common random numbers)."""
    source = str(sweep._path) if sweep._path else "sweep"
    total = designs.count(sweep) * sweep.replications
    if total > MAX_RUNS:  # refused before the points are drawn: drawing them could exhaust memory
        raise InputError(
            source,
            "samples",
            f"the sweep has {total:,} runs (points x replications); allowed: at most {MAX_RUNS:,} per experiment",
        )
    clipped: dict[str, int] = {}
    points = designs.points(sweep, clipped)
    draws = len(points) // math.prod(len(values) for values in sweep.levers.values())
    for key, n in clipped.items():  # allowed (a normal's tails), but it piles draws up at the bound
        limits = " and ".join(f"{SIGNS[op]} {value}" for op, value in bounds(key).items())
        print(
            f"crmsim: note: {source}: uncertainties.{key}: {n} of {draws} drawn values lay outside its range "
            f"({limits}) and were set to its bound",
            file=sys.stderr,
        )
    if not sweep.uncertainties and sweep.design != "grid" and "samples" in sweep.model_fields_set:
        print(
            f"crmsim: note: {source}: samples = {sweep.samples} draws nothing: the sweep has no uncertainties, "
            "so each lever combination is one point",
            file=sys.stderr,
        )
    for key, design in UNUSED_BY_OTHER_DESIGNS.items():
        if key in sweep.model_fields_set and sweep.design not in design:
            print(
                f'crmsim: note: {source}: {key} is ignored by design = "{sweep.design}" (it is read by '
                f"{', '.join(design)})",
                file=sys.stderr,
            )
    what = {
        "design": sweep.design,
        "uncertainties": list(sweep.uncertainties),
        "levers": list(sweep.levers),
    }
    return Plan(
        kind="sweep",
        seed=sweep.seed,
        arms={None: sweep.base_scenario()},
        points=points,
        replications=sweep.replications,
        common_random_numbers=sweep.common_random_numbers,
        keep_series=sweep.keep_series,
        extra={"sweep": sweep.model_dump(mode="json"), "sweep_file": str(sweep._path), **what},
        identity={"sweep": sweep.model_dump(mode="json", exclude={"name", "description"}), **what},
    )


def execute_plan(
    plan: Plan,
    out: str | Path,
    *,
    workers: int = 1,
    dask: str | None = None,
    progress: bool = False,
    wait: bool = False,
) -> RunStore:
    """Run the plan into ``out`` (resuming what is there) and write its manifest.

    The folder is locked while the plan runs: another process on it is refused, or with ``wait``
    waits its turn. SIGINT or SIGTERM stop the workers, save every finished run and the manifest,
    and raise ``Interrupted``; the same call resumes.
    """
    check_workers(workers, dask)
    check_not_run_again_by_workers(workers, dask)
    manifest = plan_manifest(plan)  # everything is checked before the folder is touched
    schema = plan.schema()
    store = RunStore(out)
    with StopSignals() as signals, ExitStack() as cluster:
        try:
            # a cluster that cannot be reached is refused before the folder is touched, too
            client = cluster.enter_context(dask_client(dask, workers)) if dask else None
            held = _manifest_in(store)
            begun = _replications_begun(held)
            _check_not_fewer(store.root, held, plan)
            earlier = plan.earlier_hashes(held)
            if begun is not None and begun < plan.replications:  # this experiment begun with fewer
                earlier += (plan.hash_with(begun), *plan.earlier_hashes(held, begun))
            store.open(plan.hash, wait=wait, earlier=earlier)
        except Stop as stop:
            raise Interrupted(stop.signal_number, f"stopped before any run started; nothing written in {out}") from None
        try:
            held = _manifest_in(store)  # again, under the lock: another command may have added replications
            _check_not_fewer(store.root, held, plan)
        except BaseException:
            store.close()
            raise
        if store.experiment_hash != plan.hash:  # a folder begun with fewer replications or under the
            manifest["experiment_hash"] = store.experiment_hash  # earlier rule: its hash stays
            begun = _replications_begun(held)
            if begun is not None and begun != plan.replications:
                manifest["begun_with_replications"] = begun
            if store.experiment_hash in plan.earlier_hashes(held, begun):  # with the file path it holds
                manifest["sweep_file"] = (held or {}).get("sweep_file") or manifest["sweep_file"]
        try:
            _run_plan(
                plan, store, manifest, schema, signals, workers=workers, dask=dask, client=client, progress=progress
            )
        finally:
            store.close()
    return store


def check_not_run_again_by_workers(workers: int, dask: str | None) -> None:
    """Refuse a call from the top level of a script (not under an ``if``) that starts local workers.

    Workers are spawned: each starts by running the main script again, which would start the
    experiment again in every worker and make every run fail (``if __name__ == "__main__":``
    keeps the call from the workers).
    """
    if (workers <= 1 and dask is None) or dask not in (None, "local") or not _workers_run_main_again():
        return
    call = _call_from_main_top_level()
    if call is not None and not _under_an_if(*call):
        path, line = call
        raise InputError(
            path,
            f"line {line}",
            "starts an experiment on worker processes from the script's top level: each worker runs the script "
            'again, so put the call under `if __name__ == "__main__":`',
        )


def _workers_run_main_again() -> bool:
    """Whether a spawned process runs this process's main module again (as multiprocessing decides)."""
    try:
        preparation = multiprocessing.spawn.get_preparation_data("crmsim-worker")
    except AttributeError:  # an embedded interpreter's main module, without __spec__: nothing known
        return False
    name = preparation.get("init_main_from_name")
    return "init_main_from_path" in preparation or (name is not None and not name.endswith("__main__"))


def _call_from_main_top_level() -> tuple[str, int] | None:
    """The file and line of the main module's top-level code that led to this call, if it did."""
    main = vars(sys.modules["__main__"])
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>" and frame.f_globals is main:
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None


def _under_an_if(path: str, line: int) -> bool:
    """Whether the line lies in an ``if`` block of the file (or the file cannot be read: then it
    is taken to, as nothing is known)."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True
    return any(isinstance(node, ast.If) and node.lineno <= line <= node.end_lineno for node in ast.walk(tree))


def _run_plan(
    plan: Plan,
    store: RunStore,
    manifest: dict,
    schema: pa.Schema,
    signals: StopSignals,
    *,
    workers,
    dask,
    client,
    progress,
) -> None:
    earlier = _earlier_sessions(store, manifest["provenance"])
    if earlier:
        manifest = {**manifest, "earlier_provenance": earlier}
    try:
        with signals.held():
            store.write_manifest({**manifest, **_counts(store, plan), "status": "running"})
        timing = run_tasks(
            plan.tasks(),
            plan.total,
            store,
            schema,
            workers=workers,
            client=client,
            progress=progress,
            signals=signals,
        )
    except Stop as stop:
        counts = _counts(store, plan)
        store.write_manifest({**manifest, **counts, "status": "interrupted"})
        raise Interrupted(
            stop.signal_number,
            f"{counts['finished_runs']} of {plan.total} runs are saved in {store.root}; "
            "the same command resumes the rest",
        ) from None
    except InputError as failed:  # a part or the manifest could not be written (a full or read-only disk)
        counts = _counts(store, plan)
        try:
            store.write_manifest({**manifest, **counts, "status": "interrupted"})
        except InputError:
            pass  # the disk takes nothing more: the manifest says "running", and the parts say what is done
        raise InputError(
            failed.source,
            failed.field,
            f"{failed.message}; {counts['finished_runs']} of {plan.total} runs are saved in {store.root}; "
            "the same command resumes the rest",
        ) from None
    counts = _counts(store, plan)
    with signals.held():
        store.write_manifest(
            {
                **manifest,
                **counts,
                "status": "complete" if counts["finished_runs"] == plan.total else "incomplete",
                "timings": {**timing, "backend": f"dask {dask}" if dask else "local processes"},
            }
        )


#: What makes two sessions' runs the work of different code (the crmsim version is in the hash).
CODE = ("git_commit", "git_code_modified", "python", *LIBRARIES)


def _earlier_sessions(store: RunStore, now: dict) -> list[dict]:
    """The provenance of every earlier command on this folder that left runs in it (or ran failed
    ones again), oldest first, each with the runs in the folder when it ended and how many of them
    had failed (the manifest's ``provenance`` is this command's). The last one's runs are counted
    from the saved parts, not from its manifest, which a killed command left with its counts at
    the start. When runs saved there were made by other code than this command's, say so: they
    are kept as they are, and this command's join them."""
    before = _manifest_in(store)
    if before is None:
        return []  # a new folder, or a manifest set aside: the parts are resumed as they are
    earlier = list(before.get("earlier_provenance", []))
    counts = store.status_counts()
    saved, failed = sum(counts.values()), counts.get("failed", 0)
    last = earlier[-1] if earlier else {"finished_runs": 0}
    # the last command left runs, or ran again runs that had failed (an entry says how many had)
    if saved > last["finished_runs"] or failed < last.get("failed_runs", failed):
        earlier.append({**before.get("provenance", {}), "finished_runs": saved, "failed_runs": failed})
    other = next((e for e in reversed(earlier) if any(e.get(k) != now.get(k) for k in CODE)), None)
    if other is not None:
        differs = [key for key in CODE if other.get(key) != now.get(key)]
        was = ", ".join(f"{key} {other.get(key)}" for key in differs)
        is_now = ", ".join(f"{key} {now.get(key)}" for key in differs)
        print(
            f"crmsim: note: runs in {store.root} were made by other code ({was}) than this command's "
            f"({is_now}); they are kept, and the manifest's earlier_provenance says which",
            file=sys.stderr,
        )
    return earlier


def _replications_begun(held: dict | None) -> int | None:
    """The replications a folder's experiment was begun with (its hash is of those), from its
    manifest: more may have been added since."""
    if held is None:
        return None
    begun = held.get("begun_with_replications", held.get("replications"))
    return begun if isinstance(begun, int) and not isinstance(begun, bool) else None


def _check_not_fewer(root: Path, held: dict | None, plan: Plan) -> None:
    """Refuse fewer replications than a folder of this experiment holds: its runs past them would
    be neither counted nor analysed (more replications are added to it)."""
    begun, holds = _replications_begun(held), (held or {}).get("replications")
    if begun is None or not isinstance(holds, int) or holds <= plan.replications:
        return
    if held.get("experiment_hash") not in (plan.hash_with(begun), *plan.earlier_hashes(held, begun)):
        return  # another experiment: refused as such when the folder is opened
    raise InputError(
        str(root),
        "replications",
        f"holds {holds} replications of this experiment, not {plan.replications}; allowed: {holds} (resumes it) "
        f"or more (adds replications to it)",
    )


def _manifest_in(store: RunStore) -> dict | None:
    """The folder's manifest, if it has a readable one (read before the lock: only to know which
    earlier hashes to accept; whose folder it is, is checked under the lock)."""
    try:
        return store.read_manifest()
    except InputError:
        return None


def _counts(store: RunStore, plan: Plan) -> dict:
    counts = store.status_counts()
    return {"finished_runs": sum(counts.values()), "failed_runs": counts.get("failed", 0)}


def plan_manifest(plan: Plan) -> dict:
    """What the manifest says of the plan, checked to be strict JSON (no NaN or Infinity)."""
    manifest = {
        "crmsim": sim.__version__,
        "python": platform.python_version(),
        "provenance": provenance(),
        "kind": plan.kind,
        "experiment_hash": plan.hash,
        "seed": plan.seed,
        "seeds": {
            "rule": "SeedSequence([experiment seed, index]).generate_state(1)[0], index = "
            + ("replication (common random numbers)" if plan.common_random_numbers else "run"),
            "per_replication" if plan.common_random_numbers else "per_run": [
                plan.seed_of(i, i) for i in range(plan.replications if plan.common_random_numbers else plan.total)
            ],
        },
        "runs": plan.total,
        "replications": plan.replications,
        "arms": [a for a in plan.arms if a is not None],
        "parameters": plan.parameters,
        "outcomes": list(OUTCOMES),
        "keep_series": plan.keep_series,
        "scenarios": {
            ("base" if a is None else str(a)): {  # a replication's or a sweep's one scenario: its base
                "name": s.name,
                "hash": s.hash,
                "imported_files_sha256": plan.imported_files[str(a)],
            }
            for a, s in plan.arms.items()
        },
        **plan.extra,
    }
    try:
        json.dumps(manifest, default=str, allow_nan=False)
    except ValueError:
        raise InputError(
            "experiment", _first_non_finite(manifest), "not a finite number; allowed: finite numbers"
        ) from None
    return manifest


def _first_non_finite(value, where: str = "") -> str | None:
    """The dotted place of the first NaN or infinity in nested dicts and lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    for key, inner in items:
        found = _first_non_finite(inner, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def comparison_arms(
    base: Scenario, vary: list[str], arm_files: dict[str, Scenario], overrides: dict | None = None
) -> dict[str, Scenario]:
    """The arms of a comparison: one per ``--vary`` value, then the whole-scenario ``--arm`` files.

    Several ``--vary`` options add their arms one after another (they are not crossed: a sweep
    file crosses). ``overrides`` (the command's ``--set``) apply to every arm, files included.
    Two arms of the same name, or two arms that are the same scenario, are refused: a comparison
    of a thing with itself is a mistake, not a result.
    """
    arms: dict[str, Scenario] = {}

    def add(name: str, scenario: Scenario, source: str) -> None:
        if name in arms:
            raise InputError(source, name, "two arms have this name; allowed: each arm once")
        arms[name] = scenario

    for name, override in parse_vary(vary, base).items():
        add(name, base.with_overrides(override, source="--vary"), "--vary")
    for name, scenario in arm_files.items():
        add(name, scenario.with_overrides(overrides, source="--set") if overrides else scenario, "--arm")
    if len(arms) < 2:
        raise InputError("--vary/--arm", None, "give at least two arms, e.g. --vary policy.integration=none,full")
    seen: dict[str, str] = {}
    for name, scenario in arms.items():
        other = seen.setdefault(_what_an_arm_runs(scenario), name)
        if other != name:
            raise InputError(
                "--vary/--arm",
                name,
                f"is the same scenario as arm {other} (a name, a description or run.seed do not make arms differ: "
                "every arm runs on the same seeds); allowed: arms that differ",
            )
    return arms


def _what_an_arm_runs(scenario: Scenario) -> str:
    """The scenario as an arm runs it: without its name and description, and without run.seed,
    which every arm of a comparison shares (``--seed``)."""
    content = scenario.resolved()
    content.pop("name", None)
    content.pop("description", None)
    content.get("run", {}).pop("seed", None)
    return json.dumps(content, sort_keys=True, default=str)


def parse_vary(items: list[str], base: Scenario) -> dict[str, dict]:
    """``KEY=V1,V2,...`` options to arms named ``KEY=V``: one override each, values read as TOML."""
    from sim.core.scenario import parse_overrides

    arms: dict[str, dict] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise InputError("--vary", item, "expected KEY=V1,V2,..., e.g. policy.rollout=big_bang,phased,pilot")
        if key.strip() == "run.seed":
            raise InputError(
                "--vary", "run.seed", "every arm runs on the same seeds (set by --seed and -n); allowed: other keys"
            )
        for text in values.split(","):
            name = f"{key.strip()}={text.strip()}"
            if name in arms:
                raise InputError("--vary", name, "given twice; allowed: each value once")
            override = parse_overrides([name])
            base.with_overrides(override, source="--vary")  # validate now, with a clear error
            arms[name] = override
    return arms


def _table_digest(table: pd.DataFrame) -> str:
    """A stable digest of a table's columns, types and values, without turning it into text."""
    digest = hashlib.sha256(json.dumps([list(table.columns), [str(t) for t in table.dtypes]]).encode())
    digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    return digest.hexdigest()
