"""Per-observatory alert filters: notice types, error circle against the field of view, visible tonight.

Pure computation, no Django: the settings (``PYROS_ALERT_OBSERVATORIES``) are turned into
:class:`Observatory` objects by :func:`observatories_from`; :func:`evaluate` says whether an alert
passes one observatory's filters and why (or why not).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .exceptions import AlertConfigError
from .visibility import dark_window


@dataclass(frozen=True, slots=True)
class Observatory:
    name: str
    latitude: float  # degrees, north positive
    longitude: float  # degrees, east positive
    min_altitude: float = 20.0
    max_sun_altitude: float = -12.0
    fov_radius: float | None = None  # degrees; an error circle larger than this is not followed up
    notice_types: frozenset[str] | None = None  # None: every notice type
    horizon_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class Verdict:
    observatory: str
    passed: bool
    reason: str


def observatories_from(entries: Iterable[Mapping[str, Any]]) -> list[Observatory]:
    """Observatories from the setting: a list of dicts with name, latitude, longitude and the optional keys."""
    found = []
    for index, entry in enumerate(entries):
        try:
            types = entry.get("notice_types")
            fov = entry.get("fov_radius")
            found.append(
                Observatory(
                    name=str(entry["name"]),
                    latitude=float(entry["latitude"]),
                    longitude=float(entry["longitude"]),
                    min_altitude=float(entry.get("min_altitude", 20.0)),
                    max_sun_altitude=float(entry.get("max_sun_altitude", -12.0)),
                    fov_radius=None if fov is None else float(fov),
                    notice_types=None if types is None else frozenset(str(t) for t in types),
                    horizon_hours=float(entry.get("horizon_hours", 24.0)),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AlertConfigError(
                f"PYROS_ALERT_OBSERVATORIES[{index}]: {type(exc).__name__}: {exc} "
                "(each needs name, latitude, longitude; optional min_altitude, max_sun_altitude, fov_radius, "
                "notice_types, horizon_hours)"
            ) from None
    return found


def evaluate(
    observatory: Observatory,
    *,
    ra: float | None,
    dec: float | None,
    error_radius: float | None,
    notice_type: str,
    when: datetime,
) -> Verdict:
    name = observatory.name
    if observatory.notice_types is not None and notice_type not in observatory.notice_types:
        return Verdict(name, False, f"notice type {notice_type} not followed")
    if ra is None or dec is None:
        return Verdict(name, False, "no position")
    if observatory.fov_radius is not None and (error_radius is None or error_radius > observatory.fov_radius):
        return Verdict(name, False, f"error radius {error_radius} deg over the field of view {observatory.fov_radius}")
    window = dark_window(
        ra,
        dec,
        latitude=observatory.latitude,
        longitude=observatory.longitude,
        start=when,
        min_altitude=observatory.min_altitude,
        max_sun_altitude=observatory.max_sun_altitude,
        hours=observatory.horizon_hours,
    )
    if window is None:
        return Verdict(
            name, False, f"not above {observatory.min_altitude} deg at night within {observatory.horizon_hours:g} h"
        )
    span = f"{window.start:%Y-%m-%d %H:%M} to {window.end:%H:%M} UTC"
    return Verdict(name, True, f"visible from {span} (max alt {window.max_altitude:.0f})")


def evaluate_all(observatories: list[Observatory], **alert: Any) -> list[Verdict]:
    return [evaluate(observatory, **alert) for observatory in observatories]
