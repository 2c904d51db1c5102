"""Link state of an alert source (connected, last packet, last heartbeat), reconnect backoff, addresses."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .exceptions import AlertConfigError


@dataclass
class LinkState:
    """What a source endpoint knows of its link; updated by its thread, read by anyone (under the lock)."""

    connected: bool = False
    connected_since: float | None = None
    started_at: float = field(default_factory=time.time)
    last_packet_at: float | None = None
    last_heartbeat_at: float | None = None
    packets: int = 0
    heartbeats: int = 0
    connects: int = 0
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def up(self) -> None:
        with self.lock:
            self.connected, self.connected_since = True, time.time()
            self.connects += 1
            self.last_error = ""

    def down(self, error: str = "") -> None:
        with self.lock:
            self.connected, self.connected_since = False, None
            if error:
                self.last_error = error

    def packet(self, count: int = 1) -> None:
        with self.lock:
            self.packets += count
            self.last_packet_at = time.time()

    def heartbeat(self) -> None:
        with self.lock:
            self.heartbeats += 1
            self.last_heartbeat_at = time.time()

    def silence(self, now: float | None = None) -> float:
        """Seconds since the link last showed life (a packet, a heartbeat, or the connection itself)."""
        with self.lock:
            marks = [m for m in (self.last_packet_at, self.last_heartbeat_at, self.connected_since) if m is not None]
            since = max(marks) if marks else self.started_at
        return max((now or time.time()) - since, 0.0)

    def is_down(self, timeout: float, now: float | None = None) -> bool:
        """Down: not connected, or nothing heard for longer than ``timeout`` seconds."""
        return not self.connected or self.silence(now) > timeout

    def describe(self, timeout: float) -> dict[str, Any]:
        with self.lock:
            view = {
                "connected": self.connected,
                "connected_since": self.connected_since,
                "last_packet_at": self.last_packet_at,
                "last_heartbeat_at": self.last_heartbeat_at,
                "packets": self.packets,
                "heartbeats": self.heartbeats,
                "connects": self.connects,
                "last_error": self.last_error,
            }
        silence = self.silence()
        view.update(silence=round(silence, 3), link_timeout=timeout, link_down=self.is_down(timeout))
        return view


class Backoff:
    """Reconnection delays: ``low``, doubling up to ``high``; :meth:`reset` after a good connection."""

    def __init__(self, low: float, high: float) -> None:
        if low <= 0 or high < low:
            raise AlertConfigError(f"reconnect backoff {low}..{high} s: need 0 < min <= max")
        self.low, self.high = low, high
        self.current = low

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.high)
        return delay

    def reset(self) -> None:
        self.current = self.low


def host_port(text: str, what: str, default_port: int | None = None) -> tuple[str, int]:
    """``host:port`` (or ``host`` with a default port) from a config value."""
    host, sep, port = text.strip().rpartition(":")
    if not sep:
        host, port = text.strip(), "" if default_port is None else str(default_port)
    try:
        number = int(port)
    except ValueError:
        raise AlertConfigError(f"{what} = {text!r}: expected host:port") from None
    if not host or not 0 < number < 65536:
        raise AlertConfigError(f"{what} = {text!r}: expected host:port with a port in 1..65535")
    return host.strip("[]"), number
