"""The pymasep XML Message codec, sans-IO (used through common.protocol.pymasep).

The encoder writes the bytes ``xml.etree.ElementTree.tostring`` writes for the same pymasep Message
(ASCII, character references, ``<str content="empty" />``, short empty elements), except a carriage
return in text, written ``&#13;`` so that it survives. The decoder parses with defusedxml itself
(``defusedxml.ElementTree.fromstring`` with ``forbid_dtd``, ``forbid_entities`` and ``forbid_external``:
a DTD, an entity declaration or an external reference raises ``DTDForbidden``/``EntitiesForbidden``/
``ExternalReferenceForbidden``; malformed XML raises ``ParseError``; both reported as
:class:`PymasepDecodeError`), then walks the element tree with an explicit stack (no recursion; at most
MAX_DEPTH nested containers), building values from an allow-list of element names (a dispatch dict on
the tag): ``<type>`` or any other element is an error; nothing is imported or instantiated.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring as _fromstring  # type: ignore[import-untyped]

from .exceptions import PymasepDecodeError, PymasepEncodeError

MESSAGE_TYPES = ("define", "register", "observation", "action", "quit", "end")
MAX_DEPTH = 100  # value nesting accepted (both ways)
MAX_NAME = 255  # characters of msg_type and src_sub_app (both ways): a reply echoes msg_type

SCALARS = frozenset({"str", "int", "float", "bool", "NoneType"})
CONTAINERS = frozenset({"list", "tuple", "set", "dict"})
VALUE_TAGS = SCALARS | CONTAINERS  # the allow-list: any other element name is refused

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
    if len(msg_type) > MAX_NAME or len(src_sub_app) > MAX_NAME:
        raise PymasepEncodeError(f"msg_type and src_sub_app_id are limited to {MAX_NAME} characters")
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
    try:
        root: Element = _fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        raise PymasepDecodeError(f"not well-formed XML: {exc}") from None
    except DefusedXmlException as exc:
        raise PymasepDecodeError(f"XML refused: {type(exc).__name__}: {exc}") from None
    tag = root.tag
    msg_type = root.get("msg_type")
    src = root.get("src_sub_app")
    if msg_type is None or src is None or tag in VALUE_TAGS or tag == "item":
        raise PymasepDecodeError(f"<{tag:.40}> is not a Message: msg_type and src_sub_app attributes required")
    if len(msg_type) > MAX_NAME or len(src) > MAX_NAME:
        raise PymasepDecodeError(
            f"msg_type ({len(msg_type)} characters) or src_sub_app ({len(src)}) over the limit of {MAX_NAME}"
        )
    _no_text(root.text, tag)
    if not len(root):
        return PymasepMessage(msg_type, None, src)
    first = root[0]
    if first.tag not in VALUE_TAGS:
        _refuse_child(first.tag, tag)
    params = _value(first)
    _no_text(first.tail, tag)
    if len(root) > 1:
        _refuse_child(root[1].tag, tag, holds_one=True)
    if type(params) is not dict:
        raise PymasepDecodeError(f"Message params must be a <dict>, got <{type(params).__name__}>")
    return PymasepMessage(msg_type, params, src)


def _value(element: Element) -> Any:
    """The value of one value element, built iteratively: an explicit stack holds the containers open
    above the one being filled (at most MAX_DEPTH + 1 open), nothing recurses."""
    tag = element.tag
    if tag not in CONTAINERS:
        return _scalar(element, tag)
    _no_text(element.text, tag)
    stack: list[tuple[str, Iterator[Element], Any, str | None]] = []
    ctag, items = tag, iter(element)
    out: Any = {} if tag == "dict" else []  # filled in place: a dict, or a list (a tuple/set at the end)
    while True:
        in_dict = type(out) is dict
        too_deep = len(stack) >= MAX_DEPTH  # a value here would be at level MAX_DEPTH + 2
        for item in items:
            if item.tag != "item" or len(item) != 1 or item.text is not None or item.tail is not None:
                _check_item(item, ctag)  # raises unless it is only whitespace
            key = item.get("key") if in_dict else None
            if key is None and in_dict:
                _refuse_child("item", ctag)
            child = item[0]
            tag = child.tag
            if child.tail is not None:
                _no_text(child.tail, "item")
            convert = _SCALAR.get(tag)
            if convert is None or too_deep:
                if too_deep or tag not in CONTAINERS:
                    _refuse_child(tag, "item")
                _no_text(child.text, tag)
                stack.append((ctag, items, out, key))
                ctag, items, out = tag, iter(child), {} if tag == "dict" else []
                break
            text = child.text
            value = convert(text) if text is not None and not len(child) else _scalar(child, tag)
            if in_dict:
                out[key] = value
            else:
                out.append(value)
        else:
            value = out if ctag == "dict" or ctag == "list" else _BUILD[ctag](out)
            if not stack:
                return value
            ctag, items, out, key = stack.pop()
            _put(out, key, value)


def _put(out: dict[str | None, Any] | list[Any], key: str | None, value: Any) -> None:
    if isinstance(out, dict):
        out[key] = value
    else:
        out.append(value)


def _check_item(item: Element, parent: str) -> None:
    """The slow path for an <item> child of ``parent``: raise, unless its extra text is whitespace."""
    if item.tag != "item" or (parent == "dict" and item.get("key") is None):
        _refuse_child(item.tag, parent)
    _no_text(item.text, "item")
    if not len(item):
        raise PymasepDecodeError("an <item> holds exactly one value")
    if len(item) > 1 and item[0].tag in VALUE_TAGS:  # the first is a value: report the second
        _refuse_child(item[1].tag, "item", holds_one=True)
    _no_text(item.tail, parent)


def _refuse_child(tag: str, parent: str, holds_one: bool = False) -> NoReturn:
    """Raise the error for a ``<tag>`` child of ``<parent>``: a misplaced <item>, an unknown element, a
    value out of place, a second value (``holds_one``), else a value nested too deeply."""
    if tag == "item":
        if parent not in CONTAINERS:
            raise PymasepDecodeError(f"<item> inside <{parent}>: items belong in list, tuple, set or dict")
        raise PymasepDecodeError("a dict <item> without its key attribute")
    if tag not in VALUE_TAGS:
        raise PymasepDecodeError(f"unknown element <{tag:.40}>: not a pymasep value type (nothing is imported)")
    if parent in VALUE_TAGS:
        raise PymasepDecodeError(f"<{tag}> directly inside <{parent}> (values go in <item>)")
    if holds_one:
        raise PymasepDecodeError(f"<{parent:.40}> holds more than one value")
    raise PymasepDecodeError(f"values nest too deeply (more than {MAX_DEPTH} levels)")


def _no_text(text: str | None, parent: str) -> None:
    """Whitespace between elements is fine; any other text out of a scalar is an error."""
    if text is not None and not text.isspace():
        raise PymasepDecodeError(f"text {text[:40]!r} inside <{parent:.40}>")


def _scalar(element: Element, tag: str) -> Any:
    """A scalar element's value (the slow path of the tree walk: an empty element, or one with children)."""
    if len(element):
        _refuse_child(element[0].tag, tag)
    text = element.text
    if text is None:  # pymasep: an empty scalar element is None, <str content="empty" /> is ''
        return "" if tag == "str" and element.get("content") == "empty" else None
    return _SCALAR[tag](text)


def _set(values: list[Any]) -> set[Any]:
    try:
        return set(values)
    except TypeError as exc:
        raise PymasepDecodeError(f"<set> of unhashable values: {exc}") from None


_BUILD: dict[str, Callable[[list[Any]], Any]] = {"tuple": tuple, "set": _set}


def _int(text: str) -> int:
    if not (text.isdigit() and text.isascii()) and _INT.fullmatch(text.strip()) is None:
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


_SCALAR: dict[str, Callable[[str], Any]] = {"str": str, "int": _int, "float": _float, "bool": _bool, "NoneType": _none}
