"""Errors in user input: a file, a field, and what is allowed, on one line."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from a user: the CLI prints it as one line and exits with code 2."""

    def __init__(self, source: str, field: str | None, message: str):
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")
