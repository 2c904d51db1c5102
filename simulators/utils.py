"""Helpers shared by the simulators: byte strings, two's complement, time, multi-type discovery.

Names and signatures follow the DISCOS ``simulators.utils`` module so that ported simulators keep
working. A *byte string* here is a ``str`` whose characters are the bytes (latin-1, one code point per
byte), which is what ``System.parse()`` receives; ``bytes`` are accepted wherever a byte string is read.
"""

from __future__ import annotations

import importlib
import math
import os
import pkgutil
import queue
import struct
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

ByteString = str | bytes


def to_text(data: ByteString) -> str:
    """``bytes`` -> byte string (latin-1); a ``str`` is returned unchanged."""
    return data.decode("latin-1") if isinstance(data, bytes | bytearray) else data


def to_wire(text: ByteString) -> bytes:
    """Byte string -> ``bytes`` (latin-1); ``bytes`` are returned unchanged."""
    return text.encode("latin-1") if isinstance(text, str) else bytes(text)


def checksum(msg: ByteString) -> str:
    """The USD checksum of a message: complement of the low 8 bits of the byte sum, as one character.

    >>> hex(ord(checksum("\\xfc\\x21\\x13")))
    '0xcf'
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


def binary_to_bytes(binary_string: str, little_endian: bool = True) -> str:
    """A binary string (multiple of 8 digits) -> byte string."""
    text = "".join(chr(int(binary_string[i : i + 8], 2)) for i in range(0, len(binary_string), 8))
    return text[::-1] if little_endian else text


def bytes_to_binary(byte_string: ByteString, little_endian: bool = True) -> str:
    """A byte string -> binary string, 8 digits per byte."""
    data = to_wire(byte_string)
    if little_endian:
        data = data[::-1]
    return "".join(format(b, "08b") for b in data)


def bytes_to_int(byte_string: ByteString, little_endian: bool = True) -> int:
    """A byte string -> signed integer (two's complement, width = number of bytes)."""
    return int.from_bytes(to_wire(byte_string), "little" if little_endian else "big", signed=True)


def bytes_to_uint(byte_string: ByteString, little_endian: bool = True) -> int:
    """A byte string -> unsigned integer."""
    return int.from_bytes(to_wire(byte_string), "little" if little_endian else "big", signed=False)


def int_to_bytes(val: int, n_bytes: int = 4, little_endian: bool = True) -> str:
    """A signed integer -> byte string of ``n_bytes``; ValueError if out of range."""
    return binary_to_bytes(int_to_twos(val, n_bytes), little_endian)


def uint_to_bytes(val: int, n_bytes: int = 4, little_endian: bool = True) -> str:
    """An unsigned integer -> byte string of ``n_bytes``; ValueError if out of range."""
    high = (1 << (8 * n_bytes)) - 1
    if not 0 <= val <= high:
        raise ValueError(f"{val} out of range (0, {high}).")
    return to_text(val.to_bytes(n_bytes, "little" if little_endian else "big"))


def _real_format(precision: int) -> str:
    if precision == 1:
        return "f"
    if precision == 2:
        return "d"
    raise ValueError(f"Unknown precision {precision}.")


def real_to_binary(num: float, precision: int = 1) -> str:
    """IEEE-754 binary string of ``num``, single (1) or double (2) precision."""
    return bytes_to_binary(struct.pack("!" + _real_format(precision), num), little_endian=False)


def real_to_bytes(num: float, precision: int = 1, little_endian: bool = True) -> str:
    """IEEE-754 byte string of ``num``, single (1) or double (2) precision."""
    return binary_to_bytes(real_to_binary(num, precision), little_endian=little_endian)


def bytes_to_real(bytes_real: ByteString, precision: int = 1, little_endian: bool = True) -> float:
    """IEEE-754 byte string -> float, single (1) or double (2) precision."""
    data = to_wire(bytes_real)
    if little_endian:
        data = data[::-1]
    return float(struct.unpack("!" + _real_format(precision), data)[0])


def sign(number: float) -> int:
    """-1, 0 or 1."""
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ValueError(f"{number} is not of a valid datatype. Use only int or float.")
    return (number > 0) - (number < 0)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def day_microseconds(date: datetime | None = None) -> int:
    """Microseconds elapsed since the last midnight (UTC now by default)."""
    date = date or _utcnow()
    return ((date.hour * 60 + date.minute) * 60 + date.second) * 1_000_000 + date.microsecond


def day_milliseconds(date: datetime | None = None) -> int:
    """Milliseconds elapsed since the last midnight (UTC now by default)."""
    return round(day_microseconds(date) / 1000)


def day_percentage(date: datetime | timedelta | None = None) -> float:
    """Fraction of the day elapsed: 00:00 = 0.0."""
    if isinstance(date, timedelta):
        return date.total_seconds() / 86400.0
    return day_microseconds(date) / 86_400_000_000.0


def mjd(date: datetime | None = None) -> float:
    """Modified julian date of ``date`` (UTC now by default)."""
    date = date or _utcnow()
    if date < datetime(1858, 11, 17):
        raise ValueError("Provide a date after Nov 17 1858")
    year, month = (date.year - 1, date.month + 12) if date.month <= 2 else (date.year, date.month)
    a = math.trunc(year / 100.0)
    b = 2 - a + math.trunc(a / 4.0)
    day_number = int(b + math.trunc(365.25 * year) + math.trunc(30.6001 * (month + 1)) + date.day - 679006)
    return float(day_number + day_percentage(date))


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
