"""Is a position above an altitude while the Sun is down, within the next hours? Pure numpy, no Django.

Good to a fraction of a degree, which is what "visible tonight" needs: the Sun from the low-precision
formulae of the Astronomical Almanac (~0.01 deg), sidereal time from the IAU 1982 GMST expression,
no refraction, precession or nutation (under 0.4 deg for positions of this century).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

J2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """When the target is first and last up while it is dark, within the horizon looked at."""

    start: datetime
    end: datetime
    max_altitude: float


def sun_radec(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Apparent RA/Dec of the Sun (degrees) at ``days`` since J2000.0."""
    mean_longitude = np.radians((280.460 + 0.9856474 * days) % 360.0)
    anomaly = np.radians((357.528 + 0.9856003 * days) % 360.0)
    ecliptic_longitude = mean_longitude + np.radians(1.915) * np.sin(anomaly) + np.radians(0.020) * np.sin(2 * anomaly)
    obliquity = np.radians(23.439 - 0.0000004 * days)
    ra = np.arctan2(np.cos(obliquity) * np.sin(ecliptic_longitude), np.cos(ecliptic_longitude))
    dec = np.arcsin(np.sin(obliquity) * np.sin(ecliptic_longitude))
    return np.degrees(ra) % 360.0, np.degrees(dec)


def local_sidereal_degrees(days: np.ndarray, longitude: float) -> np.ndarray:
    """Local mean sidereal time (degrees); longitude east positive."""
    return (280.46061837 + 360.98564736629 * days + longitude) % 360.0


def altitude(ra: float | np.ndarray, dec: float | np.ndarray, lst: np.ndarray, latitude: float) -> np.ndarray:
    """Altitude (degrees) of RA/Dec (degrees) at local sidereal times ``lst`` (degrees)."""
    hour_angle = np.radians(lst - ra)
    lat, d = np.radians(latitude), np.radians(dec)
    return np.degrees(np.arcsin(np.sin(lat) * np.sin(d) + np.cos(lat) * np.cos(d) * np.cos(hour_angle)))


def dark_window(
    ra: float,
    dec: float,
    *,
    latitude: float,
    longitude: float,
    start: datetime,
    min_altitude: float,
    max_sun_altitude: float = -12.0,
    hours: float = 24.0,
    step_minutes: float = 5.0,
) -> Window | None:
    """The first stretch, from ``start`` on, when the target is above ``min_altitude`` and the Sun below
    ``max_sun_altitude`` (nautical twilight by default); None if there is none within ``hours``."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    steps = int(hours * 60 / step_minutes) + 1
    offsets = np.arange(steps) * step_minutes / 1440.0
    days = (start - J2000).total_seconds() / 86400.0 + offsets
    lst = local_sidereal_degrees(days, longitude)
    sun_ra, sun_dec = sun_radec(days)
    target = altitude(ra, dec, lst, latitude)
    ok = (target >= min_altitude) & (altitude(sun_ra, sun_dec, lst, latitude) <= max_sun_altitude)
    if not ok.any():
        return None
    first = int(np.argmax(ok))
    after = ok[first:]
    last = first + (int(np.argmin(after)) - 1 if not after.all() else len(after) - 1)
    to_time = [start + timedelta(days=float(offsets[i])) for i in (first, last)]
    return Window(to_time[0], to_time[1], float(target[first : last + 1].max()))
