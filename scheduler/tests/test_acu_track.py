"""The ACU's program-track computation: (RA, Dec) -> (azimuth, elevation) agrees with astropy's AltAz,
goes back to (RA, Dec), unwraps into the ACU's azimuth range, and hands out tables that continue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord
from astropy.time import Time

from scheduler.acu import AcuCallerError, Tracker
from scheduler.acu.track import from_mjd, mjd, radec, unwrap
from scheduler.planner.astro import location
from scheduler.planner.types import Site

SITE = Site("SRT", 39.4930, 9.2451, 600.0)
WHEN = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ra", "dec"),
    [
        pytest.param(83.633, 22.014, id="crab"),
        pytest.param(187.706, 12.391, id="m87"),
        pytest.param(10.0, 85.0, id="near-the-pole"),
        pytest.param(300.0, -20.0, id="south"),
    ],
)
def test_table_agrees_with_astropy_altaz(ra: float, dec: float) -> None:
    tracker = Tracker(ra, dec, SITE, WHEN, 60.0)
    seconds = np.array([0.0, 600.0, 3600.0])
    azimuth, elevation = tracker.at(seconds)
    frame = AltAz(obstime=Time([WHEN + timedelta(seconds=float(s)) for s in seconds]), location=location(SITE))
    truth = SkyCoord(ra=ra * u.deg, dec=dec * u.deg).transform_to(frame)
    assert np.allclose(elevation, truth.alt.deg, atol=0.003)
    d_az = (azimuth - truth.az.deg + 180.0) % 360.0 - 180.0
    assert np.all(np.abs(d_az * np.cos(np.radians(elevation))) < 0.003)


def test_radec_inverts_the_table() -> None:
    tracker = Tracker(83.633, 22.014, SITE, WHEN, 1.0)
    azimuth, elevation = tracker.at(np.array([0.0]))
    ra, dec = radec(float(azimuth[0]), float(elevation[0]), WHEN, SITE)
    assert (ra, dec) == pytest.approx((83.633, 22.014), abs=1e-3)


@pytest.mark.parametrize(
    ("azimuths", "near", "first"),
    [
        pytest.param([10.0, 12.0], 0.0, 10.0, id="as-is"),
        pytest.param([350.0, 352.0], 0.0, -10.0, id="the-turn-below"),
        pytest.param([10.0, 12.0], 370.0, 370.0, id="the-turn-above"),
        pytest.param([359.0, 1.0, 3.0], 360.0, 359.0, id="continuous-across-north"),
        pytest.param([80.0, 90.0], 440.0, 440.0, id="nearest-in-range"),
        pytest.param([100.0, 110.0], 440.0, 100.0, id="the-far-turn-when-the-near-one-is-out"),
    ],
)
def test_unwrap(azimuths: list[float], near: float, first: float) -> None:
    run = unwrap(np.array(azimuths), near)
    assert run[0] == pytest.approx(first)
    assert np.all(np.abs(np.diff(run)) < 180.0)


def test_points_continue_and_refuse_a_target_below_the_limit() -> None:
    tracker = Tracker(83.633, 22.014, SITE, WHEN, 0.5)
    first = tracker.next_points(5, near=180.0)
    more = tracker.next_points(3, near=0.0)  # later calls continue the run, whatever `near`
    assert [p[0] for p in first + more] == [0, 500, 1000, 1500, 2000, 2500, 3000, 3500]
    assert abs(more[0][1] - first[-1][1]) < 0.1
    assert tracker.until(1.0) == pytest.approx(2.5)
    down = Tracker(83.633, -80.0, SITE, WHEN, 1.0)  # never rises at latitude 39
    with pytest.raises(AcuCallerError, match="elevation"):
        down.next_points(5, near=180.0)
    with pytest.raises(AcuCallerError, match="no such target"):
        Tracker(83.0, 95.0, SITE, WHEN, 1.0)


def test_mjd_round_trip() -> None:
    assert mjd(datetime(1858, 11, 17, tzinfo=UTC)) == 0.0
    assert mjd(WHEN) == pytest.approx(61376.916666, abs=1e-6)
    assert abs(from_mjd(mjd(WHEN)) - WHEN) < timedelta(microseconds=10)
