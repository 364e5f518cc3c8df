"""Detection, sanctions and backlash: disciplining gamers lowers gaming and kills goodwill.

Seed 002: "the company's threats to discipline the salespeople who had gamed the CRM ruined
the sales force's desire to work with the system. The vice president of sales made such a
fuss about how his most creative salespeople were being 'punished' for their ingenuity that
harsh words were exchanged. He was asked to leave."

A manager who works in the CRM sees its records and detects a gaming report with probability
``detection``; a detected gamer is disciplined with probability ``policy.sanctions``. People
weigh the expected discipline (detection x sanctions, when their manager can see). A
disciplined person's morale falls (reactance), and so, less, does that of their team-mates;
low morale is withdrawal: it adds to the utility of ignoring the CRM. Backlash in the sales
organisation is the recent share of sales reps disciplined; when it passes
``backlash_threshold`` the senior sales manager resigns, taking part of the sales force's
goodwill (morale) with him.

References
----------
.. [1] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import GAME, USE

if TYPE_CHECKING:
    from sim.core.flows import Flows
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def manager_sees(manager: np.ndarray, behaviour: np.ndarray, staff: np.ndarray) -> np.ndarray:
    """Reps whose manager works in the CRM (uses or games it), and so can see what they enter."""
    sees = np.zeros(len(behaviour), dtype=bool)
    boss = behaviour[manager[staff]]
    sees[staff] = (boss == USE) | (boss == GAME)
    return sees


def detected(behaviour: np.ndarray, manager_sees: np.ndarray, detection: float, draw: np.ndarray) -> np.ndarray:
    """Gamers whose manager works in the CRM and spots the bent records this week."""
    return (behaviour == GAME) & manager_sees & (draw < detection)


def expected_sanction(manager_sees: np.ndarray, detection: float, sanctions: float) -> np.ndarray:
    """The discipline a gamer can expect this week: only a manager who looks at the data can detect."""
    return manager_sees * detection * sanctions


def reactance(
    morale: np.ndarray, disciplined: np.ndarray, team: np.ndarray, hit: float, spillover: float, recovery: float
) -> None:
    """Morale falls for the disciplined and, by ``spillover``, for their team-mates; it recovers slowly."""
    teams = max(int(team.max()) + 1, 1) if len(team) else 1
    per_team = np.bincount(team, weights=disciplined, minlength=teams)
    size = np.bincount(team, minlength=teams)
    share_disciplined = np.divide(per_team, size, out=np.zeros(teams), where=size > 0)[team]
    morale -= hit * disciplined * morale + spillover * share_disciplined * morale
    morale += recovery * (1.0 - morale)
    np.clip(morale, 0.0, 1.0, out=morale)


def update_backlash(backlash: float, share_disciplined: float, memory_weeks: float) -> float:
    """The sales organisation's grievance: a moving average of the share of reps disciplined."""
    return backlash + (share_disciplined - backlash) / memory_weeks


def discipline_gamers(
    sc: Scenario, world: World, state: State, stocks: Stocks, manager: np.ndarray, flows: Flows, draw: np.ndarray
) -> np.ndarray:
    """Managers who work in the CRM spot gamers; discipline breeds reactance and backlash.

    Reads this week's choices; changes who is disciplined, morale and the sales backlash;
    reports detections and discipline. Returns, per organisation, whether the backlash has just
    become more than the senior sales manager will take.
    """
    sees = manager_sees(manager, state.routine, world.is_staff)
    spotted = detected(state.routine, sees, sc.sanctions.detection, draw)
    state.disciplined[:] = spotted & (draw < sc.sanctions.detection * sc.policy.sanctions)
    employees = world.employee_rows
    morale = state.morale[employees]
    reactance(
        morale,
        state.disciplined[employees],
        world.team[employees],
        sc.sanctions.morale_hit,
        sc.sanctions.spillover,
        sc.sanctions.morale_recovery,
    )
    state.morale[employees] = morale
    blocks = world.blocks  # each organisation's sales force, backlash and senior sales manager
    n_sales = np.maximum(world.sales_reps_of, 1.0)
    stocks.backlash = update_backlash(
        stocks.backlash,
        blocks.count_of(state.disciplined & world.is_sales) / n_sales,
        sc.sanctions.backlash_memory_weeks,
    )
    flows.who_was_disciplined = np.flatnonzero(state.disciplined)
    flows.detected = blocks.count_of(spotted)
    flows.disciplined = blocks.count_of(state.disciplined)
    return (stocks.backlash > sc.sanctions.backlash_threshold) & ~stocks.senior_sales_manager_resigned


def senior_sales_manager_resigns(
    sc: Scenario, world: World, state: State, stocks: Stocks, manager: np.ndarray, flows: Flows, block: int
) -> int:
    """He leaves over his people being punished, taking part of the sales force's goodwill.

    Returns his row (his post is to be filled), or -1 when the organisation has no sales reps.
    """
    head = int(world.senior_sales_manager[block])
    stocks.senior_sales_manager_resigned[block] = True
    flows.resignations[block] = 1.0
    if head < 0:
        return head
    loss = sc.sanctions.goodwill_loss
    sales_force = world.is_sales & (world.blocks.of_row == block)
    state.morale[sales_force] *= 1.0 - loss
    state.morale[sales_force & (manager == head)] *= 1.0 - loss
    return head
