"""Mount simulator: the server on real sockets (LX200 on the listening port, status on the sending port)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from simulators import mount
from simulators.catalog import available_simulators, describe, select
from simulators.mount import decode_status
from simulators.server import Server, ThreadingTCPServer
from simulators.tests.helpers import recv_until


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(
        mount,
        ThreadingTCPServer,
        {"sampling_time": 0.02, "slew_rate": 30.0, "acceleration": 30.0},
        l_address=("127.0.0.1", 0),
        s_address=("127.0.0.1", 0),
    )
    srv.start()
    yield srv
    assert srv.stop(5.0), "the mount server did not stop cleanly"


def ask(sock: socket.socket, command: bytes, replies: int = 1) -> bytes:
    sock.sendall(command)
    return recv_until(sock, lambda data: data.count(b"#") >= replies, what=f"reply to {command!r}")


def read_statuses(sock: socket.socket, count: int) -> list[dict[str, object]]:
    data = recv_until(sock, lambda d: d.count(b"\n") >= count, what=f"{count} statuses")
    return [decode_status(line) for line in data.split(b"\n")[:count]]


def test_lx200_over_tcp(server: Server) -> None:
    assert server.l_address is not None
    with socket.create_connection(server.l_address, timeout=5.0) as client:
        client.sendall(b"\x06")
        assert recv_until(client, lambda d: len(d) >= 1) == b"P"
        assert ask(client, b":GR#:GD#", 2).count(b"#") == 2
        client.sendall(b":Sr12:30:00#:Sd-10*00:00#")
        assert recv_until(client, lambda d: len(d) >= 2) == b"11"


def test_status_lines_are_pushed_every_sampling_time(server: Server) -> None:
    assert server.s_address is not None
    with socket.create_connection(server.s_address, timeout=5.0) as watcher:
        statuses = read_statuses(watcher, 5)
    assert {s["state"] for s in statuses} == {"parked"}
    assert statuses[0]["last_goto_at"] is None
    times = [float(s["time"]) for s in statuses]  # type: ignore[arg-type]
    assert times == sorted(times)
    assert set(statuses[0]) >= {"ra_deg", "dec_deg", "alt_deg", "az_deg", "target_ra_deg", "target_dec_deg"}


def test_a_slew_commanded_on_one_port_shows_on_the_other(server: Server) -> None:
    assert server.l_address is not None and server.s_address is not None
    system = server.system
    lst_hours = system.mount.lst(system.clock()) / 15.0
    target_ra = f"{int((lst_hours - 1) % 24):02d}:00:00".encode()  # about an hour west of the meridian
    with (
        socket.create_connection(server.l_address, timeout=5.0) as client,
        socket.create_connection(server.s_address, timeout=5.0) as watcher,
    ):
        client.sendall(b":Sr" + target_ra + b"#:Sd-30*00:00#:MS#")
        assert recv_until(client, lambda d: len(d) >= 3) == b"110"
        buffer = b""
        states: list[str] = []
        while "tracking" not in states:
            buffer += recv_until(watcher, lambda d: b"\n" in d, what="a status")
            *lines, buffer = buffer.split(b"\n")
            states += [str(json.loads(line)["state"]) for line in lines]
        assert "slewing" in states
        assert ask(client, b":D#") == b"#"
        buffer += recv_until(watcher, lambda d: b"\n" in buffer + d, what="a status")
        status = decode_status(buffer.split(b"\n")[0])
        assert status["last_goto_at"] == pytest.approx(server.system.lx200.last_goto_at, abs=1e-5)


def test_listed_and_moved_by_the_port_offset() -> None:
    assert "mount" in available_simulators()
    (selection,) = select(["mount"], port_offset=100)
    assert describe(selection) == ["mount (1 server)", "  tcp  listening 127.0.0.1:10101; sending 127.0.0.1:10102"]


@pytest.mark.parametrize(
    ("command", "reply", "rate"),
    [
        pytest.param(b"$set_rates:40,80%%%%%", b"$ok%%%%%", 40.0, id="rates"),
        pytest.param(b"$set_rates:40,80,15%%%%%", b"$ok%%%%%", 40.0, id="rates-and-horizon"),
        pytest.param(
            b"$set_rates:0,80%%%%%", b"$error:slew_rate and acceleration must be positive%%%%%", 30.0, id="zero-rate"
        ),
        pytest.param(
            b"$set_rates:fast,80%%%%%",
            b"$error:could not convert string to float: 'fast'%%%%%",
            30.0,
            id="not-a-number",
        ),
    ],
)
def test_rates_change_at_run_time(server: Server, command: bytes, reply: bytes, rate: float) -> None:
    assert server.l_address is not None
    with socket.create_connection(server.l_address, timeout=5.0) as client:
        client.sendall(command)
        assert recv_until(client, lambda d: d.endswith(b"%%%%%")) == reply
    assert server.system.mount.slew_rate == rate
    assert server.system.mount.horizon_deg == (15.0 if b",15%" in command else 0.0)
