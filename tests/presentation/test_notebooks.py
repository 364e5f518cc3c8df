"""The teaching notebooks run from top to bottom, draw figures, and end with their two sections.

Each notebook in ``notebooks/`` is executed with nbclient in a fresh kernel, with the notebooks
folder as working directory, exactly as a student opening it in Jupyter would run it. The kernel
is pinned to the interpreter running the tests: a ``python3`` kernel spec for ``sys.executable``
is written into a temporary Jupyter data folder that comes first on ``JUPYTER_PATH``, so the
notebooks never run in some other Python that happens to own a ``python3`` spec (and nothing is
installed outside the temporary folder). Only ``ipykernel`` needs to be installed.

The notebooks are stored without outputs, and must not leave files behind in their folder (they
write only to ``tempfile`` folders). Run with ``-s`` to see each notebook's execution time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = [
    "01_global_giant_gaming.ipynb",
    "02_double_entry_and_data_quality.ipynb",
    "03_technological_drift.ipynb",
    "04_commitment_and_outsourcing.ipynb",
    "05_culture_and_turnover.ipynb",
    "06_comparing_rollout_policies.ipynb",
    "07_sweeps_and_sensitivity.ipynb",
    "08_calibrating_to_a_pilot.ipynb",
]
CELL_TIMEOUT = 600  # seconds per cell: generous, for a loaded shared machine


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A Jupyter data folder holding a ``python3`` kernel spec for this interpreter."""
    from ipykernel.kernelspec import write_kernel_spec

    data = tmp_path_factory.mktemp("jupyter-data")
    write_kernel_spec(data / "kernels" / "python3")
    return data


def _files(folder: Path) -> set[str]:
    """Files under ``folder``, leaving out Jupyter's checkpoints and Python's bytecode caches."""
    skip = {".ipynb_checkpoints", "__pycache__"}
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not skip & set(p.parts)}


def test_every_notebook_is_there():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs_and_has_the_closing_sections(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "no code cells"
    assert all(not c.outputs and c.execution_count is None for c in code), "commit the notebook without outputs"
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert any("Questions for students" in s for s in markdown)
    assert any("what-if" in s.lower() for s in markdown)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_and_draws_figures(name, kernel_dir, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    before = _files(NOTEBOOKS)  # the kernel's working directory: where a stray relative path would write
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        allow_errors=False,  # the first failing cell raises CellExecutionError with its traceback
        resources={"metadata": {"path": str(NOTEBOOKS)}},  # the kernel's working directory
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    print(f"{name}: executed in {elapsed:.1f} s with {sys.executable}")

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{errors[0].ename}: {errors[0].evalue}"
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert figures, "the notebook drew no figure"
    assert _files(NOTEBOOKS) == before, "the notebook left files behind (write to a tempfile folder instead)"
