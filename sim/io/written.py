"""What crmsim wrote into a results folder, and whether each file is still as it wrote it.

A results folder is crmsim's, but a user may open ``comparison.md`` and add their notes, or
fix a label in ``discovery.csv``. Running the command again (or resuming it) would write its
outputs anew over that work. So each output crmsim writes into a results folder is recorded,
in the folder's ``.crmsim-written.json``, by the SHA-256 of its bytes as written. A later
command replaces a file only while its bytes are still one of those recorded: a file changed
since is not replaced, and the command says so before it writes anything.

A file with no record (written by a crmsim from before the record, or the record was deleted)
is judged as before, by the folder being crmsim's and by how the file begins
(``output.check_outputs_are_ours``).

A file is checked, written and recorded under an exclusive ``flock`` (``.crmsim-written.lock``),
so two commands writing into one folder do not lose each other's entries, nor leave a record of
one's bytes beside the other's file; where the disk has no locks, it is written without one.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.core.errors import InputError
from sim.io.whole import write_whole

RECORD_NAME = ".crmsim-written.json"
LOCK_NAME = ".crmsim-written.lock"


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def check_unchanged(paths: Iterable[Path], command: str) -> None:
    """Refuse, before anything is written, to replace a file changed since crmsim wrote it."""
    for path in map(Path, paths):
        _check(path, _read(path.parent).get(path.name), command)


@contextlib.contextmanager
def recording(folder: Path) -> Iterator[Record]:
    """The folder's record, held alone from a file's check through its writing to its entry, so
    that two commands writing the same file cannot leave a record of the other's bytes."""
    with _locked(folder):
        yield Record(folder)


class Record:
    """What crmsim wrote into one folder, while ``recording`` holds it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def check_unchanged(self, name: str, command: str) -> None:
        """Refuse to replace the file ``name`` of this folder if it changed since crmsim wrote it."""
        _check(self.folder / name, _read(self.folder).get(name), command)

    def remember(self, name: str, written: str, keep_earlier: bool) -> None:
        """Record ``written`` (a digest) as what crmsim wrote to the file ``name``. ``keep_earlier``
        keeps the digests recorded before, for the moment between recording a new file and its
        taking the old one's place: a command killed in between leaves a record that knows both."""
        record = _read(self.folder)
        record[name] = sorted({*record.get(name, ()), written}) if keep_earlier else [written]
        _write(self.folder, record)


def _check(path: Path, known: list[str] | None, command: str) -> None:
    if known is None or not path.is_file():
        return  # never recorded, or not there (any more): nothing of the user's to lose
    if digest(path) not in known:
        raise InputError(
            str(path),
            None,
            f"was changed after crmsim wrote it, and {command} would write it anew; "
            "allowed: move it aside (or delete it) and run the command again",
        )


def _read(folder: Path) -> dict[str, list[str]]:
    """The folder's record ({} if it has none; a damaged one is taken as none: crmsim rewrites it)."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {str(name): [str(d) for d in known] for name, known in record.items() if isinstance(known, list)}


def _write(folder: Path, record: dict[str, list[str]]) -> None:
    """The record written whole: a reader finds the old one or the new one."""
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    write_whole(folder / RECORD_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder's record, through a lock file beside it, opened for writing
    (as NFS needs for an exclusive lock); released when it is closed. Where there is no lock to
    be had (a read-only folder, a disk without locks), the record is read and written without."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield  # the writes that follow say, in one line, why the folder cannot be written
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF, errno.ENOSYS):
                raise
        yield
    finally:
        os.close(fd)
