"""Routines and reconsideration: people keep last week's way of working until something makes them think again.

Seed 000 (Bygstad) puts the outcome of a CRM project at the level of "real-time microactions
... all the small decisions managers and employees take", shaped by "the defensive routines
at work in an organization", and only "partly controllable by management techniques".
People do not weigh their options afresh every week: a way of working, once practised, is
kept. Habit forms for whatever routine is practised, the CRM routine as well as the legacy
one (Limayem, Hirt & Cheung 2007; Venkatesh, Thong & Xu 2012), and status-quo inertia weighs
against switching even when another way would be better (Polites & Karahanna 2012).

So each week a person *reconsiders* only with a probability: a low base rate, raised by
triggers that make the current routine questionable:

- going live, or joining the organisation (everyone chooses then);
- training this week;
- their manager changing what they do with the CRM (seeds 000, 003: management's example);
- being disciplined (seed 002);
- colleagues switching around them: complex contagion, where two switching colleagues count
  for far more than twice one (Centola & Macy 2007), so adoption spreads through clustered
  teams and network position matters;
- partners asking for better terms (sales reps; seed 002);
- a visible change in the data they work with (seed 001: "a lack of faith in its quality");
- dissatisfaction: their routine has become clearly worse than another option.

Triggers combine as independent chances: p = 1 - (1 - base) x prod(1 - trigger). A person who
reconsiders chooses by the role's utility terms (the class's ``weigh``) plus the inertia of
the current routine; one who does not keeps it. Every person draws the same two uniform
numbers every week (one for "reconsider?", one for the choice), whatever the policy, so that
policies compared on one seed share their random numbers.

References
----------
.. [1] Bygstad, B. (2003). The implementation puzzle of CRM systems in knowledge-based
   organizations. Information Resources Management Journal, 16(4). Seed 000.
.. [2] Limayem, M., Hirt, S. G., & Cheung, C. M. K. (2007). How habit limits the predictive
   power of intention: The case of information systems continuance. MIS Quarterly, 31(4),
   705-737.
.. [3] Venkatesh, V., Thong, J. Y. L., & Xu, X. (2012). Consumer acceptance and use of
   information technology: Extending the unified theory of acceptance and use of technology.
   MIS Quarterly, 36(1), 157-178.
.. [4] Polites, G. L., & Karahanna, E. (2012). Shackled to the status quo: The inhibiting
   effects of incumbent system habit, switching costs, and inertia on new system acceptance.
   MIS Quarterly, 36(1), 21-42.
.. [5] Centola, D., & Macy, M. (2007). Complex contagions and the weakness of long ties.
   American Journal of Sociology, 113(3), 702-734.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from sim.core.mechanisms import social_influence
from sim.core.state import GO_AROUND, IGNORE, LEGACY, Role

if TYPE_CHECKING:
    from sim.core.scenario import Routine

#: The triggers, in the order ``explain()`` and the event log report them.
TRIGGERS = (
    "went_live",
    "new_hire",
    "training",
    "manager_changed",
    "disciplined",
    "colleagues_switched",
    "partner_requests",
    "data_changed",
    "dissatisfied",
)


@dataclass
class Decision:
    """A week's decision: what everyone does now, and why."""

    routine: np.ndarray  # the way of working chosen or kept
    utilities: np.ndarray  # (options, n) the terms plus the current routine's inertia
    reconsider_probability: np.ndarray
    reconsidered: np.ndarray
    main_trigger: np.ndarray  # index in TRIGGERS, -1 where only the base rate was at work


def decide(
    utilities: np.ndarray,
    triggers: dict[str, np.ndarray],
    current: np.ndarray,
    strength: np.ndarray,
    legacy_option: np.ndarray,
    colleagues_using: np.ndarray,
    rt: Routine,
    sensitivity: float,
    reconsider_draw: np.ndarray,
    choice_draw: np.ndarray,
) -> Decision:
    """Keep the routine, or, when something makes one reconsider, choose by the utilities.

    ``utilities`` (options, n) are each role's terms and ``triggers`` its reasons to reconsider
    (the role classes' ``utilities`` and ``triggers``), for everyone. Everyone's utilities are
    weighed every week: they tell who has become dissatisfied. Only those whose reconsider draw
    falls under their chance choose, by the logit over the utilities plus the inertia of their
    routine; the others keep it. ``current`` is the routine carried into the week. The arguments
    are left as they are: the decision's utilities are a copy with the inertia added.
    """
    triggers = {**triggers, "dissatisfied": dissatisfied(utilities, current, colleagues_using, rt)}
    utilities = utilities.copy()
    add_inertia(utilities, current, strength, legacy_option, rt.status_quo, rt.habit)
    chance = reconsider(rt.base_rate, triggers)
    live = current != LEGACY
    reconsidered = (reconsider_draw < chance) & live
    who = np.flatnonzero(reconsidered)
    now = current.copy()  # the routine kept, or the choice of those who reconsidered
    now[who] = choose(choice_probabilities(utilities[:, who], sensitivity), choice_draw[who])
    told = np.full(len(current), -1, dtype=np.int8)  # the main trigger, told only for those who reconsidered
    told[who] = main_trigger(triggers, rt.base_rate, who)
    return Decision(
        routine=now,
        utilities=utilities,
        reconsider_probability=np.where(live, chance, 0.0),
        reconsidered=reconsidered,
        main_trigger=told,
    )


def choice_probabilities(utilities: np.ndarray, sensitivity: float) -> np.ndarray:
    """The multinomial logit over the options (rows of ``utilities``):
    P(option) = exp(b * U_option) / sum exp(b * U), with b the choice sensitivity."""
    p = np.exp(sensitivity * (utilities - utilities.max(axis=0)))
    p /= p.sum(axis=0)
    return p


def choose(p: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """The first option whose cumulative probability exceeds the draw."""
    return ((draw > p[0]).astype(np.int8) + (draw > p[0] + p[1])).astype(np.int8)


def reconsider(base: float, triggers: dict[str, np.ndarray]) -> np.ndarray:
    """The chance of reconsidering this week: the base rate and each trigger (a chance, 0-1) as
    independent chances, p = 1 - (1 - base) x prod(1 - t)."""
    keep = np.full(len(next(iter(triggers.values()))), 1.0 - base)
    for strength in triggers.values():
        keep *= 1.0 - strength
    return 1.0 - keep


def main_trigger(triggers: dict[str, np.ndarray], base: float, who: np.ndarray | None = None) -> np.ndarray:
    """The strongest trigger (an index into ``TRIGGERS``) of each person, or of the rows ``who``
    (indices); -1 where none beats the base rate."""
    rows = slice(None) if who is None else who
    stacked = np.stack([t[rows] for t in triggers.values()])
    index = _trigger_index(tuple(triggers))[stacked.argmax(axis=0)]
    return np.where(stacked.max(axis=0) > base, index, -1).astype(np.int8)


@functools.cache
def _trigger_index(names: tuple[str, ...]) -> np.ndarray:
    return np.array([TRIGGERS.index(name) for name in names], dtype=np.int8)


def carried_over(role: np.ndarray) -> np.ndarray:
    """The way of working a person keeps when the CRM goes live and they have not reconsidered:
    the old process, which now means working around the CRM (a partner keeps ordering through
    its rep)."""
    return np.where(role == Role.PARTNER, GO_AROUND, IGNORE).astype(np.int8)


def switched(routine: np.ndarray, previous: np.ndarray, carried: np.ndarray) -> np.ndarray:
    """Who changed their way of working last week. Going live and carrying on the old process is
    no change; going live and taking up the CRM is."""
    started = previous == LEGACY
    return (routine != LEGACY) & (routine != previous) & ~(started & (routine == carried))


def colleagues_switched(
    ties: sparse.csc_matrix, switched_last_week: np.ndarray, threshold: float, steepness: float
) -> np.ndarray:
    """Complex contagion: the pull of the tie weight of colleagues who switched last week.

    A Hill function of that weight, ``w^h / (w^h + threshold^h)``: one switching colleague
    (weight 1) is easily ignored when ``threshold`` is well above 1 (1.5 by default), several are
    hard to ignore.
    """
    weight = social_influence.sum_over_ties(ties, switched_last_week.astype(float))
    pull = np.zeros(len(weight))
    pulled = np.flatnonzero(weight)  # most weeks few have a colleague who switched: no pull on the rest
    powered = weight[pulled] ** steepness
    pull[pulled] = powered / (powered + threshold**steepness)
    return pull


def dissatisfied(utilities: np.ndarray, current: np.ndarray, colleagues_using: np.ndarray, rt: Routine) -> np.ndarray:
    """The dissatisfaction trigger, given the utilities of the options without inertia: a better
    way is noticed where colleagues show it (seed 001: infrequent use comes from "a lack of
    awareness of its existence or of a lack of faith in its quality")."""
    return (
        rt.dissatisfied
        * colleagues_using
        * dissatisfaction(utilities, current, rt.dissatisfaction_margin, rt.dissatisfaction_scale)
    )


def dissatisfaction(utilities: np.ndarray, current: np.ndarray, margin: float, scale: float) -> np.ndarray:
    """How strongly the current routine is felt to be worse than the best other option.

    ``utilities`` is (options, n) without inertia; the gap between the best alternative and the
    current option, past ``margin``, in a logistic of width ``scale`` (0 for the legacy process,
    which going live handles).
    """
    u0, u1, u2 = utilities
    on0, on1 = current == 0, current == 1
    own = np.where(on0, u0, np.where(on1, u1, u2))
    best_other = np.where(on0, np.maximum(u1, u2), np.where(on1, np.maximum(u0, u2), np.maximum(u0, u1)))
    felt = 1.0 / (1.0 + np.exp(-(best_other - own - margin) / scale))
    return felt * (current != LEGACY)  # felt is positive: 0 for the legacy process


def practise(strength: np.ndarray, weeks: np.ndarray, kept: np.ndarray, live: np.ndarray, rate: float) -> None:
    """A kept routine's habit grows each week it is practised; a new one starts from nothing."""
    grow = kept & live
    strength[:] = np.where(grow, strength + rate * (1.0 - strength), np.where(kept, strength, 0.0))
    weeks += 1
    weeks *= kept  # a new routine starts again at 0


def data_change(trust: np.ndarray, anchor: np.ndarray, scale: float) -> np.ndarray:
    """How visibly the data a person works with has changed: trust against its recent level."""
    return np.clip(np.abs(trust - anchor) / scale, 0.0, 1.0)


def remember_trust(anchor: np.ndarray, trust: np.ndarray, memory_weeks: float) -> None:
    """The recent level of trust follows trust slowly, so a sudden change stands out."""
    anchor += (trust - anchor) / memory_weeks


def training_push(hours: np.ndarray, full_hours: float) -> np.ndarray:
    """A training this week, as a share of a full one."""
    return np.clip(hours / full_hours, 0.0, 1.0)


def add_inertia(
    utilities: np.ndarray,
    current: np.ndarray,
    strength: np.ndarray,
    legacy_option: np.ndarray | int,
    status_quo: float,
    habit: float,
) -> None:
    """Add, in place, the pull of keeping the current routine: status-quo bias plus the habit of a
    practised CRM routine (the old process's own habit is the UTAUT2 ``habit`` term on it, so it
    is not counted twice here). ``legacy_option`` is each person's option that carries on the
    old process (or one for all)."""
    bonus = status_quo + habit * strength * (current != legacy_option)
    for option in range(len(utilities)):
        np.add(utilities[option], bonus, out=utilities[option], where=current == option)  # only on the routine kept


def inertia(
    current: np.ndarray, strength: np.ndarray, legacy_option: np.ndarray | int, status_quo: float, habit: float
) -> np.ndarray:
    """(3, n) utility bonus of keeping the current routine (``add_inertia`` on zeros)."""
    bonus = np.zeros((3, len(current)))
    add_inertia(bonus, current, strength, legacy_option, status_quo, habit)
    return bonus


def choose_champions(team: np.ndarray, staff: np.ndarray, attitude: np.ndarray, share: float) -> np.ndarray:
    """Key users: in each team, the ``share`` of its staff who like the CRM most (at least one per
    team when ``share`` > 0). The model's lever, an assumption built on seed 001: "The success of
    a CRM project depends first and foremost on the people who implement it" (no seed mentions
    key users or champions).

    Chosen from traits already drawn, so choosing them draws no random number.
    """
    champion = np.zeros(len(team), dtype=bool)
    if share <= 0:
        return champion
    rows = np.flatnonzero(staff)
    order = rows[np.lexsort((-attitude[rows], team[rows]))]  # by team, keenest first
    teams = team[order]
    first = np.r_[0, np.flatnonzero(np.diff(teams)) + 1]
    sizes = np.diff(np.r_[first, len(order)])
    rank = np.arange(len(order)) - np.repeat(first, sizes)
    quota = np.maximum(1, np.ceil(share * sizes)).astype(int)
    champion[order[rank < np.repeat(quota, sizes)]] = True
    return champion
