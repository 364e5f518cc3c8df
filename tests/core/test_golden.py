"""The restructure of the package (issue 9) must not change the model's results.

``tests/golden/`` holds the outputs of the baseline and the five cases at two seeds each,
recorded by ``tests/golden/record.py`` on the commit before the restructure. This test is
retired when the restructure is done (its note names the commit it pinned).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from tests.golden.record import HERE, SCENARIOS, SEEDS, outputs

#: float tolerance: a reordered sum may move the last bits, nothing more
RTOL, ATOL = 1e-9, 1e-12


def _close(a, b, path="summary"):
    if isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{path}: keys differ"
        for key in a:
            _close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_outputs_equal_the_recorded_ones(name, seed):
    ts, agents, summary = outputs(name, seed)
    stem = HERE / f"{name}-{seed}"
    pd.testing.assert_frame_equal(ts, pd.read_parquet(f"{stem}-timeseries.parquet"), rtol=RTOL, atol=ATOL)
    pd.testing.assert_frame_equal(agents, pd.read_parquet(f"{stem}-agents.parquet"), rtol=RTOL, atol=ATOL)
    _close(summary, json.loads(open(f"{stem}-summary.json").read()))
