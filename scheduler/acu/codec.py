"""The scheduler's side of the SRT Antenna Control Unit protocol, sans-IO (it knows no socket and no
simulator).

* :class:`CommandEncoder` builds command messages for the ACU's command port (little endian: start
  flag, UINT32 length, UINT32 counter, UINT32 number of commands, the commands, end flag) and numbers
  them: every command has its own counter, which the ACU reports back in its status as received and
  executed, so a caller learns what became of a command by watching the status stream.
* :class:`StatusDecoder` takes the bytes of the status port in any pieces and returns the complete
  813-byte statuses as :class:`AcuStatus` (resynchronising on the start flag after garbage).

Mode commands (``MODE``): inactive 1, active 2, preset absolute 3, preset relative 4, slew 5, stop 7,
program track 8, interlock 14, reset 15, stow 50, unstow 51, drive to stow 52. A program track is a
table of points (ms after a start time given as MJD, azimuth, elevation in degrees) loaded into the
pointing subsystem (parameter 61, load mode 1 new / 2 append, at most 50 points per command, evenly
spaced), then mode 8 on both axes.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scheduler.acu.exceptions import AcuCallerError, AcuPeerError

START_FLAG = b"\x1a\xcf\xfc\x1d"
END_FLAG = b"\xd1\xcf\xfc\xa1"
STATUS_SIZE = 813
AZIMUTH, ELEVATION, POINTING = 1, 2, 5
MODE = {
    "inactive": 1, "active": 2, "preset_absolute": 3, "preset_relative": 4, "slew": 5, "stop": 7,
    "program_track": 8, "interlock": 14, "reset": 15, "stow": 50, "unstow": 51, "drive_to_stow": 52,
}  # fmt: skip
MAX_TRACK_POINTS = 50
_HEADER = struct.Struct("<4sIII")
_MODE = struct.Struct("<HHihdd")
_PARAMETER = struct.Struct("<HHIHdd")
_TRACK = struct.Struct("<HHIHHHHHddd")
_POINT = struct.Struct("<idd")
# offsets inside a status
_AXES = {"azimuth": 12 + 25, "elevation": 12 + 25 + 92, "cable_wrap": 12 + 25 + 2 * 92}
_POINTING = 12 + 25 + 3 * 92 + 13 * 27


@dataclass(frozen=True)
class Message:
    """Bytes to send, and the counter of each command in it by subsystem."""

    wire: bytes
    counters: dict[int, int]


class CommandEncoder:
    """Numbers and encodes command messages; ``clock()`` gives the first counter (ms of the day)."""

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self._clock = clock
        self._last = 0

    def _counter(self, commands: int) -> int:
        start = max(self._clock() if self._clock else 0, self._last + 1)
        self._last = start + commands
        return start

    def message(self, commands: Iterable[tuple[int, Callable[[int], bytes]]]) -> Message:
        """``commands``: (subsystem, build(counter) -> bytes); one per subsystem."""
        items = list(commands)
        subsystems = [s for s, _ in items]
        if len(set(subsystems)) != len(subsystems):
            raise AcuCallerError("one command per subsystem in a message")
        counter = self._counter(len(items))
        counters = {s: counter + 1 + i for i, s in enumerate(subsystems)}
        body = b"".join(build(counters[s]) for s, build in items)
        length = _HEADER.size + len(body) + len(END_FLAG)
        return Message(_HEADER.pack(START_FLAG, length, counter, len(items)) + body + END_FLAG, counters)

    def mode(self, name: str, p1: float = 0.0, p2: float = 0.0, axes: Iterable[int] = (AZIMUTH, ELEVATION)) -> Message:
        if name not in MODE:
            raise AcuCallerError(f"unknown mode {name!r} (known: {', '.join(MODE)})")
        return self.message((axis, lambda c, a=axis: _MODE.pack(1, a, c, MODE[name], p1, p2)) for axis in axes)

    def preset(self, azimuth: float, elevation: float, rate_az: float, rate_el: float) -> Message:
        return self.message([
            (AZIMUTH, lambda c: _MODE.pack(1, AZIMUTH, c, MODE["preset_absolute"], azimuth, rate_az)),
            (ELEVATION, lambda c: _MODE.pack(1, ELEVATION, c, MODE["preset_absolute"], elevation, rate_el)),
        ])  # fmt: skip

    def parameter(self, subsystem: int, parameter_id: int, p1: float = 0.0, p2: float = 0.0) -> Message:
        return self.message([(subsystem, lambda c: _PARAMETER.pack(2, subsystem, c, parameter_id, p1, p2))])

    def program_track(
        self, start_mjd: float, points: list[tuple[int, float, float]], rates: tuple[float, float], new: bool = True
    ) -> Message:
        """Load ``points`` (ms from ``start_mjd``, azimuth, elevation): a new table or an append."""
        if not points or len(points) > MAX_TRACK_POINTS:
            raise AcuCallerError(f"a program track command carries 1 to {MAX_TRACK_POINTS} points")
        if new and (len(points) < 5 or points[0][0] != 0):
            raise AcuCallerError("a new program track table has at least 5 points, the first at 0 ms")
        steps = {b[0] - a[0] for a, b in itertools.pairwise(points)}
        if len(steps) > 1 or (steps and min(steps) <= 0):
            raise AcuCallerError("program track points must be evenly spaced in time")
        header = (61, 4, 1, 1 if new else 2, len(points), start_mjd, *rates)
        table = b"".join(_POINT.pack(int(t), az, el) for t, az, el in points)
        return self.message([(POINTING, lambda c: _TRACK.pack(4, POINTING, c, *header) + table)])


@dataclass(frozen=True)
class AxisStatus:
    axis_state: int  # 0 inactive ... 3 active
    trajectory_state: int  # 3 stopped, 4 slewing, 6 presetting, 7 tracking
    position: float  # degrees (p_Ist)
    commanded: float  # degrees (p_Soll)
    velocity: float  # degrees/s (v_Ist)
    offset: float  # degrees (p_Offset)
    stowed: bool
    received: tuple[int, int, int]  # counter, mode, answer (9 accepted, 4 wrong mode, 5 invalid)
    executed: tuple[int, int, int]  # counter, mode, answer (1 done, 2 active, 3 error)
    parameter: tuple[int, int, int]  # counter, parameter, answer (1 done, 4 wrong mode, 5 invalid)


@dataclass(frozen=True)
class AcuStatus:
    milliseconds: int  # of the day
    azimuth: AxisStatus
    elevation: AxisStatus
    act_time_mjd: float
    pt_state: int  # 0 none, 2 waiting for the start, 3 tracking, 4 table done
    pt_table_length: int
    pointing_parameter: tuple[int, int, int]  # counter, parameter, answer

    def answer_to(self, counter: int) -> tuple[str, int] | None:
        """(``received``/``executed``/``parameter``, answer) of the command ``counter`` if reported."""
        for axis in (self.azimuth, self.elevation):
            for kind in ("executed", "received", "parameter"):
                reported = getattr(axis, kind)
                if reported[0] == counter:
                    return kind, reported[2]
        if self.pointing_parameter[0] == counter:
            return "parameter", self.pointing_parameter[2]
        return None


def _axis(status: bytes, at: int) -> AxisStatus:
    state, trajectory = struct.unpack_from("<HH", status, at + 14)
    p_soll, _, p_ist, _, _, _, v_ist, _, offset = struct.unpack_from("<9i", status, at + 18)
    return AxisStatus(
        state, trajectory, p_ist / 1e6, p_soll / 1e6, v_ist / 1e6, offset / 1e6, bool(status[at + 60]),
        struct.unpack_from("<IHH", status, at + 68), struct.unpack_from("<IHH", status, at + 76),
        struct.unpack_from("<IHH", status, at + 84),
    )  # fmt: skip


def decode_status(status: bytes) -> AcuStatus:
    if len(status) != STATUS_SIZE or status[:4] != START_FLAG or status[-4:] != END_FLAG:
        raise AcuPeerError("not an 813-byte ACU status")
    if int.from_bytes(status[4:8], "little") != STATUS_SIZE:
        raise AcuPeerError(f"status length field {int.from_bytes(status[4:8], 'little')}, expected {STATUS_SIZE}")
    return AcuStatus(
        milliseconds=int.from_bytes(status[8:12], "little"),
        azimuth=_axis(status, _AXES["azimuth"]),
        elevation=_axis(status, _AXES["elevation"]),
        act_time_mjd=struct.unpack_from("<d", status, _POINTING + 57)[0],
        pt_state=int.from_bytes(status[_POINTING + 95 : _POINTING + 97], "little"),
        pt_table_length=int.from_bytes(status[_POINTING + 117 : _POINTING + 121], "little", signed=True),
        pointing_parameter=struct.unpack_from("<IHH", status, _POINTING + 121),
    )


class StatusDecoder:
    """Bytes of the status stream in, complete statuses out; garbage before a start flag is skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[AcuStatus]:
        self._buffer += data
        statuses: list[AcuStatus] = []
        while True:
            start = self._buffer.find(START_FLAG)
            if start < 0:
                keep = len(START_FLAG) - 1  # a start flag may be split across reads
                self.skipped += max(0, len(self._buffer) - keep)
                del self._buffer[: max(0, len(self._buffer) - keep)]
                return statuses
            self.skipped += start
            del self._buffer[:start]
            if len(self._buffer) < STATUS_SIZE:
                return statuses
            frame = bytes(self._buffer[:STATUS_SIZE])
            try:
                statuses.append(decode_status(frame))
                del self._buffer[:STATUS_SIZE]
            except AcuPeerError:
                del self._buffer[:1]  # a false start flag: look further
                self.skipped += 1
