"""What the documentation names exists: every ``sim.`` module or name and every path under ``sim/``,
``tests/``, ``benchmarks/``, ``scenarios/``, ``docs/`` or ``notebooks/`` that
the README, the docs, the notebooks and the docstrings mention (a restructure moves code; the
prose must follow it)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROSE = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "notebooks").glob("*.ipynb"))]
CODE = sorted((ROOT / "sim").rglob("*.py"))

DOTTED = re.compile(r"(?<![\w./-])sim(?:\.[A-Za-z_]\w*)+")
PATH = re.compile(
    r"(?<![\w./-])(?:sim|tests|benchmarks|scenarios|docs|notebooks)/[\w/-]*\w(?:\.(?:py|md|toml|ipynb|csv))?/?"
)
FROM_IMPORT = re.compile(r"from (sim(?:\.\w+)*) import \(?([\w, ]+)")


def _mentions(pattern: re.Pattern, files: list[Path]) -> set[tuple[str, str]]:
    return {(m.group(0).rstrip("."), f.name) for f in files for m in pattern.finditer(f.read_text(encoding="utf-8"))}


def _imported_names(files: list[Path]) -> set[str]:
    """``from sim.x import a, b as c`` in the prose, as ``sim.x.a`` and ``sim.x.b``."""
    found = set()
    for f in files:
        for m in FROM_IMPORT.finditer(f.read_text(encoding="utf-8")):
            found |= {f"{m.group(1)}.{name.split()[0]}" for name in m.group(2).split(",") if name.strip()}
    return found


def _resolves(dotted: str) -> bool:
    """A module, or a name (attribute chain) in the longest module prefix that imports."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            thing = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(thing, name):
                return False
            thing = getattr(thing, name)
        return True
    return False


def test_the_prose_and_the_docstrings_mention_files_that_exist():
    missing = sorted((path, where) for path, where in _mentions(PATH, PROSE + CODE) if not (ROOT / path).exists())
    assert missing == []


@pytest.mark.parametrize("dotted", sorted({name for name, _ in _mentions(DOTTED, PROSE)} | _imported_names(PROSE)))
def test_a_python_name_the_docs_mention_imports(dotted):
    assert _resolves(dotted), dotted
