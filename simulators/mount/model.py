"""The simulated mount: an equatorial fork mount with two axes (hour angle, declination).

Pure and thread-safe: every method takes the time (POSIX seconds, UTC) it happens at, so a test can
drive it with any clock. States:

* ``parked``  at the park position, not tracking (the state at power-on);
* ``parking`` slewing to the park position;
* ``slewing`` slewing to the target, tracking the sky meanwhile (the hour-angle axis moves in right
  ascension, so the target is reached where it is on arrival);
* ``tracking`` on the target at the sidereal rate (also after an aborted slew);
* ``stopped`` not tracking (a park that was aborted).

Limits: a goto whose target is below ``horizon_deg`` now is refused (LX200 reply ``1``); a goto while
parking is refused as busy (``2``); tracking stops (``stopped``) when the target sets below
``horizon_deg``, at the instant it does. A fork mount has no meridian limit. Both axes move at most
``slew_rate`` deg/s with ``acceleration`` deg/s^2 (aborts brake at the same acceleration).
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import dataclass

from simulators.mount import astro
from simulators.mount.exceptions import MountConfigError
from simulators.mount.motion import AxisMove, move_to, still, stop


class MountState(enum.StrEnum):
    PARKED = "parked"
    PARKING = "parking"
    SLEWING = "slewing"
    TRACKING = "tracking"
    STOPPED = "stopped"


class GotoResult(enum.IntEnum):
    """The digit of the LX200 ``:MS#`` reply."""

    SLEWING = 0
    BELOW_HORIZON = 1
    BUSY = 2


@dataclass(frozen=True)
class Site:
    latitude_deg: float = -29.2567
    longitude_deg: float = -70.7346
    """Longitude positive east (La Silla by default)."""

    def __post_init__(self) -> None:
        if not -90 <= self.latitude_deg <= 90:
            raise MountConfigError(f"latitude {self.latitude_deg} is outside -90..90")
        if not -180 <= self.longitude_deg <= 360:
            raise MountConfigError(f"longitude {self.longitude_deg} is outside -180..360")


@dataclass(frozen=True)
class Pointing:
    """Where the mount points at one instant (degrees), and what it is doing."""

    time: float
    ra_deg: float
    dec_deg: float
    ha_deg: float
    alt_deg: float
    az_deg: float
    lst_deg: float
    state: MountState

    @property
    def moving(self) -> bool:
        return self.state in (MountState.SLEWING, MountState.PARKING)


class Mount:
    """The mount's state and motion; every public method is atomic."""

    def __init__(
        self,
        now: float,
        site: Site | None = None,
        slew_rate: float = 5.0,
        acceleration: float = 5.0,
        horizon_deg: float = 0.0,
        park_ha_deg: float = 0.0,
        park_dec_deg: float | None = None,
    ) -> None:
        if slew_rate <= 0 or acceleration <= 0:
            raise MountConfigError("slew_rate and acceleration must be positive")
        if not -90 <= horizon_deg < 90:
            raise MountConfigError(f"horizon {horizon_deg} is outside -90..90")
        self.site = site or Site()
        self.slew_rate, self.acceleration, self.horizon_deg = slew_rate, acceleration, horizon_deg
        self.park_ha_deg = astro.wrap180(park_ha_deg)
        self.park_dec_deg = self.site.latitude_deg if park_dec_deg is None else park_dec_deg  # zenith
        if not -90 <= self.park_dec_deg <= 90:
            raise MountConfigError(f"park declination {self.park_dec_deg} is outside -90..90")
        self._lock = threading.Lock()
        self.state = MountState.PARKED
        self.tracking_frame = False  # axis 1 holds RA (True) or hour angle (False)
        self.axis1: AxisMove = still(now, self.park_ha_deg)
        self.axis2: AxisMove = still(now, self.park_dec_deg)
        self.target_ra_deg = 0.0
        self.target_dec_deg = 0.0
        self.limit_at: float | None = None  # when tracking reaches the horizon limit

    # --- reading --------------------------------------------------------------------------------
    def lst(self, now: float) -> float:
        return astro.lst_deg(now, self.site.longitude_deg)

    def pointing(self, now: float) -> Pointing:
        with self._lock:
            return self._pointing(now)

    def _settle(self, now: float) -> None:
        end = max(self.axis1.end, self.axis2.end)
        if self.state in (MountState.SLEWING, MountState.PARKING) and now >= end:
            if self.state is MountState.SLEWING:
                self._track_from(end)
            else:
                self.state = MountState.PARKED
        if self.state is MountState.TRACKING and self.limit_at is not None and now >= self.limit_at:
            at, self.limit_at = self.limit_at, None
            ra, _ = self.axis1.at(at)
            self.tracking_frame = False
            self.axis1 = still(at, self.lst(at) - ra)
            self.state = MountState.STOPPED

    def _track_from(self, start: float) -> None:
        """Tracking from ``start`` (axes at rest on the target by then): when will it meet the horizon?"""
        self.state = MountState.TRACKING
        ra, _ = self.axis1.at(start)
        dec, _ = self.axis2.at(start)
        lat = math.radians(self.site.latitude_deg)
        scale = math.cos(math.radians(dec)) * math.cos(lat)
        if abs(scale) < 1e-12:
            self.limit_at = (
                None
                if math.sin(math.radians(dec)) * math.sin(lat) >= math.sin(math.radians(self.horizon_deg))
                else start
            )
            return
        x = (math.sin(math.radians(self.horizon_deg)) - math.sin(math.radians(dec)) * math.sin(lat)) / scale
        if x <= -1:
            self.limit_at = None  # never sets
            return
        setting_ha = math.degrees(math.acos(min(1.0, x)))
        ha = astro.wrap180(self.lst(start) - ra)
        above = -setting_ha <= ha <= setting_ha and x < 1
        self.limit_at = start + (setting_ha - ha) / astro.SIDEREAL_RATE if above else start

    def _pointing(self, now: float) -> Pointing:
        self._settle(now)
        lst = self.lst(now)
        axis1, _ = self.axis1.at(now)
        dec, _ = self.axis2.at(now)
        ra, ha = (axis1, lst - axis1) if self.tracking_frame else (lst - axis1, axis1)
        alt, az = astro.alt_az(ha, dec, self.site.latitude_deg)
        return Pointing(now, astro.wrap360(ra), dec, astro.wrap180(ha), alt, az, lst, self.state)

    def target_altitude(self, now: float) -> float:
        with self._lock:
            ha = self.lst(now) - self.target_ra_deg
            return astro.alt_az(ha, self.target_dec_deg, self.site.latitude_deg)[0]

    # --- commands -------------------------------------------------------------------------------
    def set_target(self, ra_deg: float | None = None, dec_deg: float | None = None) -> None:
        with self._lock:
            if ra_deg is not None:
                self.target_ra_deg = astro.wrap360(ra_deg)
            if dec_deg is not None:
                self.target_dec_deg = dec_deg

    def set_rates(self, slew_rate: float, acceleration: float, horizon_deg: float | None = None) -> None:
        """New axis limits (and horizon) for the moves commanded from now on."""
        if slew_rate <= 0 or acceleration <= 0:
            raise MountConfigError("slew_rate and acceleration must be positive")
        if horizon_deg is not None and not -90 <= horizon_deg < 90:
            raise MountConfigError(f"horizon {horizon_deg} is outside -90..90")
        with self._lock:
            self.slew_rate, self.acceleration = slew_rate, acceleration
            if horizon_deg is not None:
                self.horizon_deg = horizon_deg

    def set_site(self, site: Site) -> None:
        """Move the observatory (``:St``/``:Sg``); the axes hold their current position."""
        with self._lock:
            self.site = site

    def goto(self, now: float) -> GotoResult:
        """Slew to the target (``:MS#``), tracking; refused below the horizon or while parking."""
        with self._lock:
            self._settle(now)
            if self.state is MountState.PARKING:
                return GotoResult.BUSY
            ha = self.lst(now) - self.target_ra_deg
            if astro.alt_az(ha, self.target_dec_deg, self.site.latitude_deg)[0] < self.horizon_deg:
                return GotoResult.BELOW_HORIZON
            self._move(now, tracking=True, axis1_target=self.target_ra_deg, dec_target=self.target_dec_deg)
            self.state = MountState.SLEWING
            return GotoResult.SLEWING

    def park(self, now: float) -> None:
        """Slew to the park position and stop tracking there (``:hP#``)."""
        with self._lock:
            self._settle(now)
            if self.state is MountState.PARKED:
                return
            self._move(now, tracking=False, axis1_target=self.park_ha_deg, dec_target=self.park_dec_deg)
            self.state = MountState.PARKING

    def abort(self, now: float) -> None:
        """Stop any slew (``:Q#``), braking; a slew to a target keeps tracking, an aborted park stops."""
        with self._lock:
            self._settle(now)
            if self.state not in (MountState.SLEWING, MountState.PARKING):
                return
            self.axis1 = stop(now, self.axis1, self.acceleration)
            self.axis2 = stop(now, self.axis2, self.acceleration)
            if self.tracking_frame:
                self._track_from(max(self.axis1.end, self.axis2.end))
            else:
                self.state = MountState.STOPPED

    def sync(self, now: float) -> None:
        """Declare that the mount points at the target (``:CM#``); it then tracks it."""
        with self._lock:
            self._settle(now)
            self.tracking_frame = True
            self.axis1 = still(now, self.target_ra_deg)
            self.axis2 = still(now, self.target_dec_deg)
            self._track_from(now)

    def _move(self, now: float, tracking: bool, axis1_target: float, dec_target: float) -> None:
        self.limit_at = None
        position1, speed1 = self.axis1.at(now)
        if tracking != self.tracking_frame:  # RA = LST - HA; the sidereal rate is negligible at slew speeds
            position1, speed1 = self.lst(now) - position1, -speed1
            self.tracking_frame = tracking
        end1 = position1 + astro.wrap180(axis1_target - position1)  # the short way round
        self.axis1 = move_to(now, position1, speed1, end1, self.slew_rate, self.acceleration)
        position2, speed2 = self.axis2.at(now)
        self.axis2 = move_to(now, position2, speed2, dec_target, self.slew_rate, self.acceleration)
