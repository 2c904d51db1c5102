"""The motion loop: one thread per process steps every moving Active Surface line every ~10 ms.

The reference runs one loop thread per line (96 threads waking every 10 ms); here one clock serves all
the lines of the process and only lines with a moving (or settling) driver do any work. A pass gives
each line *now* and *elapsed* (time since the previous pass), as the reference's loop does. The thread
starts with the first registered line and ends when the last one is unregistered (or collected).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from typing import Protocol

logger = logging.getLogger("pyros.simulators")

PERIOD = 0.01
"""Seconds between two passes."""


class Steppable(Protocol):
    def motion_step(self, now: float, elapsed: float) -> None: ...


class MotionClock:
    """Calls ``line.motion_step(now, elapsed)`` on every registered line every :data:`PERIOD`."""

    def __init__(self, period: float = PERIOD) -> None:
        self.period = period
        self._lock = threading.Lock()
        self._lines: weakref.WeakSet[Steppable] = weakref.WeakSet()
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def register(self, line: Steppable) -> None:
        with self._lock:
            self._lines.add(line)
            if self._thread is None:
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._wake,), name="usd-motion", daemon=True)
                self._thread.start()

    def unregister(self, line: Steppable, timeout: float = 5.0) -> None:
        """Forget ``line``; if it was the last one, wait for the thread to end."""
        with self._lock:
            self._lines.discard(line)
            thread = self._thread if not self._lines else None
            if thread is not None:
                self._thread = None
                self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self, wake: threading.Event) -> None:
        previous = time.monotonic()
        next_pass = previous + self.period
        while not wake.wait(max(0.0, next_pass - time.monotonic())):
            now = time.monotonic()
            elapsed, previous = now - previous, now
            if not self._pass(now, elapsed):
                return
            next_pass = max(next_pass + self.period, time.monotonic())

    def _pass(self, now: float, elapsed: float) -> bool:
        """Step every line once; False (and the thread ends) when none is left.

        A method of its own so that no strong reference to a line survives between passes.
        """
        with self._lock:
            if self._thread is not threading.current_thread():
                return False  # replaced by a newer thread after everything was unregistered
            lines = list(self._lines)
            if not lines:
                self._thread = None
                return False
        for line in lines:
            try:
                line.motion_step(now, elapsed)
            except Exception:
                logger.exception("motion loop: a line failed")
        return True

    def _after_fork_in_child(self) -> None:
        self._lock = threading.Lock()
        self._lines = weakref.WeakSet()
        self._thread = None


_default_clock = MotionClock()
os.register_at_fork(after_in_child=_default_clock._after_fork_in_child)


def default_clock() -> MotionClock:
    """The clock shared by every Active Surface line of this process."""
    return _default_clock
