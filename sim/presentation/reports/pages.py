"""The four report pages: a run, replications, a paired comparison and a sweep.

Each builder reads its folder and returns the page's HTML; it says what the reader sees, in
what order and in which words. The look is the templates' (sim.presentation.reports.document).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.analysis.paired import MIN_SEEDS
from sim.analysis.rates import JUDGED, tally, wilson
from sim.core.outcomes import HEADLINE
from sim.core.vocabulary import OPTIONS, PARTNER_OPTIONS, ROLES
from sim.experiments.store import in_use
from sim.presentation.reports.document import Page
from sim.presentation.reports.figures import figure_uri, file_uri, plot_bands_grid, plot_distributions, plot_paired
from sim.presentation.reports.markup import markdown_html, scenario_toml
from sim.presentation.reports.outcomes import OUTCOME_LABELS, RUN_HEADLINE, fmt
from sim.presentation.reports.reading import read_bands, read_csv, read_json, read_parquet, read_runs


def run_report(folder: Path) -> str:
    """The page of one run: verdict, headline outcomes, the three standard figures, events, scenario."""
    from sim.presentation import plots

    summary = read_json(folder / "summary.json")
    ts = read_parquet(folder / "timeseries.parquet")
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
            f"(orange) or ignored it (grey); for {ROLES['partner'].plural}: "
            f"{', '.join(OPTIONS[option].short for option in PARTNER_OPTIONS)}.",
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
        page.image(figure_uri(draw(ts, title=f"{title}: {name}")), title)

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
            f"{people.get('employees', '?')} employees, {people.get('partners', '?')} {ROLES['partner'].plural}, "
            f"{people.get('ties', '?')} ties",
        ],
        ["versions", ", ".join(f"{k} {v}" for k, v in versions.items())],
        ["run folder", str(folder)],
    ]
    if summary.get("imported_files_sha256"):
        prov.append(["imported organisation (sha256)", summary["imported_files_sha256"]])
    page.table(["", ""], prov, header=False)
    if resolved:
        page.details("The resolved scenario (every setting used, as TOML)", scenario_toml(resolved))
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


def compare_report(folder: Path) -> str:
    """The page of a paired comparison: success rates, paired differences, figures."""
    from sim.analysis.paired import compare_arms

    manifest = read_json(folder / "manifest.json")
    runs = read_runs(folder)
    arms = list(manifest.get("arms") or [])
    baseline = manifest.get("baseline") or (arms[0] if arms else "")
    names = sorted({s.get("name", "") for s in (manifest.get("scenarios") or {}).values()} - {""})
    page = Page(f"Policy comparison: {', '.join(names) or folder.name}")
    page.para(
        Markup(
            "Each policy (an 'arm') ran on the same {replications} seeds: the same organisation, network and "
            "chance events per seed, so the differences between arms are the policies' doing. Every arm is "
            "compared with the baseline arm, <b>{baseline}</b>."
        ).format(replications=manifest.get("replications", "?"), baseline=baseline)
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
    _status_note(page, manifest, runs, folder)

    table = read_csv(folder / "comparison.csv")
    if (table is None or "success_p" not in table) and len(ok) and baseline:  # none yet, or an older crmsim's
        table = compare_arms(runs, baseline, list(HEADLINE))
    page.section("How often each policy succeeded")
    page.para(
        "The share of judged runs whose verdict was success (enough people using the CRM as designed, and a "
        "return on investment that meets the scenario's bar), with a 95% interval for the true rate. A run "
        "that ended before the CRM went live is undetermined: counted apart, not as a failure. Every arm ran "
        "on the same seeds, so two arms are best told apart seed by seed: on how many seeds only the arm "
        "succeeded, and only the baseline (seeds where both succeeded or both failed say nothing about the "
        "difference), and McNemar's exact test that the two rates are the same (p). Separate intervals "
        "that overlap can hide a clear paired difference."
    )
    # the paired counts of each arm against the baseline, as the comparison table holds them
    paired = None if table is None or table.empty else table.groupby("arm", sort=False).first()
    rows = []
    for arm in arms:
        mine = ok[ok["arm"] == arm] if len(ok) else ok
        wins, judged = tally(mine["verdict"]) if len(mine) else (0, 0)
        low, high = wilson(wins, judged)
        rate = f"{wins / judged:.0%}" if judged else "n/a"
        seeds = ["", "", ""]
        if paired is not None and arm != baseline and arm in paired.index:
            r = paired.loc[arm]
            p = "n/a: no seed judged in both" if pd.isna(r["success_p"]) else f"{r['success_p']:.2g}"
            seeds = [int(r["success_won"]), int(r["success_lost"]), p]
        interval = f"{low:.0%} to {high:.0%}" if judged else "n/a"
        rows.append([arm, judged, len(mine) - judged, rate, interval, *seeds])
    page.table(
        [
            "arm",
            "judged runs",
            "undetermined",
            "success rate",
            "95% interval",
            "only the arm succeeded",
            "only the baseline succeeded",
            "p (paired)",
        ],
        rows,
        numeric=[1, 2, 3, 5, 6, 7],
    )

    page.section("Differences from the baseline, seed by seed")
    if table is None or table.empty:
        page.para("No comparison table yet: no runs of two arms have finished on the same seeds.")
    else:
        page.para(
            "For each arm and outcome, over the seeds on which both the arm and the baseline have a value: the "
            "baseline's mean, the arm's mean, and their difference taken seed by seed with a 95% bootstrap "
            f"interval (none with fewer than {MIN_SEEDS} seeds: too few to say). The interval covers chance from "
            "seed to seed at the scenario's values, not doubt about those values (a calibration to the "
            "organisation's own log carries that), and it narrows as seeds are added. Where the interval does not "
            "include zero the difference is clear; with many outcomes and arms, one in twenty clear differences "
            "can be luck. 'Better / same / worse' are the shares of seeds on which the arm did better than the "
            "baseline, the same, or worse."
        )
        rows = []
        for r in table.itertuples():
            label, kind = OUTCOME_LABELS.get(r.outcome, (r.outcome.replace("_", " "), "num"))
            few = math.isnan(r.ci_low)
            if r.seeds == 0:  # no seed on which both have a value (an arm or the baseline never went live)
                rows.append([r.arm, label, 0, "n/a", "n/a", "n/a", "n/a: no seed with a value in both", "", ""])
                continue
            rows.append(
                [
                    r.arm,
                    label,
                    r.seeds,
                    fmt(r.baseline_mean, kind),
                    fmt(r.arm_mean, kind),
                    fmt(r.mean_difference, kind, signed=True),
                    "too few seeds"
                    if few
                    else f"{fmt(r.ci_low, kind, signed=True)} to {fmt(r.ci_high, kind, signed=True)}",
                    "" if few else ("no" if r.ci_low <= 0 <= r.ci_high else "yes"),
                    "" if pd.isna(r.p_better) else f"{r.p_better:.0%} / {r.p_tied:.0%} / {r.p_worse:.0%}",
                ]
            )
        page.table(
            [
                "arm",
                "outcome",
                "seeds",
                "baseline",
                "arm",
                "difference",
                "95% interval",
                "clear?",
                "better / same / worse",
            ],
            rows,
            numeric=[2, 3, 4, 5, 6],
            css="comparison",
        )
        page.section("The differences at a glance")
        page.para(
            "Each dot is an arm's mean difference to the baseline, seed by seed, with its 95% interval; the grey "
            "line is no change. Differences of shares are in percentage points."
        )
        page.image(figure_uri(plot_paired(table, baseline, arms)), "paired differences")

    bands = read_bands(folder)
    if bands is not None:
        page.section("Week by week")
        page.para(
            "Each arm's median (line) and the middle half of its runs (shaded), taken week by week: how the "
            "policies' paths part. A band is not the path of any one run."
        )
        page.image(figure_uri(plot_bands_grid(bands, arms)), "weekly bands by arm")
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def replicate_report(folder: Path) -> str:
    """The page of replications: success rate, spread of outcomes, weekly bands."""
    manifest = read_json(folder / "manifest.json")
    runs = read_runs(folder)
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
    _status_note(page, manifest, runs, folder)
    _success_rate(page, runs)
    _distributions(page, runs)
    bands = read_bands(folder)
    png = folder / "bands.png"
    if bands is not None or png.is_file():
        page.section("Week by week")
        page.para(
            "The median (line), the middle half of runs (dark band) and 90% of runs (light band), each taken week "
            "by week: a band is not the path of any one run, and a run may leave it in some weeks."
        )
        if bands is not None:
            page.image(figure_uri(plot_bands_grid(bands, [])), "weekly bands")
        else:
            page.image(file_uri(png), "weekly bands")
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def sweep_report(folder: Path) -> str:
    """The page of a sweep: design, parameters, failure rate, spread, sensitivity and discovery."""
    manifest = read_json(folder / "manifest.json")
    runs = read_runs(folder)
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
    _status_note(page, manifest, runs, folder)

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

    independent = sweep.get("design") in ("monte_carlo", "lhs") and not sweep.get("common_random_numbers")
    _success_rate(page, runs, levers=list((sweep.get("levers") or {}).keys()), independent=independent)
    _distributions(page, runs)

    for path in sorted(folder.glob("sensitivity_*.png")):
        method, _, outcomes = path.stem.removeprefix("sensitivity_").partition("_")
        of = f", of {outcomes.replace('+', ', ')}" if outcomes else ""
        page.section(
            f"What drives the outcome ({'Sobol' if method == 'sobol' else method.title()} sensitivity analysis{of})"
        )
        page.para(
            "How much of the variation in each outcome is due to each setting: the larger the index, the more "
            "that setting matters (with its interactions for the total index)."
            if method == "sobol"
            else "How far each setting moves each outcome: mu* is the mean size of the change one step of the "
            "setting makes; a large sigma means its effect depends on the other settings or is not a straight line."
        )
        page.image(file_uri(path), f"sensitivity ({method})")
        md = path.with_suffix(".md")
        if md.is_file():
            text = md.read_text(encoding="utf-8")
            for warning in analysis_warnings(text):  # not hidden in the collapsed table
                page.note(warning)
            page.details("The indices as a table", markdown_html(text))
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
            page.markup(markdown_html((folder / "discovery.md").read_text(encoding="utf-8"), skip_title=True))
    _crashes(page, runs)
    _provenance(page, manifest, folder)
    return page.html()


def analysis_warnings(markdown: str) -> list[str]:
    """An analysis's notes, cautions and outcomes not computed, each with the outcome it is about:
    what a reader must see before the chart."""
    warnings, heading = [], ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line.removeprefix("## ")
        elif line.startswith(("Caution:", "Not computed:", "Note:")):
            warnings.append(f"{heading}: {line}" if heading else line)
    return warnings


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


def _status_note(page: Page, manifest: dict, runs: pd.DataFrame, folder: Path) -> None:
    """Whether the experiment is finished, counted from its saved runs (the manifest's counts are
    those of when it was last written); one whose command is gone says so."""
    status = manifest.get("status")
    if status in (None, "complete"):
        return
    if status == "running" and not in_use(folder):
        status = "stopped before it finished (no command is running it)"
    elif status == "running":
        status = "still running"
    page.note(
        f"This experiment is {status}: {len(runs)} of {manifest.get('runs', '?')} runs are done so far. "
        "Run the same command again to finish it."
    )


def _success_rate(page: Page, runs: pd.DataFrame, levers: list[str] | None = None, independent: bool = True) -> None:
    """The failure rate over the judged runs; with a 95% interval only where the runs are independent
    draws (replications, or a Monte Carlo or Latin hypercube sweep without common random numbers)."""
    page.section("How often the rollout failed")
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    judged = ok[ok["verdict"].isin(JUDGED)] if len(ok) else ok
    undetermined = len(ok) - len(judged)
    if not len(judged):
        page.para("No judged run has finished yet." + _undetermined_text(undetermined))
        return
    fails = int((judged["verdict"] == "failure").sum())
    low, high = wilson(fails, len(judged))
    interval = f" (95% interval {low:.0%} to {high:.0%})" if independent else ""
    page.para(
        Markup(
            "Of {n} judged runs, {fails} failed: a failure rate of <b>{rate:.0%}</b>{interval}. A run fails when "
            "too few employees use the CRM as designed or it does not pay back, by the scenario's criteria."
        ).format(n=len(judged), fails=fails, rate=fails / len(judged), interval=interval)
        + _undetermined_text(undetermined)
        + (
            ""
            if independent
            else " No interval is given: these runs are not independent draws (they share seeds, or the design "
            "makes points from one another), so a binomial interval would be too narrow."
        )
    )
    for lever in levers or []:
        if lever not in judged:
            continue
        rows = []
        for value, group in judged.groupby(lever, sort=True):
            n_fail = int((group["verdict"] == "failure").sum())
            lo, hi = wilson(n_fail, len(group))
            rows.append(
                [_plain_value(value), len(group), f"{n_fail / len(group):.0%}"]
                + ([f"{lo:.0%} to {hi:.0%}"] if independent else [])
            )
        page.para(f"The failure rate for each option of the lever {lever}:")
        page.table(
            [lever, "judged runs", "failure rate"] + (["95% interval"] if independent else []), rows, numeric=[1, 2]
        )


def _undetermined_text(count: int) -> str:
    if not count:
        return ""
    return f" {count} run{'s' if count > 1 else ''} ended before the CRM went live: undetermined, not counted."


def _distributions(page: Page, runs: pd.DataFrame) -> None:
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
    page.image(figure_uri(plot_distributions(ok, outcomes)), "outcome distributions")


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
