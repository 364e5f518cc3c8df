"""The classrooms a server holds, by code: several classes at once, each with its own organisation.

The teacher's page opens a classroom and shows its code in the join address; a student's page
finds the classroom by that code (or, when the server holds just one, without it). A ticker
plays the weeks of classrooms whose timer ran out. The decisions of every classroom go to one
decisions file when the server was given ``--out``; a server started again on that folder takes
up the classes the last one left (``taken_up``).
"""

from __future__ import annotations

import os
import secrets
import sys
import threading

from sim.core.scenario import Scenario, cases
from sim.presentation.classroom.record import DecisionsFile
from sim.presentation.classroom.session import Classroom, ClassroomError

#: Letters of a classroom code: no 0/O, 1/I/L to misread on a projector.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: How often the ticker looks at the classrooms' timers [seconds].
TICK = 0.5


class Registry:
    """Classrooms by code, the case they start from, and where their decisions go."""

    def __init__(self, case: str, decisions: DecisionsFile | None = None):
        self.case = case
        self.decisions = decisions
        self.classrooms: dict[str, Classroom] = {}
        self.lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    def scenario(self) -> Scenario:
        return Scenario.case(self.case) if self.case in cases() else Scenario.load(self.case)

    def open(self, mix: dict[str, int] | None = None) -> Classroom:
        """A new classroom with a fresh code, at the week its CRM goes live."""
        with self.lock:
            code = _new_code(self.classrooms)
            record = self.decisions.write if self.decisions is not None else None
            classroom = Classroom(self.scenario(), code, mix=mix, record=record)
            self.classrooms[code] = classroom
            if self.decisions is not None:
                self.decisions.add(classroom)
            self._start_ticker()
            return classroom

    def get(self, code: str | None) -> Classroom | None:
        """The classroom of ``code``; without a code, the only one if there is just one."""
        with self.lock:
            if code:
                return self.classrooms.get(code.strip().upper())
            return next(iter(self.classrooms.values())) if len(self.classrooms) == 1 else None

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, name="classroom timers", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        stop = threading.Event()
        while not stop.wait(TICK):
            with self.lock:
                timed = [c for c in self.classrooms.values() if c.timer_seconds]
            for classroom in timed:
                classroom.advance_if_due()


def _new_code(taken) -> str:
    while True:
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(4))
        if code not in taken:
            return code


def taken_up(registry: Registry) -> Registry:
    """The classes an earlier server on the same folder left, taken up again (``Classroom.restored``);
    a class of another case, or one that does not play again as recorded, stays in the file only."""
    decisions = registry.decisions
    if decisions is None:
        return registry
    scenario = registry.scenario()
    for code, (saved, rows) in decisions.saved_classes().items():
        try:
            classroom = Classroom.restored(scenario, code, saved, rows)
        except (ClassroomError, KeyError, TypeError, ValueError, StopIteration) as exc:
            print(f"crmsim classroom: class {code} not taken up again ({exc}); its decisions stay", file=sys.stderr)
            continue
        classroom.record = decisions.write
        registry.classrooms[code] = classroom
        decisions.take_up(classroom)
    if registry.classrooms:
        registry._start_ticker()
    return registry


_REGISTRY: Registry | None = None
_REGISTRY_LOCK = threading.Lock()


def registry() -> Registry:
    """This server's classrooms (one registry per server process, set up from its environment)."""
    global _REGISTRY
    with _REGISTRY_LOCK:
        if _REGISTRY is None:
            out = os.environ.get("CRMSIM_CLASSROOM_OUT")
            _REGISTRY = taken_up(
                Registry(
                    os.environ.get("CRMSIM_CLASSROOM_CASE", "global_giant_telco"),
                    DecisionsFile(out, claimed=True) if out else None,  # locked by the server that set it
                )
            )
        return _REGISTRY
