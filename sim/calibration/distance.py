"""How a simulated run is observed, and how far it is from the log.

**Noise.** A share with a count ``n`` beside it was counted over ``n`` people; the simulated
share is observed the same way, as a binomial draw of ``n`` people from the simulated share
(its own random stream, from the run's seed). A share without a count is the whole
organisation's, as the model counts it, and is observed as it is.

**Distance.** Each observed cell is standardised by its standard error,
``s = sqrt(p (1 - p) / n + floor^2)`` with ``p`` the observed share (the binomial term only where
``n`` is given; ``floor``, ``settings.share_floor``, 0.01 by default, keeps a share of 0 or 1
and a whole-organisation share from weighing infinitely). The distance is the root mean square
of the standardised differences over all observed cells:

    d = sqrt( mean over (week, column) of ((simulated - observed) / s)^2 )

So a cell weighs by the information in it (a share counted over 400 people weighs more than one
over 20), columns are on one scale (every one is a share), and ``d`` reads as "typical misfit
in standard errors" whatever the number of weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ObservationModel:
    """The observed cells (flattened in the log's order), their counts and standard errors."""

    weeks: np.ndarray  # the week of each cell
    columns: tuple[str, ...]  # the column of each cell
    observed: np.ndarray
    counts: np.ndarray  # 0: the whole organisation's share, no sampling noise
    floor: float

    @property
    def scale(self) -> np.ndarray:
        p = self.observed
        sampling = np.divide(p * (1 - p), self.counts, out=np.zeros_like(p), where=self.counts > 0)
        return np.sqrt(sampling + self.floor**2)

    def cells_of(self, frame) -> np.ndarray:
        """The simulated shares at the observed cells, from a run's weekly series."""
        by_week = frame.set_index("week")
        return np.array([by_week.at[w, c] for w, c in zip(self.weeks, self.columns, strict=True)], dtype=float)

    def observe(self, shares: np.ndarray, seed: int) -> np.ndarray:
        """The shares as the log would show them: binomial draws where a count is given."""
        rng = np.random.default_rng([int(seed), 1])  # a stream apart from the model's own
        p = np.clip(shares, 0.0, 1.0)
        counted = self.counts > 0
        out = p.copy()
        out[counted] = rng.binomial(self.counts[counted].astype(np.int64), p[counted]) / self.counts[counted]
        return out

    def distance(self, simulated: np.ndarray, reference: np.ndarray | None = None) -> float:
        """Root mean square standardised difference of ``simulated`` from the log (or ``reference``)."""
        target = self.observed if reference is None else reference
        z = (np.asarray(simulated, dtype=float) - target) / self.scale
        return float(np.sqrt(np.mean(z**2)))
