"""The command line: crmsim run/show/keys, one-line errors with exit code 2, atomic output folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from cli_helpers import assert_one_line_error, run_cli
from conftest import EDGES_HEADER, EDGES_ROWS, PEOPLE_HEADER, PEOPLE_ROWS, write_csv

from sim import run
from sim.core.scenario import Scenario, fields

SMALL_SET = ["--set", "org.employees=60", "--set", "org.partners=10", "--set", "run.weeks=6"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- success ----------------------------------------------------------------------------------


def test_run_writes_tables_summary_and_figures(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run_cli(capsys, "run", "--out", str(out), *SMALL_SET, "--set", "policy.integration=full")
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert {"timeseries.parquet", "agents.parquet", "summary.json"} <= names
    assert {"behaviour_by_role.png", "data_quality_trust.png"} <= names
    assert all((out / n).stat().st_size > 0 for n in names)
    summary = json.loads((out / "summary.json").read_text())
    expected = Scenario.default().with_overrides(
        {"org.employees": 60, "org.partners": 10, "run.weeks": 6, "policy.integration": "full"}
    )
    assert summary["scenario_hash"] == expected.hash
    # the CLI run is the API run
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), run(expected).timeseries)
    assert "wrote" in stdout and expected.hash in stdout


def test_run_reads_a_scenario_file_and_no_plots_skips_figures(tmp_path, capsys):
    scenario = write(tmp_path / "s.toml", 'name = "mine"\n[run]\nweeks = 4\nseed = 9\n[org]\nemployees = 40\n')
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", str(scenario), "--out", str(out), "--no-plots", "--quiet")
    assert code == 0, err
    assert not list(out.glob("*.png"))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == "mine" and summary["seed"] == 9
    assert summary["scenario_hash"] == Scenario.load(scenario).hash


def test_successful_run_replaces_an_existing_output_folder_whole(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli(capsys, "run", "--out", str(out), *SMALL_SET, "--quiet")[0] == 0  # an earlier run, with figures
    code, _, err = run_cli(capsys, "run", "--out", str(out), *SMALL_SET, "--no-plots", "--quiet")
    assert code == 0, err
    assert not (out / "organisation.png").exists()  # nothing of the earlier run is left
    assert (out / "summary.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary or .old folders left


def test_show_prints_the_resolved_scenario_and_its_hash(capsys):
    code, stdout, _ = run_cli(capsys, "show", "--set", "policy.sanctions=0.5")
    assert code == 0
    first, rest = stdout.split("\n", 1)
    expected = Scenario.default().with_overrides({"policy.sanctions": 0.5})
    assert first == f"# hash {expected.hash}"
    assert json.loads(rest) == expected.resolved()


def test_keys_lists_every_key(capsys):
    code, stdout, _ = run_cli(capsys, "keys")
    assert code == 0
    listed = {line.split(" = ")[0] for line in stdout.splitlines()}
    assert listed == set(fields())


# --- errors ------------------------------------------------------------------------------------

FILE_ERRORS = [
    ("malformed TOML", "[policy\nrollout = ", ["bad.toml", "TOML"]),
    ("unknown key", "[policy]\nfast = 1\n", ["bad.toml", "policy.fast", "unknown key", "integration"]),
    ("wrong type", '[run]\nweeks = "ten"\n', ["bad.toml", "run.weeks", "'ten'", ">= 1"]),
    ("out of range", "[policy]\nsanctions = 1.5\n", ["bad.toml", "policy.sanctions", "1.5", "<= 1"]),
    ("bad enum", '[policy]\nrollout = "fast"\n', ["bad.toml", "policy.rollout", "big_bang", "phased", "pilot"]),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in FILE_ERRORS], ids=[c[0] for c in FILE_ERRORS])
def test_bad_scenario_file_gives_one_line_naming_file_field_and_allowed_values(tmp_path, capsys, text, fragments):
    path = write(tmp_path / "bad.toml", text)
    code, _, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, err, *fragments)
    assert not (tmp_path / "out").exists()


SET_ERRORS = [
    ("unknown key", ["--set", "policy.fast=1"], ["--set", "policy.fast", "unknown key", "integration"]),
    ("wrong type", ["--set", "org.employees=many"], ["--set", "org.employees", "'many'", ">= 4"]),
    ("out of range", ["--set", "policy.mandate=2"], ["--set", "policy.mandate", "<= 1"]),
    ("bad enum", ["--set", "policy.rollout=fast"], ["policy.rollout", "'fast'", "big_bang", "phased", "pilot"]),
    ("no equals sign", ["--set", "policy.rollout"], ["--set", "policy.rollout", "KEY=VALUE"]),
    ("a section", ["--set", "policy=1"], ["--set", "policy", "section"]),
    ("missing file", ["missing.toml"], ["missing.toml", "no such scenario file"]),
    ("people without edges", ["--people", "p.csv"], ["--people/--edges", "both"]),
]


@pytest.mark.parametrize(("args", "fragments"), [c[1:] for c in SET_ERRORS], ids=[c[0] for c in SET_ERRORS])
def test_bad_command_line_input_gives_one_line_and_exit_code_2(tmp_path, capsys, args, fragments):
    code, _, err = run_cli(capsys, "run", *args, "--out", str(tmp_path / "out"))
    assert_one_line_error(code, err, *fragments)


def test_show_reports_bad_input_the_same_way(capsys):
    code, _, err = run_cli(capsys, "show", "--set", "policy.integration=total")
    assert_one_line_error(code, err, "policy.integration", "none", "partial", "full")


def test_failed_run_leaves_an_existing_output_folder_intact(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker.txt").write_text("keep me")
    bad = write(tmp_path / "bad.toml", '[policy]\nrollout = "fast"\n')
    for args in (
        [str(bad)],
        ["--set", "policy.mandate=7"],
        ["--people", str(write(tmp_path / "p.csv", "id,role\n")), "--edges", str(tmp_path / "nope.csv")],
    ):
        code, _, err = run_cli(capsys, "run", *args, "--out", str(out))
        assert code == 2, err
        assert (out / "marker.txt").read_text() == "keep me"
        assert [p.name for p in out.iterdir()] == ["marker.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml", "out", "p.csv"]


@pytest.mark.parametrize("kind", ["binary file", "directory"])
def test_unreadable_scenario_file_gives_one_line_and_exit_code_2(tmp_path, capsys, kind):
    path = tmp_path / "s.toml"
    if kind == "directory":
        path.mkdir()
    else:
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    code, _, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(code, err, "s.toml")


# --- organisation import ----------------------------------------------------------------------


def test_run_with_people_and_edges_files(tmp_path, capsys):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    out = tmp_path / "out"
    code, _, err = run_cli(
        capsys,
        "run",
        "--people",
        str(people),
        "--edges",
        str(edges),
        "--set",
        "run.weeks=5",
        "--out",
        str(out),
        "--no-plots",
        "--quiet",
    )
    assert code == 0, err
    agents = pd.read_parquet(out / "agents.parquet")
    assert sorted(agents["id"]) == sorted(r[0] for r in PEOPLE_ROWS)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["people"]["employees"] == 6 and summary["people"]["partners"] == 2


def test_a_set_of_the_generated_organisation_is_refused_with_people_and_edges_files(tmp_path, capsys):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    out = tmp_path / "out"
    files = ["--people", str(people), "--edges", str(edges), "--out", str(out), "--no-plots", "--quiet"]
    code, _, err = run_cli(capsys, "run", *files, "--set", "org.employees=5000")
    assert_one_line_error(code, err, "--set: org.employees", "not used with an imported organisation")
    assert not out.exists()


def test_scenario_file_import_keys_are_relative_to_the_scenario_file(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "cases"
    folder.mkdir()
    write_csv(folder / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    write_csv(folder / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    write(folder / "mine.toml", '[run]\nweeks = 4\n[org]\npeople_csv = "people.csv"\nedges_csv = "edges.csv"\n')
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "run", "cases/mine.toml", "--out", "out", "--no-plots", "--quiet")
    assert code == 0, err
    assert len(pd.read_parquet(tmp_path / "out" / "agents.parquet")) == len(PEOPLE_ROWS)


IMPORT_CLI_ERRORS = [
    ("unknown role", 1, "role", "boss", ["people.csv", "line 3: role", "sales, service, manager, partner"]),
    ("duplicate id", 2, "id", "M1", ["people.csv", "line 4: id", "duplicate id 'M1'"]),
    ("sales without manager", 2, "manager", "", ["people.csv", "line 4: manager", "needs a manager"]),
    ("manager not a manager", 5, "manager", "S1", ["people.csv", "line 7: manager", "'S1' is not a manager"]),
]


@pytest.mark.parametrize(
    ("index", "column", "value", "fragments"), [c[1:] for c in IMPORT_CLI_ERRORS], ids=[c[0] for c in IMPORT_CLI_ERRORS]
)
def test_bad_people_file_gives_one_line_and_exit_code_2(tmp_path, capsys, index, column, value, fragments):
    rows = [list(r) for r in PEOPLE_ROWS]
    rows[index][PEOPLE_HEADER.index(column)] = value
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    code, _, err = run_cli(capsys, "run", "--people", str(people), "--edges", str(edges), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, *fragments)


@pytest.mark.parametrize(
    ("rows", "fragments"),
    [
        ([*EDGES_ROWS[:3], ["S1", "Q7", "1"]], ["edges.csv", "line 5: target", "unknown person id 'Q7'"]),
        ([*EDGES_ROWS[:3], ["S1", "V1", "-2"]], ["edges.csv", "line 5: weight", "> 0"]),
        ([*EDGES_ROWS[:3], ["S1", "V1", "x"]], ["edges.csv", "line 5: weight", "'x'"]),
    ],
    ids=["unknown id", "negative weight", "non-numeric weight"],
)
def test_bad_edges_file_gives_one_line_and_exit_code_2(tmp_path, capsys, rows, fragments):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, rows)
    code, _, err = run_cli(capsys, "run", "--people", str(people), "--edges", str(edges), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, *fragments)


def test_edges_file_missing_a_column_gives_one_line(tmp_path, capsys):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", ["source", "weight"], [["S1", "1"]])
    code, _, err = run_cli(capsys, "run", "--people", str(people), "--edges", str(edges), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "edges.csv", "target", "missing column", "required: source, target")


# --- the installed console script ---------------------------------------------------------------


def crmsim_command() -> list[str]:
    script = shutil.which("crmsim", path=os.path.dirname(sys.executable)) or shutil.which("crmsim")
    return [script] if script else [sys.executable, "-m", "sim.cli"]


def test_console_script_exits_2_with_one_line_on_bad_input(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "marker.txt").write_text("keep me")
    proc = subprocess.run(
        [*crmsim_command(), "run", "--set", "policy.rollout=fast", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_one_line_error(proc.returncode, proc.stderr, "policy.rollout", "big_bang", "phased", "pilot")
    assert proc.stdout == ""
    assert (out / "marker.txt").read_text() == "keep me"


def test_the_scenario_reference_page_matches_the_schema(capsys):
    # docs/scenario-reference.md is generated by `crmsim keys --markdown`; regenerate it when a key changes
    code, out, _ = run_cli(capsys, "keys", "--markdown")
    page = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"
    assert code == 0 and out == page.read_text(encoding="utf-8")
