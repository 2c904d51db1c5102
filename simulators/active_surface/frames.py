"""USD request framing (spec §3.2-3.3), sans-IO: bytes in, one complete and checked frame out.

Addressed: ``START ADDR CMD P1..P(L-1) CK`` with ``ADDR = (L << 5) | INDEX``; broadcast:
``START 00 N CMD P1..P(N-1) CK``. ``START`` is ``FA`` or ``FC``; ``CK = ~sum(preceding bytes) & 0xFF``.
Bytes are counted by the length field only: a truncated frame swallows the start of the next one
(quirk Q12). After an error the parser is idle and the next byte is examined as a possible START.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.exceptions import MalformedInputError

START_NO_ADDRESS = 0xFA
START_WITH_ADDRESS = 0xFC
STARTS = (START_NO_ADDRESS, START_WITH_ADDRESS)
BROADCAST = 0x00
ACK = b"\x06"
NAK = b"\x15"


def checksum(data: bytes) -> int:
    """Bitwise complement of the low 8 bits of the byte sum."""
    return ~sum(data) & 0xFF


def with_checksum(data: bytes) -> bytes:
    return data + bytes([checksum(data)])


@dataclass(frozen=True)
class Frame:
    """A complete request with a valid checksum."""

    start: int
    index: int | None  # None for broadcast
    command: int
    params: bytes

    @property
    def broadcast(self) -> bool:
        return self.index is None


class FrameParser:
    """Byte-by-byte USD request parser; holds at most one frame (11 bytes)."""

    __slots__ = ("broadcast", "buffer", "remaining")

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.broadcast = False
        self.remaining = 0

    def reset(self) -> None:
        self.buffer = bytearray()
        self.broadcast = False
        self.remaining = 0

    def feed(self, value: int) -> bool | Frame:
        """``False``: byte rejected, idle; ``True``: accepted, more expected; a :class:`Frame`: complete.

        Raises :class:`MalformedInputError` (a ``ValueError``) for a bad length or checksum, idle again.
        """
        self.buffer.append(value)
        position = len(self.buffer)
        if position == 1:
            if value in STARTS:
                return True
            self.reset()
            return False
        if position == 2:
            return self._address(value)
        if position == 3 and self.broadcast:
            if not 1 <= value <= 7:
                self.reset()
                raise MalformedInputError(f"Wrong byte_nbyte value: got {value}, expected 7.")
            self.remaining = value
            return True
        if position == 3 or self.remaining > 0:
            self.remaining -= 1
            return True
        return self._complete()

    def _address(self, value: int) -> bool:
        if value == BROADCAST:
            self.broadcast = True
            return True
        if value >> 5 == 0:
            self.reset()
            raise MalformedInputError("Wrong byte_nbyte_address value: got 0, expected 7.")
        self.remaining = value >> 5
        return True

    def _complete(self) -> Frame:
        data = bytes(self.buffer)
        broadcast = self.broadcast
        self.reset()
        if checksum(data[:-1]) != data[-1]:
            raise MalformedInputError("Checksum error.")
        if broadcast:
            return Frame(data[0], None, data[3], data[4:-1])
        return Frame(data[0], data[1] & 0x1F, data[2], data[3:-1])
