"""The dashboard's SVG pictures: the network shows every drawn person in the colour of what they
do, the ties once; the charts reach the last week and name their series in words."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.core.scenario import Scenario
from sim.presentation import app, app_charts, app_controls, plots
from sim.presentation.narration import NarratedRollout


@pytest.fixture(scope="module")
def model():
    m = NarratedRollout(Scenario.case("global_giant_telco").with_overrides({"org.employees": 120, "org.partners": 40}))
    for _ in range(8):
        m.step()
    return m


def _shapes_by_colour(svg: str) -> dict[str, int]:
    """How many people each colour's path draws (one 'M' per person)."""
    return {colour: d.count("M") for d, colour in re.findall(r'<path d="([^"]+)" fill="(#[0-9a-f]{6})"', svg)}


def test_the_network_colours_each_drawn_person_by_what_they_do(model):
    picture = app.network(model)
    behaviour = model.state.routine
    counts = _shapes_by_colour(picture.people_svg(behaviour))
    drawn = behaviour[picture.rows]
    for k in (0, 1, 2):
        assert counts.get(plots.OPTION_COLOURS[k], 0) == int((drawn == k).sum())
    assert sum(counts.values()) == len(picture.rows)
    # everyone switched to using the CRM: one green path holds them all
    assert _shapes_by_colour(picture.people_svg(np.zeros_like(behaviour))) == {
        plots.OPTION_COLOURS[0]: len(picture.rows)
    }


def test_the_ties_are_laid_out_once_per_organisation(model):
    assert app.network(model) is app.network(model)
    ties = app.network(model).ties_svg()
    assert "fill" in ties and ties == app.network(model).ties_svg()
    assert app.network(model).people_svg(model.state.routine).count("stroke-width") <= 5  # a path per colour


def test_students_people_are_ringed_and_labelled(model):
    picture = app.network(model)
    row = int(picture.rows[3])
    svg = picture.people_svg(model.state.routine, {row: "s1"})
    assert svg.count("<circle") == 1 and ">s1</text>" in svg


def test_the_charts_reach_the_last_week_and_name_their_series(model):
    ts = model.recorder.frame()
    shares = app_charts.behaviour_by_role(ts)
    assert shares.count('class="crm-chart"') == len(app_charts.role_share_panels(ts))
    assert f"week {int(ts['week'].iloc[-1])}" in shares
    assert "use as designed / self-serve" in shares and "game / go around" in shares
    assert "data quality" in app_charts.data_quality_and_trust(ts)
    organisation = app_charts.organisation(ts)
    for title, _ in app_charts.ORGANISATION_CHARTS:
        assert title in organisation
    # every series the printed figure shows is on the page too, one unit to a chart
    printed = {c for _, columns in plots.ORGANISATION_PANELS for c in columns}
    assert printed == {c for _, columns in app_charts.ORGANISATION_CHARTS for c in columns}


def test_a_chart_of_zeros_has_an_axis_from_0_to_1_not_to_a_tiny_number(model):
    ts = model.recorder.frame().assign(complaints=0.0)
    chart = app_charts.lines(ts, "Complaints", [("complaints", "complaints", "#000000")])
    labels = re.findall(rf'text-anchor="end" font-size="{app_charts.AXIS_FONT}" fill="#555">([^<]+)<', chart)
    assert labels[:2] == ["1", "0"]


def test_every_lever_shows_words_and_its_key(model):
    values = app_controls.initial_levers("global_giant_telco", model.settings)
    assert set(values) == {lever.key for lever in app_controls.LEVERS}
    assert values["policy.integration"] == model.settings.policy.integration
    for lever in app_controls.LEVERS:
        assert lever.words and not lever.words.startswith("policy.")
    built = app.build_model({**values, "policy.integration": "full", "run.seed": 7})
    assert built.settings.policy.integration == "full" and built.settings.run.seed == 7
    other = Scenario.case("call_centre_integration")
    assert app_controls.initial_levers("call_centre_integration", other)["policy.integration"] == (
        other.policy.integration
    )


def test_the_end_of_the_run_is_told_with_its_verdict_and_what_it_was_judged_on():
    from sim.presentation.app import verdict_in_words

    scenario = Scenario.case("global_giant_telco").with_overrides(
        {"org.employees": 60, "org.partners": 10, "run.weeks": 20}
    )
    model = NarratedRollout(scenario)
    while model.running:
        model.step()
    v = model.verdict()
    text = verdict_in_words(model)
    assert text.startswith(f"**The run is over: {v['verdict'].upper()}.**")
    assert f"{v['intended_use_last13']:.0%}" in text and f"{v['roi']:+.2f}" in text
    crit = v["criteria"]
    unmet = (v["intended_use_last13"] < crit["min_intended_use"]) + (v["roi"] < crit["min_roi"])
    assert text.count("not met") == unmet and (unmet > 0) == (v["verdict"] == "failure")


def test_a_run_that_ends_before_go_live_is_told_as_not_judged():
    from sim.presentation.app import verdict_in_words

    scenario = Scenario.case("global_giant_telco").with_overrides(
        {"org.employees": 60, "org.partners": 10, "run.weeks": 3, "policy.go_live_week": 8}
    )
    model = NarratedRollout(scenario)
    while model.running:
        model.step()
    text = verdict_in_words(model)
    assert "neither success nor failure can be judged" in text and "before the CRM went live" in text
    assert "met" not in text


def test_the_log_shows_the_newest_week_first_and_each_week_in_its_order():
    model = NarratedRollout(
        Scenario.case("global_giant_telco").with_overrides({"org.employees": 200, "org.partners": 80})
    )
    for _ in range(12):
        model.step()
    recent = app.latest_events(model)
    assert len(recent) == 14 and recent[0][0] == model.steps
    events = app.latest_events(model, count=len(model.events))
    weeks = [week for week, _, _ in events]
    assert weeks == sorted(weeks, reverse=True) and len(set(weeks)) > 1
    for week in set(weeks):  # as told: a week's "... and N more" after the ones it names
        assert [e for e in events if e[0] == week] == [e for e in model.events if e[0] == week]
    mores = [k for k, (_, _, text) in enumerate(events) if text.startswith("... and ")]
    assert mores and all(events[k - 1][1] == events[k][1] and events[k - 1][0] == events[k][0] for k in mores)


def test_the_organisation_charts_speak_in_words_and_draw_shares_to_one(model):
    ts = model.recorder.frame()
    ts["benefits_realised"] = np.linspace(0, 0.007, len(ts))  # a little: it must not fill the chart
    page = app_charts.organisation(ts)
    benefits = page.split("Planned benefits realised (share)", 1)[1].split('class="crm-panel"')[0]
    labels = re.findall(rf'text-anchor="end" font-size="{app_charts.AXIS_FONT}" fill="#555">([^<]+)<', benefits)
    assert labels[:2] == ["1", "0"]
    assert "return on investment" in page and "marketing-service conflict" in page
    for raw in ("morale sales", "turnover service", ">roi<"):
        assert raw not in page


def test_the_rollout_changes_a_run_only_while_someone_is_not_live(model):
    rollout = next(lever for lever in app_controls.LEVERS if lever.key == "policy.rollout")
    mandate = next(lever for lever in app_controls.LEVERS if lever.key == "policy.mandate")
    assert model.state.live.all()  # week 8 of the telco: everyone is live
    assert not app_controls.can_change_mid_run(rollout, model) and app_controls.can_change_mid_run(mandate, model)
    said = app_controls.pending_in_words([rollout, mandate], [mandate], model)
    assert "Change course applies how strongly management mandates use to this organisation" in said
    assert "; rollout only on Reset (everyone is live: the rollout's schedule is past)." in said
    fresh = NarratedRollout(Scenario.case("global_giant_telco").with_overrides({"org.employees": 120}))
    assert app_controls.can_change_mid_run(rollout, fresh)
    fresh.change_policy({"policy.mandate": 0.9}, "a test", told="The policy changes", in_words="mandate: 0.9")
    assert fresh.events[-1][2] == "The policy changes: mandate: 0.9."
