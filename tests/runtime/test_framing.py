from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.protocol import (
    U16_LE,
    U32_BE,
    FrameDecoder,
    FrameTooLargeError,
    LocalProtocolError,
    OutgoingFrameTooLargeError,
    ProtocolError,
    encode_frame,
)


@pytest.mark.parametrize("header", [pytest.param(U32_BE, id="u32-be"), pytest.param(U16_LE, id="u16-le")])
def test_frames_fed_one_byte_at_a_time(header):
    payloads = [b"", b"a", b"hello world", bytes(range(256)) * 3]
    stream = b"".join(encode_frame(p, header) for p in payloads)
    decoder = FrameDecoder(header)
    out = []
    for i in range(len(stream)):
        out += decoder.feed(stream[i : i + 1])
        if out and len(out) < len(payloads):
            assert decoder.pending < len(stream)
    assert out == payloads
    assert decoder.pending == 0


def test_header_layouts():
    assert encode_frame(b"abc", U32_BE) == b"\x00\x00\x00\x03abc"
    assert encode_frame(b"abc", U16_LE) == b"\x03\x00abc"


def test_oversized_frame_is_refused_after_earlier_frames_are_handed_out():
    decoder = FrameDecoder(U32_BE, max_size=10)
    decoder.receive_data(encode_frame(b"ok") + struct.pack(">I", 11) + b"x" * 11)
    assert decoder.next_frame() == b"ok"
    with pytest.raises(FrameTooLargeError, match="11 bytes exceeds the limit of 10"):
        decoder.next_frame()
    with pytest.raises(FrameTooLargeError):  # the stream cannot be resynchronised
        decoder.feed(encode_frame(b"later"))


def test_encoder_refuses_what_the_header_cannot_carry():
    # The caller's error (h11's LocalProtocolError): a ValueError, not the peer's ProtocolError.
    with pytest.raises(LocalProtocolError, match="65536 bytes exceeds the limit of 65535") as info:
        encode_frame(b"x" * 65536, U16_LE)
    assert isinstance(info.value, ValueError) and not isinstance(info.value, ProtocolError)
    with pytest.raises(OutgoingFrameTooLargeError):
        encode_frame(b"x" * 11, U32_BE, max_size=10)


def test_oversized_frame_of_ours_is_an_error_of_the_caller_not_of_the_peer():
    with pytest.raises(ValueError) as caught:
        encode_frame(b"x" * 11, U32_BE, max_size=10)
    assert not isinstance(caught.value, ProtocolError)
    assert isinstance(caught.value, LocalProtocolError)


def test_oversized_header_is_refused_before_its_body_arrives():
    decoder = FrameDecoder(U32_BE, max_size=1024)
    with pytest.raises(FrameTooLargeError):
        decoder.feed(struct.pack(">I", 2**31))


def test_large_stream_compacts_its_buffer():
    decoder = FrameDecoder(U32_BE)
    frame = encode_frame(b"y" * 1000)
    for _ in range(500):
        assert decoder.feed(frame + frame[:10]) != []
        decoder.feed(frame[10:])
    assert decoder.pending == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=64))
def test_random_bytes_only_raise_the_codec_error(data, chunk):
    decoder = FrameDecoder(U32_BE, max_size=512)
    try:
        for i in range(0, len(data), chunk):
            for frame in decoder.feed(data[i : i + chunk]):
                assert len(frame) <= 512
    except FrameTooLargeError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20), st.integers(min_value=1, max_value=17))
def test_any_chunking_gives_back_the_same_frames(payloads, chunk):
    stream = b"".join(encode_frame(p, U16_LE) for p in payloads)
    decoder = FrameDecoder(U16_LE)
    out = []
    for i in range(0, len(stream), chunk):
        out += decoder.feed(stream[i : i + chunk])
    assert out == payloads
