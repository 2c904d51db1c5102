"""Websocket ``schedule`` events: published on the channel layer group ``agents`` (common.events).

``publish(kind, data)`` sends ``{"type": "schedule.event", "kind": kind, "data": data}`` to the
group; the console's consumer turns it into ``{"type": "schedule", "event": kind, ...data}``. Call it
from synchronous code in any thread (agent, worker, request handler). Delivery follows
``common.events``: onto the server's loop when this process serves websockets (the in-memory layer
wakes its consumers at once only from there), else straight to a shared layer (channels_redis);
with the in-memory layer and no server in this process nobody can listen, and nothing is sent.
Kinds: ``schedule`` (a new schedule version, with its slots), ``request`` (a request was created,
changed or cancelled), ``interrupt`` (the running slot was aborted for an alert).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from common.events import GROUP, server_loop

log = logging.getLogger("pyros.scheduler")

EVENT_TYPE = "schedule.event"


def publish(kind: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": EVENT_TYPE, "kind": kind, "data": data}
    loop = server_loop()
    try:
        if loop is not None:
            future = asyncio.run_coroutine_threadsafe(layer.group_send(GROUP, event), loop)
            future.add_done_callback(_log_failure)
        elif not isinstance(layer, InMemoryChannelLayer):
            async_to_sync(layer.group_send)(GROUP, event)
    except Exception as exc:  # an event lost is logged, never an error of the caller
        log.warning("schedule event %s not delivered: %s: %s", kind, type(exc).__name__, exc)


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        exc = future.exception()
        log.warning("schedule event not delivered: %s: %s", type(exc).__name__, exc)
