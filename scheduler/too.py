"""Targets of opportunity from alerts, and the interrupt policy (after RTS2's executor).

``parse_alert(params)`` checks a ``NEW_ALERT``; ``decide_update(old, alert)`` says whether an update
counts; ``should_interrupt(...)`` whether the running slot is aborted for the alert:

- a weather hold always wins: nothing is interrupted, the request waits in the plan;
- the alert must outrank the running slot (a ToO outranks any request that is not itself a ToO of
  at least its priority) and lie more than ``PYROS_TOO_INTERRUPT_SEPARATION`` deg from its target
  (closer, the telescope already covers it: it goes next in the plan);
- an idle telescope is sent at once when the target is up and it is night;
- an update with a larger error radius than the one we have, or that moves the position by less
  than ``PYROS_TOO_MIN_UPDATE_SEPARATION`` deg, is ignored; a retraction cancels the request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidAlertParams

EVENTS = ("new", "update", "retraction")
ROLES = ("observation", "test")


@dataclass(frozen=True)
class Alert:
    alert_id: int
    ivorn: str
    event: str
    ra: float
    dec: float
    error_radius: float | None
    role: str
    mission: str
    trigger: str

    @property
    def name(self) -> str:
        label = " ".join(p for p in (self.mission, self.trigger) if p) or self.ivorn or str(self.alert_id)
        return f"ToO {label}"[:200]


def parse_alert(params: Any) -> Alert:
    if not isinstance(params, dict):
        raise InvalidAlertParams("NEW_ALERT params must be an object")
    alert_id = params.get("alert_id")
    if isinstance(alert_id, bool) or not isinstance(alert_id, int):
        raise InvalidAlertParams(f"alert_id: an integer is required, got {alert_id!r}")
    event = params.get("event", "new")
    if event not in EVENTS:
        raise InvalidAlertParams(f"event: one of {', '.join(EVENTS)}, got {event!r}")
    role = params.get("role", "observation")
    if role not in ROLES:
        raise InvalidAlertParams(f"role: one of {', '.join(ROLES)}, got {role!r}")
    ivorn = _text(params, "ivorn", 500)
    if event == "retraction":
        ra, dec, radius = 0.0, 0.0, None
    else:
        ra = _number(params, "ra", 0.0, 360.0, upper_open=True)
        dec = _number(params, "dec", -90.0, 90.0)
        radius = None if params.get("error_radius") is None else _number(params, "error_radius", 0.0, 180.0)
    mission, trigger = _text(params, "mission", 80), _text(params, "trigger", 80)
    return Alert(alert_id, ivorn, event, ra, dec, radius, role, mission, trigger)


def _number(params: dict[str, Any], key: str, lo: float, hi: float, upper_open: bool = False) -> float:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidAlertParams(f"{key}: a number is required, got {value!r}")
    if not lo <= value <= hi or (upper_open and value == hi):
        raise InvalidAlertParams(f"{key}: must be in [{lo:g}, {hi:g}{')' if upper_open else ']'}, got {value!r}")
    return float(value)


def _text(params: dict[str, Any], key: str, limit: int) -> str:
    value = params.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidAlertParams(f"{key}: a string is required, got {value!r}")
    return value[:limit]


def separation(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance (deg) between two ICRS positions (deg)."""
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    s = math.sin((d2 - d1) / 2) ** 2 + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(s))))


def decide_update(old_ra: float, old_dec: float, old_radius: float | None, alert: Alert, min_move: float) -> str:
    """``"apply"`` or why an update is ignored (``"worse error box"``, ``"moved too little"``)."""
    if old_radius is not None and alert.error_radius is not None and alert.error_radius > old_radius:
        return "worse error box"
    if separation(old_ra, old_dec, alert.ra, alert.dec) < min_move:
        return "moved too little"
    return "apply"


@dataclass(frozen=True)
class Running:
    """What the telescope does now: the running slot's target and its request's rank."""

    ra: float
    dec: float
    priority: int
    is_too: bool


def should_interrupt(
    running: Running | None, priority: int, ra: float, dec: float, *, hold: bool, observable: bool, limit: float
) -> tuple[bool, str]:
    """Whether to abort the running slot (or start at once when idle) for a ToO, and why."""
    if hold:
        return False, "weather hold"
    if not observable:
        return False, "not observable now"
    if running is None:
        return True, "telescope idle"
    if running.is_too and running.priority <= priority:
        return False, "a ToO of equal or higher priority is running"
    if not running.is_too and running.priority < priority:
        return False, "the running slot has a higher priority"
    if separation(running.ra, running.dec, ra, dec) <= limit:
        return False, "the running target is within the separation limit"
    return True, "outranks the running slot"
