"""Solara's front-end files, fetched once from the npm registry, so the dashboard works offline.

Solara loads its front-end (Vuetify app, grid layout, RequireJS, Font Awesome) from a CDN at
run time; where there is no internet the page stays blank. These are npm packages: ``npm pack``
fetches them from the npm registry, and Solara serves them from the folder named by
``SOLARA_ASSETS_PROXY_CACHE_DIR``, laid out as ``<name>@<version>/`` with the package inside.

    python -m sim.presentation.app_assets [FOLDER]     # default: .solara-assets
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: What Solara's page asked for when this was written; the installed Solara's page template is
#: read for the exact versions (``required``), so an upgrade of Solara does not blank the page.
KNOWN = (
    "@widgetti/solara-vuetify-app@10.1.1",  # with ipyvuetify 2
    "@widgetti/solara-vuetify3-app@5.2.0",  # with ipyvuetify 3 (Mesa 3.5 installs it)
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
)
DEFAULT = Path(".solara-assets")
#: ``{{cdn}}/NAME@VERSION/...`` in Solara's page template
_CDN_PATH = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/")


def required() -> tuple[str, ...]:
    """The packages the installed Solara's page loads from its CDN, plus the known ones."""
    found: set[str] = set()
    try:
        from importlib import resources

        template = resources.files("solara.server").joinpath("templates/solara.html.j2").read_text(encoding="utf-8")
        found = set(_CDN_PATH.findall(template))
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass  # no Solara here: the known list is all there is to fetch
    return tuple(sorted(found | set(KNOWN)))


def complete(folder: Path) -> bool:
    return all((folder / spec / "package.json").is_file() for spec in required())


def fetch(folder: Path = DEFAULT) -> Path:
    """Fetch every package into ``folder`` (skipping those already there); returns the folder."""
    folder = Path(folder).absolute()
    npm = shutil.which("npm")
    missing = [spec for spec in required() if not (folder / spec / "package.json").is_file()]
    if missing and npm is None:
        raise RuntimeError("npm is needed to fetch the dashboard's front-end files (install Node.js)")
    for spec in missing:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True, check=True)
            tarball = Path(tmp) / done.stdout.strip().splitlines()[-1]
            target = folder / spec
            staging = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="data")
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(staging / "package"), target)
    return folder


if __name__ == "__main__":
    print(fetch(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
