"""Technological drift: improvised practices appear, spread, and are either suppressed or legitimised.

Seed 000 (Bygstad, the Institute of Technology in Oslo, a six-year CRM project): "there may be
several ways of reaching a goal or solving a problem. The actual behavior may be influenced as
much by practical considerations using technology as by managerial goal-setting, and the
accumulated result of these small decisions may gradually alter the course of how information
systems are used" (technological drift, Ciborra 2000); the choice between "tight project
control" and letting "the infrastructure grow organically".

A person who works in the CRM follows either the designed practice or an improvised one
(using it as a phone book, entering orders for partners, ...). Improvisation starts where the
system fits the work poorly and spreads through the network. Under ``control`` management
enforces the design: improvisers are brought back with a weekly probability. Under
``organic`` management legitimises improvisations that prove useful: nobody is brought back,
and a legitimised practice makes the CRM more useful to those who follow it, so the practice
that is actually supported moves away from the original design. The drift index is the share
of people working in the CRM on practices outside the original design.

References
----------
.. [1] Bygstad, B. (2003). The implementation puzzle of CRM systems in knowledge-based
   organizations. Information Resources Management Journal, 16(4). Seed 000.
.. [2] Ciborra, C. U. (2000). From Control to Drift: The Dynamics of Corporate Information
   Infrastructures. Oxford University Press.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.mechanisms import social_influence
from sim.core.state import GAME, USE

if TYPE_CHECKING:
    from sim.core.batch import Blocks
    from sim.core.flows import Flows
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def improvise(
    improvising: np.ndarray,
    in_crm: np.ndarray,
    fit: np.ndarray | float,
    neighbours_improvising: np.ndarray,
    start_rate: float,
    spread: float,
    draw: np.ndarray,
) -> None:
    """Some who work in the CRM start improvising: more where fit is poor and neighbours improvise."""
    p_start = start_rate * (1.0 - fit) + spread * neighbours_improvising
    improvising |= in_crm & (draw < p_start)


def enforce_design(improvising: np.ndarray, style: str, enforcement: float, draw: np.ndarray) -> None:
    """Under control, management brings improvisers back to the designed practice."""
    if style == "control":
        improvising &= ~(draw < enforcement)


def legitimised_value(improvising: np.ndarray, style: str, value: float) -> np.ndarray:
    """Under organic management an improvised practice is supported and adds to usefulness."""
    if style != "organic":
        return np.zeros(len(improvising))
    return improvising * value


def drift_index(improvising: np.ndarray, in_crm: np.ndarray, blocks: Blocks) -> np.ndarray:
    """Per organisation, the share of people working in the CRM whose practice lies outside the original design."""
    return blocks.mean(improvising.astype(float), in_crm)


def drift_in_practice(sc: Scenario, world: World, state: State, stocks: Stocks, flows: Flows, start, enforce) -> None:
    """Improvised practices appear and spread; control brings them back, organic lets them grow."""
    b = state.routine
    in_crm = state.live & ~world.is_partner & ((b == USE) | (b == GAME))
    neighbours = social_influence.sum_over_ties(world.ties, state.improvising.astype(float))
    degree = world.tie_weight
    share = np.divide(neighbours, degree, out=np.zeros(len(degree)), where=degree > 0)
    fit = world.blocks.per_person(stocks.system_fit)  # of each person's organisation
    improvise(state.improvising, in_crm, fit, share, sc.drift.start_rate, sc.drift.spread, start)
    enforce_design(state.improvising, sc.policy.management_style, sc.drift.enforcement, enforce)
    flows.drift = drift_index(state.improvising, in_crm, world.blocks)
