"""The case-study mechanisms in the model: sanctions and backlash, a CIO change, culture, turnover,
the partners' complaints, money and the verdict.

Small organisations (conftest.SMALL: 200 employees, 40 partners, 60 weeks), a few seeds, common
random numbers between the policies compared; tolerances are stated next to the assertions.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, STEADY_COMMITMENT, run_small, seed_means, small_model, step_n

from sim.core.mechanisms import governance, learning
from sim.core.metrics import agent_table
from sim.core.state import Role

FEW = SEEDS[:4]


# --- sanctions, reactance and backlash (seed 002) ----------------------------------------------


def test_sanctions_lower_sales_gaming_and_sales_morale():
    # 4 seeds, weeks 10-60. Observed: gaming_sales ~0.38 -> ~0.06, morale_sales 1.0 -> ~0.84
    # (seed SD ~0.03). Require every seed to agree and gaps of 0.15 and 0.05 on the means.
    free_gaming = seed_means({"policy.sanctions": 0.0}, "gaming_sales", first_week=10, seeds=FEW)
    sanctioned_gaming = seed_means({"policy.sanctions": 1.0}, "gaming_sales", first_week=10, seeds=FEW)
    free_morale = seed_means({"policy.sanctions": 0.0}, "morale_sales", first_week=10, seeds=FEW)
    sanctioned_morale = seed_means({"policy.sanctions": 1.0}, "morale_sales", first_week=10, seeds=FEW)
    assert np.all(sanctioned_gaming < free_gaming)
    assert free_gaming.mean() - sanctioned_gaming.mean() > 0.15
    assert np.all(free_morale == 1.0)  # nobody is disciplined, nobody loses goodwill
    assert np.all(sanctioned_morale < free_morale)
    assert free_morale.mean() - sanctioned_morale.mean() > 0.05


def test_without_sanctions_there_is_no_backlash_and_nobody_resigns():
    for seed in FEW[:2]:
        result = run_small({"policy.sanctions": 0.0}, seed)
        assert (result.timeseries["backlash"] == 0.0).all()
        assert not [e for e in result.summary["events"] if e["kind"] == "resignation"]


#: Full sanctions and a low threshold: backlash (~0.003-0.016 at its peak here) crosses it.
RESIGN = {"policy.sanctions": 1.0, "sanctions.backlash_threshold": 0.002}


def test_backlash_above_threshold_makes_the_senior_sales_manager_resign_once():
    threshold = RESIGN["sanctions.backlash_threshold"]
    for seed in FEW[:3]:
        result = run_small(RESIGN, seed)
        ts = result.timeseries
        resignations = [e for e in result.summary["events"] if e["kind"] == "resignation"]
        above = ts.loc[ts["backlash"] > threshold, "week"]
        assert len(above) > 1  # backlash stays above the threshold for several weeks ...
        assert len(resignations) == 1  # ... but he can resign only once
        assert resignations[0]["week"] == above.iloc[0]  # in the first week over the threshold
        assert "senior sales manager" in resignations[0]["text"]


def test_no_resignation_while_backlash_stays_under_the_threshold():
    # default threshold 0.04; backlash peaks at ~0.02 in the small organisation
    for seed in FEW[:2]:
        result = run_small({"policy.sanctions": 1.0}, seed)
        threshold = result.summary["resolved_scenario"]["sanctions"]["backlash_threshold"]
        assert result.timeseries["backlash"].max() <= threshold
        assert result.timeseries["backlash"].max() > 0
        assert [e for e in result.summary["events"] if e["kind"] == "resignation"] == []


def test_the_resignation_costs_the_sales_force_goodwill_and_fills_the_post():
    model = step_n(small_model({"policy.sanctions": 1.0}), 15)
    head, sales = model.world.senior_sales_manager, model.world.is_sales
    assert model.org.role[head] == Role.MANAGER
    assert head == np.bincount(model.org.manager[sales]).argmax()  # the manager of the most sales reps
    before = model.state.morale.copy()
    loss = model.settings.sanctions.goodwill_loss
    model.senior_sales_manager_resigns(16)
    morale = model.state.morale
    his = sales & (model.org.manager == head)
    others = sales & ~his
    assert his.any() and others.any()
    assert np.allclose(morale[others], before[others] * (1 - loss))
    assert np.all(morale[his] <= before[his] * (1 - loss) + 1e-12)  # his own team loses at least as much
    rest = ~sales
    rest[head] = False
    assert np.array_equal(morale[rest], before[rest])
    # a new senior sales manager: tenure 0, full morale
    assert model.state.tenure_weeks[head] == 0 and morale[head] == 1.0
    assert model.stocks.senior_sales_manager_resigned
    assert model.events[-1][:2] == (16, "resignation")


# --- governance: a change of CIO (seed 003) -------------------------------------------------------


def test_a_cio_change_shifts_the_goal_at_its_week_and_records_an_event():
    week, commitment = 12, 0.5
    model = small_model(
        {
            "policy.cio_change_week": week,
            "policy.integration": "partial",
            "policy.commitment": 0.5,
            "governance.integration_upkeep": 0.0,  # the gap moves only with the goal here
            **STEADY_COMMITMENT,
        }
    )
    step_n(model, week - 1)
    assert model.stocks.goal == "integration" and model.events == []
    gap = model.stocks.integration_gap
    assert gap == pytest.approx(0.4)
    model.step()
    assert model.stocks.goal == "data_collection"
    assert model.stocks.integration_gap == pytest.approx(
        governance.goal_after_cio_change(gap, commitment, model.settings.governance.abandoned_integration_gap)
    )
    assert model.stocks.integration_gap == pytest.approx(0.6)  # half the way to an abandoned 0.8
    assert [(w, kind) for w, kind, _ in model.events] == [(week, "cio_change")]
    # the same week, managers feel the push for volume and employees a reward for quick entries
    see, sc = model.last_perception, model.settings
    managers = model.world.is_manager
    push = commitment * sc.governance.data_collection_push * sc.policy.mandate
    assert np.allclose(see.pressure[managers], push)
    gain = sc.roles.managers.gaming_gain + governance.data_collection_gain(
        commitment, sc.governance.data_collection_gaming_gain
    )
    assert np.allclose(see.gaming_gain[managers], gain)
    assert np.allclose(see.gaming_gain[model.world.is_partner], sc.roles.partners.gaming_gain)
    step_n(model, 8)
    assert model.stocks.goal == "data_collection" and len(model.events) == 1


def test_the_cio_change_is_in_the_summary_and_without_one_the_goal_never_changes():
    events = run_small({"policy.cio_change_week": 12, **STEADY_COMMITMENT}).summary["events"]
    assert [(e["week"], e["kind"]) for e in events] == [(12, "cio_change")]
    model = small_model(STEADY_COMMITMENT)
    step_n(model, 30)
    assert model.stocks.goal == "integration" and model.events == []


# --- culture (seed 004) ----------------------------------------------------------------------------

#: Consolidation: the service teams at one central site, the rest in two countries, some distance.
CULTURE = {"org.sites": 3, "org.central_service_site": True, "culture.distance": 0.5}


def test_a_culture_programme_shrinks_the_distance_after_go_live_and_none_leaves_it():
    go_live, rate = 4, 0.03  # defaults: policy.go_live_week, culture.programme_rate
    none = run_small({**CULTURE, "policy.culture_programme": 0.0}).timeseries
    full = run_small({**CULTURE, "policy.culture_programme": 1.0}).timeseries
    assert (none["culture_distance"] == 0.5).all()
    weeks_live = np.clip(full["week"] - go_live + 1, 0, None)
    assert np.allclose(full["culture_distance"], 0.5 * (1 - rate) ** weeks_live)
    assert np.all(np.diff(full["culture_distance"]) <= 0)
    assert full["culture_distance"].iloc[-1] < 0.25
    # tension builds with the distance, less where the programme works
    assert none["tension"].iloc[-1] > 0
    assert full["tension"].iloc[-1] < none["tension"].iloc[-1]
    assert (run_small().timeseries["tension"] == 0.0).all()  # no distance: no tension


# --- turnover (seeds 001, 004) -----------------------------------------------------------------------

#: High quit hazards so that posts are refilled often; prior skill 0 so new hires' skill is known.
CHURN = {
    "roles.sales.quit_weekly": 0.05,
    "roles.service.quit_weekly": 0.05,
    "roles.managers.quit_weekly": 0.02,
    "learning.prior_skill": 0.0,
}


def spy_on_hires(model) -> list[dict]:
    """Record every hire as it happens: the rows and their state right after ``model.hire``."""
    log: list[dict] = []
    hire = model.hire

    def spy(rows):
        hire(rows)
        s = model.state
        log.append(
            {
                "week": model.steps,
                "rows": rows.copy(),
                "skill": s.skill[rows].copy(),
                "tenure": s.tenure_weeks[rows].copy(),
                "habit": s.habit[rows].copy(),
                "morale": s.morale[rows].copy(),
                "live": s.live[rows].copy(),
            }
        )

    model.hire = spy
    return log


def test_turnover_keeps_headcount_constant_and_new_hires_start_with_tenure_0():
    model = small_model(CHURN)
    n, roles, departments = model.org.n, model.org.role.copy(), model.org.department.copy()
    log = spy_on_hires(model)
    model.run_model()
    ts = model.recorder.frame()
    assert ts["turnover"].sum() > 0 and log
    # headcount: the same people-rows, roles and departments; a post is filled the week it is left
    assert model.org.n == n and len(model.agents) == n
    assert np.array_equal(model.org.role, roles) and np.array_equal(model.org.department, departments)
    agents = agent_table(model)
    assert len(agents) == n and agents["id"].is_unique
    # every leaver was replaced: as many hires as leavers recorded
    employees = int((roles != Role.PARTNER).sum())
    assert sum(len(e["rows"]) for e in log) == pytest.approx(ts["turnover"].sum() * employees)
    last_hire = {}
    for entry in log:
        assert np.all(model.org.role[entry["rows"]] != Role.PARTNER)  # partners do not quit
        assert np.all(entry["tenure"] == 0)
        assert np.all(entry["habit"] == 0.0)  # they never learnt the legacy process
        assert np.all(entry["morale"] == 1.0)
        last_hire.update(dict.fromkeys(entry["rows"].tolist(), entry["week"]))
    # their tenure counts from the week they were hired (that week included)
    rows = np.array(list(last_hire))
    weeks = np.array(list(last_hire.values()))
    assert np.array_equal(model.state.tenure_weeks[rows], model.steps - weeks + 1)


def test_the_crms_effort_makes_people_leave_only_once_it_is_live_for_them():
    # Same seeds (common random numbers), the service staff's CRM effort 0.5 or 5 (the most allowed),
    # go-live in week 30. Before it nobody bears the effort, so every week's turnover is the same to
    # the bit; after it the heavier system loses more people on every one of 4 seeds.
    def turnover(effort: float, seed: int):
        overrides = {**CHURN, "roles.service.base_effort": effort, "policy.go_live_week": 30, "run.weeks": 50}
        ts = run_small(overrides, seed).timeseries
        return ts.loc[ts["week"] < 30, "turnover_service"], ts.loc[ts["week"] >= 30, "turnover_service"].sum()

    for seed in FEW:
        light_before, light_after = turnover(0.5, seed)
        heavy_before, heavy_after = turnover(5.0, seed)
        assert light_before.sum() > 0
        assert np.array_equal(light_before.to_numpy(), heavy_before.to_numpy())
        assert heavy_after > light_after


@pytest.mark.parametrize("trained", [False, True])
def test_new_hires_keep_their_prior_skill_unless_trained(trained):
    model = small_model({**CHURN, "policy.new_hire_training": trained, **STEADY_COMMITMENT})
    log = spy_on_hires(model)
    step_n(model, 30)
    sc = model.settings
    hours = sc.policy.training_hours * (0.5 + 0.5 * sc.policy.commitment)
    trained_skill = learning.trained_skill(np.zeros(1), hours, sc.learning.training_half_hours)[0]
    assert trained_skill > 0
    live_hires = 0
    for entry in log:
        live = entry["live"]
        assert np.all(entry["skill"][~live] == 0.0)  # before go-live: prior skill, trained at go-live
        assert np.allclose(entry["skill"][live], trained_skill if trained else 0.0)
        live_hires += live.sum()
    assert live_hires > 10


# --- channel: complaints and compensation (seed 002) -------------------------------------------------


def test_compensation_is_paid_only_in_weeks_with_complaints():
    some = False
    for seed in FEW:
        result = run_small({"policy.integration": "none"}, seed)
        ts = result.timeseries
        complained, paid = ts["complaints"] > 0, ts["compensation_paid"] > 0
        assert (paid == complained).all()
        some |= complained.any()
        # each complaint is about a gap above the threshold, compensated for compensation_weeks
        resolved = result.summary["resolved_scenario"]
        ch, price = resolved["channel"], resolved["costs"]["price"]
        floor = ts["complaints"] * ch["complaint_threshold"] * price * ch["compensation_weeks"]
        assert (ts["compensation_paid"] >= floor - 1e-12).all()
        assert result.summary["outcomes"]["complaints_total"] == ts["complaints"].sum()
    assert some


def test_without_bent_terms_nobody_complains_and_no_margin_leaks():
    ts = run_small({"channel.bent_discount": 0.0}).timeseries
    assert (ts["complaints"] == 0).all() and (ts["compensation_paid"] == 0).all()
    assert (ts["margin_leakage"] == 0).all()
    assert (run_small().timeseries["margin_leakage"] > 0).any()


# --- money and the verdict ----------------------------------------------------------------------------


def test_cost_per_sale_is_the_old_cost_per_unit_before_go_live():
    for overrides in ({"policy.go_live_week": 6}, {"policy.go_live_week": 6, "costs.cost_per_unit": 0.3}):
        result = run_small(overrides)
        ts = result.timeseries
        unit_cost = result.summary["resolved_scenario"]["costs"]["cost_per_unit"]
        before = ts[ts["week"] < 6]
        assert len(before) == 5
        assert np.allclose(before["cost_per_sale"], unit_cost)
        assert (before["costs"] == 0).all()  # nothing spent before the rollout
        assert result.summary["outcomes"]["cost_per_sale_baseline"] == pytest.approx(unit_cost)
        # the implementation is booked at the first go-live
        implementation = result.summary["resolved_scenario"]["costs"]["implementation_per_employee"] * 200
        assert ts.loc[ts["week"] == 6, "costs"].iloc[0] >= implementation


VERDICT_CASES = [
    {},
    {"policy.integration": "full"},
    {"verdict.min_intended_use": 0.0, "verdict.min_roi": -10.0},  # anything passes
    {"verdict.min_intended_use": 1.0},  # nothing passes
]


@pytest.mark.parametrize("overrides", VERDICT_CASES)
def test_verdict_is_success_or_failure_by_its_criteria(overrides):
    result = run_small(overrides)
    ts, summary = result.timeseries, result.summary
    criteria = summary["resolved_scenario"]["verdict"]
    use = ts["intended_use"].tail(13).mean()
    roi = summary["outcomes"]["roi"]
    expected = "success" if use >= criteria["min_intended_use"] and roi >= criteria["min_roi"] else "failure"
    assert summary["verdict"] == expected
    detail = summary["verdict_detail"]
    assert detail["intended_use_last13"] == pytest.approx(use) and detail["roi"] == pytest.approx(roi)
    # the return on investment is the ledger's: the time series' running value and its totals
    outcomes = summary["outcomes"]
    assert roi == pytest.approx(ts["roi"].iloc[-1])
    assert outcomes["total_costs"] == pytest.approx(ts["costs"].sum())
    assert outcomes["total_benefits"] == pytest.approx(ts["benefits"].sum())
    assert roi == pytest.approx((outcomes["total_benefits"] - outcomes["total_costs"]) / outcomes["total_costs"])
    if overrides.get("verdict.min_roi") == -10.0:
        assert summary["verdict"] == "success"
    if overrides.get("verdict.min_intended_use") == 1.0:
        assert summary["verdict"] == "failure"


# --- the system: performance and fit (seeds 001, 003) -----------------------------------------------


@pytest.mark.parametrize(("upgrade", "expected"), [(False, 0.7), (True, 0.94)])
def test_system_performance_under_full_load_in_the_model(upgrade, expected):
    # 10 legacy systems, full integration, everyone live: 1 - 0.03 x 10 (x 0.2 with the upgrade)
    model = small_model({"org.legacy_systems": 10, "policy.integration": "full", "policy.legacy_upgrade": upgrade})
    step_n(model, 3)
    assert model.stocks.system_performance == 1.0  # nobody live, no load
    model.step()
    assert model.state.live[~model.world.is_partner].all()
    assert model.stocks.system_performance == pytest.approx(expected)


def test_outsourcing_without_expertise_starts_with_a_worse_fit_that_fixes_improve():
    inhouse = small_model()
    outsourced = small_model({"policy.outsourced": True, "policy.in_house_expertise": 0.0})
    initial = outsourced.stocks.system_fit
    assert initial < inhouse.stocks.system_fit
    fits = []
    for _ in range(20):
        outsourced.step()
        fits.append(outsourced.stocks.system_fit)
    assert fits[:3] == [initial] * 3  # no fixes before go-live (week 4)
    assert np.all(np.diff(fits[3:]) > 0)
