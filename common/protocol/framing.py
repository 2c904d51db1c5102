"""Length-prefixed frames, sans-IO.

A frame is ``[length][payload]``. The header is parametrised: ``U32_BE`` for the native pyros wire,
``U16_LE`` for pymasep. :class:`FrameDecoder` takes bytes in any chunking (one byte at a time is
fine) and hands back complete payloads; it never blocks and never touches a socket.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .exceptions import FrameTooLargeError


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

    Raises :class:`FrameTooLargeError` when the payload exceeds ``max_size`` or what the header
    can express.
    """
    limit = header.max_length if max_size is None else min(max_size, header.max_length)
    if len(payload) > limit:
        raise FrameTooLargeError(len(payload), limit)
    return struct.pack(header.fmt, len(payload)) + payload


class FrameDecoder:
    """Incremental frame decoder.

    ``feed(data)`` returns the list of payloads completed by ``data`` (possibly empty: need more
    data). A header announcing more than ``max_size`` raises :class:`FrameTooLargeError`; the
    decoder is then unusable (the stream cannot be resynchronised) and the connection should close.
    """

    __slots__ = ("_broken", "_buf", "_header", "_hsize", "_max", "_unpack")

    def __init__(self, header: Header = U32_BE, max_size: int = DEFAULT_MAX_FRAME_SIZE) -> None:
        if max_size < 0:
            raise ValueError("max_size must be >= 0")
        self._buf = bytearray()
        self._header = header
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
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        if self._broken is not None:
            raise self._broken
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        hsize = self._hsize
        pos = 0
        end = len(buf)
        while end - pos >= hsize:
            (length,) = self._unpack(buf, pos)
            if length > self._max:
                self._broken = FrameTooLargeError(length, self._max)
                del buf[:]
                raise self._broken
            stop = pos + hsize + length
            if stop > end:
                break
            frames.append(bytes(buf[pos + hsize : stop]))
            pos = stop
        if pos:
            del buf[:pos]
        return frames
