"""USD framing: byte-by-byte outcomes, lengths, checksum, no resynchronisation (spec §3.2-3.3, Q12)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.active_surface.frames import Frame, FrameParser, checksum, with_checksum
from simulators.exceptions import MalformedInputError
from simulators.tests.helpers import broadcast, frame, usd


def outcomes(data: bytes) -> list[object]:
    parser = FrameParser()
    result: list[object] = []
    for value in data:
        try:
            result.append(parser.feed(value))
        except MalformedInputError as exc:
            result.append(f"E:{exc}")
    return result


def test_checksum_is_the_complement_of_the_low_byte_of_the_sum() -> None:
    assert checksum(usd("FC 21 13")) == 0xCF
    assert with_checksum(usd("06 FA 13")) == usd("06 FA 13 EC")
    assert checksum(b"") == 0xFF


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(usd("FC 21 13 CF"), [True, True, True, Frame(0xFC, 1, 0x13, b"")], id="addressed-no-param"),
        pytest.param(
            usd("FA A6 30 00 00 03 E8 44"), [True] * 7 + [Frame(0xFA, 6, 0x30, usd("00 00 03 E8"))], id="addressed-4"
        ),
        pytest.param(usd("FA 00 01 11 F3"), [True] * 4 + [Frame(0xFA, None, 0x11, b"")], id="broadcast"),
        pytest.param(usd("00"), [False], id="not-a-start"),
        pytest.param(usd("FB"), [False], id="fb-not-a-start"),
        pytest.param(usd("FA 05"), [True, "E:Wrong byte_nbyte_address value: got 0, expected 7."], id="zero-length"),
        pytest.param(usd("FA 1F"), [True, "E:Wrong byte_nbyte_address value: got 0, expected 7."], id="1f"),
        pytest.param(usd("FA 00 08"), [True, True, "E:Wrong byte_nbyte value: got 8, expected 7."], id="broadcast-8"),
        pytest.param(usd("FA 00 00"), [True, True, "E:Wrong byte_nbyte value: got 0, expected 7."], id="broadcast-0"),
        pytest.param(usd("FC 21 13 CE"), [True, True, True, "E:Checksum error."], id="bad-checksum"),
        pytest.param(
            usd("FA 05 FA 21 13 D1"),
            [True, "E:Wrong byte_nbyte_address value: got 0, expected 7.", True, True, True, Frame(0xFA, 1, 0x13, b"")],
            id="recovers-after-error",
        ),
        pytest.param(
            usd("FA 21 FA 21 13 D1"), [True, True, True, "E:Checksum error.", False, False], id="no-resync-q12"
        ),
    ],
)
def test_per_byte_outcomes(data: bytes, expected: list[object]) -> None:
    assert outcomes(data) == expected


@pytest.mark.parametrize("length", range(1, 8))
def test_addressed_and_broadcast_lengths(length: int) -> None:
    params = bytes(range(10, 10 + length - 1))
    assert outcomes(frame(3, 0x20, params))[-1] == Frame(0xFA, 3, 0x20, params)
    assert outcomes(broadcast(0x20, params))[-1] == Frame(0xFA, None, 0x20, params)
    assert len(frame(3, 0x20, params)) == 3 + length
    assert len(broadcast(0x20, params)) == 4 + length


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_value_error_and_never_buffer_more_than_a_frame(data: bytes) -> None:
    parser = FrameParser()
    for value in data:
        try:
            result = parser.feed(value)
        except ValueError:
            assert len(parser.buffer) == 0
            continue
        assert result is True or result is False or isinstance(result, Frame)
        assert len(parser.buffer) <= 11
