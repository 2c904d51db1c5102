"""LX200 client codec: command bytes, replies fed one byte at a time, reply helpers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.mount import codec
from scheduler.mount.exceptions import MountCallerError, MountPeerError


def feed_bytewise(c: codec.LX200ClientCodec, data: bytes) -> list[codec.Reply]:
    replies: list[codec.Reply] = []
    for value in data:
        replies += c.receive_data(bytes([value]))
    return replies


@pytest.mark.parametrize(
    ("command", "wire"),
    [
        pytest.param(codec.set_target_ra(187.5), b":Sr12:30:00#", id="ra"),
        pytest.param(codec.set_target_ra(359.99999), b":Sr00:00:00#", id="ra-rounds-to-24h"),
        pytest.param(codec.set_target_dec(-10.0), b":Sd-10*00:00#", id="dec"),
        pytest.param(codec.set_target_dec(-0.5), b":Sd-00*30:00#", id="dec-negative-zero-degrees"),
        pytest.param(codec.set_target_dec(45.50416666666667), b":Sd+45*30:15#", id="dec-positive"),
        pytest.param(codec.goto(), b":MS#", id="goto"),
        pytest.param(codec.slew_status(), b":D#", id="distance-bars"),
        pytest.param(codec.abort(), b":Q#", id="abort"),
        pytest.param(codec.park(), b":hP#", id="park"),
        pytest.param(codec.ack(), b"\x06", id="ack"),
    ],
)
def test_command_bytes(command: codec.Command, wire: bytes) -> None:
    assert command.wire == wire


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: codec.set_target_ra(360.0), id="ra-360"),
        pytest.param(lambda: codec.set_target_ra(-1.0), id="ra-negative"),
        pytest.param(lambda: codec.set_target_dec(90.5), id="dec-beyond-pole"),
    ],
)
def test_bad_coordinates_are_caller_errors(call: object) -> None:
    with pytest.raises(MountCallerError):
        call()  # type: ignore[operator]


def test_replies_in_order_byte_by_byte() -> None:
    c = codec.LX200ClientCodec()
    for command in (codec.ack(), codec.set_target_ra(10.0), codec.abort(), codec.goto(), codec.get_dec()):
        c.send(command)
    assert c.waiting == 4  # :Q# gets no reply
    replies = feed_bytewise(c, b"P10-10*00'00#")
    assert [(r.command.name, r.text) for r in replies] == [("ACK", "P"), ("Sr", "1"), ("MS", "0"), ("GD", "-10*00'00")]
    assert c.waiting == 0


def test_refused_goto_reads_its_message() -> None:
    c = codec.LX200ClientCodec()
    c.send(codec.goto())
    c.send(codec.slew_status())
    replies = feed_bytewise(c, b"1Object Below Horizon##")
    assert [(r.command.name, r.text) for r in replies] == [("MS", "1Object Below Horizon"), ("D", "")]
    assert codec.goto_outcome(replies[0].text) == (1, "Object Below Horizon")


def test_unexpected_bytes_are_a_peer_error() -> None:
    with pytest.raises(MountPeerError):
        codec.LX200ClientCodec().receive_data(b"#")


def test_overlong_reply_is_a_peer_error() -> None:
    c = codec.LX200ClientCodec()
    c.send(codec.get_ra())
    with pytest.raises(MountPeerError):
        c.receive_data(b"x" * (codec.MAX_REPLY + 1))


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        pytest.param("12:30:00", 187.5, id="high"),
        pytest.param("12:30.5", 187.625, id="low"),
    ],
)
def test_parse_ra(text: str, degrees: float) -> None:
    assert codec.parse_ra(text) == pytest.approx(degrees)


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        pytest.param("-10*00'00", -10.0, id="high"),
        pytest.param("+45\xdf30:15", 45.50416666666667, id="degree-sign"),
        pytest.param("-00*30", -0.5, id="low-negative-zero"),
    ],
)
def test_parse_dec(text: str, degrees: float) -> None:
    assert codec.parse_dec(text) == pytest.approx(degrees)


def test_parse_garbage_is_a_peer_error() -> None:
    with pytest.raises(MountPeerError):
        codec.parse_dec("hello")


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        pytest.param("", True, id="autostar-done"),
        pytest.param("\x7f", False, id="autostar-bar"),
        pytest.param(" " * 32, True, id="classic-done"),
        pytest.param("||||" + " " * 28, False, id="classic-bars"),
    ],
)
def test_slew_complete(text: str, complete: bool) -> None:
    assert codec.slew_complete(text) is complete


STREAM = b"P111Object Below Horizon#0\x7f##12:30:00#-10*00'00#"
EXPECTED = [
    ("ACK", "P"),
    ("Sr", "1"),
    ("Sd", "1"),
    ("MS", "1Object Below Horizon"),
    ("MS", "0"),
    ("D", "\x7f"),
    ("D", ""),
    ("GR", "12:30:00"),
    ("GD", "-10*00'00"),
]


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM)), max_size=len(STREAM)))
def test_replies_do_not_depend_on_how_the_stream_is_cut(cut_points: list[int]) -> None:
    c = codec.LX200ClientCodec()
    for command in (codec.ack(), codec.set_target_ra(1), codec.set_target_dec(1), codec.goto(), codec.goto()):
        c.send(command)
    for command in (codec.slew_status(), codec.slew_status(), codec.get_ra(), codec.get_dec()):
        c.send(command)
    bounds = [0, *sorted(set(cut_points)), len(STREAM)]
    replies = [r for a, b in itertools.pairwise(bounds) for r in c.receive_data(STREAM[a:b])]
    assert [(r.command.name, r.text) for r in replies] == EXPECTED
    assert c.waiting == 0
