"""Turnover and the calendar: people leave, new hires arrive untrained, busy weeks eat capacity.

Seed 001: "Call centers experience a high turnover of personnel. Heavy use of students creates
additional problems (for example, it is impossible to introduce a new CRM system during the
exam period)" and "these vital, 24/7 systems cannot be down even for a few moments". Seed 004:
"expected costs savings are evaporating due to turnover, inefficiencies, and additional staff
required to fill in the gaps".

Each week a person leaves with their role's hazard (``roles.<role>.quit_weekly``), raised by
dissatisfaction (low morale, culture tension, and the CRM's effort once it is live for them: a
system not yet there makes no one leave). A leaver is replaced at once by a new hire in the same
post (headcount is constant): no habit of the old process, a tenure of zero, prior skill only,
trained only if ``policy.new_hire_training``. Busy weeks (``org.busy_weeks``, weeks of the
year) stand for seed 001's exam period; the model reads them as lower capacity, which raises
effort, and little time for training: a go-live inside them trains people only in part. Seed
001's 24/7 point is system uptime; the model reads it as a service that cannot close for
training, so its service staff get only part of the hours. Both readings are the model's
interpretation, not the seed's claims.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
.. [2] Whitehead, J. (n.d.). Case study #1: The elusive CRM culture. Web article, part 1 of a
   3-part series. Seed 004.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.core.flows import Flows
    from sim.core.scenario import Scenario
    from sim.core.state import State
    from sim.core.world import World


def quit_probability(
    base_hazard: np.ndarray,
    morale: np.ndarray,
    tension: np.ndarray,
    effort: np.ndarray,
    sensitivity: float,
    tolerated_effort: float,
) -> np.ndarray:
    """Weekly probability of leaving: the role's hazard, raised by dissatisfaction.

    Effort counts only beyond what a person tolerates (``tolerated_effort``): some work in
    the system is part of the job, a second system on top of it is not.
    """
    dissatisfaction = (1.0 - morale) + tension + np.maximum(effort - tolerated_effort, 0.0)
    return np.clip(base_hazard * (1.0 + sensitivity * dissatisfaction), 0.0, 1.0)


def is_busy(week: int, busy_weeks: list[tuple[int, int]]) -> bool:
    """Whether a week falls in a busy period (weeks of the year, 1-52, inclusive; first > last wraps)."""
    w = (week - 1) % 52 + 1
    return any(start <= w <= end if start <= end else (w >= start or w <= end) for start, end in busy_weeks)


def training_share(
    busy: bool, around_the_clock: bool, is_service: np.ndarray, busy_loss: float, around_the_clock_share: float
) -> np.ndarray:
    """Share of the planned training hours people actually get at go-live.

    A busy week loses ``busy_loss`` of it for everyone; a 24/7 service, in the model's reading
    of seed 001, cannot close for training, so its staff get only ``around_the_clock_share`` of
    what is left.
    """
    share = np.full(len(is_service), 1.0 - busy_loss if busy else 1.0)
    if around_the_clock:
        share[is_service] *= around_the_clock_share
    return share


def people_leave(sc: Scenario, world: World, state: State, flows: Flows, draw: np.ndarray) -> np.ndarray:
    """Some people quit, the dissatisfied more; returns the rows of their posts, to be filled."""
    cal = sc.calendar
    p = quit_probability(
        world.role.quit_weekly,
        state.morale,
        state.tension,
        state.felt_effort * state.live,  # the CRM's effort weighs on those it is live for
        cal.turnover_sensitivity,
        cal.tolerated_effort,
    )
    leavers = np.flatnonzero((draw < p) & ~world.is_partner)
    flows.who_left = leavers
    blocks = world.blocks  # counted per organisation
    flows.leavers_sales = blocks.total(world.is_sales[leavers].astype(float), leavers)
    flows.leavers_service = blocks.total(world.is_service[leavers].astype(float), leavers)
    flows.leavers = blocks.total(np.ones(len(leavers)), leavers) + flows.resignations
    return leavers
