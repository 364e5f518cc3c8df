"""CRMRollout as a Mesa model: construction, stepping, agents, determinism and common random numbers."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import SMALL, run_small, small_model, small_scenario, step_n

from sim import CRMRollout, Scenario, run
from sim.core.agents import ChannelPartner, Manager, SalesRep, ServiceRep
from sim.core.state import Role

TINY = {"run.weeks": 5, "org.employees": 60, "org.partners": 10}


def test_crmrollout_is_a_mesa_model_constructible_with_defaults():
    model = CRMRollout()
    assert isinstance(model, mesa.Model)
    default = Scenario.default()
    assert model.settings.resolved() == default.resolved()
    assert len(model.agents) == default.org.employees + default.org.partners
    assert model.steps == 0 and model.running


def test_seed_keyword_sets_the_scenario_seed_and_dotted_keywords_override():
    model = CRMRollout(seed=7, **{"policy.integration": "full", **TINY})
    assert model.settings.run.seed == 7
    assert model.settings.policy.integration == "full"
    assert model.settings.org.employees == TINY["org.employees"]
    assert len(model.agents) == TINY["org.employees"] + TINY["org.partners"]


def test_seed_keyword_overrides_the_scenarios_seed():
    scenario = small_scenario(seed=1)
    assert CRMRollout(scenario, seed=9).settings.run.seed == 9
    assert CRMRollout(scenario).settings.run.seed == 1


def test_bad_keyword_is_an_input_error():
    from sim.core.errors import InputError

    with pytest.raises(InputError):
        CRMRollout(**{"policy.rollout": "fast"})


def test_step_counts_weeks_and_running_stops_after_run_weeks():
    model = CRMRollout(**TINY)
    for week in range(1, TINY["run.weeks"] + 1):
        assert model.running
        model.step()
        assert model.steps == week
    assert not model.running
    assert list(model.recorder.frame()["week"]) == list(range(1, TINY["run.weeks"] + 1))


def test_run_model_stops_by_itself():
    model = CRMRollout(**TINY)
    model.run_model()
    assert model.steps == TINY["run.weeks"]


def test_agents_are_mesa_agents_of_each_role_class():
    model = small_model()
    by_type = model.agents_by_type
    assert set(by_type) == {SalesRep, ServiceRep, Manager, ChannelPartner}
    counts = np.bincount(model.org.role, minlength=4)
    for cls in (SalesRep, ServiceRep, Manager, ChannelPartner):
        assert isinstance(by_type[cls], mesa.agentset.AbstractAgentSet)
        assert len(by_type[cls]) == counts[cls.role]
        assert all(model.org.role[agent.row] == cls.role for agent in by_type[cls])
    rows = sorted(agent.row for agent in model.agents)
    assert rows == list(range(model.org.n))


def test_headcount_is_conserved_over_steps():
    model = small_model()
    n = SMALL["org.employees"] + SMALL["org.partners"]
    for _ in range(12):
        model.step()
        assert len(model.agents) == n
        assert sum(len(s) for s in model.agents_by_type.values()) == n


def test_agent_behaviour_is_legacy_before_go_live_and_an_option_after():
    model = small_model()
    go_live = model.settings.policy.go_live_week
    step_n(model, go_live - 1)
    assert {a.behaviour for a in model.agents} == {"legacy"}
    model.step()
    for agent in model.agents:
        assert agent.behaviour in agent.options


# --- determinism -----------------------------------------------------------------------------


def test_same_scenario_and_seed_give_identical_tables():
    scenario = small_scenario({"run.weeks": 30, "run.snapshot_every": 10}, seed=5)
    a, b = run(scenario), run(scenario)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.agents, b.agents)
    assert a.summary == b.summary


def test_different_seeds_give_different_tables():
    a, b = run_small(seed=1), run_small(seed=2)
    assert not a.timeseries.drop(columns="week").equals(b.timeseries.drop(columns="week"))
    assert not np.array_equal(a.agents["skill"], b.agents["skill"])


POLICY_CHANGES = [
    {"policy.integration": "full"},
    {"policy.training_hours": 40.0},
    {"policy.rollout": "phased"},
    {"policy.sanctions": 1.0},
    {"policy.mandate": 0.1},
    {"policy.go_live_week": 9},
]


@pytest.mark.parametrize("change", POLICY_CHANGES, ids=lambda c: next(iter(c)))
def test_changing_a_policy_keeps_the_organisation_and_traits_for_the_same_seed(change):
    a, b = small_model(seed=4), small_model(change, seed=4)
    assert (a.org.adjacency != b.org.adjacency).nnz == 0
    for name in ("role", "department", "site", "manager"):
        assert np.array_equal(getattr(a.org, name), getattr(b.org, name))
    for name in ("attitude", "integrity", "tenure_weeks"):
        assert np.array_equal(getattr(a.state, name), getattr(b.state, name))
    # skill before training: with the same go-live week, identical before anyone is live
    assert np.array_equal(a.state.skill, b.state.skill)


def test_changing_a_policy_does_change_the_outcome():
    # the CRN test above is only meaningful if a policy change reaches the results
    a, b = run_small(seed=4), run_small({"policy.integration": "full"}, seed=4)
    assert not a.timeseries["intended_use"].equals(b.timeseries["intended_use"])


def test_different_seeds_build_different_organisations():
    a, b = small_model(seed=1), small_model(seed=2)
    assert (a.org.adjacency != b.org.adjacency).nnz > 0
    assert not np.array_equal(a.state.attitude, b.state.attitude)


# --- Mesa's batch_run -----------------------------------------------------------------------


def test_batch_run_parameters_construct_and_run_the_model():
    # what batch_run does per run: CRMRollout(**kwargs), then step while running and steps <= max_steps
    model = CRMRollout(**{"seed": 2, **TINY})
    while model.running and model.steps <= 5:
        model.step()
    assert model.steps == TINY["run.weeks"]
    assert model.settings.run.seed == 2


def test_mesa_batch_run_runs_the_model_on_the_seeds_it_is_given():
    """Mesa 3.5's batch_run passes each seed as ``rng``; the model takes it as its seed."""
    tiny = {**TINY, "run.weeks": 30, "policy.go_live_week": 2}

    def batch(seeds):
        return mesa.batch_run(
            CRMRollout, parameters=tiny, rng=seeds, max_steps=30, number_processes=1, display_progress=False
        )

    results = batch([1, 2])
    assert sorted(r["seed"] for r in results) == [1, 2]
    reported = ("intended_use", "gaming", "ignoring", "data_quality")
    by_seed = {r["seed"]: tuple(r[k] for k in reported) for r in results}
    assert by_seed[1] != by_seed[2]  # different seeds, different people
    assert tuple(batch([1])[0][k] for k in reported) == by_seed[1]  # the same seed, the same run


def test_employees_and_partners_of_the_model_match_the_scenario():
    model = small_model()
    assert model.org.employees == SMALL["org.employees"]
    assert int(np.count_nonzero(model.org.role == Role.PARTNER)) == SMALL["org.partners"]


def test_step_runs_the_public_phases_in_their_order():
    """The benchmark times the real week through these methods, so step must be exactly them."""
    model = CRMRollout(small_scenario({"run.weeks": 3}))
    called = []
    for name in CRMRollout.PHASES:
        real = getattr(model, name)

        def watched(*args, _name=name, _real=real):
            called.append(_name)
            return _real(*args)

        setattr(model, name, watched)
    model.step()
    assert called == list(CRMRollout.PHASES)
