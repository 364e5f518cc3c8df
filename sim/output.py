"""Writing a run to disk: all of it or nothing, never a half-overwritten folder."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from sim.plots import save_run_figures


def write_run(result, out_dir: Path, plots: bool = True) -> Path:
    """Write tables, summary and plots to a temporary folder beside ``out_dir``, then swap it in."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a result folder is for reading
    try:
        result.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        result.agents.to_parquet(tmp / "agents.parquet", index=False)
        if plots:
            save_run_figures(result.timeseries, tmp, result.summary.get("scenario", ""))
        (tmp / "summary.json").write_text(summary_json(result.summary) + "\n", encoding="utf-8")
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` where ``target`` is; the old folder is removed only once the new one is in place."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        new.rename(target)


def summary_json(summary: dict) -> str:
    return json.dumps(summary, indent=2, default=str)


def write_whole(path: Path, write) -> None:
    """Write a file whole: ``write(tmp)`` to a temporary name, then rename it over ``path``."""
    tmp = path.with_name(f".tmp-{path.name}")
    write(tmp)
    os.replace(tmp, path)
