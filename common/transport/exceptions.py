"""Errors of the transports (sockets and threads); codec errors live in ``common.protocol``."""

from __future__ import annotations


class PeerClosedError(ConnectionError):
    """The peer closed the connection (or it broke) before a whole frame arrived."""


class PeerStalledError(PeerClosedError):
    """The peer stopped in the middle of a frame for longer than the I/O timeout."""
