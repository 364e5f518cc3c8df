"""Which folders crmsim may write into, and which names may become folders.

crmsim replaces an output folder whole, so before it writes it makes sure the folder is one it
may replace: new, empty, or an earlier crmsim output of the same kind. Anything else holds
someone's work and is refused unless the user says ``--force``; even then the current folder,
the folders above it, the home folder and ``/`` are refused, because replacing them would take
the user's work (or the shell's working folder) with them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from sim.core.errors import InputError
from sim.core.names import FOLDER_NAME_RULE, folder_name_problem
from sim.io.whole import write_whole
from sim.io.written import digest

#: the hidden file crmsim writes into every run folder, so that a later run knows it may replace it
RUN_MARKER = ".crmsim-run"
#: what a run folder written before the marker existed holds (with its figures and report)
LEGACY_RUN_FILES = frozenset(
    {
        "summary.json",
        "timeseries.parquet",
        "agents.parquet",
        "behaviour_by_role.png",
        "data_quality_trust.png",
        "organisation.png",
        "report.html",
    }
)


def safe_folder_name(name: str, source: str = "scenario", field: str = "name") -> str:
    """``name`` unchanged if it is a safe single folder name; else an InputError naming source and field."""
    problem = folder_name_problem(name)
    if problem:
        raise InputError(source, field, f"{problem}; {FOLDER_NAME_RULE}")
    return name


def check_writable_folder(path: str | Path, kind: str = "run", force: bool = False) -> None:
    """Refuse to write a ``kind`` output into ``path`` unless crmsim may replace what is there.

    Allowed: a path that does not exist, an empty folder, or an earlier crmsim output of the same
    kind ("run", or an experiment kind such as "replicate"). ``force`` allows anything else except
    the current folder, a folder above it, the home folder and ``/``.
    """
    path = Path(path)
    _refuse_protected(path)
    if force or not os.path.lexists(path):
        return
    allowed = f"allowed: a new or empty folder, or one an earlier crmsim {kind} wrote"
    if kind == "run":  # only crmsim run has --force: an experiment or a class is resumed, never replaced
        allowed += " (or --force to replace it)"
    if path.is_symlink() or not path.is_dir():
        raise InputError(str(path), None, f"exists and is not a folder; {allowed}")
    foreign = foreign_entries(path, kind)
    other = "run" if is_run_folder(path) else _experiment_kind(path)
    if foreign and other not in (None, kind):  # crmsim's own, but of another command
        raise InputError(str(path), None, f"holds a crmsim {other}'s results, not a {kind}'s; {allowed}")
    if foreign:
        shown = ", ".join(sorted(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
        raise InputError(str(path), None, f"holds files crmsim did not write as a {kind} ({shown}); {allowed}")
    changed = changed_in_run_folder(path) if kind == "run" else []
    if changed:  # a user's edit of summary.json, say, or notes added to its report
        raise InputError(
            str(path / changed[0]),
            None,
            "was changed after crmsim wrote it, and a new run replaces the whole folder; "
            "allowed: move it aside (or delete it) and run again, or --force to replace it",
        )


def foreign_entries(path: Path, kind: str) -> list[str]:
    """Names in folder ``path`` that are not part of a crmsim ``kind`` output ([] for an empty folder)."""
    names = {entry.name for entry in path.iterdir()}
    if not names:
        return []
    if kind == "run":
        return sorted(names - run_files(path)) if is_run_folder(path) else sorted(names)
    return [] if _experiment_kind(path) == kind else sorted(names)


def is_run_folder(path: Path) -> bool:
    """True for a folder a ``crmsim run`` wrote: its marker, or the three tables of older versions."""
    if path.is_symlink() or not path.is_dir():
        return False
    if (path / RUN_MARKER).is_file():
        return True
    return all((path / name).is_file() for name in ("summary.json", "timeseries.parquet", "agents.parquet"))


def run_files(path: Path) -> set[str]:
    """The names a run folder may hold: what its marker lists, the usual files, and the marker."""
    names = set(LEGACY_RUN_FILES) | {RUN_MARKER}
    listed = _marker(path).get("files", [])
    if isinstance(listed, list):
        names.update(name for name in listed if isinstance(name, str))
    return names


def changed_in_run_folder(path: Path, names: Iterable[str] | None = None) -> list[str]:
    """The files of a run folder (or those of ``names``) changed since crmsim wrote them: their
    bytes no longer have the SHA-256 its marker records (a folder of a crmsim from before the
    digests were recorded has none to compare)."""
    recorded = _digests(_marker(path))
    wanted = recorded if names is None else {name: recorded.get(name) for name in names}
    return sorted(
        name
        for name, known in wanted.items()
        if known
        and (path / name).is_file()
        and digest(path / name) not in ([known] if isinstance(known, str) else known)
    )


def remember_in_run_folder(path: Path, name: str, new: str, keep_earlier: bool) -> None:
    """Record in a run folder's marker ``new``, the digest of the file ``name`` crmsim writes there
    (its report), so that a later run or report does not replace it once a user has changed it.
    ``keep_earlier`` keeps the digest known before, for the moment the new file takes the old one's
    place: a command killed in between leaves a marker that knows both."""
    marker = _marker(path)
    if not marker:
        return  # a run folder of a crmsim from before the marker: nothing to record in
    recorded = _digests(marker)
    earlier = recorded.get(name, [])
    known = sorted({new, *([earlier] if isinstance(earlier, str) else earlier)}) if keep_earlier else new
    marker["sha256"] = {**recorded, name: known}
    text = json.dumps(marker) + "\n"
    write_whole(path / RUN_MARKER, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _digests(marker: dict) -> dict:
    """What a run folder's marker records of its files: name -> a digest, or a list of them."""
    recorded = marker.get("sha256")
    return recorded if isinstance(recorded, dict) else {}


def _marker(path: Path) -> dict:
    try:
        marker = json.loads((path / RUN_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def _experiment_kind(path: Path) -> str | None:
    try:
        kind = json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def _refuse_protected(path: Path) -> None:
    """The current folder, the folders above it, home and ``/``: never replaced, whatever the flags."""
    try:
        target = path.resolve()
        here = Path.cwd().resolve()
    except (OSError, RuntimeError):
        raise InputError(str(path), None, "cannot be resolved to a folder on this machine") from None
    try:
        home = Path.home().resolve()
    except (OSError, RuntimeError):  # no home folder known: nothing to protect there
        home = None
    if target == here or target in here.parents:
        what = "the current folder" if target == here else "a folder above the current folder"
    elif target == home:
        what = "the home folder"
    elif target == Path(target.anchor):
        what = "the root folder"
    else:
        return
    raise InputError(str(path), None, f"is {what}; a crmsim output needs a folder of its own, so choose a new folder")
