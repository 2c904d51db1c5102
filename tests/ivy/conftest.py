"""Fixtures of the Ivy tests: a free bus port on 127.255.255.255, pyros buses and ivy-python peers
that are stopped after the test, and a check that no thread outlives a test."""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ivy.ivy import IvyServer

from common.ivy import IvyBus

logging.getLogger("Ivy").setLevel(logging.WARNING)  # ivy-python logs every message at INFO

WAIT = 10.0  # generous: the machine is shared


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def bus_string() -> str:
    return f"127.255.255.255:{free_udp_port()}"


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    left = [t for t in threading.enumerate() if t not in before]
    for thread in left:
        thread.join(WAIT)
    alive = [t.name for t in left if t.is_alive()]
    assert not alive, f"threads left behind by the test: {alive}"


@pytest.fixture
def make_bus(bus_string: str) -> Iterator[Callable[..., IvyBus]]:
    buses: list[IvyBus] = []

    def make(name: str, ready: str | None = None, *, start: bool = True, **kwargs: Any) -> IvyBus:
        bus = IvyBus(name, ready, bus=kwargs.pop("bus", bus_string), **kwargs)
        buses.append(bus)
        if start:
            bus.start()
        return bus

    yield make
    for bus in buses:
        bus.stop()


class FastIvyServer(IvyServer):
    """ivy-python's IvyServer; its stop() waits for a poll of serve_forever: poll more often."""

    def serve_forever(self, poll_interval: float = 0.05) -> None:
        super().serve_forever(poll_interval)


class PyPeer:
    """An ivy-python ``IvyServer`` whose events land in queues."""

    def __init__(self, name: str, ready: str = "") -> None:
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.messages: queue.Queue[tuple[str, tuple[str, ...]]] = queue.Queue()
        self.server = FastIvyServer(name, ready, self._app, self._die)
        self.server.bind_direct_msg(lambda client, num_id, msg: self.events.put(("direct", client, num_id, msg)))
        self.server.bind_regexp_change(lambda client, ev, num_id, rx: self.events.put(("regexp", ev, num_id, rx)))
        self.server.bind_pong(lambda client, delta: self.events.put(("pong", client, delta)))
        self.refuse_die = False

    def _app(self, client: Any, event: int) -> None:
        self.events.put(("app", client, event))

    def _die(self, client: Any, num_id: int) -> Any:
        self.events.put(("die", client, num_id))
        return "Ivy Application Should Not Die" if self.refuse_die else None

    def bind(self, regexp: str, tag: str | None = None) -> int:
        label = tag or regexp
        return self.server.bind_msg(lambda client, *groups: self.messages.put((label, groups)), regexp)

    def next_event(self, kind: str, timeout: float = WAIT) -> tuple[Any, ...]:
        """The next event of ``kind`` (others are dropped)."""
        while True:
            try:
                event = self.events.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"ivy-python peer: no {kind!r} event within {timeout} s") from None
            if event[0] == kind:
                return event

    def next_message(self, timeout: float = WAIT) -> tuple[str, tuple[str, ...]]:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"ivy-python peer: no message within {timeout} s") from None

    def client(self, name: str) -> Any:
        clients = self.server.get_client_with_name(name)
        assert clients, f"ivy-python does not know {name!r}"
        return clients[0]

    def stop(self) -> None:
        if self.server.isAlive():
            self.server.stop()
        self.server.server_close()


@pytest.fixture
def make_pypeer(bus_string: str) -> Iterator[Callable[..., PyPeer]]:
    peers: list[PyPeer] = []

    def make(name: str = "PyAgent", ready: str = "", *, start: bool = True, binds: tuple[str, ...] = ()) -> PyPeer:
        peer = PyPeer(name, ready)
        for regexp in binds:
            peer.bind(regexp)
        peers.append(peer)
        if start:
            peer.server.start(bus_string)
        return peer

    yield make
    for peer in peers:
        peer.stop()


def get(q: queue.Queue[Any], what: str, timeout: float = WAIT) -> Any:
    try:
        return q.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"{what}: nothing within {timeout} s") from None
