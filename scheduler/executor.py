"""The executor: the current schedule, slot by slot, on the mount; parks it when the weather says so.

Everything here runs in the scheduler agent's thread. At each slot start (an ``agent.call_later``
timer, armed again whenever a plan is saved) the executor marks the slot ``observing`` and sends the
mount to its target through the agent's mount endpoint (``scheduler.telescope.Mount``: the LX200
``MountEndpoint`` or the SRT ``AcuEndpoint``; non-blocking: the outcome comes back as ``SlewEvent``s
through ``call_soon``); at the slot's end it marks it ``done`` and
arms the next one. A goto that fails marks the slot ``aborted`` and its request ``failed``.
``on_interrupt(slot)`` (a target of opportunity) sends the mount at once. ``suspend(reason)`` (weather)
parks the mount and stops everything until ``resume()``. For an alert's request the slew command and
slew done times are written in the alert's timing audit (``alert_manager.Alert``).
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.apps import apps
from django.db import DatabaseError

from . import store
from .models import ObservationRequest
from .models import Slot as SlotRow
from .mount import Position, SlewEvent
from .planner import Slot, iso
from .telescope import CALLER_ERRORS, Mount

log = logging.getLogger("pyros.scheduler.executor")
HISTORY = 20
"""How many executor events ``describe()`` keeps."""


class Timers(Protocol):
    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Any: ...


@dataclass
class Target:
    """What the mount is sent to: the request, where, until when, for which alert."""

    request_id: int
    name: str
    ra: float
    dec: float
    end: datetime
    alert_id: int | None


class Executor:
    """Runs the schedule on ``mount`` (None: nothing is executed, the plan is only kept)."""

    def __init__(self, agent: Timers, mount: Mount | None, clock: Callable[[], float] = time.time) -> None:
        self.agent, self.mount, self.clock = agent, mount, clock
        self.hold: str | None = None
        self.phase = "idle"  # idle slewing observing parking parked suspended
        self.target: Target | None = None
        self.operation: int | None = None
        self.history: collections.deque[dict[str, Any]] = collections.deque(maxlen=HISTORY)
        self._start_timer: Any = None
        self._end_timer: Any = None

    # --- the schedule -----------------------------------------------------------------------------
    def arm(self) -> None:
        """Set the timer of the next slot of the current schedule (after a plan, a slot, a resume)."""
        _cancel(self._start_timer)
        self._start_timer = None
        if self.mount is None or self.hold is not None:
            return
        row = _next_slot(datetime.now(UTC))
        if row is None:
            return
        if self.target is not None and row.request_id == self.target.request_id:
            self._adopt(row)
            return
        delay = (row.start - datetime.now(UTC)).total_seconds()
        self._start_timer = self.agent.call_later(max(0.0, delay), self._start_slot, row.pk)

    def _adopt(self, row: SlotRow) -> None:
        """The plan kept the target under way (a new schedule version): its slot is the one observed."""
        _mark_slot(row.pk, SlotRow.State.OBSERVING)
        if self.target is not None and self.target.end != row.end:
            self.target.end = row.end
            self._set_end_timer(row.end)

    def _start_slot(self, slot_pk: int) -> None:
        self._start_timer = None
        row = SlotRow.objects.select_related("request").filter(pk=slot_pk).first()
        if self.hold is not None or row is None or row.state != SlotRow.State.PLANNED:
            self.arm()
            return
        request = row.request
        _mark_slot(row.pk, SlotRow.State.OBSERVING)
        ObservationRequest.objects.filter(pk=request.pk).update(state=ObservationRequest.State.OBSERVING)
        self._goto(Target(request.pk, request.name, request.ra, request.dec, row.end, request.alert_id))

    def _end_slot(self) -> None:
        self._end_timer = None
        target = self.target
        if target is None:
            return
        _finish(target.request_id, SlotRow.State.DONE, ObservationRequest.State.DONE)
        self._note("slot done", target.name)
        self.target, self.operation, self.phase = None, None, "idle"
        self.arm()

    def on_interrupt(self, slot: Slot) -> None:
        """A target of opportunity outranks what runs (its slot was aborted by the agent): go now."""
        if self.mount is None or self.hold is not None:
            self._note("interrupt ignored", "weather hold" if self.hold else "no mount")
            return
        _cancel(self._start_timer)
        self._start_timer = None
        row = ObservationRequest.objects.filter(pk=slot.request.id).values("alert_id").first()
        alert_id = None if row is None else row["alert_id"]
        request = slot.request
        self._goto(Target(int(request.id), request.name, request.ra, request.dec, slot.end, alert_id))

    def _goto(self, target: Target) -> None:
        if self.mount is None:
            return
        previous = self.target
        try:
            self.operation = self.mount.goto(target.ra, target.dec)  # first: the mount before the books
        except CALLER_ERRORS as exc:
            self._note("goto refused", str(exc))
            _finish(target.request_id, SlotRow.State.ABORTED, ObservationRequest.State.FAILED)
            return
        if previous is not None and previous.request_id != target.request_id:
            _finish(previous.request_id, SlotRow.State.ABORTED, ObservationRequest.State.PENDING)
        self.target, self.phase = target, "slewing"
        self._set_end_timer(target.end)
        self._note("goto", f"{target.name} RA {target.ra:.4f} Dec {target.dec:+.4f}")
        _audit(target.alert_id, slew_commanded_at=datetime.now(UTC))

    def _set_end_timer(self, end: datetime) -> None:
        _cancel(self._end_timer)
        delay = max(0.0, (end - datetime.now(UTC)).total_seconds())
        self._end_timer = self.agent.call_later(delay, self._end_slot)

    # --- weather ----------------------------------------------------------------------------------
    def suspend(self, reason: str) -> None:
        """Bad weather: park now, leave the slot under way (its request is planned again), wait.
        Called again while held (a new reason) it only parks a mount that is not parked yet."""
        self.hold = reason
        for timer in (self._start_timer, self._end_timer):
            _cancel(timer)
        self._start_timer = self._end_timer = None
        if self.target is not None:
            _finish(self.target.request_id, SlotRow.State.ABORTED, ObservationRequest.State.PENDING)
        self.target = None
        self._park()

    def _park(self) -> None:
        if self.mount is None or self.phase in ("parking", "parked"):
            return
        try:
            self.operation = self.mount.park()
        except CALLER_ERRORS as exc:
            self._note("park refused", str(exc))
            return
        self.phase = "parking"
        self._note("park", self.hold or "")

    def resume(self) -> None:
        """The weather is safe again (after its hold time): back to the schedule."""
        if self.hold is None:
            return
        self.hold = None
        self._note("resume", "weather safe")
        self.arm()

    # --- the mount's events (agent thread) --------------------------------------------------------
    def on_position(self, position: Position) -> None:
        """The mount answers (again): a hold whose park could not be sent (not connected) parks now."""
        if self.hold is not None:
            self._park()

    def on_started(self, event: SlewEvent) -> None:
        if event.operation == self.operation:
            self._note(f"{event.kind} started", "")

    def on_done(self, event: SlewEvent) -> None:
        if event.operation != self.operation:
            return
        if event.kind == "park":
            self.phase = "parked"
            self._note("parked", "")
            return
        self.phase = "observing"
        self._note("on target", _position(event))
        if self.target is not None:
            _audit(self.target.alert_id, slew_done_at=datetime.fromtimestamp(event.at, UTC))

    def on_failed(self, event: SlewEvent) -> None:
        if event.operation != self.operation:
            return
        self._note(f"{event.kind} failed", event.reason)
        self.operation = None
        if event.kind == "park" or self.target is None:
            self.phase = "suspended" if self.hold else "idle"
            return
        _cancel(self._end_timer)
        self._end_timer = None
        _finish(self.target.request_id, SlotRow.State.ABORTED, ObservationRequest.State.FAILED)
        self.target, self.phase = None, "idle"
        self.arm()

    # --- status -----------------------------------------------------------------------------------
    def _note(self, what: str, detail: str) -> None:
        log.info("executor: %s %s", what, detail)
        self.history.append({"at": self.clock(), "event": what, "detail": detail})

    def describe(self) -> dict[str, Any]:
        target = self.target
        return {
            "phase": self.phase,
            "hold": self.hold,
            "target": None
            if target is None
            else {
                "request": target.request_id,
                "name": target.name,
                "ra": target.ra,
                "dec": target.dec,
                "end": iso(target.end),
                "alert_id": target.alert_id,
            },
            "history": list(self.history),
            "mount": None if self.mount is None else self.mount.describe(),
        }


def _cancel(handle: Any) -> None:
    if handle is not None:
        handle.cancel()


def _position(event: SlewEvent) -> str:
    if event.position is None:
        return ""
    return f"RA {event.position[0]:.4f} Dec {event.position[1]:+.4f}"


def _next_slot(now: datetime) -> SlotRow | None:
    """The first slot of the current schedule not over yet, still to observe."""
    schedule = store.current_schedule()
    if schedule is None:
        return None
    slots = schedule.slots.filter(end__gt=now, state__in=[SlotRow.State.PLANNED, SlotRow.State.OBSERVING])
    slots = slots.exclude(request__state__in=["cancelled", "done", "failed"])
    return slots.order_by("start").first()


def _mark_slot(pk: int, state: str) -> None:
    SlotRow.objects.filter(pk=pk).update(state=state)


def _finish(request_id: int, slot_state: str, request_state: str) -> None:
    """The slot(s) of ``request_id`` under way end in ``slot_state``; the request in ``request_state``."""
    now = datetime.now(UTC)
    live = SlotRow.objects.filter(request_id=request_id, start__lte=now, state__in=["planned", "observing"])
    live.update(state=slot_state)
    ObservationRequest.objects.filter(pk=request_id).exclude(state="cancelled").update(state=request_state)


def _audit(alert_id: int | None, **times: datetime) -> None:
    """Write slew times in the alert's timing audit (when the alert_manager app is installed)."""
    if alert_id is None:
        return
    try:
        alert_model = apps.get_model("alert_manager", "Alert")
    except LookupError:
        return
    try:
        alert_model.objects.filter(pk=alert_id).update(**times)
    except DatabaseError as exc:
        log.warning("executor: cannot record %s for alert %s: %s", sorted(times), alert_id, exc)
