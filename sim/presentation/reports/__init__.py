"""One self-contained HTML page for a run or an experiment: ``crmsim report DIR [--out FILE.html]``.

The page carries everything inside it: figures as base64 PNG data URIs, its style in a
``<style>`` element, no scripts and no links to elsewhere, so it opens offline and can be
mailed as one file. It reads what the commands left in the folder:

- a run folder (``crmsim run``): summary.json, timeseries.parquet; the figures are drawn again
  from the time series;
- a results folder (``replicate``, ``compare``, ``sweep``): manifest.json, runs/, and the files
  the analyses wrote beside them (bands, comparison.*, sensitivity_*.*, discovery.*);
- a calibration folder (``calibrate``): calibration.json and its Parquet tables (``reports.calibration``).

The modules: ``pages`` (what each of the four pages says), ``document`` and the templates in
``sim/presentation/templates/report/`` (how a page looks), ``figures``, ``outcomes`` (names, numbers and
intervals), ``markup`` (Markdown and TOML) and ``reading``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sim.core.errors import InputError
from sim.io.folders import changed_in_run_folder, remember_in_run_folder
from sim.io.output import check_file_to_write, write_output
from sim.io.whole import write_whole
from sim.io.written import check_unchanged
from sim.presentation.reports.pages import compare_report, replicate_report, run_report, sweep_report
from sim.presentation.reports.reading import read_json

__all__ = ["compare_report", "folder_kind", "replicate_report", "run_report", "sweep_report", "write_report"]


def folder_kind(folder: Path) -> str:
    """run, replicate, compare or sweep; a one-line error for anything else."""
    if not folder.exists():
        raise InputError(str(folder), None, "no such folder")
    if not folder.is_dir():
        raise InputError(str(folder), None, "not a folder; give a run folder or an experiment's results folder")
    if (folder / "summary.json").is_file():
        if not (folder / "timeseries.parquet").is_file():
            raise InputError(str(folder), "timeseries.parquet", "missing; not a complete run folder")
        return "run"
    if (folder / "manifest.json").is_file():
        kind = read_json(folder / "manifest.json").get("kind")
        if kind in ("replicate", "compare", "sweep"):
            return kind
        if kind == "calibration":
            if not (folder / "calibration.json").is_file():
                raise InputError(str(folder), "calibration.json", "missing; the calibration has not finished")
            return kind
        raise InputError(
            str(folder / "manifest.json"), "kind", f"got {kind!r}; allowed: replicate, compare, sweep, calibration"
        )
    raise InputError(
        str(folder),
        None,
        "not a crmsim run folder (summary.json) or results folder (manifest.json); "
        "give a folder written by crmsim run, replicate, compare or sweep",
    )


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write the report of ``folder`` to ``out`` (default ``folder/report.html``), whole or not at all."""
    folder = Path(folder)
    kind = folder_kind(folder)
    out = Path(out) if out else folder / "report.html"
    check_file_to_write(out, "--out", "a report", is_report)  # before the page is built
    # beside an experiment's or a calibration's outputs, a report is one of them: replaced only
    # while unchanged (sim.io.written)
    beside = out.parent.is_dir() and out.parent.samefile(folder)
    recorded = beside and kind != "run"
    if recorded:
        check_unchanged([out], "crmsim report")
    elif beside and changed_in_run_folder(folder, [out.name]):  # a run's report: its marker knows it
        raise InputError(
            str(out),
            None,
            "was changed after crmsim wrote it, and crmsim report would write it anew; "
            "allowed: move it aside (or delete it) and run the command again, or --out elsewhere",
        )
    from sim.presentation.reports.calibration import calibration_report

    builders = {"run": run_report, "replicate": replicate_report, "compare": compare_report, "sweep": sweep_report}
    page = {**builders, "calibration": calibration_report}[kind](folder)
    out.parent.mkdir(parents=True, exist_ok=True)
    if recorded:
        write_output(out, lambda tmp: tmp.write_text(page, encoding="utf-8"), "crmsim report")
    elif beside:  # a run's report: its digest known to the run folder's marker, before and after
        data = page.encode("utf-8")
        new = hashlib.sha256(data).hexdigest()
        remember_in_run_folder(folder, out.name, new, keep_earlier=True)
        write_whole(out, lambda tmp: tmp.write_bytes(data))
        remember_in_run_folder(folder, out.name, new, keep_earlier=False)
    else:
        write_whole(out, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return out


#: Every report page says in its head that crmsim wrote it (``templates/report/page.html.j2``).
GENERATOR_TAG = b'<meta name="generator" content="crmsim'


def is_report(path: Path) -> bool:
    """Whether ``path`` is a report page crmsim wrote (and so may be replaced by a new one)."""
    with open(path, "rb") as file:
        return GENERATOR_TAG in file.read(4096)
