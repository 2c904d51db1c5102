"""The night drawn server-side as SVG: a timeline of the slots and the altitude of each scheduled
target over the night (like astroplan's ``plot_altitude``), its slot drawn bold. No Django here."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

import numpy as np

from .planner import Site
from .planner.astro import altitude_curves

WIDTH, LEFT, RIGHT = 960, 50, 20
TIMELINE_TOP, TIMELINE_H = 30, 36
PLOT_TOP, PLOT_H = 100, 260
HEIGHT = PLOT_TOP + PLOT_H + 40
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4")


def _parse(value: str | None) -> datetime | None:
    return None if not value else datetime.fromisoformat(value.replace("Z", "+00:00"))


def render(view: dict[str, Any] | None) -> str:
    """An SVG document of a schedule view (``store.schedule_view``); a short note when there is none."""
    start = _parse(view.get("night_start")) if view else None
    end = _parse(view.get("night_end")) if view else None
    if view is None or start is None or end is None:
        return _svg('<text x="20" y="40" class="empty">No night planned yet.</text>')
    span = max(1.0, (end - start).total_seconds())

    def x(when: datetime | float) -> float:
        seconds = when if isinstance(when, float) else (when - start).total_seconds()
        return LEFT + (WIDTH - LEFT - RIGHT) * min(max(seconds / span, 0.0), 1.0)

    parts = [_axes(start, end, x)]
    slots = view.get("slots", [])
    site = view.get("site") or {}
    curves = _curves(slots, start, end, site)
    for n, slot in enumerate(slots):
        colour = COLOURS[n % len(COLOURS)]
        s, e = _parse(slot["start"]), _parse(slot["end"])
        if s is None or e is None:
            continue
        name = escape(str(slot["name"]))
        parts.append(
            f'<rect class="slot" data-name="{name}" x="{x(s):.1f}" y="{TIMELINE_TOP}" '
            f'width="{max(1.0, x(e) - x(s)):.1f}" height="{TIMELINE_H}" fill="{colour}">'
            f"<title>{name} {slot['start']} - {slot['end']} (p{slot.get('priority', '')})</title></rect>"
        )
        if curves is not None:
            seconds, alt = curves
            parts.append(_polyline(seconds, alt[n], x, colour, "curve", name, 1.2, None))
            inside = (seconds >= (s - start).total_seconds()) & (seconds <= (e - start).total_seconds())
            parts.append(_polyline(seconds, alt[n], x, colour, "observed", name, 3.5, inside))
    return _svg("".join(parts))


def _curves(slots: list[dict[str, Any]], start: datetime, end: datetime, site: dict[str, Any]) -> Any:
    if not slots or "latitude" not in site:
        return None
    where = Site(str(site.get("name", "")), site["latitude"], site["longitude"], site.get("elevation", 0.0))
    ra = np.array([float(s["ra"]) for s in slots])
    dec = np.array([float(s["dec"]) for s in slots])
    return altitude_curves(ra, dec, start, end, where, step=120.0)


def _y(altitude: float) -> float:
    return PLOT_TOP + PLOT_H * (1.0 - min(max(altitude, 0.0), 90.0) / 90.0)


def _polyline(
    seconds: np.ndarray, alt: np.ndarray, x: Any, colour: str, cls: str, name: str, width: float, mask: Any
) -> str:
    keep = np.ones(len(seconds), bool) if mask is None else mask
    points = " ".join(f"{x(float(t)):.1f},{_y(float(a)):.1f}" for t, a in zip(seconds[keep], alt[keep], strict=True))
    if not points:
        return ""
    return (
        f'<polyline class="{cls}" data-name="{name}" points="{points}" fill="none" '
        f'stroke="{colour}" stroke-width="{width}"/>'
    )


def _axes(start: datetime, end: datetime, x: Any) -> str:
    out = [f'<text x="{LEFT}" y="20" class="title">Night {start:%Y-%m-%d %H:%M} - {end:%H:%M} UTC</text>']
    out.append(
        f'<rect x="{LEFT}" y="{TIMELINE_TOP}" width="{WIDTH - LEFT - RIGHT}" height="{TIMELINE_H}" '
        'fill="#f4f4f4" stroke="#999"/>'
    )
    for alt in (0, 30, 60, 90):
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_y(alt):.1f}" y2="{_y(alt):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{_y(alt) + 4:.1f}" text-anchor="end">{alt}°</text>')
    hour = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while hour < end:
        px = x(hour)
        out.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TIMELINE_TOP}" y2="{PLOT_TOP + PLOT_H}" stroke="#eee"/>')
        out.append(f'<text x="{px:.1f}" y="{PLOT_TOP + PLOT_H + 16}" text-anchor="middle">{hour:%H}h</text>')
        hour += timedelta(hours=1)
    out.append(f'<text x="{LEFT}" y="{PLOT_TOP - 8}">altitude (deg) of the scheduled targets</text>')
    return "".join(out)


def _svg(body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="night" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="11">{body}</svg>'
    )
