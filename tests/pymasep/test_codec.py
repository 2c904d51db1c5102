"""common/protocol/pymasep.py: frames, hello/bye, the XML Message codec (sans-IO)."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.communication.codec import (
    BYE,
    Frame,
    bye_frame,
    decode_announcement,
    decode_hello,
    decode_message,
    encode_message,
    encode_value,
    frame,
    frame_decoder,
    hello_frame,
)
from common.communication.exceptions import PymasepDecodeError, PymasepEncodeError
from common.protocol import FrameTooLargeError, LocalProtocolError, ProtocolError

SAMPLE = (
    b'<Message msg_type="action" src_sub_app="src-1"><dict><item key="a"><int>1</int></item>'
    b'<item key="e"><str content="empty" /></item><item key="l"><list><item><int>1</int></item></list></item>'
    b"</dict></Message>"
)
SAMPLE_PARAMS = {"a": 1, "e": "", "l": [1]}


# --- byte-exact vectors from the spec ---------------------------------------------------------------
def test_sample_message_encodes_to_the_spec_bytes() -> None:
    assert encode_message("action", SAMPLE_PARAMS, "src-1") == SAMPLE


def test_sample_message_decodes() -> None:
    assert decode_message(SAMPLE) == ("action", SAMPLE_PARAMS, "src-1")


@pytest.mark.parametrize("params", [pytest.param(None, id="none"), pytest.param({}, id="empty-dict")])
def test_no_params_is_an_empty_element(params: dict[str, Any] | None) -> None:
    assert encode_message("end", params, "e1") == b'<Message msg_type="end" src_sub_app="e1" />'
    assert decode_message(b'<Message msg_type="end" src_sub_app="e1" />') == ("end", None, "e1")


def test_non_ascii_is_written_as_character_references() -> None:
    payload = encode_message("observation", {"name": "é😀"}, "é")
    assert payload == (
        b'<Message msg_type="observation" src_sub_app="&#233;"><dict><item key="name">'
        b"<str>&#233;&#128512;</str></item></dict></Message>"
    )
    assert decode_message(payload) == ("observation", {"name": "é😀"}, "é")


def test_hello_and_bye_frames() -> None:
    assert hello_frame("client-1") == b"\x08\x00client-1"
    assert hello_frame("é") == b"\x02\x00\xc3\xa9"
    assert bye_frame() == b"\x03\x00BYE"
    assert Frame.hello_frame("srv").to_bytes() == b"\x03\x00srv"
    assert Frame.bye_frame() == Frame(BYE)
    assert decode_hello(b"client-1") == "client-1"


def _reference_xml(native: Any) -> ET.Element:
    """pymasep 0.2's encoding, restated with ElementTree (which is what pymasep uses)."""
    element = ET.Element(type(native).__name__)
    if type(native) in (list, tuple, set):
        for item in native:
            ET.SubElement(element, "item").append(_reference_xml(item))
    elif type(native) is dict:
        for key, value in native.items():
            item = ET.SubElement(element, "item")
            item.attrib["key"] = key
            item.append(_reference_xml(value))
    else:
        if native == "":
            element.attrib["content"] = "empty"
        element.text = str(native)
    return element


def _reference_message(msg_type: str, params: dict[str, Any] | None, src: str) -> bytes:
    root = ET.Element("Message")
    root.set("msg_type", msg_type)
    root.set("src_sub_app", src)
    if params:
        root.append(_reference_xml(params))
    return ET.tostring(root)


_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff").filter(
    lambda c: c in "\t\n\r" or ord(c) >= 0x20
)
# pymasep's ElementTree writes a carriage return raw (a parser reads it back as LF); we write &#13;.
_no_cr = _chars.filter(lambda c: c != "\r")


def _params_of(chars: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    scalars = st.one_of(
        st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), st.text(chars, max_size=20)
    )
    hashables = st.recursive(scalars, lambda inner: st.tuples(inner, inner), max_leaves=4)
    values = st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.lists(inner, max_size=4).map(tuple),
            st.sets(hashables, max_size=4),
            st.dictionaries(st.text(chars, max_size=8), inner, max_size=4),
        ),
        max_leaves=20,
    )
    return st.dictionaries(st.text(chars, max_size=8), values, max_size=5)


@given(_params_of(_no_cr), st.text(_no_cr, max_size=10), st.text(_no_cr, max_size=10))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_encoding_is_byte_exact_with_pymasep_elementtree(params: dict[str, Any], msg_type: str, src: str) -> None:
    assert encode_message(msg_type, params, src) == _reference_message(msg_type, params, src)


# --- round trips -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(False, id="false-stays-false"),
        pytest.param(True, id="true"),
        pytest.param(None, id="none"),
        pytest.param(0.1, id="float-repr"),
        pytest.param(1e-310, id="float-subnormal"),
        pytest.param(-0.0, id="float-negative-zero"),
        pytest.param(math.inf, id="float-inf"),
        pytest.param(2**100, id="big-int"),
        pytest.param(-7, id="negative-int"),
        pytest.param("", id="empty-str"),
        pytest.param("  padded\t\n\r", id="whitespace-and-cr"),
        pytest.param("<class 'os.system'>", id="class-lookalike-is-a-str"),
        pytest.param("&amp; <b>", id="markup-str"),
        pytest.param((1, (2, "x")), id="nested-tuple"),
        pytest.param({1, "a", (2, 3)}, id="set"),
        pytest.param([[], {}, (), set()], id="empty-containers"),
        pytest.param({"k": {"deeper": [None, False, {"x": ""}]}}, id="nested-dict"),
    ],
)
def test_value_round_trips_exactly(value: Any) -> None:
    params = decode_message(encode_message("observation", {"v": value}, "s")).params
    assert params is not None
    assert params["v"] == value
    assert type(params["v"]) is type(value)
    if isinstance(value, float):
        assert repr(params["v"]) == repr(value)


def test_nan_round_trips() -> None:
    _, params, _ = decode_message(encode_message("observation", {"v": math.nan}, "s"))
    assert params is not None and math.isnan(params["v"])


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (True == 1 is not enough)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return repr(a) == repr(b)
    return bool(a == b)


@given(_params_of(_chars), st.text(_chars, max_size=10), st.text(_chars, max_size=10))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_nested_values_round_trip(params: dict[str, Any], msg_type: str, src: str) -> None:
    decoded = decode_message(encode_message(msg_type, params, src))
    assert decoded.msg_type == msg_type
    assert decoded.src_sub_app == src
    assert _same(decoded.params or {}, params)


# --- the decoder refuses, clearly ------------------------------------------------------------------
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Message msg_type="action" src_sub_app="x"><dict><item key="a"><str>&lol3;</str></item></dict></Message>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE m [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<Message msg_type="action" src_sub_app="x"><dict><item key="a"><str>&ext;</str></item></dict></Message>"""


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        pytest.param(BILLION_LAUGHS, "DTDForbidden", id="entity-expansion"),
        pytest.param(EXTERNAL, "DTDForbidden", id="external-entity"),
        pytest.param(
            b'<!DOCTYPE Message SYSTEM "http://127.0.0.1:9/x.dtd"><Message msg_type="a" src_sub_app="b" />',
            "DTDForbidden",
            id="external-dtd",
        ),
        pytest.param(b'<Message msg_type="a" src_sub_app="b">&lol;</Message>', "undefined entity", id="undefined"),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="t"><type>&lt;class \'os.system\'&gt;</type>'
            b"</item></dict></Message>",
            "unknown element <type>",
            id="type-element",
        ),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="s"><State /></item></dict></Message>',
            "unknown element <State>",
            id="unknown-element",
        ),
        pytest.param(b'<Message msg_type="a" src_sub_app="b"><list /></Message>', "must be a <dict>", id="params-list"),
        pytest.param(b'<Message src_sub_app="b" />', "msg_type", id="no-msg-type"),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item><int>1</int></item></dict></Message>',
            "without its key",
            id="dict-item-no-key",
        ),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="b"><bool>yes</bool></item></dict></Message>',
            "only True and False",
            id="bad-bool",
        ),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="b"><int>1.5</int></item></dict></Message>',
            "not an integer",
            id="bad-int",
        ),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="b"><set><item><list /></item></set>'
            b"</item></dict></Message>",
            "unhashable",
            id="unhashable-set",
        ),
        pytest.param(
            b'<Message msg_type="a" src_sub_app="b"><dict><item key="b"><int>1</int><int>2</int></item>'
            b"</dict></Message>",
            "more than one value",
            id="two-values-in-item",
        ),
        pytest.param(b"<Message", "not well-formed", id="truncated"),
        pytest.param(b"", "not well-formed", id="empty"),
        pytest.param(b"\xff\xfe<", "not well-formed", id="garbage"),
    ],
)
def test_decoder_refuses_with_a_clear_error(payload: bytes, needle: str) -> None:
    with pytest.raises(PymasepDecodeError, match=needle):
        decode_message(payload)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    depth = 5000
    body = b"<list><item>" * depth + b"<int>1</int>" + b"</item></list>" * depth
    payload = b'<Message msg_type="a" src_sub_app="b"><dict><item key="k">' + body + b"</item></dict></Message>"
    with pytest.raises(PymasepDecodeError, match="too deeply"):
        decode_message(payload)


@given(st.binary(max_size=300))
@settings(max_examples=500, deadline=None)
def test_decoder_fuzz_raises_only_its_own_error(payload: bytes) -> None:
    try:
        decode_message(payload)
    except PymasepDecodeError:
        pass


_fragments = st.sampled_from(
    [
        b"<Message msg_type='a' src_sub_app='b'>",
        b"</Message>",
        b"<dict>",
        b"</dict>",
        b"<item key='k'>",
        b"<item>",
        b"</item>",
        b"<list>",
        b"</list>",
        b"<set>",
        b"</set>",
        b"<int>1</int>",
        b"<float>nan</float>",
        b"<bool>False</bool>",
        b"<str content='empty' />",
        b"<NoneType>None</NoneType>",
        b"<type>x</type>",
        b"&#0;",
        b"&amp;",
        b" ",
        b"<!DOCTYPE x>",
    ]
)


@given(st.lists(_fragments, max_size=30).map(b"".join))
@settings(max_examples=500, deadline=None)
def test_decoder_fuzz_structured_raises_only_its_own_error(payload: bytes) -> None:
    try:
        decode_message(payload)
    except PymasepDecodeError:
        pass


# --- the encoder refuses, clearly ------------------------------------------------------------------
class _Obj:
    def to_xml(self) -> str:
        return "<x/>"


_cyclic: list[Any] = []
_cyclic.append(_cyclic)


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        pytest.param({"o": _Obj()}, "cannot carry", id="object"),
        pytest.param({"t": int}, "cannot carry", id="type"),
        pytest.param({"f": frozenset()}, "cannot carry", id="frozenset"),
        pytest.param({"d": {1: "x"}}, "keys must be str", id="int-key"),
        pytest.param({"s": "\x00"}, "XML 1.0", id="nul-char"),
        pytest.param({"c": _cyclic}, "deeper", id="cyclic"),
    ],
)
def test_encoder_refuses_with_a_clear_error(params: dict[str, Any], needle: str) -> None:
    with pytest.raises(PymasepEncodeError, match=needle):
        encode_message("action", params, "s")
    assert issubclass(PymasepEncodeError, ValueError)


def test_encode_value_scalar() -> None:
    assert encode_value(False) == b"<bool>False</bool>"
    assert encode_value(None) == b"<NoneType>None</NoneType>"


# --- frames -----------------------------------------------------------------------------------------
def test_frame_over_65535_bytes_is_refused_on_send() -> None:
    assert len(frame(b"x" * 65535)) == 65537
    # Our own oversized frame is the caller's error (a ValueError), not the peer's ProtocolError.
    with pytest.raises(LocalProtocolError, match="65536 bytes exceeds the limit of 65535") as info:
        frame(b"x" * 65536)
    assert not isinstance(info.value, ProtocolError)
    with pytest.raises(ValueError, match="exceeds"):
        Frame(b"x" * 70000).to_bytes()


def test_frame_over_the_receive_limit_is_refused_on_receive() -> None:
    decoder = frame_decoder(max_size=100)
    assert decoder.feed(frame(b"a" * 100)) == [b"a" * 100]
    with pytest.raises(FrameTooLargeError, match="101 bytes exceeds the limit of 100"):
        decoder.feed(b"\x65\x00")
    assert frame_decoder().max_size == 65535  # the u16 header cannot announce more


def test_codec_fed_one_byte_at_a_time() -> None:
    messages = [encode_message("action", {"i": i, "s": "é" * i}, "c") for i in range(20)]
    stream = hello_frame("client") + b"".join(frame(m) for m in messages) + bye_frame() + frame(SAMPLE)
    decoder = frame_decoder()
    payloads: list[bytes] = []
    for byte in stream:
        got = decoder.feed(bytes([byte]))
        assert len(got) <= 1
        payloads += got
        if not got:
            assert decoder.next_frame() is None
    assert decode_hello(payloads[0]) == "client"
    assert [decode_message(p) for p in payloads[1:21]] == [("action", {"i": i, "s": "é" * i}, "c") for i in range(20)]
    assert payloads[21] == BYE
    assert decode_message(payloads[22]) == ("action", SAMPLE_PARAMS, "src-1")
    assert decoder.pending == 0


@given(st.binary(max_size=200), st.integers(min_value=1, max_value=7))
@settings(max_examples=300, deadline=None)
def test_frame_decoder_fuzz(data: bytes, chunk: int) -> None:
    decoder = frame_decoder(max_size=50)
    try:
        for i in range(0, len(data), chunk):
            for payload in decoder.feed(data[i : i + chunk]):
                assert len(payload) <= 50
    except ProtocolError:
        pass


@pytest.mark.parametrize(
    "payload", [pytest.param(b"", id="empty"), pytest.param(b"\xff", id="not-utf8"), pytest.param(BYE, id="bye")]
)
def test_bad_hello_is_refused(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_hello(payload)


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(b"127.0.0.1:4242", ("127.0.0.1", 4242), id="ok")],
)
def test_announcement(data: bytes, expected: tuple[str, int]) -> None:
    assert decode_announcement(data) == expected


@pytest.mark.parametrize("data", [b"", b"127.0.0.1", b"h:0", b"h:70000", b":1", b"h:x", b"\xff:1"])
def test_bad_announcement_is_refused(data: bytes) -> None:
    with pytest.raises(PymasepDecodeError):
        decode_announcement(data)
