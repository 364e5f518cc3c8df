"""Errors in user input: a file, a field, and what is allowed, on one line."""

from __future__ import annotations

import tomllib
from pathlib import Path


class InputError(Exception):
    """Bad input from a user: the CLI prints it as one line and exits with code 2."""

    def __init__(self, source: str, field: str | None, message: str):
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


def read_toml(path: str | Path, what: str = "file") -> dict:
    """A TOML file's content; a missing, unreadable or malformed file is an InputError naming it."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark (Windows editors) is skipped
    except FileNotFoundError:
        raise InputError(str(path), None, f"no such {what}") from None
    except OSError as exc:
        raise InputError(str(path), None, f"cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), None, "not a text file (TOML must be UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), None, f"not valid TOML: {exc}") from None


class Interrupted(Exception):
    """The user stopped a command (Ctrl-C or SIGTERM) after its finished work was saved.

    ``signal_number`` is the signal that stopped it; the CLI exits with 128 + that number.
    """

    def __init__(self, signal_number: int, message: str):
        self.signal_number = signal_number
        super().__init__(message)
