"""Between the database and the planner: requests to plan, plans saved as schedule versions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from common.conf import setting

from .models import ObservationRequest, Schedule, Slot
from .planner import Plan, PlannerConfig, Request, Site


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


def waiting_requests(exclude: Iterable[int] = ()) -> list[Request]:
    """The requests waiting to be observed (pending or scheduled), as planner requests."""
    rows = ObservationRequest.objects.filter(state__in=ObservationRequest.WAITING).exclude(pk__in=list(exclude))
    fields = ("pk", "name", "ra", "dec", "duration", "priority", "min_altitude", "earliest", "latest")
    extra = ("max_airmass", "min_moon_separation")
    out = []
    for pk, name, ra, dec, duration, priority, min_alt, earliest, latest, airmass, moon in rows.order_by(
        "priority", "id"
    ).values_list(*fields, *extra):
        out.append(
            Request(
                name,
                ra=ra,
                dec=dec,
                duration=duration,
                priority=int(priority),
                min_altitude=min_alt,
                earliest=earliest,
                latest=latest,
                max_airmass=airmass,
                min_moon_separation=moon,
                id=pk,
            )
        )
    return out


def save_plan(
    plan: Plan, night: date, *, reason: str = "", planned_from: datetime | None = None, compute_ms: float | None = None
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
            requests_considered=len(plan.slots) + len(plan.unscheduled),
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
