"""The weather station's UDP protocol, client side, sans-IO (see shared/specs/discos-simulators.md §2).

A request is one datagram ``r <id>`` (the server appends the ``\\n``); the reply is one datagram
``<Sensor><Id>..</Id><Val>..</Val><Date>..</Date><Info>..</Info></Sensor>``. The reply is read with a
strict pattern, not an XML parser: it carries no markup beyond those four fields and no escaping.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scheduler.weather.exceptions import WeatherCallerError, WeatherPeerError

ERROR_ID = "sintax error or sensor not found"
"""The station's ``Id`` for an unknown sensor or a malformed command (its spelling)."""
MAX_REPLY = 1024

_SENSOR_ID = re.compile(r"[A-Za-z0-9_]{1,16}")
_REPLY = re.compile(
    r"<Sensor><Id>([^<]*)</Id><Val>([^<]*)</Val><Date>([^<]*)</Date><Info>([^<]*)</Info></Sensor>", re.ASCII
)


@dataclass(frozen=True)
class Reading:
    sensor: str
    value: float
    date: str
    info: str


def read_request(sensor: str) -> bytes:
    """The datagram that reads ``sensor`` (e.g. ``sx01``)."""
    if not _SENSOR_ID.fullmatch(sensor):
        raise WeatherCallerError(f"not a sensor id: {sensor!r}")
    return f"r {sensor}".encode("ascii")


def parse_reply(datagram: bytes) -> Reading:
    """One reply datagram -> :class:`Reading`; WeatherPeerError for anything else or the error record."""
    if len(datagram) > MAX_REPLY:
        raise WeatherPeerError(f"reply of {len(datagram)} bytes (at most {MAX_REPLY})")
    match = _REPLY.fullmatch(datagram.decode("latin-1").strip())
    if match is None:
        raise WeatherPeerError(f"not a sensor record: {datagram[:80]!r}")
    sensor, value_text, date, info = match.groups()
    if sensor == ERROR_ID:
        raise WeatherPeerError("the station does not know the sensor (or the request was malformed)")
    try:
        value = float(value_text)
    except ValueError:
        raise WeatherPeerError(f"sensor {sensor}: value {value_text!r} is not a number") from None
    return Reading(sensor, value, date, info)


def usable(value: float) -> bool:
    """Whether a reading can be compared with a limit (``nan``/``inf`` cannot: treated as missing)."""
    return math.isfinite(value)
