"""Weather Station: per-byte parser outcomes, replies, quirks Q11, and the UDP server (spec §2)."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators import weather_station
from simulators.server import Server, ThreadingUDPServer
from simulators.tests.helpers import feed
from simulators.weather_station import ERROR_REPLY, MAX_COMMAND_LENGTH, SENSORS, System


def sensor(sid: str, val: str, date: str, info: str) -> str:
    return f"<Sensor><Id>{sid}</Id><Val>{val}</Val><Date>{date}</Date><Info>{info}</Info></Sensor>"


def reply_at_newline(data: bytes) -> object:
    outcomes = feed(System(), data)
    assert outcomes[:-1] == [True] * (len(data) - 1), outcomes
    return outcomes[-1]


@pytest.mark.parametrize(
    ("request_bytes", "expected"),
    [
        pytest.param(b"r rp01\n", sensor("rp01", "-9999.900000", "#", "rain peak duration [s]"), id="read-rp01"),
        pytest.param(
            b"w th01 12.5 20240101120000\n",
            sensor("th01", "12.500000", "20240101120000", "heating temp [oC]"),
            id="write-th01",
        ),
        pytest.param(b"w th01 abc X\n", sensor("th01", "0.000000", "X", "heating temp [oC]"), id="write-bad-value"),
        pytest.param(b"r xx01\n", ERROR_REPLY, id="read-unknown"),
        pytest.param(b"w xx01 1 D\n", ERROR_REPLY, id="write-unknown"),
        pytest.param(b"r TH01\n", ERROR_REPLY, id="ids-case-sensitive"),
        pytest.param(b"w th01\n", False, id="write-2-tokens"),
        pytest.param(b"r th01 1 2\n", False, id="read-4-tokens"),
        pytest.param(b"r \n", False, id="read-no-id"),
        pytest.param(b"r th01 1\n", False, id="3-tokens"),
        pytest.param(b"w th01 1 2 3\n", False, id="5-tokens"),
        pytest.param(b"r   th01   \n", sensor("th01", "26.000000", None, "heating temp [oC]"), id="runs-of-spaces"),
        pytest.param(b"w th01 1 <&>\n", sensor("th01", "1.000000", "<&>", "heating temp [oC]"), id="no-xml-escaping"),
    ],
)
def test_commands_reply_at_the_newline(request_bytes: bytes, expected: object) -> None:
    system = System()
    outcomes = feed(system, request_bytes)
    assert outcomes[:-1] == [True] * (len(request_bytes) - 1)
    if isinstance(expected, str) and "<Date>None</Date>" in expected:
        expected = expected.replace("None", system.starting_date)
    assert outcomes[-1] == expected


@pytest.mark.parametrize(
    ("data", "outcomes"),
    [
        pytest.param(b"x", [False], id="bad-first-byte"),
        pytest.param(b"r\t", [True, False], id="second-byte-not-space"),
        pytest.param(b"r\n", [True, False], id="newline-as-second-byte"),
        pytest.param(b"rr th01\n", [True, False, False, False, False, False, False, False], id="rr-consumes"),
        pytest.param(b" r", [False, True], id="space-cannot-start"),
        pytest.param(b"r th01", [True] * 6, id="no-newline-no-reply"),
    ],
)
def test_per_byte_outcomes(data: bytes, outcomes: list[object]) -> None:
    assert feed(System(), data) == outcomes


def test_garbage_before_a_command_is_rejected_byte_by_byte() -> None:
    outcomes = feed(System(), b"xyz r rp01\n")
    assert outcomes[:4] == [False] * 4
    assert outcomes[4:-1] == [True] * 6
    assert outcomes[-1] == sensor("rp01", "-9999.900000", "#", "rain peak duration [s]")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("1_000", "1000.000000", id="underscore"),
        pytest.param("Infinity", "inf", id="infinity"),
        pytest.param("-inf", "-inf", id="minus-inf"),
        pytest.param("nan", "nan", id="nan"),
        pytest.param("-nan", "nan", id="nan-never-signed"),
        pytest.param("1e309", "inf", id="overflow"),
        pytest.param("-0", "-0.000000", id="minus-zero"),
        pytest.param("-1e-7", "-0.000000", id="tiny-negative"),
        pytest.param("0.0000015", "0.000002", id="round-up"),
        pytest.param("0.0000005", "0.000000", id="round-half-binary"),
        pytest.param("1e22", "10000000000000000000000.000000", id="no-exponent"),
        pytest.param(".5", "0.500000", id="leading-dot"),
        pytest.param("5.", "5.000000", id="trailing-dot"),
        pytest.param("2.5E+2", "250.000000", id="exponent"),
        pytest.param("+3", "3.000000", id="plus"),
        pytest.param("0x10", "0.000000", id="hex-rejected"),
        pytest.param("1,5", "0.000000", id="comma-rejected"),
        pytest.param("--1", "0.000000", id="double-minus-rejected"),
        pytest.param("1..2", "0.000000", id="two-dots-rejected"),
        pytest.param("1e", "0.000000", id="bare-e-rejected"),
        pytest.param("e5", "0.000000", id="no-mantissa-rejected"),
    ],
)
def test_written_values_follow_python_float_and_printf(value: str, shown: str) -> None:
    reply = reply_at_newline(f"w ua01 {value} D\n".encode("latin-1"))
    assert reply == sensor("ua01", shown, "D", "rel. humidity [%]")


@pytest.mark.parametrize(
    "separator", [pytest.param(bytes([b]), id=f"{b:02x}") for b in (0x09, 0x0B, 0x0C, 0x0D, 0x1C, 0x1F, 0x85, 0xA0)]
)
def test_python_whitespace_separates_tokens_after_the_first_space(separator: bytes) -> None:
    reply = reply_at_newline(b"w th01" + separator + b"1.5" + separator + b"D\n")
    assert reply == sensor("th01", "1.500000", "D", "heating temp [oC]")


def test_every_sensor_starts_with_its_table_value_and_the_utc_start_date() -> None:
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    system = System()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert re.fullmatch(r"\d{14}", system.starting_date)
    assert before - timedelta(seconds=1) <= datetime.strptime(system.starting_date, "%Y%m%d%H%M%S") <= after
    for sid, (value, date, info) in SENSORS.items():
        expected = sensor(sid, "%f" % value, system.starting_date if date is None else date, info)  # noqa: UP031
        assert reply_at_newline(f"r {sid}\n".encode()) == expected
    assert len(SENSORS) == 21


def test_write_to_an_unknown_sensor_stores_nothing() -> None:
    system = System()
    feed(system, b"w zz01 5 D\n")
    assert feed(system, b"r zz01\n")[-1] == ERROR_REPLY


def test_each_connection_has_its_own_buffer_but_the_sensors_are_shared() -> None:
    system = System()
    first, second = system.new_parser(), system.new_parser()
    assert feed(first, b"w th01 ") == [True] * 7
    assert feed(second, b"r ") == [True, True]
    assert feed(first, b"7 D\n")[-1] == sensor("th01", "7.000000", "D", "heating temp [oC]")
    assert feed(second, b"th01\n")[-1] == sensor("th01", "7.000000", "D", "heating temp [oC]")


def test_an_overlong_command_is_dropped_and_the_parser_recovers() -> None:
    system = System()
    outcomes = feed(system, b"w th01 " + b"9" * MAX_COMMAND_LENGTH)
    assert outcomes[-1] is False
    assert len(system._parser.buffer) == 0
    assert feed(system, b"r th01\n")[-1].startswith("<Sensor><Id>th01</Id>")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_random_bytes_never_raise_and_never_grow(prefix: bytes, data: bytes) -> None:
    system = System()
    for value in prefix + b"r " + data:
        result = system.parse(chr(value))
        assert result is True or result is False or (isinstance(result, str) and result.startswith("<Sensor>"))
        assert len(system._parser.buffer) <= MAX_COMMAND_LENGTH


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False) | st.integers(-(10**30), 10**30))
def test_any_written_number_reads_back_as_printf(value: float) -> None:
    reply = reply_at_newline(f"w pa01 {value!r} D\n".encode())
    assert reply == sensor("pa01", "%f" % float(value), "D", "air pressure [hPa]")  # noqa: UP031


def test_the_module_declares_one_udp_listening_server_on_12600() -> None:
    assert weather_station.servers == [(("127.0.0.1", 12600), (), ThreadingUDPServer, {})]


def test_over_udp_every_datagram_is_a_command_and_each_command_one_reply_datagram() -> None:
    server = Server(weather_station, ThreadingUDPServer, {}, l_address=("127.0.0.1", 0))
    server.start()
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(5.0)
    try:
        client.sendto(b"r th01", server.l_address)
        assert client.recv(4096).startswith(b"<Sensor><Id>th01</Id><Val>26.000000</Val>")
        client.sendto(b"w vs01 8 D\nr vs01", server.l_address)
        replies = {client.recv(4096), client.recv(4096)}
        assert replies == {sensor("vs01", "8.000000", "D", "supply voltage [V]").encode()}
        client.sendto(b"r xx01", server.l_address)
        assert client.recv(4096) == ERROR_REPLY.encode()
    finally:
        client.close()
        server.stop()
