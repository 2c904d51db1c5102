"""LX200 framing, sans-IO: bytes in, one at a time, complete requests out.

A request is the ACK byte 0x06 alone, or ``:`` + command text + ``#``. A ``#`` between requests is
accepted and ignored (hand controllers send one to clear the line); any other byte outside a request
cannot start one and is dropped. The command text may hold any byte except ``#``.
"""

from __future__ import annotations

from simulators.mount.exceptions import LX200SyntaxError

ACK = "\x06"
START = ":"
END = "#"
MAX_COMMAND_LENGTH = 64
"""Longest command text (between ``:`` and ``#``) accepted; LX200 commands are under 40 bytes."""


class Ack:
    """The ACK request (0x06): "which alignment mode are you in?"."""

    def __repr__(self) -> str:
        return "ACK"


ACK_REQUEST = Ack()

Request = str | Ack
"""What :meth:`FrameParser.feed` completes: the command text (``"Sr12:30:00"``) or :data:`ACK_REQUEST`."""


class FrameParser:
    """Cuts a byte stream into LX200 requests (one parser per connection)."""

    def __init__(self) -> None:
        self._buffer: list[str] | None = None  # None: between requests

    @property
    def idle(self) -> bool:
        return self._buffer is None

    def feed(self, ch: str) -> bool | Request:
        """One byte (a 1-character ``str``). Returns a complete request, ``True`` (accepted, more needed or
        a lone ``#``) or ``False`` (cannot start a request, dropped); LX200SyntaxError if too long."""
        if self._buffer is None:
            if ch == ACK:
                return ACK_REQUEST
            if ch == START:
                self._buffer = []
                return True
            return ch == END
        if ch == END:
            text, self._buffer = "".join(self._buffer), None
            return text
        if len(self._buffer) >= MAX_COMMAND_LENGTH:
            self._buffer = None
            raise LX200SyntaxError(f"command longer than {MAX_COMMAND_LENGTH} bytes")
        self._buffer.append(ch)
        return True
