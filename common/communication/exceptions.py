"""Errors of the pymasep-compatible communication layer: its codec's and its transport's.

Errors of the caller (:class:`DuplicateConnectionError` from ``add_connection``, an unknown
connection id) are kept apart from errors of the peer or network (refused, silent, not found).
"""

from __future__ import annotations

from ..protocol.exceptions import MalformedMessageError, OutgoingFrameTooLargeError, ProtocolError


class CommunicationError(Exception):
    """Base of the pymasep communication errors."""


# --- errors of the caller -------------------------------------------------------------------------
class DuplicateConnectionError(CommunicationError, ValueError):
    """A connection is already registered under this id (ids are unique per server/client)."""

    def __init__(self, ident: str) -> None:
        super().__init__(f"a connection with id {ident!r} is already registered")
        self.ident = ident


class UnknownConnectionError(CommunicationError, KeyError):
    """No connection registered under this id."""

    def __init__(self, ident: str, known: list[str]) -> None:
        super().__init__(f"no connection with id {ident!r} (connected: {', '.join(known) or 'none'})")
        self.ident = ident
        self.known = known

    def __str__(self) -> str:
        return str(self.args[0])


class NotConnectedError(CommunicationError):
    """The client has no server address yet (give host and port, or call ``search_server()``)."""


# --- errors of the peer ---------------------------------------------------------------------------
class ClientRefusedError(CommunicationError, ConnectionRefusedError):
    """The server answered the hello with BYE: its id is taken, or it is full (its log says which)."""


class HandshakeTimeoutError(CommunicationError, TimeoutError):
    """The peer did not answer the hello within the handshake timeout."""


class HandshakeFailedError(CommunicationError, ConnectionError):
    """The connection closed, or the peer sent something other than a hello, during the handshake."""


class ServerNotFoundError(CommunicationError, ConnectionError):
    """No pymasep server answered the discovery request."""


# --- the codec (common.communication.codec, xmlvalues) ----------------------------------------------
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


class PymasepFrameTooLargeError(OutgoingFrameTooLargeError):
    """A payload over what a pymasep frame can carry (65,535 bytes: the u16 length), refused before
    anything is written."""
