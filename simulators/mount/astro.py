"""The little spherical astronomy a simulated equatorial mount needs (pure math, no astropy).

Sidereal time is the IAU 1982 expression without its small terms (good to about a second of time over
decades): plenty for a simulator, whose clients read back what it reports.
"""

from __future__ import annotations

import math

SIDEREAL_RATE = 360.98564736629 / 86400.0
"""Degrees of hour angle per second of time (the rate at which the sky turns)."""
UNIX_EPOCH_JD = 2440587.5
J2000_JD = 2451545.0


def wrap360(angle: float) -> float:
    """An angle in degrees brought into [0, 360)."""
    return angle % 360.0


def wrap180(angle: float) -> float:
    """An angle in degrees brought into [-180, 180)."""
    return (angle + 180.0) % 360.0 - 180.0


def gmst_deg(unix_time: float) -> float:
    """Greenwich mean sidereal time in degrees at a POSIX time (UTC seconds)."""
    days = unix_time / 86400.0 + UNIX_EPOCH_JD - J2000_JD
    return wrap360(280.46061837 + 360.98564736629 * days)


def lst_deg(unix_time: float, longitude_deg: float) -> float:
    """Local sidereal time in degrees; longitude positive east."""
    return wrap360(gmst_deg(unix_time) + longitude_deg)


def alt_az(ha_deg: float, dec_deg: float, latitude_deg: float) -> tuple[float, float]:
    """Hour angle and declination -> (altitude, azimuth) in degrees; azimuth from north through east."""
    ha, dec, lat = math.radians(ha_deg), math.radians(dec_deg), math.radians(latitude_deg)
    sin_alt = math.sin(dec) * math.sin(lat) + math.cos(dec) * math.cos(lat) * math.cos(ha)
    alt = math.asin(max(-1.0, min(1.0, sin_alt)))
    y = -math.cos(dec) * math.sin(ha)
    x = math.sin(dec) * math.cos(lat) - math.cos(dec) * math.sin(lat) * math.cos(ha)
    return math.degrees(alt), wrap360(math.degrees(math.atan2(y, x)))
