"""The ACU client codec: numbering and encoding commands, decoding the status stream fed one byte at a
time, and driving the real ACU simulator over TCP with it."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.acu import (
    AZIMUTH,
    ELEVATION,
    POINTING,
    AcuCallerError,
    AcuPeerError,
    AcuStatus,
    CommandEncoder,
    StatusDecoder,
    decode_status,
)
from simulators import acu, utils
from simulators.acu.protocol import ModeRequest, ProgramTrackRequest, decode_message
from simulators.tests.serving import served


def test_encoder_numbers_every_command() -> None:
    encoder = CommandEncoder(clock=lambda: 1000)
    first = encoder.mode("active")
    assert first.counters == {AZIMUTH: 1001, ELEVATION: 1002}
    assert decode_message(first.wire) == [ModeRequest(1, 1001, 2, 0.0, 0.0), ModeRequest(2, 1002, 2, 0.0, 0.0)]
    second = encoder.preset(181.0, 60.0, 0.5, 0.25)
    assert min(second.counters.values()) > 1002  # the clock stood still: counters still increase


@pytest.mark.parametrize(
    ("points", "new"),
    [
        pytest.param([(0, 180.0, 45.0)] * 4, True, id="too-few-for-a-new-table"),
        pytest.param([(t, 180.0, 45.0) for t in (1, 2, 3, 4, 5)], True, id="new-table-not-at-0"),
        pytest.param([(t, 180.0, 45.0) for t in (0, 100, 300, 400, 500)], True, id="uneven"),
        pytest.param([(t, 180.0, 45.0) for t in range(51)], False, id="too-many"),
    ],
)
def test_program_track_checks(points: list[tuple[int, float, float]], new: bool) -> None:
    with pytest.raises(AcuCallerError):
        CommandEncoder().program_track(60000.0, points, (0.5, 0.5), new=new)


def test_program_track_encoding_and_unknown_mode() -> None:
    points = [(t * 200, 180.0 + t, 45.0) for t in range(5)]
    message = CommandEncoder(clock=lambda: 7).program_track(60000.25, points, (0.5, 0.25))
    [request] = decode_message(message.wire)
    assert isinstance(request, ProgramTrackRequest)
    assert (request.subsystem, request.load_mode, request.start_time, request.entries[-1]) == (
        POINTING, 1, 60000.25, (800, 184.0, 45.0)
    )  # fmt: skip
    with pytest.raises(AcuCallerError, match="unknown mode"):
        CommandEncoder().mode("park")


def a_status() -> bytes:
    system = acu.System()
    try:
        return system.pack()
    finally:
        system.system_stop()


def test_status_decoder_byte_by_byte_with_garbage() -> None:
    status = a_status()
    decoder = StatusDecoder()
    out: list[AcuStatus] = []
    for value in b"\x00\x1a\xcf" + status + status[:100]:
        out += decoder.feed(bytes([value]))
    assert len(out) == 1 and decoder.skipped == 3
    decoded = out[0]
    assert (decoded.azimuth.position, decoded.elevation.position, decoded.elevation.stowed) == (180.0, 90.0, True)
    assert decoded.azimuth.axis_state == 0 and decoded.pt_state == 0 and decoded.act_time_mjd > 60000
    with pytest.raises(AcuPeerError):
        decode_status(status[:-1] + b"\x00")


def read_until(stream: socket.socket, decoder: StatusDecoder, done, timeout: float = 10.0) -> AcuStatus:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, "the ACU status never showed what was expected"
        stream.settimeout(max(0.01, deadline - time.monotonic()))
        for status in decoder.feed(stream.recv(65536)):
            if done(status):
                return status


def test_drive_the_acu_simulator() -> None:
    encoder = CommandEncoder(clock=utils.day_milliseconds)
    with served(acu, sampling_time=0.02) as server:
        with (
            socket.create_connection(server.l_address, timeout=5.0) as commands,  # type: ignore[arg-type]
            socket.create_connection(server.s_address, timeout=5.0) as stream,  # type: ignore[arg-type]
        ):
            decoder = StatusDecoder()
            unstow = encoder.mode("unstow", axes=(ELEVATION,))
            commands.sendall(unstow.wire)
            activate = encoder.mode("active")
            commands.sendall(activate.wire)
            read_until(stream, decoder, lambda s: s.answer_to(activate.counters[ELEVATION]) == ("executed", 1))
            preset = encoder.preset(180.2, 89.8, 0.85, 0.5)
            commands.sendall(preset.wire)
            there = read_until(stream, decoder, lambda s: s.answer_to(preset.counters[AZIMUTH]) == ("executed", 1)
                               and s.answer_to(preset.counters[ELEVATION]) == ("executed", 1))  # fmt: skip
            assert (there.azimuth.position, there.elevation.position) == (180.2, 89.8)
            start = datetime.now(UTC) + timedelta(seconds=0.3)
            points = [(t * 200, 180.2 + 0.02 * t, 89.8) for t in range(10)]
            table = encoder.program_track(utils.mjd(start), points, (0.85, 0.5))
            commands.sendall(table.wire)
            loaded = read_until(stream, decoder, lambda s: s.answer_to(table.counters[POINTING]) is not None)
            assert loaded.answer_to(table.counters[POINTING]) == ("parameter", 1) and loaded.pt_state == 2
            track = encoder.mode("program_track", 0.0, 0.5)
            commands.sendall(track.wire)
            tracking = read_until(stream, decoder, lambda s: s.pt_state == 3 and s.azimuth.trajectory_state == 7)
            assert 180.19 <= tracking.azimuth.position <= 180.4
            done = read_until(stream, decoder, lambda s: s.pt_state == 4 and s.azimuth.position == 180.38)
            assert done.elevation.position == 89.8
