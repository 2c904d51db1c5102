"""Sans-IO codecs, one module per wire dialect. No socket, thread or Django import in here."""

from .exceptions import FrameTooLargeError, MalformedMessageError, ProtocolError
from .framing import DEFAULT_MAX_FRAME_SIZE, U16_LE, U32_BE, FrameDecoder, Header, encode_frame
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

__all__ = [
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
]

# --- pymasep ---
from .exceptions import (
    PymasepDecodeError,
    PymasepEncodeError,
    PymasepError,
    PymasepFrameTooLargeError,
    PymasepHandshakeError,
)
from .pymasep import PymasepMessage

__all__ += [
    "PymasepDecodeError",
    "PymasepEncodeError",
    "PymasepError",
    "PymasepFrameTooLargeError",
    "PymasepHandshakeError",
    "PymasepMessage",
]

# --- Net_Node (autopilot) ---
from .exceptions import NetFrameError, NetMessageError, NetNodeError, UnsafePayloadError  # noqa: E402
from .netnode import NetMessage  # noqa: E402

__all__ += ["NetFrameError", "NetMessage", "NetMessageError", "NetNodeError", "UnsafePayloadError"]
