"""Where the agents of this process actually listen (their bound ports, port 0 included).

An agent publishes its address when its endpoint is bound and withdraws it when it stops;
``Sender`` looks here first, then in the configuration file.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_addresses: dict[str, tuple[str, int]] = {}
_version = 0


def version() -> int:
    """Changes whenever an address is published or withdrawn (for callers that cache lookups)."""
    return _version


def publish(name: str, host: str, port: int) -> None:
    global _version
    with _lock:
        _addresses[name] = (host, port)
        _version += 1


def withdraw(name: str, address: tuple[str, int] | None = None) -> None:
    """Forget ``name`` (only if it still points at ``address``, when given)."""
    global _version
    with _lock:
        if address is None or _addresses.get(name) == address:
            _addresses.pop(name, None)
            _version += 1


def lookup(name: str) -> tuple[str, int] | None:
    with _lock:
        return _addresses.get(name)
