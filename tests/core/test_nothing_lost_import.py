"""Importing an organisation: every bad file ends in one line naming the file, the line and the
field, and exit code 2; files are read only up to a size limit; tiny organisations run."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_cli
from conftest import EDGES_HEADER, EDGES_ROWS, PEOPLE_HEADER, PEOPLE_ROWS, write_csv

import sim
from sim.core.errors import InputError
from sim.core.organisation import IMPORT_LIMIT_VARIABLE, import_csv
from sim.core.state import Role


def _with(rows, person, column, value):
    """The rows with one field of one person (by id) changed."""
    return [[value if (r[0] == person and c == column) else v for c, v in enumerate(r)] for r in rows]


MANAGER = PEOPLE_HEADER.index("manager")


def _run_import(capsys, tmp_path, people_rows=PEOPLE_ROWS, edges_rows=EDGES_ROWS, people=None, edges=None):
    """``crmsim run`` on the two files; returns (exit code, stdout, stderr)."""
    people = people or write_csv(tmp_path / "people.csv", PEOPLE_HEADER, people_rows)
    edges = edges or write_csv(tmp_path / "edges.csv", EDGES_HEADER, edges_rows)
    out = tmp_path / "out"
    return run_cli(
        capsys, "run", "--people", str(people), "--edges", str(edges), "--out", str(out), "--no-plots", "--quiet"
    )


# --- the hierarchy ------------------------------------------------------------------------

#: (name, people rows, fragments of the one-line error). Line numbers: the header is line 1,
#: so PEOPLE_ROWS[k] is line k + 2 (M1 is line 3, S1 line 4, M2 line 6, P2 line 9).
HIERARCHY_ERRORS = [
    (
        "two managers manage each other",
        _with(PEOPLE_ROWS, "M1", MANAGER, "M2"),
        ["people.csv: line 3: manager", "cycle", "'M1' reports to 'M2' reports to 'M1'", "ends at someone with no"],
    ),
    (
        "a longer cycle of managers",
        [*_with(_with(PEOPLE_ROWS, "M1", MANAGER, "M3"), "M2", MANAGER, "M1"), ["M3", "manager", "North", "HQ", "M2"]],
        ["line 3: manager", "cycle", "'M1' reports to 'M3' reports to 'M2' reports to 'M1'"],
    ),
    (
        "a manager managing themself",
        _with(PEOPLE_ROWS, "M1", MANAGER, "M1"),
        ["people.csv: line 3: manager", "'M1' names themself", "allowed"],
    ),
    (
        "a sales rep managing themself",
        _with(PEOPLE_ROWS, "S1", MANAGER, "S1"),
        ["line 4: manager", "'S1' names themself"],
    ),
    (
        "a partner as a manager's boss",
        _with(PEOPLE_ROWS, "M2", MANAGER, "P1"),
        ["line 6: manager", "'P1' is not a manager", "a partner manages no one", "allowed: the id of a manager"],
    ),
    (
        "a sales rep as a manager's boss",
        _with(PEOPLE_ROWS, "M2", MANAGER, "S1"),
        ["line 6: manager", "'S1' is not a manager", "allowed: the id of a manager"],
    ),
    (
        "a partner as a partner's rep",
        _with(PEOPLE_ROWS, "P2", MANAGER, "P1"),
        ["line 9: manager", "'P1' is not in sales"],
    ),
]


@pytest.mark.parametrize(
    ("people_rows", "fragments"), [c[1:] for c in HIERARCHY_ERRORS], ids=[c[0] for c in HIERARCHY_ERRORS]
)
def test_a_broken_hierarchy_is_refused_in_one_line(capsys, tmp_path, people_rows, fragments):
    code, _, err = _run_import(capsys, tmp_path, people_rows=people_rows)
    assert_one_line_error(code, err, *fragments)


def test_a_partner_naming_its_sales_rep_as_manager_is_allowed(tmp_path):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, _with(PEOPLE_ROWS, "P2", MANAGER, "S2"))
    org = import_csv(people, write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS))
    ids = list(org.external_id)
    assert org.manager[ids.index("P2")] == ids.index("S2")
    assert org.manager[ids.index("M2")] == ids.index("M1") and org.manager[ids.index("M1")] == -1


# --- the ties -----------------------------------------------------------------------------


def test_ties_that_all_join_a_person_to_themself_are_refused(capsys, tmp_path):
    loops = [["S1", "S1", "1"], ["M1", "M1", "2"]]
    code, _, err = _run_import(capsys, tmp_path, edges_rows=loops)
    assert_one_line_error(code, err, "edges.csv: line 2: target", "themself", "ties between two people")


def test_a_few_self_ties_among_others_are_dropped(tmp_path):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, [*EDGES_ROWS, ["S1", "S1", "4"]])
    org = import_csv(people, edges)
    assert org.adjacency.diagonal().sum() == 0 and org.adjacency.nnz == 2 * len(EDGES_ROWS)


@pytest.mark.parametrize("weight", ["inf", "-inf", "nan", "1e309", "-1", "0", "1e308", "1e-320", ""])
def test_a_weight_that_is_not_a_usable_number_is_refused(capsys, tmp_path, weight):
    rows = [list(r) for r in EDGES_ROWS]
    rows[3][2] = weight
    code, _, err = _run_import(capsys, tmp_path, edges_rows=rows)
    assert_one_line_error(code, err, "edges.csv: line 5: weight", f"got {weight!r}", "allowed: a number > 0")


# --- empty and odd files ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"], ids=["empty", "blank lines", "spaces"])
@pytest.mark.parametrize("which", ["people", "edges"])
def test_an_empty_file_is_refused_in_one_line(capsys, tmp_path, which, text):
    path = tmp_path / f"{which}.txt"
    path.write_text(text, encoding="utf-8")
    code, _, err = _run_import(capsys, tmp_path, **{which: path})
    assert_one_line_error(code, err, f"{which}.txt: line 1", "empty", "header")


@pytest.mark.parametrize("which", ["people", "edges"])
def test_a_header_without_rows_is_refused_in_one_line(capsys, tmp_path, which):
    header = PEOPLE_HEADER if which == "people" else EDGES_HEADER
    path = write_csv(tmp_path / f"{which}_header.csv", header, [])
    code, _, err = _run_import(capsys, tmp_path, **{which: path})
    assert_one_line_error(code, err, f"{which}_header.csv: line 2", "no rows")


def test_lines_are_counted_in_the_file_even_after_blank_lines(tmp_path):
    people = tmp_path / "people.csv"
    lines = [",".join(PEOPLE_HEADER)] + [",".join(r) for r in _with(PEOPLE_ROWS, "V2", 1, "ceo")]
    people.write_text("\n".join(lines[:3] + ["", ""] + lines[3:]) + "\n", encoding="utf-8")  # V2: line 10
    with pytest.raises(InputError) as info:
        import_csv(people, write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS))
    assert info.value.field == "line 10: role"


def test_a_column_given_twice_is_refused(capsys, tmp_path):
    people = write_csv(tmp_path / "people.csv", [*PEOPLE_HEADER, "ID"], [[*r, r[0]] for r in PEOPLE_ROWS])
    code, _, err = _run_import(capsys, tmp_path, people=people)
    assert_one_line_error(code, err, "people.csv: line 1: id", "twice")


def test_a_folder_is_refused(capsys, tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    code, _, err = _run_import(capsys, tmp_path, people=folder)
    assert_one_line_error(code, err, "folder.csv", "is a folder")


ALLOWED = "allowed: a CSV file"


def child_env() -> dict:
    """The environment for a child crmsim that runs the same code as these tests."""
    return {**os.environ, "PYTHONPATH": str(Path(sim.__file__).resolve().parents[1])}


def _import_in_a_child(people: str, edges: str) -> subprocess.CompletedProcess:
    """``crmsim run`` in a child with a memory cap and a time limit, so a file read until memory
    runs out fails the test instead of the machine."""

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", "--people", people, "--edges", edges, "--no-plots", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap_memory,
        env=child_env(),
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero") or os.name != "posix", reason="needs /dev/zero and mkfifo")
@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_is_refused_at_once_without_reading_it(tmp_path, kind):
    edges = str(write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS))
    if kind == "device":
        people = "/dev/zero"
    else:
        people = str(tmp_path / "people.pipe")
        os.mkfifo(people)  # no writer: reading it would wait for ever
    done = _import_in_a_child(people, edges)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.splitlines() == [f"crmsim: error: {people}: not a regular file (a device or a pipe); {ALLOWED}"]


# --- the size limit -----------------------------------------------------------------------


def _big_people_file(tmp_path):
    """A valid people file of about 40 kB (many sales reps under one manager)."""
    rows = [*PEOPLE_ROWS, *[[f"X{i}", "sales", "North", "HQ", "M1"] for i in range(2000)]]
    return write_csv(tmp_path / "people.csv", PEOPLE_HEADER, rows)


def test_a_file_over_the_limit_is_refused_naming_how_to_raise_it(capsys, tmp_path, monkeypatch):
    people = _big_people_file(tmp_path)
    assert people.stat().st_size > 20_000
    monkeypatch.setenv(IMPORT_LIMIT_VARIABLE, "0.02")  # megabytes
    code, _, err = _run_import(capsys, tmp_path, people=people)
    assert_one_line_error(code, err, "people.csv", "import limit of 0.02 MB", f"{IMPORT_LIMIT_VARIABLE}=")


def test_raising_the_limit_lets_the_same_file_in(capsys, tmp_path, monkeypatch):
    people = _big_people_file(tmp_path)
    monkeypatch.setenv(IMPORT_LIMIT_VARIABLE, "1")
    code, _, err = _run_import(capsys, tmp_path, people=people)
    assert code == 0, err


def test_the_limit_can_be_given_to_import_csv(tmp_path):
    people = _big_people_file(tmp_path)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    with pytest.raises(InputError, match="import limit"):
        import_csv(people, edges, max_bytes=people.stat().st_size - 1)
    assert import_csv(people, edges, max_bytes=people.stat().st_size).employees == 2006


@pytest.mark.parametrize("value", ["lots", "0", "-5", "nan", "inf"])
def test_a_bad_limit_is_refused_in_one_line(capsys, tmp_path, monkeypatch, value):
    monkeypatch.setenv(IMPORT_LIMIT_VARIABLE, value)
    code, _, err = _run_import(capsys, tmp_path)
    assert_one_line_error(code, err, IMPORT_LIMIT_VARIABLE, f"got {value!r}", "megabytes > 0")


# --- tiny organisations -------------------------------------------------------------------


def test_a_one_person_organisation_is_refused_in_one_line(capsys, tmp_path):
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, [["M1", "manager", "North", "HQ", ""]])
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, [["M1", "M1", "1"]])
    code, _, err = _run_import(capsys, tmp_path, people=people, edges=edges)
    assert_one_line_error(code, err, "people.csv: line 2: id", "at least two people")


def test_a_two_person_organisation_runs_end_to_end(capsys, tmp_path):
    two = [["M1", "manager", "North", "HQ", ""], ["S1", "sales", "North", "HQ", "M1"]]
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, two)
    edges = write_csv(tmp_path / "edges.csv", ["source", "target"], [["S1", "M1"]])
    assert import_csv(people, edges).role.tolist() == [Role.SALES, Role.MANAGER]
    code, _, err = _run_import(capsys, tmp_path, people=people, edges=edges)
    assert code == 0, err
    assert (tmp_path / "out" / "summary.json").is_file()


@pytest.mark.parametrize(
    "settings",
    [
        ["org.employees=4", "org.partners=0"],
        ["org.employees=4", "org.partners=1", "org.departments=1000", "org.sites=1000", "policy.rollout=phased"],
        ["org.employees=4", "network.kind=scale_free", "org.sales_share=1", "policy.rollout=pilot"],
        ["org.employees=4", "org.sales_share=0", "org.span_of_control=200", "org.central_service_site=true"],
    ],
    ids=["smallest", "more departments and sites than people", "scale free, all sales", "no sales, one team"],
)
def test_the_smallest_generated_organisations_run_end_to_end(capsys, tmp_path, settings):
    args = [a for s in [*settings, "run.weeks=8"] for a in ("--set", s)]
    code, _, err = run_cli(capsys, "run", *args, "--out", str(tmp_path / "out"), "--no-plots", "--quiet")
    assert code == 0, err


def test_na_and_none_are_names_not_missing_values(tmp_path):
    rows = [[{"M1": "NA", "S1": "None"}.get(v, v) for v in r] for r in PEOPLE_ROWS]
    rows = [[("NA" if c == 2 and v == "North" else v) for c, v in enumerate(r)] for r in rows]  # North America
    edges = [[{"M1": "NA", "S1": "None"}.get(v, v) for v in r] for r in EDGES_ROWS]
    people = write_csv(tmp_path / "p.csv", PEOPLE_HEADER, rows)
    org = import_csv(people, write_csv(tmp_path / "e.csv", EDGES_HEADER, edges))
    assert {"NA", "None"} <= set(org.external_id)
    assert org.department_names == ["NA", "South"]


def test_a_row_longer_than_the_header_is_refused_not_read_as_an_index(capsys, tmp_path):
    people = tmp_path / "people.csv"
    rows = [",".join(PEOPLE_HEADER), "P1,partner,North,HQ,S1,extra,more", *(",".join(r) for r in PEOPLE_ROWS[1:])]
    people.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = _run_import(capsys, tmp_path, people=people)
    assert_one_line_error(code, err, "people.csv", "Expected 5 fields in line 2, saw 7")


def test_a_file_that_is_not_utf8_is_refused_and_a_byte_order_mark_is_fine(capsys, tmp_path):
    text = "\n".join([",".join(PEOPLE_HEADER), *(",".join(r) for r in PEOPLE_ROWS)]) + "\n"
    people = tmp_path / "people.csv"
    people.write_bytes(text.replace("North", "Nörth").encode("latin-1"))
    code, _, err = _run_import(capsys, tmp_path, people=people)
    assert_one_line_error(code, err, "people.csv", "not UTF-8")
    people.write_text(text, encoding="utf-8-sig")  # as spreadsheets save it
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    assert import_csv(people, edges).employees == 6


@pytest.mark.skipif(not os.path.exists("/dev/zero") or os.name != "posix", reason="needs /dev/zero and mkfifo")
@pytest.mark.parametrize("what", ["scenario", "calibration spec", "observed log"])
def test_a_scenario_a_spec_or_a_log_that_is_a_device_or_a_pipe_is_refused_at_once(tmp_path, what):
    """Before, ``crmsim show /dev/zero`` read until memory ran out, and a pipe waited for ever."""
    from sim.calibration.observed import read_observed
    from sim.calibration.spec import CalibrationSpec
    from sim.core.scenario import Scenario

    pipe = tmp_path / "input.pipe"
    os.mkfifo(pipe)  # no writer: reading it would wait for ever
    read = {
        "scenario": Scenario.load,
        "calibration spec": CalibrationSpec.load,
        "observed log": lambda path: read_observed(path, 20, "spec.toml"),
    }[what]
    for path in (Path("/dev/zero"), pipe):
        with pytest.raises(InputError) as refused:
            read(path)
        assert str(refused.value).startswith(f"{path}: not a regular file (a device or a pipe); allowed: a ")


def test_a_path_with_a_nul_character_and_a_limit_past_any_number_are_one_line_each(capsys, tmp_path, monkeypatch):
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    code, _, err = _run_import(capsys, tmp_path, people=str(tmp_path / "people.csv\0x"), edges=edges)
    assert_one_line_error(code, err, "people.csv\\x00x", "not a valid path (it holds a NUL character)")
    monkeypatch.setenv(IMPORT_LIMIT_VARIABLE, "1e308")  # a number of megabytes, but not of bytes
    code, _, err = _run_import(capsys, tmp_path)
    assert_one_line_error(code, err, IMPORT_LIMIT_VARIABLE, "got '1e308'", "<= 1,000,000")


def test_a_large_limit_reads_a_small_file_without_setting_aside_the_limit(tmp_path):
    """A limit of 1e5 MB read a 200-byte file by asking for 1e11 bytes at once (MemoryError), and
    1e300 MB overflowed; a file is read for what it holds, the limit only bounding it."""
    from sim.core.errors import read_bounded

    small = tmp_path / "small.csv"
    small.write_bytes(b"id,role\n" * 20)
    assert read_bounded(small, 10**18, allowed="a CSV file") == b"id,role\n" * 20
    with pytest.raises(InputError, match="larger than"):
        read_bounded(small, 100, allowed="a CSV file")


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_a_scenario_file_with_windows_or_old_mac_line_endings_reads_as_before(tmp_path, newline):
    from sim.core.scenario import Scenario

    path = tmp_path / "s.toml"
    path.write_bytes(newline.join([b'name = "x"', b'description = """two', b'lines"""', b"[run]", b"weeks = 10", b""]))
    scenario = Scenario.load(path)
    assert scenario.run.weeks == 10 and scenario.description == "two\nlines"
