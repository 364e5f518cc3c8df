"""Rates over runs: how often a rollout succeeded among the runs that were judged, and how sure
that rate is.

A run that ended before the CRM went live has the verdict ``undetermined``: nobody used the CRM,
which is no failure, so it counts in neither the successes nor the runs. Wilson's score interval
(Wilson 1927; Brown, Cai & DasGupta 2001) stays inside 0 to 1 and keeps its coverage for rates near
0 or 1 and for the few dozen runs an experiment often has, where the textbook p +- z*se does not.
It is written out here from the standard library's normal quantile, because scipy.stats, whose
``binomtest`` gives the same numbers, takes a second to import in a command that needs only this.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

#: The verdicts that judge a rollout.
JUDGED = ("success", "failure")


def success_rate(verdicts: pd.Series) -> float:
    """Successes among the judged runs (NaN when none was judged)."""
    successes, judged = tally(verdicts)
    return successes / judged if judged else np.nan


def tally(verdicts: pd.Series) -> tuple[int, int]:
    """(successes, judged runs) among ``verdicts``: an undetermined run counts in neither."""
    judged = verdicts.isin(JUDGED)
    return int((verdicts[judged] == "success").sum()), int(judged.sum())


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's interval for a rate of ``successes`` in ``n`` runs; (0, 1) when there are no runs."""
    if n == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / shrink
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_success(arm: pd.Series, baseline: pd.Series) -> dict:
    """Two arms' verdicts on the same seeds (indexed by seed), compared seed by seed.

    Over the seeds both arms were judged on: ``won``, the seeds on which the arm succeeded and the
    baseline failed; ``lost``, the reverse; and ``p``, McNemar's exact test (McNemar 1947; Fagerland,
    Lydersen & Laake 2013) of whether the two arms' success rates differ. Seeds on which both
    succeeded or both failed say nothing about the difference, and two rates' separate Wilson
    intervals overlap where the paired seeds show a clear difference: common random numbers make
    the arms' verdicts move together. ``p`` is 1 when no judged seed tells them apart, and NaN
    when no seed was judged in both (an arm that never went live): there is nothing to test.
    """
    both = arm.index.intersection(baseline.index)
    a, b = arm.loc[both], baseline.loc[both]
    judged = a.isin(JUDGED) & b.isin(JUDGED)
    a, b = a[judged] == "success", b[judged] == "success"
    won, lost = int((a & ~b).sum()), int((~a & b).sum())
    p = mcnemar_exact(won, lost) if judged.any() else float("nan")
    return {"seeds": int(judged.sum()), "won": won, "lost": lost, "p": p}


def mcnemar_exact(won: int, lost: int) -> float:
    """McNemar's exact two-sided p: the seeds that tell two arms apart split as a fair coin would?"""
    n = won + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(won, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)
