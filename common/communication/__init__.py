"""A drop-in for ``pymasep.communication`` (pymasep 0.2): same classes, constructor parameters and
bytes on the wire, with the reference's faults fixed (see common.transport.pymasep)."""

from .base_threaded_communication import BaseThreadedCommunication
from .client import Client
from .exceptions import (
    ClientRefusedError,
    CommunicationError,
    DuplicateConnectionError,
    HandshakeFailedError,
    HandshakeTimeoutError,
    NotConnectedError,
    ServerNotFoundError,
    UnknownConnectionError,
)
from .frame import Frame
from .message import Message
from .server import Server
from .socket_handler import SocketHandler
from .socket_handler_queue import SocketHandlerQueue

__all__ = [
    "BaseThreadedCommunication",
    "Client",
    "ClientRefusedError",
    "CommunicationError",
    "DuplicateConnectionError",
    "Frame",
    "HandshakeFailedError",
    "HandshakeTimeoutError",
    "Message",
    "NotConnectedError",
    "Server",
    "ServerNotFoundError",
    "SocketHandler",
    "SocketHandlerQueue",
    "UnknownConnectionError",
]
