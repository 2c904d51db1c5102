"""The pymasep XML Message codec, sans-IO (used through common.protocol.pymasep).

The encoder writes the bytes ``xml.etree.ElementTree.tostring`` writes for the same pymasep Message
(ASCII, character references, ``<str content="empty" />``, short empty elements), except a carriage
return in text, written ``&#13;`` so that it survives. The decoder parses with expat guarded as
defusedxml guards it (a DTD, an entity declaration or an external reference raises defusedxml's own
``DTDForbidden``/``EntitiesForbidden``/``ExternalReferenceForbidden``, reported as
:class:`PymasepDecodeError`) and builds values from an allow-list of element names, iteratively
(bounded depth): ``<type>`` or any other element is an error; nothing is imported or instantiated.
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

from .exceptions import PymasepDecodeError, PymasepEncodeError

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


# A node being built is a list [tag, key-or-content attribute, text parts, child values]: cheaper than
# an object on this hot path.
_TAG, _ATTR, _TEXT, _VALUES = 0, 1, 2, 3
VALUE_TAGS = SCALARS | CONTAINERS
_MAX_STACK = 2 * MAX_DEPTH + 2


class _Builder:
    """expat callbacks building the Message (iteratively: depth is bounded, nothing recurses)."""

    __slots__ = ("done", "head", "params", "stack")

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.head: tuple[str, str] | None = None
        self.params: list[Any] = []
        self.done = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        if not stack:
            self._start_root(tag, attrs)
            return
        top = stack[-1]
        parent = top[_TAG]
        if tag == "item":
            key = attrs.get("key")
            if parent not in CONTAINERS or (key is None and parent == "dict"):
                self._refuse_item(parent)
            stack.append([tag, key, None, []])
        elif tag in VALUE_TAGS and parent not in VALUE_TAGS and not top[_VALUES] and len(stack) < _MAX_STACK:
            stack.append([tag, attrs.get("content"), [], []])
        else:
            self._refuse_value(tag, parent, len(stack))

    def _start_root(self, tag: str, attrs: dict[str, str]) -> None:
        msg_type = attrs.get("msg_type")
        src = attrs.get("src_sub_app")
        if msg_type is None or src is None or tag in VALUE_TAGS or tag == "item" or self.done:
            raise PymasepDecodeError(f"<{tag:.40}> is not a Message: msg_type and src_sub_app attributes required")
        self.head = (msg_type, src)
        self.stack.append([tag, None, None, []])

    @staticmethod
    def _refuse_item(parent: str) -> None:
        if parent not in CONTAINERS:
            raise PymasepDecodeError(f"<item> inside <{parent}>: items belong in list, tuple, set or dict")
        raise PymasepDecodeError("a dict <item> without its key attribute")

    @staticmethod
    def _refuse_value(tag: str, parent: str, depth: int) -> None:
        if tag not in VALUE_TAGS:
            raise PymasepDecodeError(f"unknown element <{tag:.40}>: not a pymasep value type (nothing is imported)")
        if parent in VALUE_TAGS:
            raise PymasepDecodeError(f"<{tag}> directly inside <{parent}> (values go in <item>)")
        if depth >= _MAX_STACK:
            raise PymasepDecodeError(f"values nest too deeply (more than {MAX_DEPTH} levels)")
        raise PymasepDecodeError(f"<{parent}> holds more than one value")

    def data(self, text: str) -> None:
        if self.stack:
            node = self.stack[-1]
            if node[_TAG] in SCALARS:
                node[_TEXT].append(text)
            elif not text.isspace():
                raise PymasepDecodeError(f"text {text[:40]!r} inside <{node[_TAG]}>")

    def end(self, tag: str) -> None:
        stack = self.stack
        node = stack.pop()
        if tag == "item":
            values = node[_VALUES]
            if len(values) != 1:
                raise PymasepDecodeError("an <item> holds exactly one value")
            stack[-1][_VALUES].append((node[_ATTR], values[0]))
        elif stack:
            stack[-1][_VALUES].append(_value(node))
        else:
            self.params = node[_VALUES]
            self.done = True

    def result(self) -> PymasepMessage:
        if not self.done or self.head is None:
            raise PymasepDecodeError("no Message element")
        if not self.params:
            return PymasepMessage(self.head[0], None, self.head[1])
        params = self.params[0]
        if type(params) is not dict:
            raise PymasepDecodeError(f"Message params must be a <dict>, got <{type(params).__name__}>")
        return PymasepMessage(self.head[0], params, self.head[1])


def _value(node: list[Any]) -> Any:
    tag = node[_TAG]
    if tag in CONTAINERS:
        items = node[_VALUES]
        if tag == "dict":
            return dict(items)
        values = [value for _, value in items]
        if tag == "list":
            return values
        if tag == "tuple":
            return tuple(values)
        try:
            return set(values)
        except TypeError as exc:
            raise PymasepDecodeError(f"<set> of unhashable values: {exc}") from None
    parts = node[_TEXT]
    if not parts:  # pymasep: an empty scalar element is None, <str content="empty" /> is ''
        return "" if tag == "str" and node[_ATTR] == "empty" else None
    text = parts[0] if len(parts) == 1 else "".join(parts)
    return _SCALAR[tag](text)


def _int(text: str) -> int:
    if _INT.fullmatch(text.strip()) is None:
        raise PymasepDecodeError(f"<int>{text[:40]!r}</int> is not an integer")
    try:
        return int(text)
    except ValueError as exc:
        raise PymasepDecodeError(f"<int> too long: {exc}") from None


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise PymasepDecodeError(f"<float>{text[:40]!r}</float> is not a float") from None


def _bool(text: str) -> bool:
    if text == "True":
        return True
    if text == "False":
        return False
    raise PymasepDecodeError(f"<bool>{text[:40]!r}</bool>: only True and False")


def _none(text: str) -> None:
    if text != "None":
        raise PymasepDecodeError(f"<NoneType>{text[:40]!r}</NoneType>: only None")


def _str(text: str) -> str:
    return text


_SCALAR: dict[str, Any] = {"str": _str, "int": _int, "float": _float, "bool": _bool, "NoneType": _none}
