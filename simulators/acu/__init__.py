"""The SRT Antenna Control Unit simulator (DISCOS ``acu``): commands on TCP 13000, status on TCP 13001.

DISCOS's only duplex simulator. The listening port takes binary command messages
(:mod:`.protocol`: mode, parameter and program-track commands for the azimuth (1), elevation (2) and
pointing (5) subsystems) and never answers; the sending port streams the 813-byte status to every
client every ``sampling_time`` (0.1 s): start flag, UINT32 length 813, UINT32 milliseconds of the
day, the general status (25 bytes, :mod:`.records`), the azimuth, elevation and cable-wrap axes (92
each, :mod:`.axis_fields`), their 8 + 4 + 1 motors (27 each), the pointing status (129,
:mod:`.pointing`), the facility status (16) and the end flag.

Axes (:mod:`.axis`): azimuth -90..450 deg, 0.85 deg/s, starts at 180; elevation 5..90 deg, 0.5 deg/s,
starts stowed at 90; the cable wrap follows the azimuth. One simulation thread advances the axes and
the program track every ``sampling_time / 10`` on a fixed grid and publishes the status on every tenth
tick, first thing, so that the stream keeps its period whatever the commands do.

A malformed message (wrong end flag, repeated command counter, commands that do not add up, unknown
command or subsystem) raises ``ValueError`` from ``parse`` as in DISCOS; commands before the faulty one
in the same message are executed. Differences from DISCOS: commands run in ``parse`` (DISCOS starts a
thread per command), a mode command to the pointing subsystem or a program track to an axis is a
``ValueError`` (DISCOS raises AttributeError), a message length outside 21..60,000 bytes is rejected
at once (DISCOS waits for that many bytes), the general status's interlock flags read back what was
set, and program tracks are interpolated by a cubic Hermite curve instead of scipy's B-spline.
"""

from __future__ import annotations

import threading
import time
import weakref
from socketserver import ThreadingTCPServer
from typing import Any

from simulators import utils
from simulators.acu.axis import MasterAxis, SlaveAxis
from simulators.acu.pointing import PointingStatus
from simulators.acu.protocol import (
    END_FLAG,
    START_FLAG,
    Framer,
    ModeRequest,
    ParameterRequest,
    ProgramTrackRequest,
    Request,
    decode_message,
)
from simulators.acu.records import FacilityStatus, GeneralStatus
from simulators.common import ListeningSystem, SendingSystem
from simulators.exceptions import MalformedInputError
from simulators.utils import ByteString, to_wire

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 13000), ("127.0.0.1", 13001), ThreadingTCPServer, {})]
start_flag = START_FLAG.decode("latin-1")
end_flag = END_FLAG.decode("latin-1")
STATUS_SIZE = 813
TICKS_PER_STATUS = 10

__all__ = ["STATUS_SIZE", "System", "end_flag", "servers", "start_flag"]


class System(ListeningSystem, SendingSystem):
    """The ACU: general status, azimuth (AZ), elevation (EL), cable wrap (CW), pointing (PS), facility (FS)."""

    subsystems = {1: "AZ", 2: "EL", 5: "PS"}
    default_sampling_time = 0.1

    def __init__(self, sampling_time: float = default_sampling_time) -> None:
        self.sampling_time = sampling_time  # type: ignore[misc]
        self.GS = GeneralStatus()
        self.AZ = MasterAxis(n_motors=8, max_rates=(0.85, 0.4), op_range=(-90, 450), start_pos=180)
        self.EL = MasterAxis(n_motors=4, max_rates=(0.5, 0.25), op_range=(5, 90), start_pos=90, stow_pos=[90])
        self.AZ.name, self.EL.name = "azimuth", "elevation"
        self.CW = SlaveAxis(n_motors=1, master=self.AZ)
        self.PS = PointingStatus(self.AZ, self.EL, self.CW)
        self.FS = FacilityStatus()
        self.framer = Framer()
        self.lock = threading.Lock()
        self.status = bytearray(STATUS_SIZE)
        self.status[0:4] = START_FLAG
        self.status[4:8] = STATUS_SIZE.to_bytes(4, "little")
        self.status[-4:] = END_FLAG
        self.records = [
            self.GS, self.AZ, self.EL, self.CW,
            *self.AZ.motor_status, *self.EL.motor_status, *self.CW.motor_status, self.PS, self.FS,
        ]  # fmt: skip
        self.update()
        self.pack()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=_simulate, args=(weakref.ref(self), self.stop, sampling_time), name="acu-simulation", daemon=True
        )
        self.thread.start()

    def __del__(self) -> None:
        stop = self.__dict__.get("stop")
        if stop is not None and not stop.is_set():
            self.system_stop()

    def system_stop(self) -> str:
        self.stop.set()
        if threading.current_thread() is not self.thread:
            self.thread.join(5.0)
        return super().system_stop()

    # --- the simulation ---------------------------------------------------------------------------
    def update(self) -> None:
        """Bring every subsystem's derived fields up to date (time, encoders, limits, trajectory)."""
        self.PS.update_status()
        for axis in (self.AZ, self.EL, self.CW):
            axis.update_status()

    def pack(self) -> bytes:
        """The status message, as sent."""
        self.status[8:12] = utils.day_milliseconds().to_bytes(4, "little")
        self.status[12:-4] = b"".join(bytes(record.status) for record in self.records)
        return bytes(self.status)

    def tick(self, dt: float, publish: bool) -> None:
        with self.lock:
            if publish:
                self.update()
                self.publish(self.pack())
            self.AZ.step(dt)
            self.EL.step(dt)
            self.update()

    # --- commands -------------------------------------------------------------------------------
    def parse(self, byte: ByteString) -> bool:
        outcome = self.framer.feed(to_wire(byte)[0])
        if isinstance(outcome, bytes):
            requests = decode_message(outcome)
            with self.lock:
                for request in requests:
                    self.execute(request)
            return True
        return outcome

    def execute(self, request: Request) -> None:
        """Hand one command to its subsystem; MalformedInputError if the subsystem cannot take it."""
        name = self.subsystems.get(request.subsystem)
        target = getattr(self, name) if name else None
        if isinstance(target, MasterAxis) and isinstance(request, ModeRequest):
            target._mode_command(request)
        elif isinstance(target, (MasterAxis, PointingStatus)) and isinstance(request, ParameterRequest):
            target._parameter_command(request)
        elif isinstance(target, PointingStatus) and isinstance(request, ProgramTrackRequest):
            target._program_track_parameter_command(request)
        else:
            raise MalformedInputError("Command has invalid parameters.")


def _simulate(system_ref: weakref.ref[System], stop: threading.Event, sampling_time: float) -> None:
    """Tick on a fixed grid of ``sampling_time / 10``; every tenth tick publishes first.

    Holds the System only during a tick, so that a System nobody else references is collected (and
    stopped), as DISCOS's tests expect of ``del system``.
    """
    period = sampling_time / TICKS_PER_STATUS
    deadline = last = time.monotonic()
    count = 0
    while not stop.wait(max(0.0, deadline - time.monotonic())):
        system = system_ref()
        if system is None:
            return
        now = time.monotonic()
        system.tick(now - last, publish=count % TICKS_PER_STATUS == 0)
        del system
        last, count = now, count + 1
        deadline += period
        if deadline < now - sampling_time:  # fell far behind (suspended): start a new grid
            deadline = now
