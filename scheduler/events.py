"""Websocket ``schedule`` events: published on the channel layer group ``agents`` (common.events).

``publish(kind, data)`` sends ``{"type": "schedule.event", "kind": kind, "data": data}`` to the
group; the console's consumer turns it into ``{"type": "schedule", "event": kind, ...data}``. It is
safe from any thread (agent, request handler): delivery follows ``common.events`` (the server's loop
when this process has one, a thread loop for a shared channel layer, nothing when nobody can listen).
Kinds: ``schedule`` (a new schedule version: the schedule with its slots), ``request`` (a request was
created, changed or cancelled: the request), ``interrupt`` (the running slot was aborted for an alert).
"""

from __future__ import annotations

import logging
from typing import Any

from common.events import GROUP, EventRelay

log = logging.getLogger("pyros.scheduler")

EVENT_TYPE = "schedule.event"
_relay = EventRelay()


def publish(kind: str, data: dict[str, Any]) -> None:
    loop = _relay._loop()
    if loop is None:
        return
    _relay._post(loop, _send({"type": EVENT_TYPE, "kind": kind, "data": data}))


async def _send(event: dict[str, Any]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(GROUP, event)


def close() -> None:
    _relay.close()
