"""Reading what the commands left in a folder; a file that cannot be read is a one-line InputError."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.experiments.store import RunStore
from sim.presentation.reports.figures import BAND_TITLES


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), None, f"cannot be read as JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise InputError(str(path), None, "expected a JSON object")
    return data


def read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input
        raise InputError(str(path), None, f"cannot be read as Parquet ({exc.__class__.__name__})") from None


def read_csv(path: Path) -> pd.DataFrame | None:
    """The table, or None where the analysis has not written it."""
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001
        raise InputError(str(path), None, f"cannot be read as CSV ({exc.__class__.__name__})") from None


def read_runs(folder: Path) -> pd.DataFrame:
    """The runs dataset, sorted by run; an empty frame if no run has finished."""
    runs = folder / "runs"
    if not runs.is_dir() or not any(runs.glob("part-*.parquet")):
        return pd.DataFrame(columns=["run", "seed", "arm", "status", "verdict", "error"])
    return RunStore(folder).read_runs()  # its parts only, once each; another file there is not read


def read_bands(folder: Path) -> pd.DataFrame | None:
    """Weekly bands: bands.parquet if written, else computed from the series, else None."""
    path = folder / "bands.parquet"
    if path.is_file():
        return read_parquet(path)
    series = folder / "series"
    if not series.is_dir() or not any(series.glob("part-*.parquet")):
        return None
    from sim.analysis.bands import weekly_bands
    from sim.experiments.store import RunStore

    frame = RunStore(folder).read_series()  # each run once, even beside a part written anew
    columns = [c for c in BAND_TITLES if c in frame]
    return weekly_bands(frame, columns) if columns else None
