"""``pymasep.communication.SocketHandler`` (the implementation lives in common.transport.pymasep)."""

from .transport import SocketHandler

__all__ = ["SocketHandler"]
