"""Switch matrix, solar attenuator and calibration multiplexer: byte by byte, then over TCP."""

from __future__ import annotations

import socket
import time

import pytest

from simulators import calmux, solar_attenuator, switch_matrix
from simulators.exceptions import MalformedInputError
from simulators.tests.helpers import recv_until
from simulators.tests.serving import exchange, served, text_feed


def last_outcome(system: object, text: str) -> object:
    outcomes = text_feed(system, text)
    assert outcomes[:-1] == [True] * (len(text) - 1), outcomes
    return outcomes[-1]


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["get IF_switch_config\r\n"], ["1:HBS\r\n"], id="default"),
        pytest.param(["set IF_switch_config=3\r\n", "get IF_switch_config\n"], ["ACK\r\n", "3:LBP\r\n"], id="set-3"),
        pytest.param(["set IF_switch_config=9\r\n", "get IF_switch_config\n"], ["NACK\r\n", "1:HBS\r\n"], id="out"),
        pytest.param(["get IF_switch_config;get IF_switch_config\n"], ["1:HBS\r\n;1:HBS\r\n"], id="two-gets"),
        pytest.param(["set IF_switch_config=4;get IF_switch_config\n"], ["ACK\r\n"], id="set-answers-first"),
        pytest.param(["dummy;;\r\n", "\r\n"], [True, True], id="no-command"),
        pytest.param(["get nothing\n"], [MalformedInputError], id="unknown"),
        pytest.param(["set IF_switch_config=x\n"], [MalformedInputError], id="not-an-integer"),
    ],
)
def test_switch_matrix_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = switch_matrix.System()
    assert [last_outcome(system, r) for r in requests] == replies


@pytest.mark.parametrize(
    ("requests", "replies", "mode"),
    [
        pytest.param(["get W_mode\r\n"], ["\r\n"], "", id="no-mode"),
        pytest.param(["set W_cal\r\n", "get W_mode\n"], ["ACK\r\n", "Calibrator\r\n"], "Calibrator", id="cal"),
        pytest.param(["set W_solar_attn ; get W_mode\n"], ["ACK\r\n;Attenuator\r\n"], "Attenuator", id="two"),
        pytest.param(["set W_passthrough\n"], ["ACK\r\n"], "Pass-through", id="passthrough"),
        pytest.param(["set W_home\n"], ["ACK\r\n"], "", id="home"),
        pytest.param(["dummy;;\r\n"], [True], "", id="no-command"),
        pytest.param(["set W_nothing\n"], [MalformedInputError], "", id="unknown"),
    ],
)
def test_solar_attenuator_byte_by_byte(requests: list[str], replies: list[object], mode: str) -> None:
    system = solar_attenuator.System()
    assert [last_outcome(system, r) for r in requests] == replies
    assert system.mode == mode


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


@pytest.mark.parametrize(
    ("module", "request_bytes", "reply", "end"),
    [
        pytest.param(
            switch_matrix, b"set IF_switch_config=2\r\nget IF_switch_config\r\n", b"ACK\r\n2:VBS\r\n", b"S\r\n"
        ),
        pytest.param(solar_attenuator, b"set W_cal\r\nget W_mode\r\n", b"ACK\r\nCalibrator\r\n", b"r\r\n"),
        pytest.param(calmux, b"I 5 1\n?\n", b"ack\n5 1 0\n", b"0\n"),
    ],
)
def test_over_tcp(module: object, request_bytes: bytes, reply: bytes, end: bytes) -> None:
    with served(module) as server:  # type: ignore[arg-type]
        assert exchange(server.l_address, request_bytes, end) == reply


def test_calmux_server_stop_cuts_an_integration_short() -> None:
    with served(calmux) as server, socket.create_connection(server.l_address, timeout=5.0) as client:  # type: ignore[arg-type]
        client.sendall(b"?\n")
        assert recv_until(client, lambda d: d.endswith(b"\n")) == b"16 0 0\n"
        client.sendall(b"F 5000\n")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 4.0
