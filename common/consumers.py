"""``/ws/agents/``: live agent status, and message injection, over a websocket.

Server to client (JSON):
- ``{"type": "snapshot", "agents": [status...], "can_inject": bool, "heartbeat_max_age": s, "now": iso}``
  on connect (and on ``{"type": "snapshot"}``);
- ``{"type": "status", "agent": status, "now": iso}`` for each status change (``common.events``);
- ``{"type": "alert", "outcome", "line", "alert": {...} | null, "now": iso}`` for each alert packet, and
  with outcome ``link down``/``link up`` and ``link`` when an alert source goes quiet or comes back
  (``alert_manager.events``);
- ``{"type": "message", "entry": {...}}`` for each new message log row (``common.console_events``);
- ``{"type": "schedule", "event": "schedule"|"request"|"interrupt", ...}`` from ``scheduler.events``;
- ``{"type": "reply", "id": ..., ...}`` with the result of an injection (``common.inject``: ``reply``
  or ``error``, ``status_code``, ``round_trip_ms``);
- ``{"type": "error", "id": ..., "error": text}`` for a request that cannot be served (with
  ``"retry_after": s`` past the user's injection rate, shared with the REST API).

Client to server: ``{"type": "inject", "id": any, "agent", "message", "params": {}, "timeout": s}``
(needs ``common.inject_message``). Anonymous connections are refused (403 at the handshake);
foreign origins are refused by ``AllowedHostsOriginValidator`` in ``pyros.asgi``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import close_old_connections

from .conf import setting
from .events import GROUP, register_loop
from .inject import InjectResult, inject
from .parsers import loads_json_message
from .permissions import can_inject
from .status import agent_views, iso, max_age
from .throttling import inject_wait

log = logging.getLogger("pyros.consumers")


def _inject_in_thread(user: Any, content: dict[str, Any]) -> InjectResult:
    """Runs in a worker thread of its own (Sender blocks up to the timeout)."""
    close_old_connections()
    try:
        return inject(
            user, content["agent"], content["message"], content["params"], content["timeout"], via="websocket"
        )
    finally:
        close_old_connections()


def validate_inject(content: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The inject request, or None and the reason (which field and why)."""
    for field in ("agent", "message"):
        value = content.get(field)
        if not isinstance(value, str) or not value:
            return None, f"{field}: a non-empty string is required"
    params = content.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        return None, f"params: must be a JSON object, not {type(params).__name__}"
    timeout = content.get("timeout", setting("PYROS_SEND_TIMEOUT"))
    limit = float(setting("PYROS_INJECT_MAX_TIMEOUT"))
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= limit:
        return None, f"timeout: a number of seconds in (0, {limit:g}]"
    request = {"agent": content["agent"], "message": content["message"], "params": params}
    return {**request, "timeout": float(timeout)}, ""


class AgentsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept: the handshake is refused (403)
            return
        self.user = user
        self.tasks: set[asyncio.Task[None]] = set()
        register_loop(asyncio.get_running_loop())
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        for task in getattr(self, "tasks", set()):
            task.cancel()
        if hasattr(self, "user"):
            await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def send_snapshot(self) -> None:
        agents = await database_sync_to_async(agent_views)()
        allowed = await database_sync_to_async(can_inject)(self.user)
        await self.send_json(
            {"type": "snapshot", "agents": agents, "can_inject": allowed, "heartbeat_max_age": max_age(), "now": _now()}
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        try:
            content = loads_json_message(text_data or "")
        except ValueError as exc:
            await self.send_json({"type": "error", "error": f"not JSON ({exc}): send one JSON object per message"})
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": "send a JSON object"})
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "snapshot":
            await self.send_snapshot()
        elif kind == "inject":
            await self.start_inject(content)
        else:
            await self.send_json({"type": "error", "id": content.get("id"), "error": f"unknown type {kind!r}"})

    async def start_inject(self, content: dict[str, Any]) -> None:
        request_id = content.get("id")
        if not await database_sync_to_async(can_inject)(self.user):
            error = "injecting messages needs the common.inject_message permission (or a staff account)"
            await self.send_json({"type": "error", "id": request_id, "error": error})
            return
        request, reason = validate_inject(content)
        if request is None:
            await self.send_json({"type": "error", "id": request_id, "error": reason})
            return
        wait = await sync_to_async(inject_wait, thread_sensitive=False)(self.user)
        if wait is not None:
            error = f"too many injections: retry in {wait:.1f} s"
            await self.send_json({"type": "error", "id": request_id, "error": error, "retry_after": round(wait, 3)})
            return
        # A task, so that status events keep flowing while the agent answers.
        task = asyncio.create_task(self.run_inject(request_id, request))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def run_inject(self, request_id: Any, request: dict[str, Any]) -> None:
        result = await sync_to_async(_inject_in_thread, thread_sensitive=False)(self.user, request)
        await self.send_json({"type": "reply", "id": request_id, **result.body()})

    async def agent_status(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "status", "agent": event["agent"], "now": _now()})

    async def alert_event(self, event: dict[str, Any]) -> None:
        """An alert stored, updated, retracted or rejected, or an alert link down/up (``alert_manager.events``)."""
        fields = {key: value for key, value in event.items() if key != "type"}
        await self.send_json({"type": "alert", **fields, "now": _now()})

    async def message_logged(self, event: dict[str, Any]) -> None:
        """``common.console_events``: a new message log row (the console's live log)."""
        await self.send_json({"type": "message", "entry": event["entry"], "now": _now()})

    async def schedule_event(self, event: dict[str, Any]) -> None:
        """``scheduler.events``: a new schedule version, a request change, an interrupt."""
        await self.send_json({"type": "schedule", "event": event["kind"], **event["data"], "now": _now()})


def _now() -> str:
    return iso(datetime.now(UTC)) or ""
