"""The package's layers: what importing crmsim costs, and which way imports point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_model_loads_no_plotting_or_dashboard_library():
    code = (
        "import sys, sim; "
        "sim.CRMRollout, sim.Scenario, sim.run, sim.Result; "
        "drawing = {'matplotlib', 'solara', 'ipywidgets', 'ipyvuetify'}; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & drawing); "
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_import_sim_and_the_command_line_load_the_model_only_when_it_is_used():
    code = (
        "import sys, sim, sim.cli; "
        "model = {'sim.core.model', 'mesa', 'pandas', 'scipy', 'pydantic'}; "
        "print(sorted(model & set(sys.modules))); "
        "from sim import run; "
        "print(sorted(model & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    before, after = out.stdout.splitlines()
    assert before == "[]"
    assert after == "['mesa', 'pandas', 'pydantic', 'scipy', 'sim.core.model']"


def test_the_import_contract_holds():
    """Layers point down (cli > presentation > analysis > experiments > io > core); see pyproject.toml."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.fail("import-linter is not installed (it is in the dev extra)")
    out = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout[-3000:]


def _command_loads(args: list[str], module: str) -> list[str]:
    """A command run in a fresh process: its exit code, and whether it loaded ``module``."""
    code = f"import sys; from sim.cli import main; code = main({args!r}); print(code, {module!r} in sys.modules)"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()


def test_a_replication_does_not_wait_for_scipy_stats(tmp_path):
    """scipy.stats (one to two seconds of import) is for designs and distributions, which a
    replication has none of."""
    args = ["replicate", "--set", "org.employees=30", "--set", "run.weeks=6", "-n", "2", "--workers", "1"]
    assert _command_loads([*args, "--quiet", "--out", str(tmp_path / "out")], "scipy.stats") == ["0", "False"]


def test_a_run_without_figures_does_not_load_matplotlib(tmp_path):
    """``crmsim run --no-plots`` (a scripted run, or one that is timed) does not pay for the figures' library."""
    args = ["run", "--set", "org.employees=30", "--set", "run.weeks=6", "--no-plots", "--quiet"]
    assert _command_loads([*args, "--out", str(tmp_path / "out")], "matplotlib") == ["0", "False"]
    assert not list((tmp_path / "out").glob("*.png"))
