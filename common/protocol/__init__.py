"""The native wire's sans-IO codec: u32 framing and JSON messages. No socket, thread or Django import.

The codecs of the other dialects live with their dialect (``common.ivy.codec``,
``common.communication.codec``, ``common.networking.codec``).
"""

from .exceptions import (
    FrameTooLargeError,
    LocalProtocolError,
    MalformedMessageError,
    OutgoingFrameTooLargeError,
    ProtocolError,
    RemoteProtocolError,
    UnencodableMessageError,
)
from .framing import DEFAULT_MAX_FRAME_SIZE, U16_LE, U32_BE, FrameDecoder, Header, encode_frame
from .message import (
    ERROR,
    MAX_DEPTH,
    MAX_TYPE_LENGTH,
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

__all__ = [
    "DEFAULT_MAX_FRAME_SIZE",
    "ERROR",
    "MAX_DEPTH",
    "MAX_TYPE_LENGTH",
    "NOTIFY",
    "REPLY",
    "REQUEST",
    "U16_LE",
    "U32_BE",
    "FrameDecoder",
    "FrameTooLargeError",
    "Header",
    "LocalProtocolError",
    "MalformedMessageError",
    "Message",
    "MessageDecoder",
    "OutgoingFrameTooLargeError",
    "ProtocolError",
    "RemoteProtocolError",
    "UnencodableMessageError",
    "decode_message",
    "encode_frame",
    "encode_message",
    "frame_message",
    "require_message",
]
