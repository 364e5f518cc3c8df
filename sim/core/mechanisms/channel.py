"""Gaming for channel terms: reps bend terms, partners learn to go around, rule-followers complain.

Seed 002 (Global Giant): the channels "kept coming to the salespeople to see if they could
get better terms than what the CRM was offering. A few of the cleverer ... sales folks figured
out how to 'game' the CRM so that their channel customers got better price, delivery and
credit terms ... a couple of the channels that had played by the new CRM 'order entry' rules
discovered that they got less favourable terms than their competitors. They complained. They
were promised compensation for the differences in prices. The result? The first six months of
the CRM deployment ended up costing the company more money per unit sale."

Each week a live partner orders through one route. Through the CRM it gets list terms (no
discount); around it, through its rep, it gets ``bent_discount`` if the rep games this week,
list terms otherwise. A disengaged partner orders less, at list terms. Partners learn what
going around pays, from their own orders and from the partners they are tied to (they compare
terms). A self-serving partner whose tied partners got clearly better terms complains, and a
complaint is settled by compensating the difference.

References
----------
.. [1] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from sim.core.state import DISENGAGE, GAME, GO_AROUND, SELF_SERVE

if TYPE_CHECKING:
    from sim.core.flows import Flows
    from sim.core.scenario import Scenario
    from sim.core.state import State
    from sim.core.world import World


def discounts(partner_behaviour: np.ndarray, rep_behaviour: np.ndarray, bent_discount: float) -> np.ndarray:
    """The discount each partner got this week: bent terms only around the CRM through a gaming rep."""
    return ((partner_behaviour == GO_AROUND) & (rep_behaviour == GAME)) * bent_discount


def order_volume(partner_behaviour: np.ndarray, disengaged_volume: float) -> np.ndarray:
    """Units ordered this week: one per partner, less for those who disengaged."""
    return np.where(partner_behaviour == DISENGAGE, disengaged_volume, 1.0)


def learn_route_value(
    belief: np.ndarray,
    own_discount: np.ndarray,
    went_around: np.ndarray,
    peers: sparse.csr_matrix,
    rate: float,
) -> None:
    """Partners move their belief about what going around pays towards what they and their peers saw.

    ``peers`` is the partner-partner block of the network. Evidence is the discount of those
    (oneself and tied partners) who went around this week; without such evidence the belief stays.
    """
    around = went_around.astype(float)
    seen_sum = peers @ (own_discount * around) + own_discount * around
    seen_n = peers @ around + around
    evidence = seen_n > 0
    target = np.divide(seen_sum, seen_n, out=np.zeros_like(belief), where=evidence)
    belief += np.where(evidence, rate * (target - belief), 0.0)


def complaints(
    terms_seen: np.ndarray,
    partner_behaviour: np.ndarray,
    peers: sparse.csr_matrix,
    threshold: float,
    probability: float,
    draw: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Which rule-following partners complain this week, and the terms gap each one complains about.

    ``terms_seen`` is each partner's recent average discount; a self-serving partner compares
    its own with the mean of its tied partners' and complains (with ``probability``) when the
    gap exceeds ``threshold``.
    """
    degree = np.asarray(peers.sum(axis=1)).ravel()
    peer_terms = np.divide(peers @ terms_seen, degree, out=np.zeros_like(terms_seen), where=degree > 0)
    gap = peer_terms - terms_seen
    rule_following = partner_behaviour == SELF_SERVE
    complain = rule_following & (gap > threshold) & (draw < probability)
    return complain, np.where(complain, gap, 0.0)


def trade_with_partners(sc: Scenario, world: World, state: State, manager: np.ndarray, flows: Flows, draw) -> None:
    """Partners order; bent terms leak margin; rule-followers compare, complain and are compensated.

    Reads this week's choices of partners and their reps; changes the partners' terms and
    beliefs; reports units, leaked margin, complaints and compensation.
    """
    ch = sc.channel
    rows = world.partner_rows
    behaviour = state.routine[rows]
    discount = discounts(behaviour, state.routine[manager[rows]], ch.bent_discount)
    volume = order_volume(behaviour, ch.disengaged_volume)
    state.discount[rows] = discount
    terms = state.terms_seen[rows]
    terms += (discount - terms) / ch.terms_memory_weeks
    state.terms_seen[rows] = terms
    belief = state.route_belief[rows]
    learn_route_value(belief, discount, behaviour == GO_AROUND, world.partner_peers, ch.learning_rate)
    state.route_belief[rows] = belief
    complaining, gap = complaints(
        terms, behaviour, world.partner_peers, ch.complaint_threshold, ch.complaint_probability, draw[rows]
    )
    flows.bent_terms = rows[discount > 0]
    flows.complained = rows[complaining]
    blocks = world.blocks  # the figures are each organisation's
    flows.units_partners = blocks.total(volume, rows)
    flows.margin_leakage = blocks.total(discount * volume, rows) * sc.costs.price
    flows.complaints = blocks.total(complaining.astype(float), rows)
    flows.compensation_paid = blocks.total(gap, rows) * sc.costs.price * ch.compensation_weeks


def partner_requests(world: World, state: State, manager: np.ndarray) -> np.ndarray:
    """Per sales rep: the share of the partners they serve who went around the CRM to them last week."""
    rows = world.partner_rows
    asked = np.bincount(manager[rows], weights=state.routine[rows] == GO_AROUND, minlength=len(manager))
    return asked * world.per_partner_served


def route_value(sc: Scenario, world: World, state: State) -> np.ndarray:
    """Per partner: what going around is believed to pay, as a share of the bent discount (0 for others)."""
    value = np.zeros(len(state.route_belief))
    if sc.channel.bent_discount > 0:
        rows = world.partner_rows
        value[rows] = state.route_belief[rows] / sc.channel.bent_discount
    return value
