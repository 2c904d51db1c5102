"""The night at a site: when the Sun is under the twilight limit, from local noon to local noon.

"The night of DATE" begins on the evening of DATE in local mean solar time at the site, so it is
searched between the mean local noons of DATE and DATE + 1. The Sun's apparent place is taken from
astropy every 20 minutes and interpolated (it moves 0.01 deg in that time), its altitude comes
from the Earth rotation angle and the crossings are refined by bisection to 0.1 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

import scheduler.planner.astro as astro

from .types import Site

_SUN_STEP = 1200.0  # s between the Sun's astropy places
_SCAN_STEP = 60.0  # s between the altitudes scanned for a crossing
# Shrink the night by this at both ends: the limit holds with astropy's own AltAz to well under it.
_MARGIN = timedelta(seconds=2)


@dataclass(frozen=True)
class Sun:
    """The Sun over a day: altitude (deg) at any time of [t0, t0 + span] by interpolation + ERA."""

    site: Site
    t0: datetime
    era0: float
    times: np.ndarray  # s since t0
    ra: np.ndarray
    dec: np.ndarray

    @classmethod
    def over(cls, site: Site, t0: datetime, span: float) -> Sun:
        times = np.arange(0.0, span + _SUN_STEP, _SUN_STEP)
        ra, dec = astro.body_cirs("sun", [t0 + timedelta(seconds=float(s)) for s in times], site)
        return cls(site, t0, astro.era(t0), times, np.unwrap(ra), dec)

    def altitude(self, seconds: np.ndarray | float) -> np.ndarray:
        s = np.asarray(seconds, float)
        ra = np.interp(s, self.times, self.ra)
        dec = np.interp(s, self.times, self.dec)
        local = self.era0 + astro.ERA_RATE * s + self.site.longitude * astro.DEG
        sin_alt = np.clip(astro.sin_altitude(ra, dec, local, self.site.latitude), -1, 1)
        return np.asarray(np.degrees(np.arcsin(sin_alt)), dtype=float)


def local_noon(site: Site, day: date) -> datetime:
    """Mean solar noon at the site on ``day`` (UTC)."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(hours=site.longitude / 15.0)


def local_date(site: Site, when: datetime) -> date:
    """The local mean-solar date at the site at ``when``."""
    return (when.astimezone(UTC) + timedelta(hours=site.longitude / 15.0)).date()


def night_of(site: Site, day: date, twilight: float) -> tuple[datetime, datetime] | None:
    """[start, end) of the night beginning on the evening of ``day``; None when the Sun stays up."""
    t0 = local_noon(site, day)
    span = 86400.0
    sun = Sun.over(site, t0, span)
    scan = np.arange(0.0, span + _SCAN_STEP, _SCAN_STEP)
    dark = sun.altitude(scan) < twilight
    if not dark.any():
        return None
    first = int(np.argmax(dark))
    last = len(dark) - 1 - int(np.argmax(dark[::-1]))
    start = 0.0 if first == 0 else _crossing(sun, twilight, scan[first - 1], scan[first])
    end = span if last == len(dark) - 1 else _crossing(sun, twilight, scan[last], scan[last + 1])
    return t0 + timedelta(seconds=start) + _MARGIN, t0 + timedelta(seconds=end) - _MARGIN


def coming_night(site: Site, now: datetime, twilight: float) -> tuple[date, tuple[datetime, datetime] | None]:
    """The night under way at ``now``, or else the next one: its date and its bounds."""
    day = local_date(site, now - timedelta(hours=12))  # before local noon: the night of yesterday
    night = night_of(site, day, twilight)
    if night is None or night[1] <= now:
        day = day + timedelta(days=1)
        night = night_of(site, day, twilight)
    return day, night


def _crossing(sun: Sun, limit: float, a: float, b: float) -> float:
    """The time in [a, b] where the Sun's altitude crosses ``limit`` (it does exactly once there)."""
    above_at_a = float(sun.altitude(a)) >= limit
    while b - a > 0.1:
        mid = 0.5 * (a + b)
        if (float(sun.altitude(mid)) >= limit) == above_at_a:
            a = mid
        else:
            b = mid
    # The dark side of the bracket: the night must not begin or end with the Sun over the limit.
    return b if above_at_a else a
