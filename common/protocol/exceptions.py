"""Errors raised by the sans-IO codecs: all are errors of the peer (what came off the wire)."""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer sent something this codec cannot accept."""


class FrameTooLargeError(ProtocolError):
    """A frame announces (or a caller tries to send) more payload than allowed."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class MalformedMessageError(ProtocolError):
    """A complete frame whose payload is not a valid message."""


# --- Ivy (common/protocol/ivy.py) ----------------------------------------------------------------
# Add the Ivy codec's errors below this line.
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


class IvyMalformedAnnounceError(IvyError):
    """A UDP discovery datagram that is not ``"<version> <port> <agent_id> <name>\\n"``."""


class IvyInvalidTextError(IvyError, ValueError):
    """Text that cannot be sent: it contains a newline, STX (\\x02) or ETX (\\x03). An error of the
    caller (also a ``ValueError``)."""


class IvyBusAddressError(IvyError, ValueError):
    """A bus string that is not ``ADDR[,ADDR...]:PORT`` (an error of the caller)."""


# --- pymasep (common/protocol/pymasep.py) ---------------------------------------------------------
# Add the pymasep codec's errors below this line.
class PymasepError(ProtocolError):
    """The pymasep peer sent something the pymasep codec cannot accept."""


class PymasepDecodeError(PymasepError, MalformedMessageError):
    """A pymasep frame whose payload is not a valid Message: not well-formed XML, a DTD or an entity
    (refused, never expanded), an element outside the value allow-list (``<type>``, unknown tags:
    nothing from the wire is imported or instantiated), a malformed scalar, nesting too deep."""


class PymasepHandshakeError(PymasepError):
    """The first frame of a pymasep connection is not a usable hello (empty, not UTF-8, ``BYE``)."""


class PymasepEncodeError(ValueError):
    """A value the pymasep XML cannot carry (an error of the caller, not of the peer): a type outside
    int/float/bool/None/str/list/tuple/set/dict, a non-str dict key, characters XML 1.0 cannot hold,
    nesting too deep or cyclic. A ``ValueError``, so that code catching encoding errors sees it."""


class PymasepFrameTooLargeError(FrameTooLargeError, ValueError):
    """A payload over what a pymasep frame can carry (65,535 bytes: the u16 length), refused before
    anything is written."""


# --- Net_Node (common/protocol/netnode.py) --------------------------------------------------------
# Add the Net_Node codec's errors below this line.
