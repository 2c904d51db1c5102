"""One USD60xxx stepper driver: its registers, the per-driver effect of each command, its motion.

Methods return ``True`` (ACK) or ``False`` (NAK); the line (``System``) decides whether anything is
sent. Positions are in 1/128 step. The quirks of the reference are kept (spec §6): Q1 (any ``29`` value
enables delayed mode), Q3 (relative delayed moves count the enqueue-time position twice), Q4 (a move to
the current position never completes), Q6 (resolution >= 8 is auto), Q7 (rotate 0 goes to absolute 0),
Q8 (version byte = major + minor + 0x0F). Q2 is fixed: a trigger with *ready* set and an emptied queue
answers NAK and clears *ready* instead of hanging.
"""

from __future__ import annotations

from collections import deque

POSITION_LIMIT = 2_688_000
"""Hard limits of the position: +-21000 steps x 128."""
ROTATE_TARGET = 2_688_001
"""Rotate commands a target just beyond the limit, so it is never reached."""
DEFAULT_DELAY_MULTIPLIER = 5
STANDBY_DELAY_UNIT = 0.004096
"""Seconds per unit of the standby delay set by command 27."""
REDUCTIONS = {0: 0, 1: 0, 2: 25, 3: 50}
"""Current reduction (%) by the mode bits 7-6 of command 27."""
MAX_VELOCITY = 100_000
MIN_FIXED_RESOLUTION_VELOCITY = 10


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


class USD:
    """A driver's state. Not thread-safe: the line serialises access with its lock."""

    version = (1, 3)
    driver_type = 0x21

    def __init__(self, driver_reset_delay: float = 0.0) -> None:
        self.last_movement: float | None = None  # not cleared by a soft reset
        self.driver_reset_delay = driver_reset_delay
        """Seconds a soft reset keeps this driver (and the line) busy."""
        self.soft_reset()

    # DISCOS's driver attribute names, read by DISCOS's tests.
    @property
    def current_position(self) -> int:
        """The position (1/128 step)."""
        return self.position

    @current_position.setter
    def current_position(self, value: int) -> None:
        self.position = value

    @property
    def current_percentage(self) -> float:
        """The current as a fraction of the full current (1.0 = 100 %)."""
        return self.current / 100

    def soft_reset(self) -> bool:
        """Back to the power-on defaults (spec §3.9)."""
        self.reference = 0
        self.position = 0
        self.target: int | None = None
        self.velocity: int | None = None  # None: no velocity mode (DISCOS's convention)
        self.queue: deque[tuple[int, bool]] = deque()  # (value, relative)
        self.running = self.ready = self.delayed = False
        self.delay_multiplier = DEFAULT_DELAY_MULTIPLIER
        self.reduction = 0
        self.standby_delay = 0.0
        self.current = 100
        self.full_current = True
        self.standby = False
        self.slope_delayer = 1
        self.min_frequency, self.max_frequency = 20, 10000
        self.io_directions, self.io_values = 0b010, 0  # line 1 is an output
        self.trigger_io = self.stop_io = self.positioning_io = self.home_io = (0, 0)  # (enables, levels)
        self.resolution, self.auto_resolution = 1, False
        self.baud_rate = 9600
        return True

    # --- queries --------------------------------------------------------------------------------
    def version_byte(self) -> bytes:
        return bytes([sum(self.version) + 0x0F])  # quirk Q8

    def position_bytes(self) -> bytes:
        return self.position.to_bytes(4, "big", signed=True)

    def status_bytes(self) -> bytes:
        flags = (
            self.running << 7
            | self.delayed << 6
            | self.ready << 5
            | self.full_current << 4
            | self.auto_resolution << 3
            | (0 if self.auto_resolution else self.resolution)
        )
        return bytes([0, (self.io_directions << 4) | self.io_values, flags])

    def driver_type_byte(self) -> bytes:
        return bytes([self.driver_type])

    # --- commands -------------------------------------------------------------------------------
    def soft_trigger(self) -> bool:
        if not self.ready:
            return True
        if not self.queue:  # quirk Q2, fixed: the reference blocks forever here
            self.ready = False
            return False
        value, relative = self.queue.popleft()
        if not self.velocity:
            self.target = self.position + value if relative else value  # quirk Q3 for relative entries
        self.ready = bool(self.queue)
        return True

    def soft_stop(self) -> bool:
        self.velocity, self.target = None, None
        return True

    def set_min_frequency(self, frequency: int) -> bool:
        if not 20 <= frequency <= 10000 or frequency > self.max_frequency:
            return False
        self.min_frequency = frequency
        return True

    def set_max_frequency(self, frequency: int) -> bool:
        if not 20 <= frequency <= 10000 or frequency < self.min_frequency:
            return False
        self.max_frequency = frequency
        return True

    def set_slope_delayer(self, value: int) -> bool:
        self.slope_delayer = value + 1
        return True

    def set_reference_position(self, position: int) -> bool:
        self.reference = position
        return True

    def set_io_pins(self, value: int) -> bool:
        self.io_directions = (value >> 4) & 0x07
        self.io_values = value & 0x07 & self.io_directions
        return True

    def set_resolution(self, value: int) -> bool:
        if value >= 8:  # quirk Q6: not only bit 3
            self.resolution, self.auto_resolution = 0, True
        else:
            self.resolution, self.auto_resolution = value, False
        return True

    def set_current_reduction(self, value: int) -> bool:
        self.reduction = REDUCTIONS[value >> 6]
        self.standby_delay = (value & 0x3F) * STANDBY_DELAY_UNIT
        return True

    def set_response_delay(self, multiplier: int) -> bool:
        self.delay_multiplier = multiplier
        return True

    def set_delayed_execution(self, value: int) -> bool:
        self.delayed = True  # quirk Q1: whatever the enable bit says
        self.trigger_io = (value & 0x07, (value >> 3) & 0x07)
        self.queue.clear()  # quirk Q2: *ready* is left as it is
        return True

    @staticmethod
    def io_config(value: int) -> tuple[int, int]:
        enables = value & 0x07
        return enables, (value >> 3) & 0x07 & enables

    def set_stop_io(self, value: int) -> bool:
        self.stop_io = self.io_config(value)
        return True

    def set_positioning_io(self, value: int) -> bool:
        self.positioning_io = self.io_config(value)
        return True

    def set_home_io(self, value: int) -> bool:
        self.home_io = self.io_config(value)
        return True

    def set_working_mode(self, first: int) -> bool:
        self.baud_rate = 19200 if first & 0x01 else 9600
        return True

    def _move_to(self, target: int, relative: bool) -> bool:
        if self.delayed:
            self.queue.append((target, relative))
            self.ready = True
            return True
        if self.running:
            return False
        self.target = target
        return True

    def set_absolute_position(self, position: int) -> bool:
        return self._move_to(self.reference + position, relative=False)

    def set_relative_position(self, offset: int) -> bool:
        return self._move_to(self.position + offset, relative=True)

    def rotate(self, direction: int) -> bool:
        if self.running:
            return False
        self.target = _sign(direction) * ROTATE_TARGET  # quirk Q7: 0 means absolute position 0
        return True

    def set_velocity(self, velocity: int) -> bool:
        speed = abs(velocity)
        if speed > MAX_VELOCITY or (not self.auto_resolution and 0 < speed < MIN_FIXED_RESOLUTION_VELOCITY):
            return False
        self.target, self.velocity = None, velocity or None
        return True

    # --- motion ---------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether a motion pass can still change anything."""
        return bool(self.velocity) or self.target is not None or self.running or self.last_movement is not None

    def step(self, now: float, elapsed: float) -> None:
        """One pass of the line's motion loop (spec §3.10)."""
        if self.velocity:
            frequency, direction = abs(self.velocity), _sign(self.velocity)
        elif self.target is not None:
            frequency, direction = self.max_frequency, _sign(self.target - self.position)
        else:
            self.running = False
            self._maybe_standby(now)
            return
        self.running, self.current, self.full_current, self.standby = True, 100, True, False
        self.last_movement = now
        if direction:  # direction 0: target already reached, running forever (quirk Q4)
            step = direction * round(frequency * 128 / (1 << self.resolution) * elapsed)
            new = max(-POSITION_LIMIT, min(POSITION_LIMIT, self.position + step))
            if not self.velocity and self.target is not None and _sign(self.target - new) != direction:
                new, self.target, self.running = self.target, None, False
            self.position = new
        self._maybe_standby(now)

    def _maybe_standby(self, now: float) -> None:
        if self.running or self.standby or self.last_movement is None:
            return
        if now - self.last_movement >= self.standby_delay:
            self.current = 100 - self.reduction
            self.full_current = self.reduction == 0
            self.last_movement = None
            self.standby = True
