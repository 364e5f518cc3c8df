"""The experiment engine: paired arms, identical results on every backend, resume after kill -9,
failures recorded, bad sweep files rejected in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import CRMRollout, Scenario
from sim.cli import main
from sim.core.errors import InputError
from sim.experiments import designs
from sim.experiments.engine import Task, execute, run_tasks
from sim.experiments.plan import compare_plan, execute_plan, replicate_plan, sweep_plan
from sim.experiments.store import RunStore
from sim.experiments.sweepfile import SweepFile

TINY = ["--set", "run.weeks=20", "--set", "org.employees=60", "--set", "org.partners=10"]
TINY_SET = '[set]\n"run.weeks" = 20\n"org.employees" = 60\n"org.partners" = 10\n'


def runs_of(folder) -> pd.DataFrame:
    return RunStore(folder).read_runs()


def write_sweep(path: Path, body: str) -> Path:
    path.write_text(body)
    return path


# --- plans and seeds -----------------------------------------------------------------------


def test_compare_runs_every_arm_on_the_same_organisations_and_seeds():
    base = Scenario.default().with_overrides({"org.employees": 80, "org.partners": 10})
    arms = {
        "none": base.with_overrides({"policy.integration": "none"}),
        "full": base.with_overrides({"policy.integration": "full", "policy.training_hours": 24}),
    }
    tasks = list(compare_plan(arms, n=3, seed=5, baseline="none").tasks())
    by_rep: dict[int, list[Task]] = {}
    for task in tasks:
        by_rep.setdefault(task.replication, []).append(task)
    assert len({tasks_[0].seed for tasks_ in by_rep.values()}) == 3  # replications differ
    for rep_tasks in by_rep.values():
        assert {t.seed for t in rep_tasks} == {rep_tasks[0].seed}  # arms share the seed
        models = [CRMRollout(Scenario.from_dict(t.scenario), seed=t.seed) for t in rep_tasks]
        a, b = models
        assert (a.org.adjacency != b.org.adjacency).nnz == 0
        assert np.array_equal(a.org.role, b.org.role) and np.array_equal(a.state.attitude, b.state.attitude)
        assert a.settings.policy.integration != b.settings.policy.integration


def test_run_seeds_derive_from_the_experiment_seed_and_index_only():
    plan = replicate_plan(Scenario.default(), 4, seed=11)
    assert [t.seed for t in plan.tasks()] == [t.seed for t in replicate_plan(Scenario.default(), 4, seed=11).tasks()]
    assert len({t.seed for t in plan.tasks()}) == 4
    assert [t.seed for t in plan.tasks()] != [t.seed for t in replicate_plan(Scenario.default(), 4, seed=12).tasks()]


def test_designs_fill_the_unit_cube_and_map_to_the_distributions(tmp_path):
    sweep = SweepFile.load(
        write_sweep(
            tmp_path / "s.toml",
            f"""
design = "lhs"
samples = 50
seed = 3
{TINY_SET}
[uncertainties]
"policy.commitment" = {{ uniform = [0.2, 0.9] }}
"org.legacy_systems" = {{ integers = [1, 4] }}
"policy.integration" = {{ choice = ["none", "full"] }}
[levers]
"policy.training_hours" = [0, 24]
""",
        )
    )
    points = pd.DataFrame(designs.points(sweep))
    assert len(points) == 100  # 50 points x 2 lever values
    assert points["policy.commitment"].between(0.2, 0.9).all()
    assert set(points["org.legacy_systems"]) == {1, 2, 3, 4}
    assert set(points["policy.integration"]) == {"none", "full"}
    # a Latin hypercube puts exactly one point in each of the 50 strata of every column
    u = designs.unit_samples(sweep)
    assert all(len(np.unique(np.floor(u[:, j] * 50))) == 50 for j in range(3))


def test_sobol_design_has_saltellis_layout():
    u = designs.saltelli(d=3, n=8, second_order=False, seed=1)
    assert u.shape == (8 * (3 + 2), 3)
    blocks = u.reshape(8, 5, 3)
    a, b = blocks[:, 0], blocks[:, -1]
    for k in range(3):  # AB_k is A with column k from B
        expected = a.copy()
        expected[:, k] = b[:, k]
        assert np.array_equal(blocks[:, 1 + k], expected)


# --- the engine ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", [["--workers", "2"], ["--dask", "local", "--workers", "2"]])
def test_results_are_identical_whatever_the_backend_and_worker_count(tmp_path, backend):
    args = ["replicate", "-n", "6", *TINY, "--quiet"]
    assert main([*args, "--out", str(tmp_path / "one"), "--workers", "1"]) == 0
    assert main([*args, "--out", str(tmp_path / "other"), *backend]) == 0
    pd.testing.assert_frame_equal(runs_of(tmp_path / "one"), runs_of(tmp_path / "other"))
    pd.testing.assert_frame_equal(RunStore(tmp_path / "one").read_series(), RunStore(tmp_path / "other").read_series())


def test_a_run_that_raises_is_recorded_as_failed_and_the_others_go_on(tmp_path):
    good = Scenario.default().with_overrides({"run.weeks": 10, "org.employees": 40, "org.partners": 5}).resolved()
    broken = {**good, "org": {**good["org"], "people_csv": "missing.csv", "edges_csv": "missing.csv"}}
    tasks = [Task(run=i, seed=i, scenario=broken if i == 1 else good) for i in range(3)]
    plan = replicate_plan(Scenario.default(), 3)
    store = RunStore(tmp_path / "out")
    store.open("x")
    run_tasks(iter(tasks), 3, store, plan.schema())
    runs = store.read_runs()
    assert list(runs["status"]) == ["ok", "failed", "ok"]
    assert "missing.csv" in runs.loc[1, "error"] and np.isnan(runs.loc[1, "roi"])


def one_by_one(run_one, batch: list[Task]) -> list:
    """A batch function (what a worker runs) made of a one-task function: each task in turn."""
    return [run_one(task) for task in batch]


PAIRS = 2 * 45  # batch_people for batches of two runs of 40 employees and 5 partners


def test_a_worker_that_dies_is_retried(tmp_path, monkeypatch):
    from engine_helpers import die_once_on_run_3

    monkeypatch.setenv("CRMSIM_TEST_MARKER", str(tmp_path / "marker"))
    scenario = Scenario.default().with_overrides({"run.weeks": 8, "org.employees": 40, "org.partners": 5})
    plan = replicate_plan(scenario, 6)
    store = RunStore(tmp_path / "out")
    store.open(plan.hash)
    dies = partial(one_by_one, die_once_on_run_3)
    run_tasks(plan.tasks(), plan.total, store, plan.schema(), workers=2, function=dies, batch_people=PAIRS)
    runs = store.read_runs()
    assert (tmp_path / "marker").exists()  # the worker did die
    assert list(runs["run"]) == list(range(6)) and (runs["status"] == "ok").all()
    expected = pd.DataFrame([execute(t)[0] for t in plan.tasks()])
    assert np.allclose(runs["roi"], expected["roi"])


def test_a_run_whose_worker_always_dies_is_recorded_failed_after_three_attempts(tmp_path):
    from engine_helpers import always_die_on_run_2

    scenario = Scenario.default().with_overrides({"run.weeks": 8, "org.employees": 40, "org.partners": 5})
    plan = replicate_plan(scenario, 4)
    store = RunStore(tmp_path / "out")
    store.open(plan.hash)
    dies = partial(one_by_one, always_die_on_run_2)
    run_tasks(plan.tasks(), plan.total, store, plan.schema(), workers=2, function=dies, batch_people=PAIRS)
    runs = store.read_runs().set_index("run")
    assert runs.loc[2, "status"] == "failed" and "worker died" in runs.loc[2, "error"]
    assert (runs.drop(index=2)["status"] == "ok").all()


def test_a_sweep_killed_half_way_and_resumed_equals_an_uninterrupted_one(tmp_path):
    sweep = write_sweep(
        tmp_path / "s.toml",
        f"""
design = "monte_carlo"
samples = 150
seed = 9
{TINY_SET}
[uncertainties]
"policy.commitment" = {{ uniform = [0.2, 1.0] }}
"policy.training_hours" = {{ uniform = [0, 24] }}
""",
    )
    command = [sys.executable, "-m", "sim.cli", "sweep", str(sweep), "--workers", "1", "--quiet"]
    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list((killed / "runs").glob("part-*.parquet")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    partial = len(runs_of(killed))
    assert 0 < partial < 150  # killed half-way: some parts written, not all
    assert subprocess.run([*command, "--out", str(killed)]).returncode == 0
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "whole"), "--workers", "1", "--quiet"]) == 0
    resumed, whole = runs_of(killed), runs_of(tmp_path / "whole")
    assert not resumed["run"].duplicated().any()
    pd.testing.assert_frame_equal(resumed, whole)
    assert RunStore(killed).read_manifest()["status"] == "complete"


def test_a_sweep_resumes_from_its_file_anywhere_under_any_name_but_not_once_changed(tmp_path, capsys):
    """Where the sweep file lies, its name and its description are not what the experiment is:
    a copy elsewhere (another machine, another checkout) resumes the same folder; other samples do not."""
    body = f"""
design = "monte_carlo"
samples = 4
seed = 3
{TINY_SET}
[uncertainties]
"policy.mandate" = {{ uniform = [0.2, 1.0] }}
"""
    out = str(tmp_path / "out")
    first = write_sweep(tmp_path / "s.toml", 'name = "first"\n' + body)
    assert main(["sweep", str(first), "--out", out, "--workers", "1", "--quiet"]) == 0
    (tmp_path / "elsewhere").mkdir()
    moved = write_sweep(tmp_path / "elsewhere" / "renamed.toml", 'name = "renamed"\ndescription = "d"\n' + body)
    parts = sorted((tmp_path / "out" / "runs").glob("part-*"))
    assert main(["sweep", str(moved), "--out", out, "--workers", "1", "--quiet"]) == 0
    assert sorted((tmp_path / "out" / "runs").glob("part-*")) == parts  # resumed: nothing to run again
    more = write_sweep(tmp_path / "more.toml", body.replace("samples = 4", "samples = 5"))
    capsys.readouterr()
    assert main(["sweep", str(more), "--out", out, "--workers", "1", "--quiet"]) == 2
    assert "another experiment" in capsys.readouterr().err


def _hash_of_crmsim_0_1_0(plan) -> str:
    """A sweep's experiment hash as crmsim 0.1.0 computed it before this rule changed, written out
    here on its own (not by the code under test): the whole sweep definition and its file's path."""
    import hashlib
    import json

    from sim.experiments import plan as plan_module

    content = {
        "crmsim": "0.1.0",
        "kind": plan.kind,
        "seed": plan.seed,
        "replications": plan.replications,
        "crn": plan.common_random_numbers,
        "series": plan.keep_series,
        "arms": {str(a): s.resolved() for a, s in plan.arms.items()},
        "points": plan_module._table_digest(plan.points),
        "extra": plan.extra,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]


def test_a_sweep_folder_begun_when_the_hash_held_the_files_path_is_resumed(tmp_path, monkeypatch):
    """Before, a sweep's hash held its file's path: a folder begun then resumes, from the file by
    another path, from a copy elsewhere, and without its manifest."""
    import shutil

    from sim.experiments import plan as plan_module

    body = f'design = "monte_carlo"\nsamples = 4\nseed = 3\n{TINY_SET}[uncertainties]\n'
    sweep = write_sweep(tmp_path / "s.toml", body + '"policy.mandate" = { uniform = [0.2, 1.0] }\n')
    (tmp_path / "sub").mkdir()
    out = tmp_path / "out"
    with monkeypatch.context() as before:
        before.setattr(plan_module.Plan, "hash", property(_hash_of_crmsim_0_1_0))
        assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    held = RunStore(out).read_manifest()["experiment_hash"]
    parts = sorted((out / "runs").glob("part-*"))
    (tmp_path / "elsewhere").mkdir()
    copy = shutil.copy(sweep, tmp_path / "elsewhere" / "s.toml")
    for given in (sweep, tmp_path / "sub" / ".." / "s.toml", copy):
        assert main(["sweep", str(given), "--out", str(out), "--workers", "1", "--quiet"]) == 0, given
        assert sorted((out / "runs").glob("part-*")) == parts  # resumed: nothing ran again
        assert RunStore(out).read_manifest()["experiment_hash"] == held
    (out / "manifest.json").unlink()  # lost: the parts say whose they are
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert sorted((out / "runs").glob("part-*")) == parts and RunStore(out).read_manifest()["experiment_hash"] == held


def test_a_sweeps_base_may_be_a_shipped_case_and_a_wrong_one_lists_the_cases(tmp_path, capsys):
    from sim.core.scenario import Scenario

    body = f'design = "monte_carlo"\nsamples = 2\n{TINY_SET}'
    body += '[uncertainties]\n"policy.mandate" = { uniform = [0.2, 1.0] }\n'
    sweep = SweepFile.load(write_sweep(tmp_path / "case.toml", 'base = "city_council"\n' + body))
    assert sweep.base_scenario().name == Scenario.case("city_council").name
    wrong = write_sweep(tmp_path / "wrong.toml", 'base = "city_counsil"\n' + body)
    assert main(["sweep", str(wrong), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "base: no such scenario file or case" in err and "city_council" in err
    assert not (tmp_path / "o").exists()


def test_values_clipped_to_their_range_and_samples_that_draw_nothing_are_noted(tmp_path, capsys):
    from sim.experiments.plan import sweep_plan

    clip = SweepFile.load(
        write_sweep(
            tmp_path / "clip.toml",
            f'design = "monte_carlo"\nsamples = 400\n{TINY_SET}[uncertainties]\n'
            '"policy.mandate" = { normal = [0.9, 0.3] }\n"policy.sanctions" = { uniform = [0.1, 0.9] }\n',
        )
    )
    plan = sweep_plan(clip)
    at_one = int((plan.points["policy.mandate"] == 1.0).sum())
    assert 100 < at_one < 200  # about 37% of a normal(0.9, 0.3) lies above 1
    note = capsys.readouterr().err
    assert f"uncertainties.policy.mandate: {at_one} of 400 drawn values lay outside its range (>= 0 and <= 1)" in note
    assert "policy.sanctions" not in note  # inside its range: nothing to say
    nothing = SweepFile.load(write_sweep(tmp_path / "none.toml", f"samples = 4\n{TINY_SET}"))
    assert len(sweep_plan(nothing).points) == 1
    assert "samples = 4 draws nothing" in capsys.readouterr().err
    grid = f'design = "grid"\nsamples = 8\nsecond_order = true\ngrid_levels = 2\n{TINY_SET}'
    grid += '[uncertainties]\n"policy.mandate" = { uniform = [0.2, 1.0] }\n'
    sweep_plan(SweepFile.load(write_sweep(tmp_path / "grid.toml", grid)))
    note = capsys.readouterr().err
    assert 'samples is ignored by design = "grid"' in note and 'second_order is ignored by design = "grid"' in note
    assert "grid_levels" not in note  # read by the grid


def test_show_run_n_of_a_sweep_is_a_scenario_file_that_reruns_its_row(tmp_path, capsys):
    import json

    from sim.core.outcomes import OUTCOMES

    body = f'design = "lhs"\nsamples = 3\nreplications = 2\nseed = 11\n{TINY_SET}[uncertainties]\n'
    body += '"policy.mandate" = { uniform = [0.2, 1.0] }\n"policy.integration" = { choice = ["none", "full"] }\n'
    sweep = write_sweep(tmp_path / "s.toml", body)
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "sw"), "--workers", "1", "--quiet"]) == 0
    row = runs_of(tmp_path / "sw").set_index("run").loc[4]
    capsys.readouterr()
    assert main(["show", str(sweep), "--run", "4"]) == 0
    (tmp_path / "run4.toml").write_text(capsys.readouterr().out)
    shown = Scenario.load(tmp_path / "run4.toml")  # named as the run, not as the baseline it was varied from
    assert shown.name == "sweep_run4" and shown.description.startswith("Run 4 of the sweep s.toml (point")
    free = write_sweep(tmp_path / "free.toml", f'name = "Q3 study/pilot"\n{body}')  # not a folder name
    assert main(["show", str(free), "--run", "0"]) == 0
    assert 'name = "sweep_run0"' in capsys.readouterr().out
    assert main(["run", str(tmp_path / "run4.toml"), "--no-plots", "--quiet", "--out", str(tmp_path / "r4")]) == 0
    outcomes = json.loads((tmp_path / "r4" / "summary.json").read_text())["outcomes"]
    for name in OUTCOMES:
        alone, in_sweep = outcomes.get(name), row[name]
        assert (alone is None and pd.isna(in_sweep)) or alone == in_sweep, name
    assert main(["show", str(sweep), "--run", "6"]) == 2  # 3 points x 2 replications: runs 0 to 5
    assert "allowed: 0 to 5" in capsys.readouterr().err


def test_running_a_finished_experiment_again_runs_nothing(tmp_path):
    args = ["replicate", "-n", "3", *TINY, "--quiet", "--workers", "1", "--out", str(tmp_path / "r")]
    assert main(args) == 0
    parts = sorted((tmp_path / "r" / "runs").glob("part-*"))
    assert main(args) == 0
    assert sorted((tmp_path / "r" / "runs").glob("part-*")) == parts
    assert RunStore(tmp_path / "r").read_manifest()["timings"]["ran_now"] == 0


def test_a_results_folder_of_another_experiment_is_refused(tmp_path, capsys):
    out = str(tmp_path / "r")
    assert main(["replicate", "-n", "2", *TINY, "--quiet", "--workers", "1", "--out", out]) == 0
    other = ["--set", "policy.mandate=0.1"]  # (more replications of the same experiment are added to it)
    assert main(["replicate", "-n", "2", *TINY, *other, "--quiet", "--workers", "1", "--out", out]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "another experiment" in err


def test_replicate_writes_runs_series_bands_and_a_plot(tmp_path):
    out = tmp_path / "r"
    assert main(["replicate", "-n", "5", *TINY, "--quiet", "--workers", "1", "--out", str(out)]) == 0
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 5 and {"run", "seed", "verdict", "status", "roi"} <= set(runs.columns)
    bands = pd.read_parquet(out / "bands.parquet")
    assert len(bands) == 20
    assert (bands["intended_use_q05"] <= bands["intended_use_median"]).all()
    assert (bands["intended_use_median"] <= bands["intended_use_q95"]).all()
    assert (out / "bands.png").stat().st_size > 0


def test_compare_reports_paired_differences_with_intervals(tmp_path):
    out = tmp_path / "c"
    assert (
        main(
            [
                "compare",
                "--vary",
                "policy.integration=none,full",
                "-n",
                "10",  # paired.MIN_SEEDS: fewer get no interval
                "--set",
                "run.weeks=40",
                "--set",
                "org.employees=80",
                "--set",
                "org.partners=10",
                "--quiet",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out / "comparison.csv").set_index("outcome")
    use = table.loc["intended_use_last13"]
    assert use["arm"] == "policy.integration=full"
    assert use["ci_low"] <= use["mean_difference"] <= use["ci_high"]
    assert use["mean_difference"] > 0 and use["p_better"] > 0.5  # full integration raises use
    runs = pd.read_parquet(out / "runs")
    assert runs.groupby("replication")["seed"].nunique().eq(1).all()  # paired seeds
    assert (out / "comparison.md").read_text().startswith("# Paired comparison")


# --- bad sweep files ---------------------------------------------------------------------------

BAD_SWEEPS = {
    "not toml": ("design = ", None),
    "unknown key": ('design = "lhs"\nsampels = 3\n', "sampels"),
    "unknown design": ('design = "random"\n', "design"),
    "unknown scenario key": ('[uncertainties]\n"policy.budget" = { uniform = [0, 1] }\n', "policy.budget"),
    "misspelt scenario key": ('[levers]\n"policy.mandat" = [0.2, 0.8]\n', "allowed under policy: champions,"),
    "two distributions": (
        '[uncertainties]\n"policy.commitment" = { uniform = [0, 1], normal = [0, 1] }\n',
        "policy.commitment",
    ),
    "bad bounds": ('[uncertainties]\n"policy.commitment" = { uniform = [1, 0] }\n', "policy.commitment"),
    "out of range": ('[uncertainties]\n"policy.commitment" = { uniform = [0, 2] }\n', "policy.commitment"),
    "bad lever": ('[levers]\n"policy.integration" = ["none", "total"]\n', "policy.integration"),
    "a triangle of no width": (
        '[uncertainties]\n"policy.commitment" = { triangular = [0.5, 0.5, 0.5] }\n',
        "low below high",
    ),
    "a number in quotes": ('[uncertainties]\n"policy.commitment" = { uniform = ["0.2", 1.0] }\n', "a number"),
    "grid of normals": (
        'design = "grid"\n[uncertainties]\n"policy.commitment" = { normal = [0.5, 0.1] }\n',
        "policy.commitment",
    ),
}


@pytest.mark.parametrize("case", BAD_SWEEPS)
def test_malformed_sweep_files_get_one_line_errors_and_exit_2(tmp_path, capsys, case):
    body, field = BAD_SWEEPS[case]
    path = write_sweep(tmp_path / "bad.toml", body)
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err
    if field:
        assert field in err
    assert not out.exists()  # nothing written


def test_sweep_dataset_has_one_row_per_run_with_the_varied_parameters(tmp_path):
    path = write_sweep(
        tmp_path / "s.toml",
        f"""
design = "grid"
replications = 2
{TINY_SET}
[uncertainties]
"policy.integration" = {{ choice = ["none", "full"] }}
"policy.commitment" = {{ uniform = [0.2, 1.0] }}
""",
    )
    sweep = SweepFile.load(path)
    assert sweep_plan(sweep).total == 2 * 3 * 2  # choice x 3 grid levels x replications
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1"]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs")
    assert len(runs) == 12 and set(runs["policy.integration"]) == {"none", "full"}
    assert sorted(runs["policy.commitment"].unique()) == pytest.approx([0.2, 0.6, 1.0])
    manifest = RunStore(tmp_path / "out").read_manifest()
    assert manifest["design"] == "grid" and len(manifest["seeds"]["per_run"]) == 12


def test_execute_plan_refuses_a_folder_that_is_not_a_results_folder(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "note.txt").write_text("mine")
    with pytest.raises(InputError, match="not a crmsim results folder"):
        execute_plan(replicate_plan(Scenario.default(), 1), tmp_path / "stuff")
    assert (tmp_path / "stuff" / "note.txt").read_text() == "mine"


def test_sampled_numbers_fit_their_fields_whole_numbers_and_bounds(tmp_path):
    sweep = SweepFile.load(
        write_sweep(
            tmp_path / "s.toml",
            f"""
design = "monte_carlo"
samples = 200
{TINY_SET}
[uncertainties]
"org.legacy_systems" = {{ uniform = [1, 10] }}
"policy.commitment" = {{ normal = [0.5, 0.4] }}
""",
        )
    )
    points = pd.DataFrame(designs.points(sweep))
    assert all(isinstance(v, int) for v in points["org.legacy_systems"])
    assert points["policy.commitment"].between(0, 1).all()
    assert (points["policy.commitment"] == 1.0).any()  # the normal's upper tail, clipped to the bound


def test_a_sobol_design_needs_a_power_of_two(tmp_path, capsys):
    path = write_sweep(
        tmp_path / "s.toml",
        'design = "sobol"\nsamples = 10\n[uncertainties]\n"policy.commitment" = { uniform = [0, 1] }\n',
    )
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "power of 2" in capsys.readouterr().err


def test_continuous_distributions_map_quantiles_to_their_values():
    from sim.experiments.sweepfile import Distribution

    u = np.array([0.1, 0.5, 0.9])
    normal = designs.to_values(Distribution(normal=(3.0, 2.0)), u)
    assert normal[1] == pytest.approx(3.0) and normal[2] - 3.0 == pytest.approx(3.0 - normal[0])
    assert normal[2] == pytest.approx(3.0 + 2.0 * 1.2815515655446004)  # the 90% quantile of a normal
    right = designs.to_values(Distribution(triangular=(0.0, 0.0, 1.0)), u)  # mode at the low end
    assert right == pytest.approx(1.0 - np.sqrt(1.0 - u))
    flat = designs.to_values(Distribution(beta=(1.0, 1.0, 2.0, 4.0)), u)  # Beta(1, 1) on [2, 4] is uniform
    assert flat == pytest.approx(2.0 + 2.0 * u)


def test_a_draw_past_an_open_bound_takes_the_nearest_value_inside_it():
    """``> 0`` fields were not clipped: a normal prior's tail on ``behaviour.choice_sensitivity``
    stopped a calibration half-way with "got -1.58; allowed: > 0"."""
    from sim.core.scenario import Scenario

    clipped: dict[str, int] = {}
    low, inside, high = designs.fit_to_field("behaviour.choice_sensitivity", [-1.58, 3.0, 60.0], clipped)
    assert low == 1e-9 and inside == 3.0 and high == 50.0 and clipped == {"behaviour.choice_sensitivity": 2}
    whole: dict[str, int] = {}  # a whole-number field's draws are rounded, not clipped
    assert designs.fit_to_field("org.legacy_systems", [1.4, 9.6, 120.0], whole) == [1, 10, 100]
    assert whole == {"org.legacy_systems": 1}
    assert Scenario.default().with_overrides({"behaviour.choice_sensitivity": low}).behaviour.choice_sensitivity == low
