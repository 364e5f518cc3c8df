"""Sensitivity analysis (SALib), scenario discovery (PRIM, EMA Workbench) and the EMA model wrapper.

Each sweep is tiny (60 employees, 20 weeks) and runs once per module, in-process.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main

pytest.importorskip("SALib")
pytest.importorskip("ema_workbench")

# The analyses are checked against a driver known to be strong: integration, delivered at
# go-live (no interfaces left to build, which would take longer than these 20 weeks).
TINY = """
[set]
"org.employees" = 60
"org.partners" = 10
"run.weeks" = 20
"governance.unfinished_interfaces" = 0.0
"""


def _sweep(folder: Path, name: str, head: str, body: str, set_extra: str = "") -> Path:
    """Write a sweep file on the tiny organisation and run it into folder/name."""
    path = folder / f"{name}.toml"
    path.write_text(f'name = "{name}"\n{head}\n{TINY}{set_extra}\n{body}\n', encoding="utf-8")
    out = folder / name
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sweeps")
    return {
        # 16 base samples x (2 D + 2) = 96 runs
        "sobol": _sweep(
            folder,
            "sobol",
            'seed = 3\ndesign = "sobol"\nsamples = 16\nsecond_order = true',
            '[uncertainties]\n"policy.integration" = { choice = ["none", "partial", "full"] }\n'
            '"network.rewire" = { uniform = [0.0, 1.0] }',
        ),
        # 8 trajectories x (D + 1) x 2 lever values = 64 runs
        "morris": _sweep(
            folder,
            "morris",
            'seed = 4\ndesign = "morris"\nsamples = 8',
            '[uncertainties]\n"policy.integration" = { choice = ["none", "partial", "full"] }\n'
            '"network.rewire" = { uniform = [0.0, 1.0] }\n"org.legacy_systems" = { integers = [1, 10] }\n'
            '[levers]\n"policy.sanctions" = [0.0, 0.8]',
        ),
        # 60 runs; success judged on use alone (no ROI is positive after 20 weeks)
        "mc": _sweep(
            folder,
            "mc",
            'seed = 5\ndesign = "monte_carlo"\nsamples = 60',
            '[uncertainties]\n"policy.integration" = { choice = ["none", "partial", "full"] }\n'
            '"policy.training_hours" = { uniform = [0, 40] }',
            set_extra='"verdict.min_roi" = -10\n',
        ),
    }


def _one_line_error(capsys, *fragments: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("crmsim: error: ")
    for fragment in fragments:
        assert fragment in err, err
    return err


# --- sensitivity ---------------------------------------------------------------------------------


def test_sobol_indices_rank_a_strong_driver_above_a_weak_one(sweeps, capsys):
    folder = sweeps["sobol"]
    assert main(["analyze", "sensitivity", str(folder), "--method", "sobol"]) == 0
    out = capsys.readouterr().out
    assert "## intended_use_last13" in out and "| policy.integration |" in out and "Second-order" in out
    table = pd.read_csv(folder / "sensitivity_sobol.csv", keep_default_na=False, na_values=[""])
    assert set(table["outcome"]) == {"intended_use_last13", "roi", "data_quality_last13", "gaming_last13"}
    assert set(table["parameter"]) == {"policy.integration", "network.rewire"}
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    use = table[table["outcome"] == "intended_use_last13"].set_index("parameter")
    assert use.loc["policy.integration", "ST"] > use.loc["network.rewire", "ST"] + 0.3
    assert use.loc["policy.integration", "S1"] > use.loc["network.rewire", "S1"]
    s2 = pd.read_csv(folder / "sensitivity_sobol_s2.csv")
    assert len(s2) == 4 and np.isfinite(s2["S2"]).all()  # one pair per outcome
    for suffix in ("md", "png"):
        assert (folder / f"sensitivity_sobol.{suffix}").stat().st_size > 0
    # each outcome's table warns exactly when its intervals are too wide to rank by
    sections = out.split("## ")[1:]
    for (outcome, rows), section in zip(table.groupby("outcome", sort=False), sections, strict=True):
        assert section.startswith(outcome)
        assert ("Caution: intervals up to" in section) == (rows["ST_conf"].max() > 0.1)


def test_morris_screens_per_lever_combination(sweeps):
    from sim.analysis.sensitivity import analyze, to_markdown, write_outputs

    result = analyze(sweeps["morris"], outcomes=["intended_use_last13", "success"])  # method: the sweep's design
    assert result.method == "morris"
    text = to_markdown(result)
    assert "Caution: 8 trajectories; Morris screening is usually run on 10" in text  # 8 drawn
    assert "mu* and sigma of parameters that matter little are inflated" in text and "ST" not in text
    table = result.table
    assert set(table["levers"]) == {"policy.sanctions=0.0", "policy.sanctions=0.8"}
    use = table[table["outcome"] == "intended_use_last13"]
    assert np.isfinite(use[["mu_star", "mu_star_conf", "sigma"]].to_numpy()).all()
    for _, block in use.groupby("levers"):
        block = block.set_index("parameter")
        assert block.loc["policy.integration", "mu_star"] > block.loc["network.rewire", "mu_star"]
        assert block.loc["policy.integration", "mu_star"] > block.loc["org.legacy_systems", "mu_star"]
    # success (1/0) is an outcome too; a constant one is reported, not an error
    success = table[table["outcome"] == "success"]
    assert (success["note"].str.startswith("constant") | np.isfinite(success["mu_star"])).all()
    _, written = write_outputs(result)
    stem = "sensitivity_morris_intended_use_last13+success"  # not the defaults: files of their own, sorted
    assert [p.name for p in written] == [f"{stem}.csv", f"{stem}.md", f"{stem}.png"]
    _, default = write_outputs(analyze(sweeps["morris"]))  # the default outcomes keep the plain name,
    assert [p.name for p in default][0] == "sensitivity_morris.csv"
    assert all(p.exists() for p in written)  # and the other analysis is kept beside them
    from sim.core.outcomes import OUTCOMES

    every = [*OUTCOMES, "success"]  # more than a file name holds: named by a digest of the set
    _, many = write_outputs(analyze(sweeps["morris"], outcomes=every))
    assert many[0].name.startswith(f"sensitivity_morris_{len(every)}-outcomes-") and len(many[0].name) < 60


@pytest.mark.parametrize(
    ("sweep", "method", "fragments"),
    [
        ("morris", "sobol", ['design = "morris"', '"sobol"']),
        ("mc", "sobol", ['design = "monte_carlo"']),
        ("sobol", "morris", ['design = "sobol"']),
        ("mc", None, ["monte_carlo", "sobol or morris"]),
    ],
)
def test_sensitivity_of_a_sweep_drawn_with_another_design_is_refused(sweeps, capsys, sweep, method, fragments):
    args = ["analyze", "sensitivity", str(sweeps[sweep])] + (["--method", method] if method else [])
    assert main(args) == 2
    _one_line_error(capsys, *fragments)


def test_sensitivity_needs_every_run_and_no_failures(sweeps, tmp_path, capsys):
    incomplete = tmp_path / "incomplete"
    shutil.copytree(sweeps["sobol"], incomplete)
    parts = sorted((incomplete / "runs").glob("part-*.parquet"))
    parts[-1].unlink()
    assert main(["analyze", "sensitivity", str(incomplete), "--method", "sobol"]) == 2
    _one_line_error(capsys, "runs missing", "crmsim sweep")

    failed = tmp_path / "failed"
    shutil.copytree(sweeps["sobol"], failed)
    part = sorted((failed / "runs").glob("part-*.parquet"))[0]
    frame = pd.read_parquet(part)
    frame.loc[2, ["status", "error"]] = ["failed", "ValueError: boom"]
    frame.to_parquet(part)
    assert main(["analyze", "sensitivity", str(failed), "--method", "sobol"]) == 2
    _one_line_error(capsys, "1 of 96 runs failed", "boom")


def test_a_sobol_sweep_with_draws_clipped_to_their_range_is_analysed(tmp_path, capsys):
    """A normal's tails are set to the field's bound when drawn; the design is matched as run."""
    sweep = tmp_path / "clip.toml"
    sweep.write_text(
        'design = "sobol"\nsamples = 4\nseed = 1\n[set]\n"run.weeks" = 10\n"org.employees" = 30\n'
        '"org.partners" = 4\n[uncertainties]\n"policy.commitment" = { normal = [0.9, 0.3] }\n'
        '"policy.mandate" = { uniform = [0.2, 1.0] }\n'
    )
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "were set to its bound" in capsys.readouterr().err
    assert main(["analyze", "sensitivity", str(out), "--outcome", "data_quality_last13", "--quiet"]) == 0
    assert (out / "sensitivity_sobol_data_quality_last13.csv").exists()


def test_a_rare_outcome_constant_on_the_base_samples_is_not_given_indices_of_zero(sweeps, monkeypatch):
    """Saltelli's A and B rows all 0 and one AB row 1: SALib would return every index as 0 with
    nothing wide about it, which reads as "no parameter matters"."""
    from sim.analysis import sensitivity

    def rare(runs, name):
        return (runs["point"] == 1).astype(float)  # the first AB row of the first base sample

    monkeypatch.setattr(sensitivity, "outcome_values", rare)
    result = sensitivity.analyze(sweeps["sobol"], outcomes=["success"])
    assert result.table["S1"].isna().all() and result.table["ST"].isna().all()
    assert result.table["note"].iloc[0].startswith("constant on the design's base samples")
    assert "only 1 of 96 points differ" in sensitivity.to_markdown(result)


def test_a_point_with_a_replication_without_a_value_has_no_value():
    """Not the mean of the replications that have one: that would be the point's luckiest runs."""
    from sim.analysis.sensitivity import point_means

    values = pd.Series([10.0, np.nan, np.nan, 3.0, 5.0, 7.0])
    means = point_means(values, pd.Series([1, 1, 1, 0, 0, 2]))
    assert np.isnan(means[1]) and means[0] == 4.0 and means[2] == 7.0


def test_indices_without_common_random_numbers_say_that_chance_inflates_them(sweeps):
    from sim.analysis.sensitivity import analyze, to_markdown, write_outputs
    from sim.presentation.reports.pages import sweep_report

    result = analyze(sweeps["sobol"], outcomes=["intended_use_last13"])
    assert not result.common_random_numbers  # the sweep's default
    assert "common_random_numbers = false" in to_markdown(result)
    write_outputs(result)
    page = sweep_report(sweeps["sobol"])  # the report shows it before the collapsed table, not in it
    assert page.index("common_random_numbers = false") < page.index("The indices as a table")
    result.common_random_numbers = True
    assert "common_random_numbers" not in to_markdown(result)


def test_sensitivity_bad_input_gives_one_line(sweeps, tmp_path, capsys):
    assert main(["analyze", "sensitivity", str(sweeps["sobol"]), "--outcome", "happiness"]) == 2
    _one_line_error(capsys, "happiness", "allowed:", "success")
    assert main(["analyze", "sensitivity", str(tmp_path / "nothing")]) == 2
    _one_line_error(capsys, "nothing: no such folder")
    (tmp_path / "empty").mkdir()
    assert main(["analyze", "sensitivity", str(tmp_path / "empty")]) == 2
    _one_line_error(capsys, "not a crmsim results folder")


def test_missing_salib_says_how_to_install_it(sweeps, capsys, monkeypatch):
    for name in ("SALib", "SALib.analyze"):
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["analyze", "sensitivity", str(sweeps["sobol"])]) == 2
    _one_line_error(capsys, "SALib", "crmsim[analysis]")


# --- discovery -----------------------------------------------------------------------------------


@pytest.mark.parametrize("condition", ["verdict=failure", "intended_use_last13<0.4"])
def test_discovery_finds_the_integration_box(sweeps, capsys, condition):
    folder = sweeps["mc"]
    assert main(["discover", str(folder), "--outcome", condition]) == 0
    out = capsys.readouterr().out
    assert "## Box 1" in out and "policy.integration" in out
    table = pd.read_csv(folder / "discovery.csv", keep_default_na=False)
    first = table[table["box"] == 1]
    assert "policy.integration" in set(first["parameter"])
    integration = first.set_index("parameter").loc["policy.integration"]
    assert integration["kind"] == "categorical"
    assert "full" in integration["excluded"].split("|") and "full" not in integration["allowed"].split("|")
    for column in ("coverage", "density", "mass"):
        assert table[column].between(0, 1).all()
    assert first["density"].iloc[0] >= 0.8
    assert (folder / "discovery.md").exists() and (folder / "discovery.png").stat().st_size > 0


def test_analyses_never_write_over_a_file_they_did_not_write(sweeps, tmp_path, capsys):
    folder = tmp_path / "mc"
    shutil.copytree(sweeps["mc"], folder)
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 0
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 0  # its own: replaced
    capsys.readouterr()
    record = folder / ".crmsim-written.json"
    for name, own in (("discovery.md", b"MY OWN discovery notes\n"), ("discovery.png", b"\x89PNG my figure")):
        mine = folder / name
        kept, recorded = mine.read_bytes(), record.read_bytes()
        mine.write_bytes(own)
        before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 2
        line = _one_line_error(capsys)
        assert line == (  # crmsim recorded what it wrote there, and this is not it
            f"crmsim: error: {mine}: was changed after crmsim wrote it, and crmsim discover would write it anew; "
            "allowed: move it aside (or delete it) and run the command again"
        )
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before  # nothing written
        record.unlink()  # as an earlier crmsim left it, without a record: judged by how the file begins
        assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 2
        line = _one_line_error(capsys)
        assert line == (
            f"crmsim: error: crmsim discover: {mine}: exists and is not a discover output crmsim wrote; "
            "allowed: a new file, or a discover output crmsim wrote (it is replaced)"
        )
        mine.write_bytes(kept)
        record.write_bytes(recorded)
    sobol = tmp_path / "sobol"
    shutil.copytree(sweeps["sobol"], sobol)
    (sobol / "sensitivity_sobol.csv").write_text("my,own\n1,2\n")
    before = {p.name: p.read_bytes() for p in sobol.iterdir() if p.is_file()}
    assert main(["analyze", "sensitivity", str(sobol), "--method", "sobol", "--quiet"]) == 2
    _one_line_error(capsys, "sensitivity_sobol.csv: ", "crmsim analyze sensitivity")  # by its record, or its header
    assert {p.name: p.read_bytes() for p in sobol.iterdir() if p.is_file()} == before


def test_a_figure_of_an_earlier_crmsim_beside_its_text_is_replaced(sweeps, tmp_path, capsys):
    """Figures written before crmsim marked them carry matplotlib's mark only; beside the text
    crmsim wrote with them they are crmsim's, and re-running the analysis replaces them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = tmp_path / "mc"
    shutil.copytree(sweeps["mc"], folder)
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 0
    (folder / ".crmsim-written.json").unlink()  # an earlier crmsim kept no record of what it wrote
    fig = plt.figure()
    fig.savefig(folder / "discovery.png")  # as an earlier crmsim saved it: no crmsim mark
    plt.close(fig)
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 0
    from sim.io.output import is_crmsim_png

    assert is_crmsim_png(folder / "discovery.png")
    (folder / "discovery.md").write_text("my notes\n")  # without crmsim's text beside it, the figure is not taken
    fig = plt.figure()
    fig.savefig(folder / "discovery.png")
    plt.close(fig)
    capsys.readouterr()
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 2
    _one_line_error(capsys, "discovery.md")


def test_discovery_of_an_unfinished_sweep_says_it_describes_part_of_the_design(sweeps, tmp_path, capsys):
    folder = tmp_path / "unfinished"
    shutil.copytree(sweeps["mc"], folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    done, manifest["runs"], manifest["status"] = manifest["runs"], 90, "interrupted"  # as if stopped at 60 of 90
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 0
    warning = capsys.readouterr().err.strip()
    assert len(warning.splitlines()) == 1 and "warning" in warning and "(interrupted)" in warning
    assert f"{done} of its 90 planned runs" in warning
    assert (
        (folder / "discovery.md")
        .read_text(encoding="utf-8")
        .split("\n")[2]
        .startswith("**Caution: the experiment is unfinished")
    )
    # a condition that the runs done so far all meet says they are part of the design only
    assert main(["discover", str(folder), "--outcome", "intended_use_last13>=0", "--quiet"]) == 2
    assert f"only {done} of the 90 planned runs are done" in capsys.readouterr().err


def test_an_analysis_that_cannot_write_its_files_says_so_in_one_line(sweeps, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "mc"
    shutil.copytree(sweeps["mc"], folder)

    def read_only(src, dst):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("sim.io.output.os.replace", read_only)
    assert main(["discover", str(folder), "--outcome", "verdict=failure", "--quiet"]) == 2
    _one_line_error(capsys, str(folder), "cannot be written: Read-only file system")  # its record or its table
    assert main(["report", str(folder), "--quiet"]) == 2
    _one_line_error(capsys, str(folder), "cannot be written: Read-only file system")  # its record or the page
    assert not [p for p in folder.iterdir() if p.name.startswith(".tmp-")]  # no temporary left


def test_discovery_python_api_reports_boxes_with_limits(sweeps):
    from sim.analysis.discovery import discover

    result = discover(sweeps["mc"], "verdict=failure", threshold=0.9, max_boxes=2)
    assert result.runs == 60 and 0 < result.cases < 60
    box = result.boxes[0]
    assert 0 < box.coverage <= 1 and 0.9 <= box.density <= 1 and 0 < box.mass <= 1
    assert box.cases <= box.runs
    limits = {limit["parameter"]: limit for limit in box.limits}
    assert "full" in limits["policy.integration"]["excluded"]
    assert result.trajectory is not None and {"coverage", "density"} <= set(result.trajectory.columns)


def test_a_later_discovery_box_says_it_was_found_among_the_runs_outside_the_earlier_ones(sweeps):
    """Box 2's runs and density count only the runs outside box 1; the first box is of all runs."""
    from dataclasses import replace

    from sim.analysis.discovery import discover, to_markdown

    result = discover(sweeps["mc"], "verdict=failure", threshold=0.9)
    first = result.boxes[0]
    result.boxes = [first, replace(first, number=2), replace(first, number=3)]
    text = to_markdown(result)
    box1, box2, box3 = text.split("## Box ")[1:]
    assert "Found among" not in box1
    assert "Found among the runs outside box 1: its runs and density count only those" in box2
    assert "Found among the runs outside boxes 1 and 2:" in box3


def test_discovery_cautions_when_the_condition_is_as_common_as_the_threshold(sweeps):
    from sim.analysis.discovery import discover, to_markdown

    result = discover(sweeps["mc"], "verdict=failure", threshold=0.9, max_boxes=1)
    share = result.cases / result.runs
    assert ("Caution: the condition holds in" in to_markdown(result)) == (share >= 0.9)
    low = discover(sweeps["mc"], "verdict=failure", threshold=min(share, 0.99), max_boxes=1)
    assert f"Caution: the condition holds in {share:.0%} of all runs" in to_markdown(low)


@pytest.mark.parametrize(
    ("condition", "fragments"),
    [
        ("roi", ["--outcome", "expected verdict=failure"]),
        ("verdict=maybe", ["verdict=failure or verdict=success"]),
        ("happiness<3", ["unknown outcome 'happiness'"]),
        ("roi<cheap", ["not a number"]),
        ("roi=0", ["< or >"]),
        ("intended_use_last13>1.5", ["no run is in the condition"]),
        ("intended_use_last13>-1", ["every run is in the condition"]),
    ],
)
def test_discovery_bad_condition_gives_one_line(sweeps, capsys, condition, fragments):
    assert main(["discover", str(sweeps["mc"]), "--outcome", condition]) == 2
    _one_line_error(capsys, *fragments)


def test_discovery_needs_varied_parameters(tmp_path, capsys):
    out = tmp_path / "rep"
    args = ["replicate", "-n", "2", "--set", "org.employees=60", "--set", "run.weeks=20"]
    assert main([*args, "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["discover", str(out), "--outcome", "roi<0"]) == 2
    _one_line_error(capsys, "varies no parameters")


def test_missing_ema_says_how_to_install_it(sweeps, capsys, monkeypatch):
    for name in ("ema_workbench", "ema_workbench.analysis"):
        monkeypatch.setitem(sys.modules, name, None)
    assert main(["discover", str(sweeps["mc"])]) == 2
    _one_line_error(capsys, "EMA Workbench", "crmsim[analysis]")


# --- the EMA model -------------------------------------------------------------------------------


def test_ema_model_runs_experiments():
    from ema_workbench import perform_experiments

    from sim.analysis.ema import DEFAULT_LEVERS, DEFAULT_UNCERTAINTIES, ema_model, ema_name

    model = ema_model({"org.employees": 80, "run.weeks": 30})
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # EMA 3.0 deprecates names that are not identifiers
        experiments, outcomes = perform_experiments(model, scenarios=4, policies=2)
    names = [ema_name(key) for key in [*DEFAULT_UNCERTAINTIES, *DEFAULT_LEVERS]]
    assert len(experiments) == 8
    assert set(names) <= set(experiments.columns)
    assert set(experiments["policy__integration"]) <= {"none", "partial", "full"}
    assert experiments["org__legacy_systems"].between(1, 10).all()
    assert {"intended_use_last13", "roi", "success"} <= set(outcomes)
    use = outcomes["intended_use_last13"]
    assert use.shape == (8,) and np.isfinite(use).all() and ((use >= 0) & (use <= 1)).all()
    assert set(np.unique(outcomes["success"])) <= {0.0, 1.0}
    # same seed for every experiment: the same parameters give the same outcomes
    again = model.function(**experiments.iloc[0][names].to_dict())
    assert again["intended_use_last13"] == pytest.approx(use[0])


def test_ema_model_parameters_from_the_schema():
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    from sim.analysis.ema import ema_model

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        model = ema_model(
            uncertainties=["policy.commitment", "org.legacy_systems", "policy.upsell_prompts", "run.seed"],
            levers=["policy.rollout", RealParameter("policy__training_hours", 0, 16)],
            outcomes=["roi"],
        )
    pars = {p.variable_name[0].replace("__", "."): p for p in [*model.uncertainties, *model.levers]}
    assert all(p.name.isidentifier() for p in pars.values())
    assert isinstance(pars["policy.commitment"], RealParameter)
    assert (pars["policy.commitment"].lower_bound, pars["policy.commitment"].upper_bound) == (0, 1)
    assert isinstance(pars["org.legacy_systems"], IntegerParameter)
    assert isinstance(pars["policy.upsell_prompts"], BooleanParameter)
    assert isinstance(pars["run.seed"], IntegerParameter)
    assert isinstance(pars["policy.rollout"], CategoricalParameter)
    assert [c.value for c in pars["policy.rollout"].categories] == ["big_bang", "phased", "pilot"]
    assert pars["policy.training_hours"].upper_bound == 16
    assert [o.name for o in model.outcomes] == ["roi"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"uncertainties": ["costs.wage_per_hour"]}, "no upper bound"),
        ({"uncertainties": ["policy.cio_change_week"]}, "pass an EMA parameter"),
        ({"uncertainties": ["policy.nonsense"]}, "not a scenario key"),
        ({"outcomes": ["happiness"]}, "unknown outcome"),
        ({"levers": ["policy.commitment"]}, "both an uncertainty and a lever"),
    ],
)
def test_ema_model_refuses_what_it_cannot_build(kwargs, fragment):
    from sim.analysis.ema import ema_model

    with pytest.raises(ValueError, match=fragment):
        ema_model(**kwargs)


def test_ema_model_checks_parameter_ranges_against_the_schema():
    from ema_workbench import RealParameter

    from sim.analysis.ema import ema_model

    with pytest.raises(ValueError, match="policy.commitment"):
        ema_model(uncertainties=[RealParameter("policy__commitment", 0, 2)], levers=[])


def test_ema_model_knows_a_key_by_its_ema_name_and_by_its_dots():
    from ema_workbench import RealParameter

    from sim.analysis.ema import ema_model

    with pytest.raises(ValueError, match="both an uncertainty and a lever"):
        ema_model(uncertainties=["policy.training_hours"], levers=[RealParameter("policy__training_hours", 0, 16)])
    model = ema_model({"org.employees": 40, "run.weeks": 20}, uncertainties=[], levers=[], outcomes=["roi"])
    assert model.function(**{"policy__training_hours": 0.0}) == model.function(**{"policy.training_hours": 0.0})
    assert model.function(policy__training_hours=0.0) != model.function(policy__training_hours=40.0)


def test_every_scenario_key_has_an_ema_name_that_leads_back_to_it():
    from sim.analysis.ema import ema_name, scenario_key
    from sim.core.scenario import fields

    for key in [*fields(), "run.seed"]:
        assert ema_name(key).isidentifier(), key
        assert scenario_key(ema_name(key)) == key
