"""Handlers over real sockets: custom commands, greeting, error logging, sending to TCP and UDP clients."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from simulators import active_surface
from simulators.common import SERVER_SHUTDOWN
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer
from simulators.tests.helpers import frame, recv_until
from simulators.tests.systems import Echo, Greeter, Ticker

LOCAL = ("127.0.0.1", 0)
STATUS_SIZE = Ticker.MESSAGE.size


@pytest.fixture
def sim_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The simulators' log records (the ``pyros`` logger does not propagate to the root logger)."""
    logger = logging.getLogger("pyros.simulators")
    logger.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.INFO)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


@pytest.fixture
def echo() -> Iterator[Server]:
    server = Server(Echo, ThreadingTCPServer, {}, l_address=LOCAL, name="echo")
    server.start()
    yield server
    assert server.stop()


def talk(server: Server, data: bytes, expected: bytes) -> bytes:
    with socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
        client.sendall(data)
        return recv_until(client, lambda d: d.endswith(expected), what=repr(expected))


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        pytest.param(b"$hello%%%%%", b"hello:\n", id="no-params"),
        pytest.param(b"$hello:a,b,3%%%%%", b"hello:a|b|3\n", id="string-params"),
        pytest.param(b"$hello:%%%%%", b"hello:\n", id="empty-param-text"),
        pytest.param(b"$hel$hello:x%%%%%", b"hello:x\n", id="dollar-restarts"),
    ],
)
def test_custom_commands_call_the_system_and_send_string_results(echo: Server, command: bytes, reply: bytes) -> None:
    assert talk(echo, command + b"ok\n", b"OK\n") == reply + b"OK\n"


@pytest.mark.parametrize(
    ("command", "logged"),
    [
        pytest.param(b"$nothing%%%%%", "command nothing not supported (echo client", id="unknown"),
        pytest.param(b"$boom%%%%%", "unexpected exception boom (echo client", id="raises"),
        pytest.param(b"$__class__%%%%%", "not a public method name", id="dunder"),
        pytest.param(b"$_private%%%%%", "not a public method name", id="private"),
        pytest.param(b"$hello:a:b%%%%%", "has 2 ':'", id="q13-several-colons"),
    ],
)
def test_bad_custom_commands_are_logged_and_the_connection_survives(
    echo: Server, sim_log: pytest.LogCaptureFixture, command: bytes, logged: str
) -> None:
    assert talk(echo, command + b"ok\n", b"OK\n") == b"OK\n"
    assert any(logged in r.getMessage() and "echo client 127.0.0.1:" in r.getMessage() for r in sim_log.records)


def test_a_non_string_result_is_not_sent(echo: Server) -> None:
    assert talk(echo, b"$silent%%%%%ok\n", b"OK\n") == b"OK\n"


def test_an_overlong_custom_command_is_dropped(echo: Server, sim_log: pytest.LogCaptureFixture) -> None:
    reply = talk(echo, b"$" + b"%" * 3 + b"y" * 600 + b"%%%%%$hello%%%%%", b"hello:\n")
    assert reply == b"hello:\n"
    assert any("longer than 512 bytes" in r.getMessage() for r in sim_log.records)


def test_a_dollar_inside_a_usd_frame_never_starts_a_custom_command() -> None:
    server = Server(active_surface, ThreadingTCPServer, {"min_usd_index": 1, "max_usd_index": 17}, l_address=LOCAL)
    server.start()
    try:
        with socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
            client.sendall(frame(1, 0x28, b"$") + b"system_stop%%%%%")  # 0x24 = "$" is the parameter
            assert recv_until(client, lambda d: d == b"\x06") == b"\x06"
            client.sendall(frame(1, 0x14))
            assert recv_until(client, lambda d: len(d) >= 4) == b"\x06\xfa\x21" + bytes([~(6 + 0xFA + 0x21) & 0xFF])
            assert not server.stopping
            client.sendall(b"$system_stop%%%%%")  # at the start of a message it is one
            assert recv_until(client, lambda d: d.endswith(SERVER_SHUTDOWN.encode()))
        assert server.join(5.0)
    finally:
        server.stop()


def test_greeting_on_tcp_connect() -> None:
    server = Server(Greeter, ThreadingTCPServer, {}, l_address=LOCAL)
    server.start()
    try:
        with socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
            assert recv_until(client, lambda d: d == b"welcome\n") == b"welcome\n"
    finally:
        server.stop()


def test_rejected_bytes_are_logged_with_server_client_and_bytes(
    echo: Server, sim_log: pytest.LogCaptureFixture
) -> None:
    assert talk(echo, b"abx!cd\n", b"CD\n") == b"CD\n"
    messages = [r.getMessage() for r in sim_log.records]
    rejected = next(m for m in messages if "rejected" in m)
    assert rejected.startswith("x is not allowed (echo client 127.0.0.1:") and rejected.endswith("bytes 61 62 78)")
    crashed = next(r for r in sim_log.records if "unexpected exception" in r.getMessage())
    assert crashed.levelno == logging.ERROR
    assert crashed.getMessage().startswith("unexpected exception (echo client 127.0.0.1:")
    assert crashed.getMessage().endswith("RuntimeError('parser crashed'); bytes 21)")


def test_logged_bytes_are_bounded(echo: Server, sim_log: pytest.LogCaptureFixture) -> None:
    assert talk(echo, b"a" * 5000 + b"x" + b"ok\n", b"OK\n") == b"OK\n"
    rejected = next(r.getMessage() for r in sim_log.records if "rejected" in r.getMessage())
    assert rejected.endswith(" ".join(["61"] * 63 + ["78"]) + ")")


def test_a_sending_connection_gets_statuses_and_replies_between_them() -> None:
    server = Server(Ticker, ThreadingTCPServer, {}, s_address=LOCAL)
    server.start()
    try:
        with socket.create_connection(server.s_address, timeout=5.0) as client:  # type: ignore[arg-type]
            recv_until(client, lambda d: len(d) >= 3 * STATUS_SIZE, what="three statuses")
            client.sendall(b"$set_value:1000%%%%%")
            data = recv_until(client, lambda d: b"ok\n" in d and len(d) > d.index(b"ok\n") + 3 + STATUS_SIZE)
        position = data.index(b"ok\n")
        assert position % STATUS_SIZE == 0, "the reply was sent inside a status"
        after = data[position + 3 :]
        assert Ticker.MESSAGE.unpack_from(after)[1] >= 1000
    finally:
        server.stop()


def test_a_client_that_leaves_is_unsubscribed() -> None:
    server = Server(Ticker, ThreadingTCPServer, {}, s_address=LOCAL)
    server.start()
    try:
        with socket.create_connection(server.s_address, timeout=5.0) as client:  # type: ignore[arg-type]
            recv_until(client, lambda d: len(d) >= STATUS_SIZE, what="a status")
            assert len(server.system.subscribers()) == 1
        assert server.system.unsubscribed.wait(5.0), "the closed client was not unsubscribed"
        assert server.system.subscribers() == []
    finally:
        server.stop()


def test_udp_sending_answers_each_datagram_with_one_status_to_its_sender_only() -> None:
    server = Server(Ticker, ThreadingUDPServer, {}, s_address=LOCAL)
    server.start()
    clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    try:
        for client in clients:
            client.settimeout(5.0)
            client.sendto(b"hi", server.s_address)  # type: ignore[arg-type]
        for client in clients:  # Q14 fixed: no handler reads (and drops) the other client's datagram
            assert len(client.recv(100)) == STATUS_SIZE
            client.settimeout(0.05)
            with pytest.raises(TimeoutError):
                client.recv(100)  # exactly one status per datagram
        clients[0].settimeout(5.0)
        clients[0].sendto(b"$set_value:7%%%%%", server.s_address)  # type: ignore[arg-type]
        assert clients[0].recv(100) == b"ok\n"
        assert len(clients[0].recv(100)) == STATUS_SIZE
    finally:
        for client in clients:
            client.close()
        server.stop()
