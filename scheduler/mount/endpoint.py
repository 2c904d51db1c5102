"""The agent's LX200 mount endpoint: one I/O thread, non-blocking calls, results in the agent's thread.

``goto(ra_deg, dec_deg)``, ``abort()`` and ``park()`` may be called from any thread and return at once;
the endpoint's thread talks to the mount (``:Sr`` -> ``:Sd`` -> ``:MS#``, then ``:D#`` every
``poll_interval`` until the slew is over, then ``:GR#``/``:GD#``) and hands every outcome to the agent
with ``agent.call_soon(callback, event)``: ``on_started``, ``on_done``, ``on_failed`` receive a
:class:`~scheduler.mount.events.SlewEvent`, ``on_position`` a :class:`~scheduler.mount.events.Position`
(every ``position_interval`` while connected). The connection is made at start and remade after a loss
every ``reconnect_interval``; a command while disconnected fails at once (``reason="not connected"``).
A new goto or a park replaces the operation under way (which fails with ``superseded``); an abort
fails it with ``aborted``.
"""

from __future__ import annotations

import collections
import logging
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import scheduler.mount.codec as codec
from scheduler.mount.base import Callback, CallSoon, DriveEndpoint
from scheduler.mount.events import Position, SlewEvent
from scheduler.mount.exceptions import MountCallerError, MountPeerError

logger = logging.getLogger("pyros.scheduler.mount")

__all__ = ["CallSoon", "MountEndpoint"]


@dataclass
class _Operation:
    event: SlewEvent  # the template: kind, target, times
    phase: str = "target"  # target (:Sr/:Sd/:MS) -> slewing (:D# polls) -> final (:GR#/:GD#)


class MountEndpoint(DriveEndpoint[_Operation]):
    """LX200 client of one mount, for one agent (the Endpoint protocol: start/stop/describe)."""

    thread_label = "lx200 client"
    caller_error = MountCallerError

    def __init__(
        self,
        agent: CallSoon,
        host: str,
        port: int,
        *,
        name: str = "mount",
        on_started: Callback | None = None,
        on_done: Callback | None = None,
        on_failed: Callback | None = None,
        on_position: Callback | None = None,
        poll_interval: float = 0.2,
        position_interval: float = 1.0,
        reconnect_interval: float = 1.0,
        reply_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            agent, name, on_started=on_started, on_done=on_done, on_failed=on_failed, on_position=on_position,
            reconnect_interval=reconnect_interval, reply_timeout=reply_timeout, clock=clock,
        )  # fmt: skip
        self.address = (host, int(port))
        self.poll_interval, self.position_interval = poll_interval, position_interval
        self._sock: socket.socket | None = None
        self._codec = codec.LX200ClientCodec()
        self._out = bytearray()
        self._timers: dict[str, float] = {}
        self._waiting_since: float | None = None
        self.last_commands: collections.deque[tuple[float, str]] = collections.deque(maxlen=20)
        self._pending_ra = 0.0
        self._tags: collections.deque[int] = collections.deque()  # operation of each reply expected

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "name": self.name,
                "address": f"{self.address[0]}:{self.address[1]}",
                **self._common_view(),
                "last_commands": [{"at": at, "command": text} for at, text in self.last_commands],
            }

    def goto(self, ra_deg: float, dec_deg: float) -> int:
        """Slew to (RA, Dec) in degrees and track; returns the operation number of the events."""
        codec.set_target_ra(ra_deg), codec.set_target_dec(dec_deg)  # MountCallerError now, not later
        return self._request("goto", (ra_deg, dec_deg))

    # --- the I/O thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._waker.reader, selectors.EVENT_READ, "waker")
        try:
            while not self._stopping.is_set():
                if self._sock is None and time.monotonic() >= self._timers.get("reconnect", 0.0):
                    self._connect(selector)
                if self._waiting_since is not None and time.monotonic() - self._waiting_since > self.reply_timeout:
                    self._disconnect(selector, "no reply from the mount")
                self._handle_requests()
                self._run_timers()
                self._flush(selector)
                for key, events in selector.select(self._next_wakeup()):
                    if key.data == "waker":
                        self._waker.drain()
                    elif events & selectors.EVENT_READ:
                        self._read(selector)
        except Exception:
            logger.exception("%s: client loop crashed", self.name)
        finally:
            self._disconnect(selector, "endpoint stopped")
            selector.close()

    def _next_wakeup(self) -> float:
        now = time.monotonic()
        deadlines = list(self._timers.values())
        if self._waiting_since is not None:
            deadlines.append(self._waiting_since + self.reply_timeout)
        return max(0.0, min(deadlines, default=now + 1.0) - now)

    def _connect(self, selector: selectors.BaseSelector) -> None:
        try:
            sock = socket.create_connection(self.address, timeout=self.reply_timeout)
        except OSError as exc:
            logger.info("%s: cannot connect to %s:%s: %s", self.name, *self.address, exc)
            self._timers["reconnect"] = time.monotonic() + self.reconnect_interval
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self._sock, self._codec, self._out = sock, codec.LX200ClientCodec(), bytearray()
        self._tags.clear()
        selector.register(sock, selectors.EVENT_READ, "mount")
        self._send(codec.ack())
        self._timers.pop("reconnect", None)

    def _disconnect(self, selector: selectors.BaseSelector, reason: str) -> None:
        if self._sock is not None:
            selector.unregister(self._sock)
            self._sock.close()
            self._sock = None
            logger.info("%s: disconnected: %s", self.name, reason)
        self._set_connected(False)
        self._waiting_since = None
        self._timers = {"reconnect": time.monotonic() + self.reconnect_interval}
        self._fail(reason)

    def _read(self, selector: selectors.BaseSelector) -> None:
        if self._sock is None:
            return
        try:
            data = self._sock.recv(4096)
        except BlockingIOError:
            return
        except OSError as exc:
            self._disconnect(selector, f"connection lost: {exc}")
            return
        if not data:
            self._disconnect(selector, "connection closed by the mount")
            return
        try:
            replies = self._codec.receive_data(data)
            self._waiting_since = time.monotonic() if self._codec.waiting else None
            for reply in replies:
                self._on_reply(reply, self._tags.popleft())
        except MountPeerError as exc:
            self._disconnect(selector, str(exc))

    def _flush(self, selector: selectors.BaseSelector) -> None:
        if self._sock is None or (not self._out and selector.get_key(self._sock).events == selectors.EVENT_READ):
            return
        try:
            sent = self._sock.send(self._out)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._disconnect(selector, f"connection lost: {exc}")
            return
        del self._out[:sent]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self._out else 0)
        if selector.get_key(self._sock).events != events:  # wake when the rest can be written
            selector.modify(self._sock, events, "mount")

    def _send(self, command: codec.Command, operation: int = 0) -> None:
        """Queue ``command``; its reply will be taken as part of ``operation`` (0: none)."""
        if self._sock is None:
            return
        if command.kind is not codec.ReplyKind.NONE:
            self._tags.append(operation)
            if self._waiting_since is None:
                self._waiting_since = time.monotonic()
        self._out += self._codec.send(command)
        with self._lock:
            self.last_commands.append((self.clock(), command.wire.decode("latin-1")))

    # --- operations -------------------------------------------------------------------------------
    def _handle_requests(self) -> None:
        while (request := self._take_request()) is not None:
            kind, number, _, target = request
            if kind == "abort":
                self._send(codec.abort())
                self._fail("aborted")
                continue
            ra, dec = target if target is not None else (None, None)
            event = self._new_event(request, ra, dec)
            self._fail("superseded")
            if not self.connected:
                self._refuse(event, "not connected")
                continue
            self._set_op(_Operation(event))
            if kind == "park":
                self._send(codec.park())
                self._started(self.clock())
            else:
                self._send(codec.set_target_ra(ra), number)

    def _started(self, sent_at: float) -> None:
        op = self._op
        if op is None:
            return
        op.event = replace(op.event, sent_at=sent_at)
        op.phase = "slewing"
        self._emit(replace(op.event, step="started", at=self.clock()))
        self._timers["poll"] = time.monotonic() + self.poll_interval

    def _end_op(self) -> None:
        super()._end_op()
        self._timers.pop("poll", None)

    def _run_timers(self) -> None:
        now = time.monotonic()
        if not self.connected:
            return
        if self._timers.get("poll", now + 1) <= now:
            del self._timers["poll"]
            if self._op is not None:
                self._send(codec.slew_status(), self._op.event.operation)
        if self._timers.get("position", now + 1) <= now:
            self._timers["position"] = now + self.position_interval
            self._send(codec.get_ra())
            self._send(codec.get_dec())

    def _on_reply(self, reply: codec.Reply, operation: int) -> None:
        name, text, op = reply.command.name, reply.text, self._op
        if name == "ACK":
            self._set_connected(True)
            self._timers["position"] = time.monotonic()
        elif name == "GR":
            self._pending_ra = codec.parse_ra(text)
        elif name == "GD":
            self._on_position(Position(self._pending_ra, codec.parse_dec(text), self.clock()), operation)
        elif op is None or operation != op.event.operation:
            return  # the reply of an operation that was superseded or aborted
        elif name in ("Sr", "Sd"):
            self._on_target_reply(name, text, op)
        elif name == "MS":
            code, message = codec.goto_outcome(text)
            if code == 0:
                self._started(op.event.commanded_at if op.event.sent_at is None else op.event.sent_at)
            else:
                self._fail(f"goto refused ({code}): {message}")
        elif name == "D" and op.phase == "slewing":
            if codec.slew_complete(text):
                op.phase = "final"
                self._send(codec.get_ra(), op.event.operation)
                self._send(codec.get_dec(), op.event.operation)
            else:
                self._timers["poll"] = time.monotonic() + self.poll_interval

    def _on_target_reply(self, name: str, text: str, op: _Operation) -> None:
        if text != "1":
            self._fail(f"target rejected by :{name}")
        elif name == "Sr" and op.event.dec_deg is not None:
            self._send(codec.set_target_dec(op.event.dec_deg), op.event.operation)
        elif name == "Sd":
            op.event = replace(op.event, sent_at=self.clock())
            self._send(codec.goto(), op.event.operation)

    def _on_position(self, position: Position, operation: int) -> None:
        self._report_position(position)
        op = self._op
        if op is not None and op.phase == "final" and operation == op.event.operation:
            self._end_op()
            self._emit(replace(op.event, step="done", at=position.at, position=(position.ra_deg, position.dec_deg)))
