"""The calibration multiplexer: byte by byte, framing errors, the integration period, over TCP."""

from __future__ import annotations

import socket
import time

import pytest

from simulators import calmux
from simulators.exceptions import MalformedInputError
from simulators.tests.helpers import recv_until
from simulators.tests.serving import exchange, last_outcome, served, text_feed


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["?\n"], ["16 0 0\n"], id="status"),
        pytest.param(["I 3 1\n", "?\r"], ["ack\n", "3 1 0\n"], id="input"),
        pytest.param(["C 1\n", "?\n"], ["ack\n", "16 0 1\n"], id="calibration"),
        pytest.param(["I 17 0\n", "I 1 2\n", "I 1\n", "C 2\n", "? 5\n", "C ONE\n"], ["nak\n"] * 6, id="naks"),
        pytest.param(["F 0\n"], ["0 0 0"], id="frequency"),
        pytest.param(["F 5001\n"], ["nak\n"], id="frequency-too-long"),
    ],
)
def test_calmux_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = calmux.System()
    assert [last_outcome(system, r) for r in requests] == replies


def test_calmux_rejects_unknown_letters_and_long_messages() -> None:
    system = calmux.System()
    assert system.parse("U") is False
    assert text_feed(system, "I 16 10") == [True] * 6 + [MalformedInputError]
    assert last_outcome(system, "?\n") == "16 0 0\n"  # idle again after the error


def test_calmux_integration_period_takes_its_time() -> None:
    system = calmux.System()
    started = time.monotonic()
    assert last_outcome(system, "F 50\n") == "0 0 0"
    assert time.monotonic() - started >= 0.05


def test_over_tcp() -> None:
    with served(calmux) as server:
        assert exchange(server.l_address, b"I 5 1\n?\n", b"0\n") == b"ack\n5 1 0\n"


def test_calmux_server_stop_cuts_an_integration_short() -> None:
    with served(calmux) as server, socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
        client.sendall(b"?\n")
        assert recv_until(client, lambda d: d.endswith(b"\n")) == b"16 0 0\n"
        client.sendall(b"F 5000\n")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 4.0
