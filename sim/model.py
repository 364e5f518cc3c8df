"""CRMRollout: the Mesa model. Its step is the week's schedule and nothing else.

policy (who goes live) -> perceive (last week's state) -> decide (each role's rule over its
rows) -> consequences (learning, habit, data quality, trust) -> record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np

from sim import organization, policies
from sim.agents import ROLE_CLASSES
from sim.mechanisms import data_quality, learning
from sim.metrics import Recorder, agent_table
from sim.perception import Perception, perceive
from sim.scenario import RoleParameters, Scenario
from sim.state import GAME, GO_AROUND, IGNORE, LEGACY, SELF_SERVE, USE, Role, State

#: The scenario section that parameterises each role.
ROLE_SECTION = {Role.SALES: "sales", Role.SERVICE: "service", Role.MANAGER: "managers", Role.PARTNER: "partners"}


@dataclass
class RoleArrays:
    """A role parameter spread over people, so mechanisms can read it per row."""

    base_usefulness: np.ndarray
    base_effort: np.ndarray
    double_entry: np.ndarray
    gaming_gain: np.ndarray


class CRMRollout(mesa.Model):
    """A CRM rollout in one organisation, one step per week.

    ``CRMRollout()`` runs the default scenario; ``CRMRollout(scenario, seed=7)`` a given one;
    dotted keys as keyword arguments override it, which is how Mesa's ``batch_run`` passes
    parameters: ``CRMRollout(**{"policy.integration": "full"})``.
    """

    def __init__(self, scenario: Scenario | None = None, *, seed: int | None = None, **overrides: Any):
        scenario = scenario if scenario is not None else Scenario.default()
        if overrides:
            scenario = scenario.with_overrides(overrides, source="CRMRollout(...)")
        if seed is not None:
            scenario = scenario.with_overrides({"run.seed": int(seed)}, source="CRMRollout(seed=...)")
        super().__init__(seed=scenario.run.seed)
        self.scenario = scenario
        # Named sub-streams: the organisation and people's traits do not depend on the policy,
        # and every week draws one number per person, so policies share random numbers.
        org_seq, decision_seq, self._event_seq = np.random.SeedSequence(scenario.run.seed).spawn(3)
        org_rng = np.random.default_rng(org_seq)
        self.decision_rng = np.random.default_rng(decision_seq)

        self.org = organization.build(scenario, org_rng)
        self.state = self._initial_state(org_rng)
        self.role_settings = {role: getattr(scenario.roles, section) for role, section in ROLE_SECTION.items()}
        self.role_parameters = self._spread(self.role_settings)
        share = scenario.data.manager_benefit_share
        self.benefit_share = np.where(self.org.role == Role.MANAGER, share, 1.0 - share)
        self.integration_gap = policies.DOUBLE_ENTRY[scenario.policy.integration]
        self.workaround = policies.WORKAROUND[scenario.policy.integration]
        self.data_quality = np.full(self.org.departments, scenario.data.initial_quality)
        # whose data each person sees: their department's; a partner's, that of its sales rep
        partner = self.org.role == Role.PARTNER
        self.data_department = np.where(partner, self.org.department[self.org.manager], self.org.department)
        self.last_perception: Perception | None = None

        self.people = [ROLE_CLASSES[Role(r)](self, row) for row, r in enumerate(self.org.role)]
        self.recorder = Recorder(scenario.run.weeks, self.org)
        self.snapshots: list = []
        self.running = True
        # For Mesa's own tools (batch_run reads model.datacollector); our tables come from the recorder.
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _latest(name) for name in ("intended_use", "gaming", "ignoring", "data_quality")}
        )

    # --- the week ------------------------------------------------------------------------

    def step(self) -> None:
        """One week."""
        week = self.steps  # Mesa counts steps from 1
        self.go_live(week)
        self.last_perception = perceive(self)
        self.decide(self.last_perception)
        self.learn_and_update_data()
        self.recorder.record(week, self.state, self.data_quality)
        self.datacollector.collect(self)
        self._snapshot_if_due(week)
        if week >= self.scenario.run.weeks:
            self.running = False

    def go_live(self, week: int) -> None:
        """Policy: the CRM goes live for those whose turn it is; they are trained as they start."""
        state = self.state
        starting = (state.go_live_week == week) & ~state.live
        if not starting.any():
            return
        state.live |= starting
        hours = self.scenario.policy.training_hours
        state.skill[starting] = learning.trained_skill(
            state.skill[starting], hours, self.scenario.learning.training_half_hours
        )

    def decide(self, see: Perception) -> None:
        """Each role's rule over all of its people; one uniform draw per person every week."""
        state, w = self.state, self.scenario.behaviour
        draw = self.decision_rng.random(self.org.n)
        for role, person_class in ROLE_CLASSES.items():
            rows = self.org.role_slice(role)
            if rows.start == rows.stop:
                continue
            u = person_class.utilities(see.rows(rows), w, self.role_settings[role])
            p = np.exp(w.choice_sensitivity * (u - u.max(axis=0)))
            p /= p.sum(axis=0)
            # the first option whose cumulative probability exceeds the draw
            choice = (draw[rows] > p[0]).astype(np.int8) + (draw[rows] > p[0] + p[1])
            state.utilities[:, rows] = u
            state.probabilities[:, rows] = p
            state.behaviour[rows] = np.where(state.live[rows], choice, LEGACY)
        state.neighbour_shares[:] = see.shares
        state.perceived_usefulness[:] = see.usefulness
        state.effort[:] = see.effort + see.double_entry

    def learn_and_update_data(self) -> None:
        """Consequences: skill and habit move with what people did; entries move data quality and trust."""
        state, org, sc = self.state, self.org, self.scenario
        live = state.live
        partner = org.role == Role.PARTNER
        in_crm = live & np.where(
            partner, state.behaviour == SELF_SERVE, (state.behaviour == USE) | (state.behaviour == GAME)
        )
        on_legacy_path = ~live | np.where(partner, state.behaviour == GO_AROUND, state.behaviour == IGNORE)
        learning.learn_by_use(state.skill, in_crm, sc.learning.learn_rate, np.where(live, sc.learning.forget_rate, 0.0))
        learning.fade_habit(state.habit, on_legacy_path, sc.behaviour.habit_decay)

        entering = live & ~partner
        target, n_entering = data_quality.entry_quality(
            org.department, state.behaviour, entering, org.departments, sc.data.gaming_entry_quality
        )
        data_quality.update_data_quality(self.data_quality, target, n_entering, sc.data.adjustment_rate)
        data_quality.follow_with_lag(
            state.trust, self.data_quality[self.data_department], live, sc.data.trust_lag_weeks
        )

        state.tenure_weeks += 1
        state.weeks_live += live

    # --- set-up and output helpers -------------------------------------------------------

    def person_id(self, row: int):
        """The id of the person in a row, as in the agents table (the imported id, if any)."""
        return self.org.external_id[row] if self.org.external_id is not None else row

    def _initial_state(self, rng: np.random.Generator) -> State:
        sc, org = self.scenario, self.org
        state = State(org.n)
        state.go_live_week[:] = policies.go_live_weeks(org, sc.policy)
        state.attitude[:] = rng.normal(0.0, sc.behaviour.attitude_sd, org.n)
        state.integrity[:] = rng.normal(0.0, sc.behaviour.integrity_sd, org.n)
        state.skill[:] = _prior_skill(rng, sc.learning.prior_skill, org.n)
        state.tenure_weeks[:] = rng.integers(0, 520, org.n)
        state.trust[:] = sc.data.initial_quality
        return state

    def _spread(self, settings: dict[Role, RoleParameters]) -> RoleArrays:
        table = {
            name: np.array([getattr(settings[Role(r)], name) for r in range(4)]) for name in RoleArrays.__annotations__
        }
        return RoleArrays(**{name: values[self.org.role] for name, values in table.items()})

    def _snapshot_if_due(self, week: int) -> None:
        every = self.scenario.run.snapshot_every
        if every and week % every == 0 and week < self.scenario.run.weeks:
            self.snapshots.append(agent_table(self))


def _prior_skill(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Skill before training: Beta-distributed around ``mean`` (computer literacy varies)."""
    if mean <= 0 or mean >= 1:
        return np.full(n, float(mean))
    return rng.beta(2.0, 2.0 * (1.0 - mean) / mean, n)


def _latest(column: str):
    """A Mesa model reporter that reads this week's value from the recorder."""
    return lambda model: float(model.recorder.columns[column][model.recorder.rows - 1])
