"""The errors of the agent runtime.

Two families: :class:`CallerError` (the caller asked for something wrong: bad arguments, an unknown
agent, a broken configuration) and :class:`PeerError` (the other side failed: unreachable, too slow,
or it answered with an error). Codec errors live in ``common.protocol.exceptions``.
"""

from __future__ import annotations

from typing import Any


class PyrosError(Exception):
    """Base of every pyros runtime error."""


# --- errors of the caller -----------------------------------------------------------------------
class CallerError(PyrosError):
    """The caller asked for something that cannot be done as asked."""


class ConfigError(CallerError):
    """The agent configuration file is unreadable or invalid (the message names file, section, key)."""


class UnknownAgentError(CallerError):
    """No agent of that name in the configuration."""

    def __init__(self, name: str, known: list[str], source: str = "") -> None:
        where = f" in {source}" if source else ""
        known_text = ", ".join(known) if known else "none"
        super().__init__(f"unknown agent {name!r}{where} (known agents: {known_text})")
        self.name = name
        self.known = known


class InvalidMessageError(CallerError):
    """A message that cannot be sent (empty type, params that are not a JSON object, too large)."""


class InvalidControlActionError(CallerError):
    """An action other than start, stop and restart."""


class UnknownMessageTypeError(CallerError):
    """A message type the agent does not know (raised by ``Agent.dispatch``; answered as an
    ``UnknownMessage`` error reply, which ``Sender`` raises as :class:`UnknownMessageError`)."""


# --- errors of the peer -------------------------------------------------------------------------
class PeerError(PyrosError):
    """The agent (or the network to it) failed."""


class AgentUnreachableError(PeerError):
    """The agent's address refused or dropped the connection."""

    def __init__(self, name: str, host: str, port: int, reason: str) -> None:
        super().__init__(f"agent {name!r} unreachable at {host}:{port}: {reason}")
        self.name = name
        self.host = host
        self.port = port
        self.reason = reason


class AgentTimeoutError(PeerError):
    """No reply within the timeout."""

    def __init__(self, name: str, message: str, timeout: float) -> None:
        super().__init__(f"agent {name!r} did not reply to {message!r} within {timeout:g} s")
        self.name = name
        self.message = message
        self.timeout = timeout


class RemoteError(PeerError):
    """The agent answered with an error reply."""

    def __init__(self, name: str, error: str, text: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"agent {name!r}: {error}: {text}")
        self.name = name
        self.error = error
        self.text = text
        self.details = details or {}


class RemoteHandlerError(RemoteError):
    """The agent's handler raised; ``error`` is the exception type, ``text`` its message."""


class UnknownMessageError(RemoteError):
    """The agent does not know that message; ``details['known']`` lists the ones it does."""


class AgentProtocolError(PeerError):
    """The agent sent bytes that are not a valid reply, or refused our frame."""


class AgentNotHereError(PeerError):
    """The agent does not run in this process and no other process can be asked (in-memory layer)."""


class ControlTimeoutError(PeerError):
    """No process that runs the agent answered in time (none runs it, or it is busy)."""
