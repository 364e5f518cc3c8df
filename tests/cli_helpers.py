"""Helpers for tests that call the command line in-process."""

from __future__ import annotations

from sim.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    """Exit code 2, one line on stderr that starts like every crmsim error, no traceback."""
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("crmsim: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
