"""More replications go into the folder of the same experiment: its runs are the first runs of
the larger one, so only the new ones run, and the folder ends as if the larger experiment had
been asked for at once. Fewer than a folder holds are refused in one line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.experiments.store import RunStore

TINY = ["--set", "run.weeks=10", "--set", "org.employees=40", "--set", "org.partners=8"]
TINY_SET = '[set]\n"run.weeks" = 10\n"org.employees" = 40\n"org.partners" = 8\n'
QUIET = ["--workers", "1", "--quiet"]


def same_folder(got: Path, expected: Path) -> None:
    """Runs, series and manifest (but for who ran it, when, and the hash it was begun under) equal."""
    a, b = RunStore(got), RunStore(expected)
    pd.testing.assert_frame_equal(a.read_runs(), b.read_runs())
    assert (got / "series").is_dir() == (expected / "series").is_dir()
    if (got / "series").is_dir():  # a sweep keeps no weekly series unless asked
        pd.testing.assert_frame_equal(a.read_series(), b.read_series())
    aside = ("provenance", "earlier_provenance", "timings", "experiment_hash", "begun_with_replications")
    manifests = [{k: v for k, v in s.read_manifest().items() if k not in aside} for s in (a, b)]
    assert manifests[0] == manifests[1]


def parts(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (folder / "runs").glob("part-*")}


def test_more_replications_add_runs_to_the_folder_and_equal_a_folder_made_at_once(tmp_path, capsys):
    grown, whole = tmp_path / "grown", tmp_path / "whole"
    assert main(["replicate", "-n", "3", *TINY, *QUIET, "--out", str(grown)]) == 0
    first = parts(grown)
    assert main(["replicate", "-n", "5", *TINY, *QUIET, "--out", str(grown)]) == 0
    assert {name: parts(grown)[name] for name in first} == first  # the first runs are not run or written again
    manifest = RunStore(grown).read_manifest()
    assert manifest["timings"]["ran_now"] == 2 and manifest["begun_with_replications"] == 3
    assert main(["replicate", "-n", "5", *TINY, *QUIET, "--out", str(whole)]) == 0
    same_folder(grown, whole)
    assert (grown / "bands.csv").read_text() == (whole / "bands.csv").read_text()  # the bands are of all 5
    # once grown, the same -n resumes it (nothing to run), and more grows it again
    assert main(["replicate", "-n", "5", *TINY, *QUIET, "--out", str(grown)]) == 0
    assert RunStore(grown).read_manifest()["timings"]["ran_now"] == 0
    assert main(["replicate", "-n", "6", *TINY, *QUIET, "--out", str(grown)]) == 0
    assert RunStore(grown).read_manifest()["runs"] == 6 and len(RunStore(grown).read_runs()) == 6


def test_fewer_replications_than_the_folder_holds_are_refused_and_another_experiment_still_is(tmp_path, capsys):
    out = str(tmp_path / "r")
    assert main(["replicate", "-n", "2", *TINY, *QUIET, "--out", out]) == 0
    assert main(["replicate", "-n", "4", *TINY, *QUIET, "--out", out]) == 0
    before = parts(tmp_path / "r"), (tmp_path / "r" / "manifest.json").read_text()
    capsys.readouterr()
    for fewer in ("2", "3"):  # 2 is the hash the folder was begun under: refused all the same
        assert main(["replicate", "-n", fewer, *TINY, *QUIET, "--out", out]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "replications: holds 4 replications of this experiment, not" in err, err
        assert "allowed: 4 (resumes it) or more" in err
    assert main(["replicate", "-n", "6", *TINY, "--seed", "7", *QUIET, "--out", out]) == 2
    assert "another experiment" in capsys.readouterr().err
    assert (parts(tmp_path / "r"), (tmp_path / "r" / "manifest.json").read_text()) == before  # untouched


def test_a_comparison_grows_arm_by_arm_on_the_same_seeds(tmp_path):
    grown, whole = tmp_path / "grown", tmp_path / "whole"
    arms = ["--vary", "policy.training_hours=0,16"]
    assert main(["compare", *arms, "-n", "2", *TINY, *QUIET, "--out", str(grown)]) == 0
    assert main(["compare", *arms, "-n", "4", *TINY, *QUIET, "--out", str(grown)]) == 0
    assert main(["compare", *arms, "-n", "4", *TINY, *QUIET, "--out", str(whole)]) == 0
    same_folder(grown, whole)
    assert (grown / "comparison.csv").read_text() == (whole / "comparison.csv").read_text()


def test_a_sweep_grows_by_its_replications_but_not_by_its_samples(tmp_path, capsys):
    body = f'design = "lhs"\nsamples = 3\nseed = 5\ncommon_random_numbers = false\n{TINY_SET}'
    body += '[uncertainties]\n"policy.mandate" = { uniform = [0.2, 1.0] }\n'
    files = {n: tmp_path / f"s{n}.toml" for n in (1, 3)}
    for n, path in files.items():
        path.write_text(f"replications = {n}\n" + body)
    grown, whole = tmp_path / "grown", tmp_path / "whole"
    assert main(["sweep", str(files[1]), *QUIET, "--out", str(grown)]) == 0
    assert main(["sweep", str(files[3]), *QUIET, "--out", str(grown)]) == 0
    assert main(["sweep", str(files[3]), *QUIET, "--out", str(whole)]) == 0
    same_folder(grown, whole)
    more_samples = tmp_path / "more.toml"
    more_samples.write_text("replications = 3\n" + body.replace("samples = 3", "samples = 4"))
    capsys.readouterr()
    assert main(["sweep", str(more_samples), *QUIET, "--out", str(grown)]) == 2
    assert "another experiment" in capsys.readouterr().err
