"""Between the database and the planner: requests to plan, plans saved as schedule versions."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Max

from common.conf import setting

from .models import ObservationRequest, Schedule, Slot
from .planner import Plan, PlannerConfig, Request, Site
from .planner.worker import request_of


def site() -> Site:
    value = setting("PYROS_SITE") or {}
    return Site(
        str(value.get("name", "site")),
        value.get("latitude", 0.0),
        value.get("longitude", 0.0),
        value.get("elevation", 0.0),
    )


def config(twilight: float | None = None) -> PlannerConfig:
    return PlannerConfig(
        twilight=setting("PYROS_TWILIGHT") if twilight is None else twilight,
        slew_rate=setting("PYROS_SLEW_RATE"),
        settle_time=setting("PYROS_SETTLE_TIME"),
        time_step=setting("PYROS_PLANNER_STEP"),
    )


def to_planner(row: ObservationRequest) -> Request:
    return Request(
        row.name,
        ra=row.ra,
        dec=row.dec,
        duration=row.duration,
        priority=int(row.priority),
        min_altitude=row.min_altitude,
        earliest=row.earliest,
        latest=row.latest,
        max_airmass=row.max_airmass,
        min_moon_separation=row.min_moon_separation,
        id=row.pk,
    )


ROW_FIELDS = (
    "pk", "name", "ra", "dec", "duration", "priority", "min_altitude", "earliest", "latest", "max_airmass",
    "min_moon_separation",
)  # fmt: skip


def waiting_rows(exclude: Iterable[int] = ()) -> list[tuple[Any, ...]]:
    """The requests waiting to be observed (pending or scheduled) as plain rows (``ROW_FIELDS``).

    Read with the database cursor, without the ORM's per-row Python work (10,000 rows in a few ms,
    mostly in C): times come as the backend gives them (aware datetimes, or SQLite's UTC text). The rows
    stay the cursor's tuples: the garbage collector stops tracking tuples of plain values, so 10,000 of
    them do not make the agent process's full collections (which stop every thread) more frequent."""
    rows = ObservationRequest.objects.filter(state__in=ObservationRequest.WAITING).exclude(pk__in=list(exclude))
    query = rows.order_by().values_list(*ROW_FIELDS)  # sorted here: an SQL sort holds the GIL in one call
    sql, params = query.query.sql_with_params()
    out: list[tuple[Any, ...]] = []
    connection = connections[query.db]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # In SQLite's shared-cache mode (the in-memory test database) a reader takes table locks
            # that make the agent's writes fail at once ("table is locked"); read without them.
            # Elsewhere the pragma does nothing.
            cursor.execute("PRAGMA read_uncommitted = 1")
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(500):
            out.extend(chunk)
            time.sleep(0)  # let other threads (the agent's) have the GIL between chunks
    out.sort(key=lambda row: (row[5], row[0]))  # priority, id
    return out


def waiting_requests(exclude: Iterable[int] = ()) -> list[Request]:
    """The requests waiting to be observed (pending or scheduled), as planner requests."""
    return [request_of(row) for row in waiting_rows(exclude)]


def row_of(request: Request) -> list[Any]:
    """A planner request as a row (``ROW_FIELDS``), times as ISO text."""
    return [
        request.id, request.name, request.ra, request.dec, request.duration, request.priority, request.min_altitude,
        _iso_or_none(request.earliest), _iso_or_none(request.latest), request.max_airmass, request.min_moon_separation,
    ]  # fmt: skip


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def save_plan(
    plan: Plan,
    night: date,
    *,
    reason: str = "",
    planned_from: datetime | None = None,
    compute_ms: float | None = None,
    considered: int | None = None,
) -> Schedule:
    """A new version of the night's schedule; its requests become scheduled, the left-out pending."""
    with transaction.atomic():
        version = (Schedule.objects.filter(night=night).aggregate(v=Max("version"))["v"] or 0) + 1
        schedule = Schedule.objects.create(
            night=night,
            version=version,
            computed_at=datetime.now(UTC),
            night_start=plan.night_start,
            night_end=plan.night_end,
            planned_from=planned_from,
            site=plan.site.as_dict(),
            reason=reason[:200],
            compute_ms=compute_ms,
            requests_considered=len(plan.slots) + len(plan.unscheduled) if considered is None else considered,
        )
        ids = [s.request.id for s in plan.slots if s.request.id is not None]
        Slot.objects.bulk_create(
            Slot(schedule=schedule, request_id=s.request.id, order=i, start=s.start, end=s.end)
            for i, s in enumerate(p for p in plan.slots if p.request.id is not None)
        )
        waiting = ObservationRequest.objects.filter(state__in=ObservationRequest.WAITING)
        waiting.filter(pk__in=ids).update(state=ObservationRequest.State.SCHEDULED)
        # Scheduled before, not in this plan: pending again (few rows; no IN list of the left-out).
        scheduled = ObservationRequest.objects.filter(state=ObservationRequest.State.SCHEDULED)
        scheduled.exclude(pk__in=ids).update(state=ObservationRequest.State.PENDING)
    return schedule


def current_schedule() -> Schedule | None:
    return Schedule.objects.order_by("-night", "-version").first()


def schedule_view(schedule: Schedule | None) -> dict[str, Any] | None:
    """The schedule as the API and the websocket show it."""
    if schedule is None:
        return None
    slots = schedule.slots.select_related("request").order_by("order")
    return {
        "id": schedule.pk,
        "night": schedule.night.isoformat(),
        "version": schedule.version,
        "computed_at": _iso(schedule.computed_at),
        "night_start": _iso(schedule.night_start),
        "night_end": _iso(schedule.night_end),
        "planned_from": _iso(schedule.planned_from),
        "site": schedule.site,
        "reason": schedule.reason,
        "compute_ms": schedule.compute_ms,
        "requests_considered": schedule.requests_considered,
        "slots": [
            {
                "id": s.pk,
                "order": s.order,
                "request": s.request_id,
                "name": s.request.name,
                "priority": s.request.priority,
                "ra": s.request.ra,
                "dec": s.request.dec,
                "start": _iso(s.start),
                "end": _iso(s.end),
                "state": s.state,
            }
            for s in slots
        ],
    }


def _iso(value: datetime | None) -> str | None:
    from .planner import iso

    return iso(value)
