"""One time format for the console and the admin: absolute, with seconds, in the observatory's zone.

``PYROS_TIME_ZONE`` (an IANA name, default ``UTC``) is the zone of the pages; UTC reads
``2026-12-02 07:34:35 UTC``, another zone ``2026-12-02 04:34:35 -03:00``. The browser shows the
same text for times that arrive over the websocket (``console.js`` formats them the same way) and the
relative time ("12 s ago") on hover. The REST API and the websocket carry ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

from .conf import setting

FORMAT = "%Y-%m-%d %H:%M:%S"


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        text = f"PYROS_TIME_ZONE={name!r}: not a time zone name (e.g. UTC, America/Santiago)"
        raise ImproperlyConfigured(text) from exc


def zone_name() -> str:
    return str(setting("PYROS_TIME_ZONE"))


def console_zone() -> ZoneInfo:
    return _zone(zone_name())


def parse(value: datetime | str | float | None) -> datetime | None:
    """A datetime (naive means UTC), an ISO 8601 string or an epoch time; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def zone_label(moment: datetime) -> str:
    if zone_name() == "UTC":
        return "UTC"
    offset = moment.strftime("%z")  # "-0300"
    return f"{offset[:3]}:{offset[3:]}"


def format_time(value: datetime | str | float | None) -> str:
    """``YYYY-MM-DD HH:MM:SS ZONE`` in the console's zone; "" for no time."""
    moment = parse(value)
    if moment is None:
        return ""
    local = moment.astimezone(console_zone())
    return f"{local.strftime(FORMAT)} {zone_label(local)}"


def iso(value: datetime | str | float | None) -> str:
    moment = parse(value)
    return "" if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
