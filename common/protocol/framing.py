"""Length-prefixed frames, sans-IO.

A frame is ``[length][payload]``. The header is parametrised: ``U32_BE`` for the native pyros wire,
``U16_LE`` for pymasep. :class:`FrameDecoder` takes bytes in any chunking (one byte at a time is
fine) and hands back complete payloads; it never blocks and never touches a socket.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .exceptions import FrameTooLargeError, OutgoingFrameTooLargeError


@dataclass(frozen=True)
class Header:
    """A length header layout: a ``struct`` format for one unsigned integer."""

    fmt: str

    @property
    def size(self) -> int:
        return struct.calcsize(self.fmt)

    @property
    def max_length(self) -> int:
        return (1 << (8 * self.size)) - 1


U32_BE = Header(">I")
U16_LE = Header("<H")

DEFAULT_MAX_FRAME_SIZE = 1024 * 1024


def encode_frame(payload: bytes, header: Header = U32_BE, max_size: int | None = None) -> bytes:
    """Return header + payload as one bytes object (to be written with one call).

    Raises :class:`OutgoingFrameTooLargeError` (the caller's error) when the payload exceeds
    ``max_size`` or what the header can express.
    """
    limit = header.max_length if max_size is None else min(max_size, header.max_length)
    if len(payload) > limit:
        raise OutgoingFrameTooLargeError(len(payload), limit)
    return struct.pack(header.fmt, len(payload)) + payload


class FrameDecoder:
    """Incremental frame decoder (model: h11's receive_data / next_event).

    ``receive_data(data)`` buffers bytes; ``next_frame()`` returns the next complete payload or
    ``None`` (need more data). A header announcing more than ``max_size`` raises
    :class:`FrameTooLargeError` when that frame is reached; every frame before it has been handed
    out, and the decoder stays broken (the stream cannot be resynchronised). ``feed(data)`` is the
    two in one: it returns the list of completed payloads.
    """

    __slots__ = ("_broken", "_buf", "_hsize", "_max", "_pos", "_unpack")

    def __init__(self, header: Header = U32_BE, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        if max_size < 0:
            raise ValueError("max_size must be >= 0")
        self._buf = bytearray()
        self._pos = 0
        self._hsize = header.size
        self._unpack = struct.Struct(header.fmt).unpack_from
        self._max = min(max_size, header.max_length)
        self._broken: FrameTooLargeError | None = None

    @property
    def max_size(self) -> int:
        return self._max

    @property
    def pending(self) -> int:
        """Bytes received that do not yet make a whole frame (non-zero: mid-frame)."""
        return len(self._buf) - self._pos

    def receive_data(self, data: bytes) -> None:
        if self._pos and self._pos == len(self._buf):
            self._buf.clear()
            self._pos = 0
        elif self._pos > 65536 and self._pos * 2 > len(self._buf):
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def clear(self) -> None:
        """Drop buffered input (the connection is closing; memory is returned now)."""
        self._buf = bytearray()
        self._pos = 0

    def next_frame(self) -> bytes | None:
        if self._broken is not None:
            raise self._broken
        buf = self._buf
        pos = self._pos
        if len(buf) - pos < self._hsize:
            return None
        (length,) = self._unpack(buf, pos)
        if length > self._max:
            self._broken = FrameTooLargeError(length, self._max)
            raise self._broken
        start = pos + self._hsize
        stop = start + length
        if stop > len(buf):
            return None
        self._pos = stop
        return bytes(buf[start:stop])

    def feed(self, data: bytes) -> list[bytes]:
        self.receive_data(data)
        frames: list[bytes] = []
        while (frame := self.next_frame()) is not None:
            frames.append(frame)
        return frames
