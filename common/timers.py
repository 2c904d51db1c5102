"""Timers of an agent's loop: ``call_later`` / ``call_every`` deadlines kept in a heap.

The agent's own thread runs the due callbacks and sleeps (in its ``select``) until the next deadline;
other threads may add timers (the heap is locked) and then wake the agent. A periodic timer's next
deadline is the previous deadline plus the interval, so it does not drift; ticks missed while the
thread was busy are skipped, not run in a burst.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from collections.abc import Callable
from typing import Any

Callback = Callable[..., Any]


class TimerHandle:
    """What ``call_later`` / ``call_every`` return: ``cancel()`` it to stop it (from any thread)."""

    __slots__ = ("_cancelled", "args", "callback", "deadline", "interval")

    def __init__(self, deadline: float, interval: float | None, callback: Callback, args: tuple[Any, ...]) -> None:
        self.deadline = deadline
        self.interval = interval
        self.callback = callback
        self.args = args
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def __repr__(self) -> str:
        kind = f"every {self.interval:g} s" if self.interval else "once"
        state = " cancelled" if self._cancelled else ""
        return f"<TimerHandle {getattr(self.callback, '__qualname__', self.callback)!r} {kind}{state}>"


class TimerQueue:
    """The pending timers of one agent (monotonic clock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def add(
        self, delay: float, callback: Callback, args: tuple[Any, ...], interval: float | None = None
    ) -> TimerHandle:
        handle = TimerHandle(self.clock() + max(delay, 0.0), interval, callback, args)
        self._push(handle)
        return handle

    def _push(self, handle: TimerHandle) -> None:
        with self._lock:
            heapq.heappush(self._heap, (handle.deadline, next(self._order), handle))

    def next_deadline(self) -> float | None:
        """The earliest deadline (of a possibly cancelled timer), or None."""
        heap = self._heap
        return heap[0][0] if heap else None

    def pop_due(self, now: float | None = None) -> list[TimerHandle]:
        """Remove and return the timers due by ``now``, in deadline order; periodic ones are re-armed."""
        now = self.clock() if now is None else now
        due: list[TimerHandle] = []
        with self._lock:
            heap = self._heap
            while heap and heap[0][0] <= now:
                handle = heapq.heappop(heap)[2]
                if handle.cancelled:
                    continue
                due.append(handle)
                if handle.interval:
                    behind = now - handle.deadline
                    steps = 1 + (math.floor(behind / handle.interval) if behind >= handle.interval else 0)
                    handle.deadline += steps * handle.interval
                    heapq.heappush(heap, (handle.deadline, next(self._order), handle))
        return due

    def clear(self) -> None:
        with self._lock:
            for _, _, handle in self._heap:
                handle.cancel()
            self._heap.clear()

    def __len__(self) -> int:
        return sum(1 for _, _, handle in self._heap if not handle.cancelled)
