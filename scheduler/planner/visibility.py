"""Which grid cells of the night each request may be observed in: vectorised numpy over the grid.

The grid has points p_0 = 0 < p_1 < ... < p_n = span (seconds from its start, one ``step`` apart
but the last). Cell j is [p_j, p_j+1]. A request may use cell j when its constraints hold at both
points and inside: the altitude of a fixed point of the sky is monotonic in the hour angle on each
side of the meridian and has its only interior minimum at lower culmination (hour angle 180 deg),
so "holds at both points and, if the cell contains a lower culmination, there too" is exact.
The Moon moves under 0.8 deg an hour (topocentric): its separation is asked to hold with that
margin at the points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

import scheduler.planner.astro as astro

from .types import Request, Site

# Altitudes are asked to clear their limit by 0.002 deg (7 arcsec): ours and astropy's AltAz agree to
# < 1 arcsec, so a slot we accept is accepted by astropy at every instant too.
ALT_MARGIN = 0.002
MOON_RATE = 0.8 / 3600.0  # deg/s, an upper bound of the Moon's topocentric motion on the sky
_CHUNK = 2048  # requests per block of the (requests x points) arrays


@dataclass(frozen=True)
class Grid:
    start: datetime
    span: float
    step: float

    @property
    def points(self) -> np.ndarray:
        n = max(1, math.ceil(self.span / self.step - 1e-9))
        return np.minimum(np.arange(n + 1, dtype=float) * self.step, self.span)

    def at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=float(seconds))

    def seconds(self, when: datetime) -> float:
        return (when - self.start).total_seconds()


@dataclass
class Targets:
    """Per-request arrays: apparent places, limits as sin(altitude), windows in grid seconds."""

    ra: np.ndarray  # CIRS, rad
    dec: np.ndarray
    sin_min: np.ndarray  # the altitude/airmass limit as a sin(altitude)
    unit: np.ndarray  # ICRS unit vectors, for slews
    moon_min: np.ndarray  # deg, NaN when not asked
    earliest: np.ndarray  # s from grid start (may be < 0)
    latest: np.ndarray
    duration: np.ndarray


def targets(requests: Sequence[Request], grid: Grid, night_end: float) -> Targets:
    n = len(requests)
    ra_deg = np.fromiter((r.ra for r in requests), float, n)
    dec_deg = np.fromiter((r.dec for r in requests), float, n)
    ra, dec = astro.apparent(ra_deg, dec_deg, grid.at(grid.span / 2))
    min_alt = np.fromiter((r.min_altitude for r in requests), float, n) + ALT_MARGIN
    sin_min = np.sin(np.radians(np.minimum(min_alt, 90.0)))
    airmass = np.fromiter((r.max_airmass or 0.0 for r in requests), float, n)
    with np.errstate(divide="ignore"):
        sin_air = np.where(airmass > 0, 1.0 / np.where(airmass > 0, airmass, 1.0) + 1e-9, -1.0)
    moon = np.fromiter((np.nan if r.min_moon_separation is None else r.min_moon_separation for r in requests), float, n)
    earliest = np.fromiter((-np.inf if r.earliest is None else grid.seconds(r.earliest) for r in requests), float, n)
    latest = np.fromiter((np.inf if r.latest is None else grid.seconds(r.latest) for r in requests), float, n)
    duration = np.fromiter((r.duration for r in requests), float, n)
    unit = astro.unit_vectors(np.radians(ra_deg), np.radians(dec_deg))
    return Targets(ra, dec, np.maximum(sin_min, sin_air), unit, moon, earliest, np.minimum(latest, night_end), duration)


def cell_ok(tg: Targets, grid: Grid, era0: float, site: Site, moon_sep: np.ndarray | None) -> np.ndarray:
    """(requests x cells) booleans: the request's sky constraints hold over the whole cell."""
    points = grid.points
    local = era0 + site.longitude * astro.DEG + astro.ERA_RATE * points
    phi = site.latitude * astro.DEG
    # sin(altitude) at lower culmination: sin(phi) sin(dec) - cos(phi) cos(dec) = -cos(phi + dec)
    low_ok = -np.cos(phi + tg.dec) >= tg.sin_min
    out = np.empty((len(tg.ra), len(points) - 1), dtype=bool)
    for lo in range(0, len(tg.ra), _CHUNK):
        hi = min(lo + _CHUNK, len(tg.ra))
        ra = tg.ra[lo:hi, None]
        sin_alt = astro.sin_altitude(ra, tg.dec[lo:hi, None], local[None, :], site.latitude)
        ok = sin_alt >= tg.sin_min[lo:hi, None]
        if moon_sep is not None:
            need = tg.moon_min[lo:hi, None] + MOON_RATE * grid.step
            ok &= ~(moon_sep[lo:hi] < need)  # NaN (no limit) compares False: ok
        cells = ok[:, :-1] & ok[:, 1:]
        # Lower culmination inside cell j: (hour angle - pi) / 2 pi changes its integer part.
        turns = np.floor((local[None, :] - ra - math.pi) / (2 * math.pi))
        crosses = turns[:, 1:] != turns[:, :-1]
        cells &= ~crosses | low_ok[lo:hi, None]
        out[lo:hi] = cells
    return out


def moon_separation(tg: Targets, grid: Grid, site: Site, wanted: np.ndarray) -> np.ndarray | None:
    """(requests x points) separation (deg) from the topocentric Moon, NaN where not asked; None if none."""
    if not wanted.any():
        return None
    points = grid.points
    mra, mdec = astro.body_cirs("moon", [grid.at(s) for s in points], site)
    moon = astro.unit_vectors(mra, mdec)
    sep = np.full((len(tg.ra), len(points)), np.nan)
    idx = np.flatnonzero(wanted)
    mine = astro.unit_vectors(tg.ra[idx], tg.dec[idx])
    sep[idx] = np.degrees(np.arccos(np.clip(mine @ moon.T, -1.0, 1.0)))
    return sep
