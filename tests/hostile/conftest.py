"""Hostile peers: helpers shared by the suite.

Every test attacks one connection and then proves, on another connection, that the agent still
serves: :func:`assert_serving` pipelines requests with distinct ids and asserts that each reply is
the right one (nothing lost or misrouted) and that a PING is answered within 200 ms.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from common.agent import Agent
from common.config import AgentAddress
from common.protocol import REPLY, Message, MessageDecoder, frame_message
from common.testing import assert_threads_ended

PING_BUDGET = 0.2  # seconds


class VictimAgent(Agent):
    """Echoes, stores what it is given (and hands it back later), and makes large replies."""

    def __init__(self, name: str = "victim", **kwargs: Any) -> None:
        kwargs.setdefault("address", AgentAddress(name, "127.0.0.1", 0, {}, "test"))
        super().__init__(name, **kwargs)
        self.stored: list[Any] = []
        self.actions_by_message = {
            "Echo": lambda m: m.params,
            "Store": lambda m: self.stored.append(m.params) or len(self.stored),
            "Recall": lambda m: {"stored": self.stored},
            "Big": lambda m: "x" * int(m.params.get("size", 1000)),
            "Bad": lambda m: {"never": {1, 2}},
        }


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    assert_threads_ended(before)


@pytest.fixture
def victim() -> Iterator[Callable[..., VictimAgent]]:
    started: list[VictimAgent] = []

    def start(**kwargs: Any) -> VictimAgent:
        agent = VictimAgent(**kwargs)
        started.append(agent)
        agent.start()
        assert agent.wait_ready(5), f"agent did not become ready: {agent.state} {agent.stats.last_error}"
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def victim_agent(victim: Callable[..., VictimAgent]) -> VictimAgent:
    """A running VictimAgent (one per test function: hypothesis examples share it)."""
    return victim()


def connect(agent: Agent, timeout: float = 5.0) -> socket.socket:
    assert agent.bound_address is not None
    return socket.create_connection(agent.bound_address, timeout=timeout)


def read_messages(sock: socket.socket, count: int, timeout: float = 5.0) -> list[Message]:
    """Read ``count`` messages (fewer if the connection closes first)."""
    decoder = MessageDecoder()
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        while len(got) < count and (message := decoder.next_message()) is not None:
            got.append(message)
        if len(got) == count:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"only {len(got)} of {count} messages within {timeout} s: {got}")
        sock.settimeout(remaining)
        try:
            data = sock.recv(262144)
        except ConnectionResetError:
            data = b""
        if not data:
            break
        decoder.receive_data(data)
    return got


def read_until_closed(sock: socket.socket, timeout: float = 5.0) -> list[Message]:
    return read_messages(sock, 1 << 30, timeout)


def assert_serving(agent: Agent, budget: float = PING_BUDGET, requests: int = 20) -> None:
    """A fresh connection: ``requests`` pipelined Echo requests get their own replies in order, and a
    PING is answered within ``budget`` seconds."""
    with connect(agent) as sock:
        start = time.monotonic()
        sock.sendall(frame_message(Message("PING", {}, 1)))
        [pong] = read_messages(sock, 1, timeout=5)
        elapsed = time.monotonic() - start
        assert pong == Message("PING", {"result": "PONG"}, 1, agent.name, REPLY)
        assert elapsed < budget, f"PING took {elapsed * 1000:.0f} ms (budget {budget * 1000:.0f} ms)"
        ids = list(range(100, 100 + requests))
        sock.sendall(b"".join(frame_message(Message("Echo", {"n": i}, i)) for i in ids))
        replies = read_messages(sock, requests)
        assert [(r.id, r.kind, r.params) for r in replies] == [(i, REPLY, {"result": {"n": i}}) for i in ids]


def ping_within(sock: socket.socket, agent: Agent, ident: int, budget: float = PING_BUDGET) -> None:
    """PING on an already open connection (a witness that was connected before the attack)."""
    start = time.monotonic()
    sock.sendall(frame_message(Message("PING", {}, ident)))
    [pong] = read_messages(sock, 1, timeout=5)
    elapsed = time.monotonic() - start
    assert (pong.id, pong.params) == (ident, {"result": "PONG"})
    assert elapsed < budget, f"PING took {elapsed * 1000:.0f} ms (budget {budget * 1000:.0f} ms)"
