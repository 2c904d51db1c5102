"""Place requests in one night: highest priority first, each at its earliest feasible start.

Starts are on the grid (``config.time_step``); a request takes ``ceil(duration / step)`` cells,
all inside its window, free, and with its sky constraints holding (``visibility.cell_ok``). The
gaps before and after it must hold the slews from the previous slot's target and to the next one's
(great-circle distance / slew rate + settle time). Order: priority, then least slack (feasible
cells beyond the needed ones), then input order: deterministic for the same input. A request that
fits nowhere is left out and the later ones fill the gaps.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from . import astro, visibility
from .exceptions import InvalidSite
from .night import night_of
from .types import Plan, PlannerConfig, Request, Site, Slot


@dataclass
class _Timeline:
    """Placed slots in start order, as grid seconds and target unit vectors."""

    rate: float
    settle: float
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    units: list[np.ndarray] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)

    def slew(self, a: np.ndarray, b: np.ndarray) -> float:
        angle = math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b)))))
        return angle / self.rate + self.settle

    def fits(self, start: float, end: float, unit: np.ndarray) -> bool:
        i = bisect.bisect_left(self.starts, start)
        if i > 0 and self.ends[i - 1] + self.slew(self.units[i - 1], unit) > start + 1e-6:
            return False
        return not (i < len(self.starts) and end + self.slew(unit, self.units[i]) > self.starts[i] + 1e-6)

    def add(self, start: float, end: float, unit: np.ndarray, owner: int) -> None:
        i = bisect.bisect_left(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.units.insert(i, unit)
        self.owners.insert(i, owner)


def plan(
    requests: Sequence[Request],
    site: Site,
    config: PlannerConfig | None = None,
    *,
    day: date | None = None,
    night: tuple[datetime, datetime] | None = None,
    start: datetime | None = None,
    busy: Sequence[Slot] = (),
) -> Plan:
    """Plan the night of ``day`` (or the given ``night`` bounds) from ``start`` (default: its start).

    ``busy`` slots (e.g. the one being observed) are kept as they are; the others plan around them.
    """
    config = config or PlannerConfig()
    if night is None:
        if day is None:
            raise InvalidSite("plan() needs the night's date or its bounds")
        night = night_of(site, day, config.twilight)
    result = Plan(site, config, *(night or (None, None)))
    if night is None:
        result.unscheduled = list(requests)
        return result
    begin = night[0] if start is None else max(night[0], start)
    if begin >= night[1]:
        result.unscheduled = list(requests)
        return result
    grid = visibility.Grid(begin, (night[1] - begin).total_seconds(), config.time_step)
    placed = _place(list(requests), grid, site, config, busy)
    result.slots = [Slot(requests[i], grid.at(s), grid.at(e)) for i, s, e in placed]
    chosen = {i for i, _, _ in placed}
    result.unscheduled = [r for i, r in enumerate(requests) if i not in chosen]
    return result


def _place(
    requests: list[Request], grid: visibility.Grid, site: Site, config: PlannerConfig, busy: Sequence[Slot]
) -> list[tuple[int, float, float]]:
    if not requests:
        return []
    tg = visibility.targets(requests, grid, grid.span)
    moon = visibility.moon_separation(tg, grid, site, ~np.isnan(tg.moon_min))
    ok = visibility.cell_ok(tg, grid, astro.era(grid.start), site, moon)
    points = grid.points
    n_cells = len(points) - 1
    need = np.ceil(tg.duration / config.time_step - 1e-9).astype(int)
    slack = ok.sum(axis=1) - need
    order = np.lexsort((np.arange(len(requests)), slack, [r.priority for r in requests]))
    timeline = _Timeline(config.slew_rate, config.settle_time)
    free = np.ones(n_cells, dtype=bool)
    for slot in busy:
        s, e = grid.seconds(slot.start), grid.seconds(slot.end)
        unit = astro.unit_vectors(np.radians(slot.request.ra), np.radians(slot.request.dec))
        timeline.add(s, e, unit, -1)
        free[max(0, math.floor(s / config.time_step)) : max(0, math.ceil(e / config.time_step))] = False
    placed: list[tuple[int, float, float]] = []
    for i in order:
        k = int(need[i])
        if slack[i] < 0 or k > n_cells:
            continue
        start = _first_fit(i, k, ok[i] & free, points, tg, timeline)
        if start is None:
            continue
        end = start + float(tg.duration[i])
        timeline.add(start, end, tg.unit[i], int(i))
        free[math.floor(start / config.time_step + 1e-9) : math.ceil(end / config.time_step - 1e-9)] = False
        placed.append((int(i), start, end))
    placed.sort(key=lambda p: p[1])
    return placed


def _first_fit(
    i: int, k: int, usable: np.ndarray, points: np.ndarray, tg: visibility.Targets, timeline: _Timeline
) -> float | None:
    """The earliest grid start of ``k`` usable cells inside the window that leaves room for the slews."""
    early = _at_earliest(i, usable, points, tg, timeline)
    if early is not None:
        return early
    counts = np.concatenate(([0], np.cumsum(usable)))
    runs = counts[k:] - counts[:-k] == k  # runs[j]: cells j .. j+k-1 all usable
    starts = points[: len(runs)]
    ends = starts + tg.duration[i]
    runs &= (starts >= tg.earliest[i]) & (ends <= tg.latest[i] + 1e-6)
    for j in np.flatnonzero(runs):
        if timeline.fits(float(starts[j]), float(ends[j]), tg.unit[i]):
            return float(starts[j])
    return None


def _at_earliest(
    i: int, usable: np.ndarray, points: np.ndarray, tg: visibility.Targets, timeline: _Timeline
) -> float | None:
    """The window's own start when it falls between grid points (a window as long as the duration)."""
    start = float(tg.earliest[i])
    end = start + float(tg.duration[i])
    step = float(points[1] - points[0]) if len(points) > 1 else 1.0
    if start <= 0.0 or start >= points[-1] or abs(start / step - round(start / step)) < 1e-9:
        return None
    first, last = math.floor(start / step), math.ceil(end / step - 1e-9)
    if end > tg.latest[i] + 1e-6 or last > len(usable) or not usable[first:last].all():
        return None
    return start if timeline.fits(start, end, tg.unit[i]) else None
