"""The Python API: run(scenario) -> Result with timeseries, agents and summary; Result.save."""

from __future__ import annotations

import json
import platform

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SMALL, run_small, small_scenario

import sim
from sim import CRMRollout, Result, Scenario, run
from sim.core.state import Role
from sim.presentation.plots import save_run_figures

TIMESERIES_COLUMNS = [
    "week",
    "intended_use",
    "gaming",
    "ignoring",
    *[f"{c}_{r}" for r in ("sales", "service", "managers") for c in ("intended_use", "gaming", "ignoring")],
    "partner_self_serve",
    "partner_go_around",
    "partner_disengaged",
    "data_quality",
    "trust",
    "live",
]
AGENT_COLUMNS = [
    "id",
    "role",
    "department",
    "behaviour",
    "perceived_usefulness",
    "effort",
    "skill",
    "trust",
    "tenure_weeks",
]


def test_public_api_names():
    assert sim.Scenario is Scenario and sim.CRMRollout is CRMRollout and sim.run is run
    assert isinstance(sim.__version__, str)


def test_run_returns_a_result_with_one_row_per_week_and_per_person():
    result = run_small()
    assert isinstance(result, Result)
    assert isinstance(result.timeseries, pd.DataFrame) and isinstance(result.agents, pd.DataFrame)
    assert list(result.timeseries["week"]) == list(range(1, SMALL["run.weeks"] + 1))
    assert len(result.agents) == SMALL["org.employees"] + SMALL["org.partners"]
    assert result.agents["id"].is_unique


def test_timeseries_has_the_required_columns():
    columns = set(run_small().timeseries.columns)
    missing = [c for c in TIMESERIES_COLUMNS if c not in columns]
    assert not missing


def test_agents_table_has_the_required_columns_and_roles():
    agents = run_small().agents
    missing = [c for c in AGENT_COLUMNS if c not in agents.columns]
    assert not missing
    assert set(agents["role"]) == {"sales", "service", "manager", "partner"}
    assert (agents["role"] == "partner").sum() == SMALL["org.partners"]
    assert (agents["week"] == SMALL["run.weeks"]).all()


def test_run_with_no_scenario_runs_the_default():
    default = Scenario.default()
    result = run()
    assert result.summary["scenario_hash"] == default.hash
    assert len(result.timeseries) == default.run.weeks
    assert len(result.agents) == default.org.employees + default.org.partners


def test_snapshots_add_agent_rows_every_snapshot_interval():
    result = run(small_scenario({"run.weeks": 25, "run.snapshot_every": 10}))
    n = SMALL["org.employees"] + SMALL["org.partners"]
    assert sorted(result.agents["week"].unique()) == [10, 20, 25]
    assert result.agents.groupby("week").size().eq(n).all()


def test_summary_records_provenance():
    scenario = small_scenario({"policy.integration": "full"}, seed=11)
    result = run(scenario)
    s = result.summary
    assert s["scenario_hash"] == scenario.hash
    assert s["seed"] == 11
    assert s["versions"] == {"crmsim": sim.__version__, "mesa": mesa.__version__, "python": platform.python_version()}
    assert s["resolved_scenario"] == scenario.resolved()
    # the resolved scenario reproduces the run
    again = run(Scenario.from_dict(s["resolved_scenario"]))
    assert again.summary["scenario_hash"] == s["scenario_hash"]
    pd.testing.assert_frame_equal(again.timeseries, result.timeseries)


def test_summary_outcomes_are_the_last_weeks_values():
    result = run_small(seed=2)
    ts, outcomes = result.timeseries, result.summary["outcomes"]
    assert outcomes["intended_use"] == pytest.approx(ts["intended_use"].iloc[-1])
    assert outcomes["gaming_last13"] == pytest.approx(ts["gaming"].tail(13).mean())
    assert outcomes["peak_gaming"] == pytest.approx(ts["gaming"].max())
    assert json.loads(json.dumps(result.summary, default=str))  # serialisable


def test_save_writes_tables_summary_and_figures(tmp_path):
    result = run(small_scenario({"run.weeks": 8}))
    out = result.save(tmp_path / "out", figures=save_run_figures)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".crmsim-run",  # marks the folder as a run's, so a later run may replace it
        "agents.parquet",
        "behaviour_by_role.png",
        "data_quality_trust.png",
        "organisation.png",  # cost per sale, gaming economy, drift, conflict, people, money
        "summary.json",
        "timeseries.parquet",
    ]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "timeseries.parquet"), result.timeseries)
    saved = json.loads((out / "summary.json").read_text())
    assert saved["scenario_hash"] == result.summary["scenario_hash"]
    assert saved["verdict"] == result.summary["verdict"] in ("success", "failure")
    assert len(pd.read_parquet(out / "agents.parquet")) == len(result.agents)


def test_save_replaces_an_existing_folder_whole_and_leaves_no_temporary_folders(tmp_path):
    out = tmp_path / "out"
    run(small_scenario({"run.weeks": 4})).save(out, figures=save_run_figures)  # an earlier run, with figures
    run(small_scenario({"run.weeks": 4})).save(out)
    assert not (out / "organisation.png").exists()
    assert (out / "timeseries.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_effort_and_usefulness_columns_average_the_employees():
    model = CRMRollout(small_scenario({"run.weeks": 6}))
    model.run_model()
    ts = model.recorder.frame()
    employees = model.org.role != Role.PARTNER
    assert ts["effort"].iloc[-1] == pytest.approx(model.state.felt_effort[employees].mean())
    assert ts["trust"].iloc[-1] == pytest.approx(model.state.trust[employees].mean())
    assert ts["skill"].iloc[-1] == pytest.approx(np.mean(model.state.skill[employees]))
