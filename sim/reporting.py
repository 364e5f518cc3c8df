"""One self-contained HTML page for a run or an experiment: ``crmsim report DIR [--out FILE.html]``.

The page carries everything inside it: figures as base64 PNG data URIs, its style in a
``<style>`` element, no scripts and no links to elsewhere, so it opens offline and can be
mailed as one file. It reads what the commands left in the folder:

- a run folder (``crmsim run``): summary.json, timeseries.parquet; the figures are drawn again
  from the time series;
- a results folder (``replicate``, ``compare``, ``sweep``): manifest.json, runs/, and the files
  the analyses wrote beside them (bands, comparison.*, sensitivity_*.*, discovery.*).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.paired import HEADLINE
from sim.errors import InputError

SUCCESS_COLOUR = "#2a9d55"
FAILURE_COLOUR = "#b03a2e"

#: Outcomes as a strategist reads them: label, format, and what the number is.
#: Formats: pct (share), spct (signed share), num (2 decimals), money (whole units), int, year (weekly rate x 52).
OUTCOME_LABELS = {
    "intended_use_last13": ("Employees using the CRM as designed", "pct"),
    "gaming_last13": ("Employees gaming it (entries for show)", "pct"),
    "ignoring_last13": ("Employees ignoring it", "pct"),
    "intended_use_sales_last13": ("Sales reps using it as designed", "pct"),
    "intended_use_service_last13": ("Service staff using it as designed", "pct"),
    "intended_use_managers_last13": ("Managers using it as designed", "pct"),
    "gaming_sales_last13": ("Sales reps gaming it", "pct"),
    "partner_self_serve_last13": ("Channel partners self-serving", "pct"),
    "partner_go_around_last13": ("Channel partners going around it", "pct"),
    "data_quality_last13": ("Data quality (0 = useless, 1 = perfect)", "num"),
    "trust_last13": ("Trust in the data (0 to 1)", "num"),
    "drift_last13": ("Drift from the designed practice (0 to 1)", "num"),
    "conflict_last13": ("Marketing-service conflict (0 to 1)", "num"),
    "turnover_last13": ("Staff turnover, per year", "year"),
    "cost_per_sale_last13": ("Cost per unit sale", "num"),
    "roi": ("Return on investment", "spct"),
    "benefits_realised": ("Planned benefits realised", "pct"),
    "complaints_total": ("Partner complaints (total)", "int"),
    "compensation_total": ("Compensation paid to partners (total)", "money"),
    "margin_leakage_total": ("Margin leaked through bent terms (total)", "money"),
    "peak_gaming": ("Peak share gaming", "pct"),
    "weeks_to_half_use": ("Week half of live employees first used it as designed", "int"),
    "total_costs": ("Total costs", "money"),
    "total_benefits": ("Total benefits", "money"),
    "live": ("Employees live on the CRM at the end", "pct"),
}

#: The outcomes shown for a run, in this order (those present).
RUN_HEADLINE = [
    "intended_use_last13",
    "gaming_last13",
    "ignoring_last13",
    "intended_use_sales_last13",
    "intended_use_service_last13",
    "intended_use_managers_last13",
    "partner_self_serve_last13",
    "partner_go_around_last13",
    "data_quality_last13",
    "trust_last13",
    "live",
    "roi",
    "benefits_realised",
    "total_costs",
    "total_benefits",
    "cost_per_sale_last13",
    "turnover_last13",
    "peak_gaming",
    "weeks_to_half_use",
    "complaints_total",
    "compensation_total",
    "margin_leakage_total",
]


# --- entry point ------------------------------------------------------------------------------


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
        kind = _read_json(folder / "manifest.json").get("kind")
        if kind in ("replicate", "compare", "sweep"):
            return kind
        raise InputError(str(folder / "manifest.json"), "kind", f"got {kind!r}; allowed: replicate, compare, sweep")
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
    page = {"run": run_report, "replicate": replicate_report, "compare": compare_report, "sweep": sweep_report}[kind](
        folder
    )
    out = Path(out) if out else folder / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


# --- a run --------------------------------------------------------------------------------


def run_report(folder: Path) -> str:
    """The page of one run: verdict, headline outcomes, the three standard figures, events, scenario."""
    import matplotlib.pyplot as plt

    from sim import plots

    summary = _read_json(folder / "summary.json")
    ts = _read_parquet(folder / "timeseries.parquet")
    name = summary.get("scenario", folder.name)
    resolved = summary.get("resolved_scenario") or {}
    page = Page(f"CRM rollout: {name}")
    if resolved.get("description"):
        page.para(resolved["description"])

    detail = summary.get("verdict_detail") or {}
    verdict = summary.get("verdict", detail.get("verdict", "unknown"))
    page.section("The verdict")
    page.verdict(verdict)
    page.para(verdict_sentence(detail, verdict))

    outcomes = dict(summary.get("outcomes") or {})
    page.section("Headline outcomes")
    page.para(
        "Shares are of the people live on the CRM, averaged over the last 13 weeks (the last quarter) of the "
        f"run's {summary.get('weeks', len(ts))} weeks; money is in the scenario's units; the return on "
        "investment is (benefits - costs) / costs over the whole run."
    )
    rows = []
    for key in RUN_HEADLINE:
        if key not in outcomes or (outcomes[key] is None and key != "weeks_to_half_use"):
            continue
        label, kind = OUTCOME_LABELS[key]
        value = outcomes[key]
        text = "never" if value is None else fmt(value, kind)
        note = ""
        if key == "cost_per_sale_last13" and outcomes.get("cost_per_sale_baseline") is not None:
            note = f"before the rollout: {fmt(outcomes['cost_per_sale_baseline'], 'num')}"
        if key == "peak_gaming" and outcomes.get("peak_gaming_week") is not None:
            note = f"in week {outcomes['peak_gaming_week']}"
        rows.append([label, text, note])
    page.table(["outcome", "value", "note"], rows, numeric=[1])

    figures = (
        (
            "What people did",
            "Among those live on the CRM, the share of each role that used it as designed (green), gamed it "
            "(orange) or ignored it (grey); for channel partners: self-serve, go around, disengage.",
            plots.behaviour_by_role,
            "Behaviour by role, share of those live",
        ),
        (
            "Data quality and trust",
            "How good the data in the CRM are, and how much people trust them (trust follows the data with a "
            "lag); the dotted line is the share of employees live.",
            plots.data_quality_and_trust,
            "Data quality and trust",
        ),
        (
            "What it meant for the organisation",
            "Cost per unit sale, the costs of gaming, drift and conflict, people and money, week by week.",
            plots.organisation,
            "The organisation",
        ),
    )
    for heading, sentence, draw, title in figures:
        page.section(heading)
        page.para(sentence)
        fig = draw(ts, title=f"{title}: {name}")
        page.image(figure_uri(fig), title)
        plt.close(fig)

    page.section("Notable events")
    events = summary.get("events") or []
    if events:
        page.para("What happened along the way that changed the course of the rollout.")
        page.table(
            ["week", "what", "description"],
            [[e.get("week"), str(e.get("kind", "")).replace("_", " "), e.get("text", "")] for e in events],
            numeric=[0],
        )
    else:
        page.para("No notable events (such as a CIO change or a resignation) were recorded in this run.")

    page.section("Where this came from")
    page.para("Enough to run it again and get the same numbers: the scenario's hash, the seed and the versions.")
    people = summary.get("people") or {}
    versions = summary.get("versions") or {}
    prov = [
        ["scenario", name],
        ["scenario hash", summary.get("scenario_hash", "")],
        ["seed", summary.get("seed", "")],
        ["weeks", summary.get("weeks", "")],
        [
            "people",
            f"{people.get('employees', '?')} employees, {people.get('partners', '?')} channel partners, "
            f"{people.get('ties', '?')} ties",
        ],
        ["versions", ", ".join(f"{k} {v}" for k, v in versions.items())],
        ["run folder", str(folder)],
    ]
    if summary.get("imported_files_sha256"):
        prov.append(["imported organisation (sha256)", summary["imported_files_sha256"]])
    page.table(["", ""], prov, header=False)
    if resolved:
        page.details("The resolved scenario (every setting used, as TOML)", to_toml(resolved))
    return page.html()


def verdict_sentence(detail: dict, verdict: str) -> str:
    """The verdict's criteria and the figures it was judged on, in a sentence."""
    criteria = detail.get("criteria") or {}
    use, roi = detail.get("intended_use_last13"), detail.get("roi")
    if use is None or roi is None or not criteria:
        return f"The run's verdict: {verdict}."
    need_use, need_roi = criteria.get("min_intended_use", 0.6), criteria.get("min_roi", 0.0)
    missed = []
    if use < need_use:
        missed.append("too few used the CRM as designed")
    if roi < need_roi:
        missed.append("it did not pay back")
    because = f": {' and '.join(missed)}" if missed else ": both criteria are met"
    return (
        f"A rollout succeeds when at least {need_use:.0%} of live employees use the CRM as designed over the "
        f"last 13 weeks and the return on investment is at least {need_roi:.0%}. Here {use:.0%} used it as "
        f"designed and the return was {roi:+.0%}, so it is a {verdict}{because}."
    )


# --- experiments --------------------------------------------------------------------------


def compare_report(folder: Path) -> str:
    """The page of a paired comparison: success rates, paired differences, figures."""
    from sim.analysis.paired import compare_arms

    manifest = _read_json(folder / "manifest.json")
    runs = _read_runs(folder)
    arms = list(manifest.get("arms") or [])
    baseline = manifest.get("baseline") or (arms[0] if arms else "")
    names = sorted({s.get("name", "") for s in (manifest.get("scenarios") or {}).values()} - {""})
    page = Page(f"Policy comparison: {', '.join(names) or folder.name}")
    page.para(
        f"Each policy (an 'arm') ran on the same {manifest.get('replications', '?')} seeds: the same "
        "organisation, network and chance events per seed, so the differences between arms are the policies' "
        f"doing. Every arm is compared with the baseline arm, <b>{_e(baseline)}</b>.",
        raw=True,
    )

    page.section("What was compared")
    page.para("The arms, and how many of their runs finished.")
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    rows = []
    for arm in arms:
        mine = runs[runs["arm"] == arm] if len(runs) else runs
        scenario = (manifest.get("scenarios") or {}).get(arm, {})
        rows.append(
            [
                arm + (" (baseline)" if arm == baseline else ""),
                scenario.get("hash", ""),
                len(mine),
                int((mine["status"] == "failed").sum()) if len(mine) else 0,
            ]
        )
    page.table(["arm", "scenario hash", "runs", "runs that crashed"], rows, numeric=[2, 3])
    _status_note(page, manifest)

    page.section("How often each policy succeeded")
    page.para(
        "The share of runs whose verdict was success (enough people using the CRM as designed, and a return "
        "on investment that meets the scenario's bar), with a 95% interval for the true rate."
    )
    rows = []
    for arm in arms:
        mine = ok[ok["arm"] == arm] if len(ok) else ok
        wins = int((mine["verdict"] == "success").sum()) if len(mine) else 0
        low, high = wilson(wins, len(mine))
        rows.append([arm, len(mine), f"{wins / len(mine):.0%}" if len(mine) else "n/a", f"{low:.0%} to {high:.0%}"])
    page.table(["arm", "runs", "success rate", "95% interval"], rows, numeric=[1, 2])

    page.section("Differences from the baseline, seed by seed")
    table = _read_csv(folder / "comparison.csv")
    if table is None and len(ok) and baseline:
        table = compare_arms(runs, baseline, list(HEADLINE))
    if table is None or table.empty:
        page.para("No comparison table yet: no runs of two arms have finished on the same seeds.")
    else:
        page.para(
            "For each arm and outcome: the baseline's mean, the arm's mean, and their difference taken seed by "
            "seed with a 95% bootstrap interval. Where the interval does not include zero the difference is "
            "clear; 'better on' is the share of seeds on which the arm did better than the baseline."
        )
        rows = []
        for r in table.itertuples():
            label, kind = OUTCOME_LABELS.get(r.outcome, (r.outcome.replace("_", " "), "num"))
            clear = not (r.ci_low <= 0 <= r.ci_high) if not math.isnan(r.ci_low) else False
            rows.append(
                [
                    r.arm,
                    label,
                    fmt(r.baseline_mean, kind),
                    fmt(r.arm_mean, kind),
                    fmt(r.mean_difference, kind, signed=True),
                    f"{fmt(r.ci_low, kind, signed=True)} to {fmt(r.ci_high, kind, signed=True)}",
                    "yes" if clear else "no",
                    "" if pd.isna(r.p_better) else f"{r.p_better:.0%}",
                ]
            )
        page.table(
            ["arm", "outcome", "baseline", "arm", "difference", "95% interval", "clear?", "better on"],
            rows,
            numeric=[2, 3, 4, 5, 7],
            css="comparison",
        )
        page.section("The differences at a glance")
        page.para(
            "Each dot is an arm's mean difference to the baseline, seed by seed, with its 95% interval; the grey "
            "line is no change. Differences of shares are in percentage points."
        )
        import matplotlib.pyplot as plt

        fig = plot_paired(table, baseline, arms)
        page.image(figure_uri(fig), "paired differences")
        plt.close(fig)

    bands = _bands(folder)
    if bands is not None:
        page.section("Week by week")
        page.para(
            "The median run of each arm (line) and the middle half of runs (shaded), over the weeks: how the "
            "policies' paths part."
        )
        fig = plot_bands_grid(bands, arms)
        page.image(figure_uri(fig), "weekly bands by arm")
        import matplotlib.pyplot as plt

        plt.close(fig)
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def replicate_report(folder: Path) -> str:
    """The page of replications: success rate, spread of outcomes, weekly bands."""
    manifest = _read_json(folder / "manifest.json")
    runs = _read_runs(folder)
    scenario = next(iter((manifest.get("scenarios") or {}).values()), {})
    page = Page(f"Replications: {scenario.get('name', folder.name)}")
    page.para(
        f"The same scenario run on {manifest.get('replications', '?')} different seeds: different people, "
        "networks and chance events drawn from the same description, to show how much the outcome varies "
        "by luck alone."
    )
    page.section("What was run")
    page.para("The scenario, the number of runs and how many finished.")
    page.table(["", ""], _run_counts(manifest, runs, scenario), header=False)
    _status_note(page, manifest)
    _success_rate(page, runs)
    _distributions(page, runs)
    bands = _bands(folder)
    png = folder / "bands.png"
    if bands is not None or png.is_file():
        page.section("Week by week")
        page.para("The median run (line), the middle half of runs (dark band) and 90% of runs (light band).")
        if bands is not None:
            import matplotlib.pyplot as plt

            fig = plot_bands_grid(bands, [])
            page.image(figure_uri(fig), "weekly bands")
            plt.close(fig)
        else:
            page.image(file_uri(png), "weekly bands")
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def sweep_report(folder: Path) -> str:
    """The page of a sweep: design, parameters, failure rate, spread, sensitivity and discovery."""
    manifest = _read_json(folder / "manifest.json")
    runs = _read_runs(folder)
    sweep = manifest.get("sweep") or {}
    page = Page(f"Sweep: {sweep.get('name', folder.name)}")
    if sweep.get("description"):
        page.para(sweep["description"])
    page.para(
        "Many variants of a rollout, each a point drawn from the ranges below, to see which conditions and "
        "policies make a rollout succeed or fail."
    )

    page.section("What was run")
    page.para("The design that drew the points, and how many runs finished.")
    rows = [
        ["design", f"{manifest.get('design', sweep.get('design', '?'))} ({_design_text(sweep)})"],
        ["base scenario", (next(iter((manifest.get("scenarios") or {}).values()), {}) or {}).get("name", "")],
        ["replications per point", sweep.get("replications", manifest.get("replications", ""))],
        ["common random numbers", "yes" if sweep.get("common_random_numbers") else "no"],
        *_run_counts(manifest, runs, None),
    ]
    page.table(["", ""], rows, header=False)
    _status_note(page, manifest)

    params = []
    for key, spec in (sweep.get("uncertainties") or {}).items():
        params.append([key, "uncertainty", _distribution_text(spec)])
    for key, values in (sweep.get("levers") or {}).items():
        params.append([key, "lever (policy option)", ", ".join(_plain_value(v) for v in values)])
    for key, value in (sweep.get("set") or {}).items():
        params.append([key, "fixed", _plain_value(value)])
    if params:
        page.section("What varied")
        page.para(
            "Uncertainties are conditions outside a strategist's control, drawn from these distributions; "
            "levers are policy options, each tried at every point; fixed settings hold for every run."
        )
        page.table(["setting", "kind", "values"], params)

    _success_rate(page, runs, levers=list((sweep.get("levers") or {}).keys()))
    _distributions(page, runs)

    for path in sorted(folder.glob("sensitivity_*.png")):
        method = path.stem.removeprefix("sensitivity_")
        page.section(
            f"What drives the outcome ({'Sobol' if method == 'sobol' else method.title()} sensitivity analysis)"
        )
        page.para(
            "How much of the variation in each outcome is due to each setting: the larger the index, the more "
            "that setting matters (with its interactions for the total index)."
        )
        page.image(file_uri(path), f"sensitivity ({method})")
        md = path.with_suffix(".md")
        if md.is_file():
            page.details("The indices as a table", markdown_html(md.read_text(encoding="utf-8")), raw=True)
    if (folder / "discovery.png").is_file() or (folder / "discovery.md").is_file():
        page.section("Where the rollout fails (scenario discovery)")
        page.para(
            "Boxes of settings where the condition (by default: the rollout fails) holds for most runs, found "
            "with PRIM: coverage is the share of such runs the box holds, density the share of the box's runs "
            "in the condition."
        )
        if (folder / "discovery.png").is_file():
            page.image(file_uri(folder / "discovery.png"), "scenario discovery")
        if (folder / "discovery.md").is_file():
            page.raw(markdown_html((folder / "discovery.md").read_text(encoding="utf-8"), skip_title=True))
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def _run_counts(manifest: dict, runs: pd.DataFrame, scenario: dict | None) -> list[list]:
    rows = []
    if scenario:
        rows += [["scenario", scenario.get("name", "")], ["scenario hash", scenario.get("hash", "")]]
    crashed = int((runs["status"] == "failed").sum()) if len(runs) else 0
    rows += [
        ["runs planned", manifest.get("runs", "")],
        ["runs finished", len(runs)],
        ["runs that crashed", crashed],
    ]
    return rows


def _status_note(page: Page, manifest: dict) -> None:
    if manifest.get("status") not in (None, "complete"):
        page.note(
            f"This experiment is {manifest.get('status')}: {manifest.get('finished_runs', '?')} of "
            f"{manifest.get('runs', '?')} runs are done. Run the same command again to finish it."
        )


def _success_rate(page: Page, runs: pd.DataFrame, levers: list[str] | None = None) -> None:
    page.section("How often the rollout failed")
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if not len(ok):
        page.para("No runs have finished yet.")
        return
    fails = int((ok["verdict"] != "success").sum())
    low, high = wilson(fails, len(ok))
    page.para(
        f"Of {len(ok)} runs, {fails} failed: a failure rate of <b>{fails / len(ok):.0%}</b> (95% interval "
        f"{low:.0%} to {high:.0%}). A run fails when too few employees use the CRM as designed or it does not "
        "pay back, by the scenario's criteria.",
        raw=True,
    )
    for lever in levers or []:
        if lever not in ok:
            continue
        rows = []
        for value, group in ok.groupby(lever, sort=True):
            n_fail = int((group["verdict"] != "success").sum())
            lo, hi = wilson(n_fail, len(group))
            rows.append([_plain_value(value), len(group), f"{n_fail / len(group):.0%}", f"{lo:.0%} to {hi:.0%}"])
        page.para(f"The failure rate for each option of the lever {lever}:")
        page.table([lever, "runs", "failure rate", "95% interval"], rows, numeric=[1, 2])


def _distributions(page: Page, runs: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    outcomes = [c for c in HEADLINE if c in ok]  # the outcomes whose spread over runs is shown
    if not len(ok) or not outcomes:
        return
    page.section("The range of outcomes")
    page.para(
        "Across the runs: the outcome of the run in the middle (median), and the range that holds 90% of runs "
        "(from the 5th to the 95th percentile)."
    )
    rows = []
    for column in outcomes:
        label, kind = OUTCOME_LABELS[column]
        values = ok[column].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        if not len(values):
            continue
        q = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append([label, fmt(q[1], kind), f"{fmt(q[0], kind)} to {fmt(q[2], kind)}"])
    page.table(["outcome", "median", "90% of runs"], rows, numeric=[1, 2])
    page.para("How the runs spread, split by verdict (green: success, red: failure).")
    fig = plot_distributions(ok, outcomes)
    page.image(figure_uri(fig), "outcome distributions")
    plt.close(fig)


def _crashes(page: Page, runs: pd.DataFrame) -> None:
    failed = runs[runs["status"] == "failed"] if len(runs) else runs
    if not len(failed):
        return
    page.section("Runs that crashed")
    page.para("These runs raised an error and have no outcomes; the first few errors:")
    page.table(
        ["run", "seed", "error"],
        [[r.run, r.seed, str(r.error)[:300]] for r in failed.head(10).itertuples()],
        numeric=[0, 1],
    )


def _provenance(page: Page, manifest: dict, folder: Path) -> None:
    page.section("Where this came from")
    page.para("Enough to run it again: the experiment's hash and seed, how each run's seed was derived, the versions.")
    timings = manifest.get("timings") or {}
    rows = [
        ["experiment hash", manifest.get("experiment_hash", "")],
        ["seed", manifest.get("seed", "")],
        ["seeds", (manifest.get("seeds") or {}).get("rule", "")],
        ["versions", f"crmsim {manifest.get('crmsim', '?')}, Python {manifest.get('python', '?')}"],
        ["results folder", str(folder)],
    ]
    if timings:
        rows.append(
            [
                "time",
                f"{timings.get('seconds', '?')} s for {timings.get('ran_now', '?')} runs "
                f"({timings.get('backend', '')}, {timings.get('workers', '?')} workers)",
            ]
        )
    if manifest.get("sweep_file"):
        rows.append(["sweep file", manifest["sweep_file"]])
    page.table(["", ""], rows, header=False)
    page.details("The manifest (manifest.json)", json.dumps(_trim_manifest(manifest), indent=2, default=str))


def _trim_manifest(manifest: dict) -> dict:
    """The manifest without its long seed lists."""
    out = dict(manifest)
    seeds = dict(out.get("seeds") or {})
    for key in ("per_run", "per_replication"):
        if isinstance(seeds.get(key), list) and len(seeds[key]) > 10:
            seeds[key] = [*seeds[key][:10], f"... {len(seeds[key]) - 10} more"]
    if seeds:
        out["seeds"] = seeds
    return out


def _design_text(sweep: dict) -> str:
    design = sweep.get("design")
    samples = sweep.get("samples", "?")
    return {
        "grid": f"every combination, {sweep.get('grid_levels', '?')} levels per continuous setting",
        "lhs": f"{samples} points by Latin hypercube",
        "sobol": f"{samples} base samples in Saltelli's layout, for Sobol' indices",
        "monte_carlo": f"{samples} independent random points",
        "morris": f"{samples} Morris trajectories",
    }.get(design, f"{samples} points")


def _distribution_text(spec: dict) -> str:
    for name, values in spec.items():
        if values is None:
            continue
        values = list(values) if isinstance(values, list | tuple) else [values]
        if name == "uniform":
            return f"uniform from {values[0]:g} to {values[1]:g}"
        if name == "integers":
            return f"whole numbers from {values[0]} to {values[1]}"
        if name == "normal":
            return f"normal, mean {values[0]:g}, sd {values[1]:g}"
        if name == "triangular":
            return f"triangular from {values[0]:g} to {values[2]:g}, most likely {values[1]:g}"
        if name == "beta":
            return f"beta({values[0]:g}, {values[1]:g}) scaled to {values[2]:g}-{values[3]:g}"
        if name == "choice":
            return "one of " + ", ".join(_plain_value(v) for v in values)
        return f"{name}: {', '.join(_plain_value(v) for v in values)}"
    return ""


def _plain_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- figures ------------------------------------------------------------------------------


def plot_distributions(runs: pd.DataFrame, outcomes: list[str]):
    """Histograms of outcomes over runs, stacked by verdict."""
    import matplotlib.pyplot as plt

    cols = 3
    nrows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(13, 2.9 * nrows), squeeze=False)
    success = (runs["verdict"] == "success").to_numpy()
    for ax, column in zip(axes.flat, outcomes, strict=False):
        label, kind = OUTCOME_LABELS[column]
        values = runs[column].to_numpy(dtype=float)
        if kind == "year":
            values = values * 52
        keep = ~np.isnan(values)
        data = [values[keep & success], values[keep & ~success]]
        bins = np.histogram_bin_edges(values[keep], bins=min(30, max(5, int(keep.sum() ** 0.5) * 2)))
        ax.hist(data, bins=bins, stacked=True, color=[SUCCESS_COLOUR, FAILURE_COLOUR], label=["success", "failure"])
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("runs")
        ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
        if kind in ("pct", "spct", "year"):
            ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"{x:.0%}"))
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


ARM_COLOURS = ["#1f5fa8", "#e07b1a", "#2a9d55", "#8e44ad", "#b03a2e", "#16a085", "#7f8c8d", "#d4ac0d"]
#: Weekly series shown as bands, with their titles.
BAND_TITLES = {
    "intended_use": "Using it as designed",
    "gaming": "Gaming it",
    "ignoring": "Ignoring it",
    "data_quality": "Data quality",
    "cost_per_sale": "Cost per unit sale",
    "roi": "Return on investment (so far)",
}


def plot_bands_grid(bands: pd.DataFrame, arms: list[str]):
    """Weekly bands, three panels a row: per arm a median and its 50% band; one arm also its 90% band."""
    import matplotlib.pyplot as plt

    from sim.plots import BEHAVIOUR_COLOURS, STOCK_COLOURS

    columns = [c for c in BAND_TITLES if f"{c}_median" in bands]
    present = list(dict.fromkeys(bands["arm"])) if "arm" in bands else [None]
    order = [a for a in arms if a in present] + [a for a in present if a not in arms]
    cols = min(3, len(columns))
    nrows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(4.4 * cols, 3.0 * nrows), squeeze=False)
    single = len(order) == 1
    for ax, column in zip(axes.flat, columns, strict=False):
        for k, arm in enumerate(order):
            part = bands[bands["arm"] == arm] if arm is not None else bands
            colour = (
                {**BEHAVIOUR_COLOURS, **STOCK_COLOURS}.get(column, "#1f5fa8")
                if single
                else ARM_COLOURS[k % len(ARM_COLOURS)]
            )
            if single:
                ax.fill_between(
                    part["week"], part[f"{column}_q05"], part[f"{column}_q95"], color=colour, alpha=0.15, linewidth=0
                )
            ax.fill_between(
                part["week"], part[f"{column}_q25"], part[f"{column}_q75"], color=colour, alpha=0.3, linewidth=0
            )
            ax.plot(part["week"], part[f"{column}_median"], color=colour, label=str(arm))
        ax.set_title(BAND_TITLES[column], fontsize=10)
        ax.set_xlabel("week", fontsize=8)
        if column in ("intended_use", "gaming", "ignoring", "roi"):
            ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda y, _: f"{y:.0%}"))
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    if not single:
        axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_paired(table: pd.DataFrame, baseline: str, arms: list[str]):
    """Paired differences to the baseline with 95% intervals, three outcomes a row, in plain words."""
    import matplotlib.pyplot as plt

    outcomes = list(dict.fromkeys(table["outcome"]))
    present = list(dict.fromkeys(table["arm"]))
    order = [a for a in arms if a in present] + [a for a in present if a not in arms]
    cols = min(3, len(outcomes))
    nrows = math.ceil(len(outcomes) / cols)
    fig, axes = plt.subplots(
        nrows, cols, figsize=(4.6 * cols, (0.45 * len(order) + 1.4) * nrows), squeeze=False, sharey=True
    )
    y = np.arange(len(order))[::-1]
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        label, kind = OUTCOME_LABELS.get(outcome, (outcome.replace("_", " "), "num"))
        scale = {"pct": 100.0, "spct": 100.0, "year": 5200.0}.get(kind, 1.0)
        rows = table[table["outcome"] == outcome].set_index("arm").reindex(order)
        mid = rows["mean_difference"].to_numpy(dtype=float) * scale
        low = rows["ci_low"].to_numpy(dtype=float) * scale
        high = rows["ci_high"].to_numpy(dtype=float) * scale
        ax.errorbar(mid, y, xerr=[mid - low, high - mid], fmt="o", color="#1f5fa8", capsize=3)
        ax.axvline(0, color="#888888", linewidth=1)
        ax.set_yticks(y, order, fontsize=8)
        ax.set_ylim(-0.6, len(order) - 0.4)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("percentage points" if scale != 1.0 else "difference", fontsize=8)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(f"Difference to {baseline}, seed by seed (95% interval)", fontsize=10)
    fig.tight_layout()
    return fig


def _bands(folder: Path) -> pd.DataFrame | None:
    """Weekly bands: bands.parquet if written, else computed from the series, else None."""
    path = folder / "bands.parquet"
    if path.is_file():
        return _read_parquet(path)
    series = folder / "series"
    if not series.is_dir() or not any(series.glob("part-*.parquet")):
        return None
    from sim.analysis.bands import weekly_bands

    frame = pd.read_parquet(series)
    columns = [c for c in BAND_TITLES if c in frame]
    return weekly_bands(frame, columns) if columns else None


def figure_uri(fig, dpi: int = 90) -> str:
    """A matplotlib figure as a PNG data URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def file_uri(path: Path) -> str:
    """A PNG file as a data URI."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


# --- formatting ---------------------------------------------------------------------------


def fmt(value, kind: str = "num", signed: bool = False) -> str:
    """A number for a strategist: a share as a percentage, money with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    value = float(value)
    sign = "+" if signed else ""
    if kind == "pct":
        return f"{value:{sign}.0%}" if not signed else _signed_points(value)
    if kind == "spct":
        return f"{value:+.0%}" if not signed else _signed_points(value)
    if kind == "year":
        return f"{value * 52:{sign}.0%}" if not signed else _signed_points(value * 52)
    if kind == "money":
        return f"{value:{sign},.0f}"
    if kind == "int":
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.2f}" if abs(value) < 100 else f"{value:{sign},.0f}"


def _signed_points(value: float) -> str:
    """A difference of shares in percentage points."""
    return f"{value * 100:+.1f} pts"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (0, 1 when there are no runs)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def to_toml(data: dict) -> str:
    """A resolved scenario as TOML: top-level keys, then a [section] per table."""
    lines: list[str] = []

    def scalar(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple):
            return "[" + ", ".join(scalar(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{_key(k)} = {scalar(v)}" for k, v in value.items() if v is not None) + " }"
        if isinstance(value, int | float):
            return repr(value)
        return json.dumps(str(value))

    def table(prefix: str, node: dict) -> None:
        plain = {k: v for k, v in node.items() if not isinstance(v, dict)}
        nested = {k: v for k, v in node.items() if isinstance(v, dict)}
        if prefix and plain:
            lines.append("")
            lines.append(f"[{prefix}]")
        for key, value in plain.items():
            lines.append(f"# {_key(key)}: not set" if value is None else f"{_key(key)} = {scalar(value)}")
        for key, value in nested.items():
            table(f"{prefix}.{_key(key)}" if prefix else _key(key), value)

    table("", data)
    return "\n".join(lines).strip() + "\n"


def _key(key) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def markdown_html(text: str, skip_title: bool = False) -> str:
    """The Markdown crmsim writes (headings, paragraphs, tables, `code`, **bold**) as HTML."""
    out: list[str] = []
    paragraph: list[str] = []
    table: list[list[str]] = []

    def inline(s: str) -> str:
        s = _e(s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", s)

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if table:
            head, *body = [r for r in table if not re.fullmatch(r"[\s|:-]+", "|".join(r))]
            cells = "".join(f"<th>{inline(c)}</th>" for c in head)
            rows = "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
            out.append(f"<table><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table>")
            table.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            if paragraph:
                flush()
            table.append([c.strip() for c in stripped.strip("|").split("|")])
            continue
        if table:
            flush()
        heading = re.match(r"(#{1,6})\s+(.*)", stripped)
        if heading:
            flush()
            level = len(heading.group(1))
            if level == 1 and skip_title:
                continue
            out.append(f"<h{min(level + 2, 6)}>{inline(heading.group(2))}</h{min(level + 2, 6)}>")
        elif not stripped:
            flush()
        else:
            paragraph.append(stripped)
    flush()
    return "\n".join(out)


# --- the page -----------------------------------------------------------------------------


def _e(text) -> str:
    return html.escape(str(text), quote=True)


STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222; margin: 0;
       background: #fafafa; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5em 2em 3em; background: white; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3, h4, h5 { font-size: 1.05em; margin-top: 1.2em; }
p { max-width: 60em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.3em 0.8em 0.3em 0; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #bbb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.comparison td:first-child { white-space: nowrap; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.verdict { display: inline-block; padding: 0.25em 0.9em; border-radius: 4px; color: white; font-weight: bold;
           font-size: 1.2em; text-transform: uppercase; letter-spacing: 0.05em; }
.success { background: #2a9d55; } .failure { background: #b03a2e; } .unknown { background: #777; }
.note { background: #fff4e0; border-left: 4px solid #e07b1a; padding: 0.5em 1em; }
details { margin: 1em 0; } summary { cursor: pointer; font-weight: bold; }
pre { background: #f4f4f4; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { background: #f4f4f4; padding: 0 0.2em; }
footer { color: #777; font-size: 0.85em; margin-top: 3em; }
"""


class Page:
    """An HTML page built section by section; everything escaped unless marked raw."""

    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = [f"<h1>{_e(title)}</h1>"]

    def section(self, heading: str) -> None:
        self.parts.append(f"<h2>{_e(heading)}</h2>")

    def para(self, text: str, raw: bool = False) -> None:
        self.parts.append(f"<p>{text if raw else _e(text)}</p>")

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{_e(text)}</p>')

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    def verdict(self, verdict: str) -> None:
        css = verdict if verdict in ("success", "failure") else "unknown"
        self.parts.append(f'<p><span class="verdict {css}">{_e(verdict)}</span></p>')

    def table(
        self, columns: list[str], rows: list[list], numeric: list[int] = (), header: bool = True, css: str = ""
    ) -> None:
        head = "<thead><tr>" + "".join(f"<th>{_e(c)}</th>" for c in columns) + "</tr></thead>" if header else ""
        body = "".join(
            "<tr>"
            + "".join(f"<td{' class=num' if i in numeric else ''}>{_e(cell)}</td>" for i, cell in enumerate(row))
            + "</tr>"
            for row in rows
        )
        klass = f' class="{css}"' if css else ""
        self.parts.append(f"<table{klass}>{head}<tbody>{body}</tbody></table>")

    def image(self, uri: str, alt: str) -> None:
        self.parts.append(f'<img src="{uri}" alt="{_e(alt)}">')

    def details(self, summary: str, content: str, raw: bool = False) -> None:
        inner = content if raw else f"<pre>{_e(content)}</pre>"
        self.parts.append(f"<details><summary>{_e(summary)}</summary>{inner}</details>")

    def html(self) -> str:
        import sim

        body = "\n".join(self.parts)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
            f"<footer>Made by crmsim {_e(sim.__version__)} (crmsim report). This page is self-contained: "
            "it works offline and can be shared as one file.</footer>\n</main>\n</body>\n</html>\n"
        )


# --- reading ------------------------------------------------------------------------------


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(str(path), None, f"cannot be read as JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise InputError(str(path), None, "expected a JSON object")
    return data


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input
        raise InputError(str(path), None, f"cannot be read as Parquet ({exc.__class__.__name__})") from None


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path)
    except Exception as exc:  # noqa: BLE001
        raise InputError(str(path), None, f"cannot be read as CSV ({exc.__class__.__name__})") from None


def _read_runs(folder: Path) -> pd.DataFrame:
    """The runs dataset, sorted by run; an empty frame if no run has finished."""
    runs = folder / "runs"
    if not runs.is_dir() or not any(runs.glob("part-*.parquet")):
        return pd.DataFrame(columns=["run", "seed", "arm", "status", "verdict", "error"])
    frame = _read_parquet(runs)
    return frame.sort_values("run", kind="stable").reset_index(drop=True)
