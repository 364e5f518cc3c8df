"""Global sensitivity analysis of a sweep with SALib: Sobol' indices or Morris screening.

A sweep drawn with ``design = "sobol"`` holds its points in Saltelli's layout, and one drawn with
``design = "morris"`` holds Morris trajectories; this module reads the runs of such a sweep,
averages each outcome over the replications of a point (in point order), and hands the
outcomes to ``SALib.analyze.sobol`` or ``SALib.analyze.morris``. The unit-cube sample matrix is
regenerated from the sweep stored in the manifest (the design is deterministic in its seed)
and checked against the parameter values of the runs.

Levers are crossed with every sampled point, so a sweep with levers holds one complete design
per lever combination: each combination is analysed on its own (the ``levers`` column says which).

- Sobol': first-order ``S1`` and total ``ST`` indices with their confidence intervals
  (``S1_conf``, ``ST_conf``, half-widths at 95%), and second-order ``S2`` if the sweep drew them
  (``second_order = true``).
- Morris: ``mu_star`` (mean absolute elementary effect, per unit of the parameter's unit-cube
  range) with ``mu_star_conf``, the signed mean ``mu`` and ``sigma`` (spread: interactions or
  nonlinearity).

SALib is optional (``pip install crmsim[analysis]``).

References
----------
.. [1] Campolongo, F., Cariboni, J., & Saltelli, A. (2007). An effective screening design for
   sensitivity analysis of large models. Environmental Modelling & Software, 22(10), 1509-1518.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.rates import JUDGED
from sim.core import outcomes as registry
from sim.core.errors import InputError
from sim.experiments.store import RunStore

METHODS = ("sobol", "morris")
#: Outcomes analysed when none are named (registry names): fewer than the headline, as every
#: outcome adds a table per lever combination.
DEFAULT_OUTCOMES = ("intended_use_last13", "roi", "data_quality_last13", "gaming_last13")
INSTALL_HINT = "pip install 'crmsim[analysis]'"


@dataclass
class Sensitivity:
    """The indices of one analysis: a table per outcome (and lever combination)."""

    method: str
    name: str  # the sweep's name
    folder: Path
    table: pd.DataFrame  # one row per (levers, outcome, parameter)
    second_order: pd.DataFrame | None = None  # sobol with second_order: one row per parameter pair
    points: int = 0  # sampled points per lever combination
    replications: int = 1
    notes: list[str] = field(default_factory=list)
    common_random_numbers: bool = True  # every point ran on the same seeds (the sweep's setting)

    @property
    def index_columns(self) -> list[str]:
        return (
            ["S1", "S1_conf", "ST", "ST_conf"] if self.method == "sobol" else ["mu_star", "mu_star_conf", "mu", "sigma"]
        )

    @property
    def ranking(self) -> str:
        """The column the parameters are ranked by."""
        return "ST" if self.method == "sobol" else "mu_star"


def require_salib():
    """SALib's analysis modules, or a one-line error saying how to install them."""
    try:
        from SALib.analyze import morris, sobol
    except ImportError:
        raise InputError(
            "crmsim analyze sensitivity",
            None,
            f"needs SALib, which is not installed; install the analysis extra: {INSTALL_HINT}",
        ) from None
    return sobol, morris


def outcome_values(runs: pd.DataFrame, name: str) -> pd.Series:
    """An outcome per run: a recorded outcome, or ``success`` (1 if the verdict is success, 0 if
    failure, no value if the run ended before the CRM went live)."""
    if name == registry.SUCCESS.name:
        return runs["verdict"].map(registry.success).astype(float)
    return runs[name].astype(float)


def check_outcomes(names: list[str] | None) -> list[str]:
    """The outcomes to analyse: the defaults, or the named ones if every one is known."""
    if not names:
        return list(DEFAULT_OUTCOMES)
    allowed = [*registry.OUTCOMES, registry.SUCCESS.name]
    for name in names:
        if name not in allowed:
            raise InputError("--outcome", name, f"unknown outcome; allowed: {', '.join(allowed)}")
    return list(dict.fromkeys(names))


def read_experiment(folder: str | Path) -> tuple[dict, pd.DataFrame]:
    """The manifest and the runs of a results folder (clear errors if it is not one)."""
    store = RunStore(folder)
    manifest = store.read_manifest()
    if not any(store.runs_dir.glob("part-*.parquet")):
        raise InputError(str(folder), "runs", "no finished runs yet; run the experiment into this folder first")
    return manifest, store.read_runs()


def check_complete(folder: str | Path, manifest: dict, runs: pd.DataFrame, purpose: str) -> None:
    """Refuse a run set with missing or failed runs: the estimators need every run of the design."""
    total = int(manifest.get("runs", len(runs)))
    missing = sorted(set(range(total)) - set(runs["run"].tolist()))
    if missing:
        shown = ", ".join(str(r) for r in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise InputError(
            str(folder),
            "runs",
            f"{len(missing)} of {total} runs missing (runs {shown}); {purpose} needs every run of the design: "
            f"finish the sweep with `crmsim sweep SWEEP.toml --out {folder}` (it resumes)",
        )
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        raise InputError(
            str(folder),
            "runs",
            f"{len(failed)} of {total} runs failed (run {int(first['run'])}: {first['error']}); "
            f"{purpose} needs every run of the design",
        )


def _design(folder: str | Path, manifest: dict, runs: pd.DataFrame, method: str):
    """The sweep, its unit-cube samples and lever combinations, checked against the runs."""
    from sim.experiments.designs import fit_to_field, to_values, unit_samples
    from sim.experiments.sweepfile import SweepFile

    kind = manifest.get("kind")
    if kind != "sweep":
        raise InputError(
            str(folder),
            "manifest.json",
            f'holds a {kind} experiment, not a sweep; {method} analysis needs a sweep drawn with design = "{method}"',
        )
    design = manifest.get("design")
    if design != method:
        raise InputError(
            str(folder),
            "design",
            f'the sweep was drawn with design = "{design}"; --method {method} needs a sweep drawn with '
            f'design = "{method}" (its estimators rely on that design\'s layout of points)',
        )
    sweep = SweepFile.model_validate(manifest["sweep"])
    if not sweep.uncertainties:
        raise InputError(
            str(folder), "uncertainties", f"the sweep has no uncertainties to apportion; {method} needs some"
        )
    check_complete(folder, manifest, runs, f"{method} analysis")
    u = unit_samples(sweep)
    combos = [dict(zip(sweep.levers, c, strict=True)) for c in itertools.product(*sweep.levers.values())]
    expected = len(u) * len(combos) * sweep.replications
    if expected != int(manifest.get("runs", -1)) or int(runs["point"].max()) + 1 != len(u) * len(combos):
        raise InputError(
            str(folder),
            "runs",
            f"the runs do not match the sweep's design ({len(u)} points x {len(combos)} lever combinations x "
            f"{sweep.replications} replications = {expected} runs, manifest says {manifest.get('runs')})",
        )
    # the regenerated design must be the one that was run (same SALib and scipy draws)
    first = runs[runs["replication"] == 0].sort_values("point")
    for c, combo in enumerate(combos):
        block = first.iloc[c * len(u) : (c + 1) * len(u)]
        for j, (key, dist) in enumerate(sweep.uncertainties.items()):
            if not _same(fit_to_field(key, to_values(dist, u[:, j])), block[key].tolist()):  # as run: clipped
                raise InputError(
                    str(folder),
                    key,
                    "the values in the runs differ from the design regenerated from manifest.json "
                    "(drawn with another version of SALib or scipy?); cannot match runs to the design",
                )
        for key, value in combo.items():
            if not _same([value] * len(block), block[key].tolist()):
                raise InputError(str(folder), key, "lever values in the runs are not in the sweep's order")
    return sweep, u, combos


def _same(expected: list, actual: list) -> bool:
    if len(expected) != len(actual):
        return False
    for e, a in zip(expected, actual, strict=True):
        if isinstance(e, int | float) and not isinstance(e, bool) and isinstance(a, int | float):
            if not np.isclose(float(e), float(a), rtol=1e-9, atol=1e-12):
                return False
        elif str(e) != str(a):
            return False
    return True


def lever_label(combo: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in combo.items())


def analyze(
    folder: str | Path,
    method: str | None = None,
    outcomes: list[str] | None = None,
    *,
    conf_level: float = 0.95,
    num_resamples: int = 1000,
    seed: int = 1,
) -> Sensitivity:
    """Sobol' or Morris indices of a sweep's uncertainties for each outcome (and lever combination).

    ``method`` None: the sweep's design, if it is sobol or morris.
    """
    if method is not None and method not in METHODS:
        raise InputError("--method", method, f"allowed: {', '.join(METHODS)}")
    outcomes = check_outcomes(outcomes)
    sobol, morris = require_salib()
    manifest, runs = read_experiment(folder)
    if method is None:
        method = manifest.get("design")
        if manifest.get("kind") != "sweep" or method not in METHODS:
            what = (
                f'a sweep drawn with design = "{method}"'
                if manifest.get("kind") == "sweep"
                else (f"a {manifest.get('kind')} experiment, not a sweep")
            )
            raise InputError(
                str(folder), "manifest.json", f"holds {what}; sensitivity analysis needs a sobol or morris sweep"
            )
    sweep, u, combos = _design(folder, manifest, runs, method)
    names = list(sweep.uncertainties)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    n = len(u)
    rows, pairs, notes = [], [], []
    for c, combo in enumerate(combos):
        label = lever_label(combo)
        block = runs[(runs["point"] >= c * n) & (runs["point"] < (c + 1) * n)]
        for outcome in outcomes:
            y = point_means(outcome_values(block, outcome), block["point"])
            note = ""
            if np.isnan(y).any():
                note = f"{int(np.isnan(y).sum())} of {n} points have a run without a value"
                judged = block["verdict"].isin(JUDGED).groupby(block["point"]).all().sort_index().to_numpy()
                never_live = int((np.isnan(y) & ~judged).sum())
                if never_live:
                    note += f" ({never_live} of them because a run ended before the CRM went live)"
            elif constant(y):
                note = "constant: no variance to apportion"
            elif method == "sobol" and constant(sobol_base_rows(y, len(names), sweep.second_order)):
                varied = int((y != y[0]).sum())
                note = (
                    f"constant on the design's base samples (A and B), which Sobol' estimators divide by; only "
                    f"{varied} of {n} points differ (a rare outcome?): draw more base samples"
                )
            where = f" ({label})" if label else ""
            if note:
                notes.append(f"{outcome}{where}: {note}; indices not computed")
            result = None
            if not note:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if method == "sobol":
                        result = sobol.analyze(
                            problem,
                            y,
                            calc_second_order=sweep.second_order,
                            num_resamples=num_resamples,
                            conf_level=conf_level,
                            seed=seed,
                        )
                    else:
                        result = morris.analyze(
                            problem,
                            np.asarray(u, dtype=float),
                            y,
                            num_resamples=num_resamples,
                            conf_level=conf_level,
                            num_levels=sweep.morris_levels,
                            seed=seed,
                        )
            columns = (
                ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu_star", "mu_star_conf", "mu", "sigma"]
            )
            for j, name in enumerate(names):
                values = {k: float(result[k][j]) if result is not None else np.nan for k in columns}
                rows.append({"levers": label, "outcome": outcome, "parameter": name, **values, "note": note})
            if method == "sobol" and sweep.second_order:
                for j, k in itertools.combinations(range(len(names)), 2):
                    pairs.append(
                        {
                            "levers": label,
                            "outcome": outcome,
                            "parameter_1": names[j],
                            "parameter_2": names[k],
                            "S2": float(result["S2"][j, k]) if result is not None else np.nan,
                            "S2_conf": float(result["S2_conf"][j, k]) if result is not None else np.nan,
                        }
                    )
    return Sensitivity(
        method=method,
        name=sweep.name,
        folder=Path(folder),
        table=pd.DataFrame(rows),
        second_order=pd.DataFrame(pairs) if pairs else None,
        points=n,
        replications=sweep.replications,
        notes=notes,
        common_random_numbers=sweep.common_random_numbers,
    )


def point_means(values: pd.Series, point: pd.Series) -> np.ndarray:
    """The mean over replications of each point, in point order; no value where a replication has
    none (a run that never went live, never reached half use): the mean of the others would pass
    for the point's, biased towards the runs that had one."""
    grouped = values.groupby(point)
    means = grouped.mean().where(grouped.count() == grouped.size())
    return means.sort_index().to_numpy(dtype=float)


def constant(y: np.ndarray) -> bool:
    return bool(np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())))


def sobol_base_rows(y: np.ndarray, d: int, second_order: bool) -> np.ndarray:
    """The outcomes of Saltelli's A and B samples (the first and last row of each base sample's
    group): their variance is what SALib divides by, so when they are all equal it returns zeros
    (with a warning) that would read as "no parameter matters"."""
    step = 2 * d + 2 if second_order else d + 2
    return np.concatenate([y[0::step], y[step - 1 :: step]])


def _fmt(value: float) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.3f}"


#: Fewer Morris trajectories than this rank parameters unreliably (Campolongo et al. 2007 use 10-50).
FEW_TRAJECTORIES = 10

#: A total-order index known to within more than this (95% half-width) cannot rank parameters
#: whose indices differ by less: the table says so rather than let the order speak.
WIDE_INTERVAL = 0.1


def to_markdown(result: Sensitivity) -> str:
    """Tables per outcome (and lever combination), parameters ranked by ST or mu_star."""
    title = "Sobol' indices" if result.method == "sobol" else "Morris screening"
    lines = [f"# {title}: {result.name}", ""]
    d = result.table["parameter"].nunique()
    if result.method == "sobol":
        lines.append(
            f"{result.points} points ({result.points // (2 * d + 2 if result.second_order is not None else d + 2)} "
            f"base samples) in Saltelli's layout, {result.replications} replication(s) per point averaged. "
            "S1: share of the outcome's variance due to the parameter alone; ST: including its interactions. "
            "Intervals are 95% bootstrap half-widths; with few samples they are wide and indices can fall "
            "outside [0, 1]."
        )
    else:
        lines.append(
            f"{result.points} points on {result.points // (d + 1)} Morris trajectories, "
            f"{result.replications} replication(s) per point averaged. "
            "mu*: mean absolute elementary effect (change of the outcome per unit-cube step of the parameter); "
            "mu: its signed mean; sigma: its spread (interactions or nonlinearity). Intervals are 95% bootstrap "
            "half-widths of mu*."
        )
        trajectories = result.points // (d + 1)
        if trajectories < FEW_TRAJECTORIES:
            lines += [
                "",
                f"Caution: {trajectories} trajectories; Morris screening is usually run on {FEW_TRAJECTORIES} to 50 "
                "(Campolongo, Cariboni & Saltelli 2007), and on fewer the ranking of mu* may be chance.",
            ]
    if not result.common_random_numbers:
        lines += [
            "",
            "Note: each point ran on seeds of its own (common_random_numbers = false), so seed-to-seed chance "
            "is part of every difference between points and is put down to the parameters as if they caused it: "
            + (
                "small indices are inflated (ST can add up to well above 1). "
                if result.method == "sobol"
                else "mu* and sigma of parameters that matter little are inflated. "
            )
            + "With common_random_numbers = true every point runs on the same seeds.",
        ]
    lines.append("")
    cols = result.index_columns
    for (label, outcome), group in result.table.groupby(["levers", "outcome"], sort=False):
        heading = f"## {outcome}" + (f" ({label})" if label else "")
        lines += [heading, ""]
        if group["note"].iloc[0]:
            lines += [f"Not computed: {group['note'].iloc[0]}.", ""]
            continue
        group = group.sort_values(result.ranking, ascending=False, kind="stable")
        if result.method == "sobol":
            lines += ["| parameter | S1 | S1 ± | ST | ST ± |", "|---|---|---|---|---|"]
        else:
            lines += ["| parameter | mu* | mu* ± | mu | sigma |", "|---|---|---|---|---|"]
        for r in group.itertuples(index=False):
            d = r._asdict()
            lines.append(f"| {r.parameter} | " + " | ".join(_fmt(d[c]) for c in cols) + " |")
        lines.append("")
        widest = float(group["ST_conf"].max()) if result.method == "sobol" else 0.0
        if widest > WIDE_INTERVAL:
            lines += [
                f"Caution: intervals up to ±{widest:.2f}, too wide to rank these parameters; the ranking above "
                "may be chance. Draw more base samples (stable Sobol' indices often need hundreds).",
                "",
            ]
        if result.second_order is not None:
            s2 = result.second_order[
                (result.second_order["levers"] == label) & (result.second_order["outcome"] == outcome)
            ]
            lines += ["Second-order indices:", "", "| parameters | S2 | S2 ± |", "|---|---|---|"]
            for r in s2.itertuples(index=False):
                lines.append(f"| {r.parameter_1} x {r.parameter_2} | {_fmt(r.S2)} | {_fmt(r.S2_conf)} |")
            lines.append("")
    return "\n".join(lines)


def plot(result: Sensitivity):
    """Bars with confidence intervals, one panel per outcome (a row per lever combination)."""
    from matplotlib.figure import Figure

    table = result.table
    labels = list(dict.fromkeys(table["levers"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    params = list(dict.fromkeys(table["parameter"]))
    fig = Figure(figsize=(3.4 * len(outcomes) + 1.6, (0.35 * len(params) + 1.2) * len(labels) + 0.6))
    axes = fig.subplots(len(labels), len(outcomes), squeeze=False)
    y = np.arange(len(params))
    for i, label in enumerate(labels):
        for k, outcome in enumerate(outcomes):
            ax = axes[i][k]
            rows = table[(table["levers"] == label) & (table["outcome"] == outcome)].set_index("parameter").loc[params]
            if result.method == "sobol":
                h = 0.38
                ax.barh(y - h / 2, rows["S1"], h, xerr=rows["S1_conf"], color="#1f5fa8", capsize=2, label="S1")
                ax.barh(y + h / 2, rows["ST"], h, xerr=rows["ST_conf"], color="#e07b1a", capsize=2, label="ST")
                ax.axvline(0, color="#888888", linewidth=0.8)
            else:
                ax.barh(y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], color="#1f5fa8", capsize=2, label="mu*")
                ax.plot(rows["sigma"], y, "o", color="#e07b1a", markersize=4, label="sigma")
            ax.set_yticks(y, params if k == 0 else [""] * len(params), fontsize=8)
            ax.invert_yaxis()
            title = outcome.replace("_", " ")
            if label:
                title += f"\n{label}"
            ax.set_title(title, fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
            if rows["note"].iloc[0]:
                ax.text(0.5, 0.5, "not computed", transform=ax.transAxes, ha="center", color="#888888")
    axes[0][0].legend(fontsize=7, loc="lower right")
    what = "Sobol' indices S1 and ST" if result.method == "sobol" else "Morris mu* and sigma"
    fig.suptitle(f"{result.name}: {what} (95% intervals)", fontsize=10)
    fig.tight_layout()
    return fig


def output_stem(method: str, outcomes: list[str]) -> str:
    """``sensitivity_<method>`` for the default outcomes; other outcomes get their own files
    (``sensitivity_sobol_roi+success``), so analysing them one at a time keeps each analysis. Many
    outcomes at once are named by a digest of the set, as a file name has at most 255 bytes."""
    if set(outcomes) == set(DEFAULT_OUTCOMES):
        return f"sensitivity_{method}"
    named = "+".join(sorted(outcomes))  # the same analysis, whatever order its outcomes were named in
    if len(named) > 80:
        digest = hashlib.sha256(named.encode()).hexdigest()[:8]
        named = f"{len(outcomes)}-outcomes-{digest}"
    return f"sensitivity_{method}_{named}"


def write_outputs(result: Sensitivity) -> tuple[str, list[Path]]:
    """sensitivity_<method>[_<outcomes>].csv/.md/.png (and _s2.csv for second-order indices); the
    Markdown text."""
    from sim.io.output import check_outputs_are_ours, figure_bytes, write_output
    from sim.io.whole import together

    folder = result.folder
    stem = output_stem(result.method, list(dict.fromkeys(result.table["outcome"])))
    written = [folder / f"{stem}.csv", folder / f"{stem}.md", folder / f"{stem}.png"]
    tables = [result.table.to_csv(index=False)]
    text = to_markdown(result)
    outputs = {written[0]: tables[0], written[1]: text, written[2]: None}
    if result.second_order is not None:
        written.append(folder / f"{stem}_s2.csv")
        tables.append(result.second_order.to_csv(index=False))
        outputs[written[-1]] = tables[-1]
    command = "crmsim analyze sensitivity"
    check_outputs_are_ours("analyze sensitivity", outputs)
    png = figure_bytes(plot(result))
    with together():  # the files of one analysis, never some of one and some of another
        write_output(written[0], lambda p: Path(p).write_text(tables[0], encoding="utf-8"), command)
        write_output(written[1], lambda p: Path(p).write_text(text, encoding="utf-8"), command)
        write_output(written[2], lambda p: Path(p).write_bytes(png), command)
        if result.second_order is not None:
            write_output(written[-1], lambda p: Path(p).write_text(tables[1], encoding="utf-8"), command)
    return text, written
