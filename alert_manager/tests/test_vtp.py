from __future__ import annotations

import struct

import pytest
from lxml import etree

from alert_manager.exceptions import VTPProtocolError
from alert_manager.vtp import (
    NEED_DATA,
    AuthorConnection,
    FrameDecoder,
    SubscriberConnection,
    Transport,
    Unreadable,
    VOEventFrame,
    decode,
    frame,
    transport_message,
)

from .samples import raw

LOCAL = "ivo://pyros.test/subscriber"
BROKER = "ivo://pyros.test/broker"


def feed_bytewise(conn: SubscriberConnection, data: bytes) -> list[object]:
    """Feed one byte at a time; collect every message as soon as it is complete."""
    messages: list[object] = []
    for i in range(len(data)):
        conn.receive_data(data[i : i + 1])
        while (message := conn.next_message()) is not NEED_DATA:
            messages.append(message)
    return messages


def frames_of(data: bytes) -> list[bytes]:
    decoder = FrameDecoder()
    decoder.receive_data(data)
    out = []
    while (payload := decoder.next_frame()) is not NEED_DATA:
        out.append(payload)
    assert decoder.buffered == 0
    return out


def test_frame_is_big_endian_length_then_payload() -> None:
    assert frame(b"<x/>") == b"\x00\x00\x00\x04<x/>"


def test_decoder_one_byte_at_a_time() -> None:
    stream = frame(b"<a/>") + frame(b"") + frame(b"<b>" + b"x" * 300 + b"</b>")
    decoder = FrameDecoder()
    out = []
    for i in range(len(stream)):
        decoder.receive_data(stream[i : i + 1])
        while (payload := decoder.next_frame()) is not NEED_DATA:
            out.append(payload)
    assert out == [b"<a/>", b"", b"<b>" + b"x" * 300 + b"</b>"]


def test_oversized_frame_is_a_protocol_error() -> None:
    decoder = FrameDecoder(max_frame=100)
    decoder.receive_data(struct.pack(">I", 101))
    with pytest.raises(VTPProtocolError, match="101 bytes announced"):
        decoder.next_frame()


def test_little_endian_length_is_refused() -> None:
    decoder = FrameDecoder()
    decoder.receive_data(struct.pack("<I", 300) + b"x" * 300)
    with pytest.raises(VTPProtocolError, match="little-endian"):
        decoder.next_frame()


def test_transport_message_shape() -> None:
    data = transport_message("ack", "ivo://a#1", LOCAL)
    root = etree.fromstring(data)
    assert root.tag == "{http://www.telescope-networks.org/xml/Transport/v1.1}Transport"
    assert (root.get("role"), root.get("version")) == ("ack", "1.0")
    assert [child.tag for child in root] == ["Origin", "Response", "TimeStamp"]
    assert root.findtext("Origin") == "ivo://a#1"
    assert root.findtext("Response") == LOCAL


def test_text_is_escaped() -> None:
    data = transport_message("nak", "ivo://a#<&>", None, result="bad <xml> & worse")
    message = decode(data)
    assert message == Transport("nak", "ivo://a#<&>", None, message.timestamp, "bad <xml> & worse", {})  # type: ignore[union-attr]


def test_subscriber_answers_authenticate_with_filters() -> None:
    conn = SubscriberConnection(LOCAL, filters=["//Param[@name='TrigID']"])
    messages = feed_bytewise(conn, frame(transport_message("authenticate", BROKER)))
    assert [type(m) for m in messages] == [Transport]
    assert conn.authenticated and conn.broker_ivo == BROKER
    (reply,) = [decode(p) for p in frames_of(conn.data_to_send())]
    assert isinstance(reply, Transport)
    assert (reply.role, reply.origin, reply.response) == ("authenticate", BROKER, LOCAL)
    assert reply.params == {"xpath-filter": ["//Param[@name='TrigID']"]}


def test_subscriber_answers_iamalive_copying_origin() -> None:
    conn = SubscriberConnection(LOCAL)
    feed_bytewise(conn, frame(transport_message("iamalive", BROKER)))
    (reply,) = [decode(p) for p in frames_of(conn.data_to_send())]
    assert isinstance(reply, Transport)
    assert (reply.role, reply.origin, reply.response) == ("iamalive", BROKER, LOCAL)
    assert conn.iamalives == 1


def test_ack_is_queued_before_the_event_is_returned() -> None:
    conn = SubscriberConnection(LOCAL)
    packet = raw("swift_bat_pos.xml")
    data = frame(packet)
    conn.receive_data(data[:-1])
    assert conn.next_message() is NEED_DATA
    assert conn.data_to_send() == b""
    conn.receive_data(data[-1:])
    message = conn.next_message()
    assert isinstance(message, VOEventFrame)
    assert message.payload == packet  # the raw bytes, untouched
    assert (message.ivorn, message.role) == ("ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234567-001", "observation")
    (ack,) = [decode(p) for p in frames_of(conn.data_to_send())]
    assert isinstance(ack, Transport)
    assert (ack.role, ack.origin, ack.response) == ("ack", message.ivorn, LOCAL)


def test_a_stream_of_mixed_frames_bytewise() -> None:
    conn = SubscriberConnection(LOCAL)
    stream = b"".join(
        [
            frame(transport_message("authenticate", BROKER)),
            frame(raw("swift_bat_pos.xml")),
            frame(transport_message("iamalive", BROKER)),
            frame(raw("test_role.xml")),
            frame(raw("billion_laughs.xml")),
            frame(raw("malformed.xml")),
        ]
    )
    messages = feed_bytewise(conn, stream)
    kinds = [type(m).__name__ for m in messages]
    assert kinds == ["Transport", "VOEventFrame", "Transport", "VOEventFrame", "Unreadable", "Unreadable"]
    replies = [decode(p) for p in frames_of(conn.data_to_send())]
    assert [r.role for r in replies if isinstance(r, Transport)] == [
        "authenticate",
        "ack",
        "iamalive",
        "ack",
        "ack",
        "ack",
    ]
    assert (conn.events, conn.acks, conn.unreadable) == (2, 4, 2)
    assert isinstance(messages[4], Unreadable) and "DTD" in messages[4].reason


def test_author_gets_ack() -> None:
    author = AuthorConnection()
    packet = raw("test_role.xml")
    assert author.send_event(packet) == frame(packet)
    reply = frame(transport_message("ack", author.sent_ivorn, BROKER))
    result = NEED_DATA
    for i in range(len(reply)):
        author.receive_data(reply[i : i + 1])
        result = author.next_reply()
        if i < len(reply) - 1:
            assert result is NEED_DATA
    assert isinstance(result, Transport) and result.role == "ack" and result.origin == author.sent_ivorn


def test_author_gets_nak_with_reason() -> None:
    author = AuthorConnection()
    author.send_event(raw("test_role.xml"))
    author.receive_data(frame(transport_message("nak", author.sent_ivorn, BROKER, result="seen it")))
    reply = author.next_reply()
    assert isinstance(reply, Transport) and (reply.role, reply.result) == ("nak", "seen it")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"not xml", id="not-xml"),
        pytest.param(b'<trn:Transport xmlns:trn="x" role="ack"/>', id="transport"),
    ],
)
def test_author_refuses_to_send_what_is_not_a_voevent(payload: bytes) -> None:
    with pytest.raises(VTPProtocolError):
        AuthorConnection().send_event(payload)


def test_author_refuses_an_unexpected_reply() -> None:
    author = AuthorConnection()
    author.send_event(raw("test_role.xml"))
    author.receive_data(frame(transport_message("iamalive", BROKER)))
    with pytest.raises(VTPProtocolError, match="expected ack or nak"):
        author.next_reply()


@pytest.mark.parametrize("module", ["alert_manager/vtp.py", "alert_manager/voevent.py"])
def test_codecs_are_sans_io(module: str) -> None:
    """No socket, thread, event loop or Django in the codecs (the house rule for protocol code)."""
    import ast
    from pathlib import Path

    tree = ast.parse((Path(__file__).resolve().parents[2] / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    forbidden = {"socket", "selectors", "threading", "django", "asyncio", "select", "common"}
    assert imported & forbidden == set()
