"""MSCU (TCP): byte by byte, positions and history, the drive cabinet, custom commands over TCP."""

from __future__ import annotations

import pytest

from simulators import mscu
from simulators.exceptions import MalformedInputError, UnknownDriverError
from simulators.mscu.servo import DriveCabinet, History, ctime
from simulators.tests.serving import exchange, last_outcome, served


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
