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

# --- Ivy ------------------------------------------------------------------------------------------
from .exceptions import (  # noqa: E402
    IvyBusAddressError,
    IvyError,
    IvyIllegalStateError,
    IvyInvalidTextError,
    IvyLineTooLongError,
    IvyMalformedAnnounceError,
    IvyMalformedLineError,
)
from .ivy import Announce, IvyDecoder, IvyMessage, IvyPeerState  # noqa: E402

__all__ += [
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
]
