"""Planner unit tests with hand-checked cases (windows, altitude, twilight, overlap, slews, priority)."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord, get_body
from astropy.time import Time

from scheduler.planner import InvalidRequest, InvalidSite, PlannerConfig, Request, Site, Slot, astro, night_of, plan

LA_SILLA = Site("La Silla", -29.2563, -70.7380, 2400.0)
DAY = date(2026, 12, 15)
NIGHT = night_of(LA_SILLA, DAY, -12.0)


def _altaz(ra: float, dec: float, when: datetime) -> float:
    frame = AltAz(obstime=Time(when), location=astro.location(LA_SILLA))
    return float(SkyCoord(ra=ra * u.deg, dec=dec * u.deg).transform_to(frame).alt.deg)


def _zenith_ra(when: datetime) -> float:
    """The ICRS right ascension on the meridian at ``when`` (to a fraction of a degree)."""
    lst = Time(when).sidereal_time("apparent", longitude=LA_SILLA.longitude * u.deg)
    return float(lst.deg) % 360.0


MID = NIGHT[0] + (NIGHT[1] - NIGHT[0]) / 2
OVERHEAD = _zenith_ra(MID)  # transits near the zenith at mid-night


def _req(name: str, **kw: object) -> Request:
    base: dict[str, object] = {"ra": OVERHEAD, "dec": -29.0, "duration": 1800.0, "priority": 5, "min_altitude": 30.0}
    base.update(kw)
    return Request(name, **base)  # type: ignore[arg-type]


def test_night_bounds_match_astropy_sun() -> None:
    start, end = NIGHT
    assert timedelta(hours=7) < end - start < timedelta(hours=9)  # a December night at -29 deg
    loc = astro.location(LA_SILLA)
    for when, sign in ((start, -1), (end, -1), (start - timedelta(seconds=30), 1), (end + timedelta(seconds=30), 1)):
        sun = get_body("sun", Time(when), loc).transform_to(AltAz(obstime=Time(when), location=loc)).alt.deg
        assert (sun - -12.0) * sign > 0, (when, sun)
        assert abs(sun + 12.0) < 0.2


def test_darker_twilight_gives_a_shorter_night() -> None:
    astronomical = night_of(LA_SILLA, DAY, -18.0)
    assert astronomical is not None and NIGHT is not None
    assert astronomical[0] > NIGHT[0] and astronomical[1] < NIGHT[1]
    result = plan([_req("a", duration=600.0)], LA_SILLA, PlannerConfig(twilight=-18.0), day=DAY)
    assert result.night_start == astronomical[0]
    assert all(astronomical[0] <= s.start and s.end <= astronomical[1] for s in result.slots)


def test_no_night_in_the_polar_summer() -> None:
    svalbard = Site("Svalbard", 78.2, 15.6, 0.0)
    assert night_of(svalbard, date(2026, 6, 21), -12.0) is None
    result = plan([_req("a")], svalbard, day=date(2026, 6, 21))
    assert result.slots == [] and len(result.unscheduled) == 1


def test_altitude_formula_zenith_and_meridian() -> None:
    # On the meridian (hour angle 0) the altitude is 90 - |latitude - dec|.
    for dec in (-29.2563, 0.0, -80.0, 40.0):
        sin_alt = astro.sin_altitude(np.array(1.0), np.radians(dec), 1.0, LA_SILLA.latitude)
        assert math.degrees(math.asin(float(sin_alt))) == pytest.approx(90 - abs(LA_SILLA.latitude - dec), abs=1e-9)


def test_vectorised_altitude_agrees_with_astropy_altaz() -> None:
    rng = np.random.default_rng(7)
    ra, dec = rng.uniform(0, 360, 50), rng.uniform(-90, 60, 50)
    ara, adec = astro.apparent(ra, dec, MID)
    era0 = astro.era(NIGHT[0])
    for offset in (0.0, 3600.0 * 4, 3600.0 * 7.5):
        when = NIGHT[0] + timedelta(seconds=offset)
        local = era0 + astro.ERA_RATE * offset + LA_SILLA.longitude * astro.DEG
        ours = np.degrees(np.arcsin(astro.sin_altitude(ara, adec, local, LA_SILLA.latitude)))
        frame = AltAz(obstime=Time(when), location=astro.location(LA_SILLA))
        theirs = SkyCoord(ra=ra * u.deg, dec=dec * u.deg).transform_to(frame).alt.deg
        assert np.abs(ours - theirs).max() * 3600 < 1.0  # arcsec


def test_never_rising_target_is_left_out() -> None:
    # dec +70 at latitude -29.3: it culminates at 90 - 99.3 < 0 deg.
    result = plan([_req("north", dec=70.0, min_altitude=0.0), _req("ok")], LA_SILLA, day=DAY)
    assert [s.request.name for s in result.slots] == ["ok"]
    assert [r.name for r in result.unscheduled] == ["north"]


def test_min_altitude_holds_over_the_whole_slot() -> None:
    # A target 60 deg east of the meridian at mid-night rises through 50 deg during the night.
    result = plan([_req("rising", ra=(OVERHEAD + 60) % 360, min_altitude=50.0)], LA_SILLA, day=DAY)
    (slot,) = result.slots
    assert _altaz(slot.request.ra, slot.request.dec, slot.start) >= 50.0
    assert _altaz(slot.request.ra, slot.request.dec, slot.start - timedelta(minutes=2)) < 50.0  # earliest fit
    assert _altaz(slot.request.ra, slot.request.dec, slot.end) >= 50.0


def test_max_airmass() -> None:
    result = plan([_req("a", ra=(OVERHEAD + 60) % 360, min_altitude=0.0, max_airmass=1.5)], LA_SILLA, day=DAY)
    (slot,) = result.slots
    assert _altaz(slot.request.ra, slot.request.dec, slot.start) >= math.degrees(math.asin(1 / 1.5))


def test_window_is_respected() -> None:
    earliest = MID - timedelta(minutes=20)
    latest = MID + timedelta(minutes=30)
    result = plan([_req("w", earliest=earliest, latest=latest, duration=1800.0)], LA_SILLA, day=DAY)
    (slot,) = result.slots
    assert earliest <= slot.start and slot.end <= latest
    assert slot.end - slot.start == timedelta(seconds=1800)


def test_window_outside_the_night_is_left_out() -> None:
    noon = datetime(2026, 12, 15, 15, tzinfo=UTC)
    result = plan([_req("day", earliest=noon, latest=noon + timedelta(hours=2))], LA_SILLA, day=DAY)
    assert result.slots == []


def test_priority_takes_the_contested_window() -> None:
    earliest, latest = MID, MID + timedelta(minutes=30)
    low = _req("low", priority=5, earliest=earliest, latest=latest)
    high = _req("high", priority=1, earliest=earliest, latest=latest)
    result = plan([low, high], LA_SILLA, day=DAY)
    assert [s.request.name for s in result.slots] == ["high"]
    assert [r.name for r in result.unscheduled] == ["low"]


def test_gap_filling_by_lower_priorities() -> None:
    high = _req("high", priority=1, earliest=MID, latest=MID + timedelta(hours=1), duration=3600.0)
    fillers = [_req(f"f{i}", priority=9, duration=1200.0) for i in range(4)]
    result = plan([*fillers, high], LA_SILLA, day=DAY)
    names = [s.request.name for s in result.slots]
    assert "high" in names and len(names) == 5
    _assert_no_overlap(result.slots, PlannerConfig())


def test_ties_are_broken_by_slack_then_input_order() -> None:
    wide = _req("wide", duration=600.0)
    narrow = _req("narrow", duration=600.0, earliest=MID, latest=MID + timedelta(minutes=10))
    a, b = _req("a", duration=600.0), _req("b", duration=600.0)
    first = plan([wide, a, b, narrow], LA_SILLA, day=DAY)
    again = plan([wide, a, b, narrow], LA_SILLA, day=DAY)
    assert [(s.request.name, s.start) for s in first.slots] == [(s.request.name, s.start) for s in again.slots]
    by_name = {s.request.name: s for s in first.slots}
    assert by_name["narrow"].start == MID  # the window's start, off the grid
    assert by_name["wide"].start < by_name["a"].start < by_name["b"].start


def test_slew_and_settle_between_consecutive_slots() -> None:
    config = PlannerConfig(slew_rate=0.5, settle_time=30.0, time_step=10.0)
    # Two targets 40 deg apart in declination, on the meridian: slew 80 s + settle 30 s.
    one = _req("one", dec=-29.0, duration=600.0, min_altitude=20.0)
    two = _req("two", dec=-69.0, duration=600.0, min_altitude=20.0)
    result = plan([one, two], LA_SILLA, config, day=DAY)
    first, second = result.slots
    assert (second.start - first.end).total_seconds() >= 80.0 + 30.0
    assert (second.start - first.end).total_seconds() < 80.0 + 30.0 + config.time_step


def test_same_target_needs_only_the_settle_time() -> None:
    config = PlannerConfig(settle_time=20.0, time_step=10.0)
    result = plan([_req("x", duration=600.0), _req("y", duration=600.0)], LA_SILLA, config, day=DAY)
    first, second = result.slots
    assert (second.start - first.end).total_seconds() == pytest.approx(20.0, abs=config.time_step)


def test_busy_slot_is_kept_free_and_replan_starts_now() -> None:
    now = NIGHT[0] + timedelta(hours=2)
    running = Slot(_req("running"), now - timedelta(minutes=10), now + timedelta(minutes=20))
    result = plan([_req(f"r{i}", duration=900.0) for i in range(6)], LA_SILLA, day=DAY, start=now, busy=[running])
    assert result.slots and all(s.start >= now for s in result.slots)
    assert all(s.start >= running.end or s.end <= running.start for s in result.slots)


def test_moon_separation() -> None:
    loc = astro.location(LA_SILLA)
    moon = get_body("moon", Time(MID), loc)  # GCRS (ICRS would be seen from the barycentre)
    near = _req("near", ra=float(moon.ra.deg), dec=float(moon.dec.deg), min_altitude=-90.0, min_moon_separation=20.0)
    free = _req("free", ra=float(moon.ra.deg), dec=float(moon.dec.deg), min_altitude=-90.0, duration=600.0)
    result = plan([near, free], LA_SILLA, day=DAY)
    assert [s.request.name for s in result.slots] == ["free"]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"ra": 360.0}, id="ra-out-of-range"),
        pytest.param({"dec": -91.0}, id="dec-out-of-range"),
        pytest.param({"duration": 0.0}, id="zero-duration"),
        pytest.param({"priority": 0}, id="priority-zero"),
        pytest.param({"priority": 1.5}, id="priority-not-int"),
        pytest.param({"min_altitude": "high"}, id="altitude-not-number"),
        pytest.param({"ra": float("nan")}, id="nan"),
        pytest.param({"max_airmass": 0.5}, id="airmass-under-one"),
        pytest.param({"earliest": datetime(2026, 12, 16)}, id="naive-datetime"),
        pytest.param(
            {"earliest": datetime(2026, 12, 16, 1, tzinfo=UTC), "latest": datetime(2026, 12, 16, 1, 10, tzinfo=UTC)},
            id="window-shorter-than-duration",
        ),
    ],
)
def test_invalid_requests_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        _req("bad", **fields)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: Site("x", 91.0, 0.0), id="latitude"),
        pytest.param(lambda: PlannerConfig(twilight=5.0), id="twilight-above-horizon"),
        pytest.param(lambda: PlannerConfig(slew_rate=0.0), id="slew-rate"),
        pytest.param(lambda: PlannerConfig(time_step=0.1), id="time-step"),
    ],
)
def test_invalid_site_or_config_is_refused(make: object) -> None:
    with pytest.raises(InvalidSite):
        make()  # type: ignore[operator]


def _assert_no_overlap(slots: list[Slot], config: PlannerConfig) -> None:
    for a, b in itertools.pairwise(slots):
        assert a.end <= b.start, (a, b)


def test_kept_variant_is_never_worse_than_the_plain_priority_greedy(monkeypatch: pytest.MonkeyPatch) -> None:
    from scheduler.planner import planner as module

    rng = np.random.default_rng(5)
    requests = [
        _req(
            f"g{i}",
            ra=float(rng.uniform(0, 360)),
            dec=float(rng.uniform(-80, 20)),
            duration=float(rng.choice([300, 900, 1800])),
            priority=int(rng.integers(1, 10)),
        )
        for i in range(300)
    ]

    def score(result: object) -> tuple[int, float]:
        slots = result.slots  # type: ignore[attr-defined]
        return len(slots), sum(s.request.duration * (10 - s.request.priority) for s in slots)

    kept = score(plan(requests, LA_SILLA, day=DAY))
    monkeypatch.setattr(module, "VARIANTS", module.VARIANTS[:1])
    plain = score(plan(requests, LA_SILLA, day=DAY))
    assert kept[0] >= plain[0] and kept[1] >= plain[1]
