"""The calibration's output folder: one calibration per folder, locked while it runs, never mixed.

A folder is accepted when it is new, empty, or an earlier calibration's (its ``manifest.json``
says ``"kind": "calibration"``); anything else is refused, as for every crmsim output. A folder
of the same calibration (same spec, scenario and log: the manifest's hash) is resumed; one of
another calibration is refused, so results never mix. Files are written whole or not at all
(a temporary file, then renamed). Its results, figures and report are recorded as written
(``sim.io.written``): a user's change to one of them is never written over; the calibration
refuses, before it runs, to replace a file changed since crmsim wrote it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.experiments.store import LOCK_NAME, FolderLock
from sim.io.folders import check_writable_folder
from sim.io.output import write_output
from sim.io.whole import write_whole
from sim.io.written import check_unchanged

KIND = "calibration"
MANIFEST = "manifest.json"
HISTORY = "abc.db"
#: What a finished calibration writes, besides its manifest and its fit's history.
RESULTS = ("posterior.parquet", "forecast.parquet", "observed.parquet", "calibration.json")
FIGURES = ("calibration_forecast.png", "calibration_posterior.png", "calibration_arms.png")
REPORT = "report.html"
COMMAND = "crmsim calibrate"


class CalibrationFolder:
    def __init__(self, root: str | Path):
        self.root = Path(root)
        self._lock: FolderLock | None = None

    def open(self, calibration_hash: str, wait: bool = False) -> dict | None:
        """Lock the folder and check whose it is; the earlier manifest of this calibration, if any."""
        leftover = self.root.is_dir() and {p.name for p in self.root.iterdir()} <= {LOCK_NAME}
        if not leftover:
            check_writable_folder(self.root, kind=KIND)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.root)
        self._lock.acquire(wait)
        manifest = self.read_manifest()
        if manifest is not None and manifest.get("hash") != calibration_hash:
            self.close()
            raise InputError(
                str(self.root),
                None,
                f"holds another calibration (hash {manifest.get('hash')}, this one is {calibration_hash}: the "
                "scenario, the log, the fitted keys and priors, the arms or the settings differ); "
                "allowed: a new or empty folder, or this calibration's own",
            )
        return manifest

    def check_outputs_unchanged(self) -> None:
        """Refuse, before anything runs, to write anew a result, figure or report a user changed."""
        check_unchanged([self.root / name for name in (*RESULTS, *FIGURES, REPORT)], COMMAND)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> CalibrationFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def history(self) -> Path:
        return self.root / HISTORY

    def read_manifest(self) -> dict | None:
        try:
            return json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def finished(self, manifest: dict | None, stopping: dict) -> dict | None:
        """The content of ``calibration.json`` if this calibration is complete with this stopping rule."""
        if not manifest or manifest.get("status") != "complete" or manifest.get("stopping") != stopping:
            return None
        names = ("calibration.json", "posterior.parquet", "forecast.parquet", "observed.parquet")
        if not all((self.root / name).is_file() for name in names):
            return None
        try:
            return json.loads((self.root / "calibration.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_json(self, name: str, content: dict) -> None:
        text = json.dumps(content, indent=2, allow_nan=False, default=str)
        self._write(name, lambda path: path.write_text(text + "\n", encoding="utf-8"))

    def write_parquet(self, name: str, table: pd.DataFrame) -> None:
        self._write(name, lambda path: table.to_parquet(path, index=False))

    def _write(self, name: str, write) -> None:
        """Whole or not at all; a result is recorded as written, the manifest (crmsim's own
        bookkeeping, rewritten as the calibration goes) is not."""
        if name == MANIFEST:
            write_whole(self.root / name, write)
        else:
            write_output(self.root / name, write, COMMAND)
