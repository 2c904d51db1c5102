"""common/communication Server/Client over real sockets on 127.0.0.1 (common/transport/pymasep.py)."""

from __future__ import annotations

import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from common.communication import (
    Client,
    ClientRefusedError,
    DuplicateConnectionError,
    Frame,
    HandshakeTimeoutError,
    Message,
    Server,
    SocketHandler,
    SocketHandlerQueue,
)
from common.communication.codec import frame, frame_decoder, hello_frame
from common.communication.exceptions import PymasepFrameTooLargeError

ROOT = Path(__file__).resolve().parents[2]
WAIT = 10.0  # generous: the machine is shared


@pytest.fixture
def server_queue() -> queue.Queue[bytes]:
    return queue.Queue()


@pytest.fixture
def server(server_queue: queue.Queue[bytes]) -> Iterator[Server]:
    srv = Server("srv", 4, SocketHandlerQueue, (server_queue,), "127.0.0.1", 0, handshake_timeout=1.0)
    srv.wait_connection()
    try:
        yield srv
    finally:
        srv.stop()


def _client(ident: str, port: int, q: queue.Queue[bytes] | None = None, **kwargs: Any) -> Client:
    return Client(ident, SocketHandlerQueue, (q if q is not None else queue.Queue(),), "127.0.0.1", port, **kwargs)


def _raw(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT)


def _read_frame(sock: socket.socket) -> bytes:
    decoder = frame_decoder()
    while (payload := decoder.next_frame()) is None:
        data = sock.recv(65536)
        assert data, "the server closed the connection before a whole frame"
        decoder.receive_data(data)
    return payload


def test_message_round_trip_between_client_and_server(server: Server, server_queue: queue.Queue[bytes]) -> None:
    client_q: queue.Queue[bytes] = queue.Queue()
    with _client("c1", server.port, client_q) as client:
        client.connect()
        assert client.server_id == "srv"
        assert server.connection_ids() == ["c1"]
        sent = Message(Message.MESSAGE_TYPE_ACTION, {"action": "move", "ok": False, "v": None, "f": 0.1}, "c1")
        client.send_frame_to("srv", Frame(sent.to_bytes()))
        assert Message.decode(server_queue.get(timeout=WAIT)) == sent
        reply = Message(Message.MESSAGE_TYPE_OBSERVATION, {"observation": "é", "additional_information": {}}, "srv")
        server.send_frame_to("c1", Frame(reply.to_bytes()))
        assert Message.decode(client_q.get(timeout=WAIT)) == reply


def test_wire_bytes_of_the_handshake_and_a_frame_written_in_pieces(
    server: Server, server_queue: queue.Queue[bytes]
) -> None:
    """A peer writing like pymasep 0.2 (header and body separately, then byte by byte)."""
    with _raw(server.port) as sock:
        sock.sendall(b"\x03\x00")
        sock.sendall(b"raw")
        assert _read_frame(sock) == b"srv"
        assert server.wait_for_connections(lambda ids: ids == ["raw"], WAIT)
        payload = Message("action", {"a": 1}, "raw").to_bytes()
        for byte in frame(payload):
            sock.sendall(bytes([byte]))
        assert server_queue.get(timeout=WAIT) == payload
        sock.sendall(b"\x03\x00BYE")
        assert server.wait_for_connections(lambda ids: ids == [], WAIT), "BYE did not end the connection"
        assert sock.recv(10) == b"", "the server did not close after BYE"


class _Verifier(SocketHandler):
    """Checks every received payload against what was sent, in order."""

    def __init__(self, conn: socket.socket, addr: Any, logger: Any, state: dict[str, Any]) -> None:
        super().__init__(conn, addr, logger)
        self.state = state

    def on_receive(self, frame: Frame) -> None:
        state = self.state
        index = state["received"]
        expected = state["sent"].popleft()
        if state["error"] is None and frame.message != expected:
            state["error"] = f"burst {state['burst']} message {index}: {frame.size} bytes, expected {len(expected)}"
        if state["error"] is None and index % 250 == 0:
            params = Message.decode(frame.message).params or {}
            if (params.get("burst"), params.get("seq")) != (state["burst"], index):
                state["error"] = f"burst {state['burst']} message {index} decodes as {params.get('seq')}"
        state["received"] = index + 1
        if state["received"] == BURST:
            state["done"].set()


BURST = 5000
_POOL = "".join(random.Random(7).choices("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", k=70_000))


def _payload(rng: random.Random, burst: int, index: int) -> bytes:
    size = rng.randrange(0, 60_000)
    start = rng.randrange(0, len(_POOL) - size)
    data = _POOL[start : start + size] + "\u00e9<&>"  # and a non-ASCII character, markup
    return Message("observation", {"seq": index, "burst": burst, "data": data}, "b").to_bytes()


def test_ten_bursts_of_5000_messages_up_to_60_kb_arrive_intact_and_in_order() -> None:
    """Even bursts go client -> server, odd ones server -> client."""
    state: dict[str, Any] = {"burst": 0, "received": 0, "sent": deque(), "error": None, "done": threading.Event()}
    rng = random.Random(2026)
    largest = 0
    with Server("srv", 2, _Verifier, (state,), "127.0.0.1", 0) as srv:
        srv.wait_connection()
        with Client("c", _Verifier, (state,), "127.0.0.1", srv.port) as client:
            client.connect()
            for burst in range(10):
                state.update(burst=burst, received=0, error=None, done=threading.Event())
                sender = client.get_connection("srv") if burst % 2 == 0 else srv.get_connection("c")
                for index in range(BURST):
                    payload = _payload(rng, burst, index)
                    largest = max(largest, len(payload))
                    state["sent"].append(payload)
                    sender.send_frame(Frame(payload))
                assert state["done"].wait(60), f"burst {burst}: only {state['received']} of {BURST} messages arrived"
                assert state["error"] is None, state["error"]
                assert not state["sent"]
    assert largest > 59_000, "the bursts should reach frames near 60 KB"


def test_a_client_that_never_says_hello_does_not_block_a_second_client(pymasep_log: Any) -> None:
    received: queue.Queue[bytes] = queue.Queue()
    with Server("srv", 4, SocketHandlerQueue, (received,), "127.0.0.1", 0, handshake_timeout=2.0) as server:
        server.wait_connection()
        with _raw(server.port) as silent:
            with _client("second", server.port) as client:
                client.connect()
                client.send_frame_to("srv", Frame(Message("action", {"n": 1}, "second").to_bytes()))
                assert Message.decode(received.get(timeout=WAIT)).params == {"n": 1}
                # served while the silent one was still waiting for its hello
                assert not server.refused, f"the silent client was dealt with first: {list(server.refused)}"
            silent.settimeout(WAIT)
            assert silent.recv(10) == b"", "the silent client was not disconnected after the handshake timeout"
    assert server.refused[-1][0] is None and "no hello within 2 s" in server.refused[-1][2]
    assert any("no hello within 2 s" in m for m in pymasep_log.messages())


def test_a_killed_peer_frees_its_handler(server: Server, pymasep_log: Any) -> None:
    script = (
        "import queue, sys\n"
        "from common.communication import Client, SocketHandlerQueue\n"
        "c = Client('victim', SocketHandlerQueue, (queue.Queue(),), '127.0.0.1', int(sys.argv[1]))\n"
        "c.connect()\n"
        "print('connected', flush=True)\n"
        "sys.stdin.read()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    peer = subprocess.Popen(
        [sys.executable, "-c", script, str(server.port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    try:
        assert peer.stdout is not None
        assert peer.stdout.readline() == b"connected\n"
        handler = server.get_connection("victim")
        peer.send_signal(signal.SIGKILL)
        peer.wait(WAIT)
        assert server.wait_for_connections(lambda ids: "victim" not in ids, WAIT), "the dead peer is still registered"
        handler.join(WAIT)
        assert not handler.is_alive()
    finally:
        peer.kill()
        peer.wait()
        assert peer.stdin is not None and peer.stdout is not None
        peer.stdin.close()
        peer.stdout.close()
    assert any("closed the connection without BYE" in m for m in pymasep_log.messages())
    with _client("victim", server.port) as again:  # the id is free again
        again.connect()


def test_max_connection_is_a_real_limit(server_queue: queue.Queue[bytes], pymasep_log: Any) -> None:
    with Server("srv", 2, SocketHandlerQueue, (server_queue,), "127.0.0.1", 0) as srv:
        srv.wait_connection()
        first, second, third = (_client(name, srv.port) for name in ("a", "b", "c"))
        first.connect()
        second.connect()
        with pytest.raises(ClientRefusedError, match="answered BYE"):
            third.connect()
        assert srv.connection_ids() == ["a", "b"]
        assert srv.refused[-1][0] == "c" and "max_connection (2)" in srv.refused[-1][2]
        assert any("refused client 'c'" in m and "max_connection" in m for m in pymasep_log.messages())
        second.stop()
        assert srv.wait_for_connections(lambda ids: ids == ["a"], WAIT)
        third.connect()
        assert srv.connection_ids() == ["a", "c"]
        first.stop()
        third.stop()


def test_duplicate_client_id_is_refused(server: Server, server_queue: queue.Queue[bytes], pymasep_log: Any) -> None:
    with _client("same", server.port) as first, _client("same", server.port) as second:
        first.connect()
        with pytest.raises(ClientRefusedError, match="refused client 'same'"):
            second.connect()
        assert any("duplicate client id" in m for m in pymasep_log.messages())
        first.send_frame_to("srv", Frame(Message("action", {"still": True}, "same").to_bytes()))
        assert Message.decode(server_queue.get(timeout=WAIT)).params == {"still": True}
    handler = SocketHandler(*socket.socketpair(), server.logger)  # type: ignore[arg-type]
    with pytest.raises(DuplicateConnectionError, match="'x' is already registered"):
        server.add_connection("x", handler)
        server.add_connection("x", handler)
    handler.stop()


def test_bye_from_the_client_ends_both_handlers(server: Server) -> None:
    client = _client("leaving", server.port)
    client.connect()
    handler = client.get_connection("srv")
    client.send_frame_to("srv", Frame.bye_frame())
    handler.join(WAIT)
    assert not handler.is_alive()
    assert server.wait_for_connections(lambda ids: ids == [], WAIT)
    client.stop()


def test_server_stop_says_bye_and_the_client_handler_ends(server_queue: queue.Queue[bytes]) -> None:
    srv = Server("srv", 4, SocketHandlerQueue, (server_queue,), "127.0.0.1", 0)
    srv.wait_connection()
    client = _client("c", srv.port)
    client.connect()
    handler = client.get_connection("srv")
    srv.stop()
    handler.join(WAIT)
    assert not handler.is_alive()
    assert client.wait_for_connections(lambda ids: ids == [], WAIT)
    client.stop()


def test_a_peer_stalled_mid_frame_is_dropped(pymasep_log: Any) -> None:
    with Server("srv", 2, SocketHandlerQueue, (queue.Queue(),), "127.0.0.1", 0, io_timeout=0.5) as srv:
        srv.wait_connection()
        with _raw(srv.port) as sock:
            sock.sendall(hello_frame("staller"))
            assert _read_frame(sock) == b"srv"
            sock.sendall(b"\x10\x00half")
            assert srv.wait_for_connections(lambda ids: ids == [], WAIT), "the stalled peer was not dropped"
    assert any("stalled mid-frame" in m for m in pymasep_log.messages())


def test_an_oversized_frame_is_refused_before_anything_is_written(
    server: Server, server_queue: queue.Queue[bytes]
) -> None:
    with _client("big", server.port) as client:
        client.connect()
        with pytest.raises(PymasepFrameTooLargeError, match="65536 bytes exceeds the limit of 65535"):
            client.send_frame_to("srv", Frame(b"x" * 65536))
        client.send_frame_to("srv", Frame(b"y" * 65535))
        assert server_queue.get(timeout=WAIT) == b"y" * 65535


def test_handshake_timeout_on_the_client_side() -> None:
    with socket.create_server(("127.0.0.1", 0)) as mute:
        client = _client("c", mute.getsockname()[1], handshake_timeout=0.3)
        with pytest.raises(HandshakeTimeoutError, match=r"no hello within 0\.3 s"):
            client.connect()
        client.stop()


def test_no_log_file_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Server("srv", 1, SocketHandlerQueue, (queue.Queue(),), "127.0.0.1", 0) as srv:
        srv.wait_connection()
        with _client("c", srv.port) as client:
            client.connect()
    assert list(tmp_path.iterdir()) == []


def test_stop_wait_connection_refuses_new_clients_and_keeps_connected_ones(
    server: Server, server_queue: queue.Queue[bytes]
) -> None:
    with _client("kept", server.port) as kept:
        kept.connect()
        server.stop_wait_connection()
        with pytest.raises(ConnectionRefusedError) as refused:
            _client("late", server.port).connect()
        assert not isinstance(refused.value, ClientRefusedError), "the port should be closed, not answer BYE"
        kept.send_frame_to("srv", Frame(Message("action", {"still": "here"}, "kept").to_bytes()))
        assert Message.decode(server_queue.get(timeout=WAIT)).params == {"still": "here"}
