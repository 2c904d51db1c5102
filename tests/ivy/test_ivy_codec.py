"""The sans-IO Ivy codec, fed one byte at a time with bytes captured from ivy-python."""

from __future__ import annotations

import pytest

from common.ivy import codec as codec
from common.ivy.codec import IvyDecoder, IvyMessage, IvyPeerState
from common.ivy.exceptions import (
    IvyBusAddressError,
    IvyIllegalStateError,
    IvyInvalidTextError,
    IvyLineTooLongError,
    IvyMalformedAnnounceError,
    IvyMalformedLineError,
)

HANDSHAKE = b"6 41075\x02PyAgent\n1 0\x02^hello (.*)\n1 1\x02bar\n5 0\x02\n"


def feed_bytewise(data: bytes, decoder: IvyDecoder | None = None) -> list[IvyMessage]:
    decoder = decoder or IvyDecoder()
    events: list[IvyMessage] = []
    for i in range(len(data)):
        events.extend(decoder.feed(data[i : i + 1]))
    assert decoder.pending == 0
    return events


def test_handshake_bytewise() -> None:
    assert feed_bytewise(HANDSHAKE) == [
        IvyMessage(codec.START_INIT, 41075, "PyAgent"),
        IvyMessage(codec.ADD_REGEXP, 0, "^hello (.*)"),
        IvyMessage(codec.ADD_REGEXP, 1, "bar"),
        IvyMessage(codec.END_INIT, 0, ""),
    ]


def test_handshake_encoding_matches_ivy_python() -> None:
    assert codec.encode_handshake(41075, "PyAgent", [(0, "^hello (.*)"), (1, "bar")]) == HANDSHAKE


@pytest.mark.parametrize(
    ("wire", "msg_id", "args"),
    [
        pytest.param(b"2 7\x021\x03abc\x03\n", 7, ("1", "abc"), id="groups"),
        pytest.param(b"2 8\x02\n", 8, (), id="no-groups"),
        pytest.param(b"2 9\x02\x03b\x03\n", 9, ("", "b"), id="unmatched-optional-group"),
    ],
)
def test_msg_decode_and_encode(wire: bytes, msg_id: int, args: tuple[str, ...]) -> None:
    (event,) = feed_bytewise(wire)
    assert (event.type, event.id, event.args()) == (codec.MSG, msg_id, args)
    assert event.type_name == "MSG"
    assert codec.encode_msg(msg_id, args) == wire


def test_msg_without_final_etx_is_tolerated_like_ivy_c() -> None:
    assert codec.msg_args("a\x03b") == ("a", "b")


@pytest.mark.parametrize(
    ("wire", "expected", "encoded"),
    [
        pytest.param(b"9 5\x02\n", IvyMessage(codec.PING, 5, ""), codec.encode_ping(5), id="ping"),
        pytest.param(b"10 5\x02\n", IvyMessage(codec.PONG, 5, ""), codec.encode_pong(5), id="pong"),
        pytest.param(b"8 0\x02\n", IvyMessage(codec.DIE, 0, ""), codec.encode_die(), id="die"),
        pytest.param(b"0 0\x02\n", IvyMessage(codec.BYE, 0, ""), codec.encode_bye(), id="bye"),
        pytest.param(b"4 3\x02\n", IvyMessage(codec.DEL_REGEXP, 3, ""), codec.encode_del_regexp(3), id="del"),
        pytest.param(
            b"7 42\x02hi\n", IvyMessage(codec.DIRECT_MSG, 42, "hi"), codec.encode_direct(42, "hi"), id="direct"
        ),
        pytest.param(b"3 0\x02oops\n", IvyMessage(codec.ERROR, 0, "oops"), codec.encode_error(0, "oops"), id="error"),
    ],
)
def test_other_types(wire: bytes, expected: IvyMessage, encoded: bytes) -> None:
    assert feed_bytewise(wire) == [expected]
    assert encoded == wire


def test_multibyte_utf8_split_anywhere() -> None:
    text = "héllo wörld ✓ 日本語 🚀"
    wire = codec.encode_msg(3, (text,)) * 3
    events = feed_bytewise(wire)
    assert [e.args() for e in events] == [(text,)] * 3


def test_several_lines_in_one_chunk() -> None:
    assert len(IvyDecoder().feed(HANDSHAKE * 4)) == 16


@pytest.mark.parametrize(
    "text",
    [pytest.param("a\nb", id="newline"), pytest.param("a\x02b", id="stx"), pytest.param("a\x03b", id="etx")],
)
def test_refuses_to_encode_forbidden_text(text: str) -> None:
    with pytest.raises(IvyInvalidTextError):
        codec.encode_direct(1, text)
    with pytest.raises(IvyInvalidTextError):
        codec.encode_msg(1, (text,))
    with pytest.raises(IvyInvalidTextError):
        codec.check_text(text)
    with pytest.raises(ValueError):  # also a ValueError: an error of the caller
        codec.encode_add_regexp(1, text)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"garbage", id="no-stx"),
        pytest.param(b"2\x02abc", id="no-id"),
        pytest.param(b"x 1\x02", id="type-not-number"),
        pytest.param(b"2 y\x02", id="id-not-number"),
        pytest.param(b"11 0\x02", id="unknown-type"),
        pytest.param(b"\xb2 0\x02", id="superscript-digit"),
        pytest.param(b"2 1\x02\xff\xfe", id="not-utf8"),
    ],
)
def test_malformed_line_raises_and_decoder_goes_on(line: bytes) -> None:
    decoder = IvyDecoder()
    decoder.receive_data(line + b"\n9 1\x02\n")
    with pytest.raises(IvyMalformedLineError):
        decoder.next_event()
    assert decoder.next_event() == IvyMessage(codec.PING, 1, "")
    assert decoder.next_event() is None


def test_line_too_long() -> None:
    decoder = IvyDecoder(max_line=64)
    with pytest.raises(IvyLineTooLongError):
        for _ in range(100):
            decoder.feed(b"x")
    assert decoder.feed(b"9 1\x02\n") == [IvyMessage(codec.PING, 1, "")]


def test_peer_state_accepts_the_handshake_and_records_it() -> None:
    state = IvyPeerState()
    for event in IvyDecoder().feed(HANDSHAKE + b"4 1\x02\n2 0\x02x\x03\n"):
        state.receive(event)
    assert state.initialized
    assert (state.name, state.port, state.regexps) == ("PyAgent", 41075, {0: "^hello (.*)"})


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(HANDSHAKE + b"6 1\x02Again\n", id="start-init-twice"),
        pytest.param(b"6 1\x02A\n6 1\x02A\n", id="start-init-twice-during-init"),
        pytest.param(b"5 0\x02\n", id="end-init-before-start"),
        pytest.param(HANDSHAKE + b"5 0\x02\n", id="end-init-twice"),
        pytest.param(b"1 0\x02^a\n", id="regexp-before-start"),
        pytest.param(b"2 0\x02\n", id="msg-before-start"),
    ],
)
def test_peer_state_illegal_sequences(wire: bytes) -> None:
    state = IvyPeerState()
    with pytest.raises(IvyIllegalStateError):
        for event in IvyDecoder().feed(wire):
            state.receive(event)


def test_bye_and_error_allowed_before_start_init() -> None:
    state = IvyPeerState()
    for event in IvyDecoder().feed(b"3 0\x02bad\n0 0\x02\n"):
        state.receive(event)
    assert not state.initialized


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"3 40721 1799094575:1795319421717:40721 IVYPROBE\n",
            codec.Announce(3, 40721, "1799094575:1795319421717:40721", "IVYPROBE"),
            id="ivy-c",
        ),
        pytest.param(
            b"3 46755 PyAgent202601011200001234546755 Py Agent with spaces\n",
            codec.Announce(3, 46755, "PyAgent202601011200001234546755", "Py Agent with spaces"),
            id="name-with-spaces",
        ),
        pytest.param(b"3 1234\n", codec.Announce(3, 1234, "", ""), id="old-style"),
    ],
)
def test_announce_decode(data: bytes, expected: codec.Announce) -> None:
    assert codec.decode_announce(data) == expected


def test_announce_roundtrip() -> None:
    data = codec.encode_announce(2010, "1:2:2010", "My Agent")
    assert data == b"3 2010 1:2:2010 My Agent\n"
    assert codec.decode_announce(data) == codec.Announce(3, 2010, "1:2:2010", "My Agent")
    with pytest.raises(IvyInvalidTextError):
        codec.encode_announce(2010, "id with space", "x")


@pytest.mark.parametrize(
    "data",
    [pytest.param(b"hello", id="text"), pytest.param(b"3 99999 a b\n", id="bad-port"), pytest.param(b"\xff", id="bin")],
)
def test_announce_malformed(data: bytes) -> None:
    with pytest.raises(IvyMalformedAnnounceError):
        codec.decode_announce(data)


@pytest.mark.parametrize(
    ("bus", "expected"),
    [
        pytest.param("127.255.255.255:2010", (["127.255.255.255"], 2010), id="full"),
        pytest.param("127:3000", (["127.255.255.255"], 3000), id="short"),
        pytest.param("127.0", (["127.0.255.255"], 2010), id="no-port"),
        pytest.param(":2011", (["127.255.255.255"], 2011), id="no-address"),
        pytest.param("127.1,127.2:2012", (["127.1.255.255", "127.2.255.255"], 2012), id="several"),
    ],
)
def test_parse_bus(bus: str, expected: tuple[list[str], int]) -> None:
    assert codec.parse_bus(bus) == expected


@pytest.mark.parametrize(
    "bus",
    [
        pytest.param("127:0", id="port-0"),
        pytest.param("abc:2010", id="name"),
        pytest.param("1.2.3.4.5:1", id="5-octets"),
    ],
)
def test_parse_bus_errors(bus: str) -> None:
    with pytest.raises(IvyBusAddressError):
        codec.parse_bus(bus)


def test_refuses_text_that_is_not_utf8_encodable() -> None:
    with pytest.raises(IvyInvalidTextError, match="UTF-8"):
        codec.encode_msg(1, ("\ud800",))
