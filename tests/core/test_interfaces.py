"""A full integration is built, not switched on (sim/core/mechanisms/governance.py, seeds 001, 003):
its interfaces to the legacy systems may be unfinished at go-live, committed leaders fund their
building, and until they are finished the old systems stay within reach."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import STEADY_COMMITMENT, small_model, small_scenario, step_n
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core import policies
from sim.core.mechanisms import governance
from sim.core.state import Stocks

FULL, PARTIAL = policies.DOUBLE_ENTRY["full"], policies.DOUBLE_ENTRY["partial"]


def _stocks(unbuilt: int, commitment: float, legacy_systems: int, goal: str = "integration") -> Stocks:
    stocks = Stocks.initial(1, 1, 0.0, 1.0, 0.0, integration_gap=FULL, commitment=commitment)
    stocks.unbuilt_interfaces = np.array([unbuilt])
    stocks.integration_gap = governance.integration_floor(FULL, stocks.unbuilt_interfaces, legacy_systems)
    stocks.goal[:] = goal
    return stocks


def test_only_a_full_integration_has_interfaces_left_to_build_at_go_live():
    draws = np.array([[0.1, 0.5, 0.9], [0.95, 0.99, 0.2]])
    assert governance.unfinished_at_go_live(draws, FULL, 0.6).tolist() == [2, 1]
    assert governance.unfinished_at_go_live(draws, FULL, 0.0).tolist() == [0, 0]
    for design in ("partial", "none"):
        gap = policies.DOUBLE_ENTRY[design]
        assert governance.unfinished_at_go_live(draws, gap, 1.0).tolist() == [0, 0]


def test_a_full_integration_with_nothing_built_is_partial_integration():
    assert governance.integration_floor(FULL, np.array([5]), 5)[0] == pytest.approx(PARTIAL)
    assert governance.integration_floor(FULL, np.array([0]), 5)[0] == pytest.approx(FULL)
    assert governance.integration_floor(FULL, np.array([2]), 8)[0] == pytest.approx(PARTIAL / 4)


def test_committed_leaders_build_interfaces_faster():
    sc = small_scenario({"org.legacy_systems": 8, "governance.interface_build_rate": 0.05})
    rng = np.random.default_rng(3)
    weak, strong = _stocks(8, 0.2, 8), _stocks(8, 1.0, 8)
    for _ in range(30):
        draws = rng.random((1, 8))  # both see the same numbers: only commitment differs
        governance.build_interfaces(sc, weak, FULL, draws, np.array([10]))
        governance.build_interfaces(sc, strong, FULL, draws, np.array([10]))
    assert strong.unbuilt_interfaces[0] < weak.unbuilt_interfaces[0]
    assert strong.integration_gap[0] < weak.integration_gap[0]
    # each finished interface takes its share of double entry away
    for stocks in (weak, strong):
        expected = governance.integration_floor(FULL, stocks.unbuilt_interfaces, 8)
        assert stocks.integration_gap[0] == pytest.approx(expected[0])


def test_nothing_is_built_before_go_live_or_once_collecting_data_is_the_goal():
    sc = small_scenario({"org.legacy_systems": 4, "governance.interface_build_rate": 1.0})
    certain = np.zeros((1, 4))  # every draw under any chance
    before = _stocks(4, 1.0, 4)
    governance.build_interfaces(sc, before, FULL, certain, np.array([-1]))
    assert before.unbuilt_interfaces[0] == 4
    dropped = _stocks(4, 1.0, 4, goal="data_collection")
    governance.build_interfaces(sc, dropped, FULL, certain, np.array([10]))
    assert dropped.unbuilt_interfaces[0] == 4
    funded = _stocks(4, 1.0, 4)
    assert governance.build_interfaces(sc, funded, FULL, certain, np.array([10]))[0] == 4
    assert funded.integration_gap[0] == pytest.approx(FULL)


@given(unbuilt=st.integers(0, 10), commitment=st.floats(0, 1), draw=st.floats(0, 1))
@settings(max_examples=60, deadline=None)
def test_upkeep_repairs_only_what_was_built(unbuilt, commitment, draw):
    sc = small_scenario({"org.legacy_systems": 10})
    stocks = _stocks(unbuilt, commitment, 10)
    for _ in range(5):
        governance.build_interfaces(sc, stocks, FULL, np.full((1, 10), draw), np.array([10]))
        governance.keep_up_integration(sc, stocks, FULL, np.array([10]))
        floor = governance.integration_floor(FULL, stocks.unbuilt_interfaces, 10)
        assert 0 <= stocks.unbuilt_interfaces[0] <= unbuilt
        assert floor[0] - 1e-12 <= stocks.integration_gap[0] <= sc.governance.abandoned_integration_gap + 1e-12


@given(gap=st.floats(0, 1), more=st.floats(0, 1))
@settings(max_examples=60, deadline=None)
def test_unfinished_or_broken_interfaces_open_the_way_around_the_crm(gap, more):
    ease = policies.workaround_ease("full", np.array([gap, min(1.0, gap + more)]))
    assert policies.WORKAROUND["full"] - 1e-12 <= ease[0] <= ease[1] + 1e-12 <= policies.WORKAROUND["partial"] + 2e-12
    assert policies.workaround_ease("full", np.array([0.0]))[0] == policies.WORKAROUND["full"]
    assert policies.workaround_ease("full", np.array([PARTIAL]))[0] == pytest.approx(policies.WORKAROUND["partial"])
    for design in ("partial", "none"):
        assert policies.workaround_ease(design, np.array([gap]))[0] == policies.WORKAROUND[design]


def test_a_model_builds_its_interfaces_as_funded_and_tells_it():
    overrides = {
        "policy.integration": "full",
        "org.legacy_systems": 6,
        "governance.unfinished_interfaces": 1.0,
        **STEADY_COMMITMENT,
    }
    model = small_model({**overrides, "policy.commitment": 1.0}, seed=2)
    assert model.stocks.unbuilt_interfaces[0] == 6
    assert model.stocks.integration_gap[0] == pytest.approx(PARTIAL)
    step_n(model, 60)
    built = [e for e in model.events if e[1] == "interface_built"]
    assert built and all("still to build" in text for _, _, text in built)
    assert model.stocks.unbuilt_interfaces[0] < 6
    # the same organisation with no one funding the work builds nothing
    idle = step_n(small_model({**overrides, "policy.commitment": 0.0}, seed=2), 60)
    assert idle.stocks.unbuilt_interfaces[0] == 6
    assert not [e for e in idle.events if e[1] == "interface_built"]


def test_unfinished_interfaces_cost_a_weakly_committed_full_integration_its_use():
    """Direction over 6 seeds (common random numbers): with every interface unfinished at go-live
    and weak commitment, intended use in the last 13 weeks of 2 years is lower than with every
    interface ready; strongly committed leaders build them and lose less."""
    base = {"policy.integration": "full", "org.legacy_systems": 6, "run.weeks": 104}

    def use(unfinished: float, commitment: float) -> float:
        values = []
        for seed in range(1, 7):
            model = small_model(
                {**base, "governance.unfinished_interfaces": unfinished, "policy.commitment": commitment}, seed
            )
            step_n(model, 104)
            values.append(model.recorder.frame(0)["intended_use"].iloc[-13:].mean())
        return float(np.mean(values))

    weak_loss = use(0.0, 0.3) - use(1.0, 0.3)
    strong_loss = use(0.0, 0.9) - use(1.0, 0.9)
    assert weak_loss > 0.05
    assert strong_loss < weak_loss


def test_a_full_integration_decided_half_way_is_built_from_then_on():
    """A strategist's arm: from week 20, integrate fully. Its interfaces are all still to build and
    the old systems stay in reach until they are; the draws are those of carrying on."""
    overrides = {"policy.integration": "partial", "org.legacy_systems": 4, "governance.interface_build_rate": 0.2}
    carry_on, arm = small_model(overrides, seed=3), small_model(overrides, seed=3)
    step_n(carry_on, 20)
    step_n(arm, 20)
    gap_before = float(arm.stocks.integration_gap[0])
    arm.change_policy({"policy.integration": "full"})
    assert arm.settings.policy.integration == "full"
    assert arm.stocks.unbuilt_interfaces[0] == 4
    assert arm.stocks.integration_gap[0] == pytest.approx(max(gap_before, PARTIAL))
    step_n(arm, 30)
    step_n(carry_on, 30)
    assert arm.stocks.unbuilt_interfaces[0] < 4
    assert arm.stocks.integration_gap[0] < carry_on.stocks.integration_gap[0]
    assert [e for e in arm.events if e[1] == "interface_built"]
    # a change that keeps the design leaves the interfaces alone
    again = small_model(overrides, seed=3)
    step_n(again, 5)
    again.change_policy({"policy.mandate": 0.9})
    assert again.stocks.unbuilt_interfaces[0] == 0
