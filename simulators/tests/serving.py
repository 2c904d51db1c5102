"""Serve one server of a simulator module on 127.0.0.1, port 0, for a test (not a test module)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from simulators.hosting import Server
from simulators.tests.helpers import recv_until


@contextmanager
def served(module: ModuleType, index: int = 0, **kwargs: Any) -> Iterator[Server]:
    """The module's ``servers[index]`` (its kwargs updated with ``kwargs``) on port 0; stopped after."""
    l_address, s_address, server_type, declared = module.servers[index]
    server = Server(
        module,
        server_type,
        {**declared, **kwargs},
        ("127.0.0.1", 0) if l_address else None,
        ("127.0.0.1", 0) if s_address else None,
    )
    server.start()
    try:
        yield server
    finally:
        assert server.stop(), "the server did not stop cleanly"


def exchange(address: Any, request: bytes, expected_end: bytes = b"\n", timeout: float = 5.0) -> bytes:
    """Send ``request`` over a new TCP connection; read until the data ends with ``expected_end``."""
    with socket.create_connection(address, timeout=timeout) as client:
        client.sendall(request)
        return recv_until(client, lambda data: data.endswith(expected_end), timeout)


def text_feed(system: Any, text: str) -> list[Any]:
    """Feed ``text`` one character at a time; the outcome of each (exceptions are returned)."""
    outcomes: list[Any] = []
    for ch in text:
        try:
            outcomes.append(system.parse(ch))
        except Exception as exc:  # the test compares the exception type
            outcomes.append(type(exc))
    return outcomes


def last_outcome(system: Any, text: str) -> Any:
    """The outcome of the last character of ``text``; every earlier one must have returned True."""
    outcomes = text_feed(system, text)
    assert outcomes[:-1] == [True] * (len(text) - 1), outcomes
    return outcomes[-1]
