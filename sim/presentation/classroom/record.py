"""The decisions file: ``DIR/decisions.parquet``, one row per student decision, kept up to date.

Columns: ``classroom`` (the classroom's code; one server may hold several classes), ``week``,
``student``, ``person`` (the person's id), ``role``, ``choice`` (the option's key) and
``model_probability`` (the model's chance that this person would have done that this week).

The file is rewritten whole after every played week, through a temporary file renamed over
it, so a reader (or a server stopped at any moment) finds the previous complete file or the
new complete one, never half of one. Beside it, ``classrooms.json`` keeps what a restarted
server needs to take each class up again (``Classroom.saved``): the next server on the folder,
started within ``TAKE_UP_HOURS``, plays its weeks again from the decisions and waits for its
students' pages to come back.

The folder must be new, empty or an earlier classroom's (``manifest.json`` says ``"kind":
"classroom"``); an earlier lesson's decisions are kept and the new ones added after them. The
folder is locked while a classroom serves (``claim_folder``), or while a ``DecisionsFile`` made
from Python is open: a second classroom on it is refused.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.experiments.store import FolderInUse, FolderLock
from sim.io.folders import check_writable_folder
from sim.io.whole import write_whole

KIND = "classroom"
FILE = "decisions.parquet"
#: What a restarted server needs to take each class up again (``Classroom.saved``), by code.
CLASSES = "classrooms.json"
#: A class is taken up again by a server started within this many hours of its last save (a
#: crash mid-lesson), not by next week's lesson on the same folder.
TAKE_UP_HOURS = 6.0
COLUMNS = ["classroom", "week", "student", "person", "role", "choice", "model_probability"]


def check_folder(folder: str | Path) -> Path:
    """Refuse a folder crmsim may not write a classroom's decisions into (one line, before serving)."""
    folder = Path(folder)
    check_writable_folder(folder, kind=KIND)
    if (folder / FILE).exists():
        try:
            earlier = pd.read_parquet(folder / FILE)
        except (OSError, ValueError) as exc:
            message = f"cannot be read ({exc}); allowed: an earlier classroom's decisions"
            raise InputError(str(folder / FILE), None, message) from None
        if list(earlier.columns) != COLUMNS:
            raise InputError(str(folder / FILE), None, f"has columns {list(earlier.columns)}; allowed: {COLUMNS}")
    return folder


def claim_folder(folder: Path) -> FolderLock:
    """Make the folder (with its manifest) and lock it for as long as this process serves, so
    that a second classroom on the same folder is refused instead of writing over the first's
    decisions. The lock ends with the process, however it ends."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(str(folder), None, f"cannot be made: {exc.strerror or exc}") from None
    _write_manifest(folder)
    lock = FolderLock(folder)
    try:
        lock.acquire(wait=False)
    except FolderInUse:  # only this case is reworded; a folder that cannot be locked or written says so
        raise InputError(
            str(folder), None, "is in use by another crmsim classroom; stop it, or choose another --out"
        ) from None
    return lock


def _write_manifest(folder: Path) -> None:
    manifest = folder / "manifest.json"
    if not manifest.exists():
        _replace(manifest, json.dumps({"kind": KIND, "files": [FILE, CLASSES]}, indent=2).encode())


class DecisionsFile:
    """The decisions of every classroom served, written to ``folder/decisions.parquet``.

    It holds the folder's lock until ``close()`` (or the end of a ``with`` block, or of the
    process), so a second one on the same folder, in this process or another, is refused instead
    of writing over the first's decisions. ``claimed=True`` is for a folder locked already by the
    process that serves the classroom (``crmsim classroom`` locks it, its page server writes)."""

    def __init__(self, folder: str | Path, claimed: bool = False):
        self.folder = check_folder(folder)
        claim = None if claimed else claim_folder(self.folder)
        # the folder is let go when closed, or when this object is dropped (a notebook cell run again)
        self._release = weakref.finalize(self, claim.release) if claim is not None else None
        self.closed = False
        self.lock = threading.Lock()
        self.earlier = pd.read_parquet(self.folder / FILE) if (self.folder / FILE).exists() else None
        self.classrooms: list = []
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_manifest(self.folder)
        self.write()

    def close(self) -> None:
        """Let another classroom have the folder; no decision is written after."""
        self.closed = True
        if self._release is not None:
            self._release()

    def __enter__(self) -> DecisionsFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, classroom) -> None:
        with self.lock:
            self.classrooms.append(classroom)

    def saved_classes(self) -> dict[str, tuple[dict, list[dict]]]:
        """The classes an earlier server on this folder left, by code: what each saved of itself
        and its decisions, for ``Classroom.restored``."""
        try:
            saved = json.loads((self.folder / CLASSES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        earlier = self.earlier if self.earlier is not None else pd.DataFrame(columns=COLUMNS)
        recent = time.time() - TAKE_UP_HOURS * 3600
        return {
            code: (state, earlier[earlier["classroom"] == code].to_dict("records"))
            for code, state in (saved.items() if isinstance(saved, dict) else [])
            if isinstance(state, dict) and state.get("saved_at", 0) >= recent
        }

    def take_up(self, classroom) -> None:
        """A class taken up again: its decisions are its own from now on, no longer earlier ones."""
        with self.lock:
            if self.earlier is not None:
                self.earlier = self.earlier[self.earlier["classroom"] != classroom.code].reset_index(drop=True)
            self.classrooms.append(classroom)

    def write(self, classroom=None) -> Path:
        """Rewrite the file with every decision so far (called after each played week)."""
        if self.closed:
            raise ValueError(f"{self.folder / FILE}: the decisions file was closed; its folder may be another's now")
        with self.lock:
            rows = [row for c in self.classrooms for row in c.table()]
            table = pd.DataFrame(rows, columns=COLUMNS).astype(
                {"week": "int64", "person": "int64", "model_probability": "float64"}
            )
            if self.earlier is not None and len(self.earlier):
                table = pd.concat([self.earlier, table], ignore_index=True)
            path = self.folder / FILE
            write_whole(
                path, lambda temporary: table.to_parquet(temporary, index=False), self.folder / f".{FILE}.writing"
            )
            self._save_classes()
            return path

    def _save_classes(self) -> None:
        """Every class's ``saved`` state, those of earlier servers kept beside this one's."""
        try:
            saved = json.loads((self.folder / CLASSES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        saved = saved if isinstance(saved, dict) else {}
        saved.update({c.code: {**c.saved(), "saved_at": time.time()} for c in self.classrooms})
        _replace(self.folder / CLASSES, json.dumps(saved, indent=1).encode())


def _replace(path: Path, data: bytes) -> None:
    write_whole(path, lambda temporary: temporary.write_bytes(data), temporary=path.with_name(f".{path.name}.writing"))
