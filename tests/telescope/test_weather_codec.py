"""Weather-station client codec: requests and replies (spec §2 of shared/specs/discos-simulators.md)."""

from __future__ import annotations

import math

import pytest

from scheduler.weather import codec
from scheduler.weather.exceptions import WeatherCallerError, WeatherPeerError
from simulators.weather_station import System


def test_request_is_an_r_command() -> None:
    assert codec.read_request("sx01") == b"r sx01"


@pytest.mark.parametrize("sensor", ["", "s x", "sx01\n", "a" * 17, "é"])
def test_bad_sensor_ids_are_caller_errors(sensor: str) -> None:
    with pytest.raises(WeatherCallerError):
        codec.read_request(sensor)


def test_reply_of_the_simulator_parses() -> None:
    station = System()
    reply = "".join(str(r) for r in (station.parse(ch) for ch in "r ua01\n") if r is not True)
    reading = codec.parse_reply(reply.encode("latin-1"))
    assert (reading.sensor, reading.value, reading.info) == ("ua01", 72.5, "rel. humidity [%]")
    assert reading.date == station.starting_date


@pytest.mark.parametrize(
    ("datagram", "value"),
    [
        pytest.param(b"<Sensor><Id>sx01</Id><Val>nan</Val><Date>d</Date><Info>i</Info></Sensor>", math.nan, id="nan"),
        pytest.param(b"<Sensor><Id>sx01</Id><Val>-inf</Val><Date>d</Date><Info>i</Info></Sensor>", -math.inf, id="inf"),
    ],
)
def test_special_values_parse_but_are_not_usable(datagram: bytes, value: float) -> None:
    reading = codec.parse_reply(datagram)
    assert not codec.usable(reading.value)
    assert math.isnan(value) == math.isnan(reading.value)


@pytest.mark.parametrize(
    "datagram",
    [
        pytest.param(
            b"<Sensor><Id>sintax error or sensor not found</Id><Val>1.000000</Val><Date>error</Date>"
            b"<Info>error</Info></Sensor>",
            id="station-error",
        ),
        pytest.param(b"<Sensor><Id>x</Id></Sensor>", id="missing-fields"),
        pytest.param(b"<Sensor><Id>x</Id><Val>abc</Val><Date>d</Date><Info>i</Info></Sensor>", id="not-a-number"),
        pytest.param(b"<!DOCTYPE x [<!ENTITY a 'b'>]><Sensor/>", id="markup"),
        pytest.param(b"x" * 2000, id="oversized"),
        pytest.param(b"", id="empty"),
    ],
)
def test_bad_replies_are_peer_errors(datagram: bytes) -> None:
    with pytest.raises(WeatherPeerError):
        codec.parse_reply(datagram)
