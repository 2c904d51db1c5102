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


# --- pymasep (common/protocol/pymasep.py) ---------------------------------------------------------
# Add the pymasep codec's errors below this line.


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
