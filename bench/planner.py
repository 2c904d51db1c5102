"""Night planning time for 100, 1,000 and 10,000 requests: scheduler.planner vs astroplan 0.10.1.

Same requests, same night (La Silla, the night of 2026-12-15, Sun under -12 deg), same grid (60 s),
same slew rate (2 deg/s, no settle time: astroplan's Transitioner has none) in the same run.
astroplan's ``PriorityScheduler`` runs in a child process that is stopped after 5 minutes.
Both are timed warm (astropy imported and its IERS tables loaded once before); our first, cold
call is shown too. Quality: scheduled requests and priority-weighted time, the sum over scheduled
requests of duration x (10 - priority). Run: ``.venv/bin/python bench/run.py planner``.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

SITE = ("La Silla", -29.2563, -70.7380, 2400.0)
DAY = date(2026, 12, 15)
SIZES = (100, 1000, 10000)
ASTROPLAN_LIMIT = 300.0  # seconds
STEP = 60.0
SLEW_RATE = 2.0


def make_requests(n: int, night: tuple[datetime, datetime], seed: int = 14) -> list[dict[str, Any]]:
    """Targets over the sky that rises at the site, 5-30 min, priorities 1-9, 20% with a 2-4 h window."""
    rng = np.random.default_rng(seed + n)
    out = []
    for i in range(n):
        item: dict[str, Any] = {
            "name": f"r{i}",
            "ra": float(rng.uniform(0, 360)),
            "dec": float(np.degrees(np.arcsin(rng.uniform(-1, 0.5)))),
            "duration": float(rng.choice([300, 600, 900, 1200, 1800])),
            "priority": int(rng.integers(1, 10)),
            "min_altitude": float(rng.choice([20, 30, 40])),
        }
        if rng.random() < 0.2:
            earliest = night[0] + timedelta(seconds=float(rng.uniform(0, 6 * 3600)))
            item["earliest"] = earliest
            item["latest"] = earliest + timedelta(seconds=float(rng.uniform(2, 4) * 3600))
        out.append(item)
    return out


def score(slots: list[tuple[int, float]]) -> tuple[int, float]:
    """(requests, priority-weighted hours) of (priority, duration s) pairs."""
    return len(slots), sum(d * (10 - p) for p, d in slots) / 3600.0


def ours(items: list[dict[str, Any]], night: tuple[datetime, datetime]) -> tuple[float, int, float]:
    from scheduler.planner import PlannerConfig, Request, Site, plan

    site = Site(*SITE)
    config = PlannerConfig(twilight=-12.0, slew_rate=SLEW_RATE, settle_time=0.0, time_step=STEP)
    t0 = time.perf_counter()
    requests = [Request(**item) for item in items]
    result = plan(requests, site, config, day=DAY)
    elapsed = time.perf_counter() - t0
    assert (result.night_start, result.night_end) == night
    n, weighted = score([(s.request.priority, s.request.duration) for s in result.slots])
    return elapsed, n, weighted


def _astroplan_child(items: list[dict[str, Any]], night: tuple[datetime, datetime], out: Any) -> None:
    import astropy.units as u
    from astroplan import FixedTarget, Observer, ObservingBlock, PriorityScheduler, Schedule, Transitioner
    from astroplan.constraints import AltitudeConstraint, AtNightConstraint, TimeConstraint
    from astropy.coordinates import EarthLocation, SkyCoord
    from astropy.time import Time
    from astropy.utils import iers

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    location = EarthLocation.from_geodetic(SITE[2] * u.deg, SITE[1] * u.deg, SITE[3] * u.m)
    observer = Observer(location=location, name=SITE[0])
    _warm_up(observer, night)
    t0 = time.perf_counter()
    blocks = []
    for item in items:
        target = FixedTarget(SkyCoord(item["ra"] * u.deg, item["dec"] * u.deg), name=item["name"])
        constraints = [AltitudeConstraint(min=item["min_altitude"] * u.deg)]
        if "earliest" in item:
            constraints.append(TimeConstraint(Time(item["earliest"]), Time(item["latest"])))
        blocks.append(ObservingBlock(target, item["duration"] * u.s, item["priority"], constraints=constraints))
    scheduler = PriorityScheduler(
        constraints=[AtNightConstraint(max_solar_altitude=-12 * u.deg)],
        observer=observer,
        transitioner=Transitioner(slew_rate=SLEW_RATE * u.deg / u.s),
        time_resolution=STEP * u.s,
    )
    schedule = Schedule(Time(night[0]), Time(night[1]))
    scheduler(blocks, schedule)
    elapsed = time.perf_counter() - t0
    placed = [(int(b.priority), float(b.duration.to_value(u.s))) for b in schedule.observing_blocks]
    out.put((elapsed, *score(placed)))


def _warm_up(observer: Any, night: tuple[datetime, datetime]) -> None:
    from astropy.coordinates import SkyCoord
    from astropy.time import Time

    observer.altaz(Time(night[0]), SkyCoord(10, -30, unit="deg"))


def astroplan(items: list[dict[str, Any]], night: tuple[datetime, datetime]) -> tuple[float, int, float] | None:
    """astroplan's (seconds, requests, weighted hours), or None when it runs past the limit."""
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    child = ctx.Process(target=_astroplan_child, args=(items, night, results), daemon=True)
    child.start()
    deadline = time.monotonic() + ASTROPLAN_LIMIT + 30  # + its start and warm-up
    try:
        while time.monotonic() < deadline:
            try:
                return results.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the astroplan process died (exit code {child.exitcode})") from None
        return None
    finally:
        child.terminate()
        child.join(10)


def _row(*cells: object) -> str:
    widths = (6, 10, 10, 8, 20, 22)
    return "  ".join(f"{c!s:>{w}}" for c, w in zip(cells, widths, strict=True))


def main() -> None:
    import django

    django.setup()
    from scheduler.planner import Site, night_of

    t0 = time.perf_counter()
    night = night_of(Site(*SITE), DAY, -12.0)
    print(f"first night_of (astropy cold: import + IERS tables): {time.perf_counter() - t0:.2f} s")
    assert night is not None
    print(f"night of {DAY} at {SITE[0]}: {night[0]:%H:%M:%S} - {night[1]:%H:%M:%S} UTC, grid {STEP:g} s")
    print(_row("N", "ours", "astroplan", "ratio", "requests ours / ap", "weighted h ours / ap"))
    astroplan_done = True
    for n in SIZES:
        items = make_requests(n, night)
        ours(items, night)  # warm (the first night_of above warmed astropy; this one the numpy paths)
        mine = min((ours(items, night) for _ in range(3)), key=lambda r: r[0])
        theirs = astroplan(items, night) if astroplan_done else None
        if theirs is None:
            note = f"(astroplan stopped after {ASTROPLAN_LIMIT:.0f} s)" if astroplan_done else "(astroplan skipped)"
            astroplan_done = False
            print(_row(n, f"{mine[0]:.3f} s", "> 5 min", "-", f"{mine[1]} / -", f"{mine[2]:.1f} / -"), note)
            continue
        print(
            _row(
                n,
                f"{mine[0]:.3f} s",
                f"{theirs[0]:.2f} s",
                f"{mine[0] / theirs[0]:.4f}",
                f"{mine[1]} / {theirs[1]}",
                f"{mine[2]:.2f} / {theirs[2]:.2f}",
            )
        )
    print(f"(run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    import os
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    os.environ.setdefault("PYROS_AGENTS_AUTOSTART", "0")
    main()
