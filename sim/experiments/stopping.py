"""Stopping an experiment cleanly on Ctrl-C (SIGINT) or SIGTERM.

While an experiment runs, either signal raises ``Stop`` in the main process, which stops the
workers, writes every finished run still in memory and the manifest, and then ends the command
with one line. A signal that arrives while a part or the manifest is being written waits for
that write to end, so the folder never holds half of a write that was cut by the stop itself.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop(BaseException):
    """A stop asked for by a signal. A BaseException, like KeyboardInterrupt, so that a run's
    ``except Exception`` (which records the run as failed) cannot take it for the run's error."""

    def __init__(self, signal_number: int):
        self.signal_number = signal_number
        super().__init__(signal.Signals(signal_number).name)


class StopSignals:
    """While entered (in the main thread), SIGINT and SIGTERM raise ``Stop``, once.

    After the first signal the stop is under way: later signals are noted, not raised, so the
    saving of finished runs is not cut short by an impatient second Ctrl-C.
    """

    def __init__(self):
        self.received: int | None = None
        self.stopping = False
        self._held = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self._previous[number] = signal.signal(number, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous.clear()

    def _on_signal(self, number: int, frame) -> None:
        if self.received is None:
            self.received = number
        if not self._held:
            self.check()

    def check(self) -> None:
        """Raise ``Stop`` if a signal came and the stop has not begun yet."""
        if self.received is not None and not self.stopping:
            self.stopping = True
            raise Stop(self.received)

    @contextmanager
    def held(self) -> Iterator[None]:
        """A section that a signal must not cut in two (writing a part or the manifest)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if not self._held:
            self.check()


class Terminated(KeyboardInterrupt):
    """SIGTERM, taken as a Ctrl-C (``terminate_as_interrupt``)."""

    signal_number = signal.SIGTERM


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While entered (in the main thread), SIGTERM raises ``Terminated``, a KeyboardInterrupt: a
    command that keeps its finished work and says so on Ctrl-C (a calibration) does on SIGTERM
    too, instead of dying with its workers and its manifest saying "running"."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(number, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def ignore_interrupts() -> None:
    """In a worker process: leave Ctrl-C to the main process, which stops the workers itself (a
    Ctrl-C at a terminal reaches every process of the group, and a worker killed by it would
    look like a crashed run)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
