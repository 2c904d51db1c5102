"""Hostile pymasep peers: an oversized msg_type (every reply echoes it) gets an error reply and a log
line instead of silence, and the agent keeps answering this client and others."""

from __future__ import annotations

import logging
import queue
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from common.communication import Client, Frame, Message, SocketHandlerQueue
from common.communication.endpoint import PymasepEndpoint
from common.communication.xmlvalues import MAX_NAME
from common.config import AgentAddress

from .conftest import VictimAgent, assert_serving

WAIT = 10.0


@pytest.fixture
def agent() -> Iterator[VictimAgent]:
    victim = VictimAgent(address=AgentAddress("victim", "127.0.0.1", 0, {"pymasep_port": "0"}, "test"))
    victim.start()
    try:
        assert victim.wait_ready(WAIT), victim.stats.last_error
        yield victim
    finally:
        victim.stop()


def _client(agent: VictimAgent, name: str) -> tuple[Client, queue.Queue[bytes]]:
    endpoint = next(ep for ep in agent.endpoints if isinstance(ep, PymasepEndpoint))
    host, port = endpoint.address
    replies: queue.Queue[bytes] = queue.Queue()
    pm = Client(name, SocketHandlerQueue, (replies,), host, port)
    pm.connect()
    return pm, replies


def _ask(pm: Client, replies: queue.Queue[bytes], msg_type: str, params: Any) -> tuple[Message, float]:
    start = time.monotonic()
    pm.send_frame_to(pm.server_id or "", Frame(Message(msg_type, params, pm.id).to_bytes()))
    reply = Message.decode(replies.get(timeout=WAIT))
    return reply, time.monotonic() - start


@pytest.mark.parametrize("size", [pytest.param(MAX_NAME + 1, id="just-over"), pytest.param(60_000, id="60k")])
def test_an_oversized_msg_type_gets_an_error_reply_and_a_log_line(agent, caplog, size) -> None:
    pm, replies = _client(agent, "attacker")
    witness, witness_replies = _client(agent, "witness")
    try:
        raw = b'<Message msg_type="' + b"x" * size + b'" src_sub_app="attacker" />'
        with caplog.at_level(logging.WARNING):
            pm.send_frame_to("victim", Frame(raw))
            reply = Message.decode(replies.get(timeout=WAIT))
        assert reply.msg_type == "error"
        assert reply.params is not None and reply.params["error"] == "MalformedMessage"
        assert "over the limit" in reply.params["message"]
        assert any("bad pymasep Message" in r.getMessage() for r in caplog.records)
        pong, _ = _ask(pm, replies, "PING", None)  # the same connection still works
        assert pong.params == {"result": "PONG"}
        pong, elapsed = _ask(witness, witness_replies, "PING", None)
        assert pong.params == {"result": "PONG"} and elapsed < 0.2
        echo, _ = _ask(witness, witness_replies, "Echo", {"n": 1})
        assert echo.params == {"result": {"n": 1}}
    finally:
        pm.stop()
        witness.stop()
    assert_serving(agent)


def test_generated_garbage_never_stops_the_endpoint(agent) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    endpoint = next(ep for ep in agent.endpoints if isinstance(ep, PymasepEndpoint))
    witness, witness_replies = _client(agent, "witness")

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(garbage=st.binary(min_size=1, max_size=2048))
    def attack(garbage: bytes) -> None:
        with socket.create_connection(endpoint.address, timeout=WAIT) as sock:
            sock.sendall(garbage)
        pong, elapsed = _ask(witness, witness_replies, "PING", None)
        assert pong.params == {"result": "PONG"} and elapsed < 0.2

    try:
        attack()
    finally:
        witness.stop()
    assert_serving(agent)
