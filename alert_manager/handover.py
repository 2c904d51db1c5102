"""After an alert is stored: ``NEW_ALERT`` to the scheduler, and an ``alert`` event to the websockets.

``process()`` is the whole path of one packet (ingest, hand-over, event): the agent, the REST API and
``manage.py ingestalert`` all go through it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from common.conf import setting
from common.exceptions import PyrosError
from common.sender import Sender

from . import events
from .batch import ingest_many
from .ingest import IngestResult, ingest
from .models import Alert

log = logging.getLogger("pyros.alerts")

SCHEDULER = "scheduler"
NEW_ALERT = "NEW_ALERT"


def scheduler_params(alert: Alert, result: IngestResult) -> dict[str, Any]:
    """The params of NEW_ALERT (the scheduler's side reads exactly these)."""
    return {
        "alert_id": alert.pk,
        "ivorn": result.ivorn or alert.latest_ivorn,
        "event": result.event,
        "ra": alert.ra,
        "dec": alert.dec,
        "error_radius": alert.error_radius,
        "role": alert.role,
        "mission": alert.mission,
        "trigger": alert.trigger_id,
    }


def notify_scheduler(result: IngestResult, *, timeout: float | None = None) -> bool:
    """Send NEW_ALERT for a result that asks for it; record sent_at (first time) or the error."""
    if result.event is None or result.alert_id is None:
        return False
    alert = result.alert or Alert.objects.get(pk=result.alert_id)
    params = scheduler_params(alert, result)
    try:
        Sender.send_to(SCHEDULER, NEW_ALERT, params, timeout=timeout or setting("PYROS_ALERT_SEND_TIMEOUT"))
    except (PyrosError, OSError) as exc:
        error = f"{NEW_ALERT} ({result.event}) not delivered: {type(exc).__name__}: {exc}"
        Alert.objects.filter(pk=alert.pk).update(send_error=error)
        log.warning("alert %s: %s", alert.pk, error)
        return False
    now = timezone.now()
    changes: dict[str, Any] = {"sent_at": Coalesce("sent_at", now), "send_error": ""}
    if result.event in ("new", "update"):
        changes["scheduled"] = True
    Alert.objects.filter(pk=alert.pk).update(**changes)
    alert.scheduled = alert.scheduled or result.event in ("new", "update")
    return True


def process_many(items: list[tuple[bytes, str, datetime]], *, send: bool = True) -> list[IngestResult]:
    """``process`` for a burst of packets, in order; NEW_ALERT one by one, the send times in one UPDATE."""
    results = ingest_many(items)
    if send:
        notified = [alert for result in results if (alert := _send(result)) is not None]
        if notified:
            _record_sends(notified)
    for result in results:
        if result.outcome != "duplicate":
            events.publish(result)
    return results


def _record_sends(alerts: list[Alert]) -> None:
    """sent_at, scheduled, send_error of many alerts in one executemany (bulk_update builds a CASE per row
    and field: a second for a thousand alerts)."""
    meta = Alert._meta
    columns = [meta.get_field(name).column for name in ("sent_at", "scheduled", "send_error")]
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET "
        + ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
        + f" WHERE {connection.ops.quote_name(meta.pk.column)} = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(adapt(a.sent_at), a.scheduled, a.send_error, a.pk) for a in alerts]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _send(result: IngestResult) -> Alert | None:
    """Send NEW_ALERT if the result asks for it; the alert with its new fields (not saved), or None."""
    if result.event is None or result.alert_id is None:
        return None
    alert = result.alert or Alert.objects.get(pk=result.alert_id)
    try:
        Sender.send_to(
            SCHEDULER, NEW_ALERT, scheduler_params(alert, result), timeout=setting("PYROS_ALERT_SEND_TIMEOUT")
        )
    except (PyrosError, OSError) as exc:
        alert.send_error = f"{NEW_ALERT} ({result.event}) not delivered: {type(exc).__name__}: {exc}"
        log.warning("alert %s: %s", alert.pk, alert.send_error)
        return alert
    alert.sent_at = alert.sent_at or timezone.now()
    alert.send_error = ""
    alert.scheduled = alert.scheduled or result.event in ("new", "update")
    return alert


def process(data: bytes, *, source: str = "", received_at: datetime | None = None, send: bool = True) -> IngestResult:
    """Ingest one packet, hand it to the scheduler if it asks for that, and publish the websocket event."""
    result = ingest(data, source=source, received_at=received_at)
    if send:
        notify_scheduler(result)
    if result.outcome not in ("duplicate",):
        events.publish(result)
    return result
