"""The scheduler agent: keeps the observation requests planned, and acts on alerts.

PyROS's messages stay: ``Observation finished`` (params ``id``: the request), ``New request`` (params:
the fields of a request; it is stored and planned) and ``Compute schedule`` (plan again now). Added:
``NEW_ALERT`` (``too`` module: a target of opportunity, the interrupt policy) and ``SCHEDULE`` (the
current schedule). The night is planned at start, again when requests change (polled every
``PYROS_SCHEDULER_POLL`` s) and when a night is over; planning runs off-thread (``replan``), so the
agent keeps answering while 10,000 requests are planned.

Mount execution belongs to the executor (``executor.Executor``, made in ``work()`` with the agent's
mount endpoint, LX200 ``mount`` or SRT ``acu`` as ``PYROS_MOUNT_KIND`` selects (``telescope``), unless a
test set ``agent.executor``): ``on_interrupt(slot)`` slews to ``slot`` at
once. The ``weather_station`` endpoint's safety changes call ``set_weather_hold(reason or None)``: the
executor parks the mount and waits; a weather hold always wins over an alert. ``TELESCOPE`` and
``WEATHER`` answer what the console's panels show.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.db import DatabaseError
from django.db.models import Count, Max

from common.agent import Agent
from common.conf import setting
from common.protocol import Message

from . import events, store, too
from .exceptions import InvalidRequestParams
from .executor import Executor as MountExecutor
from .models import ObservationRequest
from .models import Slot as SlotRow
from .mount import Position, SlewEvent
from .planner import Slot
from .planner.astro import altitudes_now
from .replan import Replanner, Result
from .telescope import select_mount
from .weather import SafetyChange, WeatherEndpoint

log = logging.getLogger("pyros.scheduler")


class Executor(Protocol):
    def on_interrupt(self, slot: Slot) -> None: ...


class SchedulerAgent(Agent):
    MSG_OBS_FINISHED = "Observation finished"
    MSG_NEW_REQUEST = "New request"
    MSG_NEW_SCHEDULE = "Compute schedule"
    MSG_NEW_ALERT = "NEW_ALERT"
    MSG_SCHEDULE = "SCHEDULE"
    MSG_TELESCOPE = "TELESCOPE"
    MSG_WEATHER = "WEATHER"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Agent.SCHEDULER, **kwargs)
        self.finished_observations: list[Any] = []
        self.executor: Executor | None = None
        self.weather_hold: str | None = None
        self.weather_hold_since: float | None = None
        self.weather_changes: collections.deque[dict[str, Any]] = collections.deque(maxlen=20)
        self.interrupts: list[Slot] = []
        self.replanner = Replanner(self.call_soon, self._saved)
        self._fingerprint: tuple[Any, ...] | None = None
        self._saved_count = 0
        self._saved_cond = threading.Condition()
        self._night_end: datetime | None = None
        self.actions_by_message = {
            self.MSG_OBS_FINISHED: self.observation_finished,
            self.MSG_NEW_REQUEST: self.new_request,
            self.MSG_NEW_SCHEDULE: self.compute_schedule,
            self.MSG_NEW_ALERT: self.new_alert,
            self.MSG_SCHEDULE: self.schedule,
            self.MSG_TELESCOPE: self.telescope,
            self.MSG_WEATHER: self.weather,
        }

    # --- lifecycle ------------------------------------------------------------------------------------
    def work(self) -> None:
        if self.executor is None or isinstance(self.executor, MountExecutor):
            mount = select_mount(self.endpoints, str(setting("PYROS_MOUNT_KIND")))
            self.executor = MountExecutor(self, mount)
        if self._endpoint(WeatherEndpoint) is not None:
            self.set_weather_hold("no weather data yet")
        self.replanner.start()
        self._fingerprint = self._requests_fingerprint()
        self.replanner.request("agent start", self._keep_running())
        self.call_every(float(setting("PYROS_SCHEDULER_POLL")), self._check_changes)

    def shutdown(self) -> None:
        self.replanner.stop()

    # --- PyROS's messages --------------------------------------------------------------------------
    def observation_finished(self, message: Message) -> dict[str, Any]:
        obs_id = message.params.get("id")
        self.finished_observations.append(obs_id)
        if isinstance(obs_id, int) and not isinstance(obs_id, bool):
            try:
                ObservationRequest.objects.filter(pk=obs_id).update(state=ObservationRequest.State.DONE)
                SlotRow.objects.filter(request_id=obs_id, state__in=["planned", "observing"]).update(state="done")
            except DatabaseError as exc:
                log.warning("scheduler: cannot record observation %s as done: %s", obs_id, exc)
        return {"acknowledged": obs_id, "finished": len(self.finished_observations)}

    def new_request(self, message: Message) -> dict[str, Any]:
        from .serializers import ObservationRequestSerializer

        serializer = ObservationRequestSerializer(data=dict(message.params))
        if not serializer.is_valid():
            raise InvalidRequestParams(f"invalid request: {dict(serializer.errors)}")
        row = serializer.save()
        self._replan_now(f"new request {row.pk}")
        return {"queued": row.pk}

    def compute_schedule(self, message: Message) -> dict[str, Any]:
        token = self._replan_now("asked by " + (message.sender or "a client"))
        return {"replanning": True, "job": token}

    def schedule(self, message: Message) -> dict[str, Any] | None:
        return store.schedule_view(store.current_schedule())

    # --- alerts ---------------------------------------------------------------------------------------
    def new_alert(self, message: Message) -> dict[str, Any]:
        alert = too.parse_alert(message.params)
        if alert.role == "test" and not setting("PYROS_TOO_ACCEPT_TEST_ALERTS"):
            return {"action": "ignored", "reason": "test alert"}
        row = _find_request(alert)
        if alert.event == "retraction":
            return self._retract(alert, row)
        if row is not None:
            verdict = too.decide_update(
                row.ra, row.dec, row.error_radius, alert, float(setting("PYROS_TOO_MIN_UPDATE_SEPARATION"))
            )
            if verdict != "apply":
                return {"action": "ignored", "reason": verdict, "request": row.pk}
            row.ra, row.dec, row.error_radius = alert.ra, alert.dec, alert.error_radius
            if row.state in ObservationRequest.WAITING:
                row.state = ObservationRequest.State.PENDING
            row.save()
            action = "updated"
        else:
            row = _create_too(alert)
            action = "created"
        interrupted, why = self._maybe_interrupt(row)
        events.publish("request", {"change": action, "request": {"id": row.pk, "name": row.name}})
        return {"action": action, "request": row.pk, "interrupt": interrupted, "reason": why}

    def _retract(self, alert: too.Alert, row: ObservationRequest | None) -> dict[str, Any]:
        if row is None:
            return {"action": "ignored", "reason": "no request for this alert"}
        row.state = ObservationRequest.State.CANCELLED
        row.save(update_fields=["state", "updated_at"])
        SlotRow.objects.filter(request=row, state__in=["planned", "observing"]).update(state="aborted")
        events.publish("request", {"change": "cancelled", "request": {"id": row.pk, "name": row.name}})
        self._replan_now(f"alert {alert.alert_id} retracted")
        return {"action": "cancelled", "request": row.pk}

    def _maybe_interrupt(self, row: ObservationRequest) -> tuple[bool, str]:
        now = datetime.now(UTC)
        site = store.site()
        running = _running_slot(now)
        altitude, sun = altitudes_now(row.ra, row.dec, now, site)
        observable = altitude >= row.min_altitude and sun <= float(setting("PYROS_TWILIGHT"))
        state = None
        if running is not None and running.request_id != row.pk:
            r = running.request
            state = too.Running(r.ra, r.dec, int(r.priority), r.is_too)
        interrupt, why = too.should_interrupt(
            state,
            int(row.priority),
            row.ra,
            row.dec,
            hold=self.weather_hold is not None,
            observable=observable,
            limit=float(setting("PYROS_TOO_INTERRUPT_SEPARATION")),
        )
        if not interrupt:
            self._replan_now(f"alert {row.alert_id}: {why}")
            return False, why
        if running is not None:
            _abort(running)
        slot = Slot(store.to_planner(row), now, now + timedelta(seconds=row.duration))
        self.on_interrupt(slot)
        self._replan(f"alert {row.alert_id}: interrupt", [slot], now)
        return True, why

    def on_interrupt(self, slot: Slot) -> None:
        """The running slot was aborted for ``slot`` (a ToO starting now): the executor slews at once."""
        self.interrupts.append(slot)
        log.info("scheduler: interrupt for %s at %s", slot.request.name, slot.start.isoformat())
        events.publish("interrupt", {"slot": slot.as_dict(), "request": slot.request.id})
        if self.executor is not None:
            self.executor.on_interrupt(slot)

    def set_weather_hold(self, reason: str | None) -> None:
        """Weather safety (from the agent's thread): while held, alerts never move the mount; the
        executor parks the mount at the start of a hold and goes back to the schedule at its end."""
        was = self.weather_hold
        self.weather_hold = reason
        executor = self.executor
        if reason is not None and hasattr(executor, "suspend"):
            executor.suspend(reason)  # again on a new reason: parks a mount not parked yet
        if (was is None) == (reason is None):
            return
        self.weather_hold_since = time.time()
        if reason is None and hasattr(executor, "resume"):
            executor.resume()
            self._replan_now("weather safe again")  # what the hold interrupted is planned again
        events.publish("weather", {"hold": reason, "since": self.weather_hold_since})

    # --- the telescope's endpoints (their callbacks, in the agent's thread) ---------------------------
    def _endpoint(self, kind: type) -> Any:
        return next((e for e in self.endpoints if isinstance(e, kind)), None)

    def mount_slew_started(self, event: SlewEvent) -> None:
        if hasattr(self.executor, "on_started"):
            self.executor.on_started(event)

    def mount_slew_done(self, event: SlewEvent) -> None:
        if hasattr(self.executor, "on_done"):
            self.executor.on_done(event)

    def mount_slew_failed(self, event: SlewEvent) -> None:
        if hasattr(self.executor, "on_failed"):
            self.executor.on_failed(event)

    def mount_position(self, position: Position) -> None:
        if hasattr(self.executor, "on_position"):
            self.executor.on_position(position)

    def weather_changed(self, change: SafetyChange) -> None:
        """Unsafe, holding or unknown: the night is unsafe (held); safe: resume."""
        self.weather_changes.append(
            {"state": change.state.value, "previous": change.previous.value, "reasons": list(change.reasons),
             "since": change.since}
        )  # fmt: skip
        self.set_weather_hold(None if change.safe else f"{change.state.value}: " + "; ".join(change.reasons))

    def telescope(self, message: Message) -> dict[str, Any]:
        """The Telescope panel: the executor (phase, target, events) and the mount endpoint."""
        executor = self.executor
        view = executor.describe() if hasattr(executor, "describe") else {"phase": "no executor"}
        return {**view, "weather_hold": self.weather_hold, "weather_hold_since": self.weather_hold_since}

    def weather(self, message: Message) -> dict[str, Any]:
        """The Weather panel: the station endpoint (readings, safety, limits) and the hold."""
        endpoint = self._endpoint(WeatherEndpoint)
        return {
            "station": None if endpoint is None else endpoint.describe(),
            "hold": self.weather_hold,
            "hold_since": self.weather_hold_since,
            "changes": list(self.weather_changes),
        }

    # --- planning -------------------------------------------------------------------------------------
    def _replan_now(self, reason: str) -> int:
        return self._replan(reason, self._keep_running())

    def _replan(self, reason: str, fixed: list[Slot], now: datetime | None = None) -> int:
        """Plan again; the requests as they are now are what the next poll compares with."""
        self._fingerprint = self._requests_fingerprint()
        return self.replanner.request(reason, fixed, now=now)

    def _keep_running(self) -> list[Slot]:
        """The slot under way is kept as it is by a re-plan."""
        try:
            running = _running_slot(datetime.now(UTC))
        except DatabaseError as exc:  # no database yet (not migrated): the worker reports it too
            log.warning("scheduler: cannot read the current schedule: %s", exc)
            return []
        if running is None:
            return []
        return [Slot(store.to_planner(running.request), running.start, running.end)]

    def _saved(self, result: Result) -> None:
        schedule = store.save_plan(
            result.plan,
            result.day,
            reason=result.job.reason,
            planned_from=result.job.now,
            compute_ms=result.ms,
            considered=result.considered,
        )
        self._night_end = schedule.night_end
        self._fingerprint = self._requests_fingerprint()
        if hasattr(self.executor, "arm"):
            self.executor.arm()
        events.publish("schedule", store.schedule_view(schedule) or {})
        with self._saved_cond:
            self._saved_count += 1
            self._saved_cond.notify_all()

    @property
    def plans_saved(self) -> int:
        """How many schedule versions this agent saved (any thread)."""
        with self._saved_cond:
            return self._saved_count

    def wait_plans_saved(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` schedule versions were saved (any thread but the agent's)."""
        with self._saved_cond:
            return self._saved_cond.wait_for(lambda: self._saved_count >= count, timeout)

    def _check_changes(self) -> None:
        """Plan again when requests changed outside the agent (API, admin) or the night is over."""
        fingerprint = self._requests_fingerprint()
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            self._replan_now("requests changed")
        elif self._night_end is not None and datetime.now(UTC) >= self._night_end and not self.replanner.busy:
            self._night_end = None
            self._replan_now("next night")

    def _requests_fingerprint(self) -> tuple[Any, ...] | None:
        try:
            stats = ObservationRequest.objects.aggregate(n=Count("id"), last=Max("updated_at"))
        except DatabaseError:
            return None
        return (stats["n"], stats["last"])

    def status(self) -> dict[str, Any]:
        view = super().status()
        view["scheduler"] = {
            "planning": self.replanner.busy,
            "weather_hold": self.weather_hold,
            "executor": getattr(self.executor, "phase", None),
        }
        return view


def _find_request(alert: too.Alert) -> ObservationRequest | None:
    rows = ObservationRequest.objects.filter(alert_id=alert.alert_id).exclude(state="cancelled")
    return rows.order_by("-id").first()


def _create_too(alert: too.Alert) -> ObservationRequest:
    return ObservationRequest.objects.create(
        name=alert.name,
        ra=alert.ra,
        dec=alert.dec,
        duration=float(setting("PYROS_TOO_DURATION")),
        priority=1,
        earliest=datetime.now(UTC),
        min_altitude=float(setting("PYROS_TOO_MIN_ALTITUDE")),
        alert_id=alert.alert_id,
        alert_ivorn=alert.ivorn,
        error_radius=alert.error_radius,
    )


def _running_slot(now: datetime) -> SlotRow | None:
    """The slot of the current schedule under way at ``now`` (observing, or planned and due)."""
    schedule = store.current_schedule()
    if schedule is None:
        return None
    slots = schedule.slots.select_related("request").filter(start__lte=now, end__gt=now)
    live = slots.filter(state__in=["observing", "planned"])
    return live.exclude(request__state__in=["cancelled", "done", "failed"]).first()


def _abort(slot: SlotRow) -> None:
    slot.state = SlotRow.State.ABORTED
    slot.save(update_fields=["state"])
    ObservationRequest.objects.filter(pk=slot.request_id).update(state=ObservationRequest.State.PENDING)
