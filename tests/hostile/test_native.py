"""Hostile peers on the native endpoint: garbage, deep nesting, split and stalled frames, peers that
do not read, too many connections. After each attack the agent must still serve others at once."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.exceptions import RemoteError
from common.protocol import ERROR, MAX_DEPTH, REPLY, Message, frame_message
from common.sender import Sender
from common.states import AgentState

from .conftest import assert_serving, connect, ping_within, read_messages, read_until_closed

RUNNING = AgentState.RUNNING

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(garbage=st.binary(min_size=1, max_size=4096))
def test_generated_garbage_never_stops_the_agent(victim_agent, garbage):
    """One agent for all the examples (a function-scoped fixture is set up once per test)."""
    agent = victim_agent
    with connect(agent) as sock:
        sock.sendall(garbage)
    assert_serving(agent)
    assert agent.state == RUNNING


@FAST
@given(prefix=st.lists(st.integers(1, 1000), max_size=5), garbage=st.binary(min_size=5, max_size=64))
def test_replies_before_a_malformed_frame_are_sent_then_the_error_then_the_close(victim_agent, prefix, garbage):
    agent = victim_agent
    bad = struct.pack(">I", len(garbage)) + b"\xff" + garbage  # never valid UTF-8 JSON
    stream = b"".join(frame_message(Message("Echo", {"n": i}, i)) for i in prefix) + bad
    with connect(agent) as sock:
        sock.sendall(stream)
        got = read_until_closed(sock)
    assert [(m.id, m.kind, m.params) for m in got[:-1]] == [(i, REPLY, {"result": {"n": i}}) for i in prefix]
    assert (got[-1].id, got[-1].kind, got[-1].params["error"]) == (0, ERROR, "MalformedMessage")
    assert_serving(agent)


def _nested(levels: int) -> bytes:
    return b'{"a":' * (levels - 1) + b"1" + b"}" * (levels - 1)


@pytest.mark.parametrize("levels", [pytest.param(1000, id="1000-deep"), pytest.param(100_000, id="100k-deep")])
def test_deep_nesting_is_refused_on_the_way_in(victim, levels):
    agent = victim()
    payload = b'{"type":"Store","id":5,"params":' + _nested(levels) + b"}"
    with connect(agent) as sock:
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        [error] = read_until_closed(sock)
    assert error.kind == ERROR and error.params["error"] == "MalformedMessage"
    assert "deeper than" in error.params["message"]
    assert agent.stored == []
    assert_serving(agent)


def test_what_a_peer_stores_at_the_limit_cannot_poison_later_replies(victim):
    agent = victim()
    deepest = MAX_DEPTH - 1  # params itself is level 2 of the message
    payload = b'{"type":"Store","id":5,"params":' + _nested(deepest) + b"}"
    with connect(agent) as sock:
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        [stored] = read_messages(sock, 1)
        assert (stored.id, stored.params) == (5, {"result": 1})
        for i in range(3):  # every later reply that carries it is an error reply, not a crash
            sock.sendall(frame_message(Message("Recall", {}, 10 + i)))
            [reply] = read_messages(sock, 1)
            assert (reply.id, reply.kind, reply.params["error"]) == (10 + i, ERROR, "BadReply")
        sock.sendall(frame_message(Message("Bad", {}, 20)))
        [reply] = read_messages(sock, 1)
        assert (reply.id, reply.kind, reply.params["error"]) == (20, ERROR, "BadReply")
    assert agent.state == RUNNING
    assert_serving(agent)


def test_a_reply_over_the_frame_limit_is_an_error_reply(victim):
    agent = victim(max_frame_size=64 * 1024)
    with pytest.raises(RemoteError, match=r"BadReply.*exceeds the limit of 65536"):
        Sender.send_to("victim", "Big", {"size": 100_000})
    assert Sender.send_to("victim", "PING") == "PONG"
    assert_serving(agent)


@FAST
@given(cuts=st.lists(st.integers(1, 200), min_size=1, max_size=12))
def test_split_frames_are_reassembled_in_any_chunking(victim_agent, cuts):
    agent = victim_agent
    stream = b"".join(frame_message(Message("Echo", {"n": i, "pad": "p" * i}, i)) for i in range(1, 6))
    with connect(agent) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pos = 0
        for cut in cuts:
            sock.sendall(stream[pos : pos + cut])
            pos += cut
        sock.sendall(stream[pos:])
        got = read_messages(sock, 5)
    assert [(m.id, m.params["result"]["n"]) for m in got] == [(i, i) for i in range(1, 6)]


def test_a_frame_trickled_byte_by_byte_meets_a_whole_frame_deadline(victim):
    agent = victim(frame_timeout=0.5)
    frame = frame_message(Message("Echo", {"pad": "x" * 200}, 1))
    with connect(agent) as sock, connect(agent) as witness:
        start = time.monotonic()
        closed_at = None
        for i, byte in enumerate(frame[:-1]):  # a byte every 20 ms would take 4 s: progress must not help
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed_at = time.monotonic()
                break
            if i % 10 == 0:
                ping_within(witness, agent, 1000 + i)
            sock.settimeout(0.02)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            closed_at = time.monotonic()
            assert b"FrameTimeout" in data
            break
        assert closed_at is not None, "a trickled frame was never timed out"
        assert closed_at - start < 0.5 + 0.3, f"cut after {closed_at - start:.2f} s, deadline 0.5 s"
    assert_serving(agent)


@pytest.mark.parametrize(
    ("requests", "size"),
    [
        pytest.param(8, 900_000, id="huge-replies"),
        pytest.param(200, 60_000, id="a-burst-of-replies"),
    ],
)
def test_a_peer_that_does_not_read_is_cut_within_a_second_and_others_are_served(victim, settings, requests, size):
    settings.PYROS_MAX_OUTPUT = 256 * 1024
    agent = victim()
    native = agent.native
    assert native is not None and native.max_output == 256 * 1024
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    hog.connect(agent.bound_address)
    with connect(agent) as witness, hog:
        port = str(hog.getsockname()[1])
        ping_within(witness, agent, 1)
        hog.sendall(b"".join(frame_message(Message("Big", {"size": size}, i)) for i in range(requests)))
        sent = time.monotonic()
        worst = 0
        ident = 2
        while time.monotonic() - sent < 3:
            conns = [c for c in list(native.connections) if c.peer.endswith(":" + port)]
            if not conns:
                break
            worst = max(worst, len(conns[0].out))
            ping_within(witness, agent, ident)
            ident += 1
        gone = time.monotonic() - sent
        assert gone < 1.0, f"a peer that does not read was still connected {gone:.2f} s after passing the bound"
        assert worst <= 256 * 1024 + size + 100, f"{worst} bytes queued for a peer that does not read"
    assert_serving(agent)


def test_connection_cap_refuses_with_an_error_and_recovers(victim, settings):
    settings.PYROS_MAX_CONNECTIONS = 6
    agent = victim()
    witness = connect(agent)
    held = [connect(agent) for _ in range(5)]
    try:
        ping_within(witness, agent, 1)
        with connect(agent) as extra:
            [refusal] = read_until_closed(extra)
        assert (refusal.kind, refusal.params["error"]) == (ERROR, "TooManyConnections")
        ping_within(witness, agent, 2)
        held.pop().close()
        deadline = time.monotonic() + 2
        while len(agent.native.connections) > 5 and time.monotonic() < deadline:
            ping_within(witness, agent, 3)
        with connect(agent) as again:
            ping_within(again, agent, 4)
    finally:
        witness.close()
        for sock in held:
            sock.close()


def test_idle_connections_are_closed_quietly_and_pooled_senders_reconnect(victim, settings):
    settings.PYROS_IDLE_TIMEOUT = 0.3
    agent = victim()
    assert Sender.send_to("victim", "PING") == "PONG"  # leaves a pooled connection
    with connect(agent) as idle:
        start = time.monotonic()
        assert read_until_closed(idle, timeout=3) == []  # closed, no error frame
        assert 0.25 < time.monotonic() - start < 2.0
    assert Sender.send_to("victim", "PING") == "PONG"  # the pooled connection was closed: reconnects
    Sender.notify("victim", "Store", {"n": 1})
    native = agent.native
    assert native is not None
    idle = threading.Event()  # the pooled connection idles out, then is closed: wait for that
    deadline = time.monotonic() + 5
    while native.connections:
        assert time.monotonic() < deadline, "the idle pooled connection was not closed"
        idle.wait(0.05)
    Sender.notify("victim", "Store", {"n": 2})  # on a connection the agent closed: not lost
    assert Sender.send_to("victim", "Recall") == {"stored": [{"n": 1}, {"n": 2}]}


def test_a_peer_that_half_closes_after_its_requests_gets_every_reply(victim):
    agent = victim()
    with connect(agent) as sock:
        sock.sendall(b"".join(frame_message(Message("Echo", {"n": i}, i)) for i in range(1, 51)))
        sock.shutdown(socket.SHUT_WR)
        got = read_until_closed(sock)
    assert [m.id for m in got] == list(range(1, 51))
    assert_serving(agent)
