"""Nothing lost (issue 8), the run part: crmsim run replaces only folders it wrote, whole or not at
all; a scenario's name stays inside out/; no setting or output holds a number that is not one."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import assert_one_line_error, run_cli

import sim.io.output
from sim import run
from sim.core.errors import InputError
from sim.core.mechanisms.money import Ledger, verdict
from sim.core.scenario import Scenario
from sim.io.folders import check_writable_folder, folder_name_problem, safe_folder_name
from sim.io.output import recover_leftovers
from sim.io.provenance import provenance

SMALL_SET = ["--set", "org.employees=40", "--set", "org.partners=8", "--set", "run.weeks=10"]


def run_into(capsys, out, *extra: str) -> tuple[int, str, str]:
    return run_cli(capsys, "run", "--out", str(out), *SMALL_SET, "--no-plots", "--quiet", *extra)


def earlier_run(capsys, out: Path, seed: int = 1) -> dict:
    """A finished run in ``out``; its summary, to recognise it later."""
    code, _, err = run_into(capsys, out, "--set", f"run.seed={seed}")
    assert code == 0, err
    return json.loads((out / "summary.json").read_text())


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity, which Python's json accepts but JSON does not."""
    return json.loads(text, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def no_run(monkeypatch):
    """A refusal must come before the run, not after minutes of simulation."""

    def ran(*args, **kwargs):
        raise AssertionError("the scenario was run before the refusal")

    monkeypatch.setattr("sim.io.runner.run", ran)


def a_dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)


# --- which folders a run may replace -----------------------------------------------------------


def test_a_folder_of_someone_elses_files_survives_a_refused_run(tmp_path, capsys, no_run):
    folder = tmp_path / "thesis"
    (folder / "chapters").mkdir(parents=True)
    (folder / "notes.txt").write_text("three years of work")
    (folder / "chapters" / "one.tex").write_text("\\chapter{One}")
    before = files_in(folder)
    code, _, err = run_into(capsys, folder)
    assert_one_line_error(code, err, str(folder), "notes.txt", "allowed: a new or empty folder", "--force")
    assert files_in(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no temporary or .old folder


def test_a_finished_experiment_is_not_a_run_folder(tmp_path, capsys):
    folder = tmp_path / "exp"
    for part in ("runs", "series"):
        (folder / part).mkdir(parents=True)
        (folder / part / "part-0.parquet").write_bytes(b"PAR1 rows")
    (folder / "manifest.json").write_text(json.dumps({"kind": "replicate", "finished_runs": 20}))
    before = files_in(folder)
    code, _, err = run_into(capsys, folder)
    assert_one_line_error(code, err, str(folder), "holds a crmsim replicate's results, not a run's")
    assert files_in(folder) == before


def test_out_at_an_existing_file_is_refused_and_the_file_untouched(tmp_path, capsys, no_run):
    path = tmp_path / "results.csv"
    path.write_text("a,b\n1,2\n")
    code, _, err = run_into(capsys, path)
    assert_one_line_error(code, err, str(path), "not a folder")
    assert path.read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


def test_out_below_a_file_is_refused_before_the_run(tmp_path, capsys, no_run):
    (tmp_path / "report.pdf").write_bytes(b"%PDF")
    code, _, err = run_into(capsys, tmp_path / "report.pdf" / "run")
    assert_one_line_error(code, err, "report.pdf is not a folder")
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF"


def test_a_symbolic_link_is_not_followed_into_the_folder_it_names(tmp_path, capsys):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    (tmp_path / "link").symlink_to(target)
    code, _, err = run_into(capsys, tmp_path / "link")
    assert_one_line_error(code, err, "not a folder")
    assert (target / "keep.txt").read_text() == "keep"


@pytest.mark.parametrize(
    "where, what",
    [(".", "the current folder"), ("..", "above the current folder"), ("HOME", "the home folder")],
)
def test_the_current_folder_its_parents_and_home_are_refused_even_with_force(
    where, what, tmp_path, capsys, monkeypatch
):
    here = tmp_path / "work" / "project"
    here.mkdir(parents=True)
    (here / "analysis.py").write_text("print('mine')")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".profile").write_text("export X=1")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    before = files_in(tmp_path)
    code, _, err = run_into(capsys, str(home) if where == "HOME" else where, "--force")
    assert_one_line_error(code, err, what, "choose a new folder")
    assert files_in(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "work"]


def test_the_root_folder_is_refused_even_with_force():
    with pytest.raises(InputError, match="root folder|above the current folder"):
        check_writable_folder(Path("/"), "run", force=True)


def test_force_replaces_a_folder_that_is_not_protected(tmp_path, capsys):
    folder = tmp_path / "scratch"
    folder.mkdir()
    (folder / "old.txt").write_text("disposable")
    code, _, err = run_into(capsys, folder, "--force")
    assert code == 0, err
    assert not (folder / "old.txt").exists()
    assert (folder / "summary.json").is_file()


def test_an_earlier_run_folder_is_replaced_and_so_is_one_written_before_the_marker(tmp_path, capsys):
    out = tmp_path / "out"
    earlier_run(capsys, out, seed=1)
    (out / ".crmsim-run").unlink()  # as written by versions before the marker: the three tables, nothing else
    (out / "report.html").write_text("<html>the run's report</html>")  # crmsim report writes this
    assert earlier_run(capsys, out, seed=2)["seed"] == 2
    assert not (out / "report.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_run_folder_with_a_foreign_file_added_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    earlier_run(capsys, out)
    (out / "my_notes.md").write_text("what I saw")
    code, _, err = run_into(capsys, out)
    assert_one_line_error(code, err, "my_notes.md")
    assert (out / "my_notes.md").read_text() == "what I saw"


def test_the_python_api_refuses_a_foreign_folder_too(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "survey.csv").write_text("id\n1\n")
    result = run(Scenario.default().with_overrides({"org.employees": 40, "org.partners": 8, "run.weeks": 4}))
    with pytest.raises(InputError, match="survey.csv"):
        result.save(folder)
    assert (folder / "survey.csv").read_text() == "id\n1\n"


# --- scenario names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../victim", "/tmp/victim", "", ".", "..", "a/b", "a\\b", "two\nlines", "tab\there", ".hidden", "x" * 300],
)
def test_a_scenario_name_cannot_reach_outside_out(name, tmp_path, capsys, monkeypatch, no_run):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    (work / "s.toml").write_text(f"name = {json.dumps(name)}\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "run", "s.toml", *SMALL_SET, "--no-plots", "--quiet")
    assert_one_line_error(code, err, "s.toml", "name", "allowed:")
    assert (victim / "precious.txt").read_text() == "keep"
    assert sorted(p.name for p in work.iterdir()) == ["s.toml"]  # not even out/ was made


def test_a_name_set_on_the_command_line_is_checked_the_same_way(capsys):
    code, _, err = run_cli(capsys, "show", "--set", "name=../x")
    assert_one_line_error(code, err, "--set", "name", "/")


def test_ordinary_names_are_accepted_and_land_in_out(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "run", *SMALL_SET, "--set", "name=Phased rollout, Q3 (v2)", "--no-plots", "--quiet")
    assert code == 0, err
    assert (tmp_path / "out" / "Phased rollout, Q3 (v2)" / "summary.json").is_file()


def test_the_safe_name_rule_in_python():
    assert safe_folder_name("städtische_verwaltung") == "städtische_verwaltung"
    assert folder_name_problem("a" * 100) is None
    assert folder_name_problem("a" * 101)
    assert folder_name_problem("é" * 100) is None and folder_name_problem("😀" * 60)  # bytes are capped too
    with pytest.raises(InputError, match="name"):
        safe_folder_name("..")


# --- a replace interrupted at any point ----------------------------------------------------------


def test_ctrl_c_during_a_run_leaves_the_earlier_run_and_ends_in_one_line(tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    old_summary = earlier_run(capsys, out)
    crash_on_call(monkeypatch, pd.DataFrame, "to_parquet", 1, error=KeyboardInterrupt)
    code, _, err = run_into(capsys, out, "--set", "run.seed=2")
    assert code == 130 and err.count("\n") == 1 and err.startswith("crmsim: stopped: ")
    assert json.loads((out / "summary.json").read_text()) == old_summary
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


class Crash(Exception):
    """Stands for the process dying at this point."""


def crash_on_call(monkeypatch, owner, name: str, n: int, error: type[BaseException] | None = None) -> None:
    """Make the ``n``-th call of ``owner.name`` (counted from 1) raise ``error`` (default: Crash)."""
    real = getattr(owner, name)
    calls = {"n": 0}

    def patched(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise (error or Crash)(f"{name} call {n}")
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, patched)


@pytest.mark.parametrize(
    "owner, name, n",
    [
        (Path, "rename", 1),  # moving the old folder aside
        (Path, "rename", 2),  # moving the new folder in: the old one waits in .out.old
        (sim.io.output.shutil, "rmtree", 1),  # removing the old folder: the new one is in place
        (pd.DataFrame, "to_parquet", 2),  # writing the new tables
        (sim.io.output, "fsync_dir", 1),  # flushing the new folder
    ],
)
def test_a_crash_during_a_replace_leaves_the_old_run_or_the_new_one(owner, name, n, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    old_summary = earlier_run(capsys, out, seed=1)
    crash_on_call(monkeypatch, owner, name, n)
    with pytest.raises(Crash):
        run_into(capsys, out, "--set", "run.seed=2")
    monkeypatch.undo()
    kept = out if out.exists() else tmp_path / ".out.old" / "out"  # aside only between the two renames
    summary = json.loads((kept / "summary.json").read_text())
    assert summary == old_summary or summary["seed"] == 2, "neither the old run nor the new one"
    recover_leftovers(out)  # what the next start does first
    assert json.loads((out / "summary.json").read_text())["seed"] in (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert earlier_run(capsys, out, seed=3)["seed"] == 3  # and the next run goes through


def test_the_next_run_puts_back_a_folder_left_aside_and_clears_dead_temporary_folders(tmp_path, capsys):
    out = tmp_path / "out"
    earlier_run(capsys, out, seed=1)
    aside = tmp_path / ".out.old"
    aside.mkdir()
    (aside / ".crmsim-replaced").write_text("out\n")
    out.rename(aside / "out")  # the process died between the two renames
    dead = tmp_path / f".out.tmp-{a_dead_pid()}-abcdefgh"
    dead.mkdir()
    (dead / ".crmsim-run").write_text('{"kind": "run"}')
    (dead / "timeseries.parquet").write_bytes(b"half written")
    recover_leftovers(out)
    assert json.loads((out / "summary.json").read_text())["seed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_leftover_looking_folders_that_crmsim_did_not_make_are_left_alone(tmp_path, capsys):
    out = tmp_path / "out"
    foreign_old = tmp_path / ".out.old"
    foreign_old.mkdir()
    (foreign_old / "backup.txt").write_text("mine")
    foreign_tmp = tmp_path / f".out.tmp-{a_dead_pid()}-abcdefgh"
    foreign_tmp.mkdir()
    (foreign_tmp / "draft.txt").write_text("mine too")
    earlier_run(capsys, out)
    assert (foreign_old / "backup.txt").read_text() == "mine"
    assert (foreign_tmp / "draft.txt").read_text() == "mine too"
    code, _, err = run_into(capsys, out)  # replacing would need .out.old: refused, nothing lost
    assert_one_line_error(code, err, ".out.old", "in the way")
    assert (out / "summary.json").is_file() and (foreign_old / "backup.txt").read_text() == "mine"


# --- numbers that are not numbers -----------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "+nan", "1e309", "-1e309"])
def test_non_finite_values_in_a_scenario_file_are_refused(value, tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(f'name = "money"\n[costs]\nwage_per_hour = {value}\n')
    code, _, err = run_cli(capsys, "run", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert_one_line_error(code, err, "s.toml", "costs.wage_per_hour", "finite")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("key", ["costs.wage_per_hour", "policy.training_hours", "behaviour.social", "org.employees"])
@pytest.mark.parametrize("value", ["inf", "nan", "1e309"])
def test_non_finite_values_set_on_the_command_line_are_refused(key, value, tmp_path, capsys):
    code, _, err = run_into(capsys, tmp_path / "out", "--set", f"{key}={value}")
    assert_one_line_error(code, err, "--set", key, "finite")
    assert not (tmp_path / "out").exists()


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_money_too_large_to_compute_gives_an_undetermined_verdict_and_strict_json(tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_into(
        capsys, out, "--set", "costs.wage_per_hour=1e308", "--set", "costs.implementation_per_employee=1e308"
    )
    assert code == 0, err
    summary = strict_json((out / "summary.json").read_text())
    assert summary["verdict"] == "undetermined"
    assert "cannot be computed" in summary["verdict_detail"]["reason"]
    assert summary["outcomes"]["roi"] is None and summary["verdict_detail"]["roi"] is None
    assert "outcomes.roi" in summary["null_because_not_finite"]["fields"]
    table = pd.read_parquet(out / "timeseries.parquet")
    assert not np.isinf(table.select_dtypes("number").to_numpy()).any()


def test_an_ordinary_summary_is_strict_json_with_no_nulls_added(tmp_path, capsys):
    summary = earlier_run(capsys, tmp_path / "out")
    strict_json((tmp_path / "out" / "summary.json").read_text())
    assert summary["verdict"] in ("success", "failure")
    assert "null_because_not_finite" not in summary


def test_the_verdict_and_roi_say_when_money_cannot_be_computed():
    ledger = Ledger.empty(1)
    ledger.book(math.inf, 1.0, 1.0)
    assert math.isnan(ledger.roi()[0])  # not 0.0, which read as "broke even"
    ledger = Ledger.empty(1)
    ledger.book(math.nan, 1.0, 1.0)
    assert math.isnan(ledger.roi()[0])
    assert verdict(0.9, math.nan, 0.6, 0.0) == "undetermined"
    assert verdict(0.9, 0.5, 0.6, 0.0) == "success"
    assert verdict(0.1, 0.5, 0.6, 0.0) == "failure"


# --- provenance -----------------------------------------------------------------------------------


def test_the_summary_records_where_the_run_came_from(tmp_path, capsys):
    summary = earlier_run(capsys, tmp_path / "out")
    prov = summary["provenance"]
    for key in ("crmsim", "python", "numpy", "scipy", "pandas", "pyarrow", "mesa", "platform"):
        assert isinstance(prov[key], str) and prov[key], key
    assert prov["numpy"] == np.__version__ and prov["pandas"] == pd.__version__
    assert isinstance(prov["command_line"], list)
    assert prov["git_commit"] is None or (len(prov["git_commit"]) == 40 and int(prov["git_commit"], 16) >= 0)


def test_provenance_is_plain_json_and_a_fresh_copy_each_time():
    first = provenance()
    assert json.loads(json.dumps(first, allow_nan=False)) == first
    first["numpy"] = "changed"
    assert provenance()["numpy"] == np.__version__


def test_no_commit_is_recorded_when_git_is_missing(monkeypatch):
    from sim.io import provenance as module

    module.git_commit.cache_clear()
    monkeypatch.setenv("PATH", os.devnull)
    try:
        assert module.git_commit() is None
    finally:
        module.git_commit.cache_clear()


@pytest.mark.parametrize(("status", "modified"), [("", False), (" M core/model.py\n", True), ("?? new.py\n", True)])
def test_code_edited_since_the_commit_is_recorded(monkeypatch, status, modified):
    import subprocess

    from sim.io import provenance as module

    monkeypatch.setattr(module, "git_commit", lambda: "a" * 40)
    monkeypatch.setattr(module.subprocess, "run", lambda args, **kw: subprocess.CompletedProcess(args, 0, status, ""))
    module.git_code_modified.cache_clear()
    try:
        assert module.git_code_modified() is modified
    finally:
        module.git_code_modified.cache_clear()
    monkeypatch.setattr(module, "git_commit", lambda: None)  # installed, not a checkout: nothing to compare
    assert module.git_code_modified() is None
    module.git_code_modified.cache_clear()


@pytest.mark.parametrize("edited", ["summary.json", "report.html"])
def test_a_run_folder_whose_file_a_user_changed_is_not_replaced_without_force(capsys, tmp_path, edited):
    """A run folder is replaced whole by the next run into it; before, a user's edit of its
    summary or notes added to its report went with it without a word."""
    out = tmp_path / "r"
    assert run_into(capsys, out)[0] == 0
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0
    assert run_into(capsys, out)[0] == 0  # unchanged: replaced, as before
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0  # and its report too
    with open(out / edited, "a", encoding="utf-8") as file:
        file.write("\n<!-- my notes -->\n")
    before = files_in(out)
    code, _, err = run_into(capsys, out)
    assert_one_line_error(code, err, f"{out / edited}: was changed after crmsim wrote it", "--force")
    if edited == "report.html":
        code, _, err = run_cli(capsys, "report", str(out), "--quiet")
        assert_one_line_error(code, err, f"{out / edited}: was changed after crmsim wrote it")
    assert files_in(out) == before  # nothing of it touched
    assert run_into(capsys, out, "--force")[0] == 0  # said so: replaced
    assert not (out / "report.html").exists()


def test_a_report_killed_while_it_replaces_a_runs_report_leaves_a_folder_a_run_still_replaces(
    capsys, tmp_path, monkeypatch
):
    """The run folder's marker knows the old report's digest and the new one's while the new one
    takes the old one's place: a report killed there is not taken for a user's edit."""
    import sim.presentation.reports as reports

    out = tmp_path / "r"
    assert run_into(capsys, out)[0] == 0
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # between the marker's first entry and the rename

    with monkeypatch.context() as during:
        real = reports.run_report
        during.setattr(reports, "run_report", lambda folder: real(folder).replace("</body>", "<p>later</p></body>"))
        during.setattr(reports, "write_whole", killed)
        assert run_cli(capsys, "report", str(out), "--quiet")[0] == 130
    assert run_into(capsys, out)[0] == 0  # the old report is still one crmsim wrote
