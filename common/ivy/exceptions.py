"""Errors of the Ivy dialect: the codec's (what a peer sent) and the caller's (what we were asked to send)."""

from __future__ import annotations

from ..exceptions import CallerError
from ..protocol.exceptions import ProtocolError


class IvyError(ProtocolError):
    """Base of the Ivy codec's errors."""


class IvyMalformedLineError(IvyError):
    """A line that is not ``"<type> <id>\\x02<params>"`` (or not UTF-8, or of an unknown type)."""


class IvyLineTooLongError(IvyError):
    """A line longer than the decoder's limit (the peer never sends its newline)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"Ivy line of at least {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class IvyIllegalStateError(IvyError):
    """A message out of the handshake's order (second START_INIT, END_INIT before START_INIT ...)."""


class IvyRegexpError(IvyError, ValueError):
    """A peer's regexp the linear-time engine (RE2) cannot compile: invalid, too long or too large, or
    using a PCRE construct that needs backtracking (look-around, back-references ...)."""


class IvyMalformedAnnounceError(IvyError):
    """A UDP discovery datagram that is not ``"<version> <port> <agent_id> <name>\\n"``."""


class IvyInvalidTextError(IvyError, ValueError):
    """Text that cannot be sent: it contains a newline, STX (\\x02) or ETX (\\x03). An error of the
    caller (also a ``ValueError``)."""


class IvyBusAddressError(IvyError, ValueError):
    """A bus string that is not ``ADDR[,ADDR...]:PORT`` (an error of the caller)."""


class IvyNotConfiguredError(CallerError):
    """The agent is not on an Ivy bus (no ``ivy_bus`` in its section, or not started)."""
