"""Positions with astropy, offline: apparent (CIRS) places once per target, Sun and Moon on a grid.

Altitudes then come from numpy: the hour angle is the Earth rotation angle (ERA) + east longitude -
the CIRS right ascension (CIRS right ascensions are counted from the CIO, which ERA is the angle of).
Polar motion, diurnal aberration and refraction (< 1 arcsec, none for astropy's AltAz with no
pressure) are left out, so these altitudes are the ones of astropy's ``AltAz`` without pressure.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from astropy.utils import iers

# Offline: the tables of the astropy-iers-data package, never a download (both settings are needed).
iers.conf.auto_download = False
iers.conf.auto_max_age = None

import astropy.units as u  # noqa: E402
from astropy.coordinates import CIRS, EarthLocation, SkyCoord, get_body  # noqa: E402
from astropy.time import Time  # noqa: E402

from .types import Site  # noqa: E402

DEG = math.pi / 180.0
# dERA/dt in rad per SI second (UT1 - UTC drifts by ~1 ms a day: nothing over a night).
ERA_RATE = 2.0 * math.pi * 1.00273781191135448 / 86400.0


def location(site: Site) -> EarthLocation:
    return EarthLocation.from_geodetic(site.longitude * u.deg, site.latitude * u.deg, site.elevation * u.m)


def era(when: datetime) -> float:
    """Earth rotation angle (rad) at ``when`` (UTC), through UT1 from the IERS tables."""
    t = Time(when, scale="utc").ut1
    return float(np.asarray(_erfa_era(t.jd1, t.jd2)))


def _erfa_era(jd1: float, jd2: float) -> float:
    import erfa

    return float(erfa.era00(jd1, jd2))


def apparent(ra: np.ndarray, dec: np.ndarray, when: datetime) -> tuple[np.ndarray, np.ndarray]:
    """CIRS right ascension and declination (rad) at ``when`` of ICRS positions (deg)."""
    coords = SkyCoord(ra=np.asarray(ra, float) * u.deg, dec=np.asarray(dec, float) * u.deg, frame="icrs")
    cirs = coords.transform_to(CIRS(obstime=Time(when, scale="utc")))
    return np.asarray(cirs.ra.rad, float), np.asarray(cirs.dec.rad, float)


def body_cirs(body: str, times: list[datetime], site: Site) -> tuple[np.ndarray, np.ndarray]:
    """Topocentric CIRS right ascension and declination (rad) of the Sun or Moon at ``times``."""
    loc = location(site)
    t = Time(times, scale="utc")
    cirs = get_body(body, t, loc).transform_to(CIRS(obstime=t, location=loc))
    return np.asarray(cirs.ra.rad, float), np.asarray(cirs.dec.rad, float)


def sin_altitude(ra: np.ndarray, dec: np.ndarray, local_era: np.ndarray | float, latitude: float) -> np.ndarray:
    """sin(altitude) for CIRS (ra, dec) in rad at local ERA (ERA + east longitude) in rad; broadcasts."""
    phi = latitude * DEG
    return np.asarray(np.sin(phi) * np.sin(dec) + np.cos(phi) * np.cos(dec) * np.cos(local_era - ra), dtype=float)


def unit_vectors(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    cos_dec = np.cos(dec)
    return np.stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)], axis=-1)


def airmass_sin_limit(max_airmass: float) -> float:
    """The sin(altitude) above which the plane-parallel airmass sec(z) is under ``max_airmass``."""
    return 1.0 / max_airmass


def altitudes_now(ra: float, dec: float, when: datetime, site: Site) -> tuple[float, float]:
    """(target altitude, Sun altitude) in deg at ``when``: one target, for a quick decision."""
    local = era(when) + site.longitude * DEG
    tra, tdec = apparent(np.array([ra]), np.array([dec]), when)
    sra, sdec = body_cirs("sun", [when], site)
    target = sin_altitude(tra, tdec, local, site.latitude)
    sun = sin_altitude(sra, sdec, local, site.latitude)
    return float(np.degrees(np.arcsin(target[0]))), float(np.degrees(np.arcsin(sun[0])))


def altitude_curves(
    ra: np.ndarray, dec: np.ndarray, start: datetime, end: datetime, site: Site, step: float = 300.0
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds from ``start`` and the (targets x times) altitudes (deg) over [start, end], for plots."""
    span = max(0.0, (end - start).total_seconds())
    seconds = np.append(np.arange(0.0, span, step), span)
    if len(ra) == 0:
        return seconds, np.zeros((0, len(seconds)))
    tra, tdec = apparent(np.asarray(ra, float), np.asarray(dec, float), start)
    local = era(start) + site.longitude * DEG + ERA_RATE * seconds
    sin_alt = sin_altitude(tra[:, None], tdec[:, None], local[None, :], site.latitude)
    return seconds, np.degrees(np.arcsin(np.clip(sin_alt, -1.0, 1.0)))
