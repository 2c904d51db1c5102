"""Building ACU command messages (DISCOS's ``acu_utils`` API), on top of :mod:`.protocol`.

``Command(ModeCommand(1, 2), ModeCommand(2, 2)).get()`` is the message (a latin-1 ``str``, one
character per byte, as ``parse`` takes it); the message counter is the millisecond of the day (kept
increasing within a process) and its commands are numbered after it.
"""

from __future__ import annotations

import threading

from simulators import utils
from simulators.acu.protocol import END_FLAG as _END
from simulators.acu.protocol import START_FLAG as _START
from simulators.acu.protocol import (
    ProgramTrackRequest,
    encode_message,
    encode_mode,
    encode_parameter,
    encode_program_track,
)

start_flag = _START.decode("latin-1")
end_flag = _END.decode("latin-1")
_counter_lock = threading.Lock()
_last_counter = -1


def _next_counter(commands: int) -> int:
    """The millisecond of the day, or more: never a counter already given (counters of commands follow)."""
    global _last_counter
    with _counter_lock:
        counter = max(utils.day_milliseconds(), _last_counter + 1)
        _last_counter = counter + commands
        return counter


class ModeCommand:
    """Mode ``mode_id`` for ``subsystem_id`` (1 azimuth, 2 elevation) with two REAL64 parameters."""

    def __init__(
        self, subsystem_id: int, mode_id: int, parameter_1: float | None = None, parameter_2: float | None = None
    ) -> None:
        self.subsystem_id, self.mode_id = subsystem_id, mode_id
        self.parameter_1 = parameter_1 or 0.0
        self.parameter_2 = parameter_2 or 0.0
        self.command_counter: int | None = None

    def get(self, command_counter: int) -> str:
        self.command_counter = command_counter
        raw = encode_mode(self.subsystem_id, command_counter, self.mode_id, self.parameter_1, self.parameter_2)
        return raw.decode("latin-1")


class ParameterCommand:
    """Parameter ``parameter_id`` for ``subsystem_id`` (1, 2 or 5 pointing)."""

    def __init__(
        self, subsystem_id: int, parameter_id: int, parameter_1: float = 0.0, parameter_2: float = 0.0
    ) -> None:
        self.subsystem_id, self.parameter_id = subsystem_id, parameter_id
        self.parameter_1, self.parameter_2 = parameter_1, parameter_2
        self.command_counter: int | None = None

    def get(self, command_counter: int) -> str:
        self.command_counter = command_counter
        raw = encode_parameter(
            self.subsystem_id, command_counter, self.parameter_id, self.parameter_1, self.parameter_2
        )
        return raw.decode("latin-1")


class ProgramTrackEntry:
    """One program-track point: ms after the start time, azimuth and elevation (degrees)."""

    def __init__(self, relative_time: int, azimuth_position: float, elevation_position: float) -> None:
        self.relative_time = relative_time
        self.azimuth_position, self.elevation_position = azimuth_position, elevation_position


class ProgramTrackCommand:
    """A program-track table: ``load_mode`` 1 (new) or 2 (append), start time (MJD), axis rates."""

    def __init__(
        self,
        load_mode: int,
        start_time: float,
        axis_rates: tuple[float, float],
        parameter_id: int = 61,
        interpolation_mode: int = 4,
        tracking_mode: int = 1,
        subsystem_id: int = 5,
    ) -> None:
        self.load_mode, self.start_time = load_mode, start_time
        self.azimuth_rate, self.elevation_rate = axis_rates
        self.parameter_id, self.interpolation_mode = parameter_id, interpolation_mode
        self.tracking_mode, self.subsystem_id = tracking_mode, subsystem_id
        self.sequence: list[ProgramTrackEntry] = []
        self.command_counter: int | None = None

    def append_entry(self, entry: ProgramTrackEntry) -> None:
        if not isinstance(entry, ProgramTrackEntry):
            raise ValueError("Not a ProgramTrackEntry object.")
        self.sequence.append(entry)

    def add_entry(self, relative_time: int, azimuth_position: float, elevation_position: float) -> None:
        self.sequence.append(ProgramTrackEntry(relative_time, azimuth_position, elevation_position))

    def get(self, command_counter: int) -> str:
        if not self.sequence:
            raise ValueError("Sequence must contain at least one entry.")
        self.command_counter = command_counter
        request = ProgramTrackRequest(
            self.subsystem_id, command_counter, self.parameter_id, self.interpolation_mode, self.tracking_mode,
            self.load_mode, len(self.sequence), self.start_time, self.azimuth_rate, self.elevation_rate,
            [(e.relative_time, e.azimuth_position, e.elevation_position) for e in self.sequence],
        )  # fmt: skip
        return encode_program_track(request).decode("latin-1")


AnyCommand = ModeCommand | ParameterCommand | ProgramTrackCommand


class Command:
    """A message of one or more commands (at most one per subsystem, which the ACU checks)."""

    def __init__(self, *command_list: AnyCommand) -> None:
        self.command_list: list[AnyCommand] = []
        for command in command_list:
            self.append(command)
        self.command_counter: int | None = None

    def append(self, command: AnyCommand) -> None:
        if not isinstance(command, (ModeCommand, ParameterCommand, ProgramTrackCommand)):
            raise ValueError(f"Wrong command type: '{type(command)}'.")
        self.command_list.append(command)

    def get(self) -> str:
        if not self.command_counter:
            self.command_counter = _next_counter(len(self.command_list))
        parts = [c.get(self.command_counter + 1 + i).encode("latin-1") for i, c in enumerate(self.command_list)]
        return encode_message(self.command_counter, parts).decode("latin-1")

    def get_counter(self, index: int | None = None) -> int | None:
        if index is None:
            return self.command_counter
        if (index > 0 and index >= len(self.command_list)) or (index < 0 and -index > len(self.command_list)):
            raise ValueError(f"Index {index} out of range.")
        return self.command_list[index].command_counter
