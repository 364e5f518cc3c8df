"""Patterns over the typical organisation (scenarios/sweeps/typical_prior_pairs.toml): chance changes
verdicts, and a fully integrated rollout can fail, more often under weak commitment.

docs/validation.md measures these on 500 and 200 draws; here a smaller sample of the same prior
(its first draws, the sweep's own seed) keeps the suite within minutes, so each assertion is
looser than the documented figure by about two binomial standard errors, as stated beside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from sim.experiments import designs
from sim.experiments.sweepfile import SweepFile
from sim.io.runner import run_batch

PRIOR = Path(__file__).resolve().parents[2] / "scenarios" / "sweeps" / "typical_prior_pairs.toml"
DRAWS = 60


@cache
def _verdicts(integration: str | None) -> list[tuple[dict, list[str]]]:
    """(the draw, its verdicts on seeds 1 and 2) for the first ``DRAWS`` draws of the prior,
    with ``policy.integration`` fixed when given."""
    sweep = SweepFile.load(PRIOR).model_copy(update={"samples": DRAWS})
    base = sweep.base_scenario()
    out = []
    for point in designs.points(sweep).to_dict("records"):
        if integration is not None:
            point["policy.integration"] = integration
        results = run_batch(base.with_overrides(point), seeds=[1, 2])
        out.append((point, [r.summary["verdict"] for r in results]))
    return out


def test_chance_alone_changes_the_verdict_of_some_organisations():
    """Two seeds of the same draw end differently on 10.0% of 200 draws (docs/validation.md; the
    target is 10%). On these 60 draws (standard error ~3.9 points) at least 3%, about two standard
    errors below the documented figure."""
    pairs = _verdicts(None)
    differ = np.mean([a != b for _, (a, b) in pairs])
    assert differ >= 0.03


def test_a_fully_integrated_rollout_can_fail_and_more_often_under_weak_commitment():
    """Full integration fails in 16% of the prior's fully integrated draws (docs/validation.md):
    38% where commitment starts at 0.6 or less, 2% above. On 60 draws, each with 2 seeds (standard
    error ~4 points), at least 7% fail, and those whose commitment starts at 0.6 or less fail more."""
    runs = [(point["policy.commitment"], verdict) for point, verdicts in _verdicts("full") for verdict in verdicts]
    failed = np.array([v == "failure" for _, v in runs])
    weak = np.array([c <= 0.6 for c, _ in runs])
    assert failed.mean() >= 0.07
    assert failed[weak].mean() > failed[~weak].mean()
