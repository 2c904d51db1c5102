"""Binary status records: each field a typed view on a slice of one ``bytearray`` (little endian).

A record class lists its fields as class attributes (descriptors); an instance owns ``status``, a
``bytearray`` of the record's ``size``, which is what goes on the wire. Reading a field decodes its
bytes; setting it checks the Python type (and the allowed values) as DISCOS's status classes do, and
raises ``ValueError`` otherwise. Flag words (``warnings``, ``errors`` ...) are read-only binary
strings, character *i* being bit *i* of the little-endian word; each flag is a :class:`Bit` view.
"""

from __future__ import annotations

import struct
from collections.abc import Collection
from typing import Any


class Record:
    """Base of a status record: ``size`` bytes, fields declared as class attributes."""

    size = 0

    def __init__(self) -> None:
        self.status = bytearray(self.size)


class Field:
    """A field at ``status[start:start + width]``."""

    width = 1

    def __init__(self, start: int) -> None:
        self.start = start
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def end(self) -> int:
        return self.start + self.width

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return self.decode(bytes(obj.status[self.start : self.end]))

    def __set__(self, obj: Any, value: Any) -> None:
        obj.status[self.start : self.end] = self.encode(value)

    def decode(self, raw: bytes) -> Any:
        raise NotImplementedError

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError


class Bool(Field):
    def decode(self, raw: bytes) -> bool:
        return bool(raw[0])

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, bool):
            raise ValueError("Provide a boolean!")
        return bytes([value])


class UInt(Field):
    """An unsigned integer of ``width`` bytes, optionally limited to ``allowed`` values."""

    def __init__(self, start: int, width: int, allowed: Collection[int] | None = None) -> None:
        super().__init__(start)
        self.width = width
        self.allowed = allowed

    def decode(self, raw: bytes) -> int:
        return int.from_bytes(raw, "little")

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, int) or (self.allowed is not None and value not in self.allowed):
            raise ValueError(f"Provide an accepted unsigned integer for {self.name}!")
        try:
            return value.to_bytes(self.width, "little")
        except OverflowError as exc:
            raise ValueError(f"{value} does not fit {self.width} unsigned bytes") from exc


class Int(Field):
    """A signed (two's complement) integer of ``width`` bytes."""

    def __init__(self, start: int, width: int = 4) -> None:
        super().__init__(start)
        self.width = width

    def decode(self, raw: bytes) -> int:
        return int.from_bytes(raw, "little", signed=True)

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, int):
            raise ValueError("Provide an integer number!")
        try:
            return value.to_bytes(self.width, "little", signed=True)
        except OverflowError as exc:
            raise ValueError(f"{value} does not fit {self.width} signed bytes") from exc


class Real(Field):
    """An IEEE float: ``width`` 4 (REAL32) or 8 (REAL64)."""

    def __init__(self, start: int, width: int = 8) -> None:
        super().__init__(start)
        self.width = width
        self.format = "<f" if width == 4 else "<d"

    def decode(self, raw: bytes) -> float:
        return float(struct.unpack(self.format, raw)[0])

    def encode(self, value: Any) -> bytes:
        if not isinstance(value, (float, int)):
            raise ValueError("Provide a floating point number!")
        return struct.pack(self.format, value)


class BitList(Field):
    """A word read as a list of 16 (``width`` * 8) booleans, bit 0 first; set from ``length`` booleans
    mapped to the bits ``bits`` (default: the first ``length``)."""

    def __init__(self, start: int, width: int = 2, bits: tuple[int, ...] | None = None) -> None:
        super().__init__(start)
        self.width = width
        self.bits = bits if bits is not None else tuple(range(width * 8))

    def decode(self, raw: bytes) -> list[bool]:
        word = int.from_bytes(raw, "little")
        return [bool(word >> i & 1) for i in range(self.width * 8)]

    def encode(self, value: Any) -> bytes:
        if (
            not isinstance(value, (list, tuple))
            or len(value) != len(self.bits)
            or not all(isinstance(v, bool) for v in value)
        ):
            raise ValueError(f"Provide a list/tuple of booleans of length = {len(self.bits)}!")
        word = sum(1 << bit for bit, v in zip(self.bits, value, strict=True) if v)
        return word.to_bytes(self.width, "little")


class Word(Field):
    """A read-only flag word, as a string of '0'/'1', character i = bit i."""

    def __init__(self, start: int, width: int = 4) -> None:
        super().__init__(start)
        self.width = width

    def decode(self, raw: bytes) -> str:
        word = int.from_bytes(raw, "little")
        return "".join(str(word >> i & 1) for i in range(self.width * 8))

    def __set__(self, obj: Any, value: Any) -> None:
        raise AttributeError(f"{self.name} is read-only: set its flags")


class Bit:
    """One flag of a :class:`Word`."""

    def __init__(self, word: Word, index: int) -> None:
        self.word, self.index = word, index

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return bool(obj.status[self.word.start + self.index // 8] >> (self.index % 8) & 1)

    def __set__(self, obj: Any, value: Any) -> None:
        if not isinstance(value, bool):
            raise ValueError("Provide a boolean!")
        position, mask = self.word.start + self.index // 8, 1 << (self.index % 8)
        obj.status[position] = obj.status[position] | mask if value else obj.status[position] & ~mask


def flags(word: Word, names: str) -> dict[str, Bit]:
    """``{name: Bit}`` for space-separated names, ``-`` marking an unused bit."""
    return {name: Bit(word, i) for i, name in enumerate(names.split()) if name != "-"}


def add_flags(cls: type, word: Word, names: str) -> None:
    for name, bit in flags(word, names).items():
        setattr(cls, name, bit)
