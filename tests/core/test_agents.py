"""The people: role decision rules and explain()."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import small_model, step_n

from sim.core.agents import ROLE_CLASSES, ChannelPartner, Employee, Manager, SalesRep, ServiceRep
from sim.core.mechanisms import social_influence
from sim.core.perception import Perception
from sim.core.scenario import Behaviour, RoleParameters
from sim.core.state import EMPLOYEE_OPTIONS, LEGACY, PARTNER_OPTIONS, Role

EMPLOYEE_TERMS = {
    "use": {"usefulness", "effort", "double_entry", "colleagues", "manager", "attitude"},
    "game": {"effort", "double_entry", "colleagues", "manager", "private_gain", "expected_sanction", "integrity"},
    "ignore": {"habit", "colleagues", "workaround", "withdrawal", "tension"},
}
#: What each employee role adds to the common terms (seeds 001, 002).
EXTRA_TERMS = {
    SalesRep: {"game": {"partner_terms", "hiding_leads"}},
    ServiceRep: {"use": {"role_conflict"}},
    Manager: {"game": {"hiding_leads"}},
}
PARTNER_TERMS = {
    "self_serve": {"usefulness", "effort", "peers", "attitude"},
    "go_around": {"better_terms", "habit", "peers"},
    "disengage": {"peers"},
}


def perception(n: int = 3, **cues) -> Perception:
    """A hand-made perception for n people: neutral cues unless given."""
    base = {
        "usefulness": np.full(n, 0.5),
        "effort": np.full(n, 0.3),
        "double_entry": np.full(n, 0.2),
        "effort_weight": np.ones(n),
        "social_weight": np.ones(n),
        "shares": np.zeros((3, n)),
        "pressure": np.zeros(n),
        "habit": np.ones(n),
        "workaround": np.full(n, 0.3),
        "sanction_risk": np.zeros(n),
        "gaming_gain": np.full(n, 0.3),
        "lead_hiding": np.zeros(n),
        "role_conflict": np.zeros(n),
        "withdrawal": np.zeros(n),
        "tension": np.zeros(n),
        "partner_pull": np.zeros(n),
        "route_value": np.zeros(n),
        "attitude": np.zeros(n),
        "integrity": np.zeros(n),
        "routine": np.full(n, 2, dtype=np.int8),
        "routine_strength": np.zeros(n),
        "going_live": np.zeros(n),
        "champion": np.zeros(n),
        "new_hire": np.zeros(n),
        "training": np.zeros(n),
        "manager_changed": np.zeros(n),
        "disciplined": np.zeros(n),
        "colleagues_switched": np.zeros(n),
        "partner_requests": np.zeros(n),
        "data_changed": np.zeros(n),
        "colleagues_using": np.zeros(n),
    }
    base.update(cues)
    return Perception(**base)


def softmax(u: np.ndarray, beta: float) -> np.ndarray:
    z = np.exp(beta * (u - u.max()))
    return z / z.sum()


def test_each_role_class_has_its_roles_options():
    assert ROLE_CLASSES == {
        Role.SALES: SalesRep,
        Role.SERVICE: ServiceRep,
        Role.MANAGER: Manager,
        Role.PARTNER: ChannelPartner,
    }
    for cls in (SalesRep, ServiceRep, Manager):
        assert issubclass(cls, Employee) and cls.options == EMPLOYEE_OPTIONS
    assert ChannelPartner.options == PARTNER_OPTIONS


@pytest.mark.parametrize("cls", [SalesRep, ServiceRep, Manager, ChannelPartner])
def test_utilities_are_the_sums_of_the_named_terms(cls):
    rng = np.random.default_rng(0)
    see = perception(
        4,
        usefulness=rng.random(4),
        shares=rng.dirichlet(np.ones(3), 4).T,
        pressure=rng.random(4),
        habit=rng.random(4),
        gaming_gain=rng.random(4),
        lead_hiding=rng.random(4),
        role_conflict=rng.random(4),
        withdrawal=rng.random(4),
        tension=rng.random(4),
        partner_pull=rng.random(4),
        route_value=rng.random(4),
        attitude=rng.normal(size=4),
        integrity=rng.normal(size=4),
    )
    w, r = Behaviour(), RoleParameters(gaming_gain=0.3)
    terms = cls.weigh(see, w, r)
    if cls is ChannelPartner:
        expected = PARTNER_TERMS
    else:
        extra = EXTRA_TERMS[cls]
        expected = {o: t | extra.get(o, set()) for o, t in EMPLOYEE_TERMS.items()}
    assert {o: set(t) for o, t in terms.items()} == expected
    u = cls.utilities(see, w, r)
    assert u.shape == (3, 4)
    for k, option in enumerate(cls.options):
        total = sum(np.broadcast_to(v, (4,)) for v in terms[option].values())
        assert np.allclose(u[k], total)


def test_sales_reps_gain_more_from_gaming_when_partners_ask_for_better_terms():
    # partner_pull is rep_gain_per_request x share of the rep's partners asking (see perceive)
    pull = np.array([0.0, 0.2, 0.4])
    see = perception(3, partner_pull=pull)
    u = SalesRep.utilities(see, Behaviour(), RoleParameters())
    assert np.allclose(u[1] - u[1, 0], pull)  # game rises by exactly the pull
    assert np.allclose(np.diff(u[0]), 0) and np.allclose(np.diff(u[2]), 0)  # use and ignore do not
    # a service rep's or a manager's gain does not depend on partners
    for cls in (ServiceRep, Manager):
        assert np.allclose(np.diff(cls.utilities(see, Behaviour(), RoleParameters())[1]), 0)


def test_lead_hiding_rewards_gaming_for_sales_reps_and_managers_only():
    see = perception(2, lead_hiding=np.array([0.0, 0.25]))
    for cls in (SalesRep, Manager):
        u = cls.utilities(see, Behaviour(), RoleParameters())
        assert u[1, 1] - u[1, 0] == pytest.approx(0.25)
        assert u[0, 0] == u[0, 1] and u[2, 0] == u[2, 1]
    u = ServiceRep.utilities(see, Behaviour(), RoleParameters())
    assert np.allclose(np.diff(u, axis=1), 0.0)


def test_role_conflict_lowers_use_for_service_reps_only():
    see = perception(2, role_conflict=np.array([0.0, 0.3]))
    u = ServiceRep.utilities(see, Behaviour(), RoleParameters())
    assert u[0, 1] - u[0, 0] == pytest.approx(-0.3)
    assert u[1, 0] == u[1, 1] and u[2, 0] == u[2, 1]
    for cls in (SalesRep, Manager):
        assert np.allclose(np.diff(cls.utilities(see, Behaviour(), RoleParameters()), axis=1), 0.0)


def test_partners_go_around_more_when_they_believe_the_route_pays():
    # better_terms = gaming_gain x route_value (belief about the bent discount, 0-1 of it)
    see = perception(3, gaming_gain=np.full(3, 0.4), route_value=np.array([0.0, 0.5, 1.0]))
    u = ChannelPartner.utilities(see, Behaviour(), RoleParameters(gaming_gain=0.4))
    assert np.allclose(u[1] - u[1, 0], [0.0, 0.2, 0.4])
    assert np.allclose(np.diff(u[0]), 0) and np.allclose(np.diff(u[2]), 0)
    # without a belief that going around pays, there is no gain from it, whatever the role's gain
    see = perception(2, gaming_gain=np.array([0.0, 5.0]))
    u = ChannelPartner.utilities(see, Behaviour(), RoleParameters())
    assert u[1, 0] == u[1, 1]


def test_employee_cues_move_the_options_they_belong_to():
    w, r = Behaviour(), RoleParameters()
    low = perception(1)
    high = perception(
        1,
        sanction_risk=np.ones(1),
        pressure=np.ones(1),
        habit=np.full(1, 2.0),
        withdrawal=np.full(1, 0.3),
        tension=np.full(1, 0.2),
        gaming_gain=np.full(1, 0.5),
    )
    du = Employee.utilities(high, w, r) - Employee.utilities(low, w, r)
    # pressure raises use and game alike (records are counted, not their honesty); sanctions lower game
    assert du[0, 0] == pytest.approx(w.pressure)
    assert du[1, 0] == pytest.approx(w.pressure - w.sanction + (0.5 - 0.3))
    # habit (one more unit), withdrawal and tension all push towards ignoring
    assert du[2, 0] == pytest.approx(w.habit + 0.3 + 0.2)


# --- explain() ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def explained():
    """A model a few weeks after go-live, with the behaviour everyone saw before the last step:
    the ways of working of colleagues who have weighed the CRM (those merely carrying on the
    old process show no choice yet)."""
    model = small_model({"policy.integration": "partial"}, seed=2)
    step_n(model, model.settings.policy.go_live_week + 5)
    state = model.state
    behaviour_seen = np.where(state.engaged, state.routine, LEGACY).astype(np.int8)
    model.step()
    return model, behaviour_seen


def test_explain_gives_utilities_and_softmax_probabilities_for_the_roles_options(explained):
    model, _ = explained
    beta = model.settings.behaviour.choice_sensitivity
    for cls in (SalesRep, ServiceRep, Manager, ChannelPartner):
        for agent in list(model.agents_by_type[cls])[:15]:
            e = agent.explain()
            assert e["live"] and e["week"] == model.steps
            assert e["role"] == cls.__name__
            assert e["behaviour"] in cls.options
            assert tuple(e["utilities"]) == cls.options == tuple(e["probabilities"]) == tuple(e["terms"])
            p = np.array([e["probabilities"][o] for o in cls.options])
            u = np.array([e["utilities"][o] for o in cls.options])
            assert p.sum() == pytest.approx(1.0, abs=1e-12)
            assert np.allclose(p, softmax(u, beta), atol=1e-12)
            assert e["behaviour"] in e["why"]


def test_explain_neighbour_shares_are_what_the_person_saw_last_week(explained):
    model, behaviour_seen = explained
    shares = social_influence.neighbour_shares(model.org.adjacency, behaviour_seen)
    for agent in list(model.agents)[::7]:
        e = agent.explain()
        assert list(e["neighbour_shares"]) == list(agent.options)
        assert np.allclose(list(e["neighbour_shares"].values()), shares[:, agent.row], atol=1e-12)


def test_explain_use_and_game_terms_sum_to_their_utilities(explained):
    model, _ = explained
    for agent in model.agents:
        if model.state.just_hired[agent.row]:
            continue  # joined after the decision (test_explain_of_a_new_hire_says_they_joined)
        e = agent.explain()
        for option in ("use", "game", "self_serve", "disengage"):
            if option in e["terms"]:
                assert sum(e["terms"][option].values()) == pytest.approx(e["utilities"][option], abs=1e-9)


def test_explain_terms_sum_to_utilities_for_every_option(explained):
    model, _ = explained
    for agent in model.agents:
        if model.state.just_hired[agent.row]:
            continue  # joined after the decision (test_explain_of_a_new_hire_says_they_joined)
        e = agent.explain()
        for option in agent.options:
            assert sum(e["terms"][option].values()) == pytest.approx(e["utilities"][option], abs=1e-9)


def test_explain_after_a_policy_change_weighs_what_the_decision_weighed():
    """A policy changed between weeks acts from the next week: the week already decided is
    explained by the settings it was decided under (its terms still add up to its utilities)."""
    model = small_model({"policy.integration": "partial"}, seed=3)
    step_n(model, model.settings.policy.go_live_week + 4)
    model.change_policy({"behaviour.usefulness": 3.0, "policy.mandate": 1.0}, "a test")
    checked = 0
    for agent in list(model.agents)[::5]:
        e = agent.explain()
        if "terms" not in e:
            continue
        for option in agent.options:
            assert sum(e["terms"][option].values()) == pytest.approx(e["utilities"][option], abs=1e-9)
        checked += 1
    assert checked > 10
    model.step()  # the next week is weighed under the new settings, and explained by them
    agent = next(a for a in model.agents if "terms" in a.explain())
    e = agent.explain()
    for option in agent.options:
        assert sum(e["terms"][option].values()) == pytest.approx(e["utilities"][option], abs=1e-9)


def test_explain_of_a_new_hire_says_they_joined():
    """Someone hired after this week's decision has not decided yet: explain() says they joined,
    not what their predecessor weighed."""
    model = small_model({"roles.service.quit_weekly": 0.05, "roles.sales.quit_weekly": 0.05}, seed=4)
    step_n(model, model.settings.policy.go_live_week + 3)
    hired = np.flatnonzero(model.state.just_hired & model.state.live)
    assert len(hired) > 0
    e = model.people[int(hired[0])].explain()
    assert e["new_hire"] and "utilities" not in e and "Joined this week" in e["why"]
    model.step()  # their first week: they weigh it themselves
    e = model.people[int(hired[0])].explain()
    assert "new_hire" not in e and "utilities" in e


def test_explain_before_go_live_says_the_person_is_on_the_legacy_process():
    model = small_model({"policy.go_live_week": 10})
    step_n(model, 3)
    for agent in list(model.agents)[::10]:
        e = agent.explain()
        assert e["behaviour"] == "legacy" and not e["live"]
        assert "legacy" in e["why"]
        assert "utilities" not in e and "probabilities" not in e
