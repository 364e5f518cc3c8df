"""Fixtures of the calibration tests (the helpers are in tests/calibration_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from calibration_helpers import SCENARIO


@pytest.fixture
def pilot(tmp_path) -> Path:
    (tmp_path / "pilot.toml").write_text(SCENARIO, encoding="utf-8")
    return tmp_path
