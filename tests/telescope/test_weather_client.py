"""Weather endpoint against the weather-station simulator over real UDP; safety changes come back
through ``call_soon`` into one callback thread."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from scheduler.weather import Safety, SafetyLimits, WeatherEndpoint, WeatherSafety, weather_endpoint
from scheduler.weather.exceptions import WeatherCallerError
from simulators.server import Server


def write_sensor(server: Server, sensor: str, value: float) -> None:
    assert server.l_address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5.0)
        client.sendto(f"w {sensor} {value} 20270101000000".encode(), server.l_address)
        assert f"<Id>{sensor}</Id>".encode() in client.recv(4096)


@pytest.fixture
def limits() -> SafetyLimits:
    return SafetyLimits(data_timeout=0.5, hold_time=0.3)


@pytest.fixture
def endpoint(loop: Any, station: Server, limits: SafetyLimits) -> Iterator[WeatherEndpoint]:
    assert station.l_address is not None
    ep = WeatherEndpoint(
        loop,
        "127.0.0.1",
        station.l_address[1],
        safety=WeatherSafety(limits, time.time()),
        on_sample=loop.recorder("sample"),
        on_change=loop.recorder("change"),
        interval=0.05,
        reply_timeout=0.5,
    )
    ep.start()
    yield ep
    ep.stop()


def test_reads_the_station_and_opens(loop: Any, endpoint: WeatherEndpoint) -> None:
    _, sample = loop.next("sample")
    assert (sample.wind_speed, sample.wind_gust, sample.rain_rate, sample.humidity) == (1.8, 1.9, 0.0, 72.5)
    _, change = loop.next("change")
    assert (change.state, change.previous) == (Safety.SAFE, Safety.UNKNOWN)
    described = endpoint.describe()
    assert described["safety"]["state"] == "safe" and described["complete_rounds"] >= 1


def test_wind_over_the_limit_closes_then_the_hold_reopens(
    loop: Any, endpoint: WeatherEndpoint, station: Server
) -> None:
    assert loop.next("change")[1].state is Safety.SAFE
    write_sensor(station, "sm01", 25.0)
    _, change = loop.next("change")
    assert change.state is Safety.UNSAFE and change.reasons == ("wind 25 m/s > 15 m/s",)
    write_sensor(station, "sm01", 3.0)
    holding = loop.next("change")[1]
    assert holding.state is Safety.HOLDING
    reopened = loop.next("change")[1]
    assert reopened.state is Safety.SAFE
    assert reopened.since - holding.since >= 0.3


@pytest.mark.parametrize(("sensor", "value"), [("ri01", 1.5), ("ua01", 97.0), ("sx01", 30.0)])
def test_rain_humidity_and_gusts_close(
    loop: Any, endpoint: WeatherEndpoint, station: Server, sensor: str, value: float
) -> None:
    assert loop.next("change")[1].state is Safety.SAFE
    write_sensor(station, sensor, value)
    assert loop.next("change")[1].state is Safety.UNSAFE


def test_silent_station_is_unsafe_after_the_data_timeout(loop: Any, station: Server, limits: SafetyLimits) -> None:
    assert station.l_address is not None
    ep = WeatherEndpoint(
        loop,
        "127.0.0.1",
        station.l_address[1],
        safety=WeatherSafety(limits, time.time()),
        on_change=loop.recorder("change"),
        interval=0.05,
        reply_timeout=0.1,
    )
    ep.start()
    try:
        assert loop.next("change")[1].state is Safety.SAFE
        stopped_at = time.time()
        assert station.stop(5.0)
        _, change = loop.next("change")
        assert change.state is Safety.UNSAFE and change.reasons[0].startswith("no weather data")
        assert change.since - stopped_at >= limits.data_timeout - 0.1
        assert ep.describe()["last_error"]
    finally:
        ep.stop()


def test_factory_reads_the_agent_config(loop: Any) -> None:
    class Address:
        options = {"weather_station": "127.0.0.1:12600"}

    ep = weather_endpoint(loop, Address())
    assert ep is not None and ep.address == ("127.0.0.1", 12600)
    assert weather_endpoint(loop, type("A", (), {"options": {}})()) is None
    with pytest.raises(WeatherCallerError):
        weather_endpoint(loop, type("A", (), {"options": {"weather_station": "nowhere"}})())
