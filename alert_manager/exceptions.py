"""Errors of the alert manager.

Caller errors (bad configuration, bad arguments) derive from :class:`AlertCallerError`; errors of the
peer (a packet or a frame that cannot be accepted) derive from :class:`AlertPeerError`.
"""

from __future__ import annotations


class AlertError(Exception):
    """Base of every alert manager error."""


class AlertCallerError(AlertError):
    """The caller asked for something impossible (bad address, unknown option ...)."""


class AlertConfigError(AlertCallerError):
    """An alert source is configured wrongly (``vtp_broker``, ``kafka_bootstrap`` ...)."""


class AlertPeerError(AlertError):
    """The other side sent something that cannot be accepted."""


class PacketRejected(AlertPeerError):
    """A VOEvent packet that is refused; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class VTPProtocolError(AlertPeerError):
    """A VTP peer broke the framing or sent a transport message that makes no sense."""


class PublishError(AlertPeerError):
    """A broker did not take a packet (NAK, closed connection, timeout)."""
