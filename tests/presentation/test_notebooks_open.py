"""A teacher can open the notebooks: ``make notebooks`` starts JupyterLab on this machine only,
in the notebooks folder, with crmsim's environment, and every notebook says so in its first cell."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def _recipe(target: str) -> str:
    """The shell line of a one-line Makefile target, with the venv's and the project's folders filled in."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{target}:.*\n\t(.+)$", text, flags=re.MULTILINE)
    assert match, f"the Makefile has no {target} target"
    line = match.group(1).replace("$(BIN)", shlex.quote(str(Path(sys.executable).parent)))
    return line.replace("$(CURDIR)", shlex.quote(str(ROOT))).replace("$$", "$")


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("0[1-7]_*.ipynb")))
def test_the_first_cell_says_how_to_open_the_notebooks(name):
    first = nbformat.read(NOTEBOOKS / name, as_version=4).cells[0]
    assert first.cell_type == "markdown" and "make notebooks" in first.source


def test_make_notebooks_serves_the_notebooks_on_loopback_with_crmsims_python(tmp_path):
    command = _recipe("notebooks")
    assert "--ServerApp.ip=127.0.0.1 " in command
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "classroom-test"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 (closed below)
    lab = subprocess.Popen(
        ["sh", "-c", f"{command} --ServerApp.port={port} --no-browser --IdentityProvider.token={token}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        contents = kernels = None
        deadline = time.time() + 120
        while time.time() < deadline and lab.poll() is None and contents is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={token}", timeout=5) as r:
                    contents = json.load(r)
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=5) as r:
                    kernels = json.load(r)
            except OSError:
                time.sleep(0.5)
        assert contents is not None, (tmp_path / "lab.log").read_text()[-2000:]
        names = {item["name"] for item in contents["content"]}
        assert {p.name for p in NOTEBOOKS.glob("*.ipynb")} <= names
        python = kernels["kernelspecs"][kernels["default"]]["spec"]["argv"][0]
        assert Path(python).parent == Path(sys.executable).parent or python == "python"
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
        log.close()
