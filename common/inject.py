"""Inject one message into an agent for a user (REST API, websocket, admin) and log it.

:func:`inject` sends through ``Sender.send_to``, maps each runtime error to an HTTP status (404
unknown agent or message, 403 ``SHUTDOWN`` without the control permission, 400 invalid message,
502 the agent answered with an error, 503 unreachable, 504 timeout) and records a ``MessageLog`` row
with the user, the time, the reply or error and the round trip. It blocks up to the timeout: call it
from a worker thread, never from an event loop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from .exceptions import (
    AgentProtocolError,
    AgentTimeoutError,
    AgentUnreachableError,
    ConfigError,
    InvalidMessageError,
    PyrosError,
    RemoteError,
    UnknownAgentError,
    UnknownMessageError,
)
from .models import MessageLog
from .permissions import can_control
from .retention import maybe_prune
from .sender import Sender

log = logging.getLogger("pyros.inject")

Outcome = MessageLog.Outcome
CONTROL_MESSAGES = frozenset({"SHUTDOWN"})  # these need common.control_agent, not only inject_message

# Most specific first: RemoteHandlerError and UnknownMessageError are RemoteErrors.
_ERRORS: list[tuple[type[Exception], int, str]] = [
    (UnknownAgentError, 404, Outcome.UNKNOWN_AGENT),
    (UnknownMessageError, 404, Outcome.UNKNOWN_MESSAGE),
    (InvalidMessageError, 400, Outcome.BAD_REQUEST),
    (RemoteError, 502, Outcome.HANDLER_ERROR),
    (AgentProtocolError, 502, Outcome.HANDLER_ERROR),
    (AgentUnreachableError, 503, Outcome.UNREACHABLE),
    (AgentTimeoutError, 504, Outcome.TIMEOUT),
    (ConfigError, 500, Outcome.SERVER_ERROR),
    (PyrosError, 500, Outcome.SERVER_ERROR),
]


@dataclass
class InjectResult:
    agent: str
    message: str
    status_code: int
    outcome: str
    reply: Any = None
    error: dict[str, Any] | None = None
    round_trip_ms: float = 0.0
    log_id: int | None = None
    sent_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status_code == 200

    def body(self) -> dict[str, Any]:
        """The JSON answer: ``reply`` on success, ``error`` ({type, text}) otherwise."""
        data = asdict(self)
        data.pop("extra")
        data.pop("reply" if not self.ok else "error")
        return data


def inject(
    user: Any,
    agent: str,
    message: str,
    params: dict[str, Any] | None = None,
    timeout: float | None = None,
    via: str = MessageLog.Via.API,
) -> InjectResult:
    """Send ``message`` to ``agent`` as ``user``; always returns a result (and logs it)."""
    sent_at = timezone.now()
    sender = f"{getattr(user, 'username', '') or 'anonymous'}@{via}"
    start = time.perf_counter()
    if message in CONTROL_MESSAGES and not can_control(user):
        text = f"{message} stops the agent: it needs the common.control_agent permission (or a staff account)"
        result = InjectResult(agent, message, 403, Outcome.FORBIDDEN, error={"type": "Forbidden", "text": text})
    else:
        try:
            reply = Sender.send_to(agent, message, params or {}, timeout, sender=sender)
            result = InjectResult(agent, message, 200, Outcome.OK, reply=reply)
        except PyrosError as exc:
            status_code, outcome = _classify(exc)
            result = InjectResult(agent, message, status_code, outcome, error=_error_of(exc))
    result.round_trip_ms = round((time.perf_counter() - start) * 1000.0, 3)
    result.sent_at = sent_at.isoformat().replace("+00:00", "Z")
    entry = MessageLog.objects.create(
        agent=agent[:100],
        message=message[:255],
        params=params or {},
        user=user if getattr(user, "pk", None) is not None else None,
        via=via,
        sent_at=sent_at,
        reply=result.reply if result.ok else None,
        error_type=(result.error or {}).get("type", ""),
        error_text=(result.error or {}).get("text", ""),
        round_trip_ms=result.round_trip_ms,
        status_code=result.status_code,
        outcome=result.outcome,
    )
    result.log_id = entry.pk
    maybe_prune()
    return result


def _classify(exc: Exception) -> tuple[int, str]:
    for kind, status_code, outcome in _ERRORS:
        if isinstance(exc, kind):
            return status_code, outcome
    return 500, Outcome.SERVER_ERROR  # pragma: no cover - PyrosError is last in the table


def _error_of(exc: Exception) -> dict[str, Any]:
    """{type, text}: for an agent's error reply the remote type (exception name) and its text."""
    if isinstance(exc, RemoteError):
        error: dict[str, Any] = {"type": exc.error, "text": exc.text}
        if exc.details.get("known"):
            error["known"] = exc.details["known"]
        return error
    return {"type": type(exc).__name__, "text": str(exc)}
