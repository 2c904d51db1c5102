"""The IF distributor, types IFD and IFD_14_channels: byte by byte, the multi-type factory, --list, over TCP."""

from __future__ import annotations

import pytest

from simulators import if_distributor
from simulators.catalog import select, system_types
from simulators.exceptions import MalformedInputError, OutOfRangeError
from simulators.tests.serving import exchange, last_outcome, served, text_feed


def ifd() -> object:
    return if_distributor.System(system_type="IFD")


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["? 0\n"], ["ack\n0, 0, 2, 10, 2300, 255, 255, 255, 255, 0, 1, 0\n"], id="status-lo-board"),
        pytest.param(["? 1\r"], ["ack\n1, 1, 0, 65535, 65535, 255, 255, 255, 255, 0, -1, -1\n"], id="status-type-0"),
        pytest.param(["? 5\n"], ["ack\n5, 5, 5, 10, 2300, 63, 63, 63, 63, 0, 1, 0\n"], id="status-type-5"),
        pytest.param(["S 0 10 2400 1\n", "? 0\n"], ["ack\n", "ack\n0, 0, 2, 10, 2400, 255, 255, 255, 255, 8, 0, 1\n"]),
        pytest.param(["B 1 3\n", "? 1\n"], ["ack\n", "ack\n1, 1, 0, 65535, 65535, 255, 255, 255, 255, 24, -1, -1\n"]),
        pytest.param(["I 2 1\n", "? 2\n"], ["ack\n", "ack\n2, 2, 1, 65535, 65535, 255, 255, 255, 255, 4, -1, -1\n"]),
        pytest.param(["A 5 2 25.5\n", "? 5\n"], ["ack\n", "ack\n5, 5, 5, 10, 2300, 63, 63, 51, 63, 0, 1, 0\n"]),
        pytest.param(["A 5 0 32\n", "A 4 0 1\n", "B 0 1\n", "S 1 10 1 1\n", "I 0 0\n"], ["nak\n"] * 5, id="naks"),
        pytest.param(["??? 0\n"], ["nak\n"], id="unknown-letter-in-message"),
        pytest.param(["? \n", "????????\n", "? ONE\n", "? 0 0\n", "S 0 11 2300 1\n"], [MalformedInputError] * 5),
        pytest.param(["? 50\n", "A 5 4 1\n"], [OutOfRangeError] * 2, id="index-errors"),
    ],
)
def test_ifd_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = ifd()
    assert [last_outcome(system, r) for r in requests] == replies


def test_ifd_framing() -> None:
    system = ifd()
    assert system.parse("U") is False  # type: ignore[attr-defined]
    assert text_feed(system, "? 0000000000000") == [True] * 14 + [MalformedInputError]
    assert issubclass(OutOfRangeError, IndexError)


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["#ATT 00?\n"], ["#31.75\n"], id="default"),
        pytest.param(["#ATT 05 100\n", "#ATT 05?\n"], [True, "#25.0\n"], id="set-get"),
        pytest.param(["#SWT 00 001\n", "#SWT 00?\n"], [True, "#1\n"], id="switch"),
        pytest.param(["#ATT 00 100\n", "#*RST\n", "#ATT 00?\n"], [True, True, "#31.75\n"], id="reset"),
        pytest.param(["#*IDN?\n"], ["SRT IF Distributor Simulator 1.0"], id="idn"),
        pytest.param(["#abcdefg\n"], ["#COMMAND UNKNOWN\n"], id="unknown"),
        pytest.param(["#ATT 00 127\n", "#ATT 96 1\n", "#SWT 0 2\n", "#aaa 00?\n"], [MalformedInputError] * 4),
    ],
)
def test_ifd_14_channels_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = if_distributor.System(system_type="IFD_14_channels")
    assert [last_outcome(system, r) for r in requests] == replies


def test_types_and_selection_by_type() -> None:
    assert system_types(if_distributor) == ["IFD", "IFD_14_channels"]
    assert [s.name for s in select([], system_type="IFD")] == ["if_distributor"]


@pytest.mark.parametrize(
    ("index", "request_bytes", "reply", "end"),
    [
        pytest.param(0, b"A 6 1 3\n? 6\n", b"ack\nack\n6, 6, 5, 10, 2300, 63, 6, 63, 63, 0, 1, 0\n", b"0\n", id="ifd"),
        pytest.param(1, b"#SWT 01 001\n#SWT 01?\n", b"#1\n", b"\n", id="ifd14"),
    ],
)
def test_over_tcp(index: int, request_bytes: bytes, reply: bytes, end: bytes) -> None:
    with served(if_distributor, index) as server:
        assert exchange(server.l_address, request_bytes, end) == reply
