"""The report page of a calibration folder (``crmsim calibrate``): what the log pins down, whether
the model reproduces it, the forecast and the arms.

It reads ``calibration.json``, ``forecast.parquet``, ``observed.parquet`` and
``posterior.parquet``, and draws the figures again from them (``sim.presentation.calibration_plots``).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt

from sim.experiments.store import in_use
from sim.presentation import calibration_plots
from sim.presentation.reports.document import Page
from sim.presentation.reports.figures import figure_uri
from sim.presentation.reports.reading import read_json, read_parquet


def calibration_report(folder: Path) -> str:
    summary = read_json(folder / "calibration.json")
    forecast = read_parquet(folder / "forecast.parquet")
    observed = read_parquet(folder / "observed.parquet")
    posterior = read_parquet(folder / "posterior.parquet")
    page = Page(f"Calibration: {summary.get('name', folder.name)}")
    status = (read_json(folder / "manifest.json") or {}).get("status")
    if status != "complete":  # a calibration run again (resumed, or longer) that has not finished
        page.note(
            "This calibration has not finished: what follows is the last complete fit the folder holds, "
            "not the one it was asked to make since. "
            + (
                "A calibrate command is running in the folder now; make this report again when it is done."
                if in_use(folder)
                else f"Its folder says {status or 'nothing'}: run the same calibrate command again to finish "
                "it, then this report."
            )
        )
    if summary.get("description"):
        page.para(summary["description"])
    seen = summary["observed"]
    page.para(
        f"The scenario {summary.get('scenario')!s} was fitted to {seen['cells']} observed values "
        f"({', '.join(seen['columns'])}) from week {seen['first_week']} to week {seen['last_week']}, by "
        f"{summary['method']['name']} ({summary['method']['library']}) in {len(summary['generations'])} generations "
        f"and {summary['simulations']} simulations."
    )

    fit = summary["fit"]
    page.section("Does the model reproduce the log?")
    if fit["misfit"]:
        page.note(
            "No: the log lies farther from the calibrated model's runs than almost all of the model's own "
            f"replicates (posterior predictive p-value {fit['p_value']:.2f}). The forecast and the arms below "
            "come from a model that cannot produce what was observed: read them with that in mind."
        )
    else:
        page.para(
            "No evidence of misfit: the log is not farther from the calibrated model's runs than the model's "
            f"own replicates often are (posterior predictive p-value {fit['p_value']:.2f}; "
            f"{fit['outside_90']:.0%} of the observed values fall outside the 90% band of the calibrated runs, "
            "by more than half a percentage point). "
            "This is a weak check, not proof of a good fit: the log was used to fit the model, which makes the "
            "p-value lean high, and a band wide enough holds every value."
        )
    generations = summary.get("generations") or []
    if generations:
        epsilon, ess = generations[-1].get("epsilon"), summary.get("effective_sample_size")
        accepted = (
            f"the last accepted runs within a distance of {epsilon:.3g} standard errors of the log"
            if isinstance(epsilon, int | float) and math.isfinite(epsilon)
            else "its first generation accepts every run it draws (it sets no distance limit yet), so the fit "
            "is still the prior, not yet narrowed by the log"
        )
        sample = f", with an effective sample size of {ess:.0f} particles" if isinstance(ess, int | float) else ""
        page.para(
            f"The search: {len(generations)} {'generation' if len(generations) == 1 else 'generations'}, "
            f"{summary['simulations']} simulations; {accepted}{sample}. "
            "A small budget leaves intervals wide: a parameter may be 'not identified' by this search, not by "
            "the log itself; more generations (the same command resumes) can tell which."
        )

    page.section("What the log pins down")
    page.para(
        "Posterior median and credible intervals of each fitted parameter. Contraction is how much the log "
        f"narrowed the 90% interval of the prior; a parameter is identified when {summary['identified_rule']}. "
        "A parameter that is not identified keeps (about) its prior: the log says little about it, and the "
        "forecast carries that uncertainty."
    )
    rows = []
    for key, p in summary["parameters"].items():
        prior = ", ".join(f"{kind} {values}" for kind, values in p["prior"].items())
        rows.append(
            [
                key,
                prior,
                f"{p['median']:.3g}",
                f"{p['ci50'][0]:.3g} to {p['ci50'][1]:.3g}",
                f"{p['ci90'][0]:.3g} to {p['ci90'][1]:.3g}",
                f"{p['contraction']:.2f}",
                "yes" if p["identified"] else "no",
            ]
        )
    page.table(
        ["parameter", "prior", "median", "50% interval", "90% interval", "contraction", "identified"],
        rows,
        numeric=[2, 5],
    )
    fig = calibration_plots.posterior_pairs(posterior, summary["parameters"])
    page.image(figure_uri(fig), "Posterior marginals and pairs")
    plt.close(fig)

    page.section("The forecast")
    page.para(
        f"Weeks 1 to {summary['forecast']['weeks']}: the median and the 50% and 90% bands of the calibrated "
        "runs, carrying on as now; the dots are the observed weeks. Each band is a posterior predictive "
        "band: it holds both what is not known about the parameters and the chance in how a rollout unfolds. "
        "It is a band of the organisation's shares, without the sampling noise of an audit or survey: an "
        "observed value counted over a sample (a COLUMN_n in the log) may fall outside it by that noise alone."
    )
    fig = calibration_plots.forecast_bands(forecast, observed, seen["last_week"], summary["forecast"]["columns"])
    page.image(figure_uri(fig), "Observed weeks and forecast")
    plt.close(fig)

    arms = summary.get("arms") or {}
    page.section("What to do next")
    if len(arms) <= 1:
        page.para("The spec compares no arms: add an [arms] table to compare policy changes.")
    else:
        page.para(
            f"Each arm changes the policy from week {summary['forecast']['from_week']} on; it is run on the same "
            "posterior draws and seeds as carrying on, so each difference is paired. Intervals are 90%. "
            "P(success) is the share of posterior draws whose run ends in success by the scenario's verdict "
            "(enough intended use over the last 13 weeks, and a return on investment at its bar); P(better) "
            "the share whose intended use over the last 13 weeks is higher than carrying on, draw by draw."
        )
        rows = []
        for name, arm in arms.items():
            use = arm.get("intended_use_last13") or {}
            versus = arm.get("versus_carry_on") or {}
            diff = versus.get("intended_use_last13") or {}
            rows.append(
                [
                    name,
                    f"{arm['success_probability']:.0%}",
                    f"{use.get('median', float('nan')):.0%}",
                    _points(diff) if diff else "",
                    f"{versus['probability_better']:.0%}" if versus else "",
                ]
            )
        page.table(
            ["arm", "P(success)", "intended use, last 13 weeks", "difference from carrying on (points)", "P(better)"],
            rows,
            numeric=[1, 2],
        )
        fig = calibration_plots.arms_effects(arms)
        page.image(figure_uri(fig), "Arms against carrying on")
        plt.close(fig)
    return page.html()


def _points(diff: dict) -> str:
    """A difference of two shares in percentage points, with its interval (not a percentage of a percentage)."""
    return f"{diff['median'] * 100:+.1f} pts ({diff['ci90'][0] * 100:+.1f} to {diff['ci90'][1] * 100:+.1f})"
