"""The small records of an agent: an inbound native message with its reply path, a queued callback,
and the agent's counters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .protocol import Message
from .states import AgentState

Handler = Callable[[Message], Any]
Reply = Callable[[Message], None]
Callback = Callable[..., Any]


@dataclass(slots=True)
class Envelope:
    """An inbound native message and where its reply goes (``reply`` is None when none is wanted)."""

    message: Message
    reply: Reply | None = None


@dataclass(slots=True)
class Call:
    """A callback queued by ``call_soon`` (``cancel()`` before it runs to drop it)."""

    callback: Callback
    args: tuple[Any, ...]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(slots=True)
class AgentStats:
    state: AgentState = AgentState.STOPPED
    started_at: float | None = None
    messages_handled: int = 0  # work: the agent's own messages and endpoint actions
    routine_handled: int = 0  # STATUS and PING (polls, monitoring): not work
    unknown_messages: int = 0  # messages the agent does not know (the caller's error)
    errors: int = 0  # handlers, callbacks and timers that raised; replies that could not be sent
    last_message: str | None = None
    last_message_at: float | None = None
    last_error: str | None = None
