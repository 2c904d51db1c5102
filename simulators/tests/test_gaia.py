"""GAIA (UDP): byte by byte, errors, then over UDP."""

from __future__ import annotations

import socket

import pytest

from simulators import gaia
from simulators.tests.serving import last_outcome, served, text_feed


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
