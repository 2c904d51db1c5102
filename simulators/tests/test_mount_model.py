"""Mount simulator: the equatorial mount model (driven with explicit times, no clock)."""

from __future__ import annotations

import pytest

from simulators.mount.astro import alt_az, gmst_deg, lst_deg, wrap180
from simulators.mount.exceptions import MountConfigError
from simulators.mount.model import GotoResult, Mount, MountState, Site

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
SITE = Site(-29.2567, -70.7346)


def mount(**kwargs: float) -> Mount:
    return Mount(T0, SITE, **kwargs)  # type: ignore[arg-type]


def target_at_hour_angle(m: Mount, ha: float, dec: float, at: float = T0) -> float:
    ra = m.lst(at) - ha
    m.set_target(ra, dec)
    return ra % 360


def test_gmst_matches_a_known_value() -> None:
    # 2000-01-01T12:00:00Z (J2000.0): GMST = 280.46061837 deg
    assert gmst_deg(946728000.0) == pytest.approx(280.46061837, abs=1e-6)
    assert lst_deg(946728000.0, 10.0) == pytest.approx(290.46061837, abs=1e-6)


def test_alt_az_of_the_meridian_and_the_pole() -> None:
    assert alt_az(0.0, -29.2567, -29.2567)[0] == pytest.approx(90.0)
    alt, az = alt_az(0.0, 0.0, -29.2567)
    assert (alt, az) == pytest.approx((60.7433, 0.0))  # north of the zenith for a southern site
    assert alt_az(90.0, 0.0, 0.0) == pytest.approx((0.0, 270.0))  # setting due west


def test_starts_parked_at_the_zenith() -> None:
    pointing = mount().pointing(T0 + 60)
    assert pointing.state is MountState.PARKED
    assert pointing.alt_deg == pytest.approx(90.0)
    assert pointing.ha_deg == pytest.approx(0.0)


def test_goto_slews_then_tracks_the_target() -> None:
    m = mount(slew_rate=5.0, acceleration=5.0)
    ra = target_at_hour_angle(m, 30.0, -10.0)
    assert m.goto(T0) is GotoResult.SLEWING
    assert m.pointing(T0 + 1).state is MountState.SLEWING
    assert m.pointing(T0 + 1).moving
    # HA 0 -> 30 deg and Dec -29.3 -> -10 deg: 30 deg at 5 deg/s with 1 s ramps = 7 s
    assert m.pointing(T0 + 6.9).state is MountState.SLEWING
    arrived = m.pointing(T0 + 7.1)
    assert arrived.state is MountState.TRACKING
    assert (arrived.ra_deg, arrived.dec_deg) == pytest.approx((ra, -10.0))
    later = m.pointing(T0 + 3600)
    assert later.ra_deg == pytest.approx(ra)  # tracking: RA holds, hour angle grows
    assert later.ha_deg == pytest.approx(wrap180(30.0 + 3600 * 360.98564736629 / 86400), abs=1e-6)


def test_goto_below_the_horizon_is_refused() -> None:
    m = mount(horizon_deg=20.0)
    target_at_hour_angle(m, 80.0, 0.0)  # altitude ~8.5 deg
    assert m.goto(T0) is GotoResult.BELOW_HORIZON
    assert m.pointing(T0 + 10).state is MountState.PARKED


def test_goto_while_parking_is_busy() -> None:
    m = mount()
    target_at_hour_angle(m, 40.0, 0.0)
    m.goto(T0)
    m.park(T0 + 20)
    assert m.goto(T0 + 21) is GotoResult.BUSY


def test_abort_brakes_and_keeps_tracking() -> None:
    m = mount(slew_rate=5.0, acceleration=5.0)
    ra = target_at_hour_angle(m, 60.0, -29.2567)
    m.goto(T0)
    m.abort(T0 + 5)  # at 5 deg/s, 4.5 + ... deg into a 60 deg slew
    assert m.pointing(T0 + 5.5).state is MountState.TRACKING
    at_stop = m.pointing(T0 + 6)
    assert abs(wrap180(at_stop.ra_deg - ra)) > 30
    assert m.pointing(T0 + 600).ra_deg == pytest.approx(at_stop.ra_deg)


def test_park_slews_to_the_park_position_and_stops_tracking() -> None:
    m = mount(park_ha_deg=-90.0, park_dec_deg=0.0)
    target_at_hour_angle(m, 45.0, 10.0)
    m.goto(T0)
    m.park(T0 + 100)
    assert m.pointing(T0 + 101).state is MountState.PARKING
    parked = m.pointing(T0 + 200)
    assert parked.state is MountState.PARKED
    assert (parked.ha_deg, parked.dec_deg) == pytest.approx((-90.0, 0.0))
    assert m.pointing(T0 + 900).ha_deg == pytest.approx(-90.0)  # not tracking: the sky moves on


def test_aborted_park_is_stopped() -> None:
    m = mount()
    target_at_hour_angle(m, 60.0, 0.0)
    m.goto(T0)
    m.park(T0 + 100)
    m.abort(T0 + 101)
    assert m.pointing(T0 + 110).state is MountState.STOPPED


def test_sync_declares_the_target_as_the_position() -> None:
    m = mount()
    ra = target_at_hour_angle(m, 10.0, -50.0)
    m.sync(T0)
    pointing = m.pointing(T0 + 1)
    assert pointing.state is MountState.TRACKING
    assert (pointing.ra_deg, pointing.dec_deg) == pytest.approx((ra, -50.0))


def test_goto_takes_the_short_way_round_in_right_ascension() -> None:
    m = Mount(T0, Site(0.0, wrap180(-gmst_deg(T0))))  # sidereal time 0 at T0: RA 350 and 10 both up
    m.set_target(350.0, 0.0)
    m.sync(T0)
    m.set_target(10.0, 0.0)
    assert m.goto(T0) is GotoResult.SLEWING
    assert m.pointing(T0 + 10).ra_deg == pytest.approx(10.0)  # 20 deg: 5 s, not 340 deg


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"slew_rate": 0.0}, id="rate-zero"),
        pytest.param({"acceleration": -1.0}, id="acceleration-negative"),
        pytest.param({"horizon_deg": 95.0}, id="horizon-above-zenith"),
        pytest.param({"park_dec_deg": 100.0}, id="park-beyond-pole"),
    ],
)
def test_impossible_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(MountConfigError):
        mount(**kwargs)


def test_site_out_of_range_is_refused() -> None:
    with pytest.raises(MountConfigError):
        Site(95.0, 0.0)


def test_tracking_stops_when_the_target_sets() -> None:
    m = mount()
    rate = 360.98564736629 / 86400
    target_at_hour_angle(m, 90.0 - 100 * rate, 0.0)  # sets (altitude 0) 100 s from now
    m.sync(T0)
    assert m.limit_at == pytest.approx(T0 + 100)
    assert m.pointing(T0 + 99.9).state is MountState.TRACKING
    stopped = m.pointing(T0 + 100.1)
    assert stopped.state is MountState.STOPPED
    assert stopped.alt_deg == pytest.approx(0.0, abs=1e-6)
    assert m.pointing(T0 + 3600).alt_deg == pytest.approx(0.0, abs=1e-6)  # not tracking: the axes hold


def test_circumpolar_target_tracks_forever() -> None:
    m = mount()
    target_at_hour_angle(m, 0.0, -80.0)  # 19 deg from the south pole at latitude -29
    m.sync(T0)
    assert m.limit_at is None
    assert m.pointing(T0 + 86400).state is MountState.TRACKING


def test_target_that_sets_during_the_slew_stops_on_arrival() -> None:
    m = mount(slew_rate=1.0, acceleration=1.0)
    target_at_hour_angle(m, 89.9, 0.0)  # above the horizon now, below it after a slow 90 deg slew
    assert m.goto(T0) is GotoResult.SLEWING
    arrival = max(m.axis1.end, m.axis2.end)
    assert m.pointing(arrival + 0.01).state is MountState.STOPPED


def test_german_mount_points_east_targets_from_the_other_side_of_the_pier() -> None:
    m = mount(german=True)  # type: ignore[arg-type]
    ra = target_at_hour_angle(m, -30.0, -20.0)
    m.goto(T0)
    arrived = m.pointing(T0 + 100)
    assert arrived.state is MountState.TRACKING and arrived.flipped
    assert (arrived.ra_deg, arrived.dec_deg) == pytest.approx((ra, -20.0))
    assert m.axis2.at(T0 + 100)[0] == pytest.approx(-180.0 + 20.0)  # through the south pole (southern site)
    ra_west = target_at_hour_angle(m, 30.0, -20.0, at=T0 + 100)
    m.goto(T0 + 100)
    back = m.pointing(T0 + 200)
    assert not back.flipped and (back.ra_deg, back.dec_deg) == pytest.approx((ra_west, -20.0))


def test_meridian_flip_travels_through_the_pole_and_takes_longer() -> None:
    def slew_time(german: bool) -> tuple[float, float]:
        m = mount(german=german)  # type: ignore[arg-type]
        target_at_hour_angle(m, 10.0, -20.0)
        m.goto(T0)
        start = T0 + 100
        target_at_hour_angle(m, -10.0, -20.0, at=start)
        m.goto(start)
        end = max(m.axis1.end, m.axis2.end)
        middle = m.pointing((start + end) / 2)
        return end - start, middle.dec_deg

    fork_time, fork_middle_dec = slew_time(False)
    german_time, german_middle_dec = slew_time(True)
    assert fork_time == pytest.approx(5.0, abs=0.5)  # 20 deg of hour angle at 5 deg/s, 1 s ramps
    assert german_time > 4 * fork_time  # 160 deg on the hour-angle axis, 140 on the declination axis
    assert fork_middle_dec == pytest.approx(-20.0)
    assert german_middle_dec < -80.0  # over the south celestial pole


def test_german_mount_stops_tracking_at_the_meridian_limit() -> None:
    m = mount(german=True, meridian_limit_deg=0.5)  # type: ignore[arg-type]
    rate = 360.98564736629 / 86400
    target_at_hour_angle(m, -0.1, -60.0)  # just east of the meridian: flipped side
    m.sync(T0)
    assert m.pointing(T0).flipped
    assert m.limit_at == pytest.approx(T0 + 0.6 / rate)
    assert m.pointing(T0 + 0.6 / rate - 1).state is MountState.TRACKING
    stopped = m.pointing(T0 + 0.6 / rate + 1)
    assert stopped.state is MountState.STOPPED and stopped.ha_deg == pytest.approx(0.5)


def test_fork_mount_tracks_through_the_meridian() -> None:
    m = mount()
    target_at_hour_angle(m, -0.1, -60.0)
    m.sync(T0)
    assert not m.pointing(T0).flipped
    assert m.pointing(T0 + 3600).state is MountState.TRACKING


def test_meridian_limit_out_of_range_is_refused() -> None:
    with pytest.raises(MountConfigError):
        mount(german=True, meridian_limit_deg=100.0)  # type: ignore[arg-type]
