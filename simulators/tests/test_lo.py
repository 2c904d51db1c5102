"""The local oscillators, types generic_LO and w_LO: byte by byte, the multi-type factory, --list, over TCP."""

from __future__ import annotations

import pytest

from simulators import lo
from simulators.catalog import describe, select, system_types
from simulators.exceptions import MalformedInputError, UnknownSystemTypeError
from simulators.tests.serving import exchange, last_outcome, served


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


def test_multi_type_factory() -> None:
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


@pytest.mark.parametrize(
    ("index", "request_bytes", "reply", "end"),
    [
        pytest.param(0, b"POWER 7 dBm\nPOWER?\n", b"7\n", b"\n", id="generic-lo"),
        pytest.param(3, b"set LO_att_PolV=2\r\nget LO_att_PolV\r\n", b"ACK\r\n2.0dB\r\n", b"B\r\n", id="w-lo"),
    ],
)
def test_over_tcp(index: int, request_bytes: bytes, reply: bytes, end: bytes) -> None:
    with served(lo, index) as server:
        assert exchange(server.l_address, request_bytes, end) == reply
