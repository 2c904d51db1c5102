"""A planning process: one JSON job per line on stdin, one JSON answer per line on stdout.

``python -m scheduler.planner.worker`` is started by the scheduler agent (``scheduler.replan``) so
that planning 10,000 requests never holds the agent process's GIL. Pure: no Django. A job::

    {"site": {name, latitude, longitude, elevation}, "config": {twilight, slew_rate, settle_time,
     time_step}, "now": ISO, "rows": [[id, name, ra, dec, duration, priority, min_altitude,
     earliest, latest, max_airmass, min_moon_separation], ...], "busy": [[row, start, end], ...]}

The answer: ``{"ok": {"day", "night": [start, end] | null, "slots": [[id, start, end], ...],
"considered": n, "ms": t}}`` (busy slots included) or ``{"error": text}``.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from .exceptions import PlannerError
from .night import coming_night
from .planner import plan
from .types import PlannerConfig, Request, Site, Slot


def _time(value: str | datetime | None) -> datetime | None:
    """An ISO time; one without a zone is UTC (SQLite's text)."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def request_of(row: Sequence[Any]) -> Request:
    pk, name, ra, dec, duration, priority, min_alt, earliest, latest, airmass, moon = row
    return Request(
        name,
        ra=ra,
        dec=dec,
        duration=duration,
        priority=int(priority),
        min_altitude=min_alt,
        earliest=_time(earliest),
        latest=_time(latest),
        max_airmass=airmass,
        min_moon_separation=moon,
        id=pk,
    )


def handle(job: dict[str, Any]) -> dict[str, Any]:
    t0 = time.perf_counter()
    site, config = Site(**job["site"]), PlannerConfig(**job["config"])
    now = datetime.fromisoformat(job["now"])
    day, bounds = coming_night(site, now, config.twilight)
    requests = [request_of(row) for row in job["rows"]]
    busy = [Slot(request_of(row), datetime.fromisoformat(s), datetime.fromisoformat(e)) for row, s, e in job["busy"]]
    if bounds is None:
        result = plan(requests, site, config, day=day)
    else:
        result = plan(requests, site, config, night=bounds, start=now, busy=busy)
        result.slots = sorted([*busy, *result.slots], key=lambda s: s.start)
    return {
        "day": day.isoformat(),
        "night": None if bounds is None else [bounds[0].isoformat(), bounds[1].isoformat()],
        "slots": [[s.request.id, s.start.isoformat(), s.end.isoformat()] for s in result.slots],
        "considered": len(requests) + len(busy),
        "ms": (time.perf_counter() - t0) * 1000.0,
    }


def main() -> int:
    # Ctrl-C reaches the whole process group: the agent stops this process (end of input), not the key.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for line in sys.stdin.buffer:
        try:
            answer: dict[str, Any] = {"ok": handle(json.loads(line))}
        except (PlannerError, ValueError, KeyError, TypeError) as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
