"""Each agent's recent traffic: the messages it handled and those its thread sent, newest first.

An agent keeps the last ``PYROS_TRAFFIC_KEPT`` of each (in memory; the message log keeps what people
sent through the console, the API and the websocket). The agent's thread is bound to its record
(:func:`bind`), so that :class:`common.sender.Sender` called from that thread notes what it sends and
signs it with the agent's name. Routine messages (PING, STATUS) are not kept.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

IN, OUT = "in", "out"
KEEP_CHARS = 200  # of a peer's name, a message type, an outcome: what a peer sends is kept short


def _short(text: str) -> str:
    return text if len(text) <= KEEP_CHARS else text[: KEEP_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class TrafficEntry:
    at: float  # epoch seconds
    direction: str  # IN: handled by the agent; OUT: sent by its thread
    peer: str  # who sent it (IN) or the agent it went to (OUT)
    message: str
    outcome: str  # "ok", "sent" (no reply wanted), "unknown message", or the error's type and text

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "direction": self.direction, "peer": self.peer, "message": self.message,
                "outcome": self.outcome}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrafficEntry:
        """An entry as another process reported it (its heartbeat): unknown keys ignored, text kept short."""
        return cls(
            float(data.get("at") or 0.0), str(data.get("direction") or ""), _short(str(data.get("peer") or "")),
            _short(str(data.get("message") or "")), _short(str(data.get("outcome") or "")),
        )  # fmt: skip


class Traffic:
    def __init__(self, keep: int) -> None:
        self._entries: deque[TrafficEntry] = deque(maxlen=max(int(keep), 0))

    def note(self, direction: str, peer: str, message: str, outcome: str, at: float | None = None) -> None:
        when = time.time() if at is None else at
        self._entries.append(TrafficEntry(when, direction, _short(peer), _short(message), _short(outcome)))

    def recent(self) -> list[TrafficEntry]:
        """Newest first (safe from any thread)."""
        return list(reversed(self._entries))


_bound = threading.local()


def bind(name: str, traffic: Traffic) -> None:
    """Called in an agent's thread: what this thread sends is noted in ``traffic``, signed ``name``."""
    _bound.agent = (name, traffic)


def bound() -> tuple[str, Traffic] | None:
    """The agent this thread belongs to and its record, or None outside agents' threads."""
    return getattr(_bound, "agent", None)
