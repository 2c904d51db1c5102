"""Accept back-off when the process is out of descriptors or memory (model: asyncio, Twisted).

``accept()`` failing with EMFILE/ENFILE/ENOBUFS/ENOMEM leaves the pending connection in the backlog,
so the listening socket stays readable: a loop that just logs and retries spins at 100% CPU and
floods the log. :class:`AcceptBackoff` turns such a failure into a pause (the caller stops watching
the listener until ``paused_until``), doubling from ``first`` to ``maximum`` while the failures
last, with one warning per episode and an info line when accepting works again.
"""

from __future__ import annotations

import errno
import logging
import time

log = logging.getLogger("pyros.transport")

RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class AcceptBackoff:
    __slots__ = ("delay", "episode_start", "failures", "first", "maximum", "name", "paused_until")

    def __init__(self, name: str, first: float = 0.05, maximum: float = 1.0) -> None:
        self.name = name
        self.first = first
        self.maximum = maximum
        self.delay = first
        self.episode_start: float | None = None
        self.failures = 0
        self.paused_until: float | None = None

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    def failed(self, exc: OSError, now: float | None = None) -> bool:
        """Record an ``accept()`` failure. True (and paused) if it is resource exhaustion; False for
        errors of one connection (ECONNABORTED ...) that the caller just skips."""
        if exc.errno not in RESOURCE_ERRNOS:
            log.debug("%s: accept failed: %s", self.name, exc)
            return False
        now = time.monotonic() if now is None else now
        if self.episode_start is None:
            self.episode_start = now
            self.delay = self.first
            log.warning(
                "%s: accept paused: %s; backing off (up to %g s between tries) until it works again",
                self.name,
                exc.strerror or exc,
                self.maximum,
            )
        else:
            self.delay = min(self.delay * 2, self.maximum)
        self.failures += 1
        self.paused_until = now + self.delay
        return True

    def due(self, now: float) -> bool:
        """Whether a paused listener should be watched again (clears the pause)."""
        if self.paused_until is None or now < self.paused_until:
            return False
        self.paused_until = None
        return True

    def succeeded(self) -> None:
        """An ``accept()`` worked: end the episode, if any."""
        if self.episode_start is None:
            return
        log.info(
            "%s: accepting again after %.2f s (%d failed tries)",
            self.name,
            time.monotonic() - self.episode_start,
            self.failures,
        )
        self.episode_start = None
        self.failures = 0
        self.delay = self.first


class LogBudget:
    """At most ``burst`` warnings per ``period`` seconds for one kind of event (a peer opening
    connections full of garbage must not flood the log); the next line allowed says how many
    were left out."""

    __slots__ = ("burst", "left", "period", "suppressed", "window_end")

    def __init__(self, burst: int = 10, period: float = 10.0) -> None:
        self.burst = burst
        self.period = period
        self.left = burst
        self.window_end = 0.0
        self.suppressed = 0

    def take(self, now: float | None = None) -> int | None:
        """None: stay quiet (counted). Else the number of lines left out since the last one."""
        now = time.monotonic() if now is None else now
        if now >= self.window_end:
            self.window_end = now + self.period
            self.left = self.burst
        if self.left <= 0:
            self.suppressed += 1
            return None
        self.left -= 1
        suppressed, self.suppressed = self.suppressed, 0
        return suppressed
