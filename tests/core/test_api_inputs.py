"""The Python API takes what a user naturally hands it, and refuses the rest out loud: never the
default scenario in silence, never a seed rounded down, never a verdict on a CRM nobody used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from sim import run
from sim.core.errors import InputError
from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.experiments.plan import compare_plan

CASE_FILE = Path(__file__).parents[2] / "scenarios" / "cases" / "city_council.toml"


def test_a_scenario_file_given_as_a_path_is_that_scenario():
    assert CRMRollout(CASE_FILE).settings == Scenario.load(CASE_FILE)
    assert CRMRollout(str(CASE_FILE)).settings == Scenario.load(CASE_FILE)


def test_a_dict_of_sections_is_that_scenario():
    assert CRMRollout({"run": {"weeks": 8}, "org": {"employees": 40}}).settings.run.weeks == 8


@pytest.mark.parametrize("scenario", [7, 2.5, ["run.weeks"], object()])
def test_anything_else_is_a_type_error_not_the_default(scenario):
    with pytest.raises(TypeError, match="allowed: a Scenario, a case name, a scenario file or a dict"):
        CRMRollout(scenario)


@pytest.mark.parametrize("seed", [7.9, 1.0, True, "7", np.random.default_rng(1)])
def test_a_seed_is_a_whole_number(seed):
    with pytest.raises(TypeError, match="seed: got"):
        CRMRollout(seed=seed)
    with pytest.raises(TypeError, match="seed: got"):
        CRMRollout(seeds=[1, seed])


def test_a_numpy_whole_number_is_a_seed():
    assert CRMRollout(seed=np.int64(3)).settings.run.seed == 3


def test_a_run_that_ends_before_go_live_has_no_verdict_but_a_reason():
    small = {"org.employees": 40, "org.partners": 6}
    before = run(Scenario.default().with_overrides({**small, "run.weeks": 3, "policy.go_live_week": 4}))
    assert before.summary["verdict"] == "undetermined"
    assert "before the CRM went live (week 4)" in before.summary["verdict_detail"]["reason"]
    live = run(Scenario.default().with_overrides({**small, "run.weeks": 4, "policy.go_live_week": 4}))
    assert live.summary["verdict"] in ("success", "failure")  # one week live is judged


def test_a_go_live_within_the_last_quarter_is_judged_on_its_weeks_live():
    """Not on 13 weeks of which those before go-live count as nobody using it."""
    late = run(
        Scenario.default().with_overrides(
            {"org.employees": 60, "org.partners": 10, "run.weeks": 30, "policy.go_live_week": 25}
        )
    )
    series, outcomes = late.timeseries, late.summary["outcomes"]
    live = series["week"] >= 25
    assert (series.loc[~live, "intended_use"] == 0).all() and series.loc[live, "live"].gt(0).all()
    for name in ("intended_use", "gaming", "intended_use_sales", "partner_self_serve"):
        assert outcomes[f"{name}_last13"] == pytest.approx(series.loc[live, name].mean(), abs=1e-12), name
    assert late.summary["verdict_detail"]["intended_use_last13"] == outcomes["intended_use_last13"]
    assert outcomes["data_quality_last13"] == pytest.approx(series["data_quality"].tail(13).mean())  # not a share


def test_a_scenario_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfname = "bom"\n[run]\nweeks = 8\n')
    assert Scenario.load(path).name == "bom"


def test_a_folder_named_like_a_case_does_not_hide_the_case(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "city_council").mkdir()  # e.g. made by crmsim run city_council --out city_council
    code, out, err = run_cli(capsys, "show", "city_council")
    assert code == 0, err
    assert json.loads(out.split("\n", 1)[1])["name"] == "city_council"


def test_a_comparison_plan_refuses_a_baseline_that_is_no_arm():
    arms = {"a": Scenario.default(), "b": Scenario.default().with_overrides({"policy.sanctions": 0.5})}
    with pytest.raises(InputError, match="nope: not an arm; arms: a, b"):
        compare_plan(arms, 2, 1, "nope")
    with pytest.raises(InputError, match="allowed: a Scenario"):
        compare_plan({"a": Scenario.default(), "b": {"policy.sanctions": 0.5}}, 2, 1, "a")


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("run.weeks", "allowed: a number >= 1 and <= 2000"),
        ("policy.sanctions", "allowed: a number >= 0 and <= 1"),
        ("policy.integration", "allowed: none, partial, full"),
    ],
)
def test_true_and_false_are_no_numbers_or_choices(key, allowed):
    with pytest.raises(InputError, match=f"{key}: got true; {allowed}"):
        Scenario.default().with_overrides({key: True})
    assert Scenario.default().with_overrides({"org.around_the_clock": True}).org.around_the_clock is True


@pytest.mark.parametrize("overrides", [None, ["policy.sanctions"], {1: 0.5}])
def test_overrides_that_are_no_dict_of_keys_are_an_input_error(overrides):
    with pytest.raises(InputError, match="with_overrides: overrides must be a dict of dotted keys"):
        Scenario.default().with_overrides(overrides)


def test_a_role_that_goes_live_later_is_judged_on_its_own_weeks_live():
    """A phased rollout whose departments are one role each: service goes live in week 8 of a
    13-week quarter, the sales reps were live throughout. Service's quarter is its 6 weeks live."""
    from sim.core.metrics import headline, timeseries_columns

    weeks = np.arange(1, 14)
    frame = pd.DataFrame(0.0, index=range(13), columns=timeseries_columns())
    frame["week"] = weeks
    frame["live"] = 0.5 + 0.5 * (weeks >= 8)
    frame[["intended_use_sales", "gaming_sales", "ignoring_sales"]] = [0.5, 0.3, 0.2]
    service_live = weeks >= 8
    frame.loc[service_live, ["intended_use_service", "gaming_service", "ignoring_service"]] = [0.6, 0.1, 0.3]
    frame["intended_use"] = np.where(service_live, 0.55, 0.5)
    out = headline(frame)
    assert out["intended_use_service_last13"] == pytest.approx(0.6)  # not 0.6 x 6/13
    assert out["ignoring_service_last13"] == pytest.approx(0.3)
    assert out["intended_use_sales_last13"] == pytest.approx(0.5)
    assert out["intended_use_last13"] == pytest.approx(frame["intended_use"].mean())  # employees live throughout
    assert out["intended_use_managers_last13"] == 0.0  # never live: left as it is
