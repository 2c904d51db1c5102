"""Where the antenna points for a sidereal target: (RA, Dec) -> (azimuth, elevation) tables for the ACU's
program track, and back. Pure computation with the planner's astronomy (``scheduler.planner.astro``):
the apparent (CIRS) place of the target is computed once, then the hour angle follows the Earth
rotation angle, so a table of any length costs one numpy expression. Azimuth counts from north through
east (the ACU's convention: stow at 180 deg); the azimuth of a table is unwrapped into the ACU's range
(-90..450 deg) on the side nearest where the antenna is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import astropy.units as u
import numpy as np
from astropy.coordinates import CIRS, ICRS, SkyCoord
from astropy.time import Time

from scheduler.acu.exceptions import AcuCallerError
from scheduler.planner import astro
from scheduler.planner.types import Site

AZIMUTH_RANGE = (-90.0, 450.0)
ELEVATION_RANGE = (5.0, 90.0)


def az_el(ha: np.ndarray, dec: np.ndarray, latitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (0..360, from north through east) and elevation (deg) of hour angles/declinations (rad)."""
    phi = latitude * astro.DEG
    sin_el = np.sin(phi) * np.sin(dec) + np.cos(phi) * np.cos(dec) * np.cos(ha)
    el = np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0)))
    y = -np.cos(dec) * np.sin(ha)
    x = np.sin(dec) * np.cos(phi) - np.cos(dec) * np.sin(phi) * np.cos(ha)
    return np.degrees(np.arctan2(y, x)) % 360.0, el


def unwrap(azimuths: np.ndarray, near: float) -> np.ndarray:
    """The azimuths made continuous, the first on the turn (-360, 0, +360) nearest ``near`` that keeps
    the whole run inside the ACU's range; AcuCallerError if no turn does."""
    run = np.degrees(np.unwrap(np.radians(azimuths)))
    for turn in sorted((-360.0, 0.0, 360.0), key=lambda k: abs(run[0] + k - near)):
        shifted = run + turn
        if AZIMUTH_RANGE[0] <= shifted.min() and shifted.max() <= AZIMUTH_RANGE[1]:
            return np.asarray(shifted, dtype=float)
    raise AcuCallerError("the track leaves the ACU's azimuth range on every turn")


class Tracker:
    """The program track of one target from ``start`` (UTC): points every ``step`` seconds."""

    def __init__(self, ra: float, dec: float, site: Site, start: datetime, step: float) -> None:
        if not (0.0 <= ra < 360.0 and -90.0 <= dec <= 90.0) or step <= 0:
            raise AcuCallerError(f"no such target: RA {ra} Dec {dec} (step {step} s)")
        self.ra, self.dec, self.site, self.start, self.step = ra, dec, site, start, step
        cirs_ra, cirs_dec = astro.apparent(np.array([ra]), np.array([dec]), start)
        self._ra, self._dec = float(cirs_ra[0]), float(cirs_dec[0])
        self._era = astro.era(start) + site.longitude * astro.DEG
        self._azimuth: float | None = None  # the last azimuth sent (the unwrapped side of the next points)
        self.sent = 0  # points handed out so far

    def at(self, seconds: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth (0..360) and elevation (deg) at ``seconds`` after the start."""
        ha = self._era + astro.ERA_RATE * np.asarray(seconds, float) - self._ra
        return az_el(ha, np.full_like(ha, self._dec), self.site.latitude)

    def next_points(self, count: int, near: float) -> list[tuple[int, float, float]]:
        """The next ``count`` points (ms from the start, azimuth, elevation); the first call starts at 0
        on the azimuth turn nearest ``near``, later calls continue the run. AcuCallerError when the
        target is below the ACU's elevation limit at any of them."""
        indices = np.arange(self.sent, self.sent + count)
        azimuth, elevation = self.at(indices * self.step)
        low = float(elevation.min())
        if low < ELEVATION_RANGE[0]:
            raise AcuCallerError(f"the target is at {low:.1f} deg elevation, under the ACU's {ELEVATION_RANGE[0]}")
        run = unwrap(azimuth, near if self._azimuth is None else self._azimuth)
        self._azimuth = float(run[-1])
        self.sent += count
        ms = np.rint(indices * self.step * 1000.0).astype(int)
        return [(int(t), float(a), float(e)) for t, a, e in zip(ms, run, elevation, strict=True)]

    def until(self, seconds: float) -> float:
        """Seconds from the start to the end of the points handed out."""
        return max(0, self.sent - 1) * self.step - seconds


def radec(azimuth: float, elevation: float, when: datetime, site: Site) -> tuple[float, float]:
    """ICRS (RA, Dec) in degrees of where an antenna at (azimuth, elevation) points at ``when``."""
    phi, az, el = site.latitude * astro.DEG, math.radians(azimuth), math.radians(elevation)
    sin_dec = math.sin(phi) * math.sin(el) + math.cos(phi) * math.cos(el) * math.cos(az)
    dec = math.asin(max(-1.0, min(1.0, sin_dec)))
    ha = math.atan2(
        -math.cos(el) * math.sin(az), math.sin(el) * math.cos(phi) - math.cos(el) * math.sin(phi) * math.cos(az)
    )
    ra = astro.era(when) + site.longitude * astro.DEG - ha
    place = SkyCoord(CIRS(ra=ra * u.rad, dec=dec * u.rad, obstime=Time(when, scale="utc"))).transform_to(ICRS())
    return float(place.ra.deg) % 360.0, float(place.dec.deg)


MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def mjd(when: datetime) -> float:
    """Modified Julian Date of ``when`` (UTC), the ACU's time unit."""
    return (when - MJD_EPOCH) / timedelta(days=1)


def from_mjd(value: float) -> datetime:
    return MJD_EPOCH + timedelta(days=value)
