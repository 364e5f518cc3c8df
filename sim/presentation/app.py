"""The teaching dashboard: watch a CRM rollout's micro-decisions live, at the pace of talking.

``crmsim app [CASE]`` serves this page. A teacher picks a case to start from and sets the
policy levers (each shown with its value, in words, with the scenario file's dotted key beside
it); Step, Play and Reset drive the model, and Change course applies the policy levers set
mid-run from the next week on ("sanctions from week 30"). The page shows the network coloured
by what each person does, the behaviour shares by role, data quality and trust, and what the
choices add up to (drift, cost per sale, complaints and compensation, turnover); one person's
choice explained in words; a log of notable micro-actions; and, at the end, the verdict.

A plain Solara page rather than Mesa's SolaraViz: SolaraViz's framework controls (play
interval, render interval, page tabs) would reach the students, and its matplotlib components
took over a second a week to redraw. Here the pictures are SVG built from the weekly series
(``app_charts``) and the network's ties are laid out once per organisation, so a week is
redrawn in well under the time a teacher takes to speak a sentence. Each browser session gets
its own model.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from contextlib import nullcontext

import numpy as np
import solara

from sim.core.model import CRMRollout
from sim.core.scenario import Scenario, cases
from sim.presentation import app_charts, app_controls, plots
from sim.presentation.narration import NarratedRollout, explain_in_words, row_of, who

#: The case the page opens at (``crmsim app CASE`` sets it through the environment).
START = os.environ.get("CRMSIM_APP_CASE", "global_giant_telco")
#: Weeks a second while playing, at most (each week is drawn).
PLAY_RATE = 4.0


def start_scenario(name: str = START) -> Scenario:
    return Scenario.case(name) if name in cases() else Scenario.load(name)


_LAYOUTS: dict[str, app_charts.NetworkPicture] = {}
_LAYOUT_LOCK = threading.Lock()


def network(model: CRMRollout) -> app_charts.NetworkPicture:
    """The network's drawing, laid out once per organisation (its ties) and reused on reset."""
    a = model.org.adjacency
    key = hashlib.sha1(a.indptr.tobytes() + a.indices.tobytes() + model.org.role.tobytes()).hexdigest()
    with _LAYOUT_LOCK:
        if key not in _LAYOUTS:
            if len(_LAYOUTS) > 32:
                _LAYOUTS.clear()
            _LAYOUTS[key] = app_charts.network_picture(model, plots.network_layout(model, seed=0))
        return _LAYOUTS[key]


def build_model(levers: dict) -> NarratedRollout:
    """A new organisation from the case and the levers (dotted keys, as in scenario files)."""
    scenario = start_scenario(levers["scenario"])
    overrides = {key: value for key, value in levers.items() if key != "scenario"}
    return NarratedRollout(scenario.with_overrides(overrides, source="the dashboard"))


@solara.component
def WeekHeading(model: CRMRollout, week: int = 0):
    p = model.settings.policy
    solara.HTML(tag="h2", unsafe_innerHTML=f"Week {model.steps}")
    app_controls.Text(
        f"**{model.settings.name}**: {model.settings.description}\n\n"
        f"rollout: {p.rollout} · integration: {p.integration} · training: {p.training_hours:g} h · "
        f"sanctions: {p.sanctions:g} · mandate: {p.mandate:g} · style: {p.management_style}"
    )
    if not model.running:
        app_controls.Text(verdict_in_words(model))


def verdict_in_words(model: CRMRollout) -> str:
    """The end of the run: success or failure, and the two figures it was judged on."""
    v = model.verdict()
    if v["verdict"] == "undetermined":
        reason = v["reason"]
        return f"**The run is over: neither success nor failure can be judged.** {reason[:1].upper()}{reason[1:]}."
    crit = v["criteria"]
    use_ok = v["intended_use_last13"] >= crit["min_intended_use"]
    roi_ok = v["roi"] >= crit["min_roi"]
    weeks = min(13, model.steps - model.first_go_live + 1)  # the quarter's weeks live (sim.core.metrics.live_weeks)
    return (
        f"**The run is over: {v['verdict'].upper()}.** Intended use over the last "
        f"{weeks} week{'s' if weeks != 1 else ''} "
        f"{v['intended_use_last13']:.0%} (needs {crit['min_intended_use']:.0%}: {'met' if use_ok else 'not met'}); "
        f"return on the investment {v['roi']:+.2f} (needs {crit['min_roi']:+.2f}: {'met' if roi_ok else 'not met'})."
    )


@solara.component
def NetworkPanel(model: CRMRollout, week: int = 0, highlight: dict | None = None, lock=None):
    """Who does what: colour by behaviour, shape by role (``lock``: held while reading a model others step)."""
    picture = network(model)
    with lock or nullcontext():
        people = picture.people_svg(model.state.routine, highlight)
    # two layers: the ties never change, so only the people are sent to the browser each week
    with solara.Column(classes=["crm-network"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML=picture.ties_svg())
        solara.HTML(tag="div", unsafe_innerHTML=people, classes=["crm-layer"])
    solara.HTML(
        tag="div",
        unsafe_innerHTML=app_charts.network_legend() + f'<div class="crm-key">{picture.caption}</div>',
    )


@solara.component
def Charts(model: CRMRollout, week: int = 0, lock=None):
    """The weekly series so far: behaviour by role, data quality and trust, the organisation."""
    with lock or nullcontext():
        ts = model.recorder.frame()
    if ts.empty:
        app_controls.Text("*Press Step to start the first week.*")
        return
    solara.HTML(tag="h3", unsafe_innerHTML="Behaviour by role (share of those live), data quality and trust")
    beside = app_charts.data_quality_and_trust(ts)
    solara.HTML(tag="div", unsafe_innerHTML=app_charts.behaviour_by_role(ts, beside=beside))
    solara.HTML(tag="h3", unsafe_innerHTML="The organisation")
    solara.HTML(tag="div", unsafe_innerHTML=app_charts.organisation(ts))


@solara.component
def PersonPanel(model: CRMRollout, week: int, row: int, set_row):
    """Pick one person (by the slider, or by the number the log names them by): why they chose
    what they chose this week, in words; the network rings them."""
    row = min(row, model.org.n - 1)
    missing, set_missing = solara.use_state("")

    def find(text: str):
        text = text.strip()
        found = row_of(model, text)  # "108", or an imported id with spaces
        if found is None:
            found = row_of(model, text.split(" ")[-1])  # "sales rep 108"
        set_missing("" if found is not None else f"No person numbered {text.split(' ')[-1]!r} here.")
        if found is not None:
            set_row(found)

    app_controls.Labelled("person to explain", "", who(model, row))
    solara.SliderInt("", value=row, on_value=set_row, min=0, max=model.org.n - 1, thumb_label=False)
    solara.InputText("or type the number the log names them by, then Enter", value="", on_value=find)
    if missing:
        app_controls.Text(f"*{missing}*")
    drawn = network(model).rows
    if not np.isin(row, drawn):
        app_controls.Text(f"*Not among the {len(drawn)} people drawn in the network, so not ringed there.*")
    app_controls.Text(f"### {who(model, row)}\n\n" + explain_in_words(model, row))


def latest_events(model: CRMRollout, count: int = 14) -> list[tuple[int, str, str]]:
    """The last ``count`` events, the newest week first and each week's in the order they were
    told (a week's "... and 53 more" after the few it names)."""
    return sorted(model.events[-count:], key=lambda event: -event[0])


@solara.component
def EventLog(model: CRMRollout, week: int = 0, lock=None):
    """The latest notable micro-actions, newest first (``lock``: as for ``NetworkPanel``)."""
    with lock or nullcontext():
        events = latest_events(model)
    lines = "\n".join(f"- week {when}: {text}" for when, _, text in events) or "*Nothing yet.*"
    with solara.Column(classes=["crm-log"]):
        app_controls.Text(f"### What happened\n\n{lines}")


@solara.component
def Page():
    start = start_scenario()
    initial = solara.use_memo(lambda: app_controls.initial_levers(START, start), [])
    levers, set_levers = solara.use_state(initial)
    model = solara.use_memo(lambda: NarratedRollout(start), [])
    stepping = solara.use_memo(threading.Lock, [])  # a week and a change of course never overlap
    model_ref = solara.use_ref(model)
    applied = solara.use_ref(initial)  # the levers the running model has: those it was built or changed with
    # bumped after each step and reset, so everything below is redrawn for the new week
    week, set_week = solara.use_state(0)
    drawn = solara.use_ref(0)

    def redraw():
        drawn.current += 1
        set_week(drawn.current)

    playing, set_playing = solara.use_state(False)
    current = model_ref.current
    person, set_person = solara.use_state(0)  # the person explained, ringed on the network
    person = min(person, current.org.n - 1)

    def step():
        with stepping:
            if current.running:
                current.step()
        redraw()

    def reset():
        set_playing(False)
        set_person(0)  # a new organisation: row numbers name other people
        model_ref.current = build_model(levers)
        applied.current = levers
        redraw()

    waiting = app_controls.pending(levers, applied.current)
    now = [lever for lever in waiting if app_controls.can_change_mid_run(lever, current)]

    def change_course():
        """The policy levers set differently, from the next week on, in the running organisation."""
        changed = {lever.key: levers[lever.key] for lever in now}
        said = "; ".join(f"{app_controls.lever_words(lever)}: {app_controls.shown(levers[lever.key])}" for lever in now)
        with stepping:  # after Pause, the last week may still be being played
            current.change_policy(changed, "the dashboard", told="The policy changes", in_words=said)
        applied.current = {**applied.current, **changed}
        redraw()

    def play(cancel: threading.Event):
        while not cancel.is_set():
            started = time.perf_counter()
            with stepping:
                if not model_ref.current.running:
                    set_playing(False)
                    return
                model_ref.current.step()
            redraw()  # in this thread, before the next week
            cancel.wait(max(0.0, 1.0 / PLAY_RATE - (time.perf_counter() - started)))

    solara.use_thread(play if playing else (lambda cancel: None), dependencies=[playing], intrusive_cancel=False)

    solara.Title("crmsim: how a CRM rollout succeeds, drifts or fails")
    solara.Style(app_charts.STYLE + app_controls.STYLE)
    with solara.Columns([1, 3], style={"padding": "8px 16px"}):
        with solara.Column(classes=["crm-sidebar"]):
            with solara.Column(classes=["crm-sidebar-top"]):  # stays in sight while the levers scroll
                solara.HTML(tag="h3", unsafe_innerHTML="crmsim: a CRM rollout, week by week")
                with solara.Row():
                    solara.Button("Step", on_click=step, color="primary", disabled=playing or not current.running)
                    solara.Button(
                        "Pause" if playing else "Play",
                        on_click=lambda: set_playing(not playing),
                        disabled=not playing and not current.running,
                    )
                    solara.Button("Reset", on_click=reset, disabled=playing)
                if waiting:
                    app_controls.Text(app_controls.pending_in_words(waiting, now, current))
                    solara.Button(
                        f"Change course from week {current.steps + 1}",
                        on_click=change_course,
                        disabled=playing or not now or not current.running,
                    )
                else:
                    app_controls.Text(
                        "*Reset builds a new organisation from the levers below; a policy lever changed mid-run "
                        "can be applied from the next week.*"
                    )
            app_controls.Levers(levers, set_levers)
        with solara.Column():
            # the week as an argument: a component is redrawn when its arguments change
            WeekHeading(current, week)
            with solara.Columns([1, 1]):
                with solara.Column():
                    NetworkPanel(current, week, {person: who(current, person)})
                with solara.Column():  # beside the network: the person explained, then the log
                    PersonPanel(current, week, person, set_person).key(f"person in {id(current)}")  # anew on Reset
                    EventLog(current, week)
            Charts(current, week)
