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

The decoder parses with expat guarded as defusedxml guards it (a DTD, an entity declaration or an
external reference raises defusedxml's own ``DTDForbidden``/``EntitiesForbidden``/
``ExternalReferenceForbidden``, wrapped in :class:`PymasepDecodeError`) and builds values from an
allow-list of element names: ``<type>`` or any other element is an error; nothing from the wire is
imported or instantiated.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple
from xml.parsers import expat

from defusedxml import (  # type: ignore[import-untyped]
    DefusedXmlException,
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
)

from .exceptions import PymasepDecodeError, PymasepEncodeError, PymasepFrameTooLargeError, PymasepHandshakeError
from .framing import U16_LE, FrameDecoder

MAX_PAYLOAD = U16_LE.max_length  # 65,535
BYE = b"BYE"
DISCOVERY_REQUEST = b"pymasep server?"
MESSAGE_TYPES = ("define", "register", "observation", "action", "quit", "end")
MAX_DEPTH = 100  # value nesting accepted (both ways)

SCALARS = frozenset({"str", "int", "float", "bool", "NoneType"})
CONTAINERS = frozenset({"list", "tuple", "set", "dict"})

# Characters XML 1.0 cannot hold, not even as character references.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C0_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_INT = re.compile(r"[+-]?[0-9]+")


class PymasepMessage(NamedTuple):
    """A decoded Message: ``params`` is a dict, or None for an empty element."""

    msg_type: str
    params: dict[str, Any] | None
    src_sub_app: str


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


# --- encoding -----------------------------------------------------------------------------------------
def encode_message(msg_type: str, params: dict[str, Any] | None, src_sub_app: str, root: str = "Message") -> bytes:
    """The XML payload of a Message (no frame header). Raises :class:`PymasepEncodeError`."""
    if not isinstance(msg_type, str) or not isinstance(src_sub_app, str):
        raise PymasepEncodeError(
            f"msg_type and src_sub_app_id must be str, got {type(msg_type).__name__} and {type(src_sub_app).__name__}"
        )
    if params is not None and type(params) is not dict:
        raise PymasepEncodeError(f"Message params must be a dict or None, got {type(params).__name__}")
    head = f'<{root} msg_type="{_attr(msg_type)}" src_sub_app="{_attr(src_sub_app)}"'
    if not params:
        return f"{head} />".encode("ascii", "xmlcharrefreplace")
    out = [head, ">"]
    _encode(params, out, 0)
    out.append(f"</{root}>")
    return "".join(out).encode("ascii", "xmlcharrefreplace")


def encode_value(value: Any) -> bytes:
    """One value as its XML element (``<int>1</int>``), ASCII."""
    out: list[str] = []
    _encode(value, out, 0)
    return "".join(out).encode("ascii", "xmlcharrefreplace")


def _encode(value: Any, out: list[str], depth: int) -> None:
    kind = type(value)
    if kind is str:
        out.append(f"<str>{_text(value)}</str>" if value else '<str content="empty" />')
    elif kind is int:
        out.append(f"<int>{_int_text(value)}</int>")
    elif kind is float or kind is bool:
        out.append(f"<{kind.__name__}>{value!r}</{kind.__name__}>")
    elif value is None:
        out.append("<NoneType>None</NoneType>")
    elif kind is dict or kind is list or kind is tuple or kind is set:
        if depth >= MAX_DEPTH:
            raise PymasepEncodeError(f"value nested deeper than {MAX_DEPTH} levels (or cyclic)")
        _encode_container(value, kind.__name__, out, depth + 1)
    else:
        raise PymasepEncodeError(
            f"pymasep XML cannot carry a {kind.__module__}.{kind.__qualname__} "
            "(only int, float, bool, None, str, list, tuple, set, dict with str keys)"
        )


def _encode_container(value: Any, name: str, out: list[str], depth: int) -> None:
    if not value:
        out.append(f"<{name} />")
        return
    out.append(f"<{name}>")
    if name == "dict":
        for key, item in value.items():
            if type(key) is not str:
                raise PymasepEncodeError(f"dict keys must be str, got {type(key).__name__} key {key!r:.40}")
            out.append(f'<item key="{_attr(key)}">')
            _encode(item, out, depth)
            out.append("</item>")
    else:
        for item in value:
            out.append("<item>")
            _encode(item, out, depth)
            out.append("</item>")
    out.append(f"</{name}>")


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError as exc:  # beyond sys.get_int_max_str_digits()
        raise PymasepEncodeError(f"int too large for text: {exc}") from None


def _check_chars(text: str) -> None:
    try:  # fast path (C speed): C0 controls never occur inside multi-byte UTF-8 sequences
        data = text.encode()
        if (
            len(data.translate(None, _C0_BYTES)) == len(data)
            and b"\xef\xbf\xbe" not in data
            and b"\xef\xbf\xbf" not in data
        ):
            return
    except UnicodeEncodeError:  # a lone surrogate
        pass
    bad = _NOT_XML.search(text)
    if bad is not None:
        raise PymasepEncodeError(f"character {bad.group()!r} at {bad.start()} cannot be carried by XML 1.0")


def _text(text: str) -> str:
    _check_chars(text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:  # a parser turns a literal CR into LF
        text = text.replace("\r", "&#13;")
    return text


def _attr(text: str) -> str:
    _check_chars(text)
    for raw, escaped in _ATTR_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


# What ElementTree escapes in attribute values, in its order.
_ATTR_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)


# --- decoding -------------------------------------------------------------------------------------------
def decode_message(payload: bytes) -> PymasepMessage:
    """Parse a Message payload; raises :class:`PymasepDecodeError` (and only that)."""
    builder = _Builder()
    parser = _guarded_parser(builder)
    try:
        parser.Parse(payload, True)
    except expat.ExpatError as exc:
        raise PymasepDecodeError(f"not well-formed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise PymasepDecodeError(f"XML refused: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise PymasepDecodeError("XML nests too deeply") from None
    return builder.result()


def _guarded_parser(builder: _Builder) -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_entity
    parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity
    parser.ExternalEntityRefHandler = _forbid_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    return parser


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _forbid_entity(name: str, is_pe: bool, value: str | None, base: str | None, *ids: str | None) -> None:
    raise EntitiesForbidden(name, value, base, ids[0], ids[1], ids[2])


def _forbid_unparsed_entity(name: str, base: str | None, sysid: str, pubid: str | None, notation: str) -> None:
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation)


def _forbid_external(context: str, base: str | None, sysid: str | None, pubid: str | None) -> int:
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


class _Node:
    """An element being built: its tag, its ``key``/``content`` attribute, text, children's values."""

    __slots__ = ("attr", "tag", "text", "values")

    def __init__(self, tag: str, attr: str | None) -> None:
        self.tag = tag
        self.attr = attr
        self.text: list[str] = []
        self.values: list[Any] = []


class _Builder:
    """expat callbacks building the Message (iteratively: depth is bounded, nothing recurses)."""

    def __init__(self) -> None:
        self.stack: list[_Node] = []
        self.head: tuple[str, str] | None = None
        self.params: list[Any] = []
        self.done = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        if not stack:
            self._start_root(tag, attrs)
            return
        parent = stack[-1].tag
        if tag == "item":
            if parent not in CONTAINERS:
                raise PymasepDecodeError(f"<item> inside <{parent}>: items belong in list, tuple, set or dict")
            key = attrs.get("key")
            if parent == "dict" and key is None:
                raise PymasepDecodeError("a dict <item> without its key attribute")
            stack.append(_Node(tag, key))
            return
        if tag not in SCALARS and tag not in CONTAINERS:
            raise PymasepDecodeError(f"unknown element <{tag:.40}>: not a pymasep value type (nothing is imported)")
        if parent in CONTAINERS or parent in SCALARS:
            raise PymasepDecodeError(f"<{tag}> directly inside <{parent}> (values go in <item>)")
        if stack[-1].values or len(stack) > 2 * MAX_DEPTH:
            raise PymasepDecodeError(f"<{parent}> holds more than one value, or values nest too deeply")
        stack.append(_Node(tag, attrs.get("content")))

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        msg_type = attrs.get("msg_type")
        src = attrs.get("src_sub_app")
        if msg_type is None or src is None or tag in SCALARS or tag in CONTAINERS or tag == "item":
            raise PymasepDecodeError(f"<{tag:.40}> is not a Message: msg_type and src_sub_app attributes required")
        self.head = (msg_type, src)
        self.stack.append(_Node(tag, None))

    def data(self, text: str) -> None:
        if not self.stack:
            return
        node = self.stack[-1]
        if node.tag in SCALARS:
            node.text.append(text)
        elif not text.isspace():
            raise PymasepDecodeError(f"text {text[:40]!r} inside <{node.tag}>")

    def end(self, tag: str) -> None:
        node = self.stack.pop()
        if tag == "item":
            if len(node.values) != 1:
                raise PymasepDecodeError("an <item> holds exactly one value")
            value: Any = (node.attr, node.values[0])
        elif self.stack:
            value = _value(node)
        else:
            self.params = node.values
            self.done = True
            return
        self.stack[-1].values.append(value)

    def result(self) -> PymasepMessage:
        if not self.done or self.head is None:
            raise PymasepDecodeError("no Message element")
        if not self.params:
            return PymasepMessage(self.head[0], None, self.head[1])
        params = self.params[0]
        if type(params) is not dict:
            raise PymasepDecodeError(f"Message params must be a <dict>, got <{type(params).__name__}>")
        return PymasepMessage(self.head[0], params, self.head[1])


def _value(node: _Node) -> Any:
    tag = node.tag
    if tag in CONTAINERS:
        items = node.values
        if tag == "dict":
            return {key: value for key, value in items}
        values = [value for _, value in items]
        if tag == "list":
            return values
        if tag == "tuple":
            return tuple(values)
        try:
            return set(values)
        except TypeError as exc:
            raise PymasepDecodeError(f"<set> of unhashable values: {exc}") from None
    text = "".join(node.text)
    if not text:  # pymasep: an empty scalar element is None, <str content="empty" /> is ''
        return "" if tag == "str" and node.attr == "empty" else None
    return _scalar(tag, text)


def _scalar(tag: str, text: str) -> Any:
    if tag == "str":
        return text
    if tag == "int":
        if _INT.fullmatch(text.strip()) is None:
            raise PymasepDecodeError(f"<int>{text[:40]!r}</int> is not an integer")
        try:
            return int(text)
        except ValueError as exc:
            raise PymasepDecodeError(f"<int> too long: {exc}") from None
    if tag == "float":
        try:
            return float(text)
        except ValueError:
            raise PymasepDecodeError(f"<float>{text[:40]!r}</float> is not a float") from None
    if tag == "bool":
        if text not in ("True", "False"):
            raise PymasepDecodeError(f"<bool>{text[:40]!r}</bool>: only True and False")
        return text == "True"
    if text != "None":
        raise PymasepDecodeError(f"<NoneType>{text[:40]!r}</NoneType>: only None")
    return None


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
