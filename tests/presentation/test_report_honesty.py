"""Report pages say no more than the runs allow: runs that never went live are not failures,
few seeds get no interval, and runs that are no independent draws get no binomial interval."""

from __future__ import annotations

import re

import pytest
from cli_helpers import run_cli

TINY = ["--set", "org.employees=40", "--set", "org.partners=6", "--set", "run.weeks=12", "--workers", "1", "--quiet"]


def page(folder) -> str:
    return re.sub(r"\s+", " ", (folder / "report.html").read_text(encoding="utf-8"))


def test_a_comparison_with_an_arm_that_never_went_live_and_few_seeds(tmp_path, capsys):
    out = tmp_path / "cmp"
    code, _, err = run_cli(capsys, "compare", *TINY, "--vary", "policy.go_live_week=4,30", "-n", "3", "--out", str(out))
    assert code == 0, err
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0
    html = page(out)
    assert "too few seeds" in html
    assert "only the arm succeeded" in html and "p (paired)" in html  # success compared seed by seed
    # the arm that went live after the run: none of its 3 runs judged, all 3 undetermined
    assert re.search(r"policy.go_live_week=30</td><td[^>]*>0</td><td[^>]*>3</td><td[^>]*>n/a", html), html[:3000]
    md = (out / "comparison.md").read_text(encoding="utf-8")
    assert "| too few seeds |" in md
    # no seed on which both arms have a use: n/a, not "nan"
    assert "| policy.go_live_week=30 | intended_use_last13 | 0 | n/a | n/a | n/a | n/a |" in md and "nan" not in md
    # nor in the page: the arm's interval says why there is none, and no seed was judged in both to test
    assert "n/a: no seed with a value in both" in html and not re.search(r">\s*nan\b|\bnan%", html.lower())
    assert "n/a: no seed judged in both" in html and "| n/a |" in md.split("Success seed by seed")[1]


def test_a_replication_that_never_went_live_has_no_failure_rate(tmp_path, capsys):
    out = tmp_path / "rep"
    loud = [a for a in TINY if a != "--quiet"]  # its closing lines too
    args = ["replicate", *loud, "--set", "policy.go_live_week=30", "-n", "3", "--out", str(out)]
    code, text, err = run_cli(capsys, *args)
    assert code == 0 and "nan" not in text.lower() and "Warning" not in err
    assert "3 ended before the CRM went live" in text and "using the CRM as designed" not in text
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0
    html = page(out)
    assert "No judged run has finished yet. 3 runs ended before the CRM went live" in html
    assert "failure rate of" not in html


@pytest.mark.parametrize(("design", "interval"), [("monte_carlo", True), ("sobol", False)])
def test_a_sweep_gives_a_binomial_interval_only_for_independent_runs(design, interval, tmp_path, capsys):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        f'design = "{design}"\nsamples = 4\n[set]\n"org.employees" = 40\n"org.partners" = 6\n"run.weeks" = 12\n'
        '[uncertainties]\n"policy.commitment" = { uniform = [0.2, 1.0] }\n'
        '"policy.mandate" = { uniform = [0.2, 1.0] }\n',
        encoding="utf-8",
    )
    out = tmp_path / "sw"
    assert run_cli(capsys, "sweep", str(sweep), "--workers", "1", "--quiet", "--out", str(out))[0] == 0
    assert run_cli(capsys, "report", str(out), "--quiet")[0] == 0
    html = page(out)
    assert ("95% interval" in html.split("How often the rollout failed")[1].split("</p>")[0]) is interval
    assert ("not independent draws" in html) is not interval


def test_runs_that_never_went_live_have_no_use_or_return_and_are_left_out_of_the_analyses(tmp_path, capsys):
    """Not 0.0: a run that ended before the CRM went live has no intended use and no return
    (NaN in the runs table, null in a summary); its success has no value, so Sobol' indices of
    success are not computed over it, and discovery on the verdict leaves it out, saying so."""
    import json

    import numpy as np
    import pandas as pd

    from sim.analysis.sensitivity import outcome_values

    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'design = "monte_carlo"\nsamples = 24\nseed = 5\n'
        '[set]\n"run.weeks" = 12\n"org.employees" = 40\n"org.partners" = 6\n'
        '[uncertainties]\n"policy.go_live_week" = { integers = [2, 20] }\n"policy.mandate" = { uniform = [0.0, 1.0] }\n'
    )
    out = tmp_path / "sw"
    assert run_cli(capsys, "sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet")[0] == 0
    runs = pd.read_parquet(out / "runs")
    never = runs["policy.go_live_week"] > 12
    assert never.any() and (~never).any()
    assert (runs.loc[never, "verdict"] == "undetermined").all()
    for column in ("intended_use_last13", "roi", "gaming_last13"):
        assert runs.loc[never, column].isna().all() and runs.loc[~never, column].notna().all(), column
    assert runs.loc[never, "data_quality_last13"].notna().all()  # the data were there before the CRM
    assert np.isnan(outcome_values(runs, "success")[never]).all()
    code, _, err = run_cli(capsys, "discover", str(out), "--outcome", "verdict=failure", "--quiet")
    judged = int((~never).sum())  # twelve weeks are too few to succeed: every judged run fails
    left_out = f"left out: {int(never.sum())} undetermined runs"
    assert code == 2 and f"every run is in the condition verdict=failure ({judged} of {judged}; {left_out})" in err
    # half use never reached within twelve weeks is later than any week, not a missing value
    code, _, err = run_cli(capsys, "discover", str(out), "--outcome", "weeks_to_half_use>5", "--quiet")
    assert runs.loc[~never, "weeks_to_half_use"].isna().all()
    assert code == 2 and f"every run is in the condition weeks_to_half_use>5 ({judged} of {judged}; {left_out})" in err
    single = tmp_path / "run"
    args = ["run", "--set", "run.weeks=10", "--set", "policy.go_live_week=30", "--set", "org.employees=40"]
    code, text, _ = run_cli(capsys, *args, "--set", "org.partners=6", "--no-plots", "--out", str(single))
    assert code == 0 and "week 10: the CRM not live yet, data quality" in text
    outcomes = json.loads((single / "summary.json").read_text())["outcomes"]
    from sim.core.metrics import share_columns

    for column in share_columns():  # every share of those live, its last week and its last quarter
        assert outcomes[column] is None and outcomes[f"{column}_last13"] is None, column
    assert outcomes["roi"] is None and outcomes["benefits_realised"] is None and outcomes["peak_gaming"] is None
    assert outcomes["data_quality_last13"] is not None and outcomes["total_costs"] is not None


def test_an_unfinished_experiment_is_counted_from_its_saved_runs_and_a_dead_one_is_told_apart(tmp_path, capsys):
    """The manifest's counts are those of when it was written (at the start, for a command still
    running or killed); the page counts the runs saved, and says whether a command still runs it."""
    import json

    from sim.experiments.store import FolderLock

    out = tmp_path / "rep"
    assert run_cli(capsys, "replicate", *TINY, "-n", "3", "--out", str(out))[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running", "finished_runs": 0, "runs": 5}))
    (out / "report.html").unlink(missing_ok=True)
    assert run_cli(capsys, "report", str(out), "--out", str(tmp_path / "dead.html"), "--quiet")[0] == 0
    dead = re.sub(r"\s+", " ", (tmp_path / "dead.html").read_text(encoding="utf-8"))
    assert "stopped before it finished (no command is running it): 3 of 5 runs are done so far" in dead
    lock = FolderLock(out)
    lock.acquire(wait=False)  # as a command running it holds it
    try:
        assert run_cli(capsys, "report", str(out), "--out", str(tmp_path / "live.html"), "--quiet")[0] == 0
    finally:
        lock.release()
    live = re.sub(r"\s+", " ", (tmp_path / "live.html").read_text(encoding="utf-8"))
    assert "still running: 3 of 5 runs are done so far" in live
