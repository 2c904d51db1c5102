"""The pymasep (0.2) wire dialect, sans-IO: u16 little-endian frames and the XML Message.

Frames are ``[length: u16 LE][payload]`` (``framing.U16_LE``); a connection starts with a hello frame
each way (payload: the UTF-8 id of the sender) and ends with a bye frame (payload ``b'BYE'``).
Every other frame carries one Message, XML without a declaration, ASCII with character references::

    <Message msg_type="action" src_sub_app="src-1"><dict><item key="a"><int>1</int></item></dict></Message>

Values are ``<TYPENAME>text</TYPENAME>`` for int, float, bool, NoneType and str (the empty string is
``<str content="empty" />``) and ``<list>``/``<tuple>``/``<set>``/``<dict>`` holding ``<item>``
children (``key="..."`` in a dict). The encoder writes the bytes ``xml.etree.ElementTree.tostring``
writes for the same Message, except a carriage return in text, written ``&#13;`` so that it survives.
Every value round-trips exactly (``False`` stays ``False``; ``None``, floats, empty and non-ASCII
strings decode). No params and empty params both encode to an empty element, which decodes as
``params=None`` (what a pymasep peer sees).

The decoder parses with ``defusedxml.ElementTree.fromstring`` (DTDs, entity declarations and external
references forbidden: defusedxml's ``DTDForbidden``/``EntitiesForbidden``/``ExternalReferenceForbidden``,
wrapped in :class:`PymasepDecodeError`) and builds values from the element tree, iteratively, with an
allow-list of element names: ``<type>`` or any other element is an error; nothing from the wire is
imported or instantiated.
"""

from __future__ import annotations

from ..protocol.framing import U16_LE, FrameDecoder
from .exceptions import PymasepDecodeError, PymasepFrameTooLargeError, PymasepHandshakeError
from .xmlvalues import MESSAGE_TYPES, PymasepMessage, decode_message, encode_message, encode_value

__all__ = [
    "BYE",
    "DISCOVERY_REQUEST",
    "MAX_PAYLOAD",
    "MESSAGE_TYPES",
    "Frame",
    "PymasepMessage",
    "bye_frame",
    "decode_announcement",
    "decode_hello",
    "decode_message",
    "encode_announcement",
    "encode_message",
    "encode_value",
    "frame",
    "frame_decoder",
    "hello_frame",
]

MAX_PAYLOAD = U16_LE.max_length  # 65,535
BYE = b"BYE"
DISCOVERY_REQUEST = b"pymasep server?"


# --- frames ---------------------------------------------------------------------------------------
def frame(payload: bytes, max_size: int = MAX_PAYLOAD) -> bytes:
    """``[u16 LE length][payload]`` as one bytes object (for one write).

    Raises :class:`PymasepFrameTooLargeError` above ``max_size`` (at most 65,535)."""
    limit = min(max_size, MAX_PAYLOAD)
    if len(payload) > limit:
        raise PymasepFrameTooLargeError(len(payload), limit)
    return len(payload).to_bytes(2, "little") + payload


def hello_frame(ident: str) -> bytes:
    return frame(_hello_payload(ident))


def bye_frame() -> bytes:
    return frame(BYE)


def frame_decoder(max_size: int = MAX_PAYLOAD) -> FrameDecoder:
    """An incremental decoder of pymasep frames; a header over ``max_size`` raises FrameTooLargeError."""
    return FrameDecoder(U16_LE, min(max_size, MAX_PAYLOAD))


def _hello_payload(ident: str) -> bytes:
    if not isinstance(ident, str) or not ident:
        raise ValueError(f"a pymasep id is a non-empty str, got {ident!r}")
    payload = ident.encode()
    if payload == BYE:
        raise ValueError("'BYE' cannot be a pymasep id: it is the bye frame")
    return payload


def decode_hello(payload: bytes) -> str:
    """The id a hello frame carries; :class:`PymasepHandshakeError` if it is not one."""
    if payload == BYE:
        raise PymasepHandshakeError("the peer said BYE instead of hello")
    if not payload:
        raise PymasepHandshakeError("empty hello frame (no id)")
    try:
        return payload.decode()
    except UnicodeDecodeError as exc:
        raise PymasepHandshakeError(f"hello id is not UTF-8: {exc}") from None


# --- discovery --------------------------------------------------------------------------------------
def encode_announcement(host: str, port: int) -> bytes:
    """The answer to a discovery request: ASCII ``"<ip>:<port>"``."""
    return f"{host}:{port}".encode("ascii")


def decode_announcement(data: bytes) -> tuple[str, int]:
    """Parse ``"<ip>:<port>"``; :class:`PymasepDecodeError` for anything else."""
    text = data.decode("ascii", "replace")
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536 or "\ufffd" in text:
        raise PymasepDecodeError(f"not a pymasep announcement ('<ip>:<port>'): {data[:80]!r}")
    return host, int(port_text)


class Frame:
    """One pymasep frame's payload (``pymasep.communication.Frame``): ``message`` bytes and ``size``."""

    __slots__ = ("message", "size")

    def __init__(self, msg: bytes) -> None:
        if type(msg) is not bytes:
            raise TypeError(f"Frame message type must be bytes, got {type(msg).__name__}")
        self.message = msg
        self.size = len(msg)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Frame) and self.message == other.message

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Frame({self.message[:60]!r}{'...' if self.size > 60 else ''})"

    @property
    def is_bye(self) -> bool:
        return self.message == BYE

    def to_bytes(self) -> bytes:
        """Header + payload, for one write; :class:`PymasepFrameTooLargeError` above 65,535 bytes."""
        return frame(self.message)

    @classmethod
    def hello_frame(cls, ident: str) -> Frame:
        """The first frame of a connection: the sender's id."""
        return cls(_hello_payload(ident))

    @classmethod
    def bye_frame(cls) -> Frame:
        """The last frame of a connection."""
        return cls(BYE)
