"""The ACU's pointing subsystem: time (source, offsets), program-track tables and their interpolation.

A program track table (parameter 61) is a sequence of (relative time ms, azimuth, elevation) points
from a start time (MJD): load mode 1 starts a new table (5 to 50 points, the first at 0 ms), load
mode 2 appends (same start time, same spacing). While the ACU time is before the start, ``ptState``
is 2 (the axes go to the first point); then 3 (the axes follow the interpolated trajectory,
``p_Bahn``); after the last point 4. The trajectory is a cubic Hermite curve through the points
(DISCOS uses scipy's interpolating B-spline: the same points, a slightly different curve between them).
Time offsets and the program-track time correction are parameters 50, 51 and 60.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta

from simulators import utils
from simulators.acu.axis import MICRO, MasterAxis, SlaveAxis, micro
from simulators.acu.fields import Bool, Int, Real, Record, UInt, Word, add_flags
from simulators.acu.protocol import ParameterRequest, ProgramTrackRequest

DAY_MS = 86_400_000


def hermite(times: list[float], values: list[float], at: float) -> tuple[float, float, float]:
    """Value, first and second derivative at ``at`` of the cubic Hermite curve through the points
    (finite-difference tangents; constant outside them)."""
    if len(times) == 1 or at <= times[0]:
        return values[0], 0.0, 0.0
    if at >= times[-1]:
        return values[-1], 0.0, 0.0
    i = bisect_right(times, at) - 1
    h = times[i + 1] - times[i]
    s = (at - times[i]) / h

    def tangent(k: int) -> float:
        lo, hi = max(k - 1, 0), min(k + 1, len(times) - 1)
        return (values[hi] - values[lo]) / (times[hi] - times[lo]) * h

    p0, p1, m0, m1 = values[i], values[i + 1], tangent(i), tangent(i + 1)
    value = (
        (2 * s**3 - 3 * s**2 + 1) * p0 + (s**3 - 2 * s**2 + s) * m0 + (-2 * s**3 + 3 * s**2) * p1 + (s**3 - s**2) * m1
    )
    first = (
        (6 * s**2 - 6 * s) * p0 + (3 * s**2 - 4 * s + 1) * m0 + (-6 * s**2 + 6 * s) * p1 + (3 * s**2 - 2 * s) * m1
    ) / h
    second = ((12 * s - 6) * p0 + (6 * s - 4) * m0 + (-12 * s + 6) * p1 + (6 * s - 2) * m1) / h**2
    return value, first, second


class PointingRecord(Record):
    """The 129-byte pointing status."""

    size = 129
    confVersion = Real(0)
    confOk = Bool(8)
    posEncAz = Int(9)
    pointOffsetAz = Int(13)
    posCalibChartAz = Int(17)
    posCorrTableAz_F_plst_El = Int(21)
    posCorrTableAzOn = Bool(25)
    encAzFault = Bool(26)
    sectorSwitchAz = Bool(27)
    posEncEl = Int(28)
    pointOffsetEl = Int(32)
    posCalibChartEl = Int(36)
    posCorrTableEl_F_plst_Az = Int(40)
    posCorrTableElOn = Bool(44)
    encElFault = Bool(45)
    posEncCw = Int(46)
    posCalibChartCw = Int(50)
    encCwFault = Bool(54)
    timeSource = UInt(55, 2, range(1, 4))  # 1 ACU clock, 2 host clock, 3 external
    actTime = Real(57)  # MJD
    actTimeOffset = Real(65)  # fraction of a day
    clockOnline = Bool(73)
    clockOK = Bool(74)
    year = UInt(75, 2)
    month = UInt(77, 2)
    day = UInt(79, 2)
    hour = UInt(81, 2)
    minute = UInt(83, 2)
    second = UInt(85, 2)
    actPtPos_Azimuth = Int(87)
    actPtPos_Elevation = Int(91)
    ptState = UInt(95, 2, range(5))
    ptError = Word(97, 2)
    actPtTimeOffset = Int(99)  # ms
    ptInterpolMode = UInt(103, 2, (0, 4))
    ptTrackingType = UInt(105, 2, (1,))
    ptTrackingMode = UInt(107, 2, (1,))
    ptActTableIndex = Int(109)
    ptEndTableIndex = Int(113)
    ptTableLength = Int(117)
    parameter_command_counter = UInt(121, 4)
    parameter_command = UInt(125, 2)
    parameter_command_answer = UInt(127, 2)

    @property
    def parameter_command_status(self) -> bytearray:
        return self.status[121:129]


add_flags(PointingRecord, PointingRecord.ptError, "Data_Overflow Time_Distance_Fault No_Data_Available")


class PointingStatus(PointingRecord):
    """Time keeping and program tracking for the azimuth and elevation axes."""

    def __init__(self, azimuth: MasterAxis, elevation: MasterAxis, cable_wrap: SlaveAxis) -> None:
        super().__init__()
        self.azimuth, self.elevation, self.cable_wrap = azimuth, elevation, cable_wrap
        self.relative_times: list[float] = []
        self.azimuth_positions: list[float] = []
        self.elevation_positions: list[float] = []
        self.table: tuple[list[float], list[float], list[float]] | None = None  # the interpolated table
        self.last_coordinates: tuple[int, int] | None = None
        self.start_time: datetime | None = None
        self.end_time: datetime | None = None
        self.time_source_offset = timedelta(0)
        self.time_offset = timedelta(0)
        self.pt_command_id: int | None = None
        self.confOk = self.clockOnline = self.clockOK = True
        self.timeSource = 1
        self.ptTrackingType = self.ptTrackingMode = 1
        self.actTime = utils.mjd()

    def actual_time(self) -> datetime:
        """The ACU clock: UTC plus the time-source and time offsets."""
        return datetime.now(UTC) + self.time_source_offset + self.time_offset

    def _set_pt_state(self, state: int) -> None:
        self.ptState = self.azimuth.ptState = self.elevation.ptState = state

    # --- every tick -----------------------------------------------------------------------------
    def update_status(self) -> None:
        now = self.actual_time()
        self.year, self.month, self.day = now.year, now.month, now.day
        self.hour, self.minute, self.second = now.hour, now.minute, now.second
        self.actTime = utils.mjd(now)
        self.posEncAz, self.pointOffsetAz = self.azimuth.p_Ist, self.azimuth.p_Offset
        self.posEncEl, self.pointOffsetEl = self.elevation.p_Ist, self.elevation.p_Offset
        if self.ptState == 0 or self.start_time is None:
            return
        start = self.start_time + timedelta(milliseconds=self.actPtTimeOffset)
        elapsed = (now - start).total_seconds() * 1000
        if self.ptState == 2:
            if now < start:
                self._follow(0.0, positions_only=True)
            else:
                self._set_pt_state(3)
        if self.ptState == 3 and not self._advance(elapsed):
            return
        self.azimuth.next_pos = micro(self.azimuth_positions[0]) if self.azimuth_positions else None
        self.elevation.next_pos = micro(self.elevation_positions[0]) if self.elevation_positions else None

    def _follow(self, elapsed: float, positions_only: bool = False) -> None:
        if self.table is None:
            return
        times, az, el = self.table
        for axis, values in ((self.azimuth, az), (self.elevation, el)):
            p, v, a = hermite(times, values, elapsed)
            axis.p_Bahn = micro(p)
            if not positions_only:
                axis.v_Bahn, axis.a_Bahn = micro(v), micro(a)

    def _advance(self, elapsed: float) -> bool:
        """Follow the trajectory at ``elapsed`` ms; False (and ptState 4) once past its last point."""
        index = bisect_left(self.relative_times, elapsed)
        if index == len(self.relative_times):
            self._set_pt_state(4)
            if self.last_coordinates is not None:
                self.azimuth.p_Bahn, self.elevation.p_Bahn = self.last_coordinates
            self.relative_times, self.azimuth_positions, self.elevation_positions = [], [], []
            self.ptTableLength = self.ptActTableIndex = self.ptEndTableIndex = 0
            return False
        self._follow(elapsed)
        self.ptActTableIndex = index
        del self.relative_times[:index], self.azimuth_positions[:index], self.elevation_positions[:index]
        self.ptTableLength = len(self.relative_times)
        self.ptEndTableIndex = max(self.ptTableLength - 1, 0)
        return True

    # --- parameter commands ---------------------------------------------------------------------
    def _parameter_command(self, request: ParameterRequest) -> None:
        self.parameter_command_counter = request.counter
        self.parameter_command = request.parameter_id
        handlers = {50: self._time_source, 51: self._time_offset, 60: self._program_track_time_correction}
        handler = handlers.get(request.parameter_id)
        self.parameter_command_answer = handler(request.parameter_1, request.parameter_2) if handler else 5

    def _time_source(self, source: float, mjd: float) -> int:
        source = int(source)
        if source not in (1, 2, 3):
            return 5
        if source == 1:
            self.time_source_offset = timedelta(0)
        elif source == 3:  # external: the time given
            self.time_source_offset = utils.mjd_to_date(mjd) - datetime.now(UTC)
        self.timeSource = source
        return 1

    def _time_offset(self, mode: float, seconds: float) -> int:
        """1: +1 s, 2: -1 s, 3: absolute offset, 4: relative offset (seconds)."""
        mode = int(mode)
        if not 1 <= mode <= 4 or abs(seconds) > DAY_MS:
            return 5
        if mode == 3:
            self.time_offset = timedelta(seconds=seconds)
            self.actTimeOffset = utils.day_percentage(self.time_offset)
            return 1
        delta = timedelta(seconds={1: 1, 2: -1}.get(mode, seconds))
        self.time_offset += delta
        self.actTimeOffset += utils.day_percentage(delta)
        return 1

    def _program_track_time_correction(self, seconds: float, _: float) -> int:
        if abs(seconds) > DAY_MS:
            return 5
        self.actPtTimeOffset = round(seconds * 1000)
        return 1

    def _program_track_parameter_command(self, request: ProgramTrackRequest) -> None:
        self.parameter_command_counter = request.counter
        self.parameter_command = request.parameter_id
        if request.parameter_id != 61:
            self.parameter_command_answer = 0
            return
        answer, start, times = self._check_table(request)
        self.parameter_command_answer = answer
        if answer == 1 and start is not None:
            self._load(request, start, times)

    def _check_table(self, request: ProgramTrackRequest) -> tuple[int, datetime | None, list[float]]:
        """1 and the new table's start and times, or 5 (invalid) and nothing."""
        load, length = request.load_mode, request.sequence_length
        if request.interpolation_mode != 4 or request.tracking_mode != 1 or load not in (1, 2) or length > 50:
            return 5, None, []
        if (load == 1 and length < 5) or (load == 2 and not self.ptTableLength):
            return 5, None, []
        start = utils.mjd_to_date(request.start_time) + self.time_source_offset
        if load == 2 and start != self.start_time:
            return 5, None, []
        times = list(self.relative_times) if load == 2 else []
        delta = times[1] - times[0] if len(times) > 1 else None
        last = times[-1] if times else 0
        for i, (relative, _, _) in enumerate(request.entries):
            if (i == 0 and last == 0 and relative != 0) or relative < last:
                return 5, None, []
            if not delta and times:
                delta = relative - last
            if delta and relative - last != delta:
                return 5, None, []
            times.append(relative)
            last = relative
        return 1, start, times

    def _load(self, request: ProgramTrackRequest, start: datetime, times: list[float]) -> None:
        keep = request.load_mode == 2
        az = (self.azimuth_positions if keep else []) + [e[1] for e in request.entries]
        el = (self.elevation_positions if keep else []) + [e[2] for e in request.entries]
        self.start_time, self.end_time = start, start + timedelta(milliseconds=times[-1])
        self.azimuth_max_rate, self.elevation_max_rate = request.azimuth_rate, request.elevation_rate
        if not keep:
            self.pt_command_id = self.azimuth.pt_command_id = self.elevation.pt_command_id = request.counter
            self.ptEndTableIndex = 0
            self._set_pt_state(2)
        elif self.ptState != 3:
            self._set_pt_state(2)
        self.ptInterpolMode = request.interpolation_mode
        self.ptTableLength = request.sequence_length
        self.ptEndTableIndex += request.sequence_length
        self.relative_times, self.azimuth_positions, self.elevation_positions = times, az, el
        self.last_coordinates = (round(MICRO * az[-1]), round(MICRO * el[-1]))
        self.table = (list(times), list(az), list(el))
