"""Mount simulator: LX200 framing fed one byte at a time."""

from __future__ import annotations

import pytest

from simulators.mount.exceptions import LX200SyntaxError
from simulators.mount.framing import ACK_REQUEST, MAX_COMMAND_LENGTH, FrameParser


def outcomes(data: bytes) -> list[object]:
    parser = FrameParser()
    return [parser.feed(chr(b)) for b in data]


def test_ack_byte_is_a_request_of_its_own() -> None:
    assert outcomes(b"\x06") == [ACK_REQUEST]


def test_command_completes_on_hash() -> None:
    assert outcomes(b":Sr12:30:00#") == [True] * 11 + ["Sr12:30:00"]


def test_leading_hash_is_accepted_and_ignored() -> None:
    assert outcomes(b"#:GR#") == [True, True, True, True, "GR"]


def test_garbage_before_a_command_is_dropped() -> None:
    assert outcomes(b"xy:D#") == [False, False, True, True, "D"]


def test_separators_and_high_bytes_are_part_of_the_text() -> None:
    assert outcomes(b":Sd+45\xdf30'15#")[-1] == "Sd+45\xdf30'15"


def test_two_commands_back_to_back() -> None:
    assert [o for o in outcomes(b":GR#:GD#\x06") if o is not True] == ["GR", "GD", ACK_REQUEST]


def test_ack_inside_a_command_is_text() -> None:
    assert outcomes(b":G\x06#")[-1] == "G\x06"


def test_overlong_command_is_rejected_and_parser_recovers() -> None:
    parser = FrameParser()
    for ch in ":" + "x" * MAX_COMMAND_LENGTH:
        assert parser.feed(ch) is True
    with pytest.raises(LX200SyntaxError):
        parser.feed("x")
    assert parser.idle
    assert [parser.feed(ch) for ch in ":Q#"] == [True, True, "Q"]
