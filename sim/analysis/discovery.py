"""Scenario discovery: where in a sweep's parameter space does an outcome condition hold? PRIM boxes.

The runs of a sweep (any design; monte_carlo or lhs cover the space best) are split by a
condition on their outcome, e.g. ``verdict=failure`` or ``roi<0``; the Patient Rule Induction
Method of the EMA Workbench (``ema_workbench.analysis.prim.Prim``) then peels the parameter
space down to boxes where the condition holds for at least ``threshold`` of the runs (density),
while keeping as many of the runs in the condition as it can (coverage). Categorical
parameters (choices, booleans) are restricted to a set of allowed values.

PRIM returns a peeling trajectory per box, from the whole space to a small dense box. Here each
box is the point on its trajectory with the highest coverage among those that reach the
density threshold with at least one restriction; the next box is searched among the runs not
in the boxes found so far. The search stops after ``max_boxes`` boxes, or when no box reaches
the threshold. Coverage is the share of all runs in the condition that a box holds, density
the share of a box's runs that are in the condition, mass the share of all runs in the box.

EMA Workbench is optional (``pip install crmsim[analysis]``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.rates import JUDGED
from sim.analysis.sensitivity import INSTALL_HINT, read_experiment
from sim.core import outcomes as registry
from sim.core.errors import InputError
from sim.io.output import check_outputs_are_ours, figure_bytes, plain, write_output
from sim.io.whole import together

CONDITION_HELP = "expected verdict=failure, verdict=success, or NAME<VALUE / NAME>VALUE on an outcome, e.g. roi<0"
_PATTERN = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|=|<|>)\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class Condition:
    """A condition on a run's outcome: ``verdict=failure`` or ``NAME<VALUE`` (also >, <=, >=)."""

    text: str
    outcome: str
    op: str
    value: str | float

    def holds(self, runs: pd.DataFrame) -> np.ndarray:
        """Per run: whether the condition holds (runs without the outcome's value: False)."""
        if self.outcome == "verdict":
            return (runs["verdict"] == self.value).to_numpy()
        x = runs[self.outcome].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            return {"<": x < self.value, ">": x > self.value, "<=": x <= self.value, ">=": x >= self.value}[self.op]


def parse_condition(text: str) -> Condition:
    """``verdict=failure|success``, or ``NAME<VALUE``, ``NAME>VALUE`` (``<=``, ``>=``) on a recorded outcome."""
    match = _PATTERN.match(text or "")
    if not match:
        raise InputError("--outcome", text, CONDITION_HELP)
    name, op, value = match.groups()
    if name == "verdict":
        if op not in ("=", "==") or value not in ("failure", "success"):
            raise InputError("--outcome", text, "the verdict is failure or success: verdict=failure or verdict=success")
        return Condition(text.strip(), "verdict", "=", value)
    if name not in registry.OUTCOMES:
        allowed = ", ".join(registry.OUTCOMES)
        raise InputError("--outcome", text, f"unknown outcome {name!r}; allowed: verdict, {allowed}")
    if op in ("=", "=="):
        raise InputError("--outcome", text, f"a numeric outcome takes < or > (or <=, >=), e.g. {name}<{value}")
    try:
        number = float(value)
    except ValueError:
        raise InputError("--outcome", text, f"{value!r} is not a number; {CONDITION_HELP}") from None
    if not np.isfinite(number):
        raise InputError("--outcome", text, "the value must be a finite number")
    return Condition(text.strip(), name, op, number)


def require_prim():
    """EMA Workbench's PRIM, imported without its noisy warnings, or a one-line error."""
    import logging

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            previous = logging.root.manager.disable
            logging.disable(logging.WARNING)  # EMA logs, too, about optional parts it cannot load
            try:
                from ema_workbench.analysis import prim
            finally:
                logging.disable(previous)
    except ImportError:
        raise InputError(
            "crmsim discover",
            None,
            f"needs EMA Workbench, which is not installed; install the analysis extra: {INSTALL_HINT}",
        ) from None
    return prim


@dataclass
class Box:
    """One box: its statistics and the limits of its restricted parameters."""

    number: int
    coverage: float
    density: float
    mass: float
    runs: int  # runs in the box
    cases: int  # runs in the box that are in the condition
    limits: list[dict]  # per restricted parameter: parameter, kind, lower, upper, allowed, excluded, qp
    trajectory_index: int = 0


@dataclass
class Discovery:
    """What PRIM found: the boxes, and the peeling trajectory of the first box."""

    name: str
    folder: Path
    condition: Condition
    runs: int  # runs analysed
    cases: int  # of which in the condition
    dropped: dict[str, int]  # runs left out, by reason
    parameters: list[str]  # the parameters PRIM could restrict
    ranges: dict[str, list]  # each parameter's range in the runs ([low, high], or the values)
    threshold: float
    peel_alpha: float
    mass_min: float
    boxes: list[Box] = field(default_factory=list)
    trajectory: pd.DataFrame | None = None  # first box: coverage, density, mass, res_dim, n, k per step
    constant: list[str] = field(default_factory=list)  # varied by the sweep, but one value in these runs
    stopped: str = ""
    unfinished: str = ""  # why the runs are not the whole design, when they are not
    censored: str = ""  # runs whose outcome lies beyond the run (never reached half use), and how they count

    def table(self) -> pd.DataFrame:
        """One row per (box, restricted parameter)."""
        rows = []
        for box in self.boxes:
            stats = {
                "box": box.number,
                "coverage": box.coverage,
                "density": box.density,
                "mass": box.mass,
                "runs": box.runs,
                "cases": box.cases,
                "restricted": len(box.limits),
            }
            for limit in box.limits:
                rows.append({**stats, **limit})
        columns = ["box", "coverage", "density", "mass", "runs", "cases", "restricted", "parameter", "kind"]
        columns += ["lower", "upper", "allowed", "excluded", "qp"]
        return pd.DataFrame(rows, columns=columns)


def _categories(manifest: dict, key: str, present: list) -> list:
    """A categorical parameter's values in the order the sweep declared them, keeping those present."""
    sweep = manifest.get("sweep") or {}
    declared: list = []
    dist = (sweep.get("uncertainties") or {}).get(key) or {}
    declared = list(dist.get("choice") or dist.get("levels") or []) or list((sweep.get("levers") or {}).get(key) or [])
    order = list(dict.fromkeys([v for v in declared if v in present] + sorted(present, key=str)))
    return order


def _features(manifest: dict, runs: pd.DataFrame, parameters: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The varied parameters as PRIM's x: numbers as floats, the rest (text, booleans) as categories."""
    x = pd.DataFrame(index=runs.index)
    constant = []
    for key in parameters:
        column = runs[key]
        if column.nunique(dropna=False) < 2:
            constant.append(key)
            continue
        if pd.api.types.is_bool_dtype(column.dtype) or not pd.api.types.is_numeric_dtype(column.dtype):
            values = column.astype(object).tolist()
            x[key] = pd.Categorical(values, categories=_categories(manifest, key, list(set(values))))
        else:
            # integers as reals too: EMA 2.5's pasting writes fractional limits into integer columns,
            # which pandas 3 refuses; limits of integer parameters are rounded inwards when reported
            x[key] = column.astype("float64")
    return x.reset_index(drop=True), constant


def discover(
    folder: str | Path,
    condition: str | Condition = "verdict=failure",
    *,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_boxes: int = 3,
) -> Discovery:
    """PRIM boxes of a sweep's parameter space where ``condition`` holds for most runs."""
    cond = condition if isinstance(condition, Condition) else parse_condition(condition)
    if not 0 < threshold <= 1:
        raise InputError("--threshold", str(threshold), "a density: allowed > 0 and <= 1")
    if not 0 < peel_alpha < 0.5:
        raise InputError("--peel-alpha", str(peel_alpha), "allowed > 0 and < 0.5 (0.05 to 0.1 is usual)")
    if max_boxes < 1:
        raise InputError("--boxes", str(max_boxes), "allowed >= 1")
    prim_module = require_prim()
    manifest, runs = read_experiment(folder)
    parameters = list(manifest.get("parameters") or [])
    if not parameters:
        raise InputError(
            str(folder),
            "parameters",
            f"the {manifest.get('kind')} experiment varies no parameters; "
            "discovery needs a sweep with uncertainties or levers",
        )
    dropped: dict[str, int] = {}
    later = ""
    planned = int(manifest.get("runs", len(runs)))
    unfinished = ""
    if len(runs) < planned:  # an interrupted sweep, or one still running: its first runs only
        unfinished = (
            f"the experiment is unfinished ({manifest.get('status', 'status unknown')}): {len(runs)} of its "
            f"{planned} planned runs are done, so these boxes describe part of the design; finish it with "
            "the same command (it resumes) and run discover again"
        )
    failed = runs["status"] != "ok"
    if failed.any():
        dropped["failed"] = int(failed.sum())
    runs = runs[~failed]
    judged = runs["verdict"].isin(JUDGED)  # a run that ended before the CRM went live is neither
    if cond.outcome == "verdict":
        missing = ~judged
        if missing.any():
            dropped["undetermined"] = int(missing.sum())
    else:
        missing = runs[cond.outcome].isna()
        never = missing & judged
        if cond.outcome == "weeks_to_half_use" and never.any():  # half use not reached within the run:
            runs = runs.copy()  # later than any week it had, so counted as such, not left out
            runs[cond.outcome] = runs[cond.outcome].astype(float).where(~never, np.inf)
            later = f"{int(never.sum())} runs that never reached half use are counted as later than any week"
            missing = missing & ~never
        if (missing & ~judged).any():  # never went live: nothing of its use to tell
            dropped["undetermined"] = int((missing & ~judged).sum())
        if (missing & judged).any():
            dropped[f"no {cond.outcome}"] = int((missing & judged).sum())
    runs = runs[~missing]
    runs = runs.reset_index(drop=True)
    x, constant = _features(manifest, runs, parameters)
    integers = {k for k in x.columns if k in runs and pd.api.types.is_integer_dtype(runs[k].dtype)}
    if x.shape[1] == 0:
        raise InputError(
            str(folder),
            "parameters",
            f"no varied parameters: each of {', '.join(parameters)} has one value in the runs",
        )
    y = cond.holds(runs)
    left_out = "; left out: " + ", ".join(f"{n} {why}" for why, n in dropped.items()) + " runs" if dropped else ""
    if unfinished:  # the runs done so far may all fall on one side of the condition
        left_out += f"; only {len(runs) + sum(dropped.values())} of the {planned} planned runs are done"
    if not y.any():
        raise InputError(
            str(folder),
            "--outcome",
            f"no run is in the condition {cond.text} (0 of {len(y)}{left_out}); nothing to discover",
        )
    if y.all():
        raise InputError(
            str(folder),
            "--outcome",
            f"every run is in the condition {cond.text} ({len(y)} of {len(y)}{left_out}); nothing to discover",
        )
    ranges = {}
    for key in x.columns:
        if x[key].dtype == "category":
            ranges[key] = list(x[key].cat.categories)
        else:
            ranges[key] = [plain(runs[key].min()), plain(runs[key].max())]
    result = Discovery(
        name=(manifest.get("sweep") or {}).get("name", Path(folder).name),
        folder=Path(folder),
        condition=cond,
        runs=len(y),
        cases=int(y.sum()),
        dropped=dropped,
        parameters=list(x.columns),
        ranges=ranges,
        threshold=threshold,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        constant=constant,
        unfinished=unfinished,
        censored=later,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prim = prim_module.Prim(x, y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
        taken = np.zeros(len(y), dtype=bool)  # runs in the boxes found so far
        for number in range(1, max_boxes + 1):
            if not y[~taken].any():
                result.stopped = "every run in the condition is in a box"
                break
            box = prim.find_box()
            if box is None:
                result.stopped = "no runs left outside the boxes"
                break
            trajectory = box.peeling_trajectory.reset_index(drop=True)
            if number == 1:
                result.trajectory = trajectory[["coverage", "density", "mass", "res_dim", "n", "k"]].copy()
            good = trajectory[(trajectory["density"] >= threshold) & (trajectory["res_dim"] > 0)]
            if good.empty:
                result.stopped = f"no {'further ' if number > 1 else ''}box reaches density {threshold:g}"
                break
            best = good.sort_values(["coverage", "density", "res_dim"], ascending=[False, False, True]).index[0]
            box.select(int(best))
            taken[np.asarray(box.yi, dtype=int)] = True
            row = trajectory.loc[best]
            result.boxes.append(
                Box(
                    number=number,
                    coverage=float(row["coverage"]),
                    density=float(row["density"]),
                    mass=float(row["mass"]),
                    runs=int(row["n"]),
                    cases=int(row["k"]),
                    limits=_limits(box.box_lims[best], prim.box_init, box.p_values[best], x, integers),
                    trajectory_index=int(best),
                )
            )
    if not result.stopped and len(result.boxes) == max_boxes:
        result.stopped = f"found the {max_boxes} boxes asked for (--boxes)"
    return result


def _limits(box_lim: pd.DataFrame, box_init: pd.DataFrame, qp: dict, x: pd.DataFrame, integers: set[str]) -> list[dict]:
    """The restricted parameters of a box, most restricted first."""
    out = []
    for key in box_init.columns:
        if x[key].dtype == "category":
            allowed, everything = box_lim.loc[0, key], box_init.loc[0, key]
            if set(allowed) == set(everything):
                continue
            order = list(x[key].cat.categories)
            kept = [v for v in order if v in allowed]
            out.append(
                {
                    "parameter": key,
                    "kind": "categorical",
                    "lower": np.nan,
                    "upper": np.nan,
                    "allowed": kept,
                    "excluded": [v for v in order if v in everything and v not in allowed],
                    "qp": _qp(qp.get(key)),
                    "_share": len(kept) / max(len(everything), 1),
                }
            )
        else:
            lower, upper = box_lim.loc[0, key], box_lim.loc[1, key]
            low0, high0 = box_init.loc[0, key], box_init.loc[1, key]
            if lower <= low0 and upper >= high0:
                continue
            share = (upper - lower) / (high0 - low0) if high0 > low0 else 1.0
            if key in integers:  # the same runs, in whole numbers
                lower, upper = int(np.ceil(lower - 1e-9)), int(np.floor(upper + 1e-9))
            out.append(
                {
                    "parameter": key,
                    "kind": "integer" if key in integers else "real",
                    "lower": plain(lower),
                    "upper": plain(upper),
                    "allowed": None,
                    "excluded": None,
                    "qp": _qp(qp.get(key)),
                    "_share": share,
                }
            )
    out.sort(key=lambda d: d["_share"])
    for d in out:
        del d["_share"]
    return out


def _qp(values) -> float:
    """The quasi-p value of a restriction (the larger of its two sides; -1 marks an unrestricted side)."""
    if not values:
        return np.nan
    valid = [float(v) for v in values if v is not None and float(v) >= 0]
    return max(valid) if valid else np.nan


def _number(value, kind: str) -> str:
    return str(int(value)) if kind == "integer" else f"{value:.3g}"


def describe_limit(limit: dict, ranges: dict) -> str:
    if limit["kind"] == "categorical":
        text = "in {" + ", ".join(map(str, limit["allowed"])) + "}"
        return text + " (not " + ", ".join(map(str, limit["excluded"])) + ")"
    low0, high0 = ranges[limit["parameter"]]
    kind = limit["kind"]
    if limit["lower"] > low0 and limit["upper"] < high0:
        text = f"{_number(limit['lower'], kind)} to {_number(limit['upper'], kind)}"
    elif limit["upper"] < high0:
        text = f"<= {_number(limit['upper'], kind)}"
    else:
        text = f">= {_number(limit['lower'], kind)}"
    return text + f" (of {_number(low0, kind)} to {_number(high0, kind)})"


def to_markdown(result: Discovery) -> str:
    share = result.cases / result.runs
    lines = [f"# Scenario discovery: {result.name}", ""]
    if result.unfinished:
        lines += [f"**Caution: {result.unfinished}.**", ""]
    lines.append(
        f"Condition `{result.condition.text}`: {result.cases} of {result.runs} runs ({share:.0%})"
        + (
            "; left out: " + ", ".join(f"{n} {why}" for why, n in result.dropped.items()) + " runs"
            if result.dropped
            else ""
        )
        + "."
        + (f" ({result.censored}.)" if result.censored else "")
    )
    lines.append(
        f"PRIM (EMA Workbench) over {', '.join(result.parameters)}"
        + (f" ({', '.join(result.constant)}: one value in these runs, left out)" if result.constant else "")
        + f": density threshold {result.threshold:g}, "
        f"peel alpha {result.peel_alpha:g}, minimum mass {result.mass_min:g}. Each box is the point of its peeling "
        "trajectory with the highest coverage at that density; coverage: share of the runs in the condition that "
        "the box holds; density: share of the box's runs in the condition; mass: share of all runs in the box. "
        "Quasi-p: one-sided binomial test of each restriction (small is significant); it takes the runs as "
        "independent, so where they share seeds (common random numbers) or are made from one another (Sobol' "
        "and Morris designs) it is too small."
    )
    if share >= result.threshold:
        lines.append(
            f"Caution: the condition holds in {share:.0%} of all runs, at or above the density threshold, so a "
            "box reaches the threshold with little or no restriction and says little; raise --threshold above "
            f"{share:.0%}."
        )
    lines.append("")
    if not result.boxes:
        lines += [f"No box found: {result.stopped}.", ""]
    for box in result.boxes:
        lines += [
            f"## Box {box.number}: coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f} "
            f"({box.runs} runs, {box.cases} in the condition)",
            "",
            *([_found_among(box.number), ""] if box.number > 1 else []),
            "| parameter | limits | quasi-p |",
            "|---|---|---|",
        ]
        for limit in box.limits:
            qp = "n/a" if not np.isfinite(limit["qp"]) else f"{limit['qp']:.2g}"
            lines.append(f"| {limit['parameter']} | {describe_limit(limit, result.ranges)} | {qp} |")
        lines.append("")
    if result.boxes:
        covered = sum(b.coverage for b in result.boxes)
        lines.append(f"Together the boxes hold {covered:.0%} of the runs in the condition. Stopped: {result.stopped}.")
        lines.append("")
    return "\n".join(lines)


def _found_among(number: int) -> str:
    """What a later box's figures are of: PRIM searches box k among the runs outside boxes 1..k-1."""
    earlier = {2: "box 1", 3: "boxes 1 and 2"}.get(number, f"boxes 1 to {number - 1}")
    return (
        f"Found among the runs outside {earlier}: its runs and density count only those (coverage and mass "
        "are shares of all runs); applied to all runs, its limits would take in runs of the earlier boxes too."
    )


def plot(result: Discovery):
    """Left: coverage and density along the first box's peeling trajectory; right: the boxes' limits."""
    from matplotlib.figure import Figure

    dims = list(dict.fromkeys(limit["parameter"] for box in result.boxes for limit in box.limits))
    fig = Figure(figsize=(12, max(3.8, 0.55 * len(dims) * max(len(result.boxes), 1) + 1.5)))
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    t = result.trajectory
    if t is not None and len(t):
        points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18, zorder=3)
        fig.colorbar(points, ax=ax, label="restricted parameters", ticks=range(int(t["res_dim"].max()) + 1))
        ax.plot(t["coverage"], t["density"], color="#bbbbbb", linewidth=0.8, zorder=2)
        if result.boxes:
            chosen = t.loc[result.boxes[0].trajectory_index]
            ax.scatter(
                [chosen["coverage"]], [chosen["density"]], s=120, facecolors="none", edgecolors="#c0392b", zorder=4
            )
            ax.annotate("box 1", (chosen["coverage"], chosen["density"]), textcoords="offset points", xytext=(-36, -14))
        ax.axhline(result.threshold, color="#c0392b", linestyle=":", linewidth=1)
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Peeling trajectory of box 1\n{result.condition.text}", fontsize=9)
    colours = ["#1f5fa8", "#e07b1a", "#2a9d55", "#8e44ad", "#b03a2e"]
    labels, ticks, y = [], [], 0.0
    for dim in dims:
        for b, box in enumerate(result.boxes):
            limit = next((lim for lim in box.limits if lim["parameter"] == dim), None)
            colour = colours[b % len(colours)]
            if limit is None:
                lo, hi, text = 0.0, 1.0, "(not restricted)"
                bx.plot([lo, hi], [y, y], color=colour, linewidth=1, alpha=0.3)
            elif limit["kind"] == "categorical":
                values = result.ranges[dim]
                xs = np.linspace(0, 1, len(values)) if len(values) > 1 else np.array([0.5])
                for xv, value in zip(xs, values, strict=True):
                    filled = value in limit["allowed"]
                    bx.scatter([xv], [y], s=50, color=colour if filled else "white", edgecolors=colour, zorder=3)
                    bx.annotate(str(value), (xv, y), textcoords="offset points", xytext=(0, 7), fontsize=6, ha="center")
                text = "{" + ", ".join(map(str, limit["allowed"])) + "}"
            else:
                low0, high0 = result.ranges[dim]
                span = (high0 - low0) or 1.0
                lo, hi = (limit["lower"] - low0) / span, (limit["upper"] - low0) / span
                bx.plot([lo, hi], [y, y], color=colour, linewidth=5, solid_capstyle="butt")
                text = f"{_number(limit['lower'], limit['kind'])} to {_number(limit['upper'], limit['kind'])}"
            bx.annotate(text, (1.02, y), fontsize=7, va="center", annotation_clip=False)
            labels.append(f"{dim} (box {box.number})")
            ticks.append(y)
            y += 1
        y += 0.5
    bx.set_yticks(ticks, labels, fontsize=7)
    bx.invert_yaxis()
    bx.set_xlim(-0.05, 1.05)
    bx.set_xticks([0, 1], ["min", "max"])
    bx.set_title("Box limits (share of each parameter's range in the runs)", fontsize=9)
    if not result.boxes:
        bx.text(0.5, 0.5, "no box found", ha="center", transform=bx.transAxes, color="#888888")
    fig.suptitle(f"{result.name}: scenario discovery with PRIM", fontsize=10)
    fig.tight_layout()
    return fig


def write_outputs(result: Discovery) -> tuple[str, list[Path]]:
    """discovery.csv/.md/.png in the results folder; the Markdown text."""
    folder = result.folder
    written = [folder / "discovery.csv", folder / "discovery.md", folder / "discovery.png"]
    table = result.table()
    for column in ("allowed", "excluded"):
        table[column] = table[column].map(lambda v: "" if v is None else "|".join(map(str, v)))
    table.insert(0, "condition", result.condition.text)
    csv = table.to_csv(index=False)
    text = to_markdown(result)
    command = "crmsim discover"
    check_outputs_are_ours("discover", {written[0]: csv, written[1]: text, written[2]: None})
    png = figure_bytes(plot(result))
    with together():  # the three of one condition, never two of one and one of another
        write_output(written[0], lambda p: Path(p).write_text(csv, encoding="utf-8"), command)
        write_output(written[1], lambda p: Path(p).write_text(text, encoding="utf-8"), command)
        write_output(written[2], lambda p: Path(p).write_bytes(png), command)
    return text, written
