"""The ACU's axes: a master axis (azimuth, elevation) moves; the cable wrap follows its master.

Mode commands (``MODE_COMMANDS``) are validated against the axis state (answer 4: wrong mode) and its
limits (5: invalid parameters), recorded as received (9: accepted) and executed. Positioning (preset
absolute/relative, slew, drive to stow) and program tracking are *activities* advanced by
:meth:`MasterAxis.step` on the simulation clock, at the commanded rate (DISCOS's axes have no
acceleration ramp); a newer positioning or stop command supersedes them (their command counter is no
longer the current one). Units on the wire: degrees and degrees/s (REAL64); in the status:
microdegrees (INT32).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulators.acu.axis_fields import ERROR_FLAGS, AxisRecord
from simulators.acu.protocol import ModeRequest, ParameterRequest

MICRO = 1_000_000
INACTIVE, ACTIVE = 0, 3
MODE_COMMANDS = {
    1: "inactive", 2: "active", 3: "preset_absolute", 4: "preset_relative", 5: "slew", 7: "stop",
    8: "program_track", 14: "interlock", 15: "reset", 50: "stow", 51: "unstow", 52: "drive_to_stow",
}  # fmt: skip
NEEDS_ACTIVE = {3, 4, 5, 7, 8, 52}


def micro(value: float) -> int:
    return round(value * MICRO)


def sign(value: float) -> int:
    return (value > 0) - (value < 0)


@dataclass
class Move:
    counter: int
    target: int  # microdegrees
    rate: int  # microdegrees/s
    mode: int  # executed mode reported when the target is reached


@dataclass
class Track:
    counter: int
    rate: float  # degrees/s, while reaching the trajectory
    final_pos: int | None = None


class MasterAxis(AxisRecord):
    """A driven axis: ``max_rates`` (deg/s, deg/s^2), ``op_range`` (deg), ``start_pos``, ``stow_pos``."""

    def __init__(
        self,
        n_motors: int,
        max_rates: tuple[float, float],
        op_range: tuple[float, float],
        start_pos: float,
        stow_pos: list[float] | None = None,
    ) -> None:
        super().__init__(n_motors)
        self.name = ""
        self.max_velocity, self.max_acceleration = max_rates
        self.min_pos, self.max_pos = op_range
        self.stow_pos = stow_pos
        self.next_pos: int | None = None  # the trajectory's next point, set by the pointing subsystem
        self.curr_mode_counter: int | None = None
        self.activity: Move | Track | None = None
        self.p_Ist = self.p_Soll = self.p_Bahn = micro(start_pos)
        if stow_pos:
            self.stow_pin_selection = [True] * len(stow_pos) + [False] * (16 - len(stow_pos))
            self.stowed = self.stowPosOk = self.p_Ist / MICRO in stow_pos
        self._set_pins(self.stowed)

    def _set_pins(self, out: bool) -> None:
        selection = self.stow_pin_selection
        self.stow_pin_out = selection if out else [False] * 16
        self.stow_pin_in = [False] * 16 if out else selection
        self.Stowpins_Extracted = out

    # --- limits and flags, refreshed every tick ---------------------------------------------------
    def update_status(self) -> None:
        low, high, position = micro(self.min_pos), micro(self.max_pos), self.p_Ist
        if self.stow_pos:
            self.stowPosOk = position / MICRO in self.stow_pos
        self.Pre_Limit_Dn, self.Fin_Limit_Dn = position <= low, position < low
        self.Pre_Limit_Up, self.Fin_Limit_Up = position >= high, position > high
        self.Rate_Limit = abs(self.v_Ist) > micro(self.max_velocity)

    # --- mode commands --------------------------------------------------------------------------
    def _mode_command(self, request: ModeRequest) -> None:
        mode = request.mode_id
        self.received_mode_command_counter = request.counter
        if mode not in MODE_COMMANDS:  # 0 (ignore) or unknown: recorded, nothing done
            self.received_mode_command = self.received_mode_command_answer = 0
            return
        answer = self.validate(mode, request.parameter_1, request.parameter_2)
        self.received_mode_command = mode
        self.received_mode_command_answer = answer
        if answer == 9:
            self._executing(request.counter, mode, 2)
            getattr(self, "_" + MODE_COMMANDS[mode])(request.counter, request.parameter_1, request.parameter_2)

    def validate(self, mode: int, p1: float, p2: float) -> int:
        """9 accepted, 4 wrong mode, 5 invalid parameters (checked after the mode, as DISCOS)."""
        answer = 9
        if (mode == 2 and self.axis_state != INACTIVE) or (mode in NEEDS_ACTIVE and self.axis_state != ACTIVE):
            answer = 4
        elif (mode == 15 and self.axis_state not in (0, 1)) or (mode == 50 and not self.stowPosOk):
            answer = 4
        too_fast = abs(p2) > self.max_velocity
        if mode == 3 and (not self.min_pos <= p1 <= self.max_pos or too_fast):
            answer = 5
        elif mode == 4 and (
            not self.min_pos <= self.p_Ist / MICRO + p1 <= self.max_pos or abs(int(p2)) > self.max_velocity
        ):
            answer = 5
        elif mode == 5 and (abs(p1) > 1 or too_fast):
            answer = 5
        elif mode == 8 and too_fast:
            answer = 5
        elif (
            mode == 52
            and self.stow_pos
            and (int(p1) not in range(len(self.stow_pos)) or abs(p2) > 0.5 * self.max_velocity)
        ):
            answer = 5
        return answer

    def _executing(self, counter: int, mode: int, answer: int) -> None:
        self.executed_mode_command_counter = counter
        self.executed_mode_command = mode
        self.executed_mode_command_answer = answer

    def _inactive(self, counter: int, *_: float) -> None:
        self.axis_state = INACTIVE
        self.brakes_open = [False] * 16
        self.v_Ist = self.v_Soll = 0
        self.axis_trajectory_state = 0
        self._executing(counter, 1, 1)

    def _active(self, counter: int, *_: float) -> None:
        self.axis_state = ACTIVE
        self.brakes_open = self.motors_on()
        self.axis_trajectory_state = 1
        self._executing(counter, 2, 1)

    def _start_move(self, counter: int, target: int, rate: int, mode: int, trajectory_state: int) -> None:
        self.curr_mode_counter = counter
        self.axis_trajectory_state = trajectory_state
        self.p_Soll, self.v_Soll = target, rate
        self.activity = Move(counter, target, rate, mode)
        self.step(0.0)  # already there: done at once

    def _preset_absolute(self, counter: int, angle: float, rate: float) -> None:
        self._start_move(counter, micro(angle), micro(rate), 3, 6)

    def _preset_relative(self, counter: int, angle: float, rate: float) -> None:
        self._start_move(counter, self.p_Soll + micro(angle), micro(rate), 4, 6)

    def _slew(self, counter: int, percentage: float, rate: float) -> None:
        speed = micro(rate * percentage)
        target = {1: micro(self.max_pos), -1: micro(self.min_pos)}.get(sign(speed), self.p_Ist)
        self._start_move(counter, target, speed, 5, 4)

    def _stop(self, counter: int, *_: float) -> None:
        self.curr_mode_counter = counter
        self.axis_trajectory_state = 3
        self._executing(counter, 7, 1)

    def _program_track(self, counter: int, _: float, rate: float) -> None:
        self.curr_mode_counter = counter
        self._executing(counter, 8, 1)
        if isinstance(self.activity, Track):
            return  # already tracking: the running track adopts this counter
        self.activity = Track(counter, rate)
        self.program_track_active = True
        self.step(0.0)

    def _interlock(self, counter: int, *_: float) -> None:
        self._executing(counter, 14, 1)

    def _reset(self, counter: int, *_: float) -> None:
        for name in ERROR_FLAGS.split():
            if name != "-":
                setattr(self, name, False)
        self._executing(counter, 15, 1)

    def _stow(self, counter: int, *_: float) -> None:
        if self.stow_pos:
            self.curr_mode_counter = counter
            self._stow_now()
        self._executing(counter, 50, 1)

    def _stow_now(self) -> None:
        self._set_pins(True)
        self.stowed = True
        self.v_Ist = self.v_Soll = 0

    def _unstow(self, counter: int, *_: float) -> None:
        if self.stow_pos:
            self.curr_mode_counter = counter
            self._set_pins(False)
            self.stowed = False
        self._executing(counter, 51, 1)

    def _drive_to_stow(self, counter: int, index: float, rate: float) -> None:
        if not self.stow_pos:
            self._executing(counter, 52, 1)
            return
        self._start_move(counter, micro(self.stow_pos[int(index)]), micro(rate), 52, 6)

    # --- the simulation clock ---------------------------------------------------------------------
    def calc_position(self, dt: float, target: int, rate: int) -> int:
        """Where the axis is after ``dt`` seconds towards ``target`` at ``rate``, within its range."""
        position = self.p_Ist
        direction = sign(target - position)
        if direction:
            position += direction * round(abs(rate) * dt)
            if sign(target - position) != direction:
                position = target
        return max(min(position, micro(self.max_pos)), micro(self.min_pos))

    def step(self, dt: float) -> None:
        """Advance the current activity by ``dt`` seconds."""
        activity = self.activity
        if isinstance(activity, Move):
            self._step_move(activity, dt)
        elif isinstance(activity, Track):
            self._step_track(activity, dt)

    def _step_move(self, move: Move, dt: float) -> None:
        if move.counter != self.curr_mode_counter:  # superseded
            self.v_Ist, self.activity = 0, None
            return
        position = self.calc_position(dt, move.target, move.rate)
        if self.axis_state == ACTIVE and not self.stowed:
            self.v_Ist, self.p_Ist = move.rate, position
        else:
            self.v_Ist = 0
        if self.p_Ist == move.target:
            self.v_Ist, self.activity = 0, None
            if move.mode == 52:
                self._stow_now()
            self._executing(move.counter, move.mode, 1)

    def _step_track(self, track: Track, dt: float) -> None:
        if track.counter != self.curr_mode_counter:
            if self.axis_trajectory_state != 7:  # stopped or repositioned: tracking ends
                self.v_Ist, self.activity, self.program_track_active = 0, None, False
                return
            track.counter = self.curr_mode_counter  # type: ignore[assignment]
        self.axis_trajectory_state = 7
        next_pos = self.next_pos
        if next_pos is not None:
            track.final_pos = next_pos
        elif self.ptState == 4 and track.final_pos is not None and self.p_Ist != track.final_pos:
            next_pos = track.final_pos
        position, velocity = self.p_Ist, self.v_Ist
        if next_pos is not None and self.axis_state == ACTIVE and not self.stowed:
            position, velocity = self._track_position(next_pos, track.rate, dt, position, velocity)
        else:
            velocity = 0
        self.p_Ist = position
        limit = micro(self.max_velocity)
        self.v_Ist = self.v_Soll = max(min(velocity, limit), -limit)

    def _track_position(self, next_pos: int, rate: float, dt: float, position: int, velocity: int) -> tuple[int, int]:
        """ptState 2: go to the first point at ``rate``; 3: follow the trajectory (p_Bahn) at the
        axis's maximum rate; 4 (done): reach the last point."""
        if self.ptState == 2:
            self.p_Soll, self.v_Soll = next_pos + self.p_Offset, micro(rate)
            if position != self.p_Soll:
                position = self.calc_position(dt, self.p_Soll, self.v_Soll)
                velocity = 0 if position == self.p_Soll else self.v_Soll
        finishing = False
        if self.ptState == 4:
            self.p_Soll = next_pos + self.p_Offset
            finishing = self.p_Ist != self.p_Soll
        if self.ptState == 3 or finishing:
            self.p_Soll = self.p_Bahn + self.p_Offset
            target = self.calc_position(dt, self.p_Soll, micro(self.max_velocity))
            velocity = round((target - self.p_Ist) / dt) if dt > 0 else 0
            position = target
        return position, velocity

    # --- parameter commands ---------------------------------------------------------------------
    def _parameter_command(self, request: ParameterRequest) -> None:
        self.parameter_command_counter = request.counter
        self.parameter_command = request.parameter_id
        if self.axis_state != ACTIVE:
            self.parameter_command_answer = 4
        elif request.parameter_id == 11:  # absolute position offset (the ramp time is ignored)
            self.p_Offset, self.parameter_command_answer = micro(request.parameter_1), 1
        elif request.parameter_id == 12:  # relative position offset
            self.p_Offset, self.parameter_command_answer = self.p_Offset + micro(request.parameter_1), 1
        else:
            self.parameter_command_answer = 5


class SlaveAxis(AxisRecord):
    """The cable wrap: its brakes open when its master is active."""

    def __init__(self, n_motors: int, master: MasterAxis) -> None:
        super().__init__(n_motors)
        self.master = master
        self.min_pos, self.max_pos = master.min_pos, master.max_pos

    def update_status(self) -> None:
        self.brakes_open = self.motors_on() if self.master.axis_state == ACTIVE else [False] * 16
