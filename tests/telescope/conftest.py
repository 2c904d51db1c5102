"""Fixtures of the telescope-side tests (mount and weather clients): an agent-like callback loop and
the simulators on free loopback ports."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from simulators import mount, weather_station
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer


class CallbackLoop:
    """What the endpoints need of an agent: ``call_soon(callback, *args)`` runs callbacks in order, in
    one thread of its own (as the agent's thread does); ``events`` records what they were called with."""

    def __init__(self) -> None:
        self._inbox: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = queue.Queue()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.thread_ids: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="callback loop")
        self._thread.start()

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        self._inbox.put((callback, args))

    def recorder(self, name: str) -> Callable[[Any], None]:
        def record(value: Any) -> None:
            self.thread_ids.add(threading.get_ident())
            self.events.put((name, value))

        return record

    def next(self, *names: str, timeout: float = 10.0) -> tuple[str, Any]:
        """The next recorded event among ``names`` (others are skipped); fails after ``timeout``."""
        try:
            while True:
                name, value = self.events.get(timeout=timeout)
                if name in names:
                    return name, value
        except queue.Empty:
            raise AssertionError(f"no {names} event within {timeout} s") from None

    def _run(self) -> None:
        while (item := self._inbox.get()) is not None:
            callback, args = item
            callback(*args)

    def stop(self) -> None:
        self._inbox.put(None)
        self._thread.join(5.0)


@pytest.fixture
def loop() -> Iterator[CallbackLoop]:
    callback_loop = CallbackLoop()
    yield callback_loop
    callback_loop.stop()


@pytest.fixture
def mount_server() -> Iterator[Server]:
    server = Server(
        mount,
        ThreadingTCPServer,
        {"slew_rate": 30.0, "acceleration": 60.0},
        l_address=("127.0.0.1", 0),
        s_address=("127.0.0.1", 0),
    )
    server.start()
    yield server
    assert server.stop(5.0), "the mount simulator did not stop cleanly"


@pytest.fixture
def station() -> Iterator[Server]:
    server = Server(weather_station, ThreadingUDPServer, {}, l_address=("127.0.0.1", 0))
    server.start()
    yield server
    assert server.stop(5.0), "the weather station did not stop cleanly"
