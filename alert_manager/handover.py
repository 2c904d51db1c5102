"""After an alert is stored: ``NEW_ALERT`` to the scheduler, and an ``alert`` event to the websockets.

``process()`` is the whole path of one packet (ingest, hand-over, event): the agent, the REST API and
``manage.py ingestalert`` all go through it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models.functions import Coalesce
from django.utils import timezone

from common.conf import setting
from common.exceptions import PyrosError
from common.sender import Sender

from . import events
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


def process(data: bytes, *, source: str = "", received_at: datetime | None = None, send: bool = True) -> IngestResult:
    """Ingest one packet, hand it to the scheduler if it asks for that, and publish the websocket event."""
    result = ingest(data, source=source, received_at=received_at)
    if send:
        notify_scheduler(result)
    if result.outcome not in ("duplicate",):
        events.publish(result)
    return result
