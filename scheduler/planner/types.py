"""The planner's inputs and outputs: plain dataclasses, times as aware UTC datetimes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .exceptions import InvalidRequest, InvalidSite


def _finite(value: Any, what: str, error: type[ValueError]) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise error(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise error(f"{what} must be finite, got {value!r}")
    return number


def _utc(value: datetime | None, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRequest(f"{what} must be an aware datetime (UTC), got {value!r}")
    return value


@dataclass(frozen=True)
class Site:
    """Where the telescope is: geodetic latitude/longitude (deg, east positive), elevation (m)."""

    name: str
    latitude: float
    longitude: float
    elevation: float = 0.0

    def __post_init__(self) -> None:
        lat = _finite(self.latitude, "latitude", InvalidSite)
        lon = _finite(self.longitude, "longitude", InvalidSite)
        elev = _finite(self.elevation, "elevation", InvalidSite)
        if not -90.0 <= lat <= 90.0:
            raise InvalidSite(f"latitude must be in [-90, 90] deg, got {lat}")
        if not -180.0 <= lon <= 360.0:
            raise InvalidSite(f"longitude must be in [-180, 360] deg, got {lon}")
        if not -500.0 <= elev <= 10000.0:
            raise InvalidSite(f"elevation must be in [-500, 10000] m, got {elev}")
        object.__setattr__(self, "latitude", lat)
        object.__setattr__(self, "longitude", lon if lon <= 180.0 else lon - 360.0)
        object.__setattr__(self, "elevation", elev)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "latitude": self.latitude, "longitude": self.longitude, "elevation": self.elevation}


@dataclass(frozen=True)
class PlannerConfig:
    """Night definition and telescope motion: Sun limit (deg), slew rate (deg/s), settle (s), grid step (s)."""

    twilight: float = -12.0
    slew_rate: float = 2.0
    settle_time: float = 10.0
    time_step: float = 60.0

    def __post_init__(self) -> None:
        twilight = _finite(self.twilight, "twilight", InvalidSite)
        rate = _finite(self.slew_rate, "slew rate", InvalidSite)
        settle = _finite(self.settle_time, "settle time", InvalidSite)
        step = _finite(self.time_step, "time step", InvalidSite)
        if not -90.0 <= twilight <= 0.0:
            raise InvalidSite(f"twilight must be in [-90, 0] deg, got {twilight}")
        if rate <= 0.0:
            raise InvalidSite(f"slew rate must be > 0 deg/s, got {rate}")
        if settle < 0.0:
            raise InvalidSite(f"settle time must be >= 0 s, got {settle}")
        if not 1.0 <= step <= 600.0:
            raise InvalidSite(f"time step must be in [1, 600] s, got {step}")
        for name, value in (("twilight", twilight), ("slew_rate", rate), ("settle_time", settle), ("time_step", step)):
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Request:
    """One observation request. ``priority`` 1 is the most important (as astroplan)."""

    name: str
    ra: float
    dec: float
    duration: float
    priority: int = 5
    min_altitude: float = 30.0
    earliest: datetime | None = None
    latest: datetime | None = None
    max_airmass: float | None = None
    min_moon_separation: float | None = None
    id: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidRequest(f"name must be a non-empty string, got {self.name!r}")
        ra = _finite(self.ra, f"{self.name}: ra", InvalidRequest)
        dec = _finite(self.dec, f"{self.name}: dec", InvalidRequest)
        duration = _finite(self.duration, f"{self.name}: duration", InvalidRequest)
        min_alt = _finite(self.min_altitude, f"{self.name}: min_altitude", InvalidRequest)
        if not 0.0 <= ra < 360.0:
            raise InvalidRequest(f"{self.name}: ra must be in [0, 360) deg, got {ra}")
        if not -90.0 <= dec <= 90.0:
            raise InvalidRequest(f"{self.name}: dec must be in [-90, 90] deg, got {dec}")
        if not 0.0 < duration <= 86400.0:
            raise InvalidRequest(f"{self.name}: duration must be in (0, 86400] s, got {duration}")
        if not -90.0 <= min_alt <= 90.0:
            raise InvalidRequest(f"{self.name}: min_altitude must be in [-90, 90] deg, got {min_alt}")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int) or self.priority < 1:
            raise InvalidRequest(f"{self.name}: priority must be an integer >= 1, got {self.priority!r}")
        earliest = _utc(self.earliest, f"{self.name}: earliest")
        latest = _utc(self.latest, f"{self.name}: latest")
        if earliest is not None and latest is not None and latest - earliest < timedelta(seconds=duration):
            raise InvalidRequest(f"{self.name}: the window earliest..latest is shorter than the duration")
        if self.max_airmass is not None:
            airmass = _finite(self.max_airmass, f"{self.name}: max_airmass", InvalidRequest)
            if airmass < 1.0:
                raise InvalidRequest(f"{self.name}: max_airmass must be >= 1, got {airmass}")
            object.__setattr__(self, "max_airmass", airmass)
        if self.min_moon_separation is not None:
            sep = _finite(self.min_moon_separation, f"{self.name}: min_moon_separation", InvalidRequest)
            if not 0.0 <= sep <= 180.0:
                raise InvalidRequest(f"{self.name}: min_moon_separation must be in [0, 180] deg, got {sep}")
            object.__setattr__(self, "min_moon_separation", sep)
        for name, value in (("ra", ra), ("dec", dec), ("duration", duration), ("min_altitude", min_alt)):
            object.__setattr__(self, name, value)

    @property
    def key(self) -> Any:
        """What identifies the request in a plan: its ``id`` when it has one, else its name."""
        return self.name if self.id is None else self.id


@dataclass(frozen=True)
class Slot:
    """A request placed at [start, end) (UTC)."""

    request: Request
    start: datetime
    end: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.request.name, "start": iso(self.start), "end": iso(self.end)}


@dataclass
class Plan:
    """The night at the site ([start, end) with the Sun under the twilight limit) and its slots."""

    site: Site
    config: PlannerConfig
    night_start: datetime | None
    night_end: datetime | None
    slots: list[Slot] = field(default_factory=list)
    unscheduled: list[Request] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        night = {"start": iso(self.night_start), "end": iso(self.night_end)}
        return {"site": self.site.as_dict(), "night": night, "slots": [s.as_dict() for s in self.slots]}


def iso(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a ``Z`` and whole milliseconds at most."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z").replace(".000Z", "Z")
