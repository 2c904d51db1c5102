"""The SRT minor servos simulator (DISCOS ``minor_servos``): TCP 12800, text commands; HTTP 12799.

A command is ``NAME`` or ``NAME=arg,arg,...`` ended by ``\\r\\n``; the answer is one line ended by
``\\r\\n``: ``OUTPUT:GOOD,<PLC time, s with 6 decimals>`` (plus status fields), or
``OUTPUT:BAD`` (unknown servo or configuration, out-of-range position, a program-track point out of
sequence or in the past), ``OUTPUT:BAD_COMMAND_NAME``, ``OUTPUT:BAD_ARGUMENTS_NUMBER``,
``OUTPUT:BAD_ARGUMENTS_TYPE``. Servos: ``PFP`` (3 axes), ``SRP`` (6), ``M3R``, ``GFR``, ``DR_GFR1``-``3``,
``DR_PFP`` (1 each).

* ``STATUS`` -> ``,CURRENT_CONFIG=..|SIMULATION_ENABLED=1|PLC_TIME=..|PLC_VERSION=1|CONTROL=1|POWER=1|
  EMERGENCY=2|GREGORIAN_CAP=..|LAST_EXECUTED_COMMAND=..``; ``STATUS=SERVO`` -> that servo's fields
  (``SERVO_ENABLED|STATUS|BLOCK|OPERATIVE_MODE``, then elongations, positions and offsets).
* ``SETUP=CONFIGURATION`` (``Primario``, ``Gregoriano1``-``8``, ``BWG1``-``4``): every servo moves to
  the configuration's positions (:mod:`.setups`), mode SETUP (10) on arrival; the Gregorian cap
  closes (0) and opens at its position after ``timer_value`` seconds.
* ``STOW=SERVO,POS``: STOW (20) after ``timer_value`` s; ``STOW=GREGORIAN_CAP,0..4`` moves the cap.
* ``STOP=SERVO``: STOP (30), the servo holds its position.
* ``PRESET=SERVO,c1,...``: move to the coordinates plus offsets, PRESET (40) on arrival.
* ``PROGRAMTRACK=SERVO,TRAJ_ID,POINT_ID,START|*,c1,...`` (PFP, SRP, derotators): point 0 starts a
  trajectory at START (Unix time, not past); each next point (``*``) is 0.2 s after the previous one
  and must come before its time; PROGRAMTRACK (50).
* ``OFFSET=SERVO,o1,...``: the offsets added to later presets and trajectory points.

The HTTP interface (:mod:`.helpers`): GET of the V-Brain reset commands answers JSON.

Differences from DISCOS: nothing runs by itself (a servo's motion and delayed modes are computed
when read, no update thread and no timer threads); trajectories are interpolated by a cubic Hermite
curve through the points instead of scipy's B-spline (the same points are reached, the curve between
them differs slightly); a message longer than 4096 bytes is rejected; the HTTP server binds
``http_address`` (127.0.0.1:12799 by default; port 0 in tests).
"""

from __future__ import annotations

import re
import threading
import time
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.minor_servos.helpers import RestInterface
from simulators.minor_servos.servos import (
    GFR,
    M3R,
    PFP,
    PROGRAM_TRACK_TIMEGAP,
    PROGRAMTRACK,
    SETUP,
    SRP,
    STOP,
    STOW,
    Derotator,
    Servo,
)
from simulators.minor_servos.setups import configurations
from simulators.utils import ByteString, to_text

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 12800), (), ThreadingTCPServer, {})]
httpserver_address = ("127.0.0.1", 12799)
extra_addresses = {"http_address": httpserver_address}  # moved by runsimulators --port-offset and --host
DEFAULT_TIMER_VALUE = 5
MAX_MESSAGE = 4096

__all__ = ["DEFAULT_TIMER_VALUE", "PROGRAM_TRACK_TIMEGAP", "System", "httpserver_address", "servers"]


class System(ListeningSystem):
    """The PLC: eight servos, the Gregorian cap, the current configuration; shared by every client."""

    tail = "\r\n"
    bad = "OUTPUT:BAD"
    bad_command_name = bad + "_COMMAND_NAME"
    bad_args_number = bad + "_ARGUMENTS_NUMBER"
    bad_args_type = bad + "_ARGUMENTS_TYPE"

    def __init__(
        self, timer_value: float = DEFAULT_TIMER_VALUE, rest_api: bool = True, http_address: Any = None
    ) -> None:
        self.msg = ""
        self.configuration = 0
        self.simulation = self.plc_version = self.control = self.power = 1
        self.emergency = 2
        self._gregorian_cap = 1
        self.cap_pending: tuple[float, int] | None = None
        self.last_executed_command: int | str = 0
        self.timer_value = timer_value
        self.stop = threading.Event()
        self.lock = threading.RLock()
        self.configurations = configurations()
        self.servos: dict[str, Servo] = {
            "PFP": PFP(),
            "SRP": SRP(),
            "M3R": M3R(),
            "GFR": GFR(),
            **{f"DR_{name}": Derotator(name) for name in ("GFR1", "GFR2", "GFR3", "PFP")},
        }
        self.rest_api = rest_api
        self.rest: RestInterface | None = None
        if rest_api:
            self.rest = RestInterface(tuple(http_address or httpserver_address))  # type: ignore[arg-type]

    # --- the Gregorian cap, brought up to date when read ---------------------------------------------
    @property
    def gregorian_cap(self) -> int:
        if self.cap_pending is not None and self.cap_pending[0] <= time.time():
            self._gregorian_cap, self.cap_pending = self.cap_pending[1], None
        return self._gregorian_cap

    @gregorian_cap.setter
    def gregorian_cap(self, value: int) -> None:
        self._gregorian_cap = value

    def _move_cap(self, position: int) -> None:
        """Close the cap now, open it at ``position`` after the timer."""
        self._gregorian_cap = 0
        self.cap_pending = (time.time() + self.timer_value, position)

    def system_stop(self) -> str:
        self.stop.set()
        if self.rest is not None:
            self.rest.stop()
            self.rest = None
        return super().system_stop()

    # --- framing ------------------------------------------------------------------------------
    def parse(self, byte: ByteString) -> bool | str:
        self.msg += to_text(byte)
        if self.msg.endswith(self.tail):
            msg, self.msg = self.msg, ""
            with self.lock:
                return self._execute(msg)
        if len(self.msg) > MAX_MESSAGE:
            self.msg = ""
            raise MalformedInputError(f"Message too long: max length should be {MAX_MESSAGE}")
        return True

    @staticmethod
    def plc_time(now: float | None = None) -> str:
        return f"{now if now else time.time():.6f}"

    def good(self, now: float | None = None) -> str:
        return f"OUTPUT:GOOD,{self.plc_time(now)}"

    commands = {
        "STATUS": "_status",
        "SETUP": "_setup",
        "STOW": "_stow",
        "STOP": "_stop",
        "PRESET": "_preset",
        "PROGRAMTRACK": "_program_track",
        "OFFSET": "_offset",
    }

    def _execute(self, msg: str) -> str:
        name, *args = [word.strip() for word in re.split("[=,]", msg)]
        method = self.commands.get(name)
        if method is None:
            return self.bad_command_name + self.tail
        return f"{getattr(self, method)(args)}{self.tail}"

    def _done(self) -> str:
        self.last_executed_command = self.plc_time()
        return self.good()

    # --- commands -----------------------------------------------------------------------------
    def _status(self, args: list[str]) -> str:
        if len(args) > 1:
            return self.bad_args_number
        now = time.time()
        if args:
            servo = self.servos.get(args[0])
            return self.bad if servo is None else self.good(now) + servo.get_status(now)
        plc = self.plc_time(now)
        return (
            f"{self.good(now)},CURRENT_CONFIG={self.configuration}|SIMULATION_ENABLED={self.simulation}|"
            f"PLC_TIME={plc}|PLC_VERSION={self.plc_version}|CONTROL={self.control}|POWER={self.power}|"
            f"EMERGENCY={self.emergency}|GREGORIAN_CAP={self.gregorian_cap}|"
            f"LAST_EXECUTED_COMMAND={self.last_executed_command}"
        )

    def _setup(self, args: list[str]) -> str:
        if len(args) != 1:
            return self.bad_args_number
        configuration = self.configurations.get(args[0])
        if configuration is None:
            return self.bad
        self.configuration = configuration["ID"]
        now = time.time()
        for name, servo in self.servos.items():
            servo.advance(now)
            servo.cancel_pending()
            servo.operative_mode = 0
            servo.set_coords(list(configuration[name]), SETUP, apply_offsets=False)  # setups are in range
        cap = configuration["GREGORIAN_CAP"][0]
        if cap and self.gregorian_cap != cap:
            self._move_cap(cap)
        return self._done()

    def _stow(self, args: list[str]) -> str:
        if len(args) != 2:
            return self.bad_args_number
        if args[0] not in [*self.servos, "GREGORIAN_CAP"]:
            return self.bad
        try:
            position = int(args[1])
        except ValueError:
            return self.bad_args_type
        if args[0] == "GREGORIAN_CAP":
            if position not in range(5):
                return self.bad
            if self.gregorian_cap != position:
                self.cap_pending = None
                if self._gregorian_cap <= 1 or position == 1:
                    self._move_cap(position)  # opening or closing takes the timer
                else:
                    self._gregorian_cap = position  # from one open position to another: at once
        else:
            servo = self.servos[args[0]]
            servo.advance(time.time())
            servo.cancel_pending()
            servo.operative_mode = 0
            servo.change_mode_later(self.timer_value, STOW)
        return self._done()

    def _stop(self, args: list[str]) -> str:
        if len(args) != 1:
            return self.bad_args_number
        servo = self.servos.get(args[0])
        if servo is None:
            return self.bad
        servo.advance(time.time())
        servo.cancel_pending()
        servo.operative_mode = STOP
        return self._done()

    def _servo_coords(self, args: list[str]) -> tuple[Servo, list[float]] | str:
        """The servo and float coordinates of ``SERVO,c1,...``, or the error answer."""
        if len(args) < 2:
            return self.bad_args_number
        servo = self.servos.get(args[0])
        if servo is None:
            return self.bad
        if len(args) - 1 != servo.DOF:
            return self.bad_args_number
        try:
            return servo, [float(a) for a in args[1:]]
        except ValueError:
            return self.bad_args_type

    def _preset(self, args: list[str]) -> str:
        parsed = self._servo_coords(args)
        if isinstance(parsed, str):
            return parsed
        servo, coords = parsed
        servo.advance(time.time())
        servo.cancel_pending()
        servo.operative_mode = 0
        if not servo.set_coords(list(coords), 40):
            return self.bad
        return self._done()

    def _offset(self, args: list[str]) -> str:
        parsed = self._servo_coords(args)
        if isinstance(parsed, str):
            return parsed
        servo, coords = parsed
        servo.set_offsets(coords)
        return self._done()

    def _program_track(self, args: list[str]) -> str:
        if not args:
            return self.bad_args_number
        servo = self.servos.get(args[0])
        if servo is None or not servo.program_track_capable:
            return self.bad
        if len(args) != 4 + servo.DOF:
            return self.bad_args_number
        try:
            trajectory_id, point_id = int(args[1]), int(args[2])
            coords = [float(a) + off for a, off in zip(args[4:], servo.offsets, strict=True)]
        except ValueError:
            return self.bad_args_type
        now = time.time()
        with servo.lock:
            servo.advance(now)
            if args[3] == "*":
                if trajectory_id != servo.trajectory_id or servo.trajectory_point_id is None:
                    return self.bad  # no such trajectory (a new one needs its start time)
                if point_id != servo.trajectory_point_id + 1:
                    return self.bad
                start = servo.trajectory_start_time or 0.0
            else:
                try:
                    start = float(args[3])
                except ValueError:
                    return self.bad_args_type
                if start < now or point_id != 0:
                    return self.bad
            point_time = start + point_id * PROGRAM_TRACK_TIMEGAP
            if point_time < now:
                return self.bad  # too late for this point
            if point_id == 0:
                servo.start_trajectory(trajectory_id, point_time)
            servo.trajectory_point_id = point_id
            servo.add_point(point_id, point_time, coords)
            servo.operative_mode = PROGRAMTRACK
            return self._done()


# re-exported for DISCOS's names
__all__ += ["GFR", "M3R", "PFP", "SRP", "STOW", "Derotator", "Servo"]
