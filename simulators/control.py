"""Process-local control of a run: the servers hosted here and the stop/wake-up plumbing.

:class:`RunControl` is what the main loop of a run (or of a worker process) sleeps on: signals, server
stops and stop requests from other threads all wake it through one socket pair. Signal handlers only
set a flag (the wake-up byte is written by Python's C-level handler), so they never take a lock.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from types import FrameType

from common.transport.wake import Waker
from simulators.hosting import Server
from simulators.server import ServerEntry


def ready_line(entry: ServerEntry, server: Server) -> str:
    """The line printed when a server accepts: ``ready active_surface[0] tcp listening 127.0.0.1:11000``."""
    roles = (("listening", server.l_address), ("sending", server.s_address))
    addresses = ", ".join(f"{role} {address[0]}:{address[1]}" for role, address in roles if address)
    return f"ready {entry.name} {server.protocol} {addresses}"


class RunControl:
    """Stop flag + wake-up socket pair for one process's main loop."""

    def __init__(self) -> None:
        self._waker = Waker()
        self.wakeup_reader = self._waker.reader
        self.stop_requested = False
        self._stopped: list[ServerEntry] = []

    @property
    def wakeup_fd(self) -> int:
        """For ``signal.set_wakeup_fd``: a signal writes a byte here."""
        return self._waker.writer.fileno()

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True

    def request_stop(self) -> None:
        """Thread-safe: ask the main loop to stop."""
        self.stop_requested = True
        self.wake()

    def wake(self) -> None:
        self._waker.wake()

    def server_stopped(self, entry: ServerEntry) -> None:
        """A server stopped by itself (``$system_stop%%%%%``); called from the stopping thread."""
        self._stopped.append(entry)
        self.wake()

    def take_stopped(self) -> list[ServerEntry]:
        taken = self._stopped[:]
        del self._stopped[: len(taken)]
        return taken

    def wait(self, timeout: float | None = None) -> None:
        """Sleep until woken (signal, stop request, server stop) or ``timeout``."""
        select.select([self.wakeup_reader], [], [], timeout)
        self.drain()

    def drain(self) -> None:
        self._waker.drain()

    def close(self) -> None:
        self._waker.close()


class ServerGroup:
    """The servers this process hosts, started in order with a notification for each."""

    def __init__(
        self,
        pairs: list[tuple[ServerEntry, Server]],
        on_ready: Callable[[ServerEntry, Server], object],
        on_stopped: Callable[[ServerEntry], object],
    ) -> None:
        self.pairs = pairs
        self.on_ready = on_ready
        self.on_stopped = on_stopped

    def start(self) -> None:
        """Build each System and start serving; ``on_ready`` follows each start, in this thread."""
        for entry, server in self.pairs:
            server.add_stop_callback(self._stop_notice(entry))
            server.start()
            self.on_ready(entry, server)

    def _stop_notice(self, entry: ServerEntry) -> Callable[[Server], None]:
        def notice(_server: Server) -> None:
            self.on_stopped(entry)

        return notice

    @property
    def all_stopped(self) -> bool:
        return all(server.stopped.is_set() for _, server in self.pairs)

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop every server (in parallel) and wait for them; True if all stopped in time."""
        deadline = time.monotonic() + timeout
        for _, server in self.pairs:
            server.request_stop()
        return all([server.join(max(0.0, deadline - time.monotonic())) for _, server in self.pairs])
