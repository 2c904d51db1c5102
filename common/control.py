"""Start, stop and restart an agent, whichever process runs it (REST, websocket, CLI, console).

An agent of this process is driven through :data:`common.runtime.runtime` directly. An agent of
another process (``manage.py runagents``, another web worker) is reached through the channel layer:
the request goes to the group ``pyros.control``, where every process that runs agents listens
(:mod:`common.control_listener`); the one that runs the agent acts and answers on the requester's
reply channel. That needs a channel layer shared by the processes (Redis: ``REDIS_URL``); with the
in-memory layer only this process's agents can be driven, and the error says so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer

from . import runtime as runtime_module
from .conf import setting
from .config import load_config
from .exceptions import (
    AgentNotHereError,
    ConfigError,
    ControlTimeoutError,
    InvalidControlActionError,
    UnknownAgentError,
)
from .status import from_local

GROUP = "pyros.control"
REQUEST_TYPE = "agent.control"
ACTIONS = ("start", "stop", "restart")


@dataclass
class ControlResult:
    agent: str
    action: str
    status: dict[str, Any] = field(default_factory=dict)
    where: str = "local"  # "local" or "pid N on HOST"


def require_action(action: str) -> str:
    if action not in ACTIONS:
        raise InvalidControlActionError(f"unknown action {action!r}: use one of {', '.join(ACTIONS)}")
    return action


def control(name: str, action: str, timeout: float | None = None) -> ControlResult:
    """Do ``action`` on agent ``name`` and return its status after it (blocking: not in an event loop)."""
    require_action(action)
    timeout = float(setting("PYROS_CONTROL_TIMEOUT") if timeout is None else timeout)
    runtime = runtime_module.runtime
    if runtime.runs(name):
        return ControlResult(name, action, perform(name, action, timeout))
    _require_known(name)
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        raise AgentNotHereError(
            f"agent {name!r} does not run in this process, and the in-memory channel layer cannot reach "
            "other processes: set REDIS_URL in every process (web and runagents) to control it from here"
        )
    answer = asyncio.run(ask(name, action, timeout))
    if "error" in answer:
        raise AgentNotHereError(f"agent {name!r} ({answer.get('where', '?')}): {answer['error']}")
    return ControlResult(name, action, answer["status"], answer.get("where", "remote"))


def perform(name: str, action: str, timeout: float) -> dict[str, Any]:
    """Do ``action`` on an agent of this process; its status view after it."""
    runtime = runtime_module.runtime
    if action == "start":
        runtime.start_agent(name, timeout)
    elif action == "stop":
        runtime.stop_agent(name, timeout)
    else:
        runtime.restart_agent(name, timeout)
    for status in runtime.status():
        if status["name"] == name:
            return from_local(status)
    raise UnknownAgentError(name, runtime.names(), "this process's runtime")


async def ask(name: str, action: str, timeout: float) -> dict[str, Any]:
    """Send the request to the ``pyros.control`` group and wait for the answer of the agent's process."""
    layer = get_channel_layer()
    if layer is None:
        raise AgentNotHereError("no channel layer is configured (CHANNEL_LAYERS)")
    reply_to = await layer.new_channel("pyros.control.reply.")
    request = {"type": REQUEST_TYPE, "agent": name, "action": action, "timeout": timeout, "reply_to": reply_to}
    await layer.group_send(GROUP, request)
    try:
        answer: dict[str, Any] = await asyncio.wait_for(layer.receive(reply_to), timeout + 1.0)
    except Exception as exc:  # asyncio's TimeoutError, or the layer's own when its cancelled read ends
        reason = "" if isinstance(exc, TimeoutError) or type(exc).__name__ == "TimeoutError" else f" ({exc})"
        raise ControlTimeoutError(
            f"no process that runs agent {name!r} answered within {timeout + 1.0:g} s{reason} "
            "(is it running? `manage.py runagents` with the same REDIS_URL)"
        ) from None
    return answer


def _require_known(name: str) -> None:
    try:
        config = load_config()
    except ConfigError:
        config = None
    known = set(runtime_module.runtime.names()) | set(config or ())
    if name not in known:
        raise UnknownAgentError(name, sorted(known), config.source if config is not None else "")
