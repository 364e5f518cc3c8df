"""The case-study mechanisms as pure functions: directions, bounds and small hand-computed cases.

channel (seed 002), sanctions (002), oversight (001), role_conflict (001, 002), performance
(001), turnover and the calendar (001, 004), culture (004), governance (003), drift (000) and
money (the verdict). Each expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from sim import Scenario
from sim.core import batch
from sim.core.errors import InputError
from sim.core.mechanisms import (
    channel,
    culture,
    drift,
    governance,
    money,
    oversight,
    performance,
    role_conflict,
    sanctions,
    turnover,
)
from sim.core.state import DISENGAGE, GAME, GO_AROUND, IGNORE, LEGACY, SELF_SERVE, USE


def graph(n: int, pairs: list[tuple[int, int, float]]) -> sparse.csr_matrix:
    """A symmetric weighted graph on n nodes from (i, j, weight) pairs."""
    rows = [i for i, _, _ in pairs] + [j for _, j, _ in pairs]
    cols = [j for _, j, _ in pairs] + [i for i, _, _ in pairs]
    weights = [w for *_, w in pairs] * 2
    return sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))


# --- channel: bent terms, route value, complaints ------------------------------------------


def test_discounts_only_around_the_crm_through_a_gaming_rep():
    partner = np.array([SELF_SERVE, GO_AROUND, GO_AROUND, DISENGAGE, LEGACY, GO_AROUND])
    rep = np.array([GAME, GAME, USE, GAME, GAME, IGNORE])
    assert np.allclose(channel.discounts(partner, rep, 0.08), [0.0, 0.08, 0.0, 0.0, 0.0, 0.0])
    assert np.all(channel.discounts(partner, rep, 0.0) == 0.0)


def test_order_volume_is_one_unit_less_for_the_disengaged():
    partner = np.array([SELF_SERVE, GO_AROUND, DISENGAGE, LEGACY])
    assert np.allclose(channel.order_volume(partner, 0.5), [1.0, 1.0, 0.5, 1.0])
    assert np.allclose(channel.order_volume(partner, 0.0), [1.0, 1.0, 0.0, 1.0])


def test_route_value_moves_towards_the_discounts_seen_by_oneself_and_tied_partners():
    # partners 0-1 (weight 1), 1-2 (weight 2); 3 is alone. 0 and 1 went around; 0 got 0.08.
    peers = graph(4, [(0, 1, 1.0), (1, 2, 2.0)])
    belief = np.array([0.0, 0.04, 0.1, 0.3])
    discount = np.array([0.08, 0.0, 0.0, 0.0])
    went_around = np.array([True, True, False, False])
    channel.learn_route_value(belief, discount, went_around, peers, 0.5)
    # evidence (weighted mean discount of those who went around: self weight 1, peers their tie):
    #   0: self 0.08 and peer 1 (0.0, w 1) -> 0.04; belief 0 + 0.5 x 0.04 = 0.02
    #   1: self 0.0 and peer 0 (0.08, w 1) -> 0.04; belief 0.04 stays 0.04
    #   2: peer 1 only (0.0, w 2) -> 0.0; belief 0.1 + 0.5 x (0 - 0.1) = 0.05
    #   3: no evidence: belief unchanged
    assert np.allclose(belief, [0.02, 0.04, 0.05, 0.3])


def test_route_value_stays_without_evidence_and_converges_to_a_steady_discount():
    peers = graph(2, [(0, 1, 1.0)])
    belief = np.array([0.2, 0.0])
    nobody = np.zeros(2, dtype=bool)
    channel.learn_route_value(belief, np.zeros(2), nobody, peers, 0.3)
    assert np.allclose(belief, [0.2, 0.0])
    both = np.ones(2, dtype=bool)
    for _ in range(200):
        channel.learn_route_value(belief, np.full(2, 0.08), both, peers, 0.3)
    assert np.allclose(belief, 0.08)


def complaint_case(behaviour0=SELF_SERVE, threshold=0.02, probability=0.2, draw0=0.1):
    # partner 0 is tied to 1 and 2 (weight 1 each); 0 saw list terms, 1 saw 0.05, 2 saw 0.01
    peers = graph(3, [(0, 1, 1.0), (0, 2, 1.0)])
    terms = np.array([0.0, 0.05, 0.01])
    behaviour = np.array([behaviour0, GO_AROUND, SELF_SERVE])
    draw = np.array([draw0, 0.0, 0.0])
    return channel.complaints(terms, behaviour, peers, threshold, probability, draw)


def test_a_rule_follower_complains_when_tied_partners_got_clearly_better_terms():
    # partner 0: tied partners' mean terms (0.05 + 0.01) / 2 = 0.03, a gap of 0.03 > 0.02, draw 0.1 < 0.2
    complain, gap = complaint_case()
    assert complain.tolist() == [True, False, False]
    assert np.allclose(gap, [0.03, 0.0, 0.0])
    # partner 2 sees only partner 0 (0.0): a negative gap, no complaint even with draw 0


def test_no_complaint_when_the_draw_is_above_the_probability_or_the_gap_below_the_threshold():
    for kwargs in ({"draw0": 0.25}, {"draw0": 0.2}, {"threshold": 0.04}, {"probability": 0.0}):
        complain, gap = complaint_case(**kwargs)
        assert not complain.any(), kwargs
        assert np.all(gap == 0.0), kwargs


def test_only_self_serving_partners_complain():
    for behaviour in (GO_AROUND, DISENGAGE, LEGACY):
        complain, gap = complaint_case(behaviour0=behaviour)
        assert not complain.any() and np.all(gap == 0.0)


def test_a_gap_exactly_at_the_threshold_is_not_enough():
    # binary-exact: tied partners' mean (0.5 + 0.25) / 2 = 0.375 = threshold
    peers = graph(3, [(0, 1, 1.0), (0, 2, 1.0)])
    terms = np.array([0.0, 0.5, 0.25])
    behaviour = np.array([SELF_SERVE, GO_AROUND, GO_AROUND])
    complain, _ = channel.complaints(terms, behaviour, peers, 0.375, 1.0, np.zeros(3))
    assert not complain.any()
    complain, gap = channel.complaints(terms, behaviour, peers, 0.374, 1.0, np.zeros(3))
    assert complain.tolist() == [True, False, False] and gap[0] == 0.375


def test_an_isolated_partner_has_nobody_to_compare_with():
    peers = sparse.csr_matrix((2, 2))
    complain, gap = channel.complaints(np.array([0.0, 0.5]), np.array([SELF_SERVE] * 2), peers, 0.0, 1.0, np.zeros(2))
    assert not complain.any() and np.all(gap == 0.0)


# --- sanctions: detection, expected discipline, reactance, backlash -------------------------


def test_only_gamers_whose_manager_looks_are_detected_and_with_probability_detection():
    behaviour = np.array([GAME, GAME, GAME, USE, IGNORE])
    sees = np.array([True, True, False, True, True])
    draw = np.array([0.1, 0.5, 0.1, 0.1, 0.1])
    assert sanctions.detected(behaviour, sees, 0.3, draw).tolist() == [True, False, False, False, False]
    assert not sanctions.detected(behaviour, sees, 0.0, draw).any()
    rng = np.random.default_rng(0)
    hits = sanctions.detected(np.full(100_000, GAME), np.ones(100_000, dtype=bool), 0.3, rng.random(100_000))
    assert hits.mean() == pytest.approx(0.3, abs=0.01)


def test_expected_sanction_is_detection_times_sanctions_where_the_manager_looks():
    sees = np.array([True, False])
    assert np.allclose(sanctions.expected_sanction(sees, 0.3, 0.5), [0.15, 0.0])
    assert np.allclose(sanctions.expected_sanction(sees, 0.3, 0.0), 0.0)
    assert np.all(np.diff([sanctions.expected_sanction(sees, 0.3, s)[0] for s in (0.0, 0.5, 1.0)]) > 0)


def test_reactance_hits_the_disciplined_most_their_team_mates_some_and_others_not_at_all():
    morale = np.array([1.0, 1.0, 1.0, 0.5, 1.0])
    disciplined = np.array([True, False, False, False, False])
    team = np.array([0, 0, 0, 1, 1])
    sanctions.reactance(morale, disciplined, team, 0.4, 0.5, 0.1)
    # team 0 has a third disciplined: spillover 0.5 x 1/3 = 1/6
    #   0: 1 - 0.4 - 1/6 = 13/30, then + 0.1 x (1 - 13/30) -> 0.49
    #   1, 2: 1 - 1/6 = 5/6, then + 0.1 x 1/6 -> 0.85
    # team 1: nobody disciplined, only recovery: 0.5 + 0.1 x 0.5 = 0.55; 1 stays 1
    assert np.allclose(morale, [0.49, 0.85, 0.85, 0.55, 1.0])


def test_reactance_keeps_morale_in_the_unit_interval():
    rng = np.random.default_rng(3)
    morale = rng.random(200)
    team = rng.integers(0, 10, 200)
    for _ in range(100):
        disciplined = rng.random(200) < 0.5
        sanctions.reactance(morale, disciplined, team, 1.0, 5.0, rng.random())
        assert np.all((morale >= 0) & (morale <= 1))
    full = np.ones(3)
    sanctions.reactance(full, np.zeros(3, dtype=bool), np.zeros(3, dtype=int), 0.4, 0.5, 0.5)
    assert np.all(full == 1.0)  # nobody disciplined, full morale: unchanged


def test_backlash_is_a_moving_average_of_the_share_disciplined():
    assert sanctions.update_backlash(0.0, 0.08, 8.0) == pytest.approx(0.01)
    assert sanctions.update_backlash(0.04, 0.04, 8.0) == pytest.approx(0.04)  # steady state
    assert sanctions.update_backlash(0.3, 0.1, 1.0) == pytest.approx(0.1)  # no memory: this week's share
    b = 0.5
    for _ in range(100):
        b = sanctions.update_backlash(b, 0.0, 8.0)
    assert 0 <= b < 1e-5  # forgiven when discipline stops


# --- oversight aversion and present bias --------------------------------------------------


def test_lead_hiding_grows_with_oversight_aversion_and_pressure():
    assert np.allclose(
        oversight.lead_hiding_gain(np.array([0.1, 0.2, 0.0]), np.array([0.0, 1.0, 1.0]), 0.5), [0.05, 0.3, 0.0]
    )
    pressure = np.linspace(0, 1, 5)
    assert np.all(np.diff(oversight.lead_hiding_gain(np.full(5, 0.2), pressure, 0.5)) > 0)


def test_present_bias_discounts_the_datas_later_value():
    assert np.allclose(
        oversight.discounted_data_value(np.array([0.5, 0.5, 0.5]), np.array([0.0, 0.3, 1.0])), [0.5, 0.35, 0.0]
    )


# --- role conflict ---------------------------------------------------------------------------


def test_upsell_prompts_add_their_workload_only_when_on():
    assert role_conflict.upsell_load(True, 0.2) == 0.2
    assert role_conflict.upsell_load(False, 0.2) == 0.0


def test_friction_from_load_and_refusal_of_live_service_staff():
    # live x (0.5 x prompts + 0.5 x gap + 0.5 x refusing), at most 1
    assert role_conflict.friction(0.5, False, 0.4, 0.2, 0.5, 0.5, 0.5) == pytest.approx(0.5 * (0.2 + 0.1))
    assert role_conflict.friction(1.0, True, 1.0, 1.0, 0.5, 0.5, 0.5) == 1.0  # 1.5, capped
    assert role_conflict.friction(0.0, True, 1.0, 1.0, 0.5, 0.5, 0.5) == 0.0  # nobody live: no friction
    assert (
        role_conflict.friction(1.0, False, 0.0, 0.0, 0.5, 0.5, 0.5) == 0.0
    )  # full integration, no prompts, nobody refusing
    assert role_conflict.friction(1.0, True, 0.4, 0.2, 0.5, 0.5, 0.5) > role_conflict.friction(
        1.0, False, 0.4, 0.2, 0.5, 0.5, 0.5
    )


def test_conflict_moves_towards_friction_at_its_rate():
    assert role_conflict.update_conflict(0.2, 1.0, 0.05) == pytest.approx(0.24)
    assert role_conflict.update_conflict(0.2, 0.0, 0.05) == pytest.approx(0.19)
    c = 0.0
    for _ in range(500):
        c = role_conflict.update_conflict(c, 0.6, 0.05)
        assert 0 <= c <= 0.6
    assert c == pytest.approx(0.6)


# --- system performance ----------------------------------------------------------------------


def test_system_performance_hand_cases():
    # 1 - penalty x systems x level x load, x 0.2 with an upgrade
    assert performance.system_performance(10, "full", False, 1.0, 0.03, 0.2) == pytest.approx(0.7)
    assert performance.system_performance(10, "partial", False, 1.0, 0.03, 0.2) == pytest.approx(0.85)
    assert performance.system_performance(10, "full", False, 0.5, 0.03, 0.2) == pytest.approx(0.85)
    assert performance.system_performance(10, "full", True, 1.0, 0.03, 0.2) == pytest.approx(0.94)
    assert performance.system_performance(100, "full", False, 1.0, 0.03, 0.2) == 0.0  # floored


def test_more_legacy_systems_and_fuller_integration_slow_the_system():
    systems = [0, 2, 5, 10, 20]
    for level in ("partial", "full"):
        perf = [performance.system_performance(k, level, False, 1.0, 0.03, 0.2) for k in systems]
        assert perf[0] == 1.0 and np.all(np.diff(perf) < 0)
    by_level = [performance.system_performance(10, lvl, False, 1.0, 0.03, 0.2) for lvl in ("none", "partial", "full")]
    assert by_level[0] > by_level[1] > by_level[2]


def test_no_integration_means_no_penalty_whatever_the_legacy_systems():
    for k in (0, 5, 100):
        assert performance.system_performance(k, "none", False, 1.0, 1.0, 0.2) == 1.0


def test_upgrading_legacy_systems_removes_most_of_the_penalty():
    slow = 1.0 - performance.system_performance(10, "full", False, 1.0, 0.03, 0.2)
    upgraded = 1.0 - performance.system_performance(10, "full", True, 1.0, 0.03, 0.2)
    assert upgraded == pytest.approx(0.2 * slow)
    assert upgraded < 0.5 * slow


def test_slowness_raises_effort():
    assert performance.slowness_effort(1.0, 1.0) == 1.0
    assert performance.slowness_effort(0.7, 1.0) == pytest.approx(1.3)
    assert performance.slowness_effort(0.7, 2.0) == pytest.approx(1.6)
    assert performance.slowness_effort(0.5, 0.0) == 1.0


# --- turnover and the calendar ----------------------------------------------------------------


def test_quit_probability_hand_case():
    # dissatisfaction = (1 - morale) + tension + max(effort - 0.5, 0) = 0.5 + 0.2 + 0.4 = 1.1
    p = turnover.quit_probability(np.array([0.01]), np.array([0.5]), np.array([0.2]), np.array([0.9]), 1.5, 0.5)
    assert p[0] == pytest.approx(0.01 * (1 + 1.5 * 1.1))
    # effort below 0.5 does not count; a content person quits at the base hazard
    p = turnover.quit_probability(
        np.array([0.01, 0.01]), np.array([1.0, 1.0]), np.zeros(2), np.array([0.3, 0.5]), 1.5, 0.5
    )
    assert np.allclose(p, 0.01)


def test_quit_probability_is_monotone_in_dissatisfaction_and_a_probability():
    base = np.full(11, 0.01)
    grid = np.linspace(0, 1, 11)
    by_morale = turnover.quit_probability(base, grid, np.zeros(11), np.zeros(11), 1.5, 0.5)
    by_tension = turnover.quit_probability(base, np.ones(11), grid, np.zeros(11), 1.5, 0.5)
    by_effort = turnover.quit_probability(base, np.ones(11), np.zeros(11), 0.5 + grid, 1.5, 0.5)
    assert np.all(np.diff(by_morale) < 0)  # higher morale, fewer leave
    assert np.all(np.diff(by_tension) > 0)
    assert np.all(np.diff(by_effort) > 0)
    assert np.all(turnover.quit_probability(base, grid, np.zeros(11), np.zeros(11), 0.0, 0.5) == 0.01)  # insensitive
    extreme = turnover.quit_probability(np.full(3, 0.5), np.zeros(3), np.ones(3), np.full(3, 3.0), 20.0, 0.5)
    assert np.all(extreme == 1.0)


@pytest.mark.parametrize(
    ("week", "busy_weeks", "busy"),
    [
        (20, [(20, 24)], True),
        (24, [(20, 24)], True),
        (19, [(20, 24)], False),
        (25, [(20, 24)], False),
        (52, [(52, 52)], True),
        (53, [(1, 1)], True),  # week 53 is week 1 of year 2
        (53, [(52, 52)], False),
        (104, [(52, 52)], True),
        (105, [(1, 2)], True),
        (72, [(20, 24)], True),  # 72 = 52 + 20
        (30, [(1, 2), (29, 31)], True),
        (30, [], False),
    ],
)
def test_is_busy_by_week_of_the_year(week, busy_weeks, busy):
    assert turnover.is_busy(week, busy_weeks) is busy


def test_a_busy_period_across_the_new_year_wraps():
    scenario = Scenario.default().with_overrides({"org.busy_weeks": [[50, 2]]})
    busy = [w for w in range(1, 60) if turnover.is_busy(w, scenario.org.busy_weeks)]
    assert busy == [1, 2, 50, 51, 52, 53, 54]


@pytest.mark.parametrize("pair", [[53, 60], [0, 10]])
def test_busy_weeks_outside_the_year_are_rejected(pair):
    with pytest.raises(InputError, match="busy_weeks"):
        Scenario.default().with_overrides({"org.busy_weeks": [pair]})


def test_training_share_in_busy_weeks_and_for_24_7_service():
    service = np.array([True, False])
    assert np.allclose(turnover.training_share(False, False, service, 0.7, 0.5), [1.0, 1.0])
    assert np.allclose(turnover.training_share(True, False, service, 0.7, 0.5), [0.3, 0.3])
    assert np.allclose(turnover.training_share(False, True, service, 0.7, 0.5), [0.5, 1.0])  # service cannot stop
    assert np.allclose(turnover.training_share(True, True, service, 0.7, 0.5), [0.15, 0.3])
    assert np.allclose(turnover.training_share(True, False, service, 0.0, 0.5), [1.0, 1.0])


# --- culture ----------------------------------------------------------------------------------


def culture_graph():
    # sites: 0, 0, 1, 1, 2. Ties: 0-1 w1 (within), 0-2 w3 (across), 2-3 w2 (within), 1-4 w1 (across)
    return graph(5, [(0, 1, 1.0), (0, 2, 3.0), (2, 3, 2.0), (1, 4, 1.0)]), np.array([0, 0, 1, 1, 2])


def test_split_ties_partitions_the_network_by_subculture():
    adjacency, site = culture_graph()
    within, across = culture.split_ties(adjacency, site)
    assert np.allclose((within + across).toarray(), adjacency.toarray())
    w, x = within.tocoo(), across.tocoo()
    assert np.all(site[w.row] == site[w.col]) and np.all(site[x.row] != site[x.col])
    assert within.nnz == 4 and across.nnz == 4  # two ties each, both directions
    assert (within != within.T).nnz == 0 and (across != across.T).nnz == 0
    one_site = culture.split_ties(adjacency, np.zeros(5, dtype=int))
    assert np.allclose(one_site[0].toarray(), adjacency.toarray()) and one_site[1].nnz == 0


def test_crossing_share_is_the_weight_share_of_ties_across():
    adjacency, site = culture_graph()
    within, across = culture.split_ties(adjacency, site)
    # 0: 1 within, 3 across -> 0.75; 1: 1 and 1 -> 0.5; 2: 2 within, 3 across -> 0.6; 3: 0; 4: 1
    assert np.allclose(culture.crossing_share(within, across), [0.75, 0.5, 0.6, 0.0, 1.0])
    isolated = sparse.csr_matrix((2, 2))
    assert np.all(culture.crossing_share(isolated, isolated) == 0.0)


def test_tension_moves_towards_distance_times_crossing_for_live_people_only():
    tension = np.array([0.0, 0.5, 0.2])
    culture.update_tension(tension, 0.6, np.array([0.5, 0.5, 1.0]), np.array([True, True, False]), 0.1)
    # targets 0.3, 0.3; 0 -> 0.03, 0.5 -> 0.48; the third is not live: unchanged
    assert np.allclose(tension, [0.03, 0.48, 0.2])
    calm = np.array([0.4])
    for _ in range(300):
        culture.update_tension(calm, 0.0, np.ones(1), np.ones(1, dtype=bool), 0.05)
    assert calm[0] < 1e-6  # no distance: tension fades


def test_culture_programme_shrinks_the_distance_and_no_programme_leaves_it():
    assert culture.shrink_distance(0.5, 0.0, 0.03) == 0.5
    assert culture.shrink_distance(0.5, 1.0, 0.03) == pytest.approx(0.485)
    assert culture.shrink_distance(0.5, 0.5, 0.1) == pytest.approx(0.475)
    assert culture.shrink_distance(0.0, 1.0, 0.03) == 0.0
    assert culture.shrink_distance(0.5, 1.0, 0.2) < culture.shrink_distance(0.5, 0.5, 0.2) < 0.5


# --- governance ---------------------------------------------------------------------------------


def test_initial_fit_is_worse_outsourced_without_in_house_expertise():
    assert governance.initial_fit(False, 0.0, 0.4, 0.5) == pytest.approx(0.8)
    assert governance.initial_fit(False, 1.0, 0.4, 0.5) == pytest.approx(0.8)  # in-house: expertise irrelevant
    assert governance.initial_fit(True, 1.0, 0.4, 0.5) == pytest.approx(0.8)  # a balanced team fits as in-house
    assert governance.initial_fit(True, 0.5, 0.4, 0.5) == pytest.approx(0.7)
    assert governance.initial_fit(True, 0.0, 0.4, 0.5) == pytest.approx(0.6)
    fits = [governance.initial_fit(True, e, 0.4, 0.5) for e in np.linspace(0, 1, 6)]
    assert np.all(np.diff(fits) > 0)
    assert governance.initial_fit(True, 0.0, 0.0, 0.5) == 1.0


def test_fix_rate_scales_with_commitment_and_is_slow_for_outsiders():
    assert governance.fix_rate(0.02, 1.0, False, 0.0, 0.3) == pytest.approx(0.02)
    assert governance.fix_rate(0.02, 0.5, False, 0.0, 0.3) == pytest.approx(0.01)
    assert governance.fix_rate(0.02, 0.0, False, 1.0, 0.3) == 0.0
    assert governance.fix_rate(0.02, 1.0, True, 0.0, 0.3) == pytest.approx(0.006)  # 0.3 of the speed
    assert governance.fix_rate(0.02, 1.0, True, 1.0, 0.3) == pytest.approx(0.02)
    assert governance.improve_fit(0.6, 0.25) == pytest.approx(0.7)
    assert governance.improve_fit(1.0, 0.25) == 1.0


def test_goal_after_cio_change_widens_the_gap_unless_commitment_holds():
    gap = 0.4  # partial integration
    assert governance.goal_after_cio_change(gap, 1.0, 0.8) == gap  # full commitment: unchanged
    assert governance.goal_after_cio_change(gap, 0.0, 0.8) == pytest.approx(0.8)
    assert governance.goal_after_cio_change(gap, 0.5, 0.8) == pytest.approx(0.6)
    assert governance.goal_after_cio_change(0.0, 0.0, 0.8) == pytest.approx(0.8)  # full integration abandoned
    assert governance.goal_after_cio_change(1.0, 0.0, 0.8) == 1.0  # nothing integrated: nothing to lose
    gaps = [governance.goal_after_cio_change(gap, c, 0.8) for c in np.linspace(0, 1, 6)]
    assert np.all(np.diff(gaps) < 0)


def test_data_collection_gain_falls_with_commitment():
    assert governance.data_collection_gain(1.0, 0.4) == 0.0
    assert governance.data_collection_gain(0.0, 0.4) == pytest.approx(0.4)
    assert governance.data_collection_gain(0.5, 0.4) == pytest.approx(0.5 * 0.4)


# --- drift --------------------------------------------------------------------------------------


def test_improvisation_starts_where_fit_is_poor_and_spreads_from_neighbours():
    improvising = np.array([False, False, False, True])
    in_crm = np.array([True, True, False, False])
    neighbours = np.array([0.0, 1.0, 1.0, 0.0])
    draw = np.array([0.05, 0.45, 0.0, 0.9])
    # p = 0.2 x (1 - 0.5) + 0.4 x neighbours = 0.1, 0.5, 0.5, 0.1
    drift.improvise(improvising, in_crm, 0.5, neighbours, 0.2, 0.4, draw)
    # 0: 0.05 < 0.1; 1: 0.45 < 0.5; 2: not in the CRM; 3: already improvising, stays
    assert improvising.tolist() == [True, True, False, True]
    nobody = np.zeros(3, dtype=bool)
    drift.improvise(nobody, np.ones(3, dtype=bool), 1.0, np.zeros(3), 0.2, 0.4, np.zeros(3))
    assert not nobody.any()  # perfect fit, no improvising neighbours: nothing starts


def test_control_brings_improvisers_back_and_organic_does_not():
    draw = np.array([0.1, 0.5, 0.1])
    control = np.array([True, True, False])
    drift.enforce_design(control, "control", 0.3, draw)
    assert control.tolist() == [False, True, False]
    organic = np.array([True, True, False])
    drift.enforce_design(organic, "organic", 0.3, np.zeros(3))
    assert organic.tolist() == [True, True, False]


def test_only_organic_management_legitimises_improvised_value():
    improvising = np.array([True, False])
    assert np.allclose(drift.legitimised_value(improvising, "organic", 0.4), [0.4, 0.0])
    assert np.all(drift.legitimised_value(improvising, "control", 0.4) == 0.0)


def test_drift_index_is_the_share_of_people_in_the_crm_who_improvise():
    improvising = np.array([True, True, False, True])
    in_crm = np.array([True, False, True, True])
    alone = batch.single(4)
    assert drift.drift_index(improvising, in_crm, alone) == pytest.approx([2 / 3])
    assert drift.drift_index(improvising, np.zeros(4, dtype=bool), alone) == [0.0]
    assert drift.drift_index(np.ones(4, dtype=bool), np.ones(4, dtype=bool), alone) == [1.0]
    # in a batch, each organisation's own share: rows 0-1 are one organisation, rows 2-3 another
    two = batch.Blocks.of(np.array([0, 0, 1, 1]), (np.array([0, 1]), np.array([2, 3])))
    assert drift.drift_index(improvising, in_crm, two) == pytest.approx([1.0, 0.5])


# --- money and the verdict --------------------------------------------------------------------


def test_ledger_totals_roi_and_benefits_realised():
    ledger = money.Ledger.empty(2)  # two organisations
    assert list(ledger.roi()) == [0.0, 0.0] and list(ledger.benefits_realised()) == [0.0, 0.0]  # nothing spent
    ledger.book(np.array([100.0, 10.0]), np.array([50.0, 0.0]), np.array([80.0, 0.0]))
    ledger.book(np.array([0.0, 0.0]), np.array([30.0, 0.0]), np.array([20.0, 0.0]))
    assert (ledger.costs[0], ledger.benefits[0], ledger.planned_benefits[0]) == (100.0, 80.0, 100.0)
    assert ledger.roi() == pytest.approx([-0.2, -1.0])  # (80 - 100) / 100; the second spent and got nothing
    assert ledger.benefits_realised()[0] == pytest.approx(0.8)
    ledger.book(np.array([0.0, 0.0]), np.array([70.0, 0.0]), np.array([0.0, 0.0]))
    assert ledger.roi()[0] == pytest.approx(0.5) and ledger.benefits_realised()[0] == pytest.approx(1.5)
    ledger.book(np.array([np.inf, 0.0]), np.array([0.0, 0.0]), np.array([0.0, 0.0]))
    assert np.isnan(ledger.roi()[0]) and ledger.roi()[1] == -1.0  # money that cannot be computed is NaN


def test_verdict_needs_both_criteria():
    assert money.verdict(0.6, 0.0, 0.6, 0.0) == "success"  # at the criteria is enough
    assert money.verdict(0.9, 1.0, 0.6, 0.0) == "success"
    assert money.verdict(0.59, 1.0, 0.6, 0.0) == "failure"
    assert money.verdict(0.9, -0.01, 0.6, 0.0) == "failure"
    assert money.verdict(0.1, -0.5, 0.6, 0.0) == "failure"


# --- named coefficients: each pushes its way -------------------------------------------------


def test_a_higher_tolerated_effort_lowers_quitting():
    base, morale, tension, effort = np.full(3, 0.01), np.ones(3), np.zeros(3), np.full(3, 1.2)
    p = [turnover.quit_probability(base, morale, tension, effort, 1.5, t)[0] for t in (0.0, 0.5, 1.0, 2.0)]
    assert np.all(np.diff(p) < 0)
    assert p[-1] == pytest.approx(0.01)  # effort within what is tolerated: only the role's hazard


def test_a_faster_outsourced_fix_speed_raises_fit():
    fits = []
    for speed in (0.0, 0.3, 0.6, 1.0):
        fit = governance.initial_fit(True, 0.0, 0.4, 0.5)
        for _ in range(52):
            fit = governance.improve_fit(fit, governance.fix_rate(0.02, 0.8, True, 0.0, speed))
        fits.append(fit)
    assert np.all(np.diff(fits) > 0)
    assert governance.fix_rate(0.02, 0.8, False, 0.0, 0.0) == pytest.approx(0.016)  # in house: speed irrelevant


def test_a_larger_in_house_misfit_share_lowers_the_fit_of_every_build():
    for outsourced, expertise in ((False, 0.0), (True, 1.0), (True, 0.5)):
        fits = [governance.initial_fit(outsourced, expertise, 0.4, s) for s in (0.0, 0.5, 1.0)]
        assert np.all(np.diff(fits) < 0)
    assert governance.initial_fit(True, 0.0, 0.4, 0.0) == pytest.approx(0.6)  # outsiders alone: all the misfit


def test_the_upgraded_penalty_share_is_the_share_of_the_drag_left():
    slow = 1.0 - performance.system_performance(10, "full", False, 1.0, 0.03, 0.2)
    for share in (0.0, 0.2, 0.5, 1.0):
        left = 1.0 - performance.system_performance(10, "full", True, 1.0, 0.03, share)
        assert left == pytest.approx(share * slow)


def test_each_source_of_friction_adds_by_its_own_weight():
    assert role_conflict.friction(1.0, True, 0.0, 0.0, 0.3, 0.5, 0.5) == pytest.approx(0.3)
    assert role_conflict.friction(1.0, False, 0.4, 0.0, 0.5, 0.25, 0.5) == pytest.approx(0.1)
    assert role_conflict.friction(1.0, False, 0.0, 0.4, 0.5, 0.5, 0.75) == pytest.approx(0.3)
    assert role_conflict.friction(0.5, True, 1.0, 1.0, 0.0, 0.0, 0.0) == 0.0  # no weights: no friction


def test_a_more_exposed_pipeline_makes_hiding_leads_pay_more():
    aversion, pressure = np.full(3, 0.2), np.zeros(3)
    gains = [oversight.lead_hiding_gain(aversion, pressure, v)[0] for v in (0.0, 0.5, 1.0)]
    assert gains == pytest.approx([0.0, 0.1, 0.2])


def test_around_the_clock_service_gets_its_share_of_training():
    service = np.array([True, False])
    assert np.allclose(turnover.training_share(False, True, service, 0.7, 0.25), [0.25, 1.0])
    assert np.allclose(turnover.training_share(False, True, service, 0.7, 1.0), [1.0, 1.0])
