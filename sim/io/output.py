"""Writing a run to disk: all of it or nothing, never a half-overwritten folder, never lost work.

A run is written into a hidden temporary folder beside its target and swapped in by renames.
The folder it replaces is first moved into a hidden ``.NAME.old`` folder that crmsim marks as
its own, and removed only once the new folder is in place. A crash at any point therefore
leaves the old folder or the new one (or the old one inside ``.NAME.old``, which the next start
puts back); the next start also removes the temporary folders a crash left behind. Files and
folders are flushed to disk before each rename, so a power cut cannot leave a finished result
that was never written.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.core.errors import InputError
from sim.io import written
from sim.io.folders import RUN_MARKER, check_writable_folder, foreign_entries, is_run_folder
from sim.io.whole import fsync_dir, fsync_file, write_whole

#: the marker in a ``.NAME.old`` folder: crmsim moved a replaced output in here and may put it back
REPLACED_MARKER = ".crmsim-replaced"


def write_run(result, out_dir: Path, figures: Callable | None = None, force: bool = False) -> Path:
    """Write tables, summary and figures to a temporary folder beside ``out_dir``, then swap it in.

    ``figures(timeseries, folder, title)`` draws the run's figures into the folder (the CLI
    passes ``sim.presentation.plots.save_run_figures``); this layer draws nothing itself.

    ``out_dir`` must be new, empty or an earlier run folder (see ``sim.io.folders``) unless ``force``.
    """
    out_dir = Path(out_dir)
    prepare_run_folder(out_dir, force)
    tmp = _temporary_folder(out_dir)
    try:
        _write_marker(tmp)
        finite_floats(result.timeseries).to_parquet(tmp / "timeseries.parquet", index=False)
        finite_floats(result.agents).to_parquet(tmp / "agents.parquet", index=False)
        if figures is not None:
            figures(result.timeseries, tmp, result.summary.get("scenario", ""))
        (tmp / "summary.json").write_text(summary_json(result.summary) + "\n", encoding="utf-8")
        _write_marker(tmp, files=sorted(p.name for p in tmp.iterdir()))
        _flush_folder(tmp)
        replace_dir(tmp, out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(str(out_dir), None, f"cannot be written: {exc.strerror or exc}") from None
        raise
    return out_dir


def prepare_run_folder(out_dir: Path, force: bool = False) -> None:
    """Recover what an interrupted replace left beside ``out_dir``, then check it may be written."""
    out_dir = Path(out_dir)
    check_writable_folder(out_dir, "run", force)  # refuses the current folder, home and / first
    try:
        recover_leftovers(out_dir)
    except OSError as exc:
        raise InputError(str(out_dir), None, f"cannot recover an interrupted write: {exc.strerror or exc}") from None
    check_writable_folder(out_dir, "run", force)
    _check_can_create(out_dir)
    if os.path.lexists(out_dir) and os.path.lexists(old_path(out_dir)):  # not crmsim's, or recovery would have gone
        raise InputError(str(old_path(out_dir)), None, "is in the way of replacing the folder beside it; move it away")


def _check_can_create(out_dir: Path) -> None:
    """The nearest existing folder above ``out_dir`` must be a folder we may write in: say so now,
    not after the run."""
    above = out_dir.absolute().parent
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(str(out_dir), None, f"cannot be made: {above} is not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputError(str(out_dir), None, f"cannot be made: no permission to write in {above}")


def replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` where ``target`` is; the old one is removed only once the new one is in place."""
    if not os.path.lexists(target):
        new.rename(target)
        fsync_dir(target.parent)
        return
    old = old_path(target)
    if os.path.lexists(old):
        raise InputError(str(old), None, "is in the way of replacing the folder beside it; move it away")
    old.mkdir()
    (old / REPLACED_MARKER).write_text(target.name + "\n", encoding="utf-8")
    fsync_file(old / REPLACED_MARKER)
    target.rename(old / target.name)
    fsync_dir(old)
    fsync_dir(target.parent)
    new.rename(target)
    fsync_dir(target.parent)
    shutil.rmtree(old)


def recover_leftovers(target: Path) -> None:
    """Undo or finish a replace of ``target`` that a crash interrupted; touch only crmsim's own leftovers.

    A marked ``.NAME.old`` folder holds the replaced output: put it back if ``target`` is missing,
    else the new one is in place and it is removed. Temporary folders of crashed processes go.
    """
    target = Path(target)
    if target.name in ("", ".", "..") or not target.parent.is_dir():
        return
    old = old_path(target)
    if old.is_dir() and not old.is_symlink() and _is_ours(old):
        saved = old / target.name
        if os.path.lexists(saved) and not os.path.lexists(target):
            saved.rename(target)
            fsync_dir(target.parent)
        shutil.rmtree(old)
    elif is_run_folder(old) and not foreign_entries(old, "run"):  # left by a version that renamed it whole
        if not os.path.lexists(target):
            old.rename(target)
            fsync_dir(target.parent)
        else:
            shutil.rmtree(old)
    for tmp in target.parent.glob(f".{_glob_escape(target.name)}.tmp-*"):
        if _is_abandoned_temporary(tmp, target.name):
            shutil.rmtree(tmp)


def old_path(target: Path) -> Path:
    """Where a folder being replaced waits until its successor is in place."""
    return target.with_name(f".{target.name}.old")


def _is_ours(old: Path) -> bool:
    entries = {p.name for p in old.iterdir()}
    return not entries or REPLACED_MARKER in entries


def _temporary_folder(out_dir: Path) -> Path:
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
    except OSError as exc:
        raise InputError(str(out_dir), None, f"cannot be written: {exc.strerror or exc}") from None
    tmp.chmod(0o755)  # mkdtemp makes it private; a result folder is for reading
    return tmp


def _is_abandoned_temporary(tmp: Path, name: str) -> bool:
    """A ``.NAME.tmp-PID-xxxxxxxx`` folder crmsim made, whose process is gone."""
    rest = tmp.name.removeprefix(f".{name}.tmp-")
    pid, dash, suffix = rest.partition("-")
    if not (pid.isdigit() and dash and len(suffix) == 8) or tmp.is_symlink() or not tmp.is_dir():
        return False
    if _process_alive(int(pid)):
        return False
    entries = {p.name for p in tmp.iterdir()}
    return not entries or RUN_MARKER in entries


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


def _glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def _write_marker(folder: Path, files: list[str] | None = None) -> None:
    """The marker that tells a later run this folder is crmsim's, which files in it are, and their
    digests (a later run refuses to replace a file a user has changed since)."""
    content = {"kind": "run", "crmsim": sim.__version__}
    if files is not None:
        content["files"] = files
        content["sha256"] = {name: written.digest(folder / name) for name in files if name != RUN_MARKER}
    (folder / RUN_MARKER).write_text(json.dumps(content) + "\n", encoding="utf-8")


def _flush_folder(folder: Path) -> None:
    for path in folder.iterdir():
        fsync_file(path)
    fsync_dir(folder)


def finite_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with infinities as missing values: a table never holds a number that is not one."""
    floats = frame.select_dtypes(include="floating").columns
    if not len(floats) or np.isfinite(frame[floats].to_numpy(dtype=float, na_value=np.nan)).all():
        return frame
    out = frame.copy()
    out[floats] = out[floats].replace([np.inf, -np.inf], np.nan)
    return out


def summary_json(summary: dict) -> str:
    """Strict JSON: a value that is not a finite number is written as null, and the summary says which."""
    not_finite: list[str] = []
    clean = _json_ready(summary, "", not_finite)
    if not_finite:
        clean["null_because_not_finite"] = {
            "fields": not_finite,
            "reason": "these values were not finite numbers (infinite or undefined), so they are written as null",
        }
    return json.dumps(clean, indent=2, allow_nan=False)


def _json_ready(value, path: str, not_finite: list[str]):
    if isinstance(value, dict):
        return {str(k): _json_ready(v, f"{path}.{k}" if path else str(k), not_finite) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v, f"{path}[{i}]", not_finite) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        not_finite.append(path)
        return None
    return str(value)


def write_output(path: Path, write: Callable[[Path], object], command: str) -> None:
    """Write one of a command's outputs into its results folder, whole (``write_whole``), and
    record what was written (``sim.io.written``): a later command replaces it only while it is
    still as written, not once a user has changed it.

    The new file's digest is recorded beside the old one's before it takes the old one's place,
    and the old one's dropped after, so a command killed in between leaves a record of both."""
    path = Path(path)
    new: list[str] = []
    with written.recording(path.parent) as record:

        def write_and_remember(tmp: Path) -> None:
            write(tmp)
            new.append(written.digest(tmp))
            record.remember(path.name, new[0], keep_earlier=True)

        record.check_unchanged(path.name, command)
        write_whole(path, write_and_remember)
        record.remember(path.name, new[0], keep_earlier=False)


#: The mark a PNG figure crmsim writes carries (its ``Software`` text), by which it is recognised as crmsim's.
PNG_MARK = "crmsim"


def png_metadata() -> dict:
    """``savefig(..., metadata=png_metadata())``: marks a figure as crmsim's (see ``check_file_to_write``)."""
    return {"Software": f"{PNG_MARK} {sim.__version__}"}


def figure_bytes(fig) -> bytes:
    """A matplotlib figure as the PNG crmsim writes (marked as crmsim's, 100 dpi), drawn before
    any file is written, so the writing of a set of outputs is quick (``whole.together``)."""
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, format="png", metadata=png_metadata())
    return buffer.getvalue()


def is_crmsim_png(path: Path) -> bool:
    """Whether a PNG file carries crmsim's mark."""
    return _png_software(path).startswith(PNG_MARK)


def _png_software(path: Path) -> str:
    """A PNG's ``Software`` text ('' for none, or for a file that is no PNG)."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return str(image.info.get("Software", ""))
    except (OSError, ValueError):
        return ""


def starts_with(prefix: str) -> Callable[[Path], bool]:
    """Recognises a text file crmsim wrote by how it begins (a table's header, a page's title)."""
    expected = prefix.encode("utf-8")

    def ours(path: Path) -> bool:
        try:
            with open(path, "rb") as file:
                return file.read(len(expected)) == expected
        except OSError:
            return False

    return ours


def check_file_to_write(path: Path, source: str, what: str, ours: Callable[[Path], bool]) -> None:
    """Refuse to write ``what`` (a report, an animation) to ``path`` over a folder, or over a file
    crmsim did not write: nothing is lost that crmsim did not make.

    ``ours(path)`` recognises a file crmsim wrote by the mark it leaves in it (a report's
    generator tag, an animation's comment); such a file is replaced whole.
    """
    path = Path(path)
    if path.name in ("", ".", "..") or path.is_dir():
        raise InputError(source, str(path), f"is a folder; allowed: a file name for {what}")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(source, str(path), f"{parent} is a file, not a folder; allowed: a file name in a folder")
    if path.exists() and not ours(path):
        raise InputError(
            source,
            str(path),
            f"exists and is not {what} crmsim wrote; allowed: a new file, or {what} crmsim wrote (it is replaced)",
        )


def check_outputs_are_ours(command: str, outputs: dict[Path, str | None]) -> None:
    """Before an analysis writes its files into a results folder: each one there already must be
    one it wrote, and unchanged since, else nothing is written. Where crmsim recorded what it wrote
    (``sim.io.written``), the file must still be that; otherwise a table or a text is recognised
    by its first line (the same header or title as the one about to be written), a figure
    (``None``) by its PNG mark.

    Figures written before crmsim marked them carry only matplotlib's mark; such a figure is taken
    as crmsim's when the text written with it is recognised as crmsim's."""
    source, what = f"crmsim {command}", f"a {command.split()[-1]} output"  # "a discover output"
    written.check_unchanged(outputs, source)  # a file a user changed since crmsim wrote it
    texts = {path: text for path, text in outputs.items() if text is not None}
    for path, text in texts.items():
        check_file_to_write(path, source, what, starts_with(text.split("\n", 1)[0] + "\n"))
    earlier = any(path.exists() for path in texts)  # and, checked above, crmsim's own

    def figure_is_ours(path: Path) -> bool:
        return is_crmsim_png(path) or (earlier and _png_software(path).startswith("Matplotlib"))

    for path in (path for path, text in outputs.items() if text is None):
        check_file_to_write(path, source, what, figure_is_ours)


def plain(value):
    """numpy scalars and arrays as Python values, inside dicts, lists and tuples too.

    The scenario schema, JSON and Parquet take Python's own types; a value read from a table
    or handed over by a library is often a numpy one that they refuse or store differently.
    """
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if type(value) is tuple:
        return tuple(plain(item) for item in value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if hasattr(value, "item") else value
