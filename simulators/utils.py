"""Helpers shared by the simulators: bytes, two's complement, IEEE-754, time, simulator discovery.

Names, signatures and errors follow the DISCOS ``simulators.utils`` module so that code written for
DISCOS keeps working: the ``*_to_bytes`` helpers return ``bytes``, their ``*_to_string`` twins return
the same bytes as a latin-1 ``str`` (one character per byte, which is what ``System.parse()`` receives
and what a System returns as its reply), and ``string_to_*`` read such a ``str``. The ``bytes_to_*``
readers accept either. Dates are timezone-aware UTC datetimes; naive ones are taken as UTC.
"""

from __future__ import annotations

import importlib
import math
import os
import pkgutil
import queue
import struct
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import ModuleType
from typing import Any

ByteString = str | bytes | bytearray

ACS_TO_UNIX_TIME = 10_000_000
"""ACS times count 100 ns ticks: multiply Unix seconds by this (plus the epoch shift) to get one."""

MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)
DAY_MICROSECONDS = 86_400_000_000


def to_text(data: ByteString) -> str:
    """``bytes`` -> latin-1 ``str`` (one character per byte); a ``str`` is returned unchanged."""
    return bytes(data).decode("latin-1") if isinstance(data, bytes | bytearray) else data


def to_wire(text: ByteString) -> bytes:
    """latin-1 ``str`` -> ``bytes``; ``bytes`` are returned unchanged."""
    return text.encode("latin-1") if isinstance(text, str) else bytes(text)


# --- checksum and binary strings ------------------------------------------------------------------
def checksum(msg: ByteString) -> str:
    """The USD checksum of a message: complement of the low 8 bits of the byte sum, as one character.

    >>> checksum("fooo")
    'L'
    """
    return chr(~sum(to_wire(msg)) & 0xFF)


def binary_complement(bin_string: str, mask: str = "") -> str:
    """Complement the digits of ``bin_string`` where ``mask`` has a 1 (mask right-aligned, padded with 1)."""
    if len(mask) > len(bin_string):
        mask = mask[-len(bin_string) :]
    else:
        mask = "1" * (len(bin_string) - len(mask)) + mask
    if set(bin_string) - {"0", "1"}:
        raise ValueError(f"String {bin_string} is not expressed in binary notation.")
    if set(mask) - {"0", "1"}:
        raise ValueError(f"Mask {mask} is not expressed in binary notation.")
    return "".join(("1" if bit == "0" else "0") if m == "1" else "0" for bit, m in zip(bin_string, mask, strict=True))


def twos_to_int(binary_string: str) -> int:
    """The signed value of a two's complement binary string (its length is the bit width)."""
    value = int(binary_string, 2)
    if value & (1 << (len(binary_string) - 1)):
        value -= 1 << len(binary_string)
    return value


def int_to_twos(val: int, n_bytes: int = 4) -> str:
    """``val`` as a two's complement binary string of ``8 * n_bytes`` digits; ValueError if out of range."""
    n_bits = 8 * n_bytes
    low, high = -(1 << (n_bits - 1)), (1 << (n_bits - 1)) - 1
    if not low <= val <= high:
        raise ValueError(f"{val} out of range ({low}, {high}).")
    return format(val & ((1 << n_bits) - 1), f"0{n_bits}b")


def binary_to_bytes(binary_string: str, little_endian: bool = True) -> bytes:
    """A binary string (8 digits per byte) -> ``bytes``."""
    data = bytes(int(binary_string[i : i + 8], 2) & 0xFF for i in range(0, len(binary_string), 8))
    return data[::-1] if little_endian else data


def binary_to_string(binary_string: str, little_endian: bool = True) -> str:
    """A binary string -> latin-1 ``str``."""
    return to_text(binary_to_bytes(binary_string, little_endian))


def bytes_to_binary(byte_string: ByteString, little_endian: bool = True) -> str:
    """``bytes`` -> binary string, 8 digits per byte."""
    data = to_wire(byte_string)
    if little_endian:
        data = data[::-1]
    return "".join(format(b, "08b") for b in data)


def string_to_binary(string: str, little_endian: bool = True) -> str:
    """latin-1 ``str`` -> binary string."""
    return bytes_to_binary(to_wire(string), little_endian)


# --- integers -------------------------------------------------------------------------------------
def _order(little_endian: bool) -> Any:
    return "little" if little_endian else "big"


def bytes_to_int(byte_string: ByteString, little_endian: bool = True) -> int:
    """``bytes`` -> signed integer (two's complement, width = number of bytes)."""
    return int.from_bytes(to_wire(byte_string), _order(little_endian), signed=True)


def string_to_int(string: str, little_endian: bool = True) -> int:
    """latin-1 ``str`` -> signed integer."""
    return bytes_to_int(to_wire(string), little_endian)


def bytes_to_uint(byte_string: ByteString, little_endian: bool = True) -> int:
    """``bytes`` -> unsigned integer."""
    return int.from_bytes(to_wire(byte_string), _order(little_endian), signed=False)


def string_to_uint(string: str, little_endian: bool = True) -> int:
    """latin-1 ``str`` -> unsigned integer."""
    return bytes_to_uint(to_wire(string), little_endian)


def int_to_bytes(val: int, n_bytes: int = 4, little_endian: bool = True) -> bytes:
    """Signed integer -> ``n_bytes`` bytes; ``OverflowError`` if it does not fit."""
    return int(val).to_bytes(n_bytes, _order(little_endian), signed=True)


def int_to_string(val: int, n_bytes: int = 4, little_endian: bool = True) -> str:
    """Signed integer -> latin-1 ``str`` of ``n_bytes`` characters."""
    return to_text(int_to_bytes(val, n_bytes, little_endian))


def uint_to_bytes(val: int, n_bytes: int = 4, little_endian: bool = True) -> bytes:
    """Unsigned integer -> ``n_bytes`` bytes; ``ValueError`` if it does not fit."""
    high = (1 << (8 * n_bytes)) - 1
    if not 0 <= val <= high:
        raise ValueError(f"{val} out of range (0, {high}).")
    return int(val).to_bytes(n_bytes, _order(little_endian))


def uint_to_string(val: int, n_bytes: int = 4, little_endian: bool = True) -> str:
    """Unsigned integer -> latin-1 ``str``."""
    return to_text(uint_to_bytes(val, n_bytes, little_endian))


# --- reals ----------------------------------------------------------------------------------------
def _real_format(precision: int) -> str:
    if precision == 1:
        return "f"
    if precision == 2:
        return "d"
    raise ValueError(f"Unknown precision {precision}.")


def real_to_binary(num: float, precision: int = 1) -> str:
    """IEEE-754 binary string of ``num``, single (1) or double (2) precision."""
    return bytes_to_binary(struct.pack("!" + _real_format(precision), num), little_endian=False)


def real_to_bytes(num: float, precision: int = 1, little_endian: bool = True) -> bytes:
    """IEEE-754 ``bytes`` of ``num``, single (1) or double (2) precision."""
    return binary_to_bytes(real_to_binary(num, precision), little_endian=little_endian)


def real_to_string(num: float, precision: int = 1, little_endian: bool = True) -> str:
    """IEEE-754 latin-1 ``str`` of ``num``."""
    return to_text(real_to_bytes(num, precision, little_endian))


def bytes_to_real(bytes_real: ByteString, precision: int = 1, little_endian: bool = True) -> float:
    """IEEE-754 ``bytes`` -> float, single (1) or double (2) precision."""
    fmt = _real_format(precision)
    data = to_wire(bytes_real)
    if little_endian:
        data = data[::-1]
    return float(struct.unpack("!" + fmt, data)[0])


def string_to_real(string_real: str, precision: int = 1, little_endian: bool = True) -> float:
    """IEEE-754 latin-1 ``str`` -> float."""
    return bytes_to_real(to_wire(string_real), precision, little_endian)


def sign(number: float) -> int:
    """-1, 0 or 1."""
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ValueError(f"{number} is not of a valid datatype. Use only int or float.")
    return (number > 0) - (number < 0)


# --- time -----------------------------------------------------------------------------------------
def _as_utc(date: datetime) -> datetime:
    """A timezone-aware UTC datetime (a naive one is taken as UTC)."""
    return date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)


def _date_or_now(date: Any) -> datetime:
    if not date:
        return datetime.now(UTC)
    if not isinstance(date, datetime):
        raise ValueError("Date parameter must be a datetime object.")
    return _as_utc(date)


def day_microseconds(date: datetime | None = None) -> int:
    """Microseconds elapsed since the last UTC midnight (now by default)."""
    date = _date_or_now(date)
    return ((date.hour * 60 + date.minute) * 60 + date.second) * 1_000_000 + date.microsecond


def day_milliseconds(date: datetime | None = None) -> int:
    """Milliseconds elapsed since the last UTC midnight (now by default)."""
    return round(day_microseconds(date) / 1000)


def day_percentage(date: datetime | timedelta | None = None) -> float:
    """Fraction of the day elapsed (00:00 = 0.0); a ``timedelta`` counts in days (may exceed 1)."""
    if isinstance(date, timedelta):
        return date.total_seconds() * 1_000_000 / DAY_MICROSECONDS
    return day_microseconds(date) / DAY_MICROSECONDS


def mjd(date: datetime | None = None) -> float:
    """Modified julian date of ``date`` (UTC now by default); ValueError before 1858-11-17."""
    date = _date_or_now(date)
    if date < MJD_EPOCH:
        raise ValueError("Provide a date after Nov 17 1858")
    days = (date.date() - MJD_EPOCH.date()).days
    return float(days + day_microseconds(date) / DAY_MICROSECONDS)


def mjd_to_date(original_mjd_date: float) -> datetime:
    """The UTC datetime of a modified julian date (to the microsecond); ValueError if not a number >= 0.

    The fraction is read from the number's shortest decimal representation, so that
    ``mjd(mjd_to_date(x)) == x`` for the values ``mjd`` produces.
    """
    if isinstance(original_mjd_date, bool) or not isinstance(original_mjd_date, int | float):
        raise ValueError("Provide a non-negative floating-point number!")
    if not math.isfinite(original_mjd_date) or original_mjd_date < 0:
        raise ValueError("Provide a non-negative floating-point number!")
    exact = Decimal(repr(float(original_mjd_date)))
    days = int(exact)
    microseconds = int(((exact - days) * DAY_MICROSECONDS).to_integral_value())
    return MJD_EPOCH + timedelta(days=days, microseconds=microseconds)


class FastTimeMock:
    """Make ``time.time``, ``time.sleep`` and ``threading.Timer`` run ``speed_factor`` times faster.

    ``start()`` patches them (time goes on from the real current time, faster), ``stop()`` restores them.
    """

    def __init__(self, speed_factor: float) -> None:
        if speed_factor <= 0:
            raise ValueError(f"speed factor must be positive, got {speed_factor}")
        self.speed_factor = float(speed_factor)
        from unittest import mock  # only tests use it: keep unittest out of a running simulator

        self._real_time, self._real_sleep, self._real_timer = time.time, time.sleep, threading.Timer
        self.start_time = self.fake_start = self._real_time()
        self._patches = [
            mock.patch("time.time", side_effect=self._fake_time),
            mock.patch("time.sleep", side_effect=self._fake_sleep),
            mock.patch("threading.Timer", side_effect=self._fake_timer),
        ]

    def _fake_time(self) -> float:
        return self.fake_start + (self._real_time() - self.start_time) * self.speed_factor

    def _fake_sleep(self, seconds: float) -> None:
        self._real_sleep(seconds / self.speed_factor)

    def _fake_timer(self, interval: float, function: Any, args: Any = None, kwargs: Any = None) -> threading.Timer:
        return self._real_timer(interval / self.speed_factor, function, args or [], kwargs or {})

    def start(self) -> None:
        self.start_time = self.fake_start = self._real_time()
        for patch in self._patches:
            patch.start()

    def stop(self) -> None:
        for patch in self._patches:
            patch.stop()


# --- discovery ------------------------------------------------------------------------------------
def list_simulators(path: str | None = None) -> list[str]:
    """Sorted names of the simulator packages (with a ``System``) under ``path`` (default: this package)."""
    directory = os.path.abspath(path) if path else os.path.dirname(os.path.abspath(__file__))
    package = _package_name(directory)
    names = []
    for info in pkgutil.iter_modules([directory]):
        if not info.ispkg or info.name.startswith("_") or info.name in {"management", "migrations", "tests"}:
            continue
        module = importlib.import_module(f"{package}.{info.name}" if package else info.name)
        if hasattr(module, "System"):
            names.append(info.name)
    return sorted(names)


def get_multitype_systems(path: str) -> dict[str, ModuleType]:
    """The modules next to ``path`` (a package's ``__file__`` or directory) that define a ``System``.

    Meant for a ``MultiTypeSystem`` package: ``systems = get_multitype_systems(__file__)`` maps each
    variant's module name to the module. Only modules of an importable package are considered.
    """
    directory = os.path.abspath(path)
    if os.path.isfile(directory):
        directory = os.path.dirname(directory)
    package = _package_name(directory)
    systems: dict[str, ModuleType] = {}
    for info in sorted(pkgutil.iter_modules([directory]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}" if package else info.name)
        if hasattr(module, "System"):
            systems[info.name] = module
    return systems


def _package_name(directory: str) -> str:
    """Dotted name of the package at ``directory`` (walking up through ``__init__.py`` files)."""
    parts: list[str] = []
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, name = os.path.split(directory)
        parts.append(name)
    if parts and directory not in {os.path.abspath(p or ".") for p in sys.path}:
        raise ValueError(f"{os.path.join(directory, *reversed(parts))} is not an importable package")
    return ".".join(reversed(parts))


def put_latest(q: queue.Queue[Any], item: Any) -> None:
    """Leave ``item`` as the only element of ``q`` without ever blocking (latest status wins)."""
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            pass
        try:
            q.put_nowait(item)
            return
        except queue.Full:
            continue
