"""The classroom without a browser: seats by the teacher's mix, leaving, the advancing rule, the
students' choices taken as their people's behaviour, the decisions file, several classes apart."""

from __future__ import annotations

import gc
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.presentation.classroom import views
from sim.presentation.classroom.record import COLUMNS, DecisionsFile, check_folder
from sim.presentation.classroom.registry import Registry
from sim.presentation.classroom.session import Classroom, ClassroomError, options_of

SMALL = {"org.employees": 60, "org.partners": 20, "run.weeks": 30, "policy.go_live_week": 3}


@pytest.fixture
def scenario() -> Scenario:
    return Scenario.case("global_giant_telco").with_overrides(SMALL)


@pytest.fixture
def classroom(scenario) -> Classroom:
    return Classroom(scenario, "TEST")


def test_the_class_starts_at_go_live_and_every_seat_is_live(classroom):
    assert classroom.week == classroom.model.first_go_live
    students = [classroom.join() for _ in range(5)]
    assert all(classroom.live_next_week(classroom.seats[s].row) for s in students)
    assert len({classroom.seats[s].row for s in students}) == 5


def test_seats_follow_the_teachers_mix(scenario):
    classroom = Classroom(scenario, "MIX", mix={"sales": 2, "service": 0, "manager": 0, "partner": 1})
    roles = [classroom.seats[classroom.join()].role for _ in range(6)]
    assert roles.count("sales") == 4 and roles.count("partner") == 2
    classroom.set_mix({"sales": 0, "service": 1, "manager": 0, "partner": 0})
    assert classroom.seats[classroom.join()].role == "service"
    with pytest.raises(ClassroomError):
        classroom.set_mix({"sales": 0, "service": 0, "manager": 0, "partner": 0})
    with pytest.raises(ClassroomError):
        classroom.set_mix({"cleaners": 1})


def test_a_student_who_leaves_frees_the_seat_to_the_model(classroom):
    first, second = classroom.join(), classroom.join()
    row, role = classroom.seats[first].row, classroom.seats[first].role
    classroom.choose(first, options_of(role)[1])
    classroom.leave(first)
    assert first not in classroom.seats and first not in classroom.choices
    week = classroom.week
    classroom.choose(second, options_of(classroom.seats[second].role)[0])  # the only student left
    assert classroom.week == week + 1
    assert [d.student for d in classroom.decisions] == [second]  # the model played the freed person
    assert row not in {seat.row for seat in classroom.seats.values()}  # the model plays the freed person


def test_the_week_is_played_when_the_last_undecided_student_leaves(classroom):
    classroom.leave_grace = 0.0
    a, b = classroom.join(), classroom.join()
    week = classroom.week
    classroom.choose(a, options_of(classroom.seats[a].role)[0])
    assert classroom.week == week  # b has not decided
    classroom.leave(b)  # b closes the page: everyone left has decided
    assert classroom.week == week + 1 and [d.student for d in classroom.decisions] == [a]


def test_a_student_who_reloads_within_the_grace_is_waited_for(classroom):
    import time

    classroom.leave_grace = 0.3
    a, b = classroom.join(), classroom.join()
    week, token = classroom.week, classroom.seats[b].token
    classroom.choose(a, options_of(classroom.seats[a].role)[0])
    classroom.leave(b, classroom.seats[b].page)  # the old page closes first...
    assert classroom.rejoin(token) == b  # ...and the new one takes the seat back
    time.sleep(0.6)
    assert classroom.week == week  # not played without b
    classroom.leave(b)  # gone for good
    time.sleep(0.6)
    assert classroom.week == week + 1


def test_a_new_student_does_not_get_the_person_of_one_who_may_come_back(classroom):
    classroom.set_mix({"sales": 1, "service": 0, "manager": 0, "partner": 0})
    a = classroom.join()
    row, token = classroom.seats[a].row, classroom.seats[a].token
    classroom.leave(a)
    b = classroom.join()
    assert classroom.seats[b].row != row
    assert classroom.rejoin(token) == a and classroom.seats[a].row == row


def test_a_reloaded_page_gets_its_seat_person_and_choice_back(classroom):
    a, b = classroom.join(), classroom.join()
    seat = classroom.seats[a]
    row, token = seat.row, seat.token
    classroom.choose(a, options_of(seat.role)[2])
    old_page = seat.page
    # the new page comes first, then the old one closes: the old page does not free the seat
    assert classroom.rejoin(token) == a
    classroom.leave(a, old_page)
    assert a in classroom.seats and classroom.choices[a] == 2 and classroom.seats[a].row == row
    # the old page closes first (the seat is freed), then the new page comes: all back
    page = classroom.seats[a].page
    classroom.leave(a, page)
    assert a not in classroom.seats
    assert classroom.rejoin(token) == a
    assert classroom.seats[a].row == row and classroom.choices[a] == 2
    assert classroom.rejoin("not-a-token") is None
    assert sorted(classroom.seats) == [a, b]  # no new student was made
    week = classroom.week
    classroom.choose(b, options_of(classroom.seats[b].role)[0])
    assert classroom.week == week + 1 and sorted(d.student for d in classroom.decisions) == [a, b]


def test_a_choice_left_in_a_week_since_played_is_not_brought_back(classroom):
    a, b = classroom.join(), classroom.join()
    token = classroom.seats[a].token
    classroom.choose(a, options_of(classroom.seats[a].role)[1])
    classroom.leave(a)
    classroom.choose(b, options_of(classroom.seats[b].role)[0])  # the week is played without a
    assert classroom.rejoin(token) == a and a not in classroom.choices


def test_the_week_is_played_when_everyone_has_decided(classroom):
    a, b = classroom.join(), classroom.join()
    week = classroom.week
    classroom.choose(a, options_of(classroom.seats[a].role)[0])
    assert classroom.week == week  # b has not decided
    assert classroom.waiting_for() == [b]
    classroom.choose(b, options_of(classroom.seats[b].role)[2])
    assert classroom.week == week + 1
    assert [d.student for d in classroom.decisions] == [a, b]


def test_the_teacher_may_hold_the_week_and_play_it_alone(classroom):
    classroom.set_rules(advance_when_all_decided=False)
    a = classroom.join()
    week = classroom.week
    classroom.choose(a, options_of(classroom.seats[a].role)[1])
    assert classroom.week == week
    classroom.advance()
    assert classroom.week == week + 1 and len(classroom.decisions) == 1


def test_the_timer_plays_the_week(classroom):
    classroom.set_rules(advance_when_all_decided=False, timer_seconds=30)
    classroom.join()
    week = classroom.week
    assert not classroom.advance_if_due(now=classroom.week_started + 10)
    assert classroom.week == week
    assert classroom.advance_if_due(now=classroom.week_started + 31)
    assert classroom.week == week + 1


def test_the_played_person_does_what_the_student_chose(scenario):
    """Against the model alone: the same seed, the model's own choice for the person, then the
    student's other choice; the person's behaviour that week is the student's."""
    classroom = Classroom(scenario, "PLAY", mix={"sales": 1, "service": 0, "manager": 0, "partner": 0})
    student = classroom.join()
    row = classroom.seats[student].row
    alone = CRMRollout(scenario)
    while alone.steps < classroom.model.steps:
        alone.step()
    alone.step()
    models_choice = int(alone.state.routine[row])
    other = (models_choice + 1) % 3
    classroom.choose(student, options_of("sales")[other])
    assert int(classroom.model.state.routine[row]) == other
    decision = classroom.decisions[-1]
    assert decision.choice == options_of("sales")[other]
    # everyone else this week did what the model had them do
    others = np.arange(classroom.model.org.n) != row
    assert (classroom.model.state.routine[others] == alone.state.routine[others]).all()
    assert 0.0 <= decision.model_probability <= 1.0


def test_the_model_probability_is_the_chance_of_the_choice_this_week(classroom):
    a = classroom.join()
    role = classroom.seats[a].role
    classroom.choose(a, options_of(role)[0])
    d = classroom.decisions[-1]
    keep = 1.0 - d.reconsider_probability
    expected = d.reconsider_probability * d.probabilities[d.choice] + keep * (d.carried == d.choice)
    assert d.model_probability == pytest.approx(expected)
    assert sum(d.probabilities.values()) == pytest.approx(1.0)


def test_a_choice_for_a_week_already_played_does_not_count_for_the_next(classroom):
    a = classroom.join()
    option = options_of(classroom.seats[a].role)[0]
    week = classroom.week
    classroom.choose(a, option, week=week)  # the week is played: a is the only student
    with pytest.raises(ClassroomError):
        classroom.choose(a, option, week=week)  # the same click again, late
    assert a not in classroom.choices and classroom.week == week + 1


def test_a_choice_the_person_does_not_have_is_refused(classroom):
    a = classroom.join()
    wrong = "self_serve" if classroom.seats[a].role != "partner" else "use"
    with pytest.raises(ClassroomError):
        classroom.choose(a, wrong)
    with pytest.raises(ClassroomError):
        classroom.choose("student 99", "use")


def test_decisions_are_written_as_the_class_plays(scenario, tmp_path):
    out = tmp_path / "lesson"
    registry = Registry("global_giant_telco", DecisionsFile(out))
    registry.scenario = lambda: scenario
    classroom = registry.open()
    students = [classroom.join() for _ in range(3)]
    assert pd.read_parquet(out / "decisions.parquet").empty
    for _ in range(2):
        for s in students:
            classroom.choose(s, options_of(classroom.seats[s].role)[0])
    table = pd.read_parquet(out / "decisions.parquet")
    assert list(table.columns) == COLUMNS
    assert len(table) == 6
    assert set(table["student"]) == set(students)
    assert table["model_probability"].between(0, 1).all()
    assert not list(out.glob(".*.writing"))  # written through a temporary file, renamed over


def test_an_earlier_lessons_decisions_are_kept(scenario, tmp_path):
    out = tmp_path / "lesson"
    for lesson in range(2):
        with DecisionsFile(out) as decisions:
            registry = Registry("global_giant_telco", decisions)
            registry.scenario = lambda: scenario
            classroom = registry.open()
            s = classroom.join()
            classroom.choose(s, options_of(classroom.seats[s].role)[lesson])
    assert len(pd.read_parquet(out / "decisions.parquet")) == 2


def test_a_second_decisions_file_on_a_folder_in_use_is_refused(scenario, tmp_path):
    out = tmp_path / "lesson"
    first = DecisionsFile(out)
    registry = Registry("global_giant_telco", first)
    registry.scenario = lambda: scenario
    classroom = registry.open()
    s = classroom.join()
    classroom.choose(s, options_of(classroom.seats[s].role)[0])
    written = (out / "decisions.parquet").read_bytes()
    with pytest.raises(InputError, match="in use by another crmsim classroom"):
        DecisionsFile(out)  # in this process or another: flock is per open file
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from sim.presentation.classroom.record import DecisionsFile; DecisionsFile({str(out)!r})",
        ],
        capture_output=True,
        text=True,
    )
    assert child.returncode != 0 and "in use by another crmsim classroom" in child.stderr
    assert (out / "decisions.parquet").read_bytes() == written  # the first lesson's decisions untouched
    first.close()
    with pytest.raises(ValueError, match="closed"):
        first.write()  # not under a lock it no longer holds
    again = DecisionsFile(out)  # free again
    del again  # dropped (a notebook cell run again): the folder is let go with it
    gc.collect()
    with DecisionsFile(out):
        pass


def test_a_folder_with_someone_elses_files_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="notes.txt"):
        check_folder(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_several_classrooms_do_not_mix(scenario):
    registry = Registry("global_giant_telco")
    registry.scenario = lambda: scenario
    one, two = registry.open(), registry.open()
    assert one.code != two.code and one.model is not two.model
    assert registry.get(one.code) is one and registry.get(two.code.lower()) is two
    assert registry.get(None) is None  # two classrooms: a student needs the code
    s = one.join()
    one.choose(s, options_of(one.seats[s].role)[0])
    assert one.week == two.week + 1 and not two.decisions and not two.seats


def test_the_student_reads_the_week_in_words_and_the_debrief_shows_the_choice(classroom):
    a = classroom.join()
    seen = "\n".join(views.what_they_see(classroom, a))
    assert "week" in seen and "data" in seen
    role = classroom.seats[a].role
    classroom.choose(a, options_of(role)[2])
    decision = classroom.decisions[-1]
    followed = "\n".join(views.what_followed(classroom, decision))
    assert decision.choice in followed and views.percent(decision.model_probability) in followed
    assert a in views.debrief_by_student(classroom)
    line = next(row for row in views.debrief_by_week(classroom).splitlines() if row.startswith(f"| {decision.week} |"))
    assert f"| {role} |" in line and f"{decision.choice} 100% (of 1 student) |" in line


def test_reading_the_cues_does_not_change_the_run(scenario):
    """The student's page reads the coming week's cues; the run must be the same as without."""
    watched, alone = Classroom(scenario, "SAME"), Classroom(scenario, "SAME")
    s = watched.join()
    for _ in range(3):
        views.what_they_see(watched, s)
        watched.advance()
        alone.advance()
    assert (watched.model.state.routine == alone.model.state.routine).all()
    assert np.allclose(watched.model.state.trust, alone.model.state.trust)


def test_a_choice_after_the_last_week_is_refused_not_kept_for_a_week_never_played(scenario):
    room = Classroom(scenario.with_overrides({"run.weeks": scenario.policy.go_live_week + 1}), "END")
    a = room.join()
    while room.model.running:
        room.advance()
    with pytest.raises(ClassroomError, match="the rollout has ended"):
        room.choose(a, options_of(room.seats[a].role)[0])
    assert room.choices == {}


def test_a_server_started_again_on_the_folder_takes_the_class_up_where_it_was(scenario, tmp_path):
    """A teacher's laptop crashes mid-lesson: the next server on the same folder plays the class's
    weeks again from its decisions, at the same week, and each student's page gets its seat back."""
    from sim.presentation.classroom import record
    from sim.presentation.classroom.registry import taken_up

    out = tmp_path / "lesson"
    decisions = DecisionsFile(out)
    registry = Registry("global_giant_telco", decisions)
    registry.scenario = lambda: scenario
    classroom = registry.open()
    a, b = classroom.join(), classroom.join()
    for k in range(3):
        for s in (a, b):
            classroom.choose(s, options_of(classroom.seats[s].role)[(k + (s == b)) % 3])
    classroom.set_rules(advance_when_all_decided=False)
    classroom.advance()  # a week nobody decided: the model played it
    week, seat_a, before = classroom.week, classroom.seats[a], classroom.table()
    decisions.close()  # the server stops

    again = DecisionsFile(out)
    second = Registry("global_giant_telco", again)
    second.scenario = lambda: scenario
    taken_up(second)
    restored = second.get(classroom.code)
    assert restored is not None and restored.week == week and restored.table() == before
    assert restored.advance_when_all_decided is False and not restored.seats
    assert restored.rejoin(seat_a.token) == a and restored.seats[a].row == seat_a.row
    assert restored.join() == "student 3"  # new students get new names
    restored.choose(a, options_of(restored.seats[a].role)[0])
    restored.advance()
    table = pd.read_parquet(out / record.FILE)
    assert len(table) == len(before) + 1  # the replayed decisions are not written twice
    assert table.drop_duplicates().shape == table.shape
    # a class of another scenario stays in the file only
    again.close()
    third = DecisionsFile(out)
    other = Registry("global_giant_telco", third)
    other.scenario = lambda: scenario.with_overrides({"run.seed": 7})
    taken_up(other)
    assert other.get(classroom.code) is None
    assert len(pd.read_parquet(out / record.FILE)) == len(table)
    third.close()


def test_last_weeks_lesson_is_not_taken_up(scenario, tmp_path, monkeypatch):
    from sim.presentation.classroom import record
    from sim.presentation.classroom.registry import taken_up

    out = tmp_path / "lesson"
    with DecisionsFile(out) as decisions:
        registry = Registry("global_giant_telco", decisions)
        registry.scenario = lambda: scenario
        code = registry.open().code
        registry.get(code).join()
    monkeypatch.setattr(record, "TAKE_UP_HOURS", 0.0)
    with DecisionsFile(out) as again:
        later = Registry("global_giant_telco", again)
        later.scenario = lambda: scenario
        assert taken_up(later).get(code) is None


def test_a_second_click_on_play_for_a_week_already_played_plays_nothing(classroom):
    week = classroom.week
    classroom.advance(week)
    classroom.advance(week)  # a double click: the second is for a week now played
    assert classroom.week == week + 1 and len(classroom.weeks) == 1
    classroom.advance()  # the teacher's own call without a week plays the next one
    assert classroom.week == week + 2


def test_a_click_after_its_week_was_played_is_told_to_the_student_until_they_choose_again(classroom):
    classroom.set_rules(advance_when_all_decided=False)
    a = classroom.join()
    options = options_of(classroom.seats[a].role)
    week = classroom.week
    classroom.advance()
    with pytest.raises(ClassroomError, match=f"week {week} has been played"):
        classroom.choose(a, options[1], week=week)
    assert classroom.late[a] == (week, options[1]) and a not in classroom.choices
    classroom.choose(a, options[0], week=week + 1)
    assert a not in classroom.late


def test_the_debrief_lists_the_roles_in_one_order_every_week(scenario):
    room = Classroom(scenario, "ORDER", mix={"sales": 1, "service": 1, "manager": 1, "partner": 1})
    room.set_rules(advance_when_all_decided=False)
    students = [room.join() for _ in range(4)]
    for turn in range(3):
        for s in students if turn % 2 else students[::-1]:  # the roles decide in another order each week
            room.choose(s, options_of(room.seats[s].role)[0])
        room.advance()
    order = ["sales", "service", "manager", "partner"]
    assert all(list(week.students) == order for week in room.weeks)


def test_a_partner_is_not_shown_double_entry_which_no_partner_weighs(scenario):
    room = Classroom(scenario, "CUES", mix={"sales": 1, "service": 0, "manager": 0, "partner": 1})
    seen = {room.seats[s].role: "\n".join(views.what_they_see(room, s)) for s in (room.join(), room.join())}
    assert "Double entry" in seen["sales"] and "Double entry" not in seen["partner"]
    assert "The effort of entering data" in seen["partner"]


def test_the_end_of_a_run_names_its_last_week(scenario):
    room = Classroom(scenario.with_overrides({"run.weeks": scenario.policy.go_live_week + 1}), "LAST")
    a = room.join()
    while room.model.running:
        room.advance()
    with pytest.raises(ClassroomError, match=f"ended at week {room.model.steps}:"):
        room.choose(a, options_of(room.seats[a].role)[0])


def test_the_debrief_over_the_lesson_pools_every_week_in_one_row_a_role(scenario):
    room = Classroom(scenario, "POOL", mix={"sales": 1, "service": 0, "manager": 0, "partner": 0})
    room.set_rules(advance_when_all_decided=False)
    a, b = room.join(), room.join()
    options = options_of("sales")
    for picks in ((0, 1), (0, 0), (2, 0)):  # six choices: the first option four times, each other once
        room.choose(a, options[picks[0]])
        room.choose(b, options[picks[1]])
        room.advance()
    table = views.debrief_overall(room)
    row = next(line for line in table.splitlines() if line.startswith("| sales |"))
    assert row.startswith(f"| sales | 3 | {options[0]} 67%, {options[1]} 17%, {options[2]} 17% (6 choices) |")
    model = np.mean([[w.model["sales"][o] for o in options] for w in room.weeks], axis=0)
    assert row.endswith(" | " + ", ".join(f"{o} {share:.0%}" for o, share in zip(options, model, strict=True)) + " |")
    assert len(table.splitlines()) == 3  # a head, its rule, one role: however many weeks were played


def test_a_student_who_changed_their_way_last_week_reads_since_last_week(classroom):
    classroom.set_rules(advance_when_all_decided=False)
    a = classroom.join()
    row, options = classroom.seats[a].row, options_of(classroom.seats[a].role)
    other = next(o for k, o in enumerate(options) if k != classroom.model.state.routine[row])
    classroom.choose(a, other)
    classroom.advance()
    assert "(since last week)." in "\n".join(views.what_they_see(classroom, a))
    classroom.choose(a, other)
    classroom.advance()
    assert f"(since week {classroom.week - 2})." in "\n".join(views.what_they_see(classroom, a))


def test_a_late_click_redraws_the_students_page(classroom):
    classroom.set_rules(advance_when_all_decided=False)
    a = classroom.join()
    week = classroom.week
    classroom.advance()
    version = classroom.version
    with pytest.raises(ClassroomError):
        classroom.choose(a, options_of(classroom.seats[a].role)[0], week=week)
    assert classroom.version > version  # pages redraw on a new version: theirs says the click did not count
