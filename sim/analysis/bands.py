"""Weekly bands over replications: the median and the 50% and 90% intervals of each outcome."""

from __future__ import annotations

import pandas as pd

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


def weekly_bands(series: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """One row per week (and arm, if any); for each column its median, 50% and 90% intervals."""
    keys = ["arm", "week"] if "arm" in series and series["arm"].notna().any() else ["week"]
    grouped = series.groupby(keys, sort=True)[columns]
    parts = {name: grouped.quantile(q) for name, q in QUANTILES.items()}
    out = pd.concat({name: frame for name, frame in parts.items()}, axis=1)
    out.columns = [f"{column}_{stat}" for stat, column in out.columns]
    return out.reset_index()
