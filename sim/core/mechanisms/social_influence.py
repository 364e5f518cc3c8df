"""Social influence: people look at what their colleagues and their manager do.

Two channels. The first is imitation: the shares of live network neighbours choosing each
option, what colleagues are seen doing (contagion; Centola & Macy 2007). The second is the push
of one's manager towards visible use, closer to UTAUT's social influence, which is compliance
with what important others think (Venkatesh et al. 2003). That reps copy colleagues who game the
CRM is the model's assumption: seed 002 says only that "A few of the cleverer" sales folks
gamed it, and reports no imitation. The manager's push draws on seeds 000 (what happens at the
micro level is "only partly controllable by management techniques") and 003 ("lack of focus and
commitment from the senior management").

References
----------
.. [1] Bygstad, B. (2003). The implementation puzzle of CRM systems in knowledge-based
   organizations. Information Resources Management Journal, 16(4). Seed 000.
.. [2] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
.. [3] Anonymous (2007). Reflection 6: CRM in organizations. Blog post, 21 August 2007; the
   UK City Council case. Seed 003.
.. [4] Venkatesh, V., Morris, M. G., Davis, G. B., & Davis, F. D. (2003). User acceptance of
   information technology: Toward a unified view. MIS Quarterly, 27(3), 425-478.
.. [5] Centola, D., & Macy, M. (2007). Complex contagions and the weakness of long ties.
   American Journal of Sociology, 113(3), 702-734.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from sim.core.state import LEGACY


def neighbour_shares(
    adjacency: sparse.spmatrix,
    behaviour: np.ndarray,
    across: sparse.spmatrix | None = None,
    across_weight: np.ndarray | float = 1.0,
    visibility: np.ndarray | None = None,
) -> np.ndarray:
    """(3, n) weighted shares of each option among a person's engaged neighbours (0 if none is):
    ``behaviour`` gives the not yet engaged the legacy option, which counts for no option.

    One sparse product for everyone; a neighbour's option is read as a column index, so
    employees' (use, game, ignore) and partners' (self-serve, go-around, disengage) line up.
    Ties ``across`` subcultures, if given, count with ``across_weight`` (seed 004); a person's
    ``visibility`` (champions are watched more) multiplies how much their way of working counts.
    """
    onehot = np.empty((len(behaviour), 3))  # who does what: 1 (or their visibility) in their option's column
    weight = 1.0 if visibility is None else visibility
    for option in range(3):  # column by column: far quicker than setting one cell per person
        np.multiply(behaviour == option, weight, out=onehot[:, option])
    counts = adjacency @ onehot
    if across is not None:
        counts += np.reshape(across_weight, (-1, 1)) * (across @ onehot)  # a weight per person, or one for all
    counts = counts.T
    total = counts[0] + counts[1] + counts[2]
    return counts / np.maximum(total, 1e-300)  # no live neighbour: all counts are 0, so are the shares


def sum_over_ties(ties: sparse.csc_matrix, values: np.ndarray) -> np.ndarray:
    """Each person's tie-weighted sum of their colleagues' ``values``: ``ties @ values``.

    When few colleagues have a value (who switched last week, who improvises), only their ties are
    visited. ``ties`` is kept by column: column j lists who is tied to j. Either way a person's
    sum adds the same non-zero terms in the same order (by colleague), so the same result to the bit.
    """
    ties = ties.tocsc()  # (already so in the model: no copy)
    who = np.flatnonzero(values)
    if 20 * len(who) > len(values):  # more than one in twenty: the product is quicker
        return ties @ values
    start = ties.indptr[who]
    lengths = ties.indptr[who + 1] - start
    at = np.repeat(start - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())  # column by column
    out = np.zeros(ties.shape[0])
    np.add.at(out, ties.indices[at], ties.data[at] * np.repeat(values[who], lengths))  # in that order
    return out


def push_by_manager_behaviour(gaming_manager_push: float) -> np.ndarray:
    """How hard a manager pushes, by what the manager does (use, game, ignore, legacy).

    A user pushes; a manager who hides their own leads pushes half-heartedly
    (``gaming_manager_push``); one who ignores the CRM, or is not on it yet, does not push.
    """
    return np.array([1.0, gaming_manager_push, 0.0, 0.0])


def manager_pressure(
    manager: np.ndarray, behaviour: np.ndarray, mandate: float, gaming_manager_push: float
) -> np.ndarray:
    """The push each person feels from their manager towards entering data (0 without one)."""
    has_manager = manager >= 0
    boss_behaviour = behaviour[np.where(has_manager, manager, 0)]
    by_behaviour = push_by_manager_behaviour(gaming_manager_push)
    push = by_behaviour[np.where(boss_behaviour == LEGACY, 3, boss_behaviour)]
    return np.where(has_manager, mandate * push, 0.0)


def share_using(
    adjacency: sparse.spmatrix, behaviour: np.ndarray, tie_weight: np.ndarray, visibility: np.ndarray
) -> np.ndarray:
    """Tie-weighted share of all of a person's colleagues (live or not) who use the CRM as designed
    (a partner's peers: who self-serve): how visible the new way is (option 0 in both roles).

    A champion is watched ``visibility`` times as much as anyone else whatever they do, so they
    weigh that much in the whole as well as in the part: the share stays between 0 and 1. With no
    champion the whole is the plain ``tie_weight`` (adding 0 changes no bit)."""
    using = (behaviour == 0) * visibility
    watched = tie_weight + sum_over_ties(adjacency, visibility - 1.0)  # champions' extra weight, where there are any
    return np.divide(adjacency @ using, watched, out=np.zeros(len(behaviour)), where=watched > 0)
