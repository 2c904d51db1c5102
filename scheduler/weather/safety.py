"""Weather safety: readings in, safe/unsafe out, as a pure state machine (times are passed in).

Unsafe when the average wind, the gusts, the rain rate or the humidity exceed their limits, or when
no complete reading has arrived for ``data_timeout`` seconds (a silent station counts as bad weather).
Once unsafe, the observatory stays closed until the weather has been continuously safe for
``hold_time`` seconds (state ``holding``). Before the first reading the state is ``unknown``, which is
not safe (``unsafe`` once ``data_timeout`` has passed without data); a first safe reading opens at
once (there was no bad weather to wait out).

Limits come from Django settings when :meth:`SafetyLimits.from_settings` is used (defaults below):
``PYROS_WEATHER_WIND_MAX`` 15 m/s (average wind, sensor sm01), ``PYROS_WEATHER_GUST_MAX`` 20 m/s
(sx01), ``PYROS_WEATHER_RAIN_MAX`` 0 mm/h (ri01: any rain), ``PYROS_WEATHER_HUMIDITY_MAX`` 90 %
(ua01), ``PYROS_WEATHER_DATA_TIMEOUT`` 60 s, ``PYROS_WEATHER_HOLD_TIME`` 1200 s.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import Any

from scheduler.weather.exceptions import WeatherCallerError


class Safety(enum.StrEnum):
    UNKNOWN = "unknown"
    SAFE = "safe"
    UNSAFE = "unsafe"
    HOLDING = "holding"


@dataclass(frozen=True)
class WeatherSample:
    """One complete reading of the station (m/s, mm/h, %) at ``time`` (POSIX seconds)."""

    time: float
    wind_speed: float
    wind_gust: float
    rain_rate: float
    humidity: float


@dataclass(frozen=True)
class SafetyLimits:
    wind_max: float = 15.0
    gust_max: float = 20.0
    rain_max: float = 0.0
    humidity_max: float = 90.0
    data_timeout: float = 60.0
    hold_time: float = 1200.0

    SETTINGS = {
        "wind_max": "PYROS_WEATHER_WIND_MAX",
        "gust_max": "PYROS_WEATHER_GUST_MAX",
        "rain_max": "PYROS_WEATHER_RAIN_MAX",
        "humidity_max": "PYROS_WEATHER_HUMIDITY_MAX",
        "data_timeout": "PYROS_WEATHER_DATA_TIMEOUT",
        "hold_time": "PYROS_WEATHER_HOLD_TIME",
    }

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int | float) or value < 0:
                raise WeatherCallerError(f"weather limit {item.name} must be a number >= 0, not {value!r}")
        if self.data_timeout == 0:
            raise WeatherCallerError("weather limit data_timeout must be > 0")

    @classmethod
    def from_settings(cls, settings: Any = None) -> SafetyLimits:
        """The limits from the ``PYROS_WEATHER_*`` settings (``common.conf``: Django's settings, else
        the documented defaults), or from the attributes of ``settings`` when one is given."""
        if settings is None:
            from common.conf import setting

            return cls(**{field: setting(name) for field, name in cls.SETTINGS.items()})
        values = {field: getattr(settings, name) for field, name in cls.SETTINGS.items() if hasattr(settings, name)}
        return cls(**values)

    def violations(self, sample: WeatherSample) -> list[str]:
        """Why ``sample`` is unsafe (empty when it is safe)."""
        checks = (
            ("wind", sample.wind_speed, self.wind_max, "m/s"),
            ("gusts", sample.wind_gust, self.gust_max, "m/s"),
            ("rain", sample.rain_rate, self.rain_max, "mm/h"),
            ("humidity", sample.humidity, self.humidity_max, "%"),
        )
        return [f"{name} {value:g} {unit} > {limit:g} {unit}" for name, value, limit, unit in checks if value > limit]


@dataclass(frozen=True)
class SafetyChange:
    """A change of state: what it is now, what it was, why, and since when."""

    state: Safety
    previous: Safety
    reasons: tuple[str, ...]
    since: float

    @property
    def safe(self) -> bool:
        return self.state is Safety.SAFE


class WeatherSafety:
    """The safety state machine; feed it samples with :meth:`update` and the time with :meth:`tick`."""

    def __init__(self, limits: SafetyLimits | None = None, now: float = 0.0) -> None:
        self.limits = limits or SafetyLimits()
        self.state = Safety.UNKNOWN
        self.since = now
        self.reasons: tuple[str, ...] = ("no weather data yet",)
        self.last_sample: WeatherSample | None = None
        self.last_data_at: float | None = None
        self.unsafe_until: float | None = None  # end of the hold, while holding
        self.started_at = now

    @property
    def safe(self) -> bool:
        return self.state is Safety.SAFE

    def update(self, sample: WeatherSample, now: float) -> SafetyChange | None:
        """A new complete reading; the change of state it causes, if any."""
        self.last_sample, self.last_data_at = sample, now
        reasons = self.limits.violations(sample)
        if reasons:
            return self._become(Safety.UNSAFE, tuple(reasons), now)
        if self.state is Safety.UNKNOWN:
            return self._become(Safety.SAFE, (), now)
        if self.state is Safety.UNSAFE:
            self.unsafe_until = now + self.limits.hold_time
            change = self._become(Safety.HOLDING, (f"safe since {now:.0f}, holding {self.limits.hold_time:g} s",), now)
            return self.tick(now) or change
        return self.tick(now)

    def tick(self, now: float) -> SafetyChange | None:
        """Time passes: data loss makes it unsafe; a hold that has run its course makes it safe."""
        last = self.started_at if self.last_data_at is None else self.last_data_at
        if now - last > self.limits.data_timeout:
            lost = f"no weather data for {now - last:.0f} s (limit {self.limits.data_timeout:g} s)"
            if self.state is not Safety.UNSAFE or not self.reasons[0].startswith("no weather data"):
                return self._become(Safety.UNSAFE, (lost,), now)
            self.reasons = (lost,)
            return None
        if self.state is Safety.HOLDING and self.unsafe_until is not None and now >= self.unsafe_until:
            return self._become(Safety.SAFE, (), now)
        return None

    def _become(self, state: Safety, reasons: tuple[str, ...], now: float) -> SafetyChange | None:
        previous = self.state
        self.reasons = reasons
        if state is Safety.UNSAFE:
            self.unsafe_until = None
        if state is previous:
            return None
        self.state, self.since = state, now
        return SafetyChange(state, previous, reasons, now)

    def describe(self) -> dict[str, Any]:
        sample = self.last_sample
        return {
            "state": self.state.value,
            "since": self.since,
            "reasons": list(self.reasons),
            "resume_at": self.unsafe_until if self.state is Safety.HOLDING else None,
            "last_sample": None if sample is None else vars(sample).copy(),
            "limits": {item.name: getattr(self.limits, item.name) for item in fields(self.limits)},
        }
