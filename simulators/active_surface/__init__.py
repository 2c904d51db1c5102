"""The Active Surface simulator: 96 TCP lines (ports 11000-11095) of USD stepper drivers.

Each line is one ``System`` with the drivers ``min_usd_index..max_usd_index`` (1..17 as deployed). A
control program sends USD frames (spec §3) and gets the reference's bytes back, response delay
included. Fixed quirks: Q2 (see :mod:`.usd`) and Q15: every connection has its own frame parser
(:meth:`System.new_parser`), while the drivers are shared by all the connections of the line.
"""

from __future__ import annotations

import threading
import time
from socketserver import ThreadingTCPServer

from simulators.active_surface.commands import COMMANDS, SOFT_RESET, Command
from simulators.active_surface.frames import ACK, NAK, START_WITH_ADDRESS, Frame, FrameParser, with_checksum
from simulators.active_surface.motion import MotionClock, default_clock
from simulators.active_surface.usd import USD
from simulators.common import SERVER_SHUTDOWN, ListeningSystem
from simulators.exceptions import MalformedInputError, UnknownDriverError
from simulators.utils import ByteString

LINES = 96
FIRST_PORT = 11000
servers = [
    (("127.0.0.1", FIRST_PORT + line), (), ThreadingTCPServer, {"min_usd_index": 1, "max_usd_index": 17})
    for line in range(LINES)
]

DELAY_STEP = 0.000512
"""Seconds per unit of the response delay multiplier (the driver manual says 4096 us: quirk Q10)."""
DRIVER_RESET_DELAY = 0.1
"""Seconds a soft reset keeps a driver (and the connection) busy."""


class LineParser:
    """One connection's frame parser, executing complete frames on the line's shared drivers."""

    def __init__(self, line: System) -> None:
        self.line = line
        self.frames = FrameParser()

    def parse(self, byte: ByteString) -> bool | str:
        value = byte[0] if isinstance(byte, bytes) else ord(byte)
        result = self.frames.feed(value)
        if isinstance(result, Frame):
            return self.line.execute(result)
        return result


class System(ListeningSystem):
    """One line of the Active Surface: up to 32 USD drivers behind one TCP port."""

    def __init__(
        self,
        min_usd_index: int = 0,
        max_usd_index: int = 31,
        driver_reset_delay: float = DRIVER_RESET_DELAY,  # seconds per driver, each driver can change its own
        clock: MotionClock | None = None,
    ) -> None:
        if not 0 <= min_usd_index <= 31:
            raise ValueError("Choose a minimum USD index between 0 and 31!")
        if not 0 <= max_usd_index <= 31:
            raise ValueError("Choose a maximum USD index between 0 and 31!")
        if max_usd_index < min_usd_index:
            raise ValueError("max_usd_index cannot be lower than min_usd_index!")
        self.drivers = {index: USD(driver_reset_delay) for index in range(min_usd_index, max_usd_index + 1)}
        self.lock = threading.Lock()
        self._moving = False
        self._stopped = threading.Event()
        self._parser = LineParser(self)
        self._clock = clock or default_clock()
        self._clock.register(self)

    # --- framework hooks ------------------------------------------------------------------------
    def parse(self, byte: ByteString) -> bool | str:
        return self._parser.parse(byte)

    def new_parser(self) -> LineParser:
        """A parser of its own for each connection (quirk Q15 fixed); the drivers stay shared."""
        return LineParser(self)

    def system_stop(self) -> str:
        """Stop the motion loop of this line, then let the server shut down."""
        self._stopped.set()
        self._clock.unregister(self)
        return SERVER_SHUTDOWN

    # --- frame execution ------------------------------------------------------------------------
    def execute(self, frame: Frame) -> bool | str:
        """Run a checked frame (spec §3.4): True for broadcast/suppressed replies, else the reply."""
        command = COMMANDS.get(frame.command)
        if command is None:
            raise MalformedInputError(f"Unknown command: {hex(frame.command)}")
        if frame.index is None:
            self._broadcast(command, frame.params)
            return True
        driver = self.drivers.get(frame.index)
        if driver is None:
            raise UnknownDriverError(f"No USD with index {frame.index} on this line")  # quirk Q9: a KeyError
        started = time.monotonic()
        result = self._run(command, driver, frame.params)
        with self.lock:
            multiplier = driver.delay_multiplier
        if multiplier == 255:
            return True
        remaining = multiplier * DELAY_STEP - (time.monotonic() - started)
        if remaining > 0:
            self._stopped.wait(remaining)
        return self._reply(frame, result).decode("latin-1")

    def _run(self, command: Command, driver: USD, params: bytes) -> bool | bytes:
        if len(params) != command.n_params:
            return False
        with self.lock:
            result = command.action(driver, params)
            self._moving = True
        if command.code == SOFT_RESET:
            self._stopped.wait(driver.driver_reset_delay)
        return result

    def _broadcast(self, command: Command, params: bytes) -> None:
        if len(params) != command.n_params or command.query:
            return
        indexes = sorted(self.drivers)
        for index in indexes[:1] if command.first_driver_only else indexes:
            self._run(command, self.drivers[index], params)

    @staticmethod
    def _reply(frame: Frame, result: bool | bytes) -> bytes:
        if result is True:
            return ACK
        if result is False:
            return NAK
        head = ACK + bytes([frame.start])
        if frame.start == START_WITH_ADDRESS:
            head += bytes([(len(result) << 5) | (frame.index or 0)])
        return with_checksum(head + result)

    # --- motion ---------------------------------------------------------------------------------
    def motion_step(self, now: float, elapsed: float) -> None:
        """One pass of the motion loop over the drivers, in ascending index order."""
        if not self._moving:
            return
        with self.lock:
            moving = False
            for index in sorted(self.drivers):
                driver = self.drivers[index]
                if driver.active:
                    driver.step(now, elapsed)
                    moving = moving or driver.active
            self._moving = moving
