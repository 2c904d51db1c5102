"""Errors of the Net_Node dialect: its codec's (what a peer sent) and its transport's."""

from __future__ import annotations

from ..protocol.exceptions import MalformedMessageError, ProtocolError


class NetNodeError(ProtocolError):
    """A Net_Node (autopilot) peer sent something this codec cannot accept."""


class NetMessageError(NetNodeError, MalformedMessageError):
    """A Net_Node message body that is not valid JSON, or lacks a required field (id, to, sender, key)."""


class UnsafePayloadError(NetMessageError):
    """A payload this codec refuses to unpack: blosc/pickle-packed arrays (unless explicitly allowed) or
    a numpy dtype outside the allow-list (object, void, strings ...)."""


class NetFrameError(NetNodeError):
    """A ZMQ multipart message whose frames do not follow the Net_Node layouts."""


class OutboxFullError(RuntimeError):
    """send(repeat=True) found the outbox full of unconfirmed messages for longer than its timeout."""
