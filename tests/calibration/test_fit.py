"""A small calibration end to end: its outputs, reproducibility, resume, identifiability and misfit.

The pilot has 90 employees and 36 weeks, of which 18 are observed; populations of 40 particles
and 3 generations keep each fit to seconds.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from calibration_helpers import SCENARIO, synthetic_log, write_spec

from sim.calibration.calibrate import calibrate
from sim.calibration.predictive import QUANTILES, share_outside
from sim.cli import main

FIT = '"behaviour.habit" = { uniform = [0.1, 0.8] }\n"costs.licence_per_user_week" = { uniform = [0.0, 0.1] }'
SETTINGS = "population = 40\ngenerations = 3\npredictive_draws = 30\nseed = 4"
ARMS = '[arms]\n"policy.integration" = ["full"]'


@pytest.fixture(scope="module")
def pilot_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pilot")
    (folder / "pilot.toml").write_text(SCENARIO, encoding="utf-8")
    truth = synthetic_log(folder, {"behaviour.habit": 0.3}, seed=5)
    spec = write_spec(folder, FIT, SETTINGS, ARMS)
    assert main(["calibrate", str(spec), "--out", str(folder / "out"), "--workers", "1", "--quiet"]) == 0
    return folder, truth


def test_the_folder_holds_what_scripts_rely_on(pilot_folder):
    folder, _ = pilot_folder
    out = folder / "out"
    summary = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    for key in ("behaviour.habit", "costs.licence_per_user_week"):
        entry = summary["parameters"][key]
        assert set(entry) >= {"prior", "median", "ci50", "ci90", "contraction", "identified"}
        assert entry["ci90"][0] <= entry["ci50"][0] <= entry["median"] <= entry["ci50"][1] <= entry["ci90"][1]
    assert isinstance(summary["fit"]["misfit"], bool) and 0 <= summary["fit"]["p_value"] <= 1
    assert summary["simulations"] >= 40 * 3 and summary["method"]["name"] == "ABC-SMC"
    forecast = pd.read_parquet(out / "forecast.parquet")
    assert list(forecast.columns) == ["week", "column", "arm", *QUANTILES]
    assert set(forecast["arm"]) == {"carry_on", "policy.integration=full"}
    for (arm, column), rows in forecast.groupby(["arm", "column"]):
        assert sorted(rows["week"]) == list(range(1, 37)), (arm, column)
    assert {"intended_use", "gaming", "data_quality", "roi"} <= set(forecast["column"])
    ordered = forecast[list(QUANTILES)].to_numpy()
    assert (np.diff(ordered, axis=1) >= -1e-12).all()
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert len(posterior) == 40 and np.isclose(posterior["weight"].sum(), 1.0)
    assert {"behaviour.habit", "costs.licence_per_user_week", "weight", "seed", "distance"} <= set(posterior)
    arm = summary["arms"]["policy.integration=full"]
    assert 0 <= arm["success_probability"] <= 1 and "versus_carry_on" in arm
    for name in ("calibration_forecast.png", "calibration_posterior.png", "calibration_arms.png", "abc.db"):
        assert (out / name).is_file()


def test_a_parameter_the_log_cannot_inform_is_not_identified(pilot_folder):
    folder, _ = pilot_folder
    summary = json.loads((folder / "out" / "calibration.json").read_text(encoding="utf-8"))
    money = summary["parameters"]["costs.licence_per_user_week"]  # costs move money, not what people do
    habit = summary["parameters"]["behaviour.habit"]
    assert not money["identified"] and money["contraction"] < 0.3
    assert habit["contraction"] > money["contraction"]


def test_the_forecast_follows_on_from_the_accepted_runs(pilot_folder):
    """The forecast's observed weeks are the accepted particles' own runs, so they bracket the log."""
    folder, truth = pilot_folder
    forecast = pd.read_parquet(folder / "out" / "forecast.parquet")
    band = forecast[(forecast["arm"] == "carry_on") & (forecast["column"] == "intended_use")].set_index("week")
    unobserved = truth.set_index("week").loc[19:, "intended_use"]
    inside = ((band.loc[19:, "q05"] <= unobserved + 1e-9) & (unobserved <= band.loc[19:, "q95"] + 1e-9)).mean()
    assert inside >= 0.5  # one log: a loose bound; docs/calibration.md measures coverage over many


def test_same_seed_same_results_on_one_worker_and_two(pilot_folder, tmp_path):
    folder, _ = pilot_folder
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    spec = write_spec(tmp_path, FIT, "population = 20\ngenerations = 2\npredictive_draws = 10\nseed = 9", ARMS)
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"workers{workers}"
        assert main(["calibrate", str(spec), "--out", str(outs[workers]), "--workers", workers, "--quiet"]) == 0
    for name in ("posterior.parquet", "forecast.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(outs["1"] / name), pd.read_parquet(outs["2"] / name))
    one, two = (json.loads((outs[w] / "calibration.json").read_text(encoding="utf-8")) for w in ("1", "2"))
    for part in ("parameters", "fit", "arms", "simulations", "generations"):
        assert one[part] == two[part], part


def test_more_generations_go_on_from_the_stored_ones(pilot_folder, tmp_path):
    """The same spec asked for one more generation runs only that one, on top of the stored three."""
    folder, _ = pilot_folder
    out = tmp_path / "longer"
    shutil.copytree(folder / "out", out)
    before = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    longer = write_spec(tmp_path, FIT, SETTINGS.replace("generations = 3", "generations = 4"), ARMS)
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    summary = calibrate(longer, out)
    assert [g["t"] for g in summary["generations"]] == [0, 1, 2, 3]
    assert [g["samples"] for g in summary["generations"][:3]] == [g["samples"] for g in before["generations"]]
    assert summary["simulations"] == before["simulations"] + summary["generations"][3]["samples"]


def test_a_folder_of_another_calibration_is_refused(pilot_folder, capsys):
    folder, _ = pilot_folder
    other = write_spec(folder, FIT, SETTINGS.replace("seed = 4", "seed = 5"), ARMS)
    assert main(["calibrate", str(other), "--out", str(folder / "out"), "--quiet"]) == 2
    assert "holds another calibration" in capsys.readouterr().err
    write_spec(folder, FIT, SETTINGS, ARMS)


def test_a_log_the_model_cannot_produce_is_flagged(pilot):
    weeks = np.arange(4, 19, 2)  # from go-live (week 4): before it, use is refused outright (test_spec)
    pd.DataFrame({"week": weeks, "intended_use": 0.9, "gaming": 0.6}).to_csv(pilot / "log.csv", index=False)
    spec = write_spec(pilot, FIT, "population = 20\ngenerations = 2\npredictive_draws = 20")
    summary = calibrate(spec, pilot / "out")
    assert summary["fit"]["misfit"] is True and summary["fit"]["p_value"] < 0.01


def test_the_report_page_of_a_calibration(pilot_folder):
    folder, _ = pilot_folder
    assert main(["report", str(folder / "out"), "--quiet"]) == 0
    page = (folder / "out" / "report.html").read_text(encoding="utf-8")
    for words in ("What the log pins down", "behaviour.habit", "Does the model reproduce the log?", "P(success)"):
        assert words in page
    assert page.count("data:image/png;base64,") == 3
    # a difference of two shares is in percentage points, not a percentage of the baseline
    assert "difference from carrying on (points)" in page
    assert re.search(r"[+-]\d+\.\d pts \([+-]\d+\.\d to [+-]\d+\.\d\)", page)


def test_killed_with_sigkill_and_resumed_ends_as_if_never_stopped(pilot_folder, tmp_path):
    """kill -9 once a generation is stored; the same command then ends with the same posterior."""
    folder, _ = pilot_folder
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "sim.cli", "calibrate", str(folder / "spec.toml"), "--out", str(out),
               "--workers", "1", "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None and not _stored_generations(out / "abc.db"):
            time.sleep(0.2)
    finally:
        process.kill()
        process.wait()
    assert main(command[3:]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(folder / "out" / "posterior.parquet"), pd.read_parquet(out / "posterior.parquet")
    )
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "complete"


def _stored_generations(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
            return connection.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_the_same_command_on_a_complete_folder_runs_nothing(pilot_folder):
    folder, _ = pilot_folder
    written = (folder / "out" / "posterior.parquet").stat().st_mtime_ns
    assert main(["calibrate", str(folder / "spec.toml"), "--out", str(folder / "out"), "--quiet"]) == 0
    assert (folder / "out" / "posterior.parquet").stat().st_mtime_ns == written


def test_a_rounded_log_is_not_counted_outside_a_band_of_no_width():
    """Who is live in a pilot is the same in every run (90 of 301); a log gives it as 0.2990."""
    runs = np.column_stack([np.full(50, 90 / 301), np.linspace(0.2, 0.4, 50)])  # (runs, cells)
    assert share_outside(np.array([0.2990, 0.30]), runs) == 0.0  # rounded: inside
    assert share_outside(np.array([0.30, 0.30]), runs) == 0.0  # to whole percentages: inside
    assert share_outside(np.array([0.31, 0.30]), runs) == 0.5  # a point off: outside
    assert share_outside(np.array([0.2990, 0.45]), runs) == 0.5  # beyond the band of a varying share


def test_other_arms_take_the_fit_of_a_finished_calibration_as_a_fit_would_make_them(pilot_folder, tmp_path, capsys):
    """A strategist who thinks of another arm after fitting: --fit-from takes the posterior of the
    finished calibration; the forecast and the arms are those a fit from scratch makes (seeded)."""
    folder, _ = pilot_folder
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    arms = '[arms]\n"policy.integration" = ["full"]\n[arms.push]\n"policy.sanctions" = 0.5\n"policy.mandate" = 0.9'
    settings = SETTINGS.replace("predictive_draws = 30", "predictive_draws = 20") + "\nforecast_weeks = 10"
    spec = write_spec(tmp_path, FIT, settings, arms)
    reused, scratch = tmp_path / "reused", tmp_path / "scratch"
    code, out, _ = run(capsys, "calibrate", str(spec), "--out", str(reused), "--fit-from", str(folder / "out"))
    assert code == 0 and f"the fit of {folder / 'out'}" in out
    assert main(["calibrate", str(spec), "--out", str(scratch), "--quiet"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(reused / "posterior.parquet"), pd.read_parquet(folder / "out" / "posterior.parquet")
    )
    for name in ("posterior.parquet", "forecast.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(reused / name), pd.read_parquet(scratch / name))
    one, two = (json.loads((d / "calibration.json").read_text(encoding="utf-8")) for d in (reused, scratch))
    for part in ("parameters", "fit", "arms", "simulations", "generations", "effective_sample_size"):
        assert one[part] == two[part], part
    assert set(one["arms"]) == {"carry_on", "policy.integration=full", "push"}
    assert not (reused / "abc.db").exists()  # nothing was fitted there


@pytest.mark.parametrize(
    "change, fragment",
    [
        ("seed = 4", "holds another fit"),  # the search differs
        ("population = 40", "holds another fit"),
    ],
)
def test_the_fit_of_another_calibration_is_refused(pilot_folder, tmp_path, capsys, change, fragment):
    folder, _ = pilot_folder
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    other = {"seed = 4": "seed = 5", "population = 40": "population = 30"}[change]
    spec = write_spec(tmp_path, FIT, SETTINGS.replace(change, other), ARMS)
    code, _, err = run(capsys, "calibrate", str(spec), "--out", str(tmp_path / "o"), "--fit-from", str(folder / "out"))
    assert code == 2 and fragment in err and str(folder / "out") in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # refused before the folder is touched
    code, _, err = run(capsys, "calibrate", str(spec), "--out", str(tmp_path / "o"), "--fit-from", str(tmp_path))
    assert code == 2 and "not a calibration folder" in err


def run(capsys, *args):
    code = main([*args, "--workers", "1"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_fit_of_a_calibration_in_progress_is_not_read_and_no_other_folder_is_written(
    pilot_folder, tmp_path, capsys
):
    from sim.experiments.store import FolderLock

    folder, _ = pilot_folder
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    spec = write_spec(tmp_path, FIT, SETTINGS, ARMS)
    holder = FolderLock(folder / "out")
    holder.acquire(wait=False)  # a calibration resuming there, with more generations
    try:
        code, _, err = run(
            capsys, "calibrate", str(spec), "--out", str(tmp_path / "o"), "--fit-from", str(folder / "out")
        )
    finally:
        holder.release()
    assert code == 2 and "in use by a calibration" in err and not (tmp_path / "o").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "calibrate", str(spec), "--out", str(tmp_path / "p"), "--fit-from", str(mine))
    assert code == 2 and "not a calibration folder" in err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]  # no lock file left in someone else's folder


def test_a_users_change_to_a_result_or_the_report_is_never_written_over(pilot_folder, tmp_path, capsys):
    """A calibration run again (here asked for one more generation) refuses, before it runs, to
    write anew a result or a report changed since crmsim wrote it; unchanged, the report is made
    anew for the new results."""
    folder, _ = pilot_folder
    out = tmp_path / "edited"
    shutil.copytree(folder / "out", out)
    assert main(["report", str(out), "--quiet"]) == 0
    longer = write_spec(tmp_path, FIT, SETTINGS.replace("generations = 3", "generations = 4"), ARMS)
    for name in ("pilot.toml", "log.csv"):
        shutil.copy(folder / name, tmp_path / name)
    command = ["calibrate", str(longer), "--out", str(out), "--workers", "1", "--quiet"]
    for name in ("calibration.json", "report.html", "calibration_forecast.png"):
        path = out / name
        kept = path.read_bytes()
        path.write_bytes(kept + b"\n")  # a user's change
        assert main(command) == 2
        assert f"{name}: was changed after crmsim wrote it" in capsys.readouterr().err
        assert path.read_bytes() == kept + b"\n" and _stored_generations(out / "abc.db") == 3  # nothing ran
        path.write_bytes(kept)
    assert main(command) == 0
    assert "in 4 generations" in re.sub(r"\s+", " ", (out / "report.html").read_text(encoding="utf-8"))


def test_the_report_of_a_calibration_that_has_not_finished_says_so(pilot_folder, tmp_path):
    folder, _ = pilot_folder
    out = tmp_path / "unfinished"
    shutil.copytree(folder / "out", out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "interrupted"}), encoding="utf-8")
    assert main(["report", str(out), "--out", str(tmp_path / "page.html"), "--quiet"]) == 0
    page = re.sub(r"\s+", " ", (tmp_path / "page.html").read_text(encoding="utf-8"))
    assert "This calibration has not finished" in page and "Its folder says interrupted: run the same" in page


def test_the_report_of_a_one_generation_fit_says_it_is_the_prior(pilot_folder, tmp_path):
    """A fit stopped after its first generation (``generations = 1``, or a simulation budget spent
    there) has no distance limit yet: its epsilon is stored as null, and the page says so."""
    folder, _ = pilot_folder
    out = tmp_path / "first_generation"
    shutil.copytree(folder / "out", out)
    summary = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    summary["generations"] = [{**summary["generations"][0], "epsilon": None}]
    (out / "calibration.json").write_text(json.dumps(summary), encoding="utf-8")
    assert main(["report", str(out), "--out", str(tmp_path / "page.html"), "--quiet"]) == 0
    page = re.sub(r"\s+", " ", (tmp_path / "page.html").read_text(encoding="utf-8"))
    assert "The search: 1 generation," in page and "so the fit is still the prior, not yet narrowed by the log" in page
