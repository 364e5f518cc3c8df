"""One classroom: an organisation whose people a class plays, week by week.

Each student holds a seat: one person of the organisation (a sales rep, a service agent, a
manager or a channel partner, in the mix the teacher sets). Each week every student chooses
what their person does; the model takes those choices as those people's behaviour
(``model.played``) and plays everyone else, empty seats included. The week is played when
everyone seated has decided (if the teacher lets it), when the teacher says so, or when the
teacher's timer runs out. A student who leaves frees the seat to the model; one who comes
back with their seat's token (a reloaded page keeps it in its address) gets the same seat, the
same person and this week's choice back. A class whose server stopped is taken up again by the
next server on the same folder (``saved``, ``restored``): its weeks are played again with the
recorded choices, and every student's page can come back to its seat.

Every student decision is kept with the model's own probability for that person at that time,
for the debrief, and handed to ``record`` (the decisions file) as each week is played.

Pages in several browser sessions read and change one classroom, so every change happens under
its lock and bumps ``version``; ``wait_for_change`` lets a page sleep until something happened.
"""

from __future__ import annotations

import os
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.core.scenario import Scenario
from sim.core.state import EMPLOYEE_OPTIONS, PARTNER_OPTIONS, ROLE_NAMES, Role
from sim.core.vocabulary import ROLES
from sim.presentation import plots
from sim.presentation.narration import NarratedRollout, row_of, who

#: The roles a student may play, in the order the teacher's mix lists them.
SEAT_ROLES = ("sales", "service", "manager", "partner")
#: Seconds the class waits, after a student left, before playing a week everyone left has
#: decided: a reloaded page closes the old one a moment before the new one takes the seat back.
LEAVE_GRACE = float(os.environ.get("CRMSIM_CLASSROOM_LEAVE_GRACE", "5"))
#: The mix a classroom starts with: as many of each role (weights, not counts).
DEFAULT_MIX = {"sales": 2, "service": 1, "manager": 1, "partner": 1}


def options_of(role_key: str) -> tuple[str, ...]:
    """The options a person of this role chooses among, in the order of ``model.played``'s indices."""
    return PARTNER_OPTIONS if role_key == "partner" else EMPLOYEE_OPTIONS


@dataclass
class Seat:
    """A student and the person they play."""

    student: str
    row: int
    role: str  # a key of SEAT_ROLES
    joined_week: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(6))  # the page's claim to the seat
    page: int = 0  # which of the pages that held the seat holds it now (a reload is a new page)


@dataclass
class Decision:
    """One student's choice for one week, and what the model made of that person that week."""

    week: int
    student: str
    row: int
    person: int
    role: str
    choice: str
    model_probability: float  # the model's chance this person would do ``choice`` this week
    probabilities: dict[str, float]  # each option's chance, had the person weighed their way of working
    reconsider_probability: float  # the model's chance this person would weigh it again this week
    carried: str  # the way of working the person carried into the week
    explain: dict = field(repr=False, default_factory=dict)  # the person's explain() after the week

    def row_of_table(self, classroom: str) -> dict:
        return {
            "classroom": classroom,
            "week": self.week,
            "student": self.student,
            "person": self.person,
            "role": self.role,
            "choice": self.choice,
            "model_probability": self.model_probability,
        }


@dataclass
class WeekOfClass:
    """How the students chose in a week against the model's people of the same roles."""

    week: int
    students: dict[str, dict[str, float]]  # role -> option -> share of the students' choices
    model: dict[str, dict[str, float]]  # role -> option -> share of the model's live people
    deciders: dict[str, int]  # role -> how many students the shares are of


class ClassroomError(ValueError):
    """A request the classroom cannot take (an unknown student, an option the person does not have)."""


class Classroom:
    """An organisation played by a class; see the module's docstring."""

    def __init__(
        self,
        scenario: Scenario,
        code: str,
        mix: dict[str, int] | None = None,
        record: Callable[[Classroom], None] | None = None,
    ):
        self.code = code
        self.model = NarratedRollout(scenario)
        self.mix = dict(DEFAULT_MIX if mix is None else mix)
        self._check_mix(self.mix)
        self.record = record
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.version = 0
        self.seats: dict[str, Seat] = {}
        self.choices: dict[str, int] = {}  # this week's choices: student -> option index
        self.late: dict[str, tuple[int, str]] = {}  # a student's last click that came after its week was played
        self.decisions: list[Decision] = []
        self.weeks: list[WeekOfClass] = []
        self.advance_when_all_decided = True
        self.timer_seconds = 0  # 0: no timer
        self.week_started = time.monotonic()
        self._joined = 0
        self.leave_grace = LEAVE_GRACE
        self._left: dict[str, tuple[Seat, int | None, int]] = {}  # token -> seat, its choice, the week it left
        self._order = _seat_order(self.model, code)
        self._play_until_go_live()

    # --- the week ----------------------------------------------------------------------

    @property
    def week(self) -> int:
        """The week the class is deciding (the model has played the ones before it)."""
        return self.model.steps + 1

    def _play_until_go_live(self) -> None:
        """The weeks before the CRM goes live hold no choice about it: the model plays them."""
        while self.week < self.model.first_go_live and self.model.running:
            self.model.step()

    def live_next_week(self, row: int) -> bool:
        """Whether the person works with the CRM in the week being decided (only then a choice counts)."""
        state = self.model.state
        return bool(state.live[row] or state.go_live_week[row] <= self.week)

    def waiting_for(self) -> list[str]:
        """Seated students whose person is live and who have not chosen yet this week."""
        with self.lock:
            return [s for s, seat in self.seats.items() if s not in self.choices and self.live_next_week(seat.row)]

    def everyone_decided(self) -> bool:
        with self.lock:
            return bool(self.choices) and not self.waiting_for()

    def seconds_left(self, now: float | None = None) -> float | None:
        """Seconds until the timer plays the week, or None without a timer."""
        if not self.timer_seconds:
            return None
        now = time.monotonic() if now is None else now
        return max(0.0, self.timer_seconds - (now - self.week_started))

    def advance_if_due(self, now: float | None = None) -> bool:
        """Play the week if the timer ran out, or if everyone decided and the teacher lets that advance it."""
        with self.lock:
            left = self.seconds_left(now)
            if (left is not None and left <= 0) or (self.advance_when_all_decided and self.everyone_decided()):
                self.advance()
                return True
            return False

    def advance(self, week: int | None = None) -> None:
        """Play one week: the students' choices as their people's behaviour, the model for everyone else.
        ``week``: the week the teacher's click was for; a second click on it (a double click, a
        click sent twice) plays nothing more once it has been played."""
        with self.lock:
            if not self.model.running or (week is not None and week != self.week):
                return
            week = self.week
            chosen = {s: (self.seats[s], option) for s, option in self.choices.items() if s in self.seats}
            self.model.played = {seat.row: option for seat, option in chosen.values()}
            self.model.step()
            decided = [self._decision(week, student, seat, option) for student, (seat, option) in chosen.items()]
            self.decisions.extend(decided)
            self.weeks.append(self._compare(week, decided))
            self.choices.clear()
            self.week_started = time.monotonic()
            self._bump()
        if self.record is not None:
            self.record(self)

    def _decision(self, week: int, student: str, seat: Seat, option: int) -> Decision:
        model, row = self.model, seat.row
        options = options_of(seat.role)
        state = model.state
        p = model.choice_probabilities(slice(row, row + 1))[:, 0]
        r = float(state.reconsider_probability[row])
        carried = int(model.last_perception.routine[row])
        # they keep what they carried unless they weigh it again; then the logit chooses
        chance = r * float(p[option]) + (1.0 - r) * float(option == carried)
        return Decision(
            week=week,
            student=student,
            row=row,
            person=int(model.person_id(row)),
            role=seat.role,
            choice=options[option],
            model_probability=chance,
            probabilities=dict(zip(options, (float(x) for x in p), strict=True)),
            reconsider_probability=r,
            carried=options[carried] if carried >= 0 else "legacy",
            explain=model.people[row].explain(),
        )

    def _compare(self, week: int, decided: list[Decision]) -> WeekOfClass:
        """This week's choices of students and of the model's live people, by role."""
        model = self.model
        played = {d.row for d in decided}
        students: dict[str, dict[str, float]] = {}
        for role in (r for r in SEAT_ROLES if any(d.role == r for d in decided)):  # in one order every week
            mine = [d.choice for d in decided if d.role == role]
            students[role] = {o: mine.count(o) / len(mine) for o in options_of(role)}
        ours: dict[str, dict[str, float]] = {}
        for code, key in ROLE_NAMES.items():
            rows = np.flatnonzero((model.org.role == code) & model.state.live)
            rows = rows[~np.isin(rows, list(played))]
            if len(rows) == 0:
                continue
            counts = np.bincount(model.state.routine[rows].clip(0), minlength=3)[:3] / len(rows)
            ours[key] = dict(zip(options_of(key), (float(c) for c in counts), strict=True))
        return WeekOfClass(week, students, ours, {role: sum(d.role == role for d in decided) for role in students})

    # --- seats -------------------------------------------------------------------------

    def join(self) -> str:
        """Seat a new student in the role the mix most lacks; returns the student's name."""
        with self.lock:
            role = self._role_for_next_student()
            row = self._free_person(role)
            self._joined += 1
            student = f"student {self._joined}"
            self.seats[student] = Seat(student, row, ROLE_NAMES[Role(int(self.model.org.role[row]))], self.week)
            self._bump()
        if self.record is not None:
            self.record(self)  # the seat's token survives a restart of the server
        return student

    def rejoin(self, token: str) -> str | None:
        """The student whose seat ``token`` names, back on a new page (a reload): the same name,
        person and choice of this week; None if no seat had that token."""
        with self.lock:
            student = next((s for s, seat in self.seats.items() if seat.token == token), None)
            if student is None:  # the old page was closed first: the seat was freed
                if token not in self._left:
                    return None
                seat, choice, week = self._left.pop(token)
                student = seat.student
                self.seats[student] = seat
                if choice is not None and week == self.week:
                    self.choices[student] = choice
            self.seats[student].page += 1  # the old page, closing, no longer frees it
            self._bump()
            return student

    def leave(self, student: str, page: int | None = None) -> None:
        """The student's seat goes back to the model (their unplayed choice of this week with it),
        unless a newer ``page`` than this one holds it. Whoever is left may all have decided: the
        week is then played after ``leave_grace`` seconds, unless the student came back meanwhile
        (a reloaded page closes the old one first)."""
        with self.lock:
            seat = self.seats.get(student)
            if seat is None or (page is not None and page != seat.page):
                return
            del self.seats[student]
            self._left[seat.token] = (seat, self.choices.pop(student, None), self.week)
            self._bump()
        if self.leave_grace <= 0:
            self.advance_if_due()
            return
        later = threading.Timer(self.leave_grace, self.advance_if_due)
        later.daemon = True
        later.start()

    def choose(self, student: str, option: str, week: int | None = None) -> None:
        """The student's choice for this week (they may change it until the week is played);
        ``week``: the week the student chose for, refused once it has been played."""
        with self.lock:
            if week is not None and week != self.week:
                self.late[student] = (week, option)  # their page tells them it did not count
                self._bump()
            if not self.model.running:  # a choice now would be kept and never played
                raise ClassroomError(f"the rollout has ended at week {self.model.steps}: nothing more to choose")
            if week is not None and week != self.week:
                raise ClassroomError(f"week {week} has been played; the class is at week {self.week}")
            seat = self.seats.get(student)
            if seat is None:
                raise ClassroomError(f"{student} has no seat in classroom {self.code}")
            if not self.live_next_week(seat.row):
                raise ClassroomError(f"the CRM is not live for {who(self.model, seat.row)} yet: nothing to choose")
            options = options_of(seat.role)
            if option not in options:
                raise ClassroomError(
                    f"{option!r} is not an option of a {ROLES[seat.role].singular}; options: {', '.join(options)}"
                )
            self.choices[student] = options.index(option)
            self.late.pop(student, None)
            self._bump()
        self.advance_if_due()

    def set_mix(self, mix: dict[str, int]) -> None:
        """The roles students get from now on (weights by role; seats already taken stay)."""
        self._check_mix(mix)
        with self.lock:
            self.mix = dict(mix)
            self._bump()

    def set_rules(self, advance_when_all_decided: bool | None = None, timer_seconds: int | None = None) -> None:
        with self.lock:
            if advance_when_all_decided is not None:
                self.advance_when_all_decided = advance_when_all_decided
            if timer_seconds is not None:
                self.timer_seconds = max(0, int(timer_seconds))
                self.week_started = time.monotonic()
            self._bump()
        self.advance_if_due()

    def _check_mix(self, mix: dict[str, int]) -> None:
        unknown = set(mix) - set(SEAT_ROLES)
        if unknown or any(v < 0 for v in mix.values()) or not any(mix.get(r, 0) > 0 for r in self._roles_present()):
            raise ClassroomError(
                f"a mix gives each of {', '.join(SEAT_ROLES)} a weight >= 0, at least one role of this organisation > 0"
            )

    def _roles_present(self) -> list[str]:
        present = set(np.unique(self.model.org.role).tolist())
        return [key for code, key in ROLE_NAMES.items() if code in present]

    def _role_for_next_student(self) -> str:
        """The role whose seats fall furthest short of its share of the mix."""
        taken = {role: 0 for role in SEAT_ROLES}
        for seat in self.seats.values():
            taken[seat.role] += 1
        roles = [r for r in SEAT_ROLES if self.mix.get(r, 0) > 0 and r in self._roles_present() and self._order[r]]
        return min(roles, key=lambda r: ((taken[r] + 1) / self.mix[r], SEAT_ROLES.index(r)))

    def _free_person(self, role: str) -> int:
        """The next person of ``role`` in this classroom's order who is not taken; live ones first."""
        taken = {seat.row for seat in self.seats.values()}
        coming_back = {seat.row for seat, _, _ in self._left.values()}  # a reloading page, a restarted server
        free = [row for row in self._order[role] if row not in taken | coming_back]
        free = free or [row for row in self._order[role] if row not in taken]
        if not free:
            free = list(self._order[role])  # more students than people of the role: share
        live = [row for row in free if self.live_next_week(row)]
        return (live or free)[0]

    # --- watching ------------------------------------------------------------------------

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def wait_for_change(self, seen: int, timeout: float) -> int:
        """Sleep until the classroom's version differs from ``seen`` (or ``timeout`` seconds); returns it."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen, timeout)
            return self.version

    def highlights(self) -> dict[int, str]:
        """The people students play, by row: the network's rings and their labels."""
        with self.lock:
            return {seat.row: seat.student.replace("student ", "s") for seat in self.seats.values()}

    def seat_words(self, student: str) -> str:
        seat = self.seats[student]
        return who(self.model, seat.row)

    def table(self) -> list[dict]:
        """The decisions as rows of the decisions file."""
        with self.lock:
            return [d.row_of_table(self.code) for d in self.decisions]

    # --- surviving a restart ----------------------------------------------------------------

    def saved(self) -> dict:
        """What a restarted server needs to take this class up again (with its decisions): the
        scenario, the week reached, the mix, the rules and every seat, with its token, so a
        student's reloaded page gets its seat back."""
        with self.lock:
            seats = [*self.seats.values(), *(seat for seat, _, _ in self._left.values())]
            return {
                "scenario_hash": self.model.given.hash,
                "week": self.week,
                "mix": self.mix,
                "advance_when_all_decided": self.advance_when_all_decided,
                "timer_seconds": self.timer_seconds,
                "joined": self._joined,
                "seats": [
                    {"student": s.student, "row": s.row, "role": s.role, "joined_week": s.joined_week, "token": s.token}
                    for s in seats
                ],
            }

    @classmethod
    def restored(cls, scenario: Scenario, code: str, saved: dict, decisions: list[dict]) -> Classroom:
        """The class as it was when its server stopped: its weeks played again, with the students'
        recorded choices as their people's behaviour (the model is seeded: the same weeks come
        out). Every seat waits for its student's page to come back (``rejoin``). Raises
        ClassroomError if the weeks do not come out as recorded (another crmsim, another case)."""
        if saved.get("scenario_hash") != scenario.hash:
            raise ClassroomError(f"classroom {code} was played on another scenario")
        classroom = cls(scenario, code, mix=saved["mix"])
        seats = {
            s["student"]: Seat(s["student"], s["row"], s["role"], s["joined_week"], s["token"]) for s in saved["seats"]
        }
        for week in range(classroom.week, saved["week"]):
            this_week = [d for d in decisions if d["week"] == week]
            for d in this_week:
                seat = seats.get(d["student"]) or Seat(
                    d["student"], row_of(classroom.model, d["person"]), d["role"], week
                )
                classroom.seats[d["student"]] = seat
                classroom.choices[d["student"]] = options_of(seat.role).index(d["choice"])
            classroom.advance()
            classroom.seats.clear()
        if [d.row_of_table(code) for d in classroom.decisions] != decisions or classroom.week != saved["week"]:
            raise ClassroomError(f"classroom {code} does not play again as recorded")
        classroom.advance_when_all_decided = saved["advance_when_all_decided"]
        classroom.timer_seconds = saved["timer_seconds"]
        classroom._joined = saved["joined"]
        classroom._left = {seat.token: (seat, None, classroom.week) for seat in seats.values()}
        return classroom


def _seat_order(model, code: str) -> dict[str, list[int]]:
    """Each role's people in the order students get them: those drawn on the network first
    (so the teacher sees them), shuffled by the classroom's code."""
    shuffle = random.Random(code)
    drawn = set(plots.network_sample(model.org).tolist())
    order = {}
    for role_code, key in ROLE_NAMES.items():
        rows = np.flatnonzero(model.org.role == role_code).tolist()
        first = [r for r in rows if r in drawn]
        rest = [r for r in rows if r not in drawn]
        shuffle.shuffle(first)
        shuffle.shuffle(rest)
        order[key] = first + rest
    return order
