"""The IF switch matrix: byte by byte, then over TCP."""

from __future__ import annotations

import pytest

from simulators import switch_matrix
from simulators.exceptions import MalformedInputError
from simulators.tests.serving import exchange, last_outcome, served


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


def test_over_tcp() -> None:
    with served(switch_matrix) as server:
        assert (
            exchange(server.l_address, b"set IF_switch_config=2\r\nget IF_switch_config\r\n", b"S\r\n")
            == b"ACK\r\n2:VBS\r\n"
        )
