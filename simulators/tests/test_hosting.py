"""``Server`` over real sockets: types and addresses, start/stop, one System per server, sending period."""

from __future__ import annotations

import gc
import itertools
import json
import socket
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.common import SERVER_SHUTDOWN
from simulators.exceptions import AddressInUseError, ServerConfigError, SimulatorCallerError
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer
from simulators.tests.helpers import recv_until
from simulators.tests.systems import Both, Echo, Greeter, Ticker, Variants

LOCAL = ("127.0.0.1", 0)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started() -> Iterator[list[Server]]:
    """Servers appended here are stopped after the test, whatever happens."""
    servers: list[Server] = []
    yield servers
    for server in servers:
        assert server.stop(), f"{server.name} did not stop cleanly"


def start(started: list[Server], *args: object, **kwargs: object) -> Server:
    server = Server(*args, **kwargs)  # type: ignore[arg-type]
    started.append(server)
    server.start()
    return server


def connect(address: tuple[str, int] | None) -> socket.socket:
    assert address is not None
    return socket.create_connection(address, timeout=5.0)


@pytest.mark.parametrize(
    ("server_type", "addresses", "message"),
    [
        pytest.param(object(), {"l_address": LOCAL}, "ThreadingTCPServer", id="wrong-type"),
        pytest.param("tcp", {"l_address": LOCAL}, "ThreadingTCPServer", id="string-type"),
        pytest.param(ThreadingTCPServer, {}, "at least one server", id="no-address"),
        pytest.param(ThreadingUDPServer, {"l_address": (), "s_address": None}, "at least one server", id="empty"),
    ],
)
def test_wrong_server_type_or_no_address_is_a_value_error(
    server_type: object, addresses: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        Server(Echo, server_type, {}, **addresses)  # type: ignore[arg-type]
    assert isinstance(caught.value, ServerConfigError)


def test_port_0_reports_the_bound_port_and_the_system_is_built_at_start(started: list[Server]) -> None:
    Echo.built.clear()
    server = Server(Echo, ThreadingTCPServer, {"suffix": "!"}, l_address=LOCAL)
    started.append(server)
    assert server.l_address is not None and server.l_address[1] != 0
    assert server.s_address is None and server.protocol == "tcp"
    assert Echo.built == [] and server.system is None
    server.start()
    assert len(Echo.built) == 1 and server.ready.is_set()
    with connect(server.l_address) as client:
        client.sendall(b"ab\n")
        assert recv_until(client, lambda d: d.endswith(b"\n")) == b"AB!\n"


def test_one_system_per_server_shared_by_its_connections(started: list[Server]) -> None:
    Echo.built.clear()
    server = start(started, Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    with connect(server.l_address) as first, connect(server.l_address) as second:
        first.sendall(b"ab")
        assert server.system.accepted.wait(5.0), "the first client's bytes never reached the System"
        second.sendall(b"cd\n")  # DISCOS semantics: the System (and its parser) is shared
        assert recv_until(second, lambda d: d.endswith(b"\n")) == b"ABCD\n"
    assert len(Echo.built) == 1


def test_listening_and_sending_addresses_share_one_system(started: list[Server]) -> None:
    server = start(started, Both, ThreadingTCPServer, {}, l_address=LOCAL, s_address=LOCAL)
    assert server.l_address != server.s_address
    with connect(server.s_address) as subscriber, connect(server.l_address) as client:
        recv_until(subscriber, lambda d: len(d) >= 8, what="first status")
        client.sendall(b"$set_value:1000000%%%%%")
        assert recv_until(client, lambda d: d == b"ok\n") == b"ok\n"
        data = recv_until(subscriber, lambda d: any(_values(d)), what="a status with the new value")
        assert max(_values(data)) >= 1_000_000


def _values(data: bytes) -> list[int]:
    usable = len(data) - len(data) % 8
    values = [int.from_bytes(data[i : i + 8], "big") for i in range(0, usable, 8)]
    return [v for v in values if v >= 1_000_000]


def test_an_address_in_use_is_reported_for_tcp_and_udp(started: list[Server]) -> None:
    tcp = start(started, Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    udp = start(started, Echo, ThreadingUDPServer, {}, l_address=LOCAL)
    for server_type, address in ((ThreadingTCPServer, tcp.l_address), (ThreadingUDPServer, udp.l_address)):
        with pytest.raises(AddressInUseError, match="already in use") as caught:
            Server(Echo, server_type, {}, l_address=address)
        assert isinstance(caught.value, SimulatorCallerError)
        protocol = "tcp" if server_type is ThreadingTCPServer else "udp"
        assert caught.value.addresses == [f"127.0.0.1:{address[1]}/{protocol}"]  # type: ignore[index]


def test_system_stop_answers_then_closes_the_server(started: list[Server]) -> None:
    server = start(started, Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    address = server.l_address
    with connect(address) as client:
        client.sendall(b"$system_stop%%%%%")
        assert recv_until(client, lambda d: d.endswith(SERVER_SHUTDOWN.encode())) == SERVER_SHUTDOWN.encode()
        assert server.join(5.0), "the server did not stop after $system_stop%%%%%"
        assert client.recv(10) == b"", "the connection was not closed by the stop"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(address, timeout=5.0)  # type: ignore[arg-type]


def test_system_stop_over_udp(started: list[Server]) -> None:
    server = start(started, Echo, ThreadingUDPServer, {}, l_address=LOCAL)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5.0)
        client.sendto(b"$system_stop%%%%%", server.l_address)  # type: ignore[arg-type]
        assert client.recv(100) == SERVER_SHUTDOWN.encode()
    assert server.join(5.0)


def test_stop_ends_open_connections_and_is_idempotent(started: list[Server]) -> None:
    server = start(started, Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    with connect(server.l_address) as client:
        client.sendall(b"abc")
        assert server.stop(5.0)
        assert ended(client), "the connection was not ended by stop()"
    assert server.stop() and server.stopped.is_set()


def ended(client: socket.socket) -> bool:
    """The peer closed the connection (EOF, or a reset when our last bytes were still unread)."""
    try:
        return client.recv(10) == b""
    except ConnectionResetError:
        return True


def test_extra_connections_beyond_max_workers_are_dropped(started: list[Server]) -> None:
    server = Server(Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    server.max_workers = 1
    started.append(server)
    server.start()
    with connect(server.l_address) as first:
        first.sendall(b"a\n")
        recv_until(first, lambda d: d == b"A\n")
        with connect(server.l_address) as second:
            assert ended(second), "the connection beyond max_workers was not closed"
        first.sendall(b"b\n")
        assert recv_until(first, lambda d: d == b"B\n") == b"B\n"


def test_serve_forever_blocks_until_stopped() -> None:
    server = Server(Echo, ThreadingTCPServer, {}, l_address=LOCAL)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        assert server.ready.wait(5.0), "serve_forever did not start the server"
        assert thread.is_alive()
    finally:
        server.stop()
        thread.join(5.0)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("system_type", "greeting"),
    [pytest.param("plain", b"", id="plain"), pytest.param("greeting", b"welcome\n", id="greet")],
)
def test_multi_type_system_builds_the_chosen_variant(started: list[Server], system_type: str, greeting: bytes) -> None:
    server = start(started, Variants, ThreadingTCPServer, {"system_type": system_type}, l_address=LOCAL)
    assert isinstance(server.system, Greeter if system_type == "greeting" else Echo)
    with connect(server.l_address) as client:
        client.sendall(b"hi\n")
        assert recv_until(client, lambda d: d.endswith(b"HI\n")) == greeting + b"HI\n"


def test_multi_type_system_with_an_unknown_type_fails_to_start() -> None:
    server = Server(Variants, ThreadingTCPServer, {"system_type": "nope"}, l_address=LOCAL)
    with pytest.raises(ValueError, match=r"System type nope not found\."):
        server.start()
    assert server.stopped.is_set()


def test_a_system_instance_is_used_as_is_and_not_stopped(started: list[Server]) -> None:
    system = Ticker()
    try:
        server = start(started, system, ThreadingTCPServer, {}, s_address=LOCAL)
        assert server.system is system
        server.stop()
        assert system._thread.is_alive()
    finally:
        system.system_stop()


def _quantile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def test_sending_period_with_20_clients_has_p99_error_below_2_ms(started: list[Server]) -> None:
    """The period error the server adds, seen by 20 clients in another process.

    Each status carries its publish time; the receiver takes the kernel's receive timestamp
    (SO_TIMESTAMPNS), so neither the receiver being descheduled nor the test System's own timer being
    late on a loaded machine counts: what is measured is the change, from one status to the next, of
    the time between publishing and the bytes reaching the client's socket. A 21st client never reads.
    """
    # A simulator process starts with its heap collected and frozen (common.heap, simulators.runner); this
    # one carries the objects of every test that ran before: collect them first, so that a full
    # collection of the test process's heap is not counted as the server's delay.
    gc.collect()
    server = start(started, Ticker, ThreadingTCPServer, {}, s_address=LOCAL)
    slow = connect(server.s_address)  # never reads: must not delay the others
    receiver = subprocess.Popen(
        [sys.executable, "-m", "simulators.tests.receiver", str(server.s_address[1]), "20", "1.0"],  # type: ignore[index]
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert receiver.stdout is not None
        assert receiver.stdout.readline().strip() == "ready", "the receiver did not connect its 20 clients"
        received = json.loads(receiver.stdout.readline() or "null")
        assert receiver.wait(10.0) == 0, "the receiver process failed"
    finally:
        receiver.kill()
        receiver.wait()
        slow.close()
    assert received is not None and len(received) == 20, "the receiver sent no measurements"
    added, total = [], []
    for statuses in received:
        assert len(statuses) >= 80, f"a client got only {len(statuses)} statuses in 1 s (100 published)"
        stamped = [(kernel, published, seq) for kernel, published, seq in statuses[10:] if kernel is not None]
        for (rx_a, pub_a, seq_a), (rx_b, pub_b, seq_b) in itertools.pairwise(stamped):
            added.append(abs((rx_b - rx_a) - (pub_b - pub_a)))
            total.append(abs((rx_b - rx_a) - 0.01 * (seq_b - seq_a)))
    assert len(added) > 20 * 30, f"too few timestamped statuses: {len(added)}"
    p99, p99_total = _quantile(added, 99), _quantile(total, 99)
    assert p99 < 0.002, (
        f"period p99 error added by the server {p99 * 1000:.2f} ms over {len(added)} periods "
        f"(at the receiver, System timer included: {p99_total * 1000:.2f} ms)"
    )
