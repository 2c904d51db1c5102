"""What the telescope endpoints share (the LX200 mount's and the ACU's): the agent side of a client
that owns one I/O thread.

Calls (``goto``, ``park``, ``abort``) come from any thread: they queue a request, wake the I/O thread
and return the operation's number at once. The I/O thread (the subclass's ``_run``) takes the
requests, talks to the device, and reports each outcome to the agent with ``agent.call_soon`` as a
:class:`~scheduler.mount.events.SlewEvent` (``started``, ``done``, ``failed``) or a
:class:`~scheduler.mount.events.Position`. One operation runs at a time; a new goto or park replaces it.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Generic, Protocol, TypeVar

from common.transport.wake import Waker
from scheduler.mount.events import Position, SlewEvent

Callback = Callable[[Any], None]


class CallSoon(Protocol):
    def call_soon(self, callback: Callable[..., Any], *args: Any) -> Any: ...


class Operation(Protocol):
    event: SlewEvent
    phase: str


Op = TypeVar("Op", bound=Operation)
Request = tuple[str, int, float, Any]  # kind (goto, park, abort), operation number, commanded at, target


class DriveEndpoint(Generic[Op]):
    """The Endpoint protocol (start/stop/describe's common fields), the request queue and the events.

    A subclass sets ``thread_label`` and ``caller_error`` and writes ``_run`` (the I/O thread: it calls
    ``_take_request()`` until None after each wake-up) and ``describe``."""

    thread_label = "client"
    caller_error: type[Exception] = RuntimeError

    def __init__(
        self,
        agent: CallSoon,
        name: str,
        *,
        on_started: Callback | None,
        on_done: Callback | None,
        on_failed: Callback | None,
        on_position: Callback | None,
        reconnect_interval: float,
        reply_timeout: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.agent, self.name, self.clock = agent, name, clock
        self.callbacks = {"started": on_started, "done": on_done, "failed": on_failed, "position": on_position}
        self.reconnect_interval, self.reply_timeout = reconnect_interval, reply_timeout
        self._lock = threading.Lock()
        self._requests: collections.deque[Request] = collections.deque()
        self._sequence = 0
        self._waker = Waker()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._op: Op | None = None
        self.connected = False
        self._connected = threading.Event()
        self.last_position: Position | None = None
        self.last_event: SlewEvent | None = None

    # --- Endpoint protocol ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"{self.name} {self.thread_label}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._waker.wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        if self._thread is None or not self._thread.is_alive():
            self._waker.close()

    def _common_view(self) -> dict[str, Any]:
        """The fields every telescope endpoint describes (call with ``_lock`` held)."""
        op = self._op
        return {
            "connected": self.connected,
            "position": None if self.last_position is None else vars(self.last_position).copy(),
            "operation": None if op is None else {**op.event.as_dict(), "phase": op.phase},
            "last_event": None if self.last_event is None else self.last_event.as_dict(),
        }

    def wait_connected(self, timeout: float) -> bool:
        """Block until the device answered (True) or ``timeout`` passed (False)."""
        return self._connected.wait(timeout)

    # --- commands (any thread, non-blocking) ------------------------------------------------------
    def park(self) -> int:
        return self._request("park", None)

    def abort(self) -> None:
        self._request("abort", None)

    def _request(self, kind: str, target: Any) -> int:
        if self._thread is None or self._stopping.is_set():
            raise self.caller_error(f"{self.name}: the endpoint is not running")
        with self._lock:
            self._sequence += 1
            number = self._sequence
            self._requests.append((kind, number, self.clock(), target))
        self._waker.wake()
        return number

    def _take_request(self) -> Request | None:
        with self._lock:
            return self._requests.popleft() if self._requests else None

    def _run(self) -> None:
        raise NotImplementedError

    # --- events (the I/O thread) ------------------------------------------------------------------
    def _set_op(self, op: Op | None) -> None:
        with self._lock:
            self._op = op

    def _set_connected(self, connected: bool) -> None:
        with self._lock:
            self.connected = connected
        if connected:
            self._connected.set()
        else:
            self._connected.clear()

    def _end_op(self) -> None:
        """The operation under way is over (done or failed); a subclass drops what it kept for it."""
        self._set_op(None)

    def _fail(self, reason: str) -> None:
        op = self._op
        if op is None:
            return
        self._end_op()
        self._emit(replace(op.event, step="failed", at=self.clock(), reason=reason))

    def _new_event(self, request: Request, ra: float | None, dec: float | None) -> SlewEvent:
        kind, number, commanded_at, _ = request
        return SlewEvent("", number, kind, ra, dec, commanded_at, None, commanded_at)

    def _refuse(self, event: SlewEvent, reason: str) -> None:
        self._emit(replace(event, step="failed", at=self.clock(), reason=reason))

    def _report_position(self, position: Position) -> None:
        with self._lock:
            self.last_position = position
        self._call("position", position)

    def _emit(self, event: SlewEvent) -> None:
        with self._lock:
            self.last_event = event
        self._call(event.step, event)

    def _call(self, which: str, value: Any) -> None:
        callback = self.callbacks[which]
        if callback is not None:
            self.agent.call_soon(callback, value)
