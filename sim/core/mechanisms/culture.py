"""Culture: subcultures influence each other less, tension builds, and only culture work helps.

Seed 004: a Fortune 500 company consolidating its "call center operations from 50+ offices to
one new central service center", with culture as one of four pillars of the operating model
but "not one single deliverable relating to culture". Years later: "People are not doing
their jobs as designed. The system is underused. There are cultural tensions between the new
employees in the call center and the existing employees in the countries they support."

People belong to the subculture of their site. Influence across subcultures is weakened by
the cultural distance; each person's tension moves towards the distance times the share of
their ties that cross subcultures. Tension makes ignoring more attractive and leaving more
likely. ``policy.culture_programme`` (real culture work: deliverables, events, joint
routines) shrinks the distance week by week once the CRM is live; naming culture as a pillar
of the plan without such work is ``culture_programme = 0``, and changes nothing.

References
----------
.. [1] Whitehead, J. (n.d.). Case study #1: The elusive CRM culture. Web article, part 1 of a
   3-part series. Seed 004.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def split_ties(adjacency: sparse.csr_matrix, subculture: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """The network split into ties within a subculture and ties across subcultures."""
    coo = adjacency.tocoo()
    same = subculture[coo.row] == subculture[coo.col]
    shape = adjacency.shape
    within = sparse.csr_matrix((coo.data * same, (coo.row, coo.col)), shape=shape)
    across = sparse.csr_matrix((coo.data * ~same, (coo.row, coo.col)), shape=shape)
    within.eliminate_zeros()
    across.eliminate_zeros()
    return within, across


def crossing_share(within: sparse.csr_matrix, across: sparse.csr_matrix) -> np.ndarray:
    """Share of each person's tie weight that crosses into another subculture."""
    w_in = np.asarray(within.sum(axis=1)).ravel()
    w_x = np.asarray(across.sum(axis=1)).ravel()
    total = w_in + w_x
    return np.divide(w_x, total, out=np.zeros_like(total), where=total > 0)


def update_tension(
    tension: np.ndarray, distance: np.ndarray | float, crossing: np.ndarray, live: np.ndarray, rate: float
) -> None:
    """Tension moves towards distance x crossing ties for people working with the new system."""
    tension += np.where(live, rate * (distance * crossing - tension), 0.0)


def shrink_distance(distance: np.ndarray, programme: float, rate: float) -> np.ndarray:
    """Culture work closes part of the distance every week; without it the distance stays."""
    return distance * (1.0 - rate * programme)


def live_with_subcultures(sc: Scenario, world: World, state: State, stocks: Stocks) -> None:
    """Tension builds across subcultures for people on the new system; culture work shrinks the distance."""
    if world.ties_across is None:
        return
    blocks = world.blocks  # each organisation's own distance
    distance = blocks.per_person(stocks.culture_distance)
    update_tension(state.tension, distance, world.crossing, state.live, sc.culture.tension_rate)
    stocks.culture_distance = np.where(
        blocks.any(state.live),
        shrink_distance(stocks.culture_distance, sc.policy.culture_programme, sc.culture.programme_rate),
        stocks.culture_distance,
    )
