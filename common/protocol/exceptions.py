"""Errors raised by the sans-IO codecs, in two families (model: h11's Remote/LocalProtocolError):

- :class:`ProtocolError` (alias :data:`RemoteProtocolError`): the *peer* sent something this codec
  cannot accept (what came off the wire). Transports answer it with an error frame and close.
- :class:`LocalProtocolError` (a ``ValueError``, *not* a ``ProtocolError``): *we* (the caller) asked
  to encode something the wire cannot carry: a frame over the limit, nesting deeper than the peer's
  decoder accepts, a value JSON/XML cannot hold. Nothing was written; the connection is fine.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer sent something this codec cannot accept."""


RemoteProtocolError = ProtocolError


class LocalProtocolError(ValueError):
    """What the caller asked to send cannot be encoded (nothing was written). An error of the caller."""


class OversizedMessageError(LocalProtocolError):
    """The encoded payload is over the frame limit (the one the peer's decoder enforces)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"frame of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class UnencodableMessageError(LocalProtocolError):
    """A value the native JSON cannot carry: nesting deeper than the decoder accepts, a cycle, NaN,
    a set or an object."""


class FrameTooLargeError(ProtocolError):
    """A frame header from the peer announces more payload than allowed."""

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


class IvyRegexpError(IvyError, ValueError):
    """A regexp the linear-time engine (RE2) cannot compile: invalid, too long or too large, or
    using a PCRE construct that needs backtracking (look-around, back-references ...)."""


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


class PymasepEncodeError(LocalProtocolError):
    """A value the pymasep XML cannot carry (an error of the caller, not of the peer): a type outside
    int/float/bool/None/str/list/tuple/set/dict, a non-str dict key, characters XML 1.0 cannot hold,
    nesting too deep or cyclic. A ``ValueError``, so that code catching encoding errors sees it."""


class PymasepFrameTooLargeError(OversizedMessageError):
    """A payload over what a pymasep frame can carry (65,535 bytes: the u16 length), refused before
    anything is written."""


# --- Net_Node (common/protocol/netnode.py) --------------------------------------------------------
# Add the Net_Node codec's errors below this line.


class NetNodeError(ProtocolError):
    """A Net_Node (autopilot) peer sent something this codec cannot accept."""


class NetMessageError(NetNodeError, MalformedMessageError):
    """A Net_Node message body that is not valid JSON, or lacks a required field (id, to, sender, key)."""


class UnsafePayloadError(NetMessageError):
    """A payload this codec refuses to unpack: blosc/pickle-packed arrays (unless explicitly allowed) or
    a numpy dtype outside the allow-list (object, void, strings ...)."""


class NetFrameError(NetNodeError):
    """A ZMQ multipart message whose frames do not follow the Net_Node layouts."""
