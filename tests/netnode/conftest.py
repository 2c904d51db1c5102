"""Fixtures for the Net_Node tests: Stations and nodes on 127.0.0.1 (free ports), always released,
and a check that no thread outlives a test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common.networking import Net_Node, Station

TIMEOUT = 5.0


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in left:
        thread.join(2.0)
    left = [t.name for t in left if t.is_alive()]
    assert not left, f"threads left running after the test: {left}"


@pytest.fixture
def make_station() -> Iterator[Callable[..., Station]]:
    stations: list[Station] = []

    def make(id: str = "T", **kwargs: Any) -> Station:
        kwargs.setdefault("listen_port", 0)
        station = Station(id=id, **kwargs)
        station.start()
        stations.append(station)
        if station.pusher:
            assert station.connected.wait(TIMEOUT), f"station {id} got no pong from its upstream"
        return station

    yield make
    for station in reversed(stations):
        station.release()


@pytest.fixture
def make_node() -> Iterator[Callable[..., Net_Node]]:
    nodes: list[Net_Node] = []

    def make(
        id: str, upstream: str | None, port: int | None, listens: dict[str, Any] | None = None, **kw: Any
    ) -> Net_Node:
        kw.setdefault("instance", False)
        node = Net_Node(id, upstream, port, listens or {}, **kw)
        nodes.append(node)
        if upstream is not None:
            assert node.connected.wait(TIMEOUT), f"node {id} got no pong from {upstream}"
        return node

    yield make
    for node in reversed(nodes):
        node.release()


class Inbox:
    """A listen method that records values and wakes waiters."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, value: Any) -> None:
        with self._cond:
            self.items.append(value)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = TIMEOUT) -> list[Any]:
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.items) >= count, timeout)
        assert ok, f"expected {count} items within {timeout} s, got {len(self.items)}: {self.items[:5]}"
        return list(self.items)


@pytest.fixture
def inbox() -> type[Inbox]:
    return Inbox
