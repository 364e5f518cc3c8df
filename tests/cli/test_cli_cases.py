"""A shipped case's name works wherever a scenario file does; errors end in a newline."""

from __future__ import annotations

import json

from cli_helpers import assert_one_line_error, run_cli

from sim.core.scenario import cases


def test_cases_lists_every_shipped_case_with_its_story(capsys):
    code, out, _ = run_cli(capsys, "cases")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == cases()
    assert "Seed 002" in out  # each line says which case study it comes from


def test_run_takes_a_case_name_as_its_scenario(capsys, tmp_path):
    out = tmp_path / "telco"
    code, _, err = run_cli(
        capsys, "run", "global_giant_telco", "--set", "run.weeks=3", "--out", str(out), "--no-plots", "--quiet"
    )
    assert code == 0, err
    assert json.loads((out / "summary.json").read_text())["scenario"] == "global_giant_telco"


def test_an_unknown_scenario_names_the_cases_command_and_ends_its_line(capsys):
    code, _, err = run_cli(capsys, "run", "no_such_case_or_file")
    assert_one_line_error(code, err, "no_such_case_or_file", "crmsim cases")
    assert err.endswith("\n")
