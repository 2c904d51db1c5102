"""What ``manage.py plannight`` does, without Django's command machinery: parse, plan, format."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .planner import InvalidRequest, InvalidSite, Plan, Request, Site, iso

FIELDS = ("name", "ra", "dec", "duration", "priority", "min_altitude")
OPTIONAL = ("earliest", "latest", "max_airmass", "min_moon_separation")
MAX_FILE = 50 * 1024 * 1024


class InputError(ValueError):
    """Bad command-line input or request file: the message says what and where."""


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {text!r}") from None


def parse_site(text: str, name: str = "site") -> Site:
    parts = text.split(",")
    if len(parts) not in (2, 3):
        raise InputError(f"--site: expected LAT,LON[,ELEV] (e.g. --site=-29.26,-70.73,2400), got {text!r}")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"--site: LAT,LON,ELEV must be numbers, got {text!r}") from None
    try:
        return Site(name, *numbers)
    except InvalidSite as exc:
        raise InputError(f"--site: {exc}") from None


def load_requests(path: str) -> list[Request]:
    """A JSON list of objects with name, ra, dec, duration, priority, min_altitude [, earliest, latest]."""
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE:
            raise InputError(f"{path}: larger than {MAX_FILE // (1024 * 1024)} MB")
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise InputError(f"{path}: expected a JSON list of request objects, got {type(data).__name__}")
    return [_request(item, f"{path}[{i}]") for i, item in enumerate(data)]


def _request(item: Any, where: str) -> Request:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected an object, got {type(item).__name__}")
    missing = [f for f in FIELDS if f not in item]
    if missing:
        raise InputError(f"{where}: missing field(s) {', '.join(missing)}")
    unknown = sorted(set(item) - set(FIELDS) - set(OPTIONAL) - {"id"})
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}")
    kw = {k: item[k] for k in (*FIELDS[1:], "max_airmass", "min_moon_separation") if item.get(k) is not None}
    for key in ("earliest", "latest"):
        if item.get(key) is not None:
            kw[key] = _utc(item[key], f"{where}.{key}")
    try:
        return Request(str(item["name"]), id=item.get("id"), **kw)
    except (InvalidRequest, TypeError) as exc:
        raise InputError(f"{where}: {exc}") from None


def _utc(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected an ISO 8601 UTC time string, got {value!r}")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{where}: not an ISO 8601 time: {value!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def as_json(plan: Plan) -> str:
    return json.dumps(plan.as_dict(), indent=2)


def as_table(plan: Plan, day: date) -> str:
    site = plan.site
    head = f"Night of {day} at {site.name} ({site.latitude:+.4f}, {site.longitude:+.4f}, {site.elevation:.0f} m), "
    if plan.night_start is None:
        return head + f"Sun under {plan.config.twilight:g} deg: never (no night).\n"
    lines = [
        head + f"Sun under {plan.config.twilight:g} deg: {iso(plan.night_start)} .. {iso(plan.night_end)}",
        f"{len(plan.slots)} slot(s), {len(plan.unscheduled)} request(s) left out",
        "",
        f"{'start (UTC)':24}  {'end (UTC)':24}  {'prio':>4}  name",
    ]
    for slot in plan.slots:
        start, end = iso(slot.start) or "", iso(slot.end) or ""
        lines.append(f"{start:24}  {end:24}  {slot.request.priority:>4}  {slot.request.name}")
    return "\n".join(lines) + "\n"
