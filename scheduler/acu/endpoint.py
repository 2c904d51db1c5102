"""The agent's ACU endpoint: the SRT Antenna Control Unit driven as the executor drives the LX200 mount.

One I/O thread holds two connections: the command port (the ACU never answers on it) and the status
port (an 813-byte status every 0.1 s, decoded by :class:`~scheduler.acu.codec.StatusDecoder`). Calls
from any thread return at once, as :class:`~scheduler.mount.MountEndpoint`'s do, and every outcome goes
to the agent with ``agent.call_soon`` as the same :class:`~scheduler.mount.SlewEvent` and
:class:`~scheduler.mount.Position` values:

* ``goto(ra, dec)``: a program track of the target for the site (:class:`~scheduler.acu.track.Tracker`,
  one point every ``track_step`` s, ``track_points`` per table, appended while the target is tracked),
  the elevation unstowed first, then program-track mode on both axes; ``done`` when the status shows
  the table running (ptState 3) and both axes within ``tolerance`` deg of the target at the ACU's time.
* ``park()``: stow: azimuth stopped, elevation driven to its stow position (pins in); ``done`` when the
  elevation reports the drive executed and stowed.
* ``abort()``: stop on both axes; the operation under way fails with ``aborted``.

At the first status of a connection the axes found inactive are activated. A command the ACU refuses
(its status: answer 4 wrong mode, 5 invalid parameters) fails the operation; so does a connection lost
(both sockets are remade every ``reconnect_interval``) or ``reply_timeout`` s without a status.
"""

from __future__ import annotations

import collections
import logging
import selectors
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import scheduler.acu.progress as progress
from scheduler.acu.codec import AZIMUTH, ELEVATION, AcuStatus, CommandEncoder, Message, StatusDecoder
from scheduler.acu.exceptions import AcuCallerError
from scheduler.acu.track import Tracker, from_mjd, mjd, radec
from scheduler.mount.base import Callback, CallSoon, DriveEndpoint
from scheduler.mount.events import Position, SlewEvent
from scheduler.planner.types import Site

logger = logging.getLogger("pyros.scheduler.acu")


def day_milliseconds() -> int:
    return int(time.time() % 86400 * 1000)


@dataclass
class _Operation:
    event: SlewEvent  # the template: kind, target, times
    tracker: Tracker | None = None
    stow_counter: int = 0
    unconfirmed: dict[int, tuple[int, str, float]] = field(default_factory=dict)  # counter: subsystem, what, since
    phase: str = "slewing"  # slewing -> tracking (a goto after done)


class AcuEndpoint(DriveEndpoint[_Operation]):
    """ACU client of one antenna, for one agent (the Endpoint protocol: start/stop/describe)."""

    thread_label = "acu client"
    caller_error = AcuCallerError

    def __init__(
        self,
        agent: CallSoon,
        host: str,
        port: int,
        status_port: int | None = None,
        *,
        site: Site,
        name: str = "acu",
        on_started: Callback | None = None,
        on_done: Callback | None = None,
        on_failed: Callback | None = None,
        on_position: Callback | None = None,
        rates: tuple[float, float] = (0.85, 0.5),
        track_step: float = 1.0,
        track_points: int = 50,
        tolerance: float = 0.01,
        position_interval: float = 1.0,
        reconnect_interval: float = 1.0,
        reply_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 5 <= track_points <= 50 or track_step <= 0:
            raise AcuCallerError("an ACU program track table has 5 to 50 points, a step > 0 s")
        super().__init__(
            agent, name, on_started=on_started, on_done=on_done, on_failed=on_failed, on_position=on_position,
            reconnect_interval=reconnect_interval, reply_timeout=reply_timeout, clock=clock,
        )  # fmt: skip
        self.site = site
        self.address = (host, int(port))
        self.status_address = (host, int(status_port) if status_port else int(port) + 1)
        self.rates, self.track_step, self.track_points, self.tolerance = rates, track_step, track_points, tolerance
        self.position_interval = position_interval
        self._commands: socket.socket | None = None
        self._stream: socket.socket | None = None
        self._decoder = StatusDecoder()
        self._encoder = CommandEncoder(clock=day_milliseconds)
        self._lost: str | None = None
        self._reconnect_at = 0.0
        self._status_at = 0.0
        self._position_at = 0.0
        self.last_status: AcuStatus | None = None
        self.last_commands: collections.deque[tuple[float, str, list[int]]] = collections.deque(maxlen=20)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            status = self.last_status
            return {
                "name": self.name,
                "kind": "acu",
                "address": f"{self.address[0]}:{self.address[1]}",
                "status_address": f"{self.status_address[0]}:{self.status_address[1]}",
                **self._common_view(),
                "axes": None if status is None else progress.axes_view(status),
                "last_commands": [{"at": at, "command": what, "counters": c} for at, what, c in self.last_commands],
            }

    def goto(self, ra_deg: float, dec_deg: float) -> int:
        """Point at (RA, Dec) in degrees and track; AcuCallerError now if the target is out of reach."""
        tracker = Tracker(ra_deg, dec_deg, self.site, datetime.fromtimestamp(self.clock(), UTC), self.track_step)
        elevation = float(tracker.at([0.0, self.track_step * (self.track_points - 1)])[1].min())
        if elevation < 5.0:
            raise AcuCallerError(f"RA {ra_deg} Dec {dec_deg} is at {elevation:.1f} deg elevation, under the ACU's 5")
        return self._request("goto", tracker)

    # --- the I/O thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._waker.reader, selectors.EVENT_READ, "waker")
        try:
            Tracker(0.0, 0.0, self.site, datetime.now(UTC), 1.0)  # astropy's first use takes ~0.4 s: not in a goto
            while not self._stopping.is_set():
                now = time.monotonic()
                if self._stream is None and now >= self._reconnect_at:
                    self._connect(selector)
                elif self._stream is not None and now - self._status_at > self.reply_timeout:
                    self._lost = "no status from the ACU"
                self._handle_requests()
                if self._lost is not None:
                    self._disconnect(selector, self._lost)
                wait = self._reconnect_at - now if self._stream is None else self._status_at + self.reply_timeout - now
                for key, _ in selector.select(max(0.0, min(wait, 1.0))):
                    if key.data == "waker":
                        self._waker.drain()
                    else:
                        self._read()
        except Exception:
            logger.exception("%s: client loop crashed", self.name)
        finally:
            self._disconnect(selector, "endpoint stopped")
            selector.close()

    def _connect(self, selector: selectors.BaseSelector) -> None:
        try:
            commands = socket.create_connection(self.address, timeout=self.reply_timeout)
        except OSError as exc:
            logger.info("%s: cannot connect to the command port %s:%s: %s", self.name, *self.address, exc)
            self._reconnect_at = time.monotonic() + self.reconnect_interval
            return
        try:
            stream = socket.create_connection(self.status_address, timeout=self.reply_timeout)
        except OSError as exc:
            commands.close()
            logger.info("%s: cannot connect to the status port %s:%s: %s", self.name, *self.status_address, exc)
            self._reconnect_at = time.monotonic() + self.reconnect_interval
            return
        commands.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream.setblocking(False)
        self._commands, self._stream, self._decoder = commands, stream, StatusDecoder()
        self._status_at, self._lost = time.monotonic(), None
        selector.register(stream, selectors.EVENT_READ, "status")

    def _disconnect(self, selector: selectors.BaseSelector, reason: str) -> None:
        for sock in (self._stream, self._commands):
            if sock is not None:
                if sock is self._stream:
                    selector.unregister(sock)
                sock.close()
        if self._stream is not None:
            logger.info("%s: disconnected: %s", self.name, reason)
        self._stream = self._commands = None
        self._lost = None
        self._set_connected(False)
        self._reconnect_at = time.monotonic() + self.reconnect_interval
        self._fail(reason)

    def _read(self) -> None:
        if self._stream is None:
            return
        try:
            data = self._stream.recv(65536)
        except BlockingIOError:
            return
        except OSError as exc:
            self._lost = f"connection lost: {exc}"
            return
        if not data:
            self._lost = "connection closed by the ACU"
            return
        statuses = self._decoder.feed(data)
        for status in statuses[:-1]:
            self._confirm(status)  # older statuses of the read: only their command blocks matter
        if statuses:
            self._on_status(statuses[-1])

    def _send(self, message: Message, what: str) -> Message:
        if self._commands is not None and self._lost is None:
            try:
                self._commands.sendall(message.wire)
            except OSError as exc:
                self._lost = f"connection lost: {exc}"
        with self._lock:
            self.last_commands.append((self.clock(), what, sorted(message.counters.values())))
        return message

    # --- operations -------------------------------------------------------------------------------
    def _handle_requests(self) -> None:
        while (request := self._take_request()) is not None:
            kind, _, _, tracker = request
            if kind == "abort":
                self._send(self._encoder.mode("stop"), "stop")
                self._fail("aborted")
                continue
            ra, dec = (tracker.ra, tracker.dec) if tracker is not None else (None, None)
            event = self._new_event(request, ra, dec)
            if self._op is not None and self._op.phase == "tracking":
                self._set_op(None)  # its goto is done: the track ends with no event
            self._fail("superseded")
            if not self.connected or self.last_status is None:
                self._refuse(event, "not connected")
                continue
            op = _Operation(event, tracker)
            try:
                self._start_goto(op, self.last_status) if tracker is not None else self._start_park(op)
            except AcuCallerError as exc:
                self._refuse(event, str(exc))
                continue
            op.event = replace(op.event, sent_at=self.clock())
            self._set_op(op)
            self._emit(replace(op.event, step="started", at=self.clock()))

    def _start_goto(self, op: _Operation, status: AcuStatus) -> None:
        if op.tracker is None:
            return
        points = op.tracker.next_points(self.track_points, near=status.azimuth.position)
        if status.elevation.stowed:
            self._send(self._encoder.mode("unstow", axes=(ELEVATION,)), "unstow")
        table = self._encoder.program_track(mjd(op.tracker.start), points, self.rates)
        self._expect(op, self._send(table, f"program track ({len(points)} points)"), "the program track table")
        for axis, rate in ((AZIMUTH, self.rates[0]), (ELEVATION, self.rates[1])):
            mode = self._send(self._encoder.mode("program_track", 0.0, rate, axes=(axis,)), "program track mode")
            self._expect(op, mode, "program track mode")

    def _start_park(self, op: _Operation) -> None:
        self._expect(op, self._send(self._encoder.mode("stop", axes=(AZIMUTH,)), "stop azimuth"), "stop")
        stow = self._encoder.mode("drive_to_stow", 0.0, self.rates[1] / 2, axes=(ELEVATION,))
        self._expect(op, self._send(stow, "drive to stow"), "drive to stow")
        op.stow_counter = stow.counters[ELEVATION]

    def _expect(self, op: _Operation, message: Message, what: str) -> None:
        for subsystem, counter in message.counters.items():
            op.unconfirmed[counter] = (subsystem, what, time.monotonic())

    def _extend(self, op: _Operation, status: AcuStatus) -> None:
        """Keep at least half a table ahead of the ACU's time while the target is tracked."""
        tracker = op.tracker
        if tracker is not None and status.pt_state in (0, 4) and not op.unconfirmed:
            self._fail("the program track ended: the ACU ran out of points or dropped the table")
            return
        if tracker is None or status.pt_state not in (2, 3):
            return
        elapsed = (from_mjd(status.act_time_mjd) - tracker.start).total_seconds()
        if tracker.until(elapsed) > self.track_step * self.track_points / 2:
            return
        count = self.track_points // 2
        try:
            points = tracker.next_points(count, near=status.azimuth.position)
        except AcuCallerError as exc:
            self._send(self._encoder.mode("stop"), "stop")
            self._fail(str(exc))
            return
        table = self._encoder.program_track(mjd(tracker.start), points, self.rates, new=False)
        self._expect(op, self._send(table, f"program track append ({count} points)"), "a program track append")

    # --- the status stream ------------------------------------------------------------------------
    def _on_status(self, status: AcuStatus) -> None:
        self._status_at = time.monotonic()
        with self._lock:
            self.last_status = status
        if not self.connected:
            inactive = tuple(
                a for a, s in ((AZIMUTH, status.azimuth), (ELEVATION, status.elevation)) if not s.axis_state
            )
            if inactive:
                self._send(self._encoder.mode("active", axes=inactive), "active")
            self._set_connected(True)
            self._position_at = 0.0
        self._confirm(status)
        op = self._op
        if op is not None:
            self._extend(op, status)
        if self._op is not None and self._op.phase == "slewing" and not self._op.unconfirmed:
            self._check_arrival(self._op, status)
        if time.monotonic() >= self._position_at:
            self._position_at = time.monotonic() + self.position_interval
            self._report_position(self._position(status))

    def _confirm(self, status: AcuStatus) -> None:
        """Settle the commands of the operation that the status answers (refused: the operation fails)."""
        op = self._op
        if op is None:
            return
        for counter, (subsystem, what, since) in list(op.unconfirmed.items()):
            refused = progress.refusal(status, counter)
            if refused is not None:
                self._fail(f"the ACU refused {what}: {refused}")
                return
            if progress.settled(status, subsystem, counter):
                del op.unconfirmed[counter]
            elif time.monotonic() - since > self.reply_timeout:
                self._fail(f"the ACU did not take {what}")
                return

    def _check_arrival(self, op: _Operation, status: AcuStatus) -> None:
        if op.event.kind == "park" and progress.stowed(status, op.stow_counter):
            self._arrived(op, status, "")
        elif op.tracker is not None and progress.on_target(status, op.tracker, self.tolerance):
            self._arrived(op, status, "tracking")

    def _arrived(self, op: _Operation, status: AcuStatus, phase: str) -> None:
        position = self._position(status)
        op.phase = phase
        if not phase:
            self._set_op(None)
        done = replace(op.event, step="done", at=position.at, position=(position.ra_deg, position.dec_deg))
        self._emit(done)

    def _position(self, status: AcuStatus) -> Position:
        at = self.clock()
        az, el = status.azimuth.position, status.elevation.position
        ra, dec = radec(az, el, datetime.fromtimestamp(at, UTC), self.site)
        return Position(ra, dec, at, azimuth=az, elevation=el)
