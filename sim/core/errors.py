"""Errors in user input: a file, a field, and what is allowed, on one line."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path


class InputError(Exception):
    """Bad input from a user: the CLI prints it as one line and exits with code 2."""

    def __init__(self, source: str, field: str | None, message: str):
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


#: How much more of a file that grows while it is read is read at a time.
CHUNK_BYTES = 1024 * 1024

#: The largest TOML file read (a scenario, sweep or calibration file is a few kilobytes).
TOML_LIMIT_BYTES = 16 * 1024 * 1024


def read_toml(path: str | Path, what: str = "file") -> dict:
    """A TOML file's content; a missing, unreadable or malformed file is an InputError naming it."""
    path = Path(path)
    try:
        data = read_bounded(path, TOML_LIMIT_BYTES, allowed=f"a {what} (TOML)", missing=f"no such {what}")
        text = data.decode("utf-8-sig")  # a byte-order mark (Windows editors) is skipped
        return tomllib.loads(text.replace("\r\n", "\n").replace("\r", "\n"))  # newlines read as a text file's are
    except UnicodeDecodeError:
        raise InputError(str(path), None, "not a text file (TOML must be UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, f"not valid TOML: {exc}") from None


def read_bounded(
    path: str | Path,
    limit: int,
    *,
    allowed: str,
    missing: str = "no such file",
    too_big: Callable[[str, int], InputError] | None = None,
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is refused at once.

    A device such as /dev/zero, a pipe or a huge file would otherwise be read until memory runs
    out. The file is opened without blocking (a pipe would wait for a writer), checked, then
    read at most ``limit + 1`` bytes, so a file that grows meanwhile is caught too. ``allowed``
    says what the file should be; ``too_big`` makes the refusal of a file over the limit.
    """
    name = str(path)
    too_big = too_big or (lambda name, limit: InputError(name, None, f"larger than {limit // 1024**2} MB"))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(name, None, missing) from None
    except IsADirectoryError:
        raise InputError(name, None, f"is a folder; allowed: {allowed}") from None
    except ValueError:  # a NUL in the path
        raise InputError(repr(name), None, f"not a valid path (it holds a NUL character); allowed: {allowed}") from None
    except OSError as exc:
        raise InputError(name, None, f"cannot be read: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(name, None, f"is a folder; allowed: {allowed}")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(name, None, f"not a regular file (a device or a pipe); allowed: {allowed}")
        raise too_big(name, limit)
    with os.fdopen(fd, "rb") as file:
        try:  # what the file holds, then on in chunks up to the limit (it may grow meanwhile)
            data = file.read(info.st_size + 1)
            while len(data) <= limit and (more := file.read(min(CHUNK_BYTES, limit + 1 - len(data)))):
                data += more
        except OSError as exc:
            raise InputError(name, None, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_big(name, limit)
    return data


class Interrupted(Exception):
    """The user stopped a command (Ctrl-C or SIGTERM) after its finished work was saved.

    ``signal_number`` is the signal that stopped it; the CLI exits with 128 + that number.
    """

    def __init__(self, signal_number: int, message: str):
        self.signal_number = signal_number
        super().__init__(message)
