"""Place requests in one night: highest priority first, then the lower ones fill the gaps.

Starts are on the grid (``config.time_step``), or at a window's own start; a request takes
``ceil(duration / step)`` cells, all inside its window, free, and with its sky constraints holding
(``visibility.cell_ok``). The gaps before and after it must hold the slews from the previous slot's
target and to the next one's (great-circle distance / slew rate + settle time). A request that
fits nowhere is left out. The greedy pass runs in a few variants (``VARIANTS``) over the same
visibility, and one plan is kept by a fixed rule: deterministic for the same input.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

import scheduler.planner.astro as astro
import scheduler.planner.visibility as visibility

from .exceptions import InvalidSite
from .night import night_of
from .types import Plan, PlannerConfig, Request, Site, Slot


@dataclass
class _Timeline:
    """Placed slots in start order, as grid seconds and target unit vectors."""

    rate: float
    settle: float
    lo: float
    hi: float
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

    def waste(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Best fit: the smaller of the gaps a slot would leave before and after it (slews left out)."""
        if not self.starts:
            return np.minimum(starts - self.lo, self.hi - ends)
        s = np.asarray(self.starts)
        e = np.asarray(self.ends)
        idx = np.searchsorted(s, starts)
        prev_end = np.where(idx > 0, e[np.maximum(idx - 1, 0)], self.lo)
        next_start = np.where(idx < len(s), s[np.minimum(idx, len(s) - 1)], self.hi)
        return np.asarray(np.minimum(starts - prev_end, next_start - ends), dtype=float)

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


# The greedy pass is run in these variants (within a priority: input order or least slack first;
# earliest start or best fit), and the plan kept is the one with the most priority-weighted time
# among those that place at least as many requests as the plain one (input order, earliest start).
VARIANTS: tuple[tuple[str, str], ...] = (("input", "first"), ("slack", "first"), ("slack", "best"), ("input", "best"))


@dataclass
class _Problem:
    tg: visibility.Targets
    ok: np.ndarray  # (requests x cells) sky constraints hold
    need: np.ndarray  # cells per request
    slack: np.ndarray  # feasible cells beyond the needed ones (< 0: never fits)
    priority: np.ndarray
    points: np.ndarray
    step: float


def _place(
    requests: list[Request], grid: visibility.Grid, site: Site, config: PlannerConfig, busy: Sequence[Slot]
) -> list[tuple[int, float, float]]:
    if not requests:
        return []
    tg = visibility.targets(requests, grid, grid.span)
    moon = visibility.moon_separation(tg, grid, site, ~np.isnan(tg.moon_min))
    ok = visibility.cell_ok(tg, grid, astro.era(grid.start), site, moon)
    need = np.ceil(tg.duration / config.time_step - 1e-9).astype(int)
    priority = np.fromiter((r.priority for r in requests), float, len(requests))
    problem = _Problem(tg, ok, need, ok.sum(axis=1) - need, priority, grid.points, config.time_step)
    best: list[tuple[int, float, float]] = []
    best_score = (-1.0, 0)
    baseline = 0
    for n, (order, fit) in enumerate(VARIANTS):
        placed = _greedy(problem, order, fit, _timeline(grid, config, busy))
        weighted = float(sum(tg.duration[i] * max(0.0, 10.0 - priority[i]) for i, _, _ in placed))
        if n == 0:
            baseline = len(placed)
        if len(placed) >= baseline and (weighted, len(placed)) > best_score:
            best, best_score = placed, (weighted, len(placed))
    return sorted(best, key=lambda p: p[1])


def _timeline(grid: visibility.Grid, config: PlannerConfig, busy: Sequence[Slot]) -> _Timeline:
    timeline = _Timeline(config.slew_rate, config.settle_time, 0.0, grid.span)
    for slot in busy:
        unit = astro.unit_vectors(np.radians(slot.request.ra), np.radians(slot.request.dec))
        timeline.add(grid.seconds(slot.start), grid.seconds(slot.end), unit, -1)
    return timeline


def _greedy(problem: _Problem, order_by: str, fit: str, timeline: _Timeline) -> list[tuple[int, float, float]]:
    """Priority first; within a priority by input order or least slack; each at its chosen start."""
    tg, step, n_cells = problem.tg, problem.step, problem.ok.shape[1]
    second = problem.slack if order_by == "slack" else np.zeros(len(problem.need))
    order = np.lexsort((np.arange(len(problem.need)), second, problem.priority))
    free = np.ones(n_cells, dtype=bool)
    for s, e in zip(timeline.starts, timeline.ends, strict=True):
        free[max(0, math.floor(s / step)) : max(0, math.ceil(e / step))] = False
    placed: list[tuple[int, float, float]] = []
    for i in order:
        k = int(problem.need[i])
        if problem.slack[i] < 0 or k > n_cells:
            continue
        start = _fit(int(i), k, problem.ok[i] & free, problem.points, tg, timeline, fit == "best")
        if start is None:
            continue
        end = start + float(tg.duration[i])
        timeline.add(start, end, tg.unit[i], int(i))
        free[math.floor(start / step + 1e-9) : math.ceil(end / step - 1e-9)] = False
        placed.append((int(i), start, end))
    return placed


def _fit(
    i: int, k: int, usable: np.ndarray, points: np.ndarray, tg: visibility.Targets, timeline: _Timeline, best: bool
) -> float | None:
    """A start of ``k`` usable cells inside the window that leaves room for the slews: the earliest
    one, or with ``best`` the one leaving the smallest gap to a neighbour (earliest among equals)."""
    early = _at_earliest(i, usable, points, tg, timeline)
    if early is not None:
        return early
    counts = np.concatenate(([0], np.cumsum(usable)))
    runs = counts[k:] - counts[:-k] == k  # runs[j]: cells j .. j+k-1 all usable
    starts = points[: len(runs)]
    ends = starts + tg.duration[i]
    runs &= (starts >= tg.earliest[i]) & (ends <= tg.latest[i] + 1e-6)
    candidates = np.flatnonzero(runs)
    if len(candidates) == 0:
        return None
    if best:
        candidates = candidates[np.argsort(timeline.waste(starts[candidates], ends[candidates]), kind="stable")]
    for j in candidates:
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
