"""Errors of the native codec, split as h11 splits them into remote and local ones.

:class:`ProtocolError` and its subclasses: the peer sent something the codec cannot accept (a malformed
or oversized frame). :class:`LocalProtocolError`: we were asked to send something the wire cannot carry
(our own oversized frame); it is the caller's error, a ``ValueError``, and not a ``ProtocolError``. The
other dialects' codec errors live in their packages, split the same way.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer sent something this codec cannot accept."""


class FrameTooLargeError(ProtocolError):
    """A frame's header announces more payload than allowed."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class MalformedMessageError(ProtocolError):
    """A complete frame whose payload is not a valid message."""


class LocalProtocolError(ValueError):
    """We were asked to send something the wire cannot carry (the caller's error, not the peer's)."""


class OutgoingFrameTooLargeError(LocalProtocolError):
    """A payload to send exceeds the frame limit (nothing is written)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class UnencodableMessageError(LocalProtocolError):
    """A value the native JSON cannot carry: nesting deeper than the decoder accepts (``MAX_DEPTH``),
    a ``type`` longer than it accepts, a cycle, NaN (nothing is written)."""


RemoteProtocolError = ProtocolError  # h11's name for the peer's errors
