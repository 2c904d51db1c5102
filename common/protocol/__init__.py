"""Sans-IO codecs, one module per wire dialect. No socket, thread or Django import in here."""

from .exceptions import (
    FrameTooLargeError,
    IvyBusAddressError,
    IvyError,
    IvyIllegalStateError,
    IvyInvalidTextError,
    IvyLineTooLongError,
    IvyMalformedAnnounceError,
    IvyMalformedLineError,
    MalformedMessageError,
    NetFrameError,
    NetMessageError,
    NetNodeError,
    ProtocolError,
    PymasepDecodeError,
    PymasepEncodeError,
    PymasepError,
    PymasepFrameTooLargeError,
    PymasepHandshakeError,
    UnsafePayloadError,
)
from .framing import DEFAULT_MAX_FRAME_SIZE, U16_LE, U32_BE, FrameDecoder, Header, encode_frame
from .ivy import Announce, IvyDecoder, IvyMessage, IvyPeerState
from .message import (
    ERROR,
    NOTIFY,
    REPLY,
    REQUEST,
    Message,
    MessageDecoder,
    decode_message,
    encode_message,
    frame_message,
    require_message,
)
from .netnode import NetMessage
from .pymasep import PymasepMessage

__all__ = [
    # native
    "DEFAULT_MAX_FRAME_SIZE",
    "ERROR",
    "NOTIFY",
    "REPLY",
    "REQUEST",
    "U16_LE",
    "U32_BE",
    "FrameDecoder",
    "FrameTooLargeError",
    "Header",
    "MalformedMessageError",
    "Message",
    "MessageDecoder",
    "ProtocolError",
    "decode_message",
    "encode_frame",
    "encode_message",
    "frame_message",
    "require_message",
    # Ivy
    "Announce",
    "IvyBusAddressError",
    "IvyDecoder",
    "IvyError",
    "IvyIllegalStateError",
    "IvyInvalidTextError",
    "IvyLineTooLongError",
    "IvyMalformedAnnounceError",
    "IvyMalformedLineError",
    "IvyMessage",
    "IvyPeerState",
    # pymasep
    "PymasepDecodeError",
    "PymasepEncodeError",
    "PymasepError",
    "PymasepFrameTooLargeError",
    "PymasepHandshakeError",
    "PymasepMessage",
    # Net_Node
    "NetFrameError",
    "NetMessage",
    "NetMessageError",
    "NetNodeError",
    "UnsafePayloadError",
]
