"""The simulated mount: an equatorial mount with two axes (hour angle, declination), fork or German.

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
``horizon_deg``, at the instant it does. Both axes move at most ``slew_rate`` deg/s with
``acceleration`` deg/s^2 (aborts brake at the same acceleration).

The axes are mechanical: the declination axis may turn past the pole (beyond +-90 deg), which is how
a German equatorial mount (``german=True``) points at targets east of the meridian: tube on the other
side of the pier, hour-angle axis turned by 180 deg. It chooses that side for a target east of the
meridian and the normal side for one west of it, so a goto from one side to the other is a meridian
flip (both axes travel the long way, through the pole above the horizon); tracking on the flipped side
stops ``meridian_limit_deg`` past the meridian. A fork mount (the default) stays on the normal side
and has no meridian limit. Mechanical -> sky: ``a2`` beyond +-90 means flipped, ``dec = +-180 - a2``
and the hour angle is the axis' plus 180 deg.
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import dataclass

import simulators.mount.astro as astro
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
    flipped: bool = False
    """The tube is on the far side of the pier (German mount, target east of the meridian)."""

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
        german: bool = False,
        meridian_limit_deg: float = 15.0,
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
        if not 0 <= meridian_limit_deg <= 90:
            raise MountConfigError(f"meridian limit {meridian_limit_deg} is outside 0..90")
        self.german, self.meridian_limit_deg = german, meridian_limit_deg
        self._lock = threading.Lock()
        self.state = MountState.PARKED
        self.tracking_frame = False  # axis 1 holds (mechanical) RA (True) or hour angle (False)
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
        """Tracking from ``start`` (axes at rest by then): when will it meet the horizon or the meridian limit?"""
        self.state = MountState.TRACKING
        _, ha, dec, flipped = self._sky(start)
        self.limit_at = min(self._horizon_time(start, ha, dec), self._meridian_time(start, ha, flipped))
        if self.limit_at == math.inf:
            self.limit_at = None

    def _horizon_time(self, start: float, ha: float, dec: float) -> float:
        lat, horizon, d = (math.radians(x) for x in (self.site.latitude_deg, self.horizon_deg, dec))
        scale = math.cos(d) * math.cos(lat)
        x = (
            (math.sin(horizon) - math.sin(d) * math.sin(lat)) / scale
            if abs(scale) > 1e-12
            else math.copysign(math.inf, math.sin(horizon) - math.sin(d) * math.sin(lat))
        )
        if x <= -1:
            return math.inf  # never sets
        setting_ha = math.degrees(math.acos(min(1.0, x)))
        ha = astro.wrap180(ha)
        if x >= 1 or not -setting_ha <= ha <= setting_ha:
            return start  # below the horizon already
        return start + (setting_ha - ha) / astro.SIDEREAL_RATE

    def _meridian_time(self, start: float, ha: float, flipped: bool) -> float:
        if not (self.german and flipped):
            return math.inf
        ha = astro.wrap180(ha)
        return start + max(0.0, self.meridian_limit_deg - ha) / astro.SIDEREAL_RATE

    def _sky(self, now: float) -> tuple[float, float, float, bool]:
        """(RA, HA, Dec, flipped) where the axes point at ``now``."""
        lst = self.lst(now)
        a1, _ = self.axis1.at(now)
        a2, _ = self.axis2.at(now)
        ra, ha = (a1, lst - a1) if self.tracking_frame else (lst - a1, a1)
        if abs(a2) <= 90:
            return ra, ha, a2, False
        return ra - 180.0, ha + 180.0, math.copysign(180.0, a2) - a2, True

    def _mechanical(self, ra_or_ha: float, dec: float, flipped: bool) -> tuple[float, float]:
        """Axis positions for a sky position on the given side (through the pole above the horizon)."""
        if not flipped:
            return ra_or_ha, dec
        pole = 180.0 if self.site.latitude_deg >= 0 else -180.0
        return ra_or_ha + 180.0, pole - dec

    def _side_for(self, ra: float, now: float) -> bool:
        """Flipped for a target east of the meridian on a German mount; a fork never flips."""
        return self.german and astro.wrap180(self.lst(now) - ra) < 0

    def _pointing(self, now: float) -> Pointing:
        self._settle(now)
        ra, ha, dec, flipped = self._sky(now)
        alt, az = astro.alt_az(ha, dec, self.site.latitude_deg)
        return Pointing(now, astro.wrap360(ra), dec, astro.wrap180(ha), alt, az, self.lst(now), self.state, flipped)

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
            axis1, axis2 = self._mechanical(
                self.target_ra_deg, self.target_dec_deg, self._side_for(self.target_ra_deg, now)
            )
            self._move(now, tracking=True, axis1_target=axis1, axis2_target=axis2)
            self.state = MountState.SLEWING
            return GotoResult.SLEWING

    def park(self, now: float) -> None:
        """Slew to the park position and stop tracking there (``:hP#``)."""
        with self._lock:
            self._settle(now)
            if self.state is MountState.PARKED:
                return
            self._move(now, tracking=False, axis1_target=self.park_ha_deg, axis2_target=self.park_dec_deg)
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
            axis1, axis2 = self._mechanical(
                self.target_ra_deg, self.target_dec_deg, self._side_for(self.target_ra_deg, now)
            )
            self.axis1, self.axis2 = still(now, axis1), still(now, axis2)
            self._track_from(now)

    def _move(self, now: float, tracking: bool, axis1_target: float, axis2_target: float) -> None:
        self.limit_at = None
        position1, speed1 = self.axis1.at(now)
        if tracking != self.tracking_frame:  # RA = LST - HA; the sidereal rate is negligible at slew speeds
            position1, speed1 = self.lst(now) - position1, -speed1
            self.tracking_frame = tracking
        end1 = position1 + astro.wrap180(axis1_target - position1)  # the short way round
        self.axis1 = move_to(now, position1, speed1, end1, self.slew_rate, self.acceleration)
        position2, speed2 = self.axis2.at(now)
        self.axis2 = move_to(now, position2, speed2, axis2_target, self.slew_rate, self.acceleration)
