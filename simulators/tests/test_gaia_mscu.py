"""GAIA (UDP) and MSCU (TCP): byte by byte, then over real sockets."""

from __future__ import annotations

import socket

import pytest

from simulators import gaia, mscu
from simulators.exceptions import MalformedInputError, UnknownDriverError
from simulators.mscu.servo import DriveCabinet, History, ctime
from simulators.tests.serving import exchange, served, text_feed


def last_outcome(system: object, text: str) -> object:
    outcomes = text_feed(system, text)
    assert outcomes[:-1] == [True] * (len(text) - 1), outcomes
    return outcomes[-1]


def gaia_error(code: int, name: str, cmd_id: str) -> str:
    return f"#ERROR({code})[{name}](b'{name.encode().hex()}') {cmd_id}\n"


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["#*IDN? 7\n"], ["#GAIA Simulator Rev. 1.0.0 / 2022.02.08.1 7\n"], id="idn"),
        pytest.param(["#SETD 3 512 1\n", "#GETVD 3 2\n", "#GETVG 3 3\n"], ["#3 1\n", "#512 2\n", "#0 3\n"], id="vd"),
        pytest.param(["#LOADCONF 4 9\n", "#CONF? 10\n"], ["#4 9\n", "#4 10\n"], id="conf"),
        pytest.param(["#GETREF 1 1\n", "#GETREF 2 2\n", "#ENABLE 10 3\n"], ["#2.5 1\n", "#5 2\n", "#10 3\n"]),
        pytest.param(["#NAME? 5\n", "#FOO 1\n"], ["#GAIASIMBOARD 5\n", gaia_error(1001, "ERROR_COMMAND_UNKNOWN", "5")]),
        pytest.param(["#SETD 1 1 1 1\n"], [gaia_error(1015, "ERROR_TOO_MANY_ARGS", "1")], id="too-many"),
        pytest.param(["#SETD 11 1 4\n"], [gaia_error(1003, "ERROR_FIRST_ARG_OUT_OF_RANGE", "4")], id="channel"),
        pytest.param(["#SETD 1 x 4\n"], [gaia_error(1009, "ERROR_SECOND_ARG_NOT_NUMBER", "4")], id="second"),
        pytest.param(["#SETG 1 1024 4\n"], [gaia_error(1010, "ERROR_SECOND_ARG_OUT_OF_RANGE", "4")], id="range"),
        pytest.param(["#GETVD 4\n"], [gaia_error(1004, "ERROR_NO_ARGS", "4")], id="no-args"),
        pytest.param(["#\n"], [gaia_error(1000, "ERROR_ARGS_NOT_VALID", "")], id="empty"),
    ],
)
def test_gaia_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = gaia.System()
    assert [last_outcome(system, r) for r in requests] == replies


def test_gaia_ignores_bytes_before_the_header() -> None:
    system = gaia.System()
    assert text_feed(system, "xy#NAME? 1\n")[-1] == "#GAIASIMBOARD 1\n"
    temperature = last_outcome(system, "#GETEMP 1 2\n")
    assert isinstance(temperature, str) and 30 <= int(temperature[1:3]) <= 36


def test_gaia_over_udp() -> None:
    with served(gaia) as server, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5.0)
        client.sendto(b"#SETG 2 100 11", server.l_address)  # type: ignore[arg-type]
        assert client.recv(4096) == b"#2 11\n"
        client.sendto(b"#GETVG 2 12", server.l_address)  # type: ignore[arg-type]
        assert client.recv(4096) == b"#100 12\n"


@pytest.mark.parametrize(
    ("request_text", "reply"),
    [
        pytest.param("#clean:0=1\r\n", "?clean:0=1\r\n@clean:0=1\r\n", id="clean"),
        pytest.param("#stow:3=2,0,1.1,0x0002\n\r", "?stow:3=2,0,1.1,2\r\n@stow:3=2,0,1.1,2\r\n", id="stow"),
        pytest.param("#getappstatus:1=0\r\n", "?getappstatus:1=0> 0000030D\r\n", id="appstatus"),
        pytest.param("#getspar:0=1,1250,0\r\n", "?getspar:0=1> 3\r\n", id="spar-acceleration"),
        pytest.param("#getspar:0=1,1240,0\r\n", "?getspar:0=1> 10\r\n", id="spar-speed"),
        pytest.param("#setsdatbitb16:5=3,1\r\n", "@setsdatbitb16:5=3,1\r\n", id="sdat"),
        pytest.param("#setpos:0=2,0,0,0,7\r\n", "?setpos:0=2,0,0,0,7\r\n@setpos:0=2,0,0,0,7\r\n", id="setpos"),
        pytest.param("#setpos:0=2,0,0\r\n", "!NAK_setpos:0=2,cannot set the position\r\n" * 2, id="setpos-count"),
        pytest.param("#unknown:0=1\r\n", MalformedInputError, id="unknown"),
        pytest.param("#getpos:0=1,x\r\n", MalformedInputError, id="bad-param"),
        pytest.param("#getpos:0=9\r\n", UnknownDriverError, id="no-servo"),
    ],
)
def test_mscu_byte_by_byte(request_text: str, reply: object) -> None:
    system = mscu.System()
    assert last_outcome(system, request_text) == reply


def test_mscu_status_and_positions() -> None:
    system = mscu.System()
    assert system.parse("1") is False
    status = last_outcome(system, "#getstatus:0=0\r\n")
    assert isinstance(status, str) and status.startswith("?getstatus:0=0> ")
    fields = status[16:-2].split(",")
    assert abs(int(fields[0]) - ctime()) < 10_000_000
    assert fields[1:] == ["4", "FFFF", "3", "2730.15", "0", "-195"]
    system.system_setpos_NAK()
    assert last_outcome(system, "#setpos:0=3,0,0,0,1\r\n") == "!NAK_setpos:0=3,cannot set the position\r\n" * 2
    system.system_setpos_ACK()
    assert last_outcome(system, "#setpos:0=3,0,0,0,1\r\n").startswith("?setpos")  # type: ignore[union-attr]


def test_history_interpolates_and_cleans() -> None:
    history = History(1)
    history.history = [[100, 0], [200, 10]]
    assert history.get(150) == [150, 5.0]
    assert history.get(50) == [100, 0] and history.get(300) == [200, 10]
    history.clean(150)
    assert history.history == [[100, 0]]


def test_setup_is_ready_after_three_seconds() -> None:
    now = [0.0]
    cabinet = DriveCabinet(clock=lambda: now[0])
    cabinet.start_setup()
    assert cabinet.cab_state == 1
    now[0] = 2.9
    assert cabinet.cab_state == 1
    now[0] = 3.0
    assert cabinet.cab_state == 0
    cabinet.set_state("dummy")
    assert cabinet.cab_state == 0


def test_mscu_over_tcp_with_custom_commands() -> None:
    with served(mscu) as server:
        nak = exchange(server.l_address, b"$system_setpos_NAK%%%%%#setpos:1=3,0,0,0,5\r\n", b"\r\n" * 1)
        assert nak.startswith(b"!NAK_setpos:1=3,cannot set the position\r\n")
        reply = exchange(
            server.l_address, b"$system_setpos_ACK%%%%%#setpos:2=3,0,0,0,5\r\n", b"@setpos:2=3,0,0,0,5\r\n"
        )
        assert reply == b"?setpos:2=3,0,0,0,5\r\n@setpos:2=3,0,0,0,5\r\n"
