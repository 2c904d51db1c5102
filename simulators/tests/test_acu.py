"""The ACU: command framing byte by byte, the axes' dynamics on a manual clock, program tracks, the
status records, and the two ports (commands in, the 813-byte status stream out) over TCP."""

from __future__ import annotations

import socket
import struct
import time
from datetime import UTC, datetime, timedelta

import pytest

from simulators import acu, utils
from simulators.acu.acu_utils import Command, ModeCommand, ParameterCommand
from simulators.acu.axis import MasterAxis, SlaveAxis
from simulators.acu.pointing import PointingStatus, hermite
from simulators.acu.protocol import (
    END_FLAG,
    START_FLAG,
    Framer,
    ModeRequest,
    ParameterRequest,
    ProgramTrackRequest,
    decode_message,
    encode_message,
    encode_mode,
    encode_parameter,
    encode_program_track,
)
from simulators.acu.records import GeneralStatus, MotorStatus
from simulators.exceptions import MalformedInputError
from simulators.tests.helpers import recv_until
from simulators.tests.serving import served

AZ, EL, PS = 1, 2, 5


def feed(framer: Framer, data: bytes) -> list[object]:
    outcomes: list[object] = []
    for value in data:
        try:
            outcomes.append(framer.feed(value))
        except MalformedInputError:
            outcomes.append(MalformedInputError)
    return outcomes


def test_framer_byte_by_byte() -> None:
    message = encode_message(1000, [encode_mode(AZ, 1001, 2), encode_mode(EL, 1002, 2)])
    assert len(message) == 16 + 2 * 26 + 4
    framer = Framer()
    assert feed(framer, b"\x00\x1a\xcf\x00") == [False, True, True, False]  # a broken start flag starts over
    outcomes = feed(framer, message)
    assert outcomes[:-1] == [True] * (len(message) - 1) and outcomes[-1] == message
    requests = decode_message(message)
    assert requests == [ModeRequest(AZ, 1001, 2, 0.0, 0.0), ModeRequest(EL, 1002, 2, 0.0, 0.0)]


@pytest.mark.parametrize(
    ("message", "error_at"),
    [
        pytest.param(encode_message(7, [encode_mode(AZ, 8, 2)])[:-1] + b"\x00", -1, id="end-flag"),
        pytest.param(START_FLAG + struct.pack("<I", 10), 7, id="length-too-short"),
        pytest.param(START_FLAG + struct.pack("<I", 10**7), 7, id="length-too-long"),
    ],
)
def test_framer_rejects(message: bytes, error_at: int) -> None:
    outcomes = feed(Framer(), message)
    assert outcomes[error_at] is MalformedInputError
    assert all(o is True for o in outcomes[: len(message) + error_at if error_at < 0 else error_at])


def test_framer_rejects_a_repeated_counter_then_accepts_a_new_one() -> None:
    framer = Framer()
    first = encode_message(5, [encode_mode(AZ, 6, 2)])
    assert feed(framer, first)[-1] == first
    assert feed(framer, first)[11] is MalformedInputError
    assert feed(framer, encode_message(9, [encode_mode(AZ, 10, 2)]))[-1] != MalformedInputError


@pytest.mark.parametrize(
    ("commands", "count", "error"),
    [
        pytest.param([encode_mode(AZ, 1, 1), encode_mode(AZ, 2, 2)], 2, "More than one command", id="same-subsystem"),
        pytest.param([encode_mode(AZ, 1, 1)], 2, "Malformed message", id="wrong-count"),
        pytest.param([b"\x03\x00" + bytes(24)], 1, "Unknown command", id="unknown-kind"),
        pytest.param(
            [struct.pack("<HHIHHHHHddd", 4, 5, 1, 61, 4, 1, 1, 3, 0, 1, 1)], 1, "program track", id="short-track"
        ),
    ],
)
def test_decode_errors(commands: list[bytes], count: int, error: str) -> None:
    message = bytearray(encode_message(1, commands))
    message[12:16] = count.to_bytes(4, "little")
    with pytest.raises(MalformedInputError, match=error):
        decode_message(bytes(message))


def test_program_track_round_trip() -> None:
    request = ProgramTrackRequest(PS, 3, 61, 4, 1, 1, 2, 60000.5, 0.5, 0.25, [(0, 180.0, 45.0), (1000, 181.0, 46.0)])
    body = encode_program_track(request)
    assert len(body) == 42 + 2 * 20
    assert decode_message(encode_message(2, [body])) == [request]
    assert decode_message(encode_message(2, [encode_parameter(PS, 3, 50, 1.0)])) == [
        ParameterRequest(PS, 3, 50, 1.0, 0.0)
    ]


# --- the axes on a manual clock ---------------------------------------------------------------
def azimuth() -> MasterAxis:
    return MasterAxis(n_motors=8, max_rates=(0.85, 0.4), op_range=(-90, 450), start_pos=180)


def mode(axis: MasterAxis, mode_id: int, p1: float = 0.0, p2: float = 0.0, counter: int = 1) -> None:
    axis._mode_command(ModeRequest(AZ, counter, mode_id, p1, p2))


def test_axis_needs_activating_and_validates_parameters() -> None:
    axis = azimuth()
    mode(axis, 3, 181.0, 0.5, counter=1)
    assert axis.received_mode_command_answer == 4  # not active
    mode(axis, 2, counter=2)
    assert (axis.axis_state, axis.executed_mode_command_answer, axis.brakes_open[:9]) == (3, 1, [True] * 8 + [False])
    for p1, p2 in ((500.0, 0.5), (181.0, 0.9)):  # out of range, too fast
        mode(axis, 3, p1, p2, counter=3)
        assert axis.received_mode_command_answer == 5
    mode(axis, 0, counter=4)
    assert (axis.received_mode_command, axis.received_mode_command_answer) == (0, 0)


def test_preset_moves_at_its_rate_and_reports_when_done() -> None:
    axis = azimuth()
    mode(axis, 2, counter=1)
    mode(axis, 3, 181.0, 0.5, counter=2)
    assert (axis.axis_trajectory_state, axis.executed_mode_command_answer) == (6, 2)  # active, not done
    axis.step(1.0)
    assert (axis.p_Ist, axis.v_Ist) == (180_500_000, 500_000)
    axis.step(1.5)
    assert (axis.p_Ist, axis.v_Ist, axis.executed_mode_command_answer) == (181_000_000, 0, 1)


def test_stop_supersedes_a_move_and_limits_are_flagged() -> None:
    axis = azimuth()
    mode(axis, 2, counter=1)
    mode(axis, 5, 1.0, 0.8, counter=2)  # slew up at 0.8 deg/s
    axis.step(1.0)
    mode(axis, 7, counter=3)
    axis.step(1.0)
    assert (axis.p_Ist, axis.v_Ist, axis.executed_mode_command) == (180_800_000, 0, 7)
    axis.p_Ist = 450_000_000
    axis.update_status()
    assert (axis.Pre_Limit_Up, axis.Fin_Limit_Up) == (True, False)
    axis.p_Ist += 1
    axis.update_status()
    assert axis.Fin_Limit_Up


def test_elevation_stow_and_drive_to_stow() -> None:
    elevation = MasterAxis(n_motors=4, max_rates=(0.5, 0.25), op_range=(5, 90), start_pos=90, stow_pos=[90])
    assert elevation.stowed and elevation.Stowpins_Extracted and elevation.stow_pin_out[0]
    mode(elevation, 51, counter=1)  # unstow
    mode(elevation, 2, counter=2)
    mode(elevation, 3, 89.0, 0.5, counter=3)
    elevation.step(3.0)
    assert elevation.p_Ist == 89_000_000 and not elevation.stowed
    mode(elevation, 52, 1.0, 0.2, counter=4)  # stow position index 1 does not exist
    assert elevation.received_mode_command_answer == 5
    mode(elevation, 52, 0.0, 0.2, counter=5)
    elevation.step(2.5)
    assert elevation.p_Ist == 89_500_000 and not elevation.stowed
    elevation.step(2.5)
    assert elevation.stowed and elevation.executed_mode_command == 52 and elevation.executed_mode_command_answer == 1


def test_program_track_follows_the_table() -> None:
    az, el = azimuth(), MasterAxis(4, (0.5, 0.25), (5, 90), 89.0)
    pointing = PointingStatus(az, el, SlaveAxis(1, az))
    for axis in (az, el):
        mode(axis, 2, counter=1)
    start = datetime.now(UTC) - timedelta(seconds=1)  # already running: ptState goes straight to 3
    entries = [(t * 1000, 180.0 + 0.1 * t, 89.0) for t in range(6)]
    request = ProgramTrackRequest(PS, 2, 61, 4, 1, 1, 6, utils.mjd(start), 0.5, 0.5, entries)
    pointing._program_track_parameter_command(request)
    assert (pointing.parameter_command_answer, pointing.ptState, pointing.ptTableLength) == (1, 2, 6)
    mode(az, 8, 0.0, 0.5, counter=3)
    assert (az.axis_trajectory_state, az.program_track_active) == (7, True)
    pointing.update_status()
    assert pointing.ptState == 3 and abs(az.p_Bahn - 180_100_000) < 5_000  # ~1 s into the table
    az.step(0.5)
    assert az.p_Ist == az.p_Bahn
    assert pointing.update_status() is None and az.next_pos == 180_200_000  # the next point of the table
    append = ProgramTrackRequest(PS, 4, 61, 4, 1, 2, 1, utils.mjd(start), 0.5, 0.5, [(7000, 181.0, 89.0)])
    pointing._program_track_parameter_command(append)
    assert pointing.parameter_command_answer == 5  # 7000 ms breaks the 1000 ms spacing


def test_hermite_hits_its_points() -> None:
    times, values = [0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]
    assert [hermite(times, values, t)[0] for t in times] == values
    assert hermite(times, values, 1.5) == (3.0, 2.0, 0.0)  # a straight line stays straight


def test_status_records() -> None:
    general = GeneralStatus()
    general.EStop_Device = general.ES_SFR_2 = True
    assert general.status[9:13] == bytes.fromhex("01000800") and general.EStop_Device and general.ES_SFR_2
    assert general.HW_interlock[0] == "1" and general.version == (1, 0)
    with pytest.raises(AttributeError):
        general.HW_interlock = "0"  # type: ignore[misc]
    motor = MotorStatus()
    for name, value in (("active", 2), ("actual_position", None), ("wa_U_Max", 1)):
        with pytest.raises(ValueError):
            setattr(motor, name, value)
    motor.actual_position = 1.5
    assert motor.actual_position == 1.5 and motor.status[0:4] == struct.pack("<f", 1.5)


# --- the System and its ports -----------------------------------------------------------------
def test_system_executes_commands_and_rejects_the_unknown() -> None:
    system = acu.System(sampling_time=0.05)
    try:
        command = Command(ModeCommand(AZ, 2), ModeCommand(EL, 51), ParameterCommand(PS, 51, 3, 2.0))
        text = command.get()
        assert [system.parse(ch) for ch in text] == [True] * len(text)
        assert system.AZ.axis_state == 3 and not system.EL.stowed
        assert system.AZ.received_mode_command_counter == command.get_counter(0)
        assert system.PS.parameter_command_answer == 1 and system.PS.time_offset == timedelta(seconds=2)
        with pytest.raises(ValueError, match="invalid parameters"):
            for ch in Command(ModeCommand(PS, 1)).get():
                system.parse(ch)
        assert system.parse("\x00") is False
    finally:
        system.system_stop()
    assert not system.thread.is_alive()


def test_status_stream_and_commands_over_tcp() -> None:
    with served(acu, sampling_time=0.02) as server:
        system = server.system
        with socket.create_connection(server.s_address, timeout=5.0) as stream:  # type: ignore[arg-type]
            status = recv_until(stream, lambda d: len(d) >= 2 * 813, 5.0)[:813]
            assert status[:4] == START_FLAG and status[-4:] == END_FLAG and int.from_bytes(status[4:8], "little") == 813
            az_p_ist = 12 + 25 + 26  # general status, then the azimuth record's p_Ist
            assert int.from_bytes(status[az_p_ist : az_p_ist + 4], "little", signed=True) == 180_000_000
            with socket.create_connection(server.l_address, timeout=5.0) as commands:  # type: ignore[arg-type]
                commands.sendall(Command(ModeCommand(AZ, 2)).get().encode("latin-1"))
                deadline = time.monotonic() + 5.0
                while system.AZ.axis_state != 3:
                    assert time.monotonic() < deadline, "the command was not executed"
                    time.sleep(0.01)
                commands.sendall(Command(ModeCommand(AZ, 3, 180.1, 0.85)).get().encode("latin-1"))
                while system.AZ.executed_mode_command != 3 or system.AZ.executed_mode_command_answer != 1:
                    assert time.monotonic() < deadline, "the preset did not end"
                    time.sleep(0.01)

            # the stream shows the axis there (older statuses may still be buffered: read on)
            def arrived(data: bytes) -> bool:
                ends = [len(data) // 813 * 813 - 813 * k for k in range(1, len(data) // 813 + 1)]
                return any(int.from_bytes(data[e + az_p_ist : e + az_p_ist + 4], "little") == 180_100_000 for e in ends)

            assert arrived(recv_until(stream, arrived, 5.0))
