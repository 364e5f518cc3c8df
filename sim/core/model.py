"""CRMRollout: the Mesa model. Its step is the week's schedule; each consequence is a mechanism's.

planned policy changes -> policy (go-live and training, a CIO change) -> perceive (last week's
state, after this week's policy) -> decide (each role's rule over its rows; people played in a
class take their player's choice) -> consequences (partner terms, discipline, learning, data,
drift, culture, the system, turnover, money, commitment, interfaces, the sponsor) -> record.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim.core import batch, organisation, perception, policies
from sim.core.agents import ROLE_CLASSES
from sim.core.flows import Flows
from sim.core.mechanisms import (
    channel,
    culture,
    data_quality,
    drift,
    governance,
    learning,
    money,
    performance,
    role_conflict,
    routine,
    sanctions,
    turnover,
)
from sim.core.metrics import Recorder, agent_table, live_weeks
from sim.core.perception import Perception
from sim.core.scenario import Scenario, cases
from sim.core.state import Role, State, Stocks
from sim.core.world import build_world, role_settings


class CRMRollout(mesa.Model):
    """A CRM rollout in one organisation, one step per week.

    ``CRMRollout()`` runs the default scenario; ``CRMRollout(scenario, seed=7)`` a given one
    (``scenario`` may be a ``Scenario``, a case's name or a scenario file); dotted keys as
    keyword arguments override it, which is how Mesa's ``batch_run`` and ``SolaraViz`` pass
    parameters: ``CRMRollout(**{"policy.integration": "full"})``. ``rng`` (an integer) is
    Mesa's name for the seed.

    ``CRMRollout(scenario, seeds=[1, 2, 3])`` runs the scenario's organisation once per seed,
    together, as blocks of one population (``sim/core/batch.py``): each organisation's
    results (``recorder.frame(block)``, ``verdict(block)``, ``block_events[block]``) are those
    it has alone, and a batch makes no Mesa agents (it is for sweeps, which never read them).
    ``people=False`` makes none for a run alone either (``sim.run`` reads only the arrays); the
    results are the same.

    The crmsim scenario is ``model.settings``. ``model.scenario`` is Mesa's own (its
    experimental ``Scenario``, holding the seed), which Mesa's tools read and rebuild.
    """

    def __init__(
        self,
        scenario: Scenario | str | os.PathLike | dict | None = None,
        *,
        seed: int | None = None,
        rng: int | None = None,
        seeds: Sequence[int] | None = None,
        people: bool = True,
        **kwargs: Any,
    ):
        if seeds is not None and len(seeds) == 0:
            raise ValueError("a batch needs at least one seed")
        seed = seeds[0] if seeds is not None else (seed if seed is not None else rng)
        scenario = _resolve(scenario, seed, kwargs)
        super().__init__(rng=scenario.run.seed)
        self.settings = scenario  # as it stands this week: a policy change replaces it
        self.given = scenario  # as given: what the run is recorded and reproduced by
        self.seeds = [whole_seed(s) for s in seeds] if seeds is not None else [scenario.run.seed]
        self._build_organisations()
        self.world = build_world(self.org, scenario, self.blocks)
        self.state.champion[:] = routine.choose_champions(  # from traits already drawn: no random number
            self.world.team, self.world.is_staff, self.state.attitude, scenario.policy.champions
        )
        self.role_settings = role_settings(scenario)
        self.stocks = self._initial_stocks()
        self._open_the_books()
        agents = people and self.blocks.count == 1
        self.people = [ROLE_CLASSES[Role(r)](self, row) for row, r in enumerate(self.org.role)] if agents else []
        #: Choices made by people playing a person (a class playing the rollout): row -> option
        #: index (0, 1, 2 in the order of the role's options). Read by the next ``decide`` only,
        #: then emptied; the model's own draws are made all the same (common random numbers).
        self.played: dict[int, int] = {}
        self._prepare_records()

    # --- the week ------------------------------------------------------------------------

    #: The week's phases, in the order ``step`` runs them. Each is a public method, so a
    #: benchmark or a teaching tool can wrap one on an instance to time or watch it.
    PHASES = ("change_policy_as_planned", "apply_policy", "perceive", "decide", "consequences", "record")

    def step(self) -> None:
        """One week: the policy acts, everyone perceives last week, decides, and lives with it."""
        week = self.steps  # Mesa counts steps from 1
        self.change_policy_as_planned(week)
        self.apply_policy(week)
        see = self.perceive(week)
        self.decide(see)
        self.consequences(week)
        self.record(week)

    def perceive(self, week: int) -> Perception:
        """Everyone's cues from last week's state; kept, so a person can explain this week's choice."""
        self.last_perception = perception.perceive(self, week)
        return self.last_perception

    def record(self, week: int) -> None:
        """The week's aggregates (and a snapshot of everyone when one is due); the run ends after its last week."""
        self.recorder.record(week, self)
        self.datacollector.collect(self)
        self._snapshot_if_due(week)
        if week >= self.settings.run.weeks:
            self.running = False

    def apply_policy(self, week: int) -> None:
        """The CRM goes live for those whose turn it is, with training; a new CIO may shift the goal."""
        sc, state = self.settings, self.state
        self.flows = Flows.empty(self.blocks.count)
        state.trained[:] = 0.0
        if sc.policy.cio_change_week == week:
            self.shift_goal_to_data(week, "A new CIO shifts the goal from integration to collecting data.")
        starting = (state.go_live_week == week) & ~state.live
        self.flows.implementation = np.where(
            self.first_go_live_week == week, sc.costs.implementation_per_employee * self.world.employees_of, 0.0
        )
        if starting.any():
            state.live |= starting
            self.train(starting, week)

    def shift_goal_to_data(self, week: int, why: str, where: np.ndarray | None = None) -> None:
        """The goal turns from integrating the systems to collecting data about customers (seed 003):
        in every organisation of the batch, or in those ``where`` (one flag per organisation) marks."""
        stocks = self.stocks
        shifting = stocks.goal == "integration"
        if where is not None:
            shifting &= where
        if not shifting.any():
            return
        stocks.goal = np.where(shifting, "data_collection", stocks.goal)
        stocks.integration_gap = np.where(
            shifting,
            governance.goal_after_cio_change(
                stocks.integration_gap, stocks.commitment, self.settings.governance.abandoned_integration_gap
            ),
            stocks.integration_gap,
        )
        for block in np.flatnonzero(shifting):
            self.block_events[block].append((week, "cio_change", why))

    def train(self, who: np.ndarray, week: int) -> None:
        """Training as people start: less of it in busy weeks and for a 24/7 service that cannot stop."""
        sc, state = self.settings, self.state
        share = turnover.training_share(
            turnover.is_busy(week, sc.org.busy_weeks),
            sc.org.around_the_clock,
            self.world.is_service[who],
            sc.calendar.busy_training_loss,
            sc.calendar.around_the_clock_training_share,
        )
        commitment = self.stocks.commitment[self.blocks.of_row[who]]  # of each trainee's organisation
        funded = governance.funded_training_share(commitment, sc.governance.uncommitted_training_share)
        hours = sc.policy.training_hours * share * funded  # committed leaders fund it
        hours = hours + sc.champions.extra_training_hours * state.champion[who]  # key users are trained first
        state.skill[who] = learning.trained_skill(state.skill[who], hours, sc.learning.training_half_hours)
        state.trained[who] += hours
        wages = hours * ~self.world.is_partner[who]  # partners' time is not wages
        self.flows.training_hours += self.blocks.total(wages, who)

    def decide(self, see: Perception) -> None:
        """Each role weighs its options and its reasons to reconsider (its class's rule, over all of
        its people); then everyone keeps their routine or reconsiders and chooses (``routine.decide``).

        Every person draws two uniform numbers every week, one for "reconsider?" and one for
        the choice, whatever the policy: common random numbers.
        """
        state, sc = self.state, self.settings
        self.decided_under = (sc, self.role_settings)  # what ``explain()`` weighs this week's terms by
        reconsider_draw, choice_draw = self.blocks.draw(self.decision_rng, 2)
        carried = see.routine  # last week's way of working, or the old process at go-live
        utilities = np.empty((3, self.org.n))
        triggers: dict[str, np.ndarray] = {}  # in the order the first role (sales reps) names them
        for role, person_class in ROLE_CLASSES.items():
            rows = self.org.role_slice(role)
            if rows.start == rows.stop:
                continue
            theirs = see.rows(rows)
            person_class.utilities(theirs, sc.behaviour, self.role_settings[role], out=utilities[:, rows])
            for name, chance in person_class.triggers(theirs, sc.routine).items():
                if name not in triggers:
                    triggers[name] = np.zeros(self.org.n)  # 0 for a role without this trigger
                triggers[name][rows] = chance
        d = routine.decide(
            utilities,
            triggers,
            see.routine,
            see.routine_strength,
            self.world.carried_over,
            see.colleagues_using,
            sc.routine,
            sc.behaviour.choice_sensitivity,
            reconsider_draw,
            choice_draw,
        )
        state.utilities = d.utilities
        state.choice_sensitivity = sc.behaviour.choice_sensitivity
        state.reconsider_probability = d.reconsider_probability
        state.reconsidered = d.reconsidered
        state.main_trigger = d.main_trigger
        state.previous_routine[:] = state.routine
        state.routine[:] = d.routine
        self._take_played_choices()
        routine.practise(
            state.routine_strength,
            state.weeks_in_routine,
            state.routine == carried,
            state.live,
            sc.routine.practice_rate,
        )
        routine.remember_trust(state.trust_anchor, state.trust, sc.routine.data_memory_weeks)
        state.just_hired[:] = False
        state.engaged |= state.reconsidered
        changed = np.flatnonzero(state.reconsidered & (state.routine != carried))
        self.flows.who_switched = changed
        state.neighbour_shares[:] = see.shares
        state.perceived_usefulness[:] = see.usefulness
        state.felt_effort[:] = see.effort + see.double_entry

    def choice_probabilities(self, rows: slice | np.ndarray = slice(None)) -> np.ndarray:
        """(options, rows) each option's chance in the last decision, had the person reconsidered:
        the logit over their utilities (computed when asked; the week computes it only for those
        who did reconsider)."""
        return routine.choice_probabilities(self.state.utilities[:, rows], self.state.choice_sensitivity)

    def _take_played_choices(self) -> None:
        """A person played by someone does what they chose, only on the weeks they are live;
        everything after (consequences, habit, influence on others) is as if the model had chosen it."""
        played, self.played = self.played, {}
        if not played:
            return
        rows = np.fromiter(played, dtype=np.int64)
        options = np.fromiter(played.values(), dtype=np.int8)
        if (options < 0).any() or (options > 2).any() or (rows < 0).any() or (rows >= self.org.n).any():
            raise ValueError("a played choice names a person or an option the model does not have")
        live = self.state.live[rows]
        rows, options = rows[live], options[live]
        self.state.routine[rows] = options
        self.state.reconsidered[rows] = True

    def consequences(self, week: int) -> None:
        """What the week's choices do: to partners' terms, to gamers, to skills, data, practice and people.

        Each line is one mechanism (``sim/core/mechanisms/``); they share this week's ``flows``.
        """
        sc, world, state, stocks, flows = self.settings, self.world, self.state, self.stocks, self.flows
        manager = self.org.manager
        # one draw per person per purpose every week, whatever the policy: common random numbers
        detect, complain, start, enforce, leave = self.blocks.draw(self.event_rng, 5)
        channel.trade_with_partners(sc, world, state, manager, flows, complain)
        resigning = sanctions.discipline_gamers(sc, world, state, stocks, manager, flows, detect)
        for block in np.flatnonzero(resigning):
            self.senior_sales_manager_resigns(week, block)
        learning.learn_and_unlearn(sc, world, state)
        data_quality.update_data(sc, world, state, stocks, self.org.department)
        drift.drift_in_practice(sc, world, state, stocks, flows, start, enforce)
        culture.live_with_subcultures(sc, world, state, stocks)
        performance.load_the_system(sc, world, state.live, stocks)
        governance.fix_the_system(sc, self.blocks.any(state.live), stocks)
        role_conflict.marketing_service_conflict(sc, world, state, stocks)
        leavers = turnover.people_leave(sc, world, state, flows, leave)
        if len(leavers):
            self.hire(leavers)
        since_go_live = self.steps - self.first_go_live_week  # per organisation
        money.book_money(sc, world, state, stocks, flows, self.ledger, since_go_live >= 0)
        governance.stay_committed(sc, world, state, stocks, since_go_live)
        self.build_interfaces(week, since_go_live)
        governance.keep_up_integration(sc, stocks, policies.DOUBLE_ENTRY[sc.policy.integration], since_go_live)
        self.sponsor_may_leave(week, since_go_live)
        state.tenure_weeks += 1
        state.weeks_live += state.live

    def build_interfaces(self, week: int, since_go_live: np.ndarray) -> None:
        """The interfaces of a full integration still unfinished at go-live are built, as funded (001, 003)."""
        draws = self._interface_draws()  # one per legacy system every week: common random numbers
        finished = governance.build_interfaces(
            self.settings, self.stocks, policies.DOUBLE_ENTRY[self.settings.policy.integration], draws, since_go_live
        )
        for block in np.flatnonzero(finished):
            left = int(self.stocks.unbuilt_interfaces[block])
            self.block_events[block].append(
                (
                    week,
                    "interface_built",
                    f"Interfaces to the legacy systems finished this week: {int(finished[block])}; "
                    f"still to build: {left}.",
                )
            )

    def sponsor_may_leave(self, week: int, since_go_live: np.ndarray) -> None:
        """The rollout's senior sponsor may leave; their successor decides anew how committed to be (003)."""
        # two draws every week in each organisation: common random numbers
        leave, priority = np.array([stream.random(2) for stream in self.leadership_rng]).T
        before = self.stocks.commitment.copy()
        left = governance.sponsor_may_leave(
            self.settings, self.world, self.state, self.stocks, since_go_live, leave, priority
        )
        for block in np.flatnonzero(left):
            self.block_events[block].append(
                (
                    week,
                    "sponsor_change",
                    f"The rollout's senior sponsor left; the successor's commitment is "
                    f"{self.stocks.commitment[block]:.2f} (was {before[block]:.2f}).",
                )
            )
        weak = left & (self.stocks.commitment < self.settings.governance.successor_keeps_goal)
        self.shift_goal_to_data(week, "The new sponsor shifts the goal from integration to collecting data.", weak)

    def senior_sales_manager_resigns(self, week: int, block: int = 0) -> None:
        """He leaves over his people being punished, taking goodwill with him; his post is filled (002)."""
        head = sanctions.senior_sales_manager_resigns(
            self.settings, self.world, self.state, self.stocks, self.org.manager, self.flows, block
        )
        if head < 0:
            return
        self.hire(np.array([head]))
        self.block_events[block].append(
            (
                week,
                "resignation",
                f"The senior sales manager (person {self.person_id(head)}) resigned over the "
                "discipline of his sales force.",
            )
        )

    def hire(self, rows: np.ndarray) -> None:
        """A new person in each post: no legacy habit, prior skill only, trained if the policy says so."""
        sc, state = self.settings, self.state
        rows = np.sort(rows)
        block_of = self.blocks.of_row[rows]
        order = np.argsort(block_of, kind="stable")  # each organisation's posts, in its own row order
        blocks, starts = np.unique(block_of[order], return_index=True)
        for block, posts in zip(blocks, np.split(rows[order], starts[1:]), strict=True):
            rng, k = self.hire_rng[block], len(posts)  # each organisation's hires from its own stream
            state.attitude[posts] = rng.normal(0.0, sc.behaviour.attitude_sd, k)
            state.integrity[posts] = rng.normal(0.0, sc.behaviour.integrity_sd, k)
            state.skill[posts] = _prior_skill(rng, sc.learning.prior_skill, k)
        state.habit[rows] = 0.0
        state.morale[rows] = 1.0
        state.tension[rows] = 0.0
        state.improvising[rows] = False
        state.tenure_weeks[rows] = 0
        state.weeks_live[rows] = 0
        state.trust[rows] = self.stocks.data_quality[self.world.data_department[rows]]
        state.trust_anchor[rows] = state.trust[rows]
        state.champion[rows] = False
        state.just_hired[rows] = True
        state.engaged[rows] = False
        state.routine_strength[rows] = 0.0  # they take up the post's way of working, not yet a habit
        state.weeks_in_routine[rows] = 0  # nor their own routine for the weeks their predecessor kept it
        self.flows.hires += self.blocks.total(np.ones(len(rows)), rows)
        if sc.policy.new_hire_training:
            trainees = np.zeros(self.org.n, dtype=bool)
            trainees[rows] = state.live[rows]
            if trainees.any():
                self.train(trainees, self.steps)

    def change_policy_as_planned(self, week: int) -> None:
        """The scenario's policy changes planned for this week (``[[changes]]``) take effect before
        anything else happens in it, and the event log says so."""
        for overrides in self.settings.planned_changes(week):
            self.change_policy(
                overrides, f"changes (week {week})", from_week=week, told="The policy changes as planned"
            )

    def change_policy(
        self,
        overrides: dict[str, Any],
        source: str = "policy change",
        from_week: int | None = None,
        told: str | None = None,
        in_words: str | None = None,
    ) -> None:
        """Change the scenario from the next week on (a strategist's arm: "integrate fully from week
        21"): the settings are replaced and the standing cues rebuilt from them. A full integration
        decided half-way is built from then on: all its interfaces are still to build, at the pace
        commitment funds (``governance.build_interfaces``); a lesser one gives interfaces up at
        once. A new commitment is senior management's from then on (the stock is set to it, and
        moves from there); new champions are the keenest of each team now. A changed schedule
        applies to those not yet live (``reschedule_go_live``). Draws are unaffected (common random
        numbers: a changed run and one carrying on share every draw). ``from_week`` is the first
        week under the new policy: by default the next one. ``told``: the event log says so, in
        these words, with the settings changed (as in a scenario file, or ``in_words``)."""
        before = self.settings.policy
        was_full = before.integration == "full"
        self.settings = self.settings.with_overrides(overrides, source)
        self.world = build_world(self.org, self.settings, self.blocks)
        self.role_settings = role_settings(self.settings)
        policy, stocks = self.settings.policy, self.stocks
        if policy.commitment != before.commitment:  # a sponsor recommits, or withdraws (7.16)
            stocks.commitment = np.full(self.blocks.count, policy.commitment)
        if policy.champions != before.champions:  # key users named anew: the keenest of each team now
            self.state.champion[:] = routine.choose_champions(
                self.world.team, self.world.is_staff, self.state.attitude, policy.champions
            )
        if policy.integration not in ("full", before.integration):  # interfaces given up are given up at once
            stocks.integration_gap = np.maximum(stocks.integration_gap, policies.DOUBLE_ENTRY[policy.integration])
            stocks.unbuilt_interfaces = np.zeros_like(stocks.unbuilt_interfaces)  # and none is built any more
        from_week = self.steps + 1 if from_week is None else from_week
        self.reschedule_go_live(from_week)
        if told:
            changed = in_words or ", ".join(f"{key} = {json.dumps(value)}" for key, value in overrides.items())
            for events in self.block_events:
                events.append((from_week, "policy_change", f"{told}: {changed}."))
        if policy.integration == "full" and not was_full:
            stocks.unbuilt_interfaces = np.full(self.blocks.count, self.settings.org.legacy_systems)
            floor = governance.integration_floor(
                policies.DOUBLE_ENTRY["full"], stocks.unbuilt_interfaces, self.settings.org.legacy_systems
            )
            stocks.integration_gap = np.maximum(stocks.integration_gap, floor)

    def reschedule_go_live(self, from_week: int) -> None:
        """The rollout's schedule as the settings now have it, from ``from_week`` on ("bring everyone
        live now", "extend the pilot"): whoever is live stays live; whoever the new schedule would
        have had live by then goes live that week; the others when it says."""
        state = self.state
        planned = policies.go_live_weeks(self.org, self.settings.policy, self.blocks.count)
        state.go_live_week[:] = np.where(state.live, state.go_live_week, np.maximum(planned, from_week))
        self.first_go_live_week = self._first_go_live_weeks()

    # --- set-up and output helpers -------------------------------------------------------

    def person_id(self, row: int):
        """The id of the person in a row, as in the agents table (the imported id, if any); in a batch,
        their row in their own organisation."""
        return self.org.external_id[row] if self.org.external_id is not None else self.blocks.local_row(row)

    def verdict(self, block: int = 0) -> dict:
        """Success or failure by the scenario's criteria, with the figures it was judged on (for
        one organisation of a batch: the first, or the only one, by default)."""
        quarter = slice(max(0, self.recorder.rows - 13), self.recorder.rows)
        use_by_week = self.recorder.series["intended_use"][block, quarter]
        weeks = live_weeks(self.recorder.series["live"][block, quarter])  # a go-live within the quarter
        use = float((use_by_week if weeks is None else use_by_week[weeks]).mean())
        roi = float(self.ledger.roi()[block])
        crit = self.settings.verdict
        judged = {
            "verdict": money.verdict(use, roi, crit.min_intended_use, crit.min_roi),
            "intended_use_last13": use,
            "roi": roi,
            "criteria": {"min_intended_use": crit.min_intended_use, "min_roi": crit.min_roi},
        }
        if judged["verdict"] == "undetermined":
            judged["reason"] = money.UNDETERMINED_REASON
        go_live = int(self.first_go_live_week[block])
        if go_live > self.steps:  # nobody ever used the CRM: its use is no failure, there is none to judge
            judged.update(verdict="undetermined", intended_use_last13=math.nan, roi=math.nan)
            judged["reason"] = f"the run ended at week {self.steps}, before the CRM went live (week {go_live})"
        return judged

    @property
    def events(self) -> list[tuple[int, str, str]]:
        """The event log of the first (for a run alone, the only) organisation: (week, kind, text)."""
        return self.block_events[0]

    @property
    def first_go_live(self) -> int:
        """The week the CRM first goes live in the first (for a run alone, the only) organisation."""
        return int(self.first_go_live_week[0])

    def _build_organisations(self) -> None:
        """Each seed's organisation and people's traits, then all of them as blocks of one (``batch``).

        Each organisation has its named random streams (``_random_streams``); its structure and
        its people's traits come from its organisation stream, in the order they would alone.
        """
        sc = self.settings
        self.decision_rng, self.event_rng, self.hire_rng, self.leadership_rng = [], [], [], []
        self.interfaces_rng = []
        orgs, traits = [], []
        for seed in self.seeds:
            org_rng = self._random_streams(seed)
            org = organisation.build(sc, org_rng)
            orgs.append(org)
            traits.append(_draw_traits(sc, org, org_rng))
        self.org, self.blocks = batch.stack(orgs)
        self.state = State(self.org.n)
        state = self.state
        for name in traits[0]:
            getattr(state, name)[:] = self.blocks.place([t[name] for t in traits])
        state.trust[:] = sc.data.initial_quality
        state.trust_anchor[:] = sc.data.initial_quality

    def _random_streams(self, seed: int) -> np.random.Generator:
        """One organisation's named sub-streams; returns its organisation stream.

        The organisation and people's traits do not depend on the policy, and every week draws
        the same count of numbers per person, so policies share random numbers. Only new
        hires' traits come from their own stream, the sponsor's comings and goings from the
        leadership stream (two draws a week), and the building of a full integration's
        interfaces from the interfaces stream (one draw per legacy system at the start and
        every week).
        """
        streams = np.random.SeedSequence(seed).spawn(6)
        org_seq, decision_seq, event_seq, hire_seq, leadership_seq, interfaces_seq = streams
        self.interfaces_rng.append(np.random.default_rng(interfaces_seq))  # the IT project's own progress
        self.decision_rng.append(np.random.default_rng(decision_seq))
        self.leadership_rng.append(np.random.default_rng(leadership_seq))  # the organisation's few chance events
        self.event_rng.append(np.random.default_rng(event_seq))
        self.hire_rng.append(np.random.default_rng(hire_seq))
        return np.random.default_rng(org_seq)

    def _initial_stocks(self) -> Stocks:
        """Each organisation before go-live: data as good as they start, the system as delivered,
        and of a full integration, the interfaces not finished by go-live (seeds 001, 003)."""
        sc = self.settings
        designed = policies.DOUBLE_ENTRY[sc.policy.integration]
        unfinished = governance.unfinished_at_go_live(
            self._interface_draws(), designed, sc.governance.unfinished_interfaces
        )
        stocks = Stocks.initial(
            self.blocks.count,
            self.org.departments // self.blocks.count,
            data_quality=sc.data.initial_quality,
            system_fit=governance.initial_system_fit(sc),
            culture_distance=sc.culture.distance,
            integration_gap=designed,
            commitment=sc.policy.commitment,
        )
        stocks.unbuilt_interfaces = unfinished
        stocks.integration_gap = governance.integration_floor(designed, unfinished, sc.org.legacy_systems)
        return stocks

    def _interface_draws(self) -> np.ndarray:
        """One number per connected legacy system for each organisation, from its interfaces stream."""
        return np.array([stream.random(self.settings.org.legacy_systems) for stream in self.interfaces_rng])

    def _open_the_books(self) -> None:
        """Money, this week's flows, the event logs and the last perception, all empty."""
        self.ledger = money.Ledger.empty(self.blocks.count)
        self.first_go_live_week = self._first_go_live_weeks()
        self.flows = Flows.empty(self.blocks.count)
        self.block_events: list[list[tuple[int, str, str]]] = [[] for _ in range(self.blocks.count)]
        self.last_perception: Perception | None = None
        self.decided_under = (self.settings, self.role_settings)  # the settings of the last decision

    def _first_go_live_weeks(self) -> np.ndarray:
        """Per organisation, the week the CRM first goes live in it (its costs are booked then)."""
        return np.array([int(self.state.go_live_week[rows].min()) for rows in self.blocks.rows])

    def _prepare_records(self) -> None:
        """Weekly aggregates, optional snapshots, and a DataCollector for Mesa's own tools."""
        self.recorder = Recorder(self.settings.run.weeks, self.org, self.blocks)
        self.snapshots: list = []
        self.running = True
        # batch_run reads model.datacollector; crmsim's tables come from the recorder
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _latest(name) for name in ("intended_use", "gaming", "ignoring", "data_quality")}
        )

    def _snapshot_if_due(self, week: int) -> None:
        every = self.settings.run.snapshot_every
        if every and week % every == 0 and week < self.settings.run.weeks:
            self.snapshots.append(agent_table(self))


def _resolve(scenario, seed: int | None, overrides: dict) -> Scenario:
    """The crmsim scenario a model is asked for: a Scenario, a case's name, a file (a str or a
    Path), a dict of sections, or the default (also when SolaraViz hands over Mesa's own
    scenario), with dotted overrides and the seed. Anything else is a TypeError, never the default
    in silence."""
    if isinstance(scenario, str) and scenario in cases():
        scenario = Scenario.case(scenario)
    elif isinstance(scenario, str | os.PathLike):
        scenario = Scenario.load(scenario)
    elif isinstance(scenario, dict):
        scenario = Scenario.from_dict(scenario, source="CRMRollout(scenario={...})")
    elif isinstance(scenario, MesaScenario):  # Mesa's own, from SolaraViz
        seed = seed if seed is not None else getattr(scenario, "rng", None)
        scenario = None
    elif scenario is not None and not isinstance(scenario, Scenario):
        raise TypeError(
            f"scenario: got {type(scenario).__name__}; allowed: a Scenario, a case name, a scenario file or a dict"
        )
    scenario = scenario if scenario is not None else Scenario.default()
    if overrides:  # dotted scenario keys (Mesa's batch_run and SolaraViz pass parameters this way)
        scenario = scenario.with_overrides(overrides, source="CRMRollout(...)")
    if seed is not None:
        scenario = scenario.with_overrides({"run.seed": whole_seed(seed)}, source="CRMRollout(seed=...)")
    return scenario


def whole_seed(seed) -> int:
    """A seed as a whole number: every stream of a run derives from it, so 7.9 is not taken as 7,
    and a Generator (which Mesa also takes) cannot be one."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed: got {seed!r}; allowed: a whole number >= 0 (every stream of a run derives from it)")
    return int(seed)


def _draw_traits(sc: Scenario, org: organisation.Organisation, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One organisation's people as they start: traits, skill and tenure drawn in this order, and
    the week the CRM goes live for each."""
    return {
        "go_live_week": policies.go_live_weeks(org, sc.policy),
        "attitude": rng.normal(0.0, sc.behaviour.attitude_sd, org.n),
        "integrity": rng.normal(0.0, sc.behaviour.integrity_sd, org.n),
        "skill": _prior_skill(rng, sc.learning.prior_skill, org.n),
        "tenure_weeks": rng.integers(0, sc.org.initial_tenure_max_weeks, org.n),
    }


def _prior_skill(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Skill before training: Beta-distributed around ``mean`` (computer literacy varies)."""
    if mean <= 0 or mean >= 1:
        return np.full(n, float(mean))
    return rng.beta(2.0, 2.0 * (1.0 - mean) / mean, n)


def _latest(column: str):
    """A Mesa model reporter that reads this week's value from the recorder."""
    return lambda model: float(model.recorder.series[column][0, model.recorder.rows - 1])
