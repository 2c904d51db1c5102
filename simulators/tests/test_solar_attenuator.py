"""The W-band solar attenuator: byte by byte, then over TCP."""

from __future__ import annotations

import pytest

from simulators import solar_attenuator
from simulators.exceptions import MalformedInputError
from simulators.tests.serving import exchange, last_outcome, served


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


def test_over_tcp() -> None:
    with served(solar_attenuator) as server:
        assert exchange(server.l_address, b"set W_cal\r\nget W_mode\r\n", b"r\r\n") == b"ACK\r\nCalibrator\r\n"
