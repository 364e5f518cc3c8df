"""The observed log: weekly shares from the CRM's own records, checked against what the model produces.

A log is a CSV with a ``week`` column and one or more columns named as in ``timeseries.parquet``
(shares between 0 and 1, with the model's denominators: ``live`` of all employees, the behaviour
shares of those live; docs/calibration.md). Weeks may be missing, and a cell may be empty. A
``COLUMN_n`` column gives how many people a share was counted over (a survey, a sample of
accounts): the fit then treats the share as a binomial count of them
(``sim.calibration.distance``). Without it the share is taken as counted over everyone it is a
share of (all employees, or all those live), as the model counts it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError, read_bounded
from sim.core.organisation import import_limit_bytes, too_big_to_import

#: Columns of the weekly series a log may hold: shares between 0 and 1, which the fit compares.
OBSERVABLE = (
    "live",
    "live_partners",
    "intended_use",
    "gaming",
    "ignoring",
    "intended_use_sales",
    "gaming_sales",
    "ignoring_sales",
    "intended_use_service",
    "gaming_service",
    "ignoring_service",
    "intended_use_managers",
    "gaming_managers",
    "ignoring_managers",
    "partner_self_serve",
    "partner_go_around",
    "partner_disengaged",
    "data_quality",
    "trust",
)
COUNT_SUFFIX = "_n"


@dataclass(frozen=True)
class ObservedLog:
    """The observed cells in long form: one row per (week, column) with a value."""

    cells: pd.DataFrame  # week, column, value, n (0: the whole organisation)
    digest: str  # of the file's bytes: an output folder belongs to one log

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys(self.cells["column"]))

    @property
    def last_week(self) -> int:
        return int(self.cells["week"].max())

    @property
    def weeks(self) -> np.ndarray:
        return self.cells["week"].to_numpy(dtype=int)

    @property
    def values(self) -> np.ndarray:
        return self.cells["value"].to_numpy(dtype=float)

    @property
    def counts(self) -> np.ndarray:
        return self.cells["n"].to_numpy(dtype=float)

    def wide(self) -> pd.DataFrame:
        return self.cells.pivot(index="week", columns="column", values="value").reset_index()


def read_observed(path: Path, weeks: int, source: str) -> ObservedLog:
    """Read and check a log against a scenario of ``weeks`` weeks; ``source`` names the spec field."""
    where = str(path)
    if not path.exists() and "\0" not in str(path):
        raise InputError(source, "observed", f"no such file: {path}")
    raw = read_bounded(path, import_limit_bytes(), allowed="a CSV file", too_big=too_big_to_import)
    try:
        table = pd.read_csv(io.BytesIO(raw), skip_blank_lines=False)  # each row at its line: line = row + 2
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(where, None, f"cannot be read as CSV: {str(exc).splitlines()[0]}") from None
    except pd.errors.EmptyDataError:
        raise InputError(where, None, "is empty; allowed: a CSV with a week column and observed columns") from None
    if not isinstance(table.index, pd.RangeIndex):  # pandas took the first field of each row as its label
        raise InputError(where, None, "its rows have more fields than its header names; allowed: one per column")
    header = _header(raw)  # as written: pandas renames a column given twice ("gaming.1")
    if len(header) != len(table.columns):
        header = [str(c) for c in table.columns]
    table.columns = [c.strip().lower() for c in header]  # "Week", "gaming " as the model names them
    twice = table.columns[table.columns.duplicated()]
    if len(twice):
        raise InputError(where, twice[0], "appears twice among the columns; allowed: each column once")
    if "week" not in table.columns:
        raise InputError(where, "week", "missing; a log needs a week column")
    table = table.dropna(how="all")  # empty rows (a spreadsheet's ",,,"), each other row keeping its line
    if table.empty:
        raise InputError(where, None, "has no rows; allowed: one row per observed week")
    counts = {c for c in table.columns if c.endswith(COUNT_SUFFIX) and c[: -len(COUNT_SUFFIX)] in OBSERVABLE}
    shares = [c for c in table.columns if c != "week" and c not in counts]
    for column in shares:
        if column not in OBSERVABLE:
            raise InputError(where, column, "not a column the model produces; allowed: " + ", ".join(OBSERVABLE))
    if not shares:
        raise InputError(where, None, "no observed column; allowed: " + ", ".join(OBSERVABLE))
    for column in table.columns:  # pandas reads true/false as booleans, which would pass as 1 and 0
        flags = table[column].map(lambda v: isinstance(v, bool | np.bool_))
        if flags.any():
            at = flags.idxmax()
            raise InputError(where, column, f"line {at + 2}: got {table[column][at]}; allowed: numbers, not true/false")
    week = pd.to_numeric(table["week"], errors="coerce")
    if week.isna().any() or (week != week.round()).any():
        at = (week.isna() | (week != week.round())).idxmax()
        got = table["week"][at]
        raise InputError(
            where,
            "week",
            f"line {at + 2}: got {_cell(got)}; allowed: whole numbers, the "
            "simulation's week (1 is the scenario's first week)",
        )
    if week.min() < 1 or week.max() > weeks:  # (checked before they are made integers: 1e20 is none)
        bad = week[(week < 1) | (week > weeks)].iloc[0]
        raise InputError(where, "week", f"got {bad:.0f}; allowed: 1 to {weeks} (the scenario's run.weeks)")
    week = week.astype(int)
    if week.duplicated().any():
        raise InputError(where, "week", f"week {int(week[week.duplicated()].iloc[0])} appears twice; one row a week")
    rows = []
    for column in shares:
        value = pd.to_numeric(table[column], errors="coerce")
        unreadable = value.isna() & table[column].notna()
        if unreadable.any():
            at = unreadable.idxmax()
            raise InputError(
                where,
                column,
                f"week {week[at]}: got {table[column][at]!r}; allowed: numbers between 0 and 1 (or an empty cell)",
            )
        outside = (value < 0) | (value > 1)
        if outside.any():
            at = outside.idxmax()
            hint = f" (a percentage? give {value[at] / 100:g} for {value[at]:g}%)" if 1 < value[at] <= 100 else ""
            raise InputError(where, column, f"week {week[at]}: got {value[at]}; a share is between 0 and 1{hint}")
        n = pd.Series(0.0, index=table.index)
        if column + COUNT_SUFFIX in counts:
            n = pd.to_numeric(table[column + COUNT_SUFFIX], errors="coerce")
            if (value.notna() & (n.isna() | (n < 1) | (n > MAX_COUNT) | (n != n.round()))).any():
                raise InputError(
                    where, column + COUNT_SUFFIX, f"allowed: whole numbers from 1 to {MAX_COUNT:,} beside each share"
                )
        keep = value.notna()
        rows.append(pd.DataFrame({"week": week[keep], "column": column, "value": value[keep], "n": n[keep]}))
    cells = pd.concat(rows, ignore_index=True).sort_values(["week", "column"], kind="stable").reset_index(drop=True)
    if cells.empty:
        raise InputError(where, None, "has no observed values")
    if not np.isfinite(cells["value"]).all():
        raise InputError(where, None, "allowed: finite numbers")
    return ObservedLog(cells=cells, digest=hashlib.sha256(raw).hexdigest()[:16])


#: The most people a share can be observed over (a count past it is a typo, and would overflow).
MAX_COUNT = 10**9

#: Observed columns that are 0 before anyone is live: shares of those live, and the live shares.
OF_THOSE_LIVE = tuple(column for column in OBSERVABLE if column not in ("data_quality", "trust"))


def check_before_go_live(log: ObservedLog, go_live_week: int, where: str) -> None:
    """Refuse a log with use before the scenario's CRM goes live: the model has nobody live then,
    so no fit could reproduce it. The usual cause is a log counted from go-live instead of from
    the scenario's first week."""
    cells = log.cells
    early = cells[(cells["week"] < go_live_week) & cells["column"].isin(OF_THOSE_LIVE) & (cells["value"] > 0)]
    if len(early):
        first = early.iloc[0]
        raise InputError(
            where,
            str(first["column"]),
            f"week {int(first['week'])}: got {first['value']:g}, but nobody is live before week {go_live_week}, "
            "when the scenario's CRM goes live (policy.go_live_week); allowed: 0 or an empty cell before it. "
            "The log's week is the simulation's week (1 is the scenario's first week), not weeks since go-live",
        )


def _cell(value) -> str:
    """A cell as a message shows it: 'an empty cell', '4.5', or a text in quotes."""
    if pd.isna(value):
        return "an empty cell"
    return repr(value) if isinstance(value, str) else f"{value:g}"


def _header(raw: bytes) -> list[str]:
    """The names on a CSV's first line, as written (a byte-order mark dropped)."""
    first = raw.decode("utf-8-sig", errors="replace").splitlines()[:1]
    return next(csv.reader(first), []) if first else []
