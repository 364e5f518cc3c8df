"""Policy changes planned in a scenario (``[[changes]]``): "from week 30, sanctions and a mandate".

A strategist compares "carry on" with "change course at week N" as two scenario files on the same
seeds; the planned change must be the change a calibration arm makes between two weeks, act from
its week on and not before, be each organisation's in a batch, and be refused in one line when
it is not a policy the scenario could have.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cli_helpers import assert_one_line_error, run_cli
from conftest import small_scenario

from sim.core.errors import InputError
from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.io.runner import run_batch

CHANGE = {"policy.sanctions": 1.0, "policy.mandate": 0.9}


def planned(weeks: int = 40, week: int = 15, overrides: dict | None = None) -> Scenario:
    base = small_scenario({"run.weeks": weeks, **(overrides or {})})
    return base.with_overrides({"changes": [{"week": week, "policy": {"sanctions": 1.0, "mandate": 0.9}}]})


def series(model: CRMRollout) -> pd.DataFrame:
    while model.running:
        model.step()
    return model.recorder.frame()


def test_a_planned_change_is_the_change_made_by_hand_between_two_weeks():
    by_hand = CRMRollout(small_scenario({"run.weeks": 40}))
    while by_hand.running:
        if by_hand.steps == 14:  # after week 14: week 15 is the first under the new policy
            by_hand.change_policy(CHANGE, "arm")
        by_hand.step()
    as_planned = series(CRMRollout(planned()))
    pd.testing.assert_frame_equal(as_planned, by_hand.recorder.frame(), check_exact=True)


def test_a_planned_change_acts_from_its_week_on_and_not_before():
    carry_on = series(CRMRollout(small_scenario({"run.weeks": 40})))
    changed = series(CRMRollout(planned()))
    before, after = slice(0, 14), slice(14, None)  # rows are weeks 1..40
    pd.testing.assert_frame_equal(changed.iloc[before], carry_on.iloc[before], check_exact=True)
    assert not changed.iloc[after].equals(carry_on.iloc[after])
    # a mandate with sanctions raises intended use over the weeks after it (same seed, same draws)
    assert changed["intended_use"].iloc[25:].mean() > carry_on["intended_use"].iloc[25:].mean()


def test_a_planned_change_is_in_the_event_log():
    model = CRMRollout(planned())
    series(model)
    told = [(week, text) for week, kind, text in model.events if kind == "policy_change"]
    assert told == [(15, "The policy changes as planned: policy.sanctions = 1.0, policy.mandate = 0.9.")]


def test_a_planned_schedule_change_brings_those_not_yet_live_live_in_its_week():
    pilot = {"org.departments": 4, "policy.go_live_week": 3, "policy.rollout": "pilot", "policy.pilot_weeks": 30}
    base = small_scenario({"run.weeks": 20, **pilot})
    everyone = base.with_overrides({"changes": [{"week": 12, "policy": {"rollout": "big_bang"}}]})
    model = CRMRollout(everyone)
    live = []
    while model.running:
        model.step()
        live.append(float(model.state.live.mean()))
    assert 0 < live[10] < 1 and live[11] == 1.0  # week 11: the pilot alone; week 12: everyone


def test_planned_changes_in_a_batch_equal_each_run_alone():
    scenario = planned(weeks=30, week=10)
    together = run_batch(scenario, [3, 4, 5])
    for seed, result in zip([3, 4, 5], together, strict=True):
        alone = run_batch(scenario.with_overrides({"run.seed": seed}), [seed])[0]
        pd.testing.assert_frame_equal(result.timeseries, alone.timeseries, check_exact=True)


def test_changes_apply_in_week_order_each_on_top_of_the_ones_before():
    scenario = small_scenario({"run.weeks": 30}).with_overrides(
        {
            "changes": [
                {"week": 20, "policy": {"sanctions": 0.2}},
                {"week": 10, "policy": {"sanctions": 0.8, "mandate": 0.7}},
            ]
        }
    )
    model = CRMRollout(scenario)
    seen = {}
    while model.running:
        model.step()
        seen[model.steps] = (model.settings.policy.sanctions, model.settings.policy.mandate)
    assert seen[9] == (scenario.policy.sanctions, scenario.policy.mandate)
    assert seen[10] == seen[19] == (0.8, 0.7)
    assert seen[20] == (0.2, 0.7)  # the mandate of the week-10 change stays


@pytest.mark.parametrize(
    "change, fragments",
    [
        (
            {"week": 10, "policy": {"sanctoins": 1.0}},
            ["changes[0].policy.sanctoins: unknown key; allowed:", "sanctions"],
        ),
        ({"week": 10, "policy": {"sanctions": 3.0}}, ["changes[0].policy.sanctions: got 3.0"]),
        ({"week": 10, "policy": {"integration": "most"}}, ["changes[0].policy.integration: got 'most'; allowed:"]),
        (
            {"week": 10, "policy": {"sanctions": True}},
            ["changes[0].policy.sanctions: got true; allowed: a number >= 0"],
        ),
        ({"week": 10, "policy": {}}, ["changes[0].policy: give at least one policy setting"]),
        ({"week": 10}, ["changes[0].policy", "Field required"]),
        (
            {"week": 10, "when": 3, "policy": {"sanctions": 1.0}},
            ["changes[0].when: unknown key; allowed: policy, week"],
        ),
        (
            {"week": 10, "policy": {"cio_change_week": 5}},
            ["changes[0].policy.cio_change_week: got 5; allowed: the change's week (10) or later"],
        ),
    ],
)
def test_a_bad_planned_change_is_refused_when_the_scenario_is_read(tmp_path, capsys, change, fragments):
    with pytest.raises(InputError) as refused:
        small_scenario({"run.weeks": 40}).with_overrides({"changes": [change]}, source="test")
    for fragment in fragments:
        assert fragment in str(refused.value), (fragment, str(refused.value))
    path = tmp_path / "bad.toml"
    policy = ", ".join(f"{k} = {json.dumps(v)}" for k, v in change.get("policy", {}).items())
    table = f"[[changes]]\nweek = {change['week']}\n" + (f"policy = {{ {policy} }}\n" if "policy" in change else "")
    extra = "".join(f"{k} = {v}\n" for k, v in change.items() if k not in ("week", "policy"))
    path.write_text(f"[run]\nweeks = 40\n\n{table}{extra}")
    code, _, err = run_cli(capsys, "show", str(path))
    assert_one_line_error(code, err, str(path), *fragments)


def test_a_scenario_file_plans_changes_and_its_hash_says_so(tmp_path):
    path = tmp_path / "later.toml"
    path.write_text('[[changes]]\nweek = 30\npolicy = { integration = "full", champions = 0.1 }\n')
    later = Scenario.load(path)
    assert later.planned_changes(30) == [{"policy.integration": "full", "policy.champions": 0.1}]
    assert later.planned_changes(29) == []
    assert later.hash != Scenario.default().hash
    assert later.resolved()["changes"] == [{"week": 30, "policy": {"integration": "full", "champions": 0.1}}]


def test_a_change_of_commitment_champions_or_integration_acts_in_its_week():
    """Settings read when a run starts act too: commitment is senior management's from the
    change's week (the stock is set to it), champions are named anew, interfaces given up are given up."""
    base = small_scenario({"run.weeks": 20, "policy.commitment": 0.9, "policy.integration": "full"})

    def at_week(change: dict, week: int = 10) -> CRMRollout:
        model = CRMRollout(base.with_overrides({"changes": [{"week": week, "policy": change}]}))
        while model.steps < week:
            model.step()
        return model

    carry_on = CRMRollout(base)
    while carry_on.steps < 10:
        carry_on.step()
    withdrawn = at_week({"commitment": 0.1})
    assert carry_on.stocks.commitment[0] > 0.5 and withdrawn.stocks.commitment[0] < 0.3
    named = at_week({"champions": 0.3})
    from_the_start = CRMRollout(base.with_overrides({"policy.champions": 0.3}))
    assert not carry_on.state.champion.any()
    assert named.state.champion.sum() == from_the_start.state.champion.sum() > 0  # as many, named now
    assert not named.state.champion[~named.world.is_staff].any()
    abandoned = at_week({"integration": "none"})
    never = CRMRollout(base.with_overrides({"policy.integration": "none"}))
    while never.steps < 10:
        never.step()
    felt, none = abandoned.last_perception.double_entry, never.last_perception.double_entry
    assert (carry_on.last_perception.double_entry < none).any()
    assert (felt == none).all()  # all of it, in week 10 itself, as if there had never been interfaces
    assert carry_on.stocks.unbuilt_interfaces[0] > 0 and abandoned.stocks.unbuilt_interfaces[0] == 0
    while abandoned.running:  # and none of the interfaces given up is finished later
        abandoned.step()
    assert not [e for e in abandoned.events if e[1] == "interface_built" and e[0] >= 10]


def test_a_change_after_the_run_is_kept_and_never_acts():
    base = small_scenario({"run.weeks": 12})
    late = base.with_overrides({"changes": [{"week": 30, "policy": {"sanctions": 1.0}}]})
    pd.testing.assert_frame_equal(series(CRMRollout(late)), series(CRMRollout(base)), check_exact=True)


def test_the_run_is_recorded_as_given_not_as_the_changes_left_it():
    from sim import run

    scenario = planned(weeks=30, week=10)
    result = run(scenario, agents=False)
    assert result.summary["scenario_hash"] == scenario.hash
    given = Scenario.from_dict(result.summary["resolved_scenario"])
    assert given.policy.sanctions == scenario.policy.sanctions and len(given.changes) == 1
    again = run(given, agents=False)
    pd.testing.assert_frame_equal(again.timeseries, result.timeseries, check_exact=True)
