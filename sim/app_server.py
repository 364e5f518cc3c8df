"""Serve the dashboard: ``crmsim app [CASE] --host 127.0.0.1 --port 8765``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sim import app_assets
from sim.errors import InputError
from sim.scenario import cases

#: Where the front-end files are kept unless CRMSIM_ASSETS says otherwise.
DEFAULT_ASSETS = Path(os.environ.get("CRMSIM_ASSETS", Path.home() / ".cache" / "crmsim" / "solara-assets"))


def serve(case: str | None, host: str, port: int, assets: Path | None = None) -> int:
    """Run the Solara server for the dashboard until interrupted; returns its exit code."""
    start = case or "global_giant_telco"
    if start not in cases():
        if not Path(start).is_file():
            raise InputError(start, "case", f"neither a case nor a scenario file; cases: {', '.join(cases())}")
        start = str(Path(start).absolute())
    assets = Path(assets or DEFAULT_ASSETS)
    if not app_assets.complete(assets):
        try:
            app_assets.fetch(assets)
        except Exception as exc:  # offline and no npm: the page needs the CDN then
            print(
                f"crmsim: warning: front-end files not available offline ({exc}); the page needs internet",
                file=sys.stderr,
            )
    env = {
        **os.environ,
        "CRMSIM_APP_CASE": start,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets.absolute()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "MPLBACKEND": "Agg",
    }
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.app",
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]
    print(f"crmsim dashboard for {Path(start).stem} at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
