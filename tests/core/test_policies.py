"""The strategist's levers: the rollout schedule, integration, training, sanctions, management style.

Policy comparisons run both policies on the same seeds (common random numbers) and assert on
means over ``SEEDS`` (8 seeds); each test states its tolerance next to the assertion.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SEEDS, STEADY_COMMITMENT, run_small, seed_means, small_model, step_n

from sim.core import policies
from sim.core.mechanisms import learning
from sim.core.state import Role

# --- the rollout schedule -------------------------------------------------------------------


def schedule_model(overrides: dict):
    return small_model({"org.departments": 4, "policy.go_live_week": 3, **overrides})


def test_go_live_weeks_follow_the_rollout_policy_by_department():
    model = schedule_model({})
    org = model.org
    policy = model.settings.policy
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


def live_after(change: dict | None, weeks: int = 14, at: int = 8, seeds: tuple[int, ...] = (1,)) -> list:
    """Each week's share of employees live, per organisation, in a pilot (first department from
    week 3, the rest after 20 weeks), with ``change`` made after week ``at``; ``seeds`` run as one batch."""
    from sim.core.model import CRMRollout

    pilot = {"org.departments": 4, "policy.go_live_week": 3, "policy.rollout": "pilot", "policy.pilot_weeks": 20}
    model = CRMRollout(small_model({**pilot, "run.weeks": 60}).settings, seeds=list(seeds))
    employees = model.org.role != Role.PARTNER
    shares = []
    for _ in range(weeks):
        if change and model.steps == at:
            model.change_policy(change, "arm")
        model.step()
        shares.append([float(model.state.live[rows][employees[rows]].mean()) for rows in model.blocks.rows])
    return shares


def test_a_changed_schedule_acts_on_those_not_yet_live():
    """A strategist's arm decided mid-pilot: bring everyone live now, extend the pilot, or set a
    go-live week; whoever is live stays live. Before, such an arm was taken and did nothing."""
    carry_on = live_after(None)
    pilot = carry_on[7][0]
    assert 0 < pilot < 1 and carry_on[13][0] == pilot  # the pilot's department alone until week 23
    everyone = live_after({"policy.rollout": "big_bang"})
    assert everyone[:8] == carry_on[:8] and everyone[8][0] == 1.0  # live the week after the decision
    longer = live_after({"policy.pilot_weeks": 30}, weeks=40)
    assert longer[31][0] == pilot and longer[32][0] == 1.0  # week 33 = 3 + 30, not 23
    sooner = live_after({"policy.go_live_week": 2, "policy.pilot_weeks": 9}, weeks=14)
    assert sooner[9][0] == pilot and sooner[10][0] == 1.0  # 2 + 9 = 11: the planned week, still ahead
    late = live_after({"policy.go_live_week": 1, "policy.pilot_weeks": 2})
    assert late[8][0] == 1.0  # already past in the new plan: next week
    mandate = live_after({"policy.mandate": 0.9})
    assert mandate == carry_on  # a change that keeps the schedule keeps it


@pytest.mark.parametrize(
    "change", [{"policy.rollout": "big_bang"}, {"policy.pilot_weeks": 30}, {"policy.rollout": "phased"}]
)
def test_a_changed_schedule_in_a_batch_is_each_organisations_own(change):
    together = live_after(change, weeks=40, seeds=(1, 2, 3))
    for b, seed in enumerate((1, 2, 3)):
        alone = live_after(change, weeks=40, seeds=(seed,))
        assert [week[b] for week in together] == [week[0] for week in alone]


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
    model = schedule_model({"policy.rollout": "phased", "policy.phase_interval_weeks": 4, **STEADY_COMMITMENT})
    state, sc = model.state, model.settings
    lr, fr = sc.learning.learn_rate, sc.learning.forget_rate
    # effective hours: planned x (0.5 + 0.5 x commitment); no busy weeks, not 24/7
    hours = sc.policy.training_hours * (0.5 + 0.5 * sc.policy.commitment)
    starters = 0
    for week in range(1, 18):
        before = state.skill.copy()
        was_live = state.live.copy()
        model.step()
        stayed = state.tenure_weeks > 1  # a post filled this week starts again from prior skill
        starting = state.live & ~was_live
        assert np.all(state.go_live_week[starting] == week)
        waiting = ~state.live & stayed
        assert np.array_equal(state.skill[waiting], before[waiting])  # nobody learns before go-live
        # starters are trained once, then learn or forget in their first week like everyone live
        new = starting & stayed
        trained = learning.trained_skill(before[new], hours, sc.learning.training_half_hours)
        assert np.all(
            np.isclose(state.skill[new], trained + lr * (1 - trained))
            | np.isclose(state.skill[new], trained * (1 - fr))
        )
        starters += new.sum()
        # those already live are not trained again: their skill only moves by use or forgetting
        old_rows = was_live & stayed
        old = before[old_rows]
        learned = np.isclose(state.skill[old_rows], old + lr * (1 - old))
        forgot = np.isclose(state.skill[old_rows], old * (1 - fr))
        assert np.all(learned | forgot)
    assert starters > 0


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


def skill_right_after_go_live(hours: float, overrides: dict | None = None) -> tuple[np.ndarray, np.ndarray, object]:
    """(skill before go-live, skill right after go-live, model) of the employees, same seed."""
    model = small_model({"policy.training_hours": hours, **(overrides or {})})
    go_live = model.settings.policy.go_live_week
    step_n(model, go_live - 1)
    employees = model.org.role != Role.PARTNER
    before = model.state.skill[employees].copy()
    model.apply_policy(go_live)
    assert model.state.live.all()
    return before, model.state.skill[employees].copy(), model


def test_more_training_raises_skill_at_go_live():
    # Deterministic: training is applied to the same prior skills (same seed), no randomness involved.
    results = [skill_right_after_go_live(h) for h in HOURS]
    priors = [before for before, _, _ in results]
    for prior in priors[1:]:
        assert np.array_equal(prior, priors[0])  # common random numbers: the same people
    after = np.array([a for _, a, _ in results])
    assert np.array_equal(after[0], priors[0])  # no training, no change
    assert np.all(np.diff(after.mean(axis=1)) > 0)
    assert np.all(np.diff(after, axis=0) >= 0)  # nobody is worse off with more training
    # exactly: hours x (0.5 + 0.5 x commitment) x share (1: no busy weeks, not 24/7)
    sc = results[0][2].settings
    for hours, (before, got, _) in zip(HOURS, results, strict=True):
        effective = hours * (0.5 + 0.5 * sc.policy.commitment)
        assert np.allclose(got, learning.trained_skill(before, effective, sc.learning.training_half_hours))


def test_training_depends_on_commitment():
    # committed leaders fund training: no commitment halves the hours, full commitment gives them all
    previous = None
    for commitment, factor in ((0.0, 0.5), (0.5, 0.75), (1.0, 1.0)):
        before, got, model = skill_right_after_go_live(24.0, {"policy.commitment": commitment})
        half_hours = model.settings.learning.training_half_hours
        assert np.allclose(got, learning.trained_skill(before, 24.0 * factor, half_hours))
        # the hours booked as wages: every employee who went live (partners' time is not the firm's)
        assert model.flows.training_hours == pytest.approx(24.0 * factor * model.org.employees)
        if previous is not None:
            assert got.mean() > previous.mean()
        previous = got


def test_a_go_live_in_busy_weeks_or_24_7_service_gets_less_training():
    overrides = {"policy.commitment": 1.0}
    go_live = small_model().settings.policy.go_live_week
    before, calm, _ = skill_right_after_go_live(24.0, overrides)
    # week 53 is week 1 of the second year, so a busy period around the go-live week of the year counts
    busy = {**overrides, "org.busy_weeks": [[go_live, go_live + 1]], "calendar.busy_training_loss": 0.7}
    _, hurried, model = skill_right_after_go_live(24.0, busy)
    half_hours = model.settings.learning.training_half_hours
    assert np.allclose(hurried, learning.trained_skill(before, 24.0 * 0.3, half_hours))
    assert hurried.mean() < calm.mean()
    # outside the busy period: full training
    _, outside, _ = skill_right_after_go_live(24.0, {**overrides, "org.busy_weeks": [[go_live + 1, go_live + 3]]})
    assert np.allclose(outside, calm)
    # 24/7: the service staff get half the hours, everyone else all of them
    _, round_clock, model = skill_right_after_go_live(24.0, {**overrides, "org.around_the_clock": True})
    service = model.org.role[model.org.role != Role.PARTNER] == Role.SERVICE
    assert service.any() and (~service).any()
    assert np.allclose(round_clock[service], learning.trained_skill(before[service], 12.0, half_hours))
    assert np.allclose(round_clock[~service], calm[~service])


def test_more_training_lowers_perceived_effort_in_the_go_live_week():
    # Deterministic: the go-live week's effort is computed from skill right after training.
    efforts = []
    for hours in HOURS:
        model = small_model({"policy.training_hours": hours})
        step_n(model, model.settings.policy.go_live_week)
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


def test_organic_management_lets_practice_drift_further_than_control():
    # Drift (seed 000): under control improvisers are brought back (drift.enforcement per week);
    # under organic management nobody is, and legitimised practices add usefulness.
    # 4 seeds, weeks 10-60. Observed: control ~0.02, organic ~0.06; require organic above control
    # on every seed and by 0.02 on the mean.
    seeds = SEEDS[:4]
    control = seed_means({"policy.management_style": "control"}, "drift", first_week=10, seeds=seeds)
    organic = seed_means({"policy.management_style": "organic"}, "drift", first_week=10, seeds=seeds)
    assert np.all(organic > control)
    assert organic.mean() - control.mean() > 0.02
    ts = run_small({"policy.management_style": "organic"}, seed=3)
    assert ts.summary["resolved_scenario"]["policy"]["management_style"] == "organic"
    assert ts.timeseries["drift"].between(0, 1).all()
