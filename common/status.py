"""The status of every agent as the dashboard shows it: this process's agents, merged with the
heartbeats that agents of other processes persist (``AgentStatus`` rows).

One plain dict per agent (the same shape for the REST API, the websocket snapshot and its events):
``name, state, detail, source, host, port, pid, hostname, started_at, messages_handled, errors,
last_message, last_message_at, last_error, restarts, supervision, messages, heartbeat_at``; times
are ISO 8601 strings. ``source`` is ``"local"`` (an agent of this process), ``"heartbeat"`` (a
persisted heartbeat) or ``"none"`` (never seen). A heartbeat older than
``PYROS_HEARTBEAT_MAX_AGE`` seconds whose last state was a live one shows as ``unreachable``.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import runtime as runtime_module
from .conf import setting
from .config import load_config
from .exceptions import ConfigError
from .states import LIVE_STATES, AgentState

if TYPE_CHECKING:
    from .agent import Agent
    from .models import AgentStatus

log = logging.getLogger("pyros.status")

HOSTNAME = socket.gethostname()


def max_age() -> float:
    return float(setting("PYROS_HEARTBEAT_MAX_AGE"))


def iso(value: float | datetime | None) -> str | None:
    """An epoch time or datetime as an ISO 8601 UTC string."""
    if value is None:
        return None
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    return value.isoformat().replace("+00:00", "Z")


def to_datetime(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def from_local(status: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The dashboard view of ``Agent.status()`` (or ``runtime.status()``) of an agent of this process."""
    return {
        "name": status["name"],
        "state": status["state"],
        "detail": status.get("supervision") if status.get("supervision") not in (None, "ok") else "",
        "source": "local",
        "host": status.get("host") or "",
        "port": status.get("port"),
        "pid": os.getpid(),
        "hostname": HOSTNAME,
        "started_at": iso(status.get("started_at")),
        "messages_handled": status.get("messages_handled", 0),
        "errors": status.get("errors", 0),
        "last_message": status.get("last_message") or "",
        "last_message_at": iso(status.get("last_message_at")),
        "last_error": status.get("last_error") or "",
        "restarts": status.get("restarts", 0),
        "supervision": status.get("supervision", "ok"),
        "messages": list(status.get("messages") or []),
        "heartbeat_at": iso(now or datetime.now(UTC)),
    }


def from_agent(agent: Agent) -> dict[str, Any]:
    """The view of one running agent (what a status event carries)."""
    return from_local(agent.status())


def from_row(row: AgentStatus, now: datetime) -> dict[str, Any]:
    """The view of a persisted heartbeat; a stale one of a live agent is ``unreachable``."""
    state, detail = row.state, ""
    age = (now - row.heartbeat_at).total_seconds()
    if age > max_age() and row.state in LIVE_STATES:
        state = AgentState.UNREACHABLE
        detail = f"no heartbeat for {age:.0f} s (last state: {row.state}, pid {row.pid} on {row.hostname})"
    return {
        "name": row.name,
        "state": state,
        "detail": detail,
        "source": "heartbeat",
        "host": row.host,
        "port": row.port,
        "pid": row.pid,
        "hostname": row.hostname,
        "started_at": iso(row.started_at),
        "messages_handled": row.messages_handled,
        "errors": row.errors,
        "last_message": row.last_message,
        "last_message_at": iso(row.last_message_at),
        "last_error": row.last_error,
        "restarts": row.restarts,
        "supervision": row.supervision,
        "messages": list(row.messages or []),
        "heartbeat_at": iso(row.heartbeat_at),
    }


def never_seen(name: str, host: str = "", port: int | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "state": AgentState.UNREACHABLE,
        "detail": "no heartbeat from this agent yet",
        "source": "none",
        "host": host,
        "port": port,
        "pid": None,
        "hostname": "",
        "started_at": None,
        "messages_handled": 0,
        "errors": 0,
        "last_message": "",
        "last_message_at": None,
        "last_error": "",
        "restarts": 0,
        "supervision": "",
        "messages": [],
        "heartbeat_at": None,
    }


def merge(local: dict[str, Any] | None, row: AgentStatus | None, now: datetime) -> dict[str, Any] | None:
    """This process's agent wins unless it is not live and a fresh heartbeat of another process is."""
    remote = from_row(row, now) if row is not None else None
    if local is not None and (local["state"] in LIVE_STATES or remote is None):
        return local
    if remote is not None and (remote["state"] in LIVE_STATES or local is None):
        return remote
    return local


def agent_views(only: str | None = None) -> list[dict[str, Any]]:
    """Every agent known to the configuration or to this process's runtime (DB access: sync only)."""
    from .models import AgentStatus

    now = datetime.now(UTC)
    addresses = _config_addresses()
    local = {
        status["name"]: from_local(status, now)
        for status in runtime_module.runtime.status()
        if status["state"] != AgentState.NOT_STARTED
    }
    names = list(dict.fromkeys([*addresses, *runtime_module.runtime.names()]))
    if only is not None:
        names = [name for name in names if name == only]
    rows = {row.name: row for row in AgentStatus.objects.filter(name__in=names)}
    views = []
    for name in names:
        view = merge(local.get(name), rows.get(name), now)
        if view is None:
            view = never_seen(name, *addresses.get(name, ("", None)))
        views.append(view)
    return views


def _config_addresses() -> dict[str, tuple[str, int]]:
    try:
        config = load_config()
    except ConfigError as exc:
        log.warning("agent status: %s", exc)
        return {}
    return {name: (address.host, address.port) for name, address in config.items()}


def is_fresh(heartbeat_at: datetime, now: datetime) -> bool:
    return now - heartbeat_at <= timedelta(seconds=max_age())
