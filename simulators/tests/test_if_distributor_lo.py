"""IF distributor (IFD, IFD_14_channels) and local oscillators (generic_LO, w_LO): byte by byte, the
multi-type factory, and over TCP on each server's declared type."""

from __future__ import annotations

import pytest

from simulators import if_distributor, lo
from simulators.catalog import describe, select, system_types
from simulators.exceptions import MalformedInputError, OutOfRangeError, UnknownSystemTypeError
from simulators.tests.serving import exchange, served, text_feed


def last_outcome(system: object, text: str) -> object:
    outcomes = text_feed(system, text)
    assert outcomes[:-1] == [True] * (len(text) - 1), outcomes
    return outcomes[-1]


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


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["POWER 10 dBm;POWER?\n"], ["10\n"], id="power"),
        pytest.param(["FREQ 2300.7 MHZ\n", "FREQ?\n"], [True, "2300000000\n"], id="frequency"),
        pytest.param(["OUTP:STAT ON\n", "OUTP:STAT?;SYST:ERR?\n"], [True, '1;0,"No error"\n'], id="rf"),
        pytest.param(["POWER 3 dbm\n", "FREQ nan MHZ\n", "POWER?;FREQ?\n"], [True, True, "0;0\n"], id="ignored"),
        pytest.param(["dummy;;\n"], [True], id="nothing"),
    ],
)
def test_generic_lo_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = lo.System(system_type="generic_LO")
    assert [last_outcome(system, r) for r in requests] == replies


@pytest.mark.parametrize(
    ("requests", "replies"),
    [
        pytest.param(["set W_LO_freq_PolH=12.23\r\n", "get W_LO_PolH\r\n"], ["ACK\r\n", "12.23MHz\r\n"], id="freq"),
        pytest.param(["set W_LO_RefH=INT\r\n", "get W_LO_RefH\r\n"], ["ACK\r\n", "Int.\r\n"], id="ref"),
        pytest.param(["set LO_att_PolH=9.5;get LO_atts\r\n"], ["ACK\r\n;9.5dB,0.0dB\r\n"], id="atts"),
        pytest.param(["get W_LO_HKP_Temp\r\n"], ["+0.0C,+0.0C+0.0C+0.0C\r\n"], id="hkp"),
        pytest.param(["enable USB_devs\r\n"], ["ACK\r\n"], id="usb"),
        pytest.param(["get W_LO_nothing\r\n", "set nothing=1\r\n"], [MalformedInputError] * 2, id="unknown"),
    ],
)
def test_w_lo_byte_by_byte(requests: list[str], replies: list[object]) -> None:
    system = lo.System(system_type="w_LO")
    assert [last_outcome(system, r) for r in requests] == replies


def test_multi_type_factories() -> None:
    assert system_types(if_distributor) == ["IFD", "IFD_14_channels"]
    assert system_types(lo) == ["generic_LO", "w_LO"]
    assert type(lo.System()).__module__ == "simulators.lo.generic_LO"
    with pytest.raises(UnknownSystemTypeError, match=r"System type unknown not found\."):
        lo.System(system_type="unknown")


def test_list_shows_the_type_of_each_server() -> None:
    (selection,) = select(["lo"])
    assert describe(selection) == [
        "lo (7 servers, types: generic_LO, w_LO)",
        "  tcp  listening 127.0.0.1:12700,12701,12702,12704,12705,12706  type generic_LO",
        "  tcp  listening 127.0.0.1:12703  type w_LO",
    ]
    (forced,) = select(["lo"], system_type="w_LO")
    assert {e.kwargs["system_type"] for e in forced.entries} == {"w_LO"}
    assert [s.name for s in select([], system_type="IFD")] == ["if_distributor"]


@pytest.mark.parametrize(
    ("module", "index", "request_bytes", "reply", "end"),
    [
        pytest.param(
            if_distributor, 0, b"A 6 1 3\n? 6\n", b"ack\nack\n6, 6, 5, 10, 2300, 63, 6, 63, 63, 0, 1, 0\n", b"0\n"
        ),
        pytest.param(if_distributor, 1, b"#SWT 01 001\n#SWT 01?\n", b"#1\n", b"\n", id="ifd14"),
        pytest.param(lo, 0, b"POWER 7 dBm\nPOWER?\n", b"7\n", b"\n", id="generic-lo"),
        pytest.param(lo, 3, b"set LO_att_PolV=2\r\nget LO_att_PolV\r\n", b"ACK\r\n2.0dB\r\n", b"B\r\n", id="w-lo"),
    ],
)
def test_over_tcp(module: object, index: int, request_bytes: bytes, reply: bytes, end: bytes) -> None:
    with served(module, index) as server:  # type: ignore[arg-type]
        assert exchange(server.l_address, request_bytes, end) == reply
