"""``message`` events on the websocket (``/ws/agents/``): one per new message log row, so the console's
message log grows live. Sent on the agents' group (``common.events.GROUP``) with the type
``message.logged``; the consumer forwards ``{"type": "message", "entry": {...}}``. Delivery follows the
other events: the server's loop of this process, a blocking ``group_send`` on a shared (Redis) layer,
nothing when nobody can listen."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .events import GROUP, server_loop
from .models import MessageLog
from .timefmt import iso

log = logging.getLogger("pyros.console")

EVENT_TYPE = "message.logged"
LABELS = dict(MessageLog.Outcome.choices)


def entry_view(row: MessageLog) -> dict[str, Any]:
    """A log row as JSON (what the page needs to draw it)."""
    return {
        "id": row.pk,
        "sent_at": iso(row.sent_at),
        "agent": row.agent,
        "message": row.message,
        "params": row.params,
        "reply": row.reply,
        "error_type": row.error_type,
        "error_text": row.error_text,
        "round_trip_ms": row.round_trip_ms,
        "status_code": row.status_code,
        "outcome": row.outcome,
        "outcome_label": LABELS.get(row.outcome, row.outcome),
        "user": row.user.get_username() if row.user_id else "",
        "via": row.via,
    }


@receiver(post_save, sender=MessageLog, dispatch_uid="pyros-console-message-logged")
def message_logged(sender: type[MessageLog], instance: MessageLog, created: bool, **kwargs: Any) -> None:
    if created:
        transaction.on_commit(lambda: publish(entry_view(instance)))


def publish(entry: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": EVENT_TYPE, "entry": entry}
    loop = server_loop()
    try:
        if loop is not None:
            asyncio.run_coroutine_threadsafe(layer.group_send(GROUP, event), loop)
        elif not isinstance(layer, InMemoryChannelLayer):
            async_to_sync(layer.group_send)(GROUP, event)
    except Exception as exc:  # a live row is never worth failing the injection over
        log.warning("message event not delivered: %s: %s", type(exc).__name__, exc)
