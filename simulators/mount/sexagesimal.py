"""Sexagesimal text as the LX200 protocol writes and reads it (pure functions, no I/O).

Replies follow the LX200 high precision format (``HH:MM:SS``, ``sDD*MM'SS``) or, after ``:U#``, the low
precision one (``HH:MM.T``, ``sDD*MM``). Arguments are read as real hand controllers read them: the
fields may be separated by ``*``, ``:``, ``'``, the degree sign 0xDF or a space, the last field may
carry a decimal fraction, and leading spaces are ignored.
"""

from __future__ import annotations

import re

from simulators.mount.exceptions import LX200SyntaxError

SEPARATORS = "*:'\xdf "
"""Characters accepted between the fields of a sexagesimal argument."""

_FIELDS = re.compile(
    r"([+-]?)(\d{1,3})(?:[" + re.escape(SEPARATORS) + r"]+(\d{1,2}(?:\.\d+)?))?"
    r"(?:[" + re.escape(SEPARATORS) + r"]+(\d{1,2}(?:\.\d+)?))?[" + re.escape(SEPARATORS) + r"]*"
)


def parse_sexagesimal(text: str) -> float:
    """``"-10*00:00"``, ``"12:30.5"``, ``" 12 30 00"`` -> decimal units (hours or degrees)."""
    match = _FIELDS.fullmatch(text.lstrip(" "))
    if match is None:
        raise LX200SyntaxError(f"not a sexagesimal value: {text!r}")
    sign, whole, minutes, seconds = match.groups()
    if minutes is None and seconds is None:
        raise LX200SyntaxError(f"sexagesimal value without minutes: {text!r}")
    if seconds is not None and "." in (minutes or ""):
        raise LX200SyntaxError(f"fractional minutes followed by seconds: {text!r}")
    m = float(minutes or 0)
    s = float(seconds or 0)
    if m >= 60 or s >= 60:
        raise LX200SyntaxError(f"minutes or seconds out of range: {text!r}")
    value = int(whole) + m / 60 + s / 3600
    return -value if sign == "-" else value


def parse_ra(text: str) -> float:
    """An ``:Sr`` argument -> right ascension in degrees; LX200SyntaxError outside 0..24 h."""
    hours = parse_sexagesimal(text)
    if not 0 <= hours < 24 or text.lstrip(" ")[:1] in "+-":
        raise LX200SyntaxError(f"right ascension out of range: {text!r}")
    return hours * 15.0


def parse_dec(text: str) -> float:
    """An ``:Sd`` argument -> declination in degrees; LX200SyntaxError outside -90..+90."""
    degrees = parse_sexagesimal(text)
    if not -90 <= degrees <= 90:
        raise LX200SyntaxError(f"declination out of range: {text!r}")
    return degrees


def _split(value: float, unit_seconds: int) -> tuple[int, int, int]:
    """A non-negative value -> (whole, minutes, seconds), rounded to the second, carries handled."""
    total = round(value * 3600)
    whole, rest = divmod(total, 3600)
    return whole % unit_seconds if unit_seconds else whole, rest // 60, rest % 60


def format_ra(ra_deg: float, high_precision: bool = True) -> str:
    """Degrees -> ``HH:MM:SS`` (or ``HH:MM.T`` in low precision), hours in 0..23."""
    hours = (ra_deg / 15.0) % 24.0
    if high_precision:
        h, m, s = _split(hours, 24)
        return f"{h:02d}:{m:02d}:{s:02d}"
    tenths = round(hours * 600) % (24 * 600)
    h, rest = divmod(tenths, 600)
    return f"{h:02d}:{rest // 10:02d}.{rest % 10}"


def format_dec(dec_deg: float, high_precision: bool = True) -> str:
    """Degrees -> ``sDD*MM'SS`` (or ``sDD*MM`` in low precision)."""
    sign = "-" if dec_deg < 0 and round(abs(dec_deg) * 3600) > 0 else "+"
    d, m, s = _split(abs(dec_deg), 0)
    if high_precision:
        return f"{sign}{d:02d}*{m:02d}'{s:02d}"
    minutes = round(abs(dec_deg) * 60)
    return f"{sign}{minutes // 60:02d}*{minutes % 60:02d}"


def format_degrees(value: float, high_precision: bool = True, signed: bool = True, width: int = 2) -> str:
    """Altitude (``sDD*MM'SS``) or azimuth (``DDD*MM'SS``, ``signed=False, width=3``)."""
    if signed:
        return format_dec(value, high_precision)
    d, m, s = _split(abs(value), 0)
    if high_precision:
        return f"{d:0{width}d}*{m:02d}'{s:02d}"
    minutes = round(abs(value) * 60)
    return f"{minutes // 60:0{width}d}*{minutes % 60:02d}"
