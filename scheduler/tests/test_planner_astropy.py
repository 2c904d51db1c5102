"""Independent check of generated plans with astropy's own AltAz transform (not the planner's code).

Every slot is checked at its start, middle and end: the target's altitude >= its minimum, the Sun's
altitude <= the twilight limit, inside its window, and no two slots overlap (with their slew).
"""

from __future__ import annotations

from datetime import date, timedelta

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, EarthLocation, SkyCoord, get_body
from astropy.time import Time

from scheduler.planner import PlannerConfig, Request, Site, plan


def _requests(seed: int, n: int, night_start: object) -> list[Request]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        kw: dict[str, object] = {}
        if rng.random() < 0.3:  # a window somewhere in the night
            earliest = night_start + timedelta(seconds=float(rng.uniform(-3600, 8 * 3600)))  # type: ignore[operator]
            kw = {"earliest": earliest, "latest": earliest + timedelta(seconds=float(rng.uniform(3600, 4 * 3600)))}
        out.append(
            Request(
                f"gen{seed}-{i}",
                ra=float(rng.uniform(0, 360)),
                dec=float(np.degrees(np.arcsin(rng.uniform(-1, 1)))),
                duration=float(rng.choice([120, 300, 600, 900, 1800, 3600])),
                priority=int(rng.integers(1, 10)),
                min_altitude=float(rng.uniform(10, 70)),
                **kw,  # type: ignore[arg-type]
            )
        )
    return out


@pytest.mark.parametrize(
    ("site", "day", "twilight", "seed"),
    [
        pytest.param(Site("La Silla", -29.2563, -70.7380, 2400), date(2026, 12, 15), -12.0, 1, id="la-silla-december"),
        pytest.param(Site("La Palma", 28.7606, -17.8816, 2326), date(2027, 3, 2), -18.0, 2, id="la-palma-march"),
        pytest.param(Site("Siding Spring", -31.2733, 149.0644, 1165), date(2027, 6, 20), -12.0, 3, id="east-june"),
    ],
)
def test_every_slot_checks_out_with_astropy_altaz(site: Site, day: date, twilight: float, seed: int) -> None:
    config = PlannerConfig(twilight=twilight, slew_rate=1.5, settle_time=15.0)
    first = plan([], site, config, day=day)
    assert first.night_start is not None
    requests = _requests(seed, 400, first.night_start)
    result = plan(requests, site, config, day=day)
    assert len(result.slots) >= 10
    assert len(result.slots) + len(result.unscheduled) == len(requests)

    times, ra, dec, minimum = [], [], [], []
    for slot in result.slots:
        r = slot.request
        assert result.night_start <= slot.start < slot.end <= result.night_end
        assert r.earliest is None or slot.start >= r.earliest
        assert r.latest is None or slot.end <= r.latest
        assert slot.end - slot.start == timedelta(seconds=r.duration)
        for when in (slot.start, slot.start + (slot.end - slot.start) / 2, slot.end):
            times.append(when)
            ra.append(r.ra)
            dec.append(r.dec)
            minimum.append(r.min_altitude)
    location = EarthLocation.from_geodetic(site.longitude * u.deg, site.latitude * u.deg, site.elevation * u.m)
    frame = AltAz(obstime=Time(times), location=location)
    altitude = SkyCoord(ra=ra * u.deg, dec=dec * u.deg).transform_to(frame).alt.deg
    sun = get_body("sun", Time(times), location).transform_to(frame).alt.deg
    assert np.all(altitude >= np.array(minimum)), float(np.min(altitude - np.array(minimum)))
    assert np.all(sun <= twilight), float(np.max(sun))

    placed = [s.request for s in result.slots]
    targets = SkyCoord(ra=[r.ra for r in placed] * u.deg, dec=[r.dec for r in placed] * u.deg)
    for k, (a, b) in enumerate(zip(result.slots, result.slots[1:], strict=False)):
        slew = targets[k].separation(targets[k + 1]).deg / config.slew_rate + config.settle_time
        assert (b.start - a.end).total_seconds() >= slew - 1e-3, (a, b)


def test_priorities_come_first_when_the_night_is_oversubscribed() -> None:
    site = Site("La Silla", -29.2563, -70.7380, 2400)
    night = plan([], site, day=date(2026, 12, 15))
    requests = _requests(9, 600, night.night_start)
    result = plan(requests, site, day=date(2026, 12, 15))
    assert len(result.unscheduled) > 0
    share = {p: 0 for p in range(1, 10)}
    total = {p: 0 for p in range(1, 10)}
    for r in requests:
        total[r.priority] += 1
    for s in result.slots:
        share[s.request.priority] += 1
    # The top priorities get a larger share of their requests placed than the bottom ones.
    assert share[1] / total[1] > share[9] / total[9]
