"""What a class reads: the week's events and a person's reasons, in words that do not mislead."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.presentation.narration import (
    PER_KIND,
    NarratedRollout,
    a_chance,
    row_of,
    term_words,
    terms_in_words,
    what_decided,
)


def test_the_events_name_many_reps_not_the_first_three_every_week_and_count_the_rest():
    model = NarratedRollout(
        Scenario.case("global_giant_telco").with_overrides({"org.employees": 200, "org.partners": 60})
    )
    named, weeks_with_more = set(), 0
    for _ in range(40):
        model.step()
        week = model.steps
        bent = len(model.flows.bent_terms)
        told = [text for w, kind, text in model.events if w == week and kind == "bent_terms"]
        reps = [t.split(" bent terms")[0] for t in told if " bent terms for " in t]
        named.update(reps)
        assert len(reps) == min(bent, PER_KIND)
        more = [t for t in told if t.startswith("... and ")]
        if bent > PER_KIND:
            weeks_with_more += 1
            assert more == [f"... and {bent - PER_KIND} more partners got bent terms this week"]
        else:
            assert more == []
    assert weeks_with_more >= 10  # the telco's reps bend terms for many partners a week
    assert len(named) > 3 * PER_KIND  # before: the same three reps, week after week


def test_integrity_reads_as_its_lack_when_it_pulls_towards_gaming():
    assert term_words("integrity", 0.59) == "few scruples about bending records"
    assert term_words("integrity", -0.3) == "personal integrity"
    assert terms_in_words([("what the CRM does for the job", 0.36), ("personal integrity", -0.3)]) == (
        "what the CRM does for the job (+0.36), personal integrity (-0.30)"
    )


def test_a_choice_is_explained_by_what_set_it_apart_from_the_next_most_likely_option():
    """A logit choice turns on differences: a term alike on two options decided nothing between
    them, and a cost heavier on the other option pulled towards this one."""
    explained = {
        "utilities": {"use": 0.40, "game": 0.55, "ignore": 0.10},
        "terms": {
            "use": {"manager": 0.24, "effort": -0.09, "double_entry": -0.12, "usefulness": 0.30},
            "game": {"manager": 0.24, "effort": -0.04, "double_entry": -0.06, "integrity": 0.19, "inertia": 0.48},
            "ignore": {"habit": 0.10},
        },
    }
    rival, pulls, holds = what_decided(explained, "game", 3)
    assert rival == "use"
    assert [words for words, _ in pulls] == [
        "the pull of the way they already work",
        "few scruples about bending records",  # integrity's words by its sign on gaming
        "entering everything twice",  # a cost, but a heavier one on using it as designed
    ]
    assert pulls[0][1] == pytest.approx(0.48) and pulls[2][1] == pytest.approx(0.06)
    assert holds == [("what the CRM does for the job", pytest.approx(-0.30))]
    assert "the manager's push" not in terms_in_words(pulls + holds)  # +0.24 on both: no difference
    rival, pulls, holds = what_decided(explained, "use", 3)
    assert rival == "game" and ("few scruples about bending records", pytest.approx(-0.19)) in holds


def test_a_chance_takes_the_article_it_is_read_with():
    assert [a_chance(p) for p in (0.08, 0.12, 0.8, 0.85, 0.11, 0.18, 0.5)] == [
        "an 8% chance",
        "a 12% chance",
        "an 80% chance",
        "an 85% chance",
        "an 11% chance",
        "an 18% chance",
        "a 50% chance",
    ]
    assert re.fullmatch(r"a \d+% chance", a_chance(0.3))


def test_a_person_who_carried_on_at_go_live_is_told_so_not_that_they_kept_a_routine():
    from sim.presentation.narration import explain_in_words

    scenario = Scenario.case("global_giant_telco").with_overrides({"org.employees": 120, "org.partners": 30})
    model = NarratedRollout(scenario)
    while model.steps < scenario.policy.go_live_week:
        model.step()
    carried = [r for r in range(model.org.n) if model.state.live[r] and not model.state.reconsidered[r]]
    assert carried  # most carry on at go-live: going live is a weak trigger
    text = explain_in_words(model, carried[0])
    assert "the CRM went live for" in text and "carried on the old process" in text
    assert "kept to their way of working" not in text
    model.step()
    later = explain_in_words(model, carried[0])
    assert "went live" not in later.split("**")[1]  # a week on, their routine is told as kept or changed


def test_a_new_hire_is_told_as_joining_not_by_their_predecessors_decision():
    from sim.presentation.narration import explain_in_words

    scenario = Scenario.case("global_giant_telco").with_overrides(
        {"org.employees": 120, "org.partners": 30, "roles.service.quit_weekly": 0.05, "roles.sales.quit_weekly": 0.05}
    )
    model = NarratedRollout(scenario)
    hired = []
    while not hired and model.running:
        model.step()
        hired = [r for r in range(model.org.n) if model.state.live[r] and model.state.just_hired[r]]
    assert hired
    text = explain_in_words(model, hired[0])
    assert "joined this week" in text and "reconsidered" not in text and "kept to" not in text


def test_a_person_is_found_by_the_id_the_log_and_tables_give_them(org_csvs):
    alone = CRMRollout(Scenario.default().with_overrides({"org.employees": 60, "org.partners": 10}), people=False)
    for row in (0, 17, 59, 69):
        assert row_of(alone, alone.person_id(row)) == row
    assert row_of(alone, 70) is None and row_of(alone, "sales rep 3") is None and row_of(alone, "-1") is None
    batch = CRMRollout(Scenario.default().with_overrides({"org.employees": 60, "org.partners": 10}), seeds=[1, 2])
    for person in (0, 30, 65):  # a batch names people as their organisation does: the first one's is found
        found = row_of(batch, person)
        assert batch.blocks.of_row[found] == 0 and batch.person_id(found) == person
    people, edges = org_csvs
    imported = CRMRollout(
        Scenario.default().with_overrides({"org.people_csv": str(people), "org.edges_csv": str(edges)})
    )
    for person in ("P1", "M2", "V2"):
        assert imported.person_id(row_of(imported, person)) == person
    assert row_of(imported, "P3") is None and row_of(imported, "0") is None


def test_a_kept_way_of_working_is_told_since_the_week_it_was_taken_up():
    from sim.presentation.narration import explain_in_words

    model = NarratedRollout(
        Scenario.case("global_giant_telco").with_overrides({"org.employees": 200, "org.partners": 40})
    )
    took_up = {}
    for _ in range(16):
        model.step()
        state = model.state
        for row in np.flatnonzero((state.routine != state.previous_routine) & (state.previous_routine >= 0)):
            took_up[int(row)] = model.steps
    kept = [r for r, w in took_up.items() if w < model.steps and not model.state.reconsidered[r]]
    carried = [r for r in range(model.org.employees) if r not in took_up and not model.state.reconsidered[r]]
    assert kept and carried
    for row in kept:
        since = "since last week" if took_up[row] == model.steps - 1 else f"since week {took_up[row]}"
        assert f"as they have {since}." in explain_in_words(model, row)
    went_live = model.settings.policy.go_live_week
    assert f"since the CRM went live for them in week {went_live}." in explain_in_words(model, carried[0])


def test_every_trigger_has_its_words():
    from sim.core.mechanisms.routine import TRIGGERS
    from sim.presentation.narration import BECAUSE, FROM

    assert set(BECAUSE) == set(FROM) == {*TRIGGERS, None}
