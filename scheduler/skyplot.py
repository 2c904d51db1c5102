"""The Telescope panel's sky: where the mount points and where it goes, on an alt-az polar plot drawn
server-side as SVG (zenith in the centre, the horizon as the outer circle, north up, east left as on
the sky seen from below). Pure computation: no Django, no astropy (the IAU 1982 sidereal time is ample
for a picture)."""

from __future__ import annotations

import math
from html import escape

SIZE = 320
CENTRE = SIZE / 2
RADIUS = SIZE / 2 - 24
J2000 = 946728000.0  # 2000-01-01 12:00 UTC, POSIX seconds


def lst_deg(unix_time: float, longitude_deg: float) -> float:
    """Local mean sidereal time (deg) at a POSIX time; longitude east positive."""
    days = (unix_time - J2000) / 86400.0
    centuries = days / 36525.0
    gmst = 280.46061837 + 360.98564736629 * days + 0.000387933 * centuries**2 - centuries**3 / 38710000.0
    return (gmst + longitude_deg) % 360.0


def alt_az(ra_deg: float, dec_deg: float, latitude_deg: float, lst: float) -> tuple[float, float]:
    """Altitude and azimuth (deg, azimuth from north through east) of (RA, Dec) at local sidereal time."""
    ha, dec, lat = math.radians(lst - ra_deg), math.radians(dec_deg), math.radians(latitude_deg)
    sin_alt = math.sin(dec) * math.sin(lat) + math.cos(dec) * math.cos(lat) * math.cos(ha)
    alt = math.asin(max(-1.0, min(1.0, sin_alt)))
    y = -math.cos(dec) * math.sin(ha)
    x = math.sin(dec) * math.cos(lat) - math.cos(dec) * math.sin(lat) * math.cos(ha)
    return math.degrees(alt), math.degrees(math.atan2(y, x)) % 360.0


def xy(alt: float, az: float) -> tuple[float, float]:
    """Plot coordinates: the distance from the centre is the zenith distance; north up, east left."""
    r = RADIUS * (90.0 - max(alt, -10.0)) / 90.0
    return CENTRE - r * math.sin(math.radians(az)), CENTRE - r * math.cos(math.radians(az))


def render(points: list[tuple[str, float, float, str]], latitude: float, longitude: float, now: float) -> str:
    """An SVG of the sky with ``points`` = [(css class, RA, Dec, label)] at POSIX time ``now``."""
    lst = lst_deg(now, longitude)
    parts = [_grid()]
    for cls, ra, dec, label in points:
        alt, az = alt_az(ra, dec, latitude, lst)
        x, y = xy(alt, az)
        title = escape(f"{label}: RA {ra:.3f} Dec {dec:+.3f}, alt {alt:.1f} az {az:.1f}")
        shape = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#d95f02"/>'
            if cls == "mount"
            else f'<path d="M{x - 7:.1f},{y:.1f}h14M{x:.1f},{y - 7:.1f}v14" stroke="#1b9e77" stroke-width="2.5"/>'
        )
        parts.append(
            f'<g class="{cls}" data-alt="{alt:.2f}" data-az="{az:.2f}"><title>{title}</title>{shape}'
            f'<text x="{x + 9:.1f}" y="{y - 6:.1f}">{escape(label)}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="sky" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" font-family="sans-serif" font-size="11">{"".join(parts)}</svg>'
    )


def _grid() -> str:
    out = []
    for alt in (0, 30, 60):
        r = RADIUS * (90 - alt) / 90
        out.append(f'<circle cx="{CENTRE}" cy="{CENTRE}" r="{r:.1f}" fill="none" stroke="#bbb"/>')
        out.append(f'<text x="{CENTRE + 3}" y="{CENTRE - r + 12:.1f}" fill="#888">{alt}°</text>')
    for label, az in (("N", 0), ("E", 90), ("S", 180), ("W", 270)):
        x, y = xy(-8.0, az)
        out.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-weight="bold">{label}</text>')
    return "".join(out)
