"""common/transport/native.py driven by hand (no agent): the output bound per connection, its grace
period and the cut; the whole-frame deadline; replies owed before a refusal."""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Iterator

import pytest

from common.protocol import REPLY, REQUEST, Message, MessageDecoder, frame_message
from common.transport.native import OUTPUT_GRACE, FrameConnection, NativeEndpoint

LIMIT = 64 * 1024


@pytest.fixture
def endpoint() -> Iterator[NativeEndpoint]:
    selector = selectors.DefaultSelector()
    native = NativeEndpoint("127.0.0.1", 0, max_output=LIMIT, frame_timeout=0.5, idle_timeout=60)
    native.start(selector)
    yield native
    native.stop()
    selector.close()


def _pump(native: NativeEndpoint, delivered: list[Message] | None = None, rounds: int = 20) -> None:
    for _ in range(rounds):
        for key, mask in native.selector.select(0.05):
            native.handle(key, mask, lambda m, c: delivered.append(m) if delivered is not None else None)
        native.flush()


def _connect(native: NativeEndpoint) -> tuple[socket.socket, FrameConnection]:
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    client.connect(native.address)
    deadline = time.monotonic() + 5
    while not native.connections:
        assert time.monotonic() < deadline, "not accepted"
        _pump(native, rounds=1)
    conn = next(iter(native.connections))
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    return client, conn


def _big(ident: int) -> Message:
    return Message("Big", {"result": "x" * 300_000}, ident, "agent", REPLY)


def test_over_the_bound_the_connection_stops_being_read_and_is_cut_after_the_grace(endpoint):
    client, conn = _connect(endpoint)
    with client:
        conn.send_message(_big(1))
        assert conn.choked and not conn.reading
        assert len(conn.out) > LIMIT
        deadline = endpoint.next_deadline()
        assert deadline is not None and deadline - time.monotonic() <= OUTPUT_GRACE
        endpoint.expire(time.monotonic() + OUTPUT_GRACE / 2)
        assert not conn.closed
        endpoint.expire(time.monotonic() + OUTPUT_GRACE + 0.01)
        assert conn.closed and len(conn.out) == 0 and conn not in endpoint.connections


def test_another_reply_while_over_the_bound_cuts_at_once(endpoint):
    client, conn = _connect(endpoint)
    with client:
        conn.send_message(_big(1))
        with pytest.raises(ConnectionResetError, match="does not read"):
            conn.send_message(_big(2))
        assert conn.closed and len(conn.out) == 0


def test_a_peer_that_reads_back_under_the_bound_is_read_again(endpoint):
    client, conn = _connect(endpoint)
    with client:
        conn.send_message(_big(1))
        assert conn.choked
        client.settimeout(5)
        decoder = MessageDecoder(2 * 1024 * 1024)
        got: list[Message] = []
        while not got:
            decoder.receive_data(client.recv(65536))
            conn.flush()
            got.extend(decoder.feed(b""))
        assert got[0].id == 1
        assert not conn.choked and conn.reading and not conn.closed


def test_replies_owed_before_a_bad_frame_go_out_first_then_the_error(endpoint):
    client, conn = _connect(endpoint)
    delivered: list[Message] = []
    with client:
        good = b"".join(frame_message(Message("Echo", {}, i, "c", REQUEST)) for i in (1, 2))
        client.sendall(good + b"\x00\x00\x00\x03{{{")
        _pump(endpoint, delivered, rounds=3)
        assert [m.id for m in delivered] == [1, 2] and conn.closing and conn.awaiting == 2
        for message in delivered:
            conn.send_message(message.reply("ok", "agent"))
        _pump(endpoint, rounds=3)
        client.settimeout(5)
        data = b""
        while chunk := client.recv(65536):
            data += chunk
        replies = MessageDecoder().feed(data)
        assert [(r.id, r.kind) for r in replies] == [(1, "reply"), (2, "reply"), (0, "error")]
        assert replies[-1].params["error"] == "MalformedMessage"


def test_the_frame_deadline_runs_from_the_first_byte(endpoint):
    client, conn = _connect(endpoint)
    with client:
        frame = frame_message(Message("Echo", {}, 1))
        client.sendall(frame[:3])
        _pump(endpoint, rounds=2)
        started = conn.frame_since
        assert started is not None
        client.sendall(frame[3:6])  # progress does not move the deadline
        _pump(endpoint, rounds=2)
        assert conn.frame_since == started
        endpoint.expire(started + 0.49)
        assert not conn.closing
        endpoint.expire(started + 0.5)
        assert conn.closing
        _pump(endpoint, rounds=2)
        client.settimeout(5)
        [error] = MessageDecoder().feed(client.recv(65536))
        assert (error.id, error.params["error"]) == (0, "FrameTimeout")


def test_refusals_do_not_flood_the_log(endpoint, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="pyros.transport"):
        for _ in range(30):
            client, conn = _connect(endpoint)
            with client:
                client.sendall(b"\x00\x00\x00\x02{]")
                _pump(endpoint, rounds=2)
            endpoint.close(conn)
    lines = [r.getMessage() for r in caplog.records if "closing connection" in r.getMessage()]
    assert len(lines) == 10, lines
