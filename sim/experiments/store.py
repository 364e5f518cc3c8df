"""The results store: a folder with a Parquet dataset of runs, optional weekly series, a manifest.

``DIR/runs/`` holds one row per finished run, in part files that are written whole to a hidden
temporary file and then renamed, so a part is either complete or absent: a sweep killed at
any moment (even ``kill -9``) leaves only complete rows, and resuming runs what is missing.
``pandas.read_parquet(DIR / "runs")`` reads them all. A row's content depends only on the run
(its seed and parameters), not on when, where or in which part it was written.

Nothing is lost, whatever stops crmsim:

- one process at a time writes a folder: it holds an exclusive lock (``.crmsim-lock``, a
  ``flock`` the operating system releases when the process ends, however it ends), so two
  commands on one folder can never both run the same runs;
- a series part is written before the runs part of the same name, and a series part whose runs
  part is missing (a crash between the two) is removed on the next start, so its runs run again
  once, never twice;
- a part that cannot be read (truncated, empty) or a manifest that is not JSON is reported in
  one line, set aside as ``.damaged-<name>`` (never deleted) and its runs run again; a manifest
  that is not JSON is taken as crmsim's own only beside ``runs/`` and nothing else crmsim would
  not have left (its outputs' names prove nothing: a user's file can have them), else the folder
  is refused and the user told to move the manifest aside if the folder is crmsim's;
- every part carries the hash of its experiment, so a folder whose manifest was lost can still
  be resumed by the same experiment, and by no other.

Runs that failed (an exception in the model, a worker that died every time) run again when the
next command takes the folder: a failure may be transient, and a folder holding failed runs is
refused by the analyses that need every run. A failed run's row is replaced only by the same
run's new result: the part that holds it is written anew, whole, with the new rows in place of
the failed ones and every other row as it was, under the name its rows give it, and carries the
name of the part it replaces; only then is the old part removed (with its series part). A crash
between the two leaves both, and the next start removes the replaced part, whose every run the
replacement holds. Parts holding only finished runs are never touched.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.core import outcomes as registry
from sim.core.errors import InputError
from sim.io import written
from sim.io.whole import fsync_dir, write_whole

#: Outcomes recorded for every run (from the run's summary), in the registry's order.
OUTCOMES = tuple(registry.OUTCOMES)

#: Weekly series kept when an experiment keeps series.
SERIES = (
    "intended_use",
    "gaming",
    "ignoring",
    "intended_use_sales",
    "gaming_sales",
    "intended_use_service",
    "data_quality",
    "trust",
    "cost_per_sale",
    "drift",
    "conflict",
    "roi",
)

LOCK_NAME = ".crmsim-lock"
MANIFEST_NAME = "manifest.json"
PARTS = "part-*.parquet"
DAMAGED = ".damaged-"
#: the key, in every part's Parquet metadata, of the experiment the part belongs to
EXPERIMENT_KEY = b"crmsim.experiment_hash"
#: the key, in a replacing part's Parquet metadata, of the part whose failed runs it ran again
REPLACES_KEY = b"crmsim.replaces"
#: times a reader lists a dataset's parts again when one was replaced while it read them
READ_ATTEMPTS = 5


class RunStore:
    """A results folder: ``runs/`` and ``series/`` datasets and ``manifest.json``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"
        self.manifest_path = self.root / MANIFEST_NAME
        self.experiment_hash: str | None = None
        self._lock: FolderLock | None = None
        self._finished: dict[int, str] | None = None  # run -> status, once the folder is open
        # runs that had failed when the folder was opened -> the part that holds their row (kept
        # for the command: a flush tried again writes the same rows to the same parts), and those
        # of them whose new result is not written yet
        self._part_of_failed: dict[int, str] = {}
        self._to_run_again: set[int] = set()

    # --- taking the folder ---------------------------------------------------------------

    def open(self, experiment_hash: str, *, wait: bool = False, earlier: tuple[str, ...] = ()) -> None:
        """Take the folder for this experiment: create it, or resume it if it holds the same one.

        A folder that holds anything crmsim did not write, or another experiment, is refused
        before anything in it is touched. The folder stays locked until ``close``; a second
        process is refused (one line naming the holder) or, with ``wait``, waits its turn.
        ``earlier``: hashes the same experiment had by an earlier rule of this version; a folder
        whose manifest holds one is resumed under it (``experiment_hash`` says which it holds).
        """
        self._check_is_ours()
        self._create()
        self._lock = FolderLock(self.root)
        self._lock.acquire(wait)
        try:
            manifest, _ = self._manifest_for_resume()
            held = (manifest or {}).get("experiment_hash") or _held_by_parts(self.runs_dir)
            if held in earlier:
                experiment_hash = held
            self._recover(experiment_hash)
        except BaseException:
            self.close()
            raise
        self.experiment_hash = experiment_hash

    def close(self) -> None:
        """Let the next process have the folder."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_is_ours(self) -> None:
        """Refuse a path that is not a folder, or a folder holding what crmsim did not write."""
        if not os.path.lexists(self.root):
            return
        if not self.root.is_dir():
            raise InputError(str(self.root), None, "exists and is not a folder; choose another --out")
        if self.manifest_path.exists():
            manifest, _ = self._manifest_for_resume()
            if manifest is not None and "experiment_hash" in manifest:
                return  # a results folder: whose experiment it is, is checked under the lock
            if manifest is not None:  # readable, but no experiment's: someone else's, or another kind of folder
                raise InputError(
                    str(self.manifest_path),
                    None,
                    "is not the manifest of a crmsim experiment (no experiment_hash); choose another --out",
                )
        foreign = [name for name in _foreign_entries(self.root) if name != MANIFEST_NAME]
        damaged = self.manifest_path.exists()  # and unreadable
        if damaged and (foreign or not self.runs_dir.is_dir()):
            # crmsim's own manifest, damaged, only beside its runs/ (made before its first manifest) and nothing
            # else: its outputs' names (bands.csv, ...) prove nothing, a user's file can have them too
            shown = ", ".join([f"{MANIFEST_NAME} (not readable)", *foreign][:4])
            raise InputError(
                str(self.root),
                None,
                f"holds {shown}: not a crmsim results folder, or one whose manifest was damaged; if it is crmsim's, "
                "move manifest.json aside and run the command again (it resumes from the runs saved), else choose "
                "another --out",
            )
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise InputError(
                str(self.root),
                None,
                f"exists and is not a crmsim results folder (it holds {shown}); choose another --out",
            )

    def _create(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(str(self.root), None, f"cannot be created: {exc.strerror or exc}") from None

    def _recover(self, experiment_hash: str) -> None:
        """Under the lock: check whose folder it is, then clean what an interrupted writer left.

        Everything is read first and the folder refused before anything is changed; only then are
        temporary files removed, damaged parts set aside and orphan series parts removed.
        """
        manifest, manifest_problem = self._manifest_for_resume()
        if manifest is not None:
            _check_same_experiment(self.root, manifest, experiment_hash)
        runs = {part.name: _inspect(part, experiment_hash) for part in _parts(self.runs_dir)}
        series = {part.name: _inspect(part, experiment_hash) for part in _parts(self.series_dir)}
        for folder, parts in ((self.runs_dir, runs), (self.series_dir, series)):
            for name, (_, problem) in parts.items():
                if problem == "another experiment":
                    raise InputError(
                        str(folder / name),
                        None,
                        f"belongs to another experiment than {experiment_hash}; choose another --out",
                    )
        if manifest_problem:
            self._set_aside(self.manifest_path, manifest_problem)
        self.runs_dir.mkdir(exist_ok=True)  # series/ comes with the first series kept
        _remove_temporary(self.root, self.runs_dir, self.series_dir)
        for name, (_, problem) in series.items():
            if problem:  # its runs part goes with it: the runs must run again to have their series
                partner = [self.runs_dir / name] if name in runs and runs[name][1] is None else []
                self._set_aside(self.series_dir / name, problem, *partner)
                runs.pop(name, None)
        for name, (_, problem) in runs.items():
            if problem:
                self._set_aside(self.runs_dir / name, problem)
        kept = {name for name, (_, problem) in runs.items() if problem is None}
        for name in _replaced(self.runs_dir, {name: runs[name][0] for name in kept}):
            (self.runs_dir / name).unlink()  # its replacement holds every run of it; its series part goes next
            kept.discard(name)
        for part in _parts(self.series_dir):
            if part.name not in kept:  # written just before a crash that lost its runs part
                part.unlink()
        fsync_dir(self.runs_dir)
        if self.series_dir.is_dir():
            fsync_dir(self.series_dir)
        self._finished = {}
        for name in sorted(kept):
            _merge(self._finished, runs[name][0])
        self._part_of_failed = {
            run: name
            for name in sorted(kept)
            for run, status in runs[name][0].items()
            if status == "failed" and self._finished[run] == "failed"
        }
        self._to_run_again = set(self._part_of_failed)

    def _manifest_for_resume(self) -> tuple[dict | None, str | None]:
        """The manifest, or (None, why it is damaged) if it cannot be read."""
        if not self.manifest_path.exists():
            return None, None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return None, f"not readable JSON ({type(exc).__name__})"
        if not isinstance(manifest, dict):
            return None, "not a JSON object"
        return manifest, None

    def _set_aside(self, path: Path, problem: str, *companions: Path) -> None:
        """Rename a damaged file (and files that go with it) to ``.damaged-<name>``, never over
        another file, and say so in one line."""
        target = _aside(path)
        for companion in companions:
            _aside(companion)
        if path == self.manifest_path:
            what = "the experiment goes on from its parts"
        else:
            what = "its runs run again" + (" (its runs part is set aside with it)" if companions else "")
        print(f"crmsim: warning: {path}: {problem}; set aside as {target.name}; {what}", file=sys.stderr)

    # --- runs ------------------------------------------------------------------------------

    def done(self) -> set[int]:
        """Runs not to run again: every run written but those that had failed when this command
        opened the folder (``to_run_again``), until their new results are written."""
        return set(self._runs_written()) - self._to_run_again

    def to_run_again(self) -> set[int]:
        """Runs that had failed when the folder was opened, and whose new result is not yet written."""
        return set(self._to_run_again)

    def _runs_written(self) -> dict[int, str]:
        if self._finished is not None:
            return self._finished
        finished: dict[int, str] = {}
        # part by part: a dataset read of many parts costs memory; a damaged part is left out, to
        # be set aside and run again by the next command that opens the folder
        statuses, _, _ = _read_each(
            self.runs_dir, lambda part: _run_statuses(pq.read_table(part, columns=["run", "status"], use_threads=False))
        )
        for part_statuses in statuses:
            _merge(finished, part_statuses)
        return finished

    def write(self, rows: list[dict], series: list[pd.DataFrame], schema: pa.Schema) -> None:
        """Write finished runs: new runs in a part of their own, and the runs that ran again in
        place of their failed rows, in the parts that held those (``_replace_failed``)."""
        again = [r for r in rows if r["run"] in self._part_of_failed]
        new = [r for r in rows if r["run"] not in self._part_of_failed]
        self._write_part(new, _series_of(series, new), schema)
        by_part: dict[str, list[dict]] = {}
        for row in again:
            by_part.setdefault(self._part_of_failed[row["run"]], []).append(row)
        for name, replacing in by_part.items():
            self._replace_failed(name, replacing, _series_of(series, replacing), schema)
        if self._finished is not None:
            self._finished.update({r["run"]: r["status"] for r in rows})

    def _write_part(
        self, rows: list[dict], series: list[pd.DataFrame], schema: pa.Schema, replaces: str | None = None
    ) -> str | None:
        """Write runs as a part: their series part first, then the runs part that marks them done;
        its name. ``replaces``: the part whose failed runs these rows ran again.

        A crash between the two leaves a series part without its runs part, which the next
        ``open`` removes before the runs run again: no orphan row. (A crash while a part is
        written anew leaves it beside its replacement until the next ``open``: ``read_runs`` and
        ``read_series`` show each run once meanwhile.)
        """
        if not rows:
            return None
        first, last = min(r["run"] for r in rows), max(r["run"] for r in rows)
        failed = sum(r["status"] == "failed" for r in rows)
        name = f"part-{first:08d}-{last:08d}-{len(rows)}-{failed}.parquet"
        if series:
            if not self.series_dir.is_dir():
                self.series_dir.mkdir()
                fsync_dir(self.root)
            table = pa.Table.from_pandas(pd.concat(series, ignore_index=True), preserve_index=False)
            _atomic_parquet(self._tagged(table, replaces), self.series_dir / name)
        _atomic_parquet(self._tagged(pa.Table.from_pylist(rows, schema=schema), replaces), self.runs_dir / name)
        return name

    def _replace_failed(self, old: str, rows: list[dict], series: list[pd.DataFrame], schema: pa.Schema) -> None:
        """Write part ``old`` anew with ``rows`` (runs that failed in it, run again) in place of its
        failed rows, every other row (and weekly series) as it was; then remove ``old`` if the new
        part's name differs (fewer failed runs). Its runs not yet run again now wait in the new part."""
        new_rows = {row["run"]: row for row in rows}
        kept = pq.read_table(self.runs_dir / old, use_threads=False).to_pylist()
        merged = [new_rows.get(row["run"], row) for row in kept]
        old_series = self.series_dir / old
        if old_series.exists():
            earlier = pq.read_table(old_series, use_threads=False).to_pandas()
            series = [earlier[~earlier["run"].isin(list(new_rows))], *series]
        name = self._write_part(merged, series, schema, replaces=old)
        if name != old:
            (self.runs_dir / old).unlink()  # the runs part first: a series part alone is removed on the next start
            old_series.unlink(missing_ok=True)
            fsync_dir(self.runs_dir)
            if self.series_dir.is_dir():
                fsync_dir(self.series_dir)
        self._to_run_again -= new_rows.keys()
        for run, part in self._part_of_failed.items():
            if part == old:
                self._part_of_failed[run] = name  # its row, new or still failed, is in the new part now

    def _tagged(self, table: pa.Table, replaces: str | None = None) -> pa.Table:
        """The table with its experiment's hash in its metadata (how a part proves whose it is),
        and the name of the part it replaces, if it does."""
        metadata = dict(table.schema.metadata or {})
        if self.experiment_hash is not None:
            metadata[EXPERIMENT_KEY] = self.experiment_hash.encode()
        if replaces is not None:
            metadata[REPLACES_KEY] = replaces.encode()
        return table.replace_schema_metadata(metadata) if metadata else table

    def status_counts(self) -> dict[str, int]:
        """How many distinct runs are written, by status."""
        counts = Counter(self._runs_written().values())
        return {status: counts[status] for status in ("ok", "failed") if counts[status]}

    def read_runs(self) -> pd.DataFrame:
        """Every finished run, once each, in run order: where a run has two rows (a part and its
        replacement, both left by a crash), the one that did not fail."""
        frame = _read_parts(self.runs_dir, "finished runs")
        failed = frame["status"] != "ok"
        frame = frame.iloc[_order(frame["run"], failed)].drop_duplicates("run", keep="first")
        return frame.reset_index(drop=True)

    def read_series(self) -> pd.DataFrame:
        """The weekly series of the runs that did not fail, once each: a series part whose runs
        part is missing (written just before a crash) is not read."""
        frame = _read_parts(self.series_dir, "weekly series")
        ok = [run for run, status in self._runs_written().items() if status == "ok"]
        frame = frame[frame["run"].isin(ok)].drop_duplicates(["run", "week"], keep="first")
        return frame.sort_values(["run", "week"], kind="stable").reset_index(drop=True)

    # --- the manifest --------------------------------------------------------------------

    def write_manifest(self, manifest: dict) -> None:
        """Write the manifest whole, as strict JSON (no NaN or Infinity, which are not JSON)."""
        text = json.dumps(manifest, indent=2, default=str, allow_nan=False) + "\n"
        write_whole(
            self.manifest_path,
            lambda tmp: tmp.write_text(text, encoding="utf-8"),
            temporary=self.root / f".tmp-manifest-{os.getpid()}",  # a name _remove_temporary knows
        )

    def read_manifest(self) -> dict:
        if not self.root.exists():
            raise InputError(str(self.root), None, "no such folder; allowed: a results folder crmsim wrote")
        if not self.root.is_dir():
            raise InputError(str(self.root), None, "not a folder; allowed: a results folder crmsim wrote")
        if not self.manifest_path.exists():
            raise InputError(str(self.root), MANIFEST_NAME, "not a crmsim results folder (no manifest.json)")
        manifest, problem = self._manifest_for_resume()
        if manifest is None:
            raise InputError(str(self.manifest_path), None, f"is damaged: {problem}")
        return manifest


class FolderInUse(InputError):
    """The folder's lock is held by another process (other failures to lock are plain InputErrors)."""


class FolderLock:
    """An exclusive, advisory lock on a results folder, held through an open file descriptor.

    ``flock`` is released by the operating system when the holder's process ends, however it
    ends (even ``kill -9``), so a lock is never stale. The holder writes its process id into the
    file, so that a second process can say whom it waits for.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LOCK_NAME
        self.fd: int | None = None

    def acquire(self, wait: bool) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not O_TRUNC: the holder's pid stays
        except OSError as exc:
            raise InputError(str(self.folder), None, f"cannot be written: {exc.strerror or exc}") from None
        try:
            if not self._try_briefly(fd):
                holder = self._holder(fd)
                if not wait:
                    raise FolderInUse(
                        str(self.folder),
                        None,
                        f"is in use by crmsim {holder}; run this command again when it is done, or add --wait",
                    )
                print(f"crmsim: waiting for {holder}, which is writing {self.folder}", file=sys.stderr)
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def _try_briefly(self, fd: int) -> bool:
        """Take the lock, trying again for a quarter of a second: a report that asks whether the
        folder is in use (``in_use``) holds a shared lock for an instant, which is no holder."""
        deadline = time.monotonic() + 0.25
        while not self._try(fd):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _try(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise InputError(
                str(self.folder), None, f"cannot be locked ({exc.strerror}); use a folder on a local disk"
            ) from None
        return True

    @staticmethod
    def _holder(fd: int) -> str:
        """The holder, as "process <pid>" (it writes its pid just after taking the lock)."""
        for _ in range(20):
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            if text.isdigit():
                return f"process {text}"
            time.sleep(0.025)
        return "another process"

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
        finally:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


def in_use(folder: Path) -> bool:
    """Whether a crmsim command holds this results folder now (reads only: creates nothing)."""
    try:
        fd = os.open(Path(folder) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False  # no lock file: no command has ever held it
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _aside(path: Path) -> Path:
    target = path.with_name(DAMAGED + path.name)
    number = 1
    while os.path.lexists(target):
        number += 1
        target = path.with_name(f"{DAMAGED}{number}-{path.name}")
    os.replace(path, target)
    fsync_dir(path.parent)
    return target


def _foreign_entries(root: Path) -> list[str]:
    """Names in a folder without a manifest that crmsim would not have left there ([] if none).

    crmsim leaves, before its first manifest is written or after a damaged one is set aside:
    its lock, ``runs/`` and ``series/`` (holding only parts), temporary and set-aside files, and
    its record of the outputs it wrote (``sim.io.written``), which says nothing of whose the
    outputs are: they are judged as any other file.
    """
    own = (LOCK_NAME, written.RECORD_NAME, written.LOCK_NAME)
    foreign = []
    for entry in sorted(root.iterdir()):
        if entry.name in own or entry.name.startswith((".tmp-manifest-", DAMAGED)) or _is_record_temporary(entry.name):
            continue
        if entry.name in ("runs", "series") and entry.is_dir() and not entry.is_symlink():
            foreign.extend(
                f"{entry.name}/{inner.name}" for inner in sorted(entry.iterdir()) if not _is_part_file(inner.name)
            )
            continue
        foreign.append(entry.name)
    return foreign


def _is_record_temporary(name: str) -> bool:
    """The temporary file a writer of the record left when it was killed (``.tmp-PID-.crmsim-written.json``)."""
    return name.startswith(".tmp-") and name.endswith(written.RECORD_NAME)


def _is_part_file(name: str) -> bool:
    return (name.startswith("part-") and name.endswith(".parquet")) or name.startswith((".tmp-", DAMAGED))


def _parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(PARTS)) if folder.is_dir() else []


def _read_each(folder: Path, read: Callable[[Path], Any]) -> tuple[list, list[Path], list[Path]]:
    """``read`` of each part of a dataset; the parts that could not be read (damaged), and those
    gone on every attempt.

    A part that is gone by the time it is read was replaced meanwhile by the command that holds
    the folder (failed runs run again, ``RunStore._replace_failed``): the parts are listed and read
    again, so that its runs are read from its replacement, up to ``READ_ATTEMPTS`` times."""
    for _ in range(READ_ATTEMPTS):
        results, damaged, gone = [], [], []
        for part in _parts(folder):
            try:
                results.append(read(part))
            except FileNotFoundError:
                gone.append(part)
            except (OSError, pa.ArrowException):
                damaged.append(part)
        if not gone:
            break
    return results, damaged, gone


def _read_parts(folder: Path, what: str) -> pd.DataFrame:
    """All readable parts of a dataset as one table; a damaged part is named in one line and left
    for the experiment's command to set aside and run again (reading never changes the folder),
    and a part replaced while it was read is read from its replacement (``_read_each``)."""
    tables, damaged, gone = _read_each(folder, lambda part: pq.read_table(part, use_threads=False))
    for part in damaged:
        print(
            f"crmsim: warning: {part}: damaged part, not read; the experiment's command runs its runs again",
            file=sys.stderr,
        )
    for part in gone:
        print(
            f"crmsim: warning: {part}: gone each time it was to be read (replaced meanwhile), not read; "
            "read the folder again",
            file=sys.stderr,
        )
    if not tables:
        raise InputError(str(folder), None, f"holds no {what}")
    # "permissive": parts written by other tools may hold large_string where crmsim wrote string
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def _held_by_parts(folder: Path) -> str | None:
    """The experiment hash the first readable part of a dataset carries (a folder without its manifest)."""
    for part in _parts(folder):
        try:
            held = (pq.read_schema(part).metadata or {}).get(EXPERIMENT_KEY)
        except (OSError, pa.ArrowException):
            continue
        if held is not None:
            return held.decode()
    return None


def _inspect(part: Path, experiment_hash: str) -> tuple[dict[int, str], str | None]:
    """A part's runs (run -> status) and its problem: None, "another experiment", or why it is damaged."""
    try:
        table = pq.read_table(part, use_threads=False)
    except (OSError, pa.ArrowException) as exc:
        reason = "empty" if part.stat().st_size == 0 else f"cannot be read ({str(exc).splitlines()[0][:120]})"
        return {}, f"damaged part: {reason}"
    held = (table.schema.metadata or {}).get(EXPERIMENT_KEY)
    if held is None or held.decode() != experiment_hash:
        return {}, "another experiment"
    if "run" not in table.column_names:
        return {}, "damaged part: no run column"
    expected_rows = _rows_in_name(part)
    if "status" in table.column_names:  # a runs part: its name says how many rows it holds
        if expected_rows is not None and table.num_rows != expected_rows:
            return {}, f"damaged part: {table.num_rows} rows, its name says {expected_rows}"
        return _run_statuses(table), None
    return {}, None


def _rows_in_name(part: Path) -> int | None:
    try:
        return int(part.stem.split("-")[3])
    except (IndexError, ValueError):
        return None


def _run_statuses(table: pa.Table) -> dict[int, str]:
    return dict(zip(table.column("run").to_pylist(), table.column("status").to_pylist(), strict=True))


def _merge(statuses: dict[int, str], more: dict[int, str]) -> None:
    """Add a part's runs to ``statuses``: a run that did not fail in one part did not fail (a part
    and its replacement, both left by a crash, hold the failed row and the new one)."""
    for run, status in more.items():
        if statuses.get(run) != "ok":
            statuses[run] = status


def _order(runs: pd.Series, failed: pd.Series) -> list[int]:
    """Row positions by run, a run's row that did not fail first (stable otherwise)."""
    keys = pd.DataFrame({"run": runs.to_numpy(), "failed": failed.to_numpy()})
    return keys.sort_values(["run", "failed"], kind="stable").index.tolist()


def _series_of(series: list[pd.DataFrame], rows: list[dict]) -> list[pd.DataFrame]:
    """The weekly series of these rows' runs (each series frame holds one run)."""
    runs = {row["run"] for row in rows}
    return [frame for frame in series if not frame.empty and frame["run"].iat[0] in runs]


def _replaced(folder: Path, parts: dict[str, dict[int, str]]) -> list[str]:
    """Parts (of ``parts``: name -> its runs) that another of them replaces and holds every run of:
    left by a command stopped between writing a part anew and removing the old one."""
    replaced = []
    for name, runs in parts.items():
        try:
            old = (pq.read_schema(folder / name).metadata or {}).get(REPLACES_KEY, b"").decode()
        except (OSError, pa.ArrowException):
            continue
        if old != name and old in parts and parts[old].keys() <= runs.keys():
            replaced.append(old)
    return replaced


def _which(manifest: dict) -> str:
    """'a replicate, ' for a manifest that says its kind (the start of a refusal's parenthesis)."""
    kind = manifest.get("kind")
    return f"a {kind}, " if isinstance(kind, str) else ""


def _check_same_experiment(root: Path, manifest: dict, experiment_hash: str) -> None:
    """Refuse a folder of another experiment, saying so plainly when only crmsim's version differs."""
    held = manifest.get("experiment_hash")
    if held == experiment_hash:
        return
    version = manifest.get("crmsim")
    if version is not None and version != sim.__version__:
        raise InputError(
            str(root),
            "crmsim",
            f"was written by crmsim {version}, this is crmsim {sim.__version__}: results of two versions "
            "never mix; choose another --out",
        )
    raise InputError(
        str(root),
        "experiment_hash",
        f"holds another experiment ({_which(manifest)}{held}, not {experiment_hash}); choose another --out or "
        "remove it",
    )


def _remove_temporary(*folders: Path) -> None:
    """Remove what a writer killed mid-write left: crmsim's own temporary files, under the lock."""
    for folder in folders:
        for leftover in [*folder.glob(".tmp-part-*"), *folder.glob(".tmp-manifest-*")]:
            leftover.unlink(missing_ok=True)


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    """Write a part whole; its temporary name starts ``.tmp-part-``, which ``_remove_temporary``
    clears after a crash, and is unique within the process."""
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    write_whole(path, lambda target: pq.write_table(table, target), temporary=tmp)
