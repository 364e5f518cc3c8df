"""Invariants under random valid scenarios (hypothesis): shares, bounds, head count, behaviour codes."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CRMRollout, Scenario
from sim.core.metrics import EMPLOYEE_COLUMNS, PARTNER_COLUMNS, agent_table
from sim.core.state import EMPLOYEE_OPTIONS, LEGACY, PARTNER_OPTIONS, Role

# derandomize: the same examples on every run (seeded), no example database between runs
SETTINGS = settings(
    max_examples=15, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)

SHARE_GROUPS = [
    ("live", [c for c in EMPLOYEE_COLUMNS]),
    *[(None, [c + suffix for c in EMPLOYEE_COLUMNS]) for suffix in ("_sales", "_service", "_managers")],
    ("live_partners", list(PARTNER_COLUMNS)),
]


@st.composite
def scenarios(draw) -> Scenario:
    """A random valid scenario on a small organisation, run for a few weeks."""
    overrides = {
        "run.seed": draw(st.integers(0, 2**32 - 1)),
        "run.weeks": draw(st.integers(1, 25)),
        "org.employees": draw(st.integers(4, 150)),
        "org.partners": draw(st.integers(0, 30)),
        "org.sales_share": draw(st.floats(0, 1)),
        "org.span_of_control": draw(st.integers(2, 25)),
        "org.departments": draw(st.integers(1, 8)),
        "org.sites": draw(st.integers(1, 4)),
        "network.kind": draw(st.sampled_from(["small_world", "scale_free"])),
        "network.team_degree": draw(st.integers(0, 8)),
        "network.rewire": draw(st.floats(0, 1)),
        "network.cross_team_ties": draw(st.floats(0, 5)),
        "network.partner_ties": draw(st.floats(0, 5)),
        "policy.rollout": draw(st.sampled_from(["big_bang", "phased", "pilot"])),
        "policy.go_live_week": draw(st.integers(1, 10)),
        "policy.phase_interval_weeks": draw(st.integers(1, 6)),
        "policy.pilot_weeks": draw(st.integers(1, 10)),
        "policy.integration": draw(st.sampled_from(["none", "partial", "full"])),
        "policy.training_hours": draw(st.floats(0, 400)),
        "policy.sanctions": draw(st.floats(0, 1)),
        "policy.mandate": draw(st.floats(0, 1)),
        "behaviour.choice_sensitivity": draw(st.floats(0.01, 50)),
        "behaviour.attitude_sd": draw(st.floats(0, 5)),
        "behaviour.habit_decay": draw(st.floats(0, 1)),
        "data.initial_quality": draw(st.floats(0, 1)),
        "data.adjustment_rate": draw(st.floats(0, 1)),
        "data.trust_lag_weeks": draw(st.floats(1, 50)),
        "learning.prior_skill": draw(st.floats(0, 1)),
        "learning.learn_rate": draw(st.floats(0, 1)),
        "learning.forget_rate": draw(st.floats(0, 1)),
        "roles.sales.gaming_gain": draw(st.floats(-5, 5)),
        "roles.partners.base_usefulness": draw(st.floats(-5, 5)),
        # the case-study mechanisms, pushed to the edges of their ranges
        "org.legacy_systems": draw(st.integers(0, 100)),
        "org.around_the_clock": draw(st.booleans()),
        "org.busy_weeks": draw(st.lists(st.tuples(st.integers(1, 52), st.integers(1, 52)).map(sorted), max_size=2)),
        "org.central_service_site": draw(st.booleans()),
        "network.support_ties": draw(st.floats(0, 3)),
        "policy.management_style": draw(st.sampled_from(["control", "organic"])),
        "policy.upsell_prompts": draw(st.booleans()),
        "policy.champions": draw(st.floats(0, 0.5)),
        "policy.value_returned": draw(st.floats(0, 1)),
        "policy.culture_programme": draw(st.floats(0, 1)),
        "policy.commitment": draw(st.floats(0, 1)),
        "policy.cio_change_week": draw(st.none() | st.integers(1, 25)),
        "policy.outsourced": draw(st.booleans()),
        "policy.in_house_expertise": draw(st.floats(0, 1)),
        "policy.new_hire_training": draw(st.booleans()),
        "policy.legacy_upgrade": draw(st.booleans()),
        "roles.sales.quit_weekly": draw(st.floats(0, 1)),
        "roles.service.quit_weekly": draw(st.floats(0, 1)),
        "roles.sales.oversight_aversion": draw(st.floats(0, 5)),
        "roles.managers.present_bias": draw(st.floats(0, 1)),
        "channel.bent_discount": draw(st.floats(0, 1)),
        "channel.complaint_threshold": draw(st.floats(0, 1)),
        "channel.complaint_probability": draw(st.floats(0, 1)),
        "channel.learning_rate": draw(st.floats(0, 1)),
        "channel.terms_memory_weeks": draw(st.floats(1, 200)),
        "sanctions.detection": draw(st.floats(0, 1)),
        "sanctions.morale_hit": draw(st.floats(0, 1)),
        "sanctions.spillover": draw(st.floats(0, 5)),
        "sanctions.morale_recovery": draw(st.floats(0, 1)),
        "sanctions.backlash_memory_weeks": draw(st.floats(1, 200)),
        "sanctions.backlash_threshold": draw(st.floats(0, 1)),
        "sanctions.goodwill_loss": draw(st.floats(0, 1)),
        "performance.penalty_per_system": draw(st.floats(0, 1)),
        "performance.effort_per_slowness": draw(st.floats(0, 10)),
        "calendar.busy_effort": draw(st.floats(0, 5)),
        "calendar.busy_training_loss": draw(st.floats(0, 1)),
        "calendar.turnover_sensitivity": draw(st.floats(0, 20)),
        "culture.distance": draw(st.floats(0, 1)),
        "culture.tension_rate": draw(st.floats(0, 1)),
        "culture.programme_rate": draw(st.floats(0, 1)),
        "governance.misfit": draw(st.floats(0, 1)),
        "governance.fix_rate": draw(st.floats(0, 1)),
        "drift.start_rate": draw(st.floats(0, 1)),
        "drift.spread": draw(st.floats(0, 1)),
        "drift.enforcement": draw(st.floats(0, 1)),
        "role_conflict.conflict_rate": draw(st.floats(0, 1)),
    }
    return Scenario.default().with_overrides(overrides)


#: Stocks of the organisation that are shares or indices in [0, 1].
UNIT_STOCKS = ("system_fit", "system_performance", "conflict", "backlash", "culture_distance", "integration_gap")
#: Per-person states in [0, 1].
UNIT_STATES = ("skill", "habit", "trust", "morale", "tension")


def check_state(model: CRMRollout) -> None:
    state, org = model.state, model.org
    for name in UNIT_STATES:
        values = getattr(state, name)
        assert np.all((values >= 0) & (values <= 1)), name
    stocks = model.stocks
    assert np.all((stocks.data_quality >= 0) & (stocks.data_quality <= 1))
    for name in UNIT_STOCKS:
        assert 0.0 <= getattr(stocks, name) <= 1.0, name
    assert stocks.goal in ("integration", "data_collection")
    assert 0.0 <= model.flows.drift <= 1.0
    assert np.all(np.isfinite(state.route_belief)) and np.all(np.isfinite(state.terms_seen))
    assert np.all(np.isfinite(state.felt_effort)) and np.all(np.isfinite(state.perceived_usefulness))
    # behaviour codes: legacy exactly when not live, else one of the role's three options
    assert np.array_equal(state.routine == LEGACY, ~state.live)
    assert np.all(np.isin(state.routine, [LEGACY, 0, 1, 2]))
    # everyone who is live kept what they carried into the week unless they reconsidered, and
    # would have chosen with probabilities that sum to 1
    live = state.live
    if live.any():
        kept = live & ~state.reconsidered
        assert np.array_equal(state.routine[kept], model.last_perception.routine[kept])
        assert np.allclose(model.choice_probabilities()[:, live].sum(axis=0), 1.0)
        chance = state.reconsider_probability[live]
        assert np.all((chance >= 0) & (chance <= 1)), "a chance of reconsidering outside 0-1"
    assert len(model.agents) == org.n


@SETTINGS
@given(scenarios())
def test_invariants_hold_every_week(scenario):
    model = CRMRollout(scenario)
    n = scenario.org.employees + scenario.org.partners
    assert len(model.agents) == n == model.org.n
    while model.running:
        model.step()
        check_state(model)
        assert len(model.agents) == n
    assert model.steps == scenario.run.weeks


@SETTINGS
@given(scenarios())
def test_timeseries_shares_sum_to_one_and_stay_in_unit_interval(scenario):
    model = CRMRollout(scenario)
    model.run_model()
    ts = model.recorder.frame()
    assert len(ts) == scenario.run.weeks
    assert not ts.isna().any().any()
    share_columns = [c for _, cols in SHARE_GROUPS for c in cols]
    unit = ["live", "live_partners", "data_quality", "trust", "skill", "morale_sales", "tension", "drift"]
    unit += ["system_performance", "system_fit", "conflict", "backlash", "culture_distance"]
    unit += ["turnover", "turnover_sales", "turnover_service"]
    for column in [*share_columns, *unit]:
        assert ts[column].between(0, 1).all(), column
    assert np.isfinite(ts.to_numpy(dtype=float)).all()
    for column in ("turnover", "turnover_sales", "turnover_service", "complaints", "compensation_paid", "costs"):
        assert (ts[column] >= 0).all(), column
    for gate, cols in SHARE_GROUPS:
        total = ts[cols].sum(axis=1)
        if gate is None:  # a role's shares: 1 where the role has anyone live, else all 0
            assert np.all(np.isclose(total, 1.0, atol=1e-9) | (total == 0.0))
        else:
            assert np.allclose(total[ts[gate] > 0], 1.0, atol=1e-9)
            assert np.all(total[ts[gate] == 0] == 0.0)
    assert np.all(np.diff(ts["live"]) >= 0)  # nobody goes back to the legacy process


@SETTINGS
@given(scenarios())
def test_agents_table_has_everyone_once_with_valid_behaviour_for_their_role(scenario):
    model = CRMRollout(scenario)
    model.run_model()
    agents = agent_table(model)
    assert len(agents) == scenario.org.employees + scenario.org.partners
    assert agents["id"].is_unique
    partner = agents["role"] == "partner"
    assert partner.sum() == scenario.org.partners
    assert agents.loc[~partner, "behaviour"].isin([*EMPLOYEE_OPTIONS, "legacy"]).all()
    assert agents.loc[partner, "behaviour"].isin([*PARTNER_OPTIONS, "legacy"]).all()
    assert np.array_equal(agents["behaviour"] == "legacy", ~agents["live"])
    numeric = agents[["perceived_usefulness", "effort", "skill", "trust", "habit", "morale", "tension", "discount"]]
    assert not numeric.isna().any().any()
    assert (
        agents[["morale", "tension", "discount", "terms_seen", "route_belief"]]
        .apply(lambda c: c.between(0, 1))
        .all()
        .all()
    )
    assert (agents["tenure_weeks"] >= 0).all()
    assert agents.loc[agents["live"], "p_chosen"].between(0, 1).all()


@SETTINGS
@given(scenarios())
def test_generated_organisation_is_well_formed(scenario):
    org = CRMRollout(scenario).org
    a = org.adjacency
    assert (a != a.T).nnz == 0 and np.all(a.diagonal() == 0)
    assert np.all(np.diff(org.role) >= 0)
    n_mgr = -(-scenario.org.employees // (scenario.org.span_of_control + 1))
    assert np.count_nonzero(org.role == Role.MANAGER) == n_mgr
    staff = (org.role == Role.SALES) | (org.role == Role.SERVICE)
    assert np.all(org.role[org.manager[staff]] == Role.MANAGER)
    partners = org.role == Role.PARTNER
    assert np.all(org.role[org.manager[partners]] != Role.PARTNER)
    assert np.all((org.department >= 0) & (org.department < scenario.org.departments))
    assert np.all((org.site >= 0) & (org.site < scenario.org.sites))
