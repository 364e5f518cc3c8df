"""Writing a file whole: a reader finds the old file or the new one, never half of either.

Every file crmsim publishes (a run's tables, an experiment's records, a report, the record of
what it wrote) goes through ``write_whole``: written to a temporary name beside its target,
flushed, renamed over the target, and the folder flushed after the rename, so a power cut cannot
undo a file that was reported written, and a killed command leaves the old file as it was.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.core.errors import InputError


def write_whole(path: Path, write: Callable[[Path], object], temporary: Path | None = None) -> None:
    """Write a file whole: ``write(tmp)`` to a temporary name beside ``path``, flush it, then rename it over ``path``.

    ``temporary`` names the temporary file (in ``path``'s folder) where its name matters, e.g. to
    a folder that recognises and removes its own leftovers by name; by default it is
    ``.tmp-PID-NAME``, which keeps the name's ending, so a writer that picks its format by the
    ending still finds it.
    """
    path = Path(path)
    tmp = Path(temporary) if temporary is not None else path.with_name(f".tmp-{os.getpid()}-{path.name}")
    try:
        write(tmp)
        fsync_file(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only disk, a full one, a folder that is not there: one line, not a traceback
        remove_quietly(tmp)
        raise InputError(str(path), None, f"cannot be written: {exc.strerror or exc}") from None
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(path.parent)


def fsync_file(path: Path) -> None:
    """Flush a written file to disk, so a rename that publishes it cannot outlive its content."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (renames, new files); where folders cannot be flushed, nothing to do."""
    if os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_quietly(path: Path) -> None:
    """Remove a temporary that may not be there; where it could not be written, it may not be removable either."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


#: The signals that stop a command.
STOPS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def together() -> Iterator[None]:
    """Outputs that belong together (a table, its text and its figure) written as a set: Ctrl-C
    and SIGTERM wait until the block ends, so a stop leaves them all old or all new, never the
    table of one analysis beside the text of another. Only the writing belongs in the block (a
    figure is drawn before it): a kill -9 can still fall between two files, and the files name
    what they are of. The stop is then handled as it would have been (in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {number: signal.signal(number, lambda n, _: received.append(n)) for number in STOPS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            handler = previous[received[0]]
            if callable(handler):  # Python's own (KeyboardInterrupt) or a command's
                handler(received[0], None)
            elif handler == signal.SIG_DFL:  # ended by it, as it would have been
                os.kill(os.getpid(), received[0])
