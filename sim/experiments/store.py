"""The results store: a folder with a Parquet dataset of runs, optional weekly series, a manifest.

``DIR/runs/`` holds one row per finished run, in part files that are written whole to a hidden
temporary file and then renamed, so a part is either complete or absent: a sweep killed at
any moment (even ``kill -9``) leaves only complete rows, and resuming runs what is missing.
``pandas.read_parquet(DIR / "runs")`` reads them all. A row's content depends only on the run
(its seed and parameters), not on when, where or in which part it was written.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError

#: Outcomes recorded for every run (from the run's summary), in this order.
OUTCOMES = (
    "intended_use_last13",
    "gaming_last13",
    "ignoring_last13",
    "intended_use_sales_last13",
    "intended_use_service_last13",
    "intended_use_managers_last13",
    "gaming_sales_last13",
    "partner_self_serve_last13",
    "partner_go_around_last13",
    "data_quality_last13",
    "trust_last13",
    "drift_last13",
    "conflict_last13",
    "turnover_last13",
    "cost_per_sale_last13",
    "roi",
    "benefits_realised",
    "complaints_total",
    "compensation_total",
    "margin_leakage_total",
    "peak_gaming",
    "weeks_to_half_use",
)

#: Weekly series kept when an experiment keeps series.
SERIES = (
    "intended_use",
    "gaming",
    "ignoring",
    "intended_use_sales",
    "gaming_sales",
    "intended_use_service",
    "data_quality",
    "trust",
    "cost_per_sale",
    "drift",
    "conflict",
    "roi",
)


class RunStore:
    """A results folder: ``runs/`` and ``series/`` datasets and ``manifest.json``."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.series_dir = self.root / "series"
        self.manifest_path = self.root / "manifest.json"

    def open(self, experiment_hash: str) -> None:
        """Create the folder, or resume it if it holds the same experiment; refuse another one."""
        if self.manifest_path.exists():
            held = json.loads(self.manifest_path.read_text()).get("experiment_hash")
            if held != experiment_hash:
                raise InputError(
                    str(self.root),
                    "experiment_hash",
                    f"holds another experiment ({held}, not {experiment_hash}); choose another --out or remove it",
                )
        elif self.root.exists() and any(self.root.iterdir()):
            raise InputError(str(self.root), None, "exists and is not a crmsim results folder; choose another --out")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        for folder in (self.runs_dir, self.series_dir):  # a part that was being written when killed
            for leftover in folder.glob(".tmp-*"):
                leftover.unlink()

    def done(self) -> set[int]:
        """Runs already written (read part by part: a dataset read of many parts costs memory)."""
        runs: set[int] = set()
        for part in sorted(self.runs_dir.glob("part-*.parquet")):
            runs.update(pq.read_table(part, columns=["run"], use_threads=False).column("run").to_pylist())
        return runs

    def write(self, rows: list[dict], series: list[pd.DataFrame], schema: pa.Schema) -> None:
        """Write finished runs: their series first, then the rows that mark them done."""
        if not rows:
            return
        first, last = min(r["run"] for r in rows), max(r["run"] for r in rows)
        failed = sum(r["status"] == "failed" for r in rows)
        name = f"part-{first:08d}-{last:08d}-{len(rows)}-{failed}.parquet"  # counts in the name: see status_counts
        if series:
            _atomic_parquet(
                pa.Table.from_pandas(pd.concat(series, ignore_index=True), preserve_index=False), self.series_dir / name
            )
        table = pa.Table.from_pylist(rows, schema=schema)
        _atomic_parquet(table, self.runs_dir / name)

    def status_counts(self) -> dict[str, int]:
        """How many runs are written, by status, from the part names alone (no data read)."""
        written = failed = 0
        for part in self.runs_dir.glob("part-*.parquet"):
            *_, rows, failures = part.stem.split("-")
            written, failed = written + int(rows), failed + int(failures)
        return {k: v for k, v in (("ok", written - failed), ("failed", failed)) if v}

    def read_runs(self) -> pd.DataFrame:
        frame = pd.read_parquet(self.runs_dir)
        return frame.sort_values("run", kind="stable").reset_index(drop=True)

    def read_series(self) -> pd.DataFrame:
        frame = pd.read_parquet(self.series_dir)
        return frame.sort_values(["run", "week"], kind="stable").reset_index(drop=True)

    def write_manifest(self, manifest: dict) -> None:
        tmp = self.root / f".tmp-manifest-{os.getpid()}"
        tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        os.replace(tmp, self.manifest_path)

    def read_manifest(self) -> dict:
        if not self.manifest_path.exists():
            raise InputError(str(self.root), "manifest.json", "not a crmsim results folder (no manifest.json)")
        return json.loads(self.manifest_path.read_text())


def _atomic_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{time.monotonic_ns()}")
    pq.write_table(table, tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
