"""The teaching dashboard: a Mesa SolaraViz app to watch a CRM rollout's micro-decisions live.

``crmsim app [CASE]`` serves this page. A teacher picks a case to start from and sets the
policy levers (named as in the scenario files); step, play and reset come from Mesa. The page
shows the network coloured by what each person does, the behaviour shares by role, data quality
and trust, and what the choices add up to (drift, cost per sale, complaints and compensation,
turnover); one person's choice explained in words; and a log of notable micro-actions.

Each browser session gets its own model (SolaraViz keeps a reactive model per session), and the
network layout is computed once per organisation and reused across resets.
"""

from __future__ import annotations

import hashlib
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import solara  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.core.model import CRMRollout  # noqa: E402
from sim.core.scenario import Scenario, cases  # noqa: E402
from sim.presentation import plots  # noqa: E402
from sim.presentation.narration import NarratedRollout, explain_in_words, who  # noqa: E402

#: The case the page opens at (``crmsim app CASE`` sets it through the environment).
START = os.environ.get("CRMSIM_APP_CASE", "global_giant_telco")


def levers(start: Scenario) -> dict:
    """The controls: the case to start from, the seed, and the policy levers, named as in scenario files."""
    p = start.policy
    return {
        "scenario": {
            "type": "Select",
            "label": "case to start from",
            "value": START,
            "values": cases() if START in cases() else [START, *cases()],
        },
        "seed": {"type": "SliderInt", "label": "seed", "value": start.run.seed, "min": 0, "max": 99, "step": 1},
        "policy.rollout": {"type": "Select", "value": p.rollout, "values": ["big_bang", "phased", "pilot"]},
        "policy.integration": {"type": "Select", "value": p.integration, "values": ["none", "partial", "full"]},
        "policy.training_hours": {"type": "SliderInt", "value": int(p.training_hours), "min": 0, "max": 40, "step": 1},
        "policy.sanctions": {"type": "SliderFloat", "value": p.sanctions, "min": 0.0, "max": 1.0, "step": 0.05},
        "policy.upsell_prompts": {"type": "Checkbox", "value": p.upsell_prompts},
        "policy.culture_programme": {
            "type": "SliderFloat",
            "value": p.culture_programme,
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
        },
        "policy.management_style": {"type": "Select", "value": p.management_style, "values": ["control", "organic"]},
        "policy.commitment": {"type": "SliderFloat", "value": p.commitment, "min": 0.0, "max": 1.0, "step": 0.05},
        "policy.mandate": {"type": "SliderFloat", "value": p.mandate, "min": 0.0, "max": 1.0, "step": 0.05},
        "policy.new_hire_training": {"type": "Checkbox", "value": p.new_hire_training},
    }


_LAYOUTS: dict[str, tuple] = {}


def layout(model: CRMRollout):
    """Node positions, computed once per organisation (the network's ties) and reused on reset."""
    a = model.org.adjacency
    key = hashlib.sha1(a.indptr.tobytes() + a.indices.tobytes()).hexdigest()
    if key not in _LAYOUTS:
        if len(_LAYOUTS) > 32:
            _LAYOUTS.clear()
        _LAYOUTS[key] = plots.network_layout(model, seed=0)
    return _LAYOUTS[key]


def _figure(fig) -> None:
    solara.FigureMatplotlib(fig, format="png", dpi=80)
    plt.close(fig)


def WeekCounter(model: CRMRollout):
    update_counter.get()
    p = model.settings.policy
    levers_now = (
        f"rollout: {p.rollout} · integration: {p.integration} · training: {p.training_hours:g} h · "
        f"sanctions: {p.sanctions:g} · style: {p.management_style}"
    )
    return solara.Markdown(
        f"## Week {model.steps}\n\n{model.settings.name}: {model.settings.description}\n\n{levers_now}"
    )


def Network(model: CRMRollout):
    """Who does what: colour by behaviour, shape by role."""
    update_counter.get()
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    plots.draw_network(ax, model, layout(model))
    return _figure(fig)


def _chart(model: CRMRollout, draw, empty: str = ""):
    """A figure of the weekly series so far, redrawn every week."""
    update_counter.get()
    ts = model.recorder.frame()
    if ts.empty:
        return solara.Markdown(empty)
    return _figure(draw(ts))


def Shares(model: CRMRollout):
    return _chart(
        model,
        lambda ts: plots.behaviour_by_role(ts, title="Behaviour by role", columns=3),
        "*Press Step to start the week.*",
    )


def DataAndTrust(model: CRMRollout):
    return _chart(model, plots.data_quality_and_trust)


def Organisation(model: CRMRollout):
    """Drift, cost per unit sale, complaints and compensation, turnover, the system, money."""
    return _chart(model, plots.organisation)


@solara.component
def PersonPanel(model: CRMRollout):
    """Pick one person: why they chose what they chose this week, in words."""
    update_counter.get()
    row, set_row = solara.use_state(0)
    row = min(row, model.org.n - 1)
    with solara.Column():
        solara.SliderInt("person", value=row, on_value=set_row, min=0, max=model.org.n - 1)
        solara.Markdown(f"### {who(model, row)}")
        solara.Markdown(explain_in_words(model, row))


def EventLog(model: CRMRollout):
    """The latest notable micro-actions, newest first."""
    update_counter.get()
    recent = model.events[-14:][::-1]
    if not recent:
        return solara.Markdown("### What happened\n\n*Nothing yet.*")
    lines = "\n".join(f"- week {week}: {text}" for week, _, text in recent)
    return solara.Markdown(f"### What happened\n\n{lines}")


def make_page():
    """The SolaraViz page for the starting case; called inside a session's Page."""
    start = Scenario.case(START) if START in cases() else Scenario.load(START)
    model = solara.use_memo(lambda: NarratedRollout(start), [])
    return SolaraViz(
        model,
        components=[WeekCounter, Network, Shares, PersonPanel, EventLog, DataAndTrust, Organisation],
        model_params=levers(start),
        name="crmsim: how a CRM rollout succeeds, drifts or fails",
        play_interval=200,
    )


@solara.component
def Page():
    # Built inside a component, so every browser session gets its own model.
    make_page()
