"""Weather safety state machine: limits, data loss, hold time (explicit times, no clock)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from scheduler.weather.exceptions import WeatherCallerError
from scheduler.weather.safety import Safety, SafetyLimits, WeatherSafety, WeatherSample

LIMITS = SafetyLimits(wind_max=15, gust_max=20, rain_max=0, humidity_max=90, data_timeout=60, hold_time=600)


def sample(t: float, wind: float = 2.0, gust: float = 3.0, rain: float = 0.0, humidity: float = 50.0) -> WeatherSample:
    return WeatherSample(t, wind, gust, rain, humidity)


def keep_feeding(safety: WeatherSafety, start: float, end: float, **values: float) -> list[object]:
    """Samples every 30 s from ``start`` to ``end`` (inclusive); the changes they cause."""
    changes, t = [], start
    while t <= end:
        changes.append(safety.update(sample(t, **values), now=t))
        t += 30
    return [c for c in changes if c is not None]


def test_unknown_until_the_first_sample_then_safe_at_once() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    assert safety.state is Safety.UNKNOWN and not safety.safe
    change = safety.update(sample(1), now=1)
    assert change is not None and (change.state, change.previous, change.since) == (Safety.SAFE, Safety.UNKNOWN, 1)
    assert safety.safe


def test_no_data_at_all_turns_unsafe_after_the_timeout() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    assert safety.tick(60) is None
    change = safety.tick(61)
    assert change is not None and change.state is Safety.UNSAFE


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        pytest.param({"wind": 15.5}, "wind 15.5 m/s > 15 m/s", id="wind"),
        pytest.param({"gust": 21}, "gusts 21 m/s > 20 m/s", id="gusts"),
        pytest.param({"rain": 0.1}, "rain 0.1 mm/h > 0 mm/h", id="rain"),
        pytest.param({"humidity": 91}, "humidity 91 % > 90 %", id="humidity"),
    ],
)
def test_each_limit_makes_it_unsafe(values: dict[str, float], reason: str) -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0), now=0)
    change = safety.update(sample(10, **values), now=10)
    assert change is not None and change.state is Safety.UNSAFE and change.reasons == (reason,)


def test_values_at_the_limit_are_safe() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0, wind=15, gust=20, rain=0, humidity=90), now=0)
    assert safety.safe


def test_resumes_only_after_the_hold_time() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0), now=0)
    safety.update(sample(10, wind=30), now=10)
    change = safety.update(sample(20), now=20)
    assert change is not None and change.state is Safety.HOLDING
    assert safety.describe()["resume_at"] == 620
    assert keep_feeding(safety, 50, 619) == []
    assert safety.tick(619) is None and not safety.safe
    change = safety.tick(620)
    assert change is not None and (change.state, change.previous) == (Safety.SAFE, Safety.HOLDING)


def test_bad_weather_during_the_hold_restarts_it() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0), now=0)
    safety.update(sample(10, humidity=95), now=10)
    safety.update(sample(20), now=20)
    change = safety.update(sample(300, humidity=95), now=300)
    assert change is not None and change.state is Safety.UNSAFE
    safety.update(sample(400), now=400)
    assert keep_feeding(safety, 430, 620) == []  # the first hold would have ended at 620
    assert safety.tick(620) is None and not safety.safe
    assert [c.state for c in keep_feeding(safety, 650, 1010)] == [Safety.SAFE]  # type: ignore[attr-defined]


def test_still_bad_weather_updates_the_reasons_without_a_change() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0, wind=30), now=0)
    assert safety.update(sample(5, wind=30, rain=2), now=5) is None
    assert safety.reasons == ("wind 30 m/s > 15 m/s", "rain 2 mm/h > 0 mm/h")


def test_data_loss_is_unsafe_and_needs_the_hold_to_resume() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0), now=0)
    assert safety.tick(60) is None
    change = safety.tick(60.5)
    assert change is not None and change.state is Safety.UNSAFE
    assert change.reasons[0].startswith("no weather data for 60 s")
    assert safety.tick(100) is None  # still lost: no new change
    assert safety.update(sample(101), now=101).state is Safety.HOLDING  # type: ignore[union-attr]
    assert keep_feeding(safety, 131, 700) == []
    assert safety.update(sample(701), now=701).state is Safety.SAFE  # type: ignore[union-attr]


def test_data_loss_during_the_hold_is_unsafe_again() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0, wind=40), now=0)
    safety.update(sample(1), now=1)
    change = safety.tick(100)
    assert change is not None and (change.state, change.previous) == (Safety.UNSAFE, Safety.HOLDING)


def test_describe_is_plain_data() -> None:
    safety = WeatherSafety(LIMITS, now=0)
    safety.update(sample(0, wind=3.5), now=0)
    described = safety.describe()
    assert described["state"] == "safe" and described["last_sample"]["wind_speed"] == 3.5
    assert described["limits"]["hold_time"] == 600


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"wind_max": -1}, id="negative"),
        pytest.param({"data_timeout": 0}, id="zero-timeout"),
        pytest.param({"humidity_max": "90"}, id="text"),
    ],
)
def test_bad_limits_are_caller_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(WeatherCallerError):
        SafetyLimits(**kwargs)  # type: ignore[arg-type]


def test_limits_from_settings_with_defaults() -> None:
    limits = SafetyLimits.from_settings(SimpleNamespace(PYROS_WEATHER_WIND_MAX=10.0, PYROS_WEATHER_HOLD_TIME=30))
    assert (limits.wind_max, limits.hold_time, limits.humidity_max) == (10.0, 30, 90.0)


def test_default_limits_from_django_settings() -> None:
    assert SafetyLimits.from_settings() == SafetyLimits()


def test_django_settings_override_the_limits(settings: Any) -> None:
    settings.PYROS_WEATHER_HUMIDITY_MAX = 80.0
    assert SafetyLimits.from_settings().humidity_max == 80.0
