"""Errors of the pymasep-compatible communication layer (codec errors are in common.protocol).

Errors of the caller (:class:`DuplicateConnectionError` from ``add_connection``, an unknown
connection id) are kept apart from errors of the peer or network (refused, silent, not found).
"""

from __future__ import annotations


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
