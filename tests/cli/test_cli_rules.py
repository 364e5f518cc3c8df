"""The command line keeps its rules where an outsider pushed on them: an imported organisation is
found from any folder and its content is part of the experiment; nothing crmsim did not write is
overwritten; bad input is one line and exit code 2, checked before a worker starts or a folder
is touched; and a comparison of a thing with itself is refused rather than reported."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from calibration_helpers import synthetic_log, write_spec
from cli_helpers import assert_one_line_error, run_cli
from conftest import EDGES_HEADER, EDGES_ROWS, PEOPLE_HEADER, PEOPLE_ROWS, write_csv

from sim.core.errors import InputError
from sim.core.scenario import Scenario
from sim.experiments import plan as plan_module
from sim.experiments import processes
from sim.experiments.plan import execute_plan, replicate_plan

TINY = ["--set", "org.employees=40", "--set", "org.partners=6", "--set", "run.weeks=4"]


@pytest.fixture(autouse=True)
def no_workers_left():
    yield
    processes.stop_unused()
    assert multiprocessing.active_children() == []


@pytest.fixture
def imported(tmp_path) -> Path:
    """A scenario file importing its organisation from CSV files beside it, named relatively."""
    folder = tmp_path / "org"
    folder.mkdir()
    write_csv(folder / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    write_csv(folder / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    scenario = folder / "mine.toml"
    scenario.write_text('[run]\nweeks = 4\n[org]\npeople_csv = "people.csv"\nedges_csv = "edges.csv"\n')
    return scenario


# --- an imported organisation in experiments ------------------------------------------------


def test_an_experiment_finds_the_imported_files_beside_the_scenario_from_any_folder(
    imported, tmp_path, monkeypatch, capsys
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = run_cli(capsys, "replicate", "../org/mine.toml", "-n", "2", "--workers", "1", "--out", "r")
    assert code == 0, err
    runs = pd.read_parquet(elsewhere / "r" / "runs")
    assert list(runs["status"]) == ["ok", "ok"], runs["error"].tolist()
    manifest = json.loads((elsewhere / "r" / "manifest.json").read_text())
    digest = Scenario.load(imported).imported_files_digest()
    assert digest is not None and manifest["scenarios"]["base"]["imported_files_sha256"] == digest


def test_an_imported_organisations_scenario_has_one_hash_wherever_it_is_read(imported, tmp_path, capsys):
    """show, a run's summary and an experiment's manifest agree (the files by content, not by the
    absolute paths an experiment names them by); moved with its files it keeps it; edited, not."""
    code, shown, _ = run_cli(capsys, "show", str(imported))
    shown_hash = shown.splitlines()[0].removeprefix("# hash ")
    assert code == 0 and shown_hash == Scenario.load(imported).hash
    assert run_cli(capsys, "run", str(imported), "--no-plots", "--quiet", "--out", str(tmp_path / "run"))[0] == 0
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["scenario_hash"] == shown_hash
    out = tmp_path / "r"
    assert (
        run_cli(capsys, "replicate", str(imported), "-n", "2", "--workers", "1", "--quiet", "--out", str(out))[0] == 0
    )
    assert json.loads((out / "manifest.json").read_text())["scenarios"]["base"]["hash"] == shown_hash
    moved = tmp_path / "moved"
    imported.parent.rename(moved)
    assert Scenario.load(moved / "mine.toml").hash == shown_hash
    with open(moved / "people.csv", "a", encoding="utf-8") as people:
        people.write("S9,sales,North,HQ,M1\n")
    assert Scenario.load(moved / "mine.toml").hash != shown_hash


def test_an_edited_imported_file_is_another_experiment(imported, tmp_path, capsys):
    out = str(tmp_path / "r")
    assert run_cli(capsys, "replicate", str(imported), "-n", "2", "--workers", "1", "--quiet", "--out", out)[0] == 0
    with open(imported.parent / "people.csv", "a", encoding="utf-8") as people:
        people.write("S9,sales,North,HQ,M1\n")
    code, _, err = run_cli(capsys, "replicate", str(imported), "-n", "3", "--workers", "1", "--quiet", "--out", out)
    assert_one_line_error(code, err, "holds another experiment")
    assert len(pd.read_parquet(tmp_path / "r" / "runs")) == 2  # the first experiment's runs, untouched


def test_a_missing_imported_file_is_named_before_anything_runs(imported, tmp_path, capsys):
    (imported.parent / "edges.csv").unlink()
    out = str(tmp_path / "r")
    code, _, err = run_cli(capsys, "replicate", str(imported), "-n", "2", "--workers", "2", "--out", out)
    assert_one_line_error(code, err, "mine.toml", "org.edges_csv", "edges.csv")
    assert not (tmp_path / "r").exists()


# --- never over what crmsim did not write ----------------------------------------------------


@pytest.fixture
def run_folder(tmp_path, capsys) -> Path:
    out = tmp_path / "run"
    assert run_cli(capsys, "run", *TINY, "--out", str(out), "--no-plots", "--quiet")[0] == 0
    return out


def test_a_report_is_not_written_over_a_file_crmsim_did_not_write_as_a_report(run_folder, tmp_path, capsys):
    summary = (run_folder / "summary.json").read_bytes()
    code, _, err = run_cli(capsys, "report", str(run_folder), "--out", str(run_folder / "summary.json"))
    assert_one_line_error(code, err, "summary.json", "is not a report crmsim wrote")
    assert (run_folder / "summary.json").read_bytes() == summary
    notes = tmp_path / "notes.html"
    notes.write_text("<html>my notes</html>", encoding="utf-8")
    assert run_cli(capsys, "report", str(run_folder), "--out", str(notes))[0] == 2
    assert notes.read_text(encoding="utf-8") == "<html>my notes</html>"


def test_a_report_crmsim_wrote_is_replaced(run_folder, tmp_path, capsys):
    page = tmp_path / "page.html"
    assert run_cli(capsys, "report", str(run_folder), "--out", str(page), "--quiet")[0] == 0
    older = "<p>an older page</p>"  # not a string base64 figures could hold by chance, as "OLD" was
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", older + "</body>"), encoding="utf-8")
    assert run_cli(capsys, "report", str(run_folder), "--out", str(page), "--quiet")[0] == 0
    assert older not in page.read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["folder", "root", "under a file"])
def test_a_report_to_a_place_that_is_no_file_name_is_one_line(run_folder, where, capsys):
    out = {"folder": run_folder, "root": Path("/"), "under a file": run_folder / "summary.json" / "x.html"}[where]
    code, _, err = run_cli(capsys, "report", str(run_folder), "--out", str(out))
    assert_one_line_error(code, err, "--out")


def test_an_animation_is_not_written_over_another_file_and_replaces_its_own(tmp_path, capsys):
    mine = tmp_path / "slides.gif"
    mine.write_bytes(b"GIF89a not crmsim's")
    code, _, err = run_cli(capsys, "animate", *TINY, "--out", str(mine))
    assert_one_line_error(code, err, "slides.gif", "is not an animation crmsim wrote")
    assert mine.read_bytes() == b"GIF89a not crmsim's"
    own = tmp_path / "own.gif"
    assert run_cli(capsys, "animate", *TINY, "--out", str(own), "--every", "2", "--quiet")[0] == 0
    first = own.stat().st_mtime_ns
    assert run_cli(capsys, "animate", *TINY, "--out", str(own), "--every", "1", "--quiet")[0] == 0
    assert own.stat().st_mtime_ns != first


@pytest.mark.parametrize("fps", ["nan", "inf", "1e-9", "0", "500"])
def test_a_frame_rate_a_gif_cannot_show_is_one_line(fps, tmp_path, capsys):
    code, _, err = run_cli(capsys, "animate", *TINY, "--out", str(tmp_path / "a.gif"), "--fps", fps)
    assert_one_line_error(code, err, "--fps", "0.5 to 50")
    assert not (tmp_path / "a.gif").exists()


# --- refused before workers start or a folder is touched ------------------------------------


@pytest.mark.parametrize("command", ["replicate", "calibrate"])
def test_too_many_workers_are_refused_before_any_starts(command, pilot, capsys):
    started = []
    original = processes.new_pool
    processes.new_pool = lambda workers: started.append(workers) or original(workers)
    try:
        if command == "calibrate":
            synthetic_log(pilot, {}, 3)
            args = ["calibrate", str(write_spec(pilot, '"behaviour.habit" = { uniform = [0.2, 0.7] }'))]
        else:
            args = ["replicate", *TINY, "-n", "2"]
        code, _, err = run_cli(capsys, *args, "--workers", "100000", "--out", str(pilot / "out"))
    finally:
        processes.new_pool = original
    assert_one_line_error(code, err, "--workers", "got 100000", "allowed: 1 to")
    assert started == []
    assert not (pilot / "out").exists()


def test_a_cluster_out_of_reach_is_refused_before_the_folder_is_touched(tmp_path, monkeypatch):
    def unreachable(address, workers):
        raise InputError("--dask", address, "cannot reach a Dask scheduler")

    monkeypatch.setattr(plan_module, "dask_client", unreachable)
    small = Scenario.default().with_overrides({"org.employees": 40, "org.partners": 6, "run.weeks": 4})
    with pytest.raises(InputError):
        execute_plan(replicate_plan(small, 2), tmp_path / "out", dask="tcp://nowhere:8786")
    assert not (tmp_path / "out").exists()


# --- a comparison of a thing with itself ----------------------------------------------------


@pytest.mark.parametrize(
    ("vary", "words"),
    [
        (["policy.sanctions=0,0.0"], ["policy.sanctions=0.0", "same scenario as arm policy.sanctions=0"]),
        (["policy.sanctions=0,1", "policy.sanctions=1"], ["policy.sanctions=1", "given twice"]),
        (["run.seed=1,2"], ["run.seed", "same seeds"]),
    ],
    ids=["same value twice", "same arm twice", "seeds as arms"],
)
def test_arms_that_are_not_different_policies_are_refused(vary, words, tmp_path, capsys):
    options = [item for v in vary for item in ("--vary", v)]
    code, _, err = run_cli(capsys, "compare", *TINY, *options, "-n", "2", "--out", str(tmp_path / "c"))
    assert_one_line_error(code, err, *words)
    assert not (tmp_path / "c").exists()


def test_arm_files_that_differ_only_in_name_or_seed_are_refused(tmp_path, capsys):
    """Every arm runs on the comparison's seeds, so an arm file's own run.seed changes nothing."""
    (tmp_path / "a.toml").write_text('name = "a"\n[run]\nseed = 42\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('name = "b"\ndescription = "other words"\n[run]\nseed = 3\n', encoding="utf-8")
    code, _, err = run_cli(
        capsys, "compare", *TINY, "--arm", f"a={tmp_path / 'a.toml'}", "--arm", f"b={tmp_path / 'b.toml'}",
        "-n", "2", "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert_one_line_error(code, err, "same scenario as arm a", "run.seed")
    assert not (tmp_path / "c").exists()


def test_set_applies_to_an_arm_given_as_a_file(tmp_path, capsys):
    arm = tmp_path / "arm.toml"
    arm.write_text('name = "strict"\n[policy]\nsanctions = 0.8\n', encoding="utf-8")
    out = tmp_path / "c"
    code, _, err = run_cli(
        capsys, "compare", *TINY, "--arm", f"strict={arm}", "--vary", "policy.sanctions=0", "-n", "1",
        "--workers", "1", "--quiet", "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    tiny = {"org.employees": 40, "org.partners": 6, "run.weeks": 4}
    assert manifest["scenarios"]["strict"]["hash"] == Scenario.load(arm).with_overrides(tiny).hash


# --- sweep files say what they mean ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('samples = "12"', ["samples", "got '12'", "a whole number"]),
        ('keep_series = "yes"', ["keep_series", "true or false"]),
        ("samples = 0", ["samples", "got 0", ">= 1"]),
        ('[set]\n"run.seed" = 3', ["set.run.seed", "sweep's seed"]),
        (
            '[uncertainties]\n"policy.commitment" = { uniform = [0, 1] }\n[levers]\n"policy.commitment" = [0.5]',
            ["levers.policy.commitment", "also an uncertainty"],
        ),
    ],
    ids=["text for a number", "text for a boolean", "below range", "run seed", "uncertainty and lever"],
)
def test_a_sweep_file_is_read_strictly(body, words, tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(body + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "sweep", str(sweep), "--workers", "1", "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "s.toml", *words)
    assert not (tmp_path / "o").exists()


# --- small things that used to end in a traceback -------------------------------------------


@pytest.mark.parametrize("command", [["analyze", "sensitivity"], ["discover"]])
def test_an_analysis_of_a_folder_that_is_not_there_says_so(command, tmp_path, capsys):
    code, _, err = run_cli(capsys, *command, str(tmp_path / "nothere"))
    assert_one_line_error(code, err, "nothere", "no such folder")


def test_a_reader_that_goes_away_is_no_error():
    """``crmsim keys | head -1``: the pipe closes before crmsim writes; no traceback, no second error."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "keys"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    process.stdout.close()  # before crmsim has imported enough to write
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141  # 128 + SIGPIPE, as the shell's own tools end
    assert err == ""


def test_a_calibration_stopped_by_ctrl_c_says_so_in_its_manifest(pilot, capsys, monkeypatch):
    from sim.calibration import calibrate

    synthetic_log(pilot, {}, 3)
    spec = write_spec(pilot, '"behaviour.habit" = { uniform = [0.2, 0.7] }')

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(calibrate.smc, "fit", stopped)
    code, _, err = run_cli(capsys, "calibrate", str(spec), "--workers", "1", "--out", str(pilot / "out"))
    assert code == 130 and "the same command resumes" in err
    assert json.loads((pilot / "out" / "manifest.json").read_text())["status"] == "interrupted"


def test_a_calibration_stopped_by_sigterm_says_so_and_exits_143(pilot, capsys, monkeypatch):
    import os
    import signal

    from sim.calibration import calibrate

    synthetic_log(pilot, {}, 3)
    spec = write_spec(pilot, '"behaviour.habit" = { uniform = [0.2, 0.7] }')

    def terminated(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill PID` sends it, mid-fit
        raise AssertionError("SIGTERM did not stop the calibration")

    monkeypatch.setattr(calibrate.smc, "fit", terminated)
    code, _, err = run_cli(capsys, "calibrate", str(spec), "--workers", "1", "--out", str(pilot / "out"))
    assert code == 143 and "the same command resumes" in err
    assert json.loads((pilot / "out" / "manifest.json").read_text())["status"] == "interrupted"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the command's handler is gone with it


def test_a_bad_line_of_an_imported_file_is_named_once_before_the_experiment(imported, tmp_path, capsys):
    people = imported.parent / "people.csv"
    people.write_text(people.read_text(encoding="utf-8").replace(",manager,", ",boss,", 1), encoding="utf-8")
    code, _, err = run_cli(capsys, "replicate", str(imported), "-n", "2", "--out", str(tmp_path / "r"))
    assert_one_line_error(code, err, "people.csv", "role", "boss")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [["replicate"], ["compare", "--vary", "policy.sanctions=0,1"]])
def test_an_experiment_whose_runs_all_failed_says_why_in_one_line(command, tmp_path, capsys, monkeypatch):
    import sim.io.runner

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sim.io.runner, "run", boom)
    monkeypatch.setattr(sim.io.runner, "run_batch", boom)
    out = tmp_path / "r"
    code, _, err = run_cli(capsys, *command, *TINY, "-n", "2", "--workers", "1", "--out", str(out))
    assert_one_line_error(code, err, "runs", "failed; the first said: RuntimeError: boom")
    assert set(pd.read_parquet(out / "runs")["status"]) == {"failed"}  # what ran is kept


def test_a_calibration_of_an_imported_organisation_runs_from_any_folder(pilot, tmp_path, monkeypatch, capsys):
    """A strategist's own organisation: its CSV files beside the scenario, the command run elsewhere."""
    write_csv(pilot / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    write_csv(pilot / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    synthetic_log(pilot, {}, 3)  # the log of the generated pilot: the fit need not be good here
    # the pilot's scenario, its organisation imported instead of generated
    (pilot / "pilot.toml").write_text(
        '[run]\nseed = 1\nweeks = 36\n[org]\npeople_csv = "people.csv"\nedges_csv = "edges.csv"\n', encoding="utf-8"
    )
    spec = write_spec(pilot, '"behaviour.habit" = { uniform = [0.2, 0.7] }', "population = 10\ngenerations = 1")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, _, err = run_cli(capsys, "calibrate", str(spec), "--workers", "1", "--quiet", "--out", "cal")
    assert code == 0, err
    with open(pilot / "people.csv", "a", encoding="utf-8") as people:
        people.write("S9,sales,North,HQ,M1\n")
    code, _, err = run_cli(capsys, "calibrate", str(spec), "--workers", "1", "--quiet", "--out", "cal")
    assert_one_line_error(code, err, "holds another calibration")


def test_a_setting_of_a_generated_organisation_is_refused_with_an_imported_one(imported, capsys):
    """An imported organisation's size comes from its files: org.employees would be recorded, not used."""
    code, _, err = run_cli(capsys, "run", str(imported), "--set", "org.employees=5000", "--out", "x")
    assert_one_line_error(code, err, "--set", "org.employees", "not used with an imported organisation")
    with open(imported, "a", encoding="utf-8") as scenario:
        scenario.write("departments = 3\n")  # under [org], the file's last section
    code, _, err = run_cli(capsys, "show", str(imported))
    assert_one_line_error(code, err, "mine.toml", "org.departments", "not used with an imported organisation")


def test_a_run_of_a_scenario_file_without_a_name_goes_to_a_folder_of_the_files_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.toml").write_text("[run]\nweeks = 4\n[org]\nemployees = 40\n", encoding="utf-8")
        assert run_cli(capsys, "run", f"{name}.toml", "--no-plots", "--quiet")[0] == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "beta"]  # not one out/baseline


@pytest.mark.parametrize("command", [["run"], ["replicate", "-n", "1"], ["animate"], ["classroom"]])
def test_an_empty_out_is_refused_not_taken_as_the_current_folder(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, *command, "--out", "")
    assert_one_line_error(code, err, "--out", "is empty")
    assert list(tmp_path.iterdir()) == []


# --- true or false, and nothing else -----------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "0", "maybe", '"yes"', "1.0"])
def test_a_true_or_false_setting_takes_true_or_false_only(value, tmp_path, capsys):
    code, _, err = run_cli(
        capsys, "run", *TINY, "--set", f"policy.upsell_prompts={value}", "--out", str(tmp_path / "r"), "--quiet"
    )
    assert_one_line_error(code, err, "policy.upsell_prompts", "allowed: true or false")
    assert not (tmp_path / "r").exists()


def test_a_sweep_of_a_true_or_false_setting_over_numbers_is_refused(tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'name = "s"\nseed = 1\ndesign = "grid"\n[set]\n"org.employees" = 30\n"run.weeks" = 3\n'
        '[levers]\n"policy.upsell_prompts" = [0, 1]\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(capsys, "sweep", str(sweep), "--out", str(tmp_path / "o"), "--workers", "1")
    assert_one_line_error(code, err, "policy.upsell_prompts", "got 0", "allowed: true or false")
    assert not (tmp_path / "o").exists()


def test_a_true_or_false_from_a_table_is_still_true_or_false():
    """A numpy bool (as a Parquet table or a library hands it over) is a bool."""
    import numpy as np

    assert Scenario.default().with_overrides({"policy.outsourced": np.bool_(True)}).policy.outsourced is True


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["replicate", "-n", "abc", "--out", "x"], ["crmsim replicate", "invalid int value: 'abc'", "--help"]),
        (["replicate", "-n", "2"], ["crmsim replicate", "required: --out"]),
        (["frobnicate"], ["invalid choice: 'frobnicate'"]),
    ],
)
def test_a_malformed_command_line_is_one_line_too(args, words, capsys):
    from sim.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(args)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert_one_line_error(2, err, *words)


def test_ctrl_c_while_a_command_plans_or_draws_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    """Outside the runs (planning, the closing figures) Ctrl-C stops with one line and 130."""
    from sim.presentation import experiment_outputs

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment_outputs, "plot_bands", stopped)
    args = ["replicate", "-n", "2", "--set", "run.weeks=8", "--set", "org.employees=30", "--set", "org.partners=4"]
    code, _, err = run_cli(capsys, *args, "--workers", "1", "--quiet", "--out", str(tmp_path / "r"))
    assert code == 130
    assert err.strip().count("\n") == 0 and err.startswith("crmsim: stopped: interrupted") and "Traceback" not in err
    assert len(list((tmp_path / "r" / "runs").glob("part-*.parquet"))) >= 1  # the finished runs are kept


def test_a_folder_of_another_crmsim_command_is_named_as_such(tmp_path, pilot, capsys):
    out = tmp_path / "rep"
    assert run_cli(capsys, "replicate", *TINY, "-n", "2", "--workers", "1", "--out", str(out), "--quiet")[0] == 0
    code, _, err = run_cli(capsys, "compare", *TINY, "--vary", "policy.mandate=0.5,0.9", "-n", "2", "--out", str(out))
    assert_one_line_error(code, err, "rep", "holds another experiment (a replicate, ")
    code, _, err = run_cli(capsys, "run", *TINY, "--out", str(out))
    assert_one_line_error(code, err, "rep", "holds a crmsim replicate's results, not a run's")
    synthetic_log(pilot, {}, 3)
    spec = write_spec(pilot, '"behaviour.habit" = { uniform = [0.2, 0.7] }')
    code, _, err = run_cli(capsys, "calibrate", str(spec), "--out", str(out))
    assert_one_line_error(code, err, "rep", "holds a crmsim replicate's results, not a calibration's")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (PermissionError(13, "Permission denied", "nodir/summary.json"), "nodir/summary.json: Permission denied"),
        (OSError(30, "Read-only file system", "/mnt/ro/out"), "/mnt/ro/out: Read-only file system"),
    ],
)
def test_a_file_the_machine_refuses_is_one_line_wherever_it_is_met(error, words, capsys, monkeypatch):
    """A folder the user cannot read (``report`` on it was a PermissionError traceback), or a
    read-only disk met where no command foresaw it, ends in one line naming the file, and 2."""
    from sim.presentation import reports

    def refused(*args, **kwargs):
        raise error

    monkeypatch.setattr(reports, "write_report", refused)
    code, _, err = run_cli(capsys, "report", "somewhere")
    assert_one_line_error(code, err, words)


def test_sigterm_stops_a_run_with_one_line_and_leaves_no_half_written_folder(tmp_path, capsys, monkeypatch):
    """Before, SIGTERM (kill, a service manager) ended ``crmsim run`` silently and left its hidden
    temporary folder beside the output until the next run."""
    import os
    import signal

    from sim.presentation import plots

    def terminated_while_drawing(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(plots, "save_run_figures", terminated_while_drawing)
    small = ["--set", "run.weeks=8", "--set", "org.employees=30", "--set", "org.partners=4"]
    code, _, err = run_cli(capsys, "run", *small, "--quiet", "--out", str(tmp_path / "r"))
    assert code == 128 + signal.SIGTERM
    assert err.strip().count("\n") == 0 and err.startswith("crmsim: stopped: ") and "Traceback" not in err
    assert "the run was not finished" in err
    assert list(tmp_path.iterdir()) == []  # neither the run's folder nor its temporary one
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is the command's only
