"""Where a result came from: the software that made it, the machine, the command and the commit.

Recorded with every run's summary and every experiment's manifest, so a result can be traced
back and reproduced, and two results made by different versions are not mistaken for one.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import sim

#: the libraries whose versions can change a result (the model, its tables and its files)
LIBRARIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow")
#: how long to wait for git before recording no commit: provenance must never hold up a run
GIT_TIMEOUT_SECONDS = 2.0


def provenance() -> dict:
    """Versions, platform, command line and git commit, as plain JSON-able values (None when unknown)."""
    return {
        **_software(),
        "command_line": [str(arg) for arg in sys.argv],
        "git_commit": git_commit(),
        "git_code_modified": git_code_modified(),
    }


@lru_cache(maxsize=1)
def _software() -> dict:
    """What does not change while a process runs: looked up once (a sweep summarises many runs)."""
    return {
        "crmsim": sim.__version__,
        "python": platform.python_version(),
        **{name: _version(name) for name in LIBRARIES},
        "platform": platform.platform(),
    }


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout crmsim runs from, or None when it is installed, or git is missing or slow.

    Only a checkout whose top folder holds this very package counts: an installed crmsim inside
    some other repository (a virtual environment in a project) must not record that project's commit.
    """
    lines = _git("rev-parse", "--show-toplevel", "HEAD")
    if lines is None or len(lines) != 2:
        return None
    top, commit = lines
    if Path(top).resolve() != _package().parent:
        return None
    return commit


@lru_cache(maxsize=1)
def git_code_modified() -> bool | None:
    """Whether the package's code in that checkout differs from its commit (edited, not committed):
    then the commit alone does not say what made a result. None where there is no commit to compare."""
    if git_commit() is None:
        return None
    lines = _git("status", "--porcelain", "--", ".")
    if lines is None:
        return None
    return any(line.strip() and not line.endswith(".pyc") for line in lines)


def _package() -> Path:
    return Path(sim.__file__).resolve().parent


def _git(*args: str) -> list[str] | None:
    """The lines git prints, run in the package's folder; None when git fails, is missing or is slow."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=_package(),
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.splitlines() if done.returncode == 0 else None
