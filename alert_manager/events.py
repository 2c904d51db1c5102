"""``alert`` events on the websocket (``/ws/agents/``): one per packet stored, rejected or retracted.

Sent on the channel layer group of the agents' status events (``common.events.GROUP``) with the type
``alert.event``; the consumer forwards ``{"type": "alert", "outcome", "line", "alert": {...}}``.
Like the status events, they go through the server's loop when this process runs one, through a
blocking ``group_send`` for a shared (Redis) layer, and nowhere when nobody can listen.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from common.events import GROUP, server_loop

from .models import Alert

if TYPE_CHECKING:
    from .ingest import IngestResult

log = logging.getLogger("pyros.alerts")

EVENT_TYPE = "alert.event"


def summary(alert: Alert) -> dict[str, Any]:
    """A short JSON view of an alert (websocket events, lists)."""
    return {
        "id": alert.pk,
        "ivorn": alert.ivorn,
        "latest_ivorn": alert.latest_ivorn,
        "mission": alert.mission,
        "trigger_id": alert.trigger_id,
        "notice_type": alert.notice_type,
        "role": alert.role,
        "state": alert.state,
        "ra": alert.ra,
        "dec": alert.dec,
        "error_radius": alert.error_radius,
        "updates": alert.updates,
        "scheduled": alert.scheduled,
        "received_at": alert.received_at.isoformat() if alert.received_at else None,
    }


def publish(result: IngestResult) -> None:
    layer = get_channel_layer()
    if layer is None or not can_deliver(layer):
        return
    alert = result.alert
    if alert is None and result.alert_id is not None:
        alert = Alert.objects.filter(pk=result.alert_id).first()
    message = {
        "type": EVENT_TYPE,
        "outcome": result.outcome,
        "line": result.line(),
        "alert": None if alert is None else summary(alert),
    }
    send(layer, message)


def publish_link(name: str, down: bool, text: str, view: dict[str, Any]) -> None:
    """An alert source went down (no packet or heartbeat for too long, or disconnected) or came back."""
    layer = get_channel_layer()
    if layer is None:
        return
    outcome = "link down" if down else "link up"
    send(layer, {"type": EVENT_TYPE, "outcome": outcome, "line": text, "alert": None, "link": view})


def can_deliver(layer: Any) -> bool:
    """Someone can listen: a server loop in this process, or a layer shared between processes."""
    return server_loop() is not None or not isinstance(layer, InMemoryChannelLayer)


def send(layer: Any, message: dict[str, Any]) -> None:
    loop = server_loop()
    try:
        if loop is not None:
            asyncio.run_coroutine_threadsafe(layer.group_send(GROUP, message), loop)
        elif not isinstance(layer, InMemoryChannelLayer):
            async_to_sync(layer.group_send)(GROUP, message)
    except Exception as exc:  # an event is never worth losing an alert over
        log.warning("alert event not delivered: %s: %s", type(exc).__name__, exc)
