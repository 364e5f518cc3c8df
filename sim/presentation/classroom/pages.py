"""The classroom's pages: the teacher's at ``/teacher``, a student's at ``/``.

Served by ``crmsim classroom``. Every browser session is its own Solara kernel; the classrooms
live in one registry shared by all of them (``registry.py``). A page watches its classroom
from a thread that sleeps until the classroom changes (a choice, a join, a played week) and
then redraws the page, so every student sees the next week as soon as it is played.

A student's seat is freed when their page is closed, or when it has been disconnected for
``LEAVE_AFTER`` seconds (a closed laptop lid, a lost network). The pages keep the classroom's
code, and a student's page their seat's token, in their address: a reloaded page comes back to
the same classroom and the same seat.
"""

from __future__ import annotations

import html
import os
import sys
import threading
import time
import traceback
from contextlib import nullcontext
from urllib.parse import parse_qs

import solara

from sim.core.vocabulary import ROLES
from sim.presentation import app, app_charts, app_controls
from sim.presentation.classroom import views
from sim.presentation.classroom.registry import registry
from sim.presentation.classroom.session import SEAT_ROLES, Classroom, ClassroomError, options_of
from sim.presentation.narration import who

#: Seconds a student's page may stay disconnected before the seat goes back to the model.
LEAVE_AFTER = float(os.environ.get("CRMSIM_CLASSROOM_LEAVE_AFTER", "20"))
#: The address students open, as the server was started (``crmsim classroom`` sets it).
ADDRESS = os.environ.get("CRMSIM_CLASSROOM_ADDRESS", "http://127.0.0.1:8766")

STYLE = (
    app_charts.STYLE
    + app_controls.STYLE
    + """
.crm-page { padding: 12px 20px; max-width: 1400px; }
.crm-option { text-transform: none !important; margin: 4px 8px 4px 0; max-width: 100%;
  height: auto !important; min-height: 36px; white-space: normal !important; letter-spacing: normal !important; }
.crm-option .v-btn__content { white-space: normal !important; flex: 1 1 auto !important; min-width: 0;
  text-align: left; padding: 6px 0; }
.crm-code { font-size: 28px; font-weight: 700; letter-spacing: 3px; color: #1f5fa8; }
.crm-join { display: block; font-size: 22px; font-weight: 700; margin: 4px 0 10px; overflow-wrap: anywhere; }
.crm-page table { border-collapse: collapse; font-size: 13px; }
.crm-page td, .crm-page th { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
"""
)


def _in_address(router, name: str) -> str | None:
    """A value of the page's address (``?class=CODE&seat=TOKEN``)."""
    return (parse_qs((router.search or "").lstrip("?")).get(name) or [None])[0]


def use_address(router, wanted: str | None) -> None:
    """Put ``wanted`` (a search, ``class=...``) into the page's address once it is known, so that a
    reload of the page comes back to the same classroom, and a student to the same seat."""

    def put():
        if wanted and (router.search or "").lstrip("?") != wanted:
            router.push(f"{router.path}?{wanted}")

    solara.use_effect(put, [wanted, router.search])  # again if the browser's first address came back


def _kernel():
    """This browser session's kernel, or None outside a server (as in tests)."""
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context()
    except Exception:  # no kernel: nothing to watch
        return None


def _connected(kernel) -> bool:
    from solara.server.kernel_context import PageStatus

    with getattr(kernel, "lock", None) or nullcontext():
        return PageStatus.CONNECTED in dict(kernel.page_status).values()


def use_watch(
    classroom: Classroom | None,
    on_change,
    student: str | None = None,
    tick: float | None = None,
    page: int | None = None,
):
    """Redraw when the classroom differs from what the page last drew (or every ``tick``
    seconds); free ``student``'s seat (held by this ``page``) once the page has been
    disconnected for LEAVE_AFTER seconds."""
    kernel = _kernel()
    drawn = solara.use_ref(-1)
    if classroom is not None:
        drawn.current = classroom.version  # read before the page reads the classroom

    def redraw():
        try:
            on_change()
        except Exception:  # a page that cannot be drawn once must still follow the class
            traceback.print_exc()

    def open_page(cancel: threading.Event) -> bool:
        closed = getattr(kernel, "closed_event", None)
        return not cancel.is_set() and (closed is None or not closed.is_set())

    def watch(cancel: threading.Event):
        if classroom is None:
            while not cancel.wait(1.0) and open_page(cancel):
                redraw()  # look for a classroom again
            return
        gone_since = asked = None
        while open_page(cancel):
            version = classroom.wait_for_change(drawn.current, tick or 1.0)
            if (version != drawn.current and version != asked) or tick:
                asked = version
                redraw()
            elif version != drawn.current:
                cancel.wait(0.1)  # asked for, not drawn yet
            if student is not None and kernel is not None:
                if _connected(kernel):
                    gone_since = None
                elif gone_since is None:
                    gone_since = time.monotonic()
                elif time.monotonic() - gone_since > LEAVE_AFTER:
                    classroom.leave(student, page)
                    return

    solara.use_thread(watch, dependencies=[classroom, student, tick, page], intrusive_cancel=False)


@solara.component
def Plain(children=[]):  # noqa: B006 (Solara's layout signature)
    """No app bar, no tabs between the pages: each page is all a student or the teacher sees."""
    solara.Style(STYLE)
    solara.Column(children=children, classes=["crm-page"])


def use_redraw():
    """The count of this component's redraws, and a function that draws it again. The count is
    kept in a ref, so each call sets a new value, even from a callback that captured an old one."""
    redraws, set_redraws = solara.use_state(0)
    counter = solara.use_ref(0)

    def redraw():
        counter.current += 1
        set_redraws(counter.current)

    return redraws, redraw


# --- the student -----------------------------------------------------------------------


@solara.component
def StudentPage():
    router = solara.use_router()
    code = _in_address(router, "class")
    redraws, redraw = use_redraw()

    classroom = registry().get(code)
    token = _in_address(router, "seat")
    student, page = solara.use_memo(
        lambda: _join(classroom, token) if classroom is not None else (None, None), [classroom]
    )
    seat = classroom.seats.get(student) if classroom is not None else None
    use_address(router, f"class={classroom.code}&seat={seat.token}" if seat is not None else None)
    use_watch(classroom, redraw, student, page=page)
    solara.Title("crmsim classroom")
    if classroom is None:
        solara.HTML(tag="h2", unsafe_innerHTML="Waiting for the class")
        app_controls.Text(
            f"No classroom with the code **{html.escape(code)}** on this server: check the address the teacher shows."
            if code
            else "The teacher has not opened a classroom yet, or there are several: open the address the "
            "teacher shows (it ends with `?class=` and the classroom's code)."
        )
        return
    if student not in classroom.seats:
        solara.HTML(tag="h2", unsafe_innerHTML="You left the class")
        app_controls.Text("Your person is played by the model again. Reload the page to join again.")
        return
    StudentWeek(classroom, student, redraws)


def _join(classroom: Classroom, token: str | None) -> tuple[str, int]:
    """This page's student: the one whose seat the address names (a reloaded page), or a new one."""
    student = (classroom.rejoin(token) if token else None) or classroom.join()
    page = classroom.seats[student].page
    kernel = _kernel()
    if kernel is not None:
        kernel.on_close(lambda: classroom.leave(student, page))  # the page was closed
    return student, page


@solara.component
def StudentWeek(classroom: Classroom, student: str, redraws: int):
    with classroom.lock:  # read the week whole: another page may be playing it
        if student not in classroom.seats:
            return
        seat = classroom.seats[student]
        week, running, live = classroom.week, classroom.model.running, classroom.live_next_week(seat.row)
        last = [d for d in classroom.decisions if d.student == student and d.week == week - 1]
        followed = views.what_followed(classroom, last[0]) if last else []
        seen = views.what_they_see(classroom, student) if running else []
        chosen = classroom.choices.get(student)
        waiting = len(classroom.waiting_for())
        late = classroom.late.get(student)
    solara.HTML(tag="h2", unsafe_innerHTML=f"Week {week}" if running else f"Week {week - 1}: the end")
    app_controls.Text(f"*{student} · classroom {classroom.code}*")
    if late is not None and late[0] == week - 1:  # their click came after the week was played
        app_controls.Text(f"*Your click on **{late[1]}** came after week {late[0]} was played, so it did not count.*")
    if followed:
        solara.HTML(tag="h3", unsafe_innerHTML="What followed")
        app_controls.Text("\n\n".join(followed))
    if not running:
        app_controls.Text("**The run is over.** The teacher will now discuss how the class chose.")
        return
    solara.HTML(tag="h3", unsafe_innerHTML="What you see this week")
    app_controls.Text("\n\n".join(seen))
    if not live:
        app_controls.Text("*The CRM is not live for you yet: you keep to the old process this week.*")
        return
    options = options_of(seat.role)
    solara.HTML(tag="h3", unsafe_innerHTML="What do you do this week?")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for k, option in enumerate(options):
            solara.Button(
                views.option_label(option),
                on_click=lambda option=option: _choose(classroom, student, option, week),
                color="primary" if chosen == k else None,
                outlined=chosen != k,
                classes=["crm-option"],
            ).key(f"week {week} {option}")  # new buttons each week: a late click keeps its own week
    if chosen is not None:
        app_controls.Text(
            f"You chose **{options[chosen]}**. You may change your mind until the week is played"
            + (f"; waiting for {waiting} classmate{'s' if waiting != 1 else ''} or the teacher." if waiting else ".")
        )


def _choose(classroom: Classroom, student: str, option: str, week: int) -> None:
    """The student's click on an option of ``week``; a click that arrives after that week was
    played (a slow network, a click sent twice) does not count for the next one."""
    try:
        classroom.choose(student, option, week=week)
    except ClassroomError as exc:  # the seat was freed meanwhile; the page redraws
        print(f"crmsim classroom {classroom.code}: choice not taken: {exc}", file=sys.stderr)


# --- the teacher ------------------------------------------------------------------------


@solara.component
def TeacherPage():
    router = solara.use_router()
    code = _in_address(router, "class")
    redraws, redraw = use_redraw()

    opened = solara.use_ref(None)  # the classroom this page opened, while its address does not say so yet

    def find() -> Classroom | None:
        if code:
            return registry().get(code)
        if opened.current is None:
            opened.current = registry().open()
        return opened.current

    classroom = solara.use_memo(find, [code])
    use_address(router, f"class={classroom.code}" if classroom is not None else None)
    use_watch(classroom, redraw, tick=1.0 if classroom is not None and classroom.timer_seconds else None)
    solara.Title("crmsim classroom: teacher")
    if classroom is None:
        solara.HTML(tag="h2", unsafe_innerHTML="No such classroom")
        app_controls.Text(
            f"No classroom **{html.escape(code)}** on this server; open `/teacher` for a new one. A server "
            "started again without `--out` (or on another folder) cannot take up the classes of the last one."
        )
        return
    TeacherView(classroom, redraws)


@solara.component
def TeacherView(classroom: Classroom, redraws: int):
    # every part gets ``redraws``: a component is redrawn when its arguments change
    model = classroom.model
    join = f"{ADDRESS}/?class={classroom.code}"
    with classroom.lock:
        week, running = classroom.week, model.running
        verdict = None if running else app.verdict_in_words(model)
    with solara.Columns([1, 2]):
        with solara.Column():
            solara.HTML(tag="h2", unsafe_innerHTML=f"Week {week}" if running else f"Week {week - 1}: the end")
            if verdict:
                app_controls.Text(verdict)
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f'Classroom <span class="crm-code">{classroom.code}</span><br>'
                f'Students open <span class="crm-join">{html.escape(join)}</span>',  # read from the back row
            )
            app_controls.Text(f"**{model.settings.name}**: {model.settings.description}")
            Seats(classroom, redraws)
            Advancing(classroom, redraws)
            Mix(classroom, redraws)
        with solara.Column():
            solara.HTML(tag="h3", unsafe_innerHTML="The organisation (students' people ringed)")
            app.NetworkPanel(model, redraws, classroom.highlights(), lock=classroom.lock)
            app.EventLog(model, redraws, lock=classroom.lock)  # what the class's weeks made happen
    app.Charts(model, redraws, lock=classroom.lock)
    with classroom.lock:
        overall, by_week = views.debrief_overall(classroom), views.debrief_by_week(classroom)
        by_student = views.debrief_by_student(classroom)
    solara.HTML(tag="h3", unsafe_innerHTML="Debrief: the class against the model's people, over the lesson")
    app_controls.Text(overall)
    solara.HTML(tag="h3", unsafe_innerHTML="Debrief: week by week")
    app_controls.Text(by_week)
    solara.HTML(tag="h3", unsafe_innerHTML="Debrief: each student's choices against the model's probabilities")
    app_controls.Text(by_student)


@solara.component
def Seats(classroom: Classroom, redraws: int):
    with classroom.lock:
        waiting = set(classroom.waiting_for())
        rows = [
            f"| {s} | {who(classroom.model, seat.row)} | "
            + ("decided" if s in classroom.choices else ("deciding" if s in waiting else "not live yet"))
            + " |"
            for s, seat in sorted(classroom.seats.items(), key=lambda kv: int(kv[0].split()[-1]))
        ]
        decided = sum(1 for s in classroom.seats if s in classroom.choices)
    solara.HTML(tag="h3", unsafe_innerHTML=f"Who has decided: {decided} of {len(classroom.seats)}")
    if rows:
        app_controls.Text("| student | plays | this week |\n|---|---|---|\n" + "\n".join(rows))
    else:
        app_controls.Text("*No student yet: the model plays everyone.*")


@solara.component
def Advancing(classroom: Classroom, redraws: int):
    week = classroom.week
    solara.Button(
        f"Play week {week} now" if classroom.model.running else "The run is over",
        on_click=lambda: classroom.advance(week),  # a double click plays this week once
        color="primary",
        disabled=not classroom.model.running,
    ).key(f"play {week}")
    solara.Switch(
        label="play the week as soon as everyone has decided",
        value=classroom.advance_when_all_decided,
        on_value=lambda v: classroom.set_rules(advance_when_all_decided=v),
    )
    left = classroom.seconds_left()
    app_controls.Labelled(
        "Timer: play the week after (seconds; 0 = no timer)",
        "",
        f"{classroom.timer_seconds}" + (f", {left:.0f} s left" if left is not None else ""),
    )
    solara.SliderInt(
        "",
        value=classroom.timer_seconds,
        min=0,
        max=300,
        step=15,
        on_value=lambda v: classroom.set_rules(timer_seconds=v),
        thumb_label=False,
    )


@solara.component
def Mix(classroom: Classroom, redraws: int):
    refused, set_refused = solara.use_state(0)  # a refused change: the sliders are drawn again as the mix is
    solara.HTML(tag="h3", unsafe_innerHTML="The roles students get (for those who join next)")
    for role in SEAT_ROLES:
        weight = classroom.mix.get(role, 0)
        app_controls.Labelled(ROLES[role].plural.capitalize(), "", str(weight))

        def set_weight(value, role=role):
            try:
                classroom.set_mix({**classroom.mix, role: int(value)})
            except ClassroomError:  # every weight 0: the mix stays as it was, and says why
                set_refused(refused + 1)

        slider = solara.SliderInt("", value=weight, min=0, max=5, on_value=set_weight, thumb_label=False)
        slider.key(f"{role} {refused}")  # after a refusal, new sliders: they show the mix as it is
    if refused:
        app_controls.Text("*At least one role needs a weight above 0: the mix stays as it was.*")


routes = [
    solara.Route(path="/", component=StudentPage, label="student", layout=Plain),
    solara.Route(path="teacher", component=TeacherPage, label="teacher"),
]
