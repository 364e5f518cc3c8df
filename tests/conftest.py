"""Shared helpers: small scenarios, cached runs, stepped models and CSV writers.

Every test runs a small organisation (200 employees, 40 partners) for a few dozen weeks, so
the whole suite stays fast. Runs are cached by (overrides, seed): the same run serves several
tests, and a run is a pure function of its scenario (see test_model's determinism tests).
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pytest

from sim import CRMRollout, Scenario, run
from sim.io.runner import Result

#: A small organisation: big enough for stable shares, small enough to run in ~0.1 s.
SMALL = {"org.employees": 200, "org.partners": 40, "run.weeks": 60}

#: Senior management's commitment held at the policy's value (no regeneration, no erosion), for
#: tests of mechanisms that commitment scales.
#: Commitment held where it starts: no regeneration, no erosion, no sponsor leaving.
STEADY_COMMITMENT = {
    "governance.regeneration": 0.0,
    "governance.erosion": 0.0,
    "governance.sponsor_turnover_weekly": 0.0,
}

#: Seeds for policy comparisons (common random numbers: both policies run on the same seeds).
SEEDS = tuple(range(1, 9))


@functools.cache
def _base() -> Scenario:
    return Scenario.default().with_overrides(SMALL)


def small_scenario(overrides: dict | None = None, seed: int = 1) -> Scenario:
    """The default scenario on a small organisation, with ``overrides`` and ``seed``."""
    return _base().with_overrides({**(overrides or {}), "run.seed": seed})


@functools.cache
def _cached_run(items: tuple, seed: int) -> Result:
    return run(small_scenario(dict(items), seed))


def run_small(overrides: dict | None = None, seed: int = 1) -> Result:
    """Run the small scenario with overrides; cached, so callers must not modify the result."""
    return _cached_run(tuple(sorted((overrides or {}).items())), seed)


def seed_means(overrides: dict, column: str, first_week: int = 0, seeds=SEEDS) -> np.ndarray:
    """Per seed, the mean of a timeseries column over the weeks from ``first_week`` on."""
    out = []
    for seed in seeds:
        ts = run_small(overrides, seed).timeseries
        out.append(ts.loc[ts["week"] >= first_week, column].mean())
    return np.array(out)


def small_model(overrides: dict | None = None, seed: int = 1) -> CRMRollout:
    return CRMRollout(small_scenario(overrides, seed))


def step_n(model: CRMRollout, n: int) -> CRMRollout:
    for _ in range(n):
        model.step()
    return model


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


#: A small real organisation, rows deliberately not in role order.
PEOPLE_HEADER = ["id", "role", "department", "site", "manager"]
PEOPLE_ROWS = [
    ["P1", "partner", "North", "HQ", "S1"],
    ["M1", "manager", "North", "HQ", ""],
    ["S1", "sales", "North", "HQ", "M1"],
    ["V1", "service", "North", "HQ", "M1"],
    ["M2", "manager", "South", "Branch", "M1"],
    ["S2", "sales", "South", "Branch", "M2"],
    ["V2", "service", "South", "Branch", "M2"],
    ["P2", "partner", "South", "Branch", ""],  # no rep given: served by its first employee tie
]
EDGES_HEADER = ["source", "target", "weight"]
EDGES_ROWS = [
    ["S1", "M1", "2"],
    ["M1", "V1", "1"],
    ["S2", "M2", "1.5"],
    ["V2", "M2", "1"],
    ["M1", "M2", "0.5"],
    ["S1", "S2", "1"],
    ["P1", "S1", "1"],
    ["P2", "S2", "3"],
    ["P1", "P2", "1"],
]


@pytest.fixture
def org_csvs(tmp_path):
    """A valid people CSV and edge list in tmp_path; returns (people_path, edges_path)."""
    people = write_csv(tmp_path / "people.csv", PEOPLE_HEADER, PEOPLE_ROWS)
    edges = write_csv(tmp_path / "edges.csv", EDGES_HEADER, EDGES_ROWS)
    return people, edges


@pytest.fixture
def pilot(tmp_path) -> Path:
    """A folder holding the small pilot organisation's scenario file (the calibration tests').

    Here rather than in a tests/calibration/conftest.py: test modules import helpers with
    ``from conftest import ...``, and a second module named ``conftest`` would shadow this one.
    """
    from calibration_helpers import SCENARIO

    (tmp_path / "pilot.toml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path


@pytest.fixture
def assets(tmp_path) -> Path:
    """A front-end folder that counts as complete, so nothing is fetched (for tests of the server's
    start-up, not of the pages)."""
    from sim.presentation import app_assets

    folder = tmp_path / "assets"
    for spec in app_assets.required():
        (folder / spec).mkdir(parents=True)
        (folder / spec / "package.json").write_text("{}", encoding="utf-8")
    return folder
