"""The strategist's levers: the rollout schedule, integration, training, sanctions, management style.

Policy comparisons run both policies on the same seeds (common random numbers) and assert on
means over ``SEEDS`` (8 seeds); each test states its tolerance next to the assertion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS, run_small, seed_means, small_model, step_n

from sim import policies
from sim.state import Role

# --- the rollout schedule -------------------------------------------------------------------


def schedule_model(overrides: dict):
    return small_model({"org.departments": 4, "policy.go_live_week": 3, **overrides})


def test_go_live_weeks_follow_the_rollout_policy_by_department():
    model = schedule_model({})
    org = model.org
    policy = model.scenario.policy
    employees = org.role != Role.PARTNER
    for rollout, expected_by_department in [
        ("big_bang", [3, 3, 3, 3]),
        ("phased", [3, 3 + 5, 3 + 10, 3 + 15]),
        ("pilot", [3, 3 + 7, 3 + 7, 3 + 7]),
    ]:
        p = policy.model_copy(update={"rollout": rollout, "phase_interval_weeks": 5, "pilot_weeks": 7})
        weeks = policies.go_live_weeks(org, p)
        assert np.array_equal(weeks[employees], np.array(expected_by_department)[org.department[employees]])
        partners = org.role == Role.PARTNER
        assert np.array_equal(weeks[partners], weeks[org.manager[partners]])


def live_share_by_week(overrides: dict, weeks: int) -> pd.Series:
    ts = run_small({"org.departments": 4, "policy.go_live_week": 3, "run.weeks": weeks, **overrides}).timeseries
    return ts.set_index("week")["live"]


def department_shares(overrides: dict) -> np.ndarray:
    org = schedule_model(overrides).org
    employees = org.role != Role.PARTNER
    return np.bincount(org.department[employees], minlength=org.departments) / employees.sum()


def test_big_bang_puts_everyone_live_at_go_live_week():
    live = live_share_by_week({"policy.rollout": "big_bang"}, 12)
    assert np.all(live.loc[:2] == 0.0)
    assert np.all(live.loc[3:] == 1.0)


def test_phased_brings_one_department_live_every_phase_interval():
    overrides = {"policy.rollout": "phased", "policy.phase_interval_weeks": 5}
    live = live_share_by_week(overrides, 30)
    cumulative = np.cumsum(department_shares(overrides))
    assert np.all(live.loc[:2] == 0.0)
    for d in range(4):
        start = 3 + 5 * d
        # from this department's go-live to the next one's, the live share is flat
        assert np.allclose(live.loc[start : start + 4], cumulative[d])
    assert np.all(live.loc[18:] == 1.0)
    assert live.nunique() == 5  # nobody, then one more department at each of four steps
    assert np.all(np.diff(live.to_numpy()) >= 0)


def test_pilot_brings_one_department_first_and_the_rest_after_pilot_weeks():
    overrides = {"policy.rollout": "pilot", "policy.pilot_weeks": 7}
    live = live_share_by_week(overrides, 20)
    pilot_share = department_shares(overrides)[0]
    assert 0 < pilot_share < 1
    assert np.all(live.loc[:2] == 0.0)
    assert np.allclose(live.loc[3:9], pilot_share)
    assert np.all(live.loc[10:] == 1.0)


@pytest.mark.parametrize("rollout", ["big_bang", "phased", "pilot"])
def test_partners_go_live_with_their_sales_rep(rollout):
    model = schedule_model({"policy.rollout": rollout, "policy.phase_interval_weeks": 4, "policy.pilot_weeks": 6})
    org, state = model.org, model.state
    partners = np.flatnonzero(org.role == Role.PARTNER)
    rep = org.manager[partners]
    seen_partial = False
    for _ in range(20):
        model.step()
        assert np.array_equal(state.live[partners], state.live[rep])
        seen_partial |= 0 < state.live[partners].mean() < 1
    assert seen_partial == (rollout != "big_bang")


def test_people_are_trained_once_at_their_own_go_live():
    model = schedule_model({"policy.rollout": "phased", "policy.phase_interval_weeks": 4})
    state = model.state
    for week in range(1, 18):
        before = state.skill.copy()
        was_live = state.live.copy()
        model.step()
        starting = state.live & ~was_live
        assert np.all(state.go_live_week[starting] == week)
        assert np.array_equal(state.skill[~state.live], before[~state.live])  # nobody learns before go-live
        # those already live are not trained again: their skill only moves by use or forgetting
        lr, fr = model.scenario.learning.learn_rate, model.scenario.learning.forget_rate
        old = before[was_live]
        learned = np.isclose(state.skill[was_live], old + lr * (1 - old))
        forgot = np.isclose(state.skill[was_live], old * (1 - fr))
        assert np.all(learned | forgot)


# --- integration ---------------------------------------------------------------------------


def test_full_integration_lowers_effort_and_raises_service_use():
    # 8 seeds, weeks 10-60 (after go-live). Observed effects: effort ~0.85 -> ~0.19,
    # service use ~0.02 -> ~0.93, seed SD < 0.02. Tolerance: require 0.3 and 0.5 gaps on the mean.
    none_effort = seed_means({"policy.integration": "none"}, "effort", first_week=10)
    full_effort = seed_means({"policy.integration": "full"}, "effort", first_week=10)
    none_use = seed_means({"policy.integration": "none"}, "intended_use_service", first_week=10)
    full_use = seed_means({"policy.integration": "full"}, "intended_use_service", first_week=10)
    assert none_effort.mean() - full_effort.mean() > 0.3
    assert full_use.mean() - none_use.mean() > 0.5
    assert np.all(full_effort < none_effort) and np.all(full_use > none_use)  # every seed agrees


def test_full_integration_lowers_every_agents_effort_at_the_end():
    for seed in SEEDS[:5]:
        none = run_small({"policy.integration": "none"}, seed).agents
        full = run_small({"policy.integration": "full"}, seed).agents
        employees = none["role"] != "partner"
        # double entry is gone for everyone, and skill is (weakly) higher with more use
        assert full.loc[employees, "effort"].mean() < none.loc[employees, "effort"].mean() - 0.3


def test_integration_orders_use_none_partial_full():
    # Seed means of intended_use after go-live; adjacent levels differ by > 0.1 in the model.
    levels = ("none", "partial", "full")
    means = [seed_means({"policy.integration": level}, "intended_use", first_week=10).mean() for level in levels]
    assert means[0] + 0.1 < means[1] < means[2] - 0.1


# --- training -------------------------------------------------------------------------------

HOURS = [0.0, 2.0, 8.0, 24.0, 80.0]


def skill_right_after_go_live(hours: float) -> tuple[np.ndarray, np.ndarray]:
    """(skill before go-live, skill right after go-live) of the employees, same seed."""
    model = small_model({"policy.training_hours": hours})
    go_live = model.scenario.policy.go_live_week
    step_n(model, go_live - 1)
    employees = model.org.role != Role.PARTNER
    before = model.state.skill[employees].copy()
    model.go_live(go_live)
    assert model.state.live.all()
    return before, model.state.skill[employees].copy()


def test_more_training_raises_skill_at_go_live():
    # Deterministic: training is applied to the same prior skills (same seed), no randomness involved.
    results = [skill_right_after_go_live(h) for h in HOURS]
    priors = [before for before, _ in results]
    for prior in priors[1:]:
        assert np.array_equal(prior, priors[0])  # common random numbers: the same people
    after = np.array([a for _, a in results])
    assert np.array_equal(after[0], priors[0])  # no training, no change
    assert np.all(np.diff(after.mean(axis=1)) > 0)
    assert np.all(np.diff(after, axis=0) >= 0)  # nobody is worse off with more training


def test_more_training_lowers_perceived_effort_in_the_go_live_week():
    # Deterministic: the go-live week's effort is computed from skill right after training.
    efforts = []
    for hours in HOURS:
        model = small_model({"policy.training_hours": hours})
        step_n(model, model.scenario.policy.go_live_week)
        efforts.append(model.last_perception.effort.copy())
    efforts = np.array(efforts)
    assert np.all(np.diff(efforts.mean(axis=1)) < 0)
    assert np.all(np.diff(efforts, axis=0) <= 1e-15)


def test_more_training_lowers_effort_over_the_run():
    # 8 seeds, weeks 10-60: effort ~0.61 (0 h) versus ~0.44 (24 h), seed SD ~0.01; require a 0.05 gap.
    untrained = seed_means({"policy.training_hours": 0.0}, "effort", first_week=10)
    trained = seed_means({"policy.training_hours": 24.0}, "effort", first_week=10)
    assert untrained.mean() - trained.mean() > 0.05
    assert np.all(trained < untrained)


# --- sanctions -------------------------------------------------------------------------------


def test_sanctions_lower_gaming():
    # 8 seeds, weeks 10-60: gaming ~0.12 without sanctions versus ~0.00 with full sanctions;
    # require the mean to fall by more than half and by 0.05, and every seed to agree.
    free = seed_means({"policy.sanctions": 0.0}, "gaming", first_week=10)
    sanctioned = seed_means({"policy.sanctions": 1.0}, "gaming", first_week=10)
    assert free.mean() - sanctioned.mean() > 0.05
    assert sanctioned.mean() < 0.5 * free.mean()
    assert np.all(sanctioned < free)


# --- management style -------------------------------------------------------------------------


def test_management_style_is_recorded_but_changes_nothing_yet():
    # docs/ODD.md section 8: "policy.management_style is validated and recorded but changes nothing".
    control = run_small({"policy.management_style": "control"}, seed=3)
    organic = run_small({"policy.management_style": "organic"}, seed=3)
    pd.testing.assert_frame_equal(control.timeseries, organic.timeseries)
    assert control.summary["scenario_hash"] != organic.summary["scenario_hash"]
    assert organic.summary["resolved_scenario"]["policy"]["management_style"] == "organic"
