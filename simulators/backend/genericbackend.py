"""The generic DISCOS backend (protocol 1.2): acquisition start/stop (now or at an ACS time),
configuration, integration, sections, feeds, file name, total power readings.

Each request gets one reply ``!name,ok[,args]`` (``fail`` with a reason when refused, or for every
request while ``failure`` is set); a request that breaks the grammar gets
``!undefined,invalid,syntax error: <why>``; replies sent by the client are ignored. A TCP client is
greeted with ``!version,ok,1.2``. Scheduled starts and stops happen when their time comes (checked when
the state is read; no timer thread).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any, ClassVar

from simulators.backend import grammar
from simulators.common import ListeningSystem
from simulators.exceptions import BackendError, MalformedInputError
from simulators.utils import ACS_TO_UNIX_TIME, ByteString, to_text

__all__ = ["PROTOCOL_VERSION", "BackendError", "GenericBackendSystem", "System", "grammar"]

PROTOCOL_VERSION = "1.2"
MAX_MESSAGE = 4096
Arguments = list[str]


def _wall_clock() -> float:
    return time.time()


class GenericBackendSystem(ListeningSystem):
    """The generic backend's state, shared by every client."""

    commands: ClassVar[dict[str, str]] = {
        "status": "do_status",
        "version": "do_version",
        "get-configuration": "do_get_configuration",
        "set-configuration": "do_set_configuration",
        "set-integration": "do_set_integration",
        "get-integration": "do_get_integration",
        "set-section": "do_set_section",
        "get-tpi": "do_getTpi",
        "get-tp0": "do_getTp0",
        "cal-on": "do_cal_on",
        "set-enable": "do_set_enable",
        "time": "do_time",
        "start": "do_start",
        "stop": "do_stop",
        "set-filename": "do_set_filename",
        "get-filename": "do_get_filename",
        "convert-data": "do_convert_data",
    }
    max_sections = 14
    max_bandwidth = 2000
    valid_configuration = re.compile("^[a-z0-9]")

    def __init__(self, clock: Callable[[], float] = _wall_clock) -> None:
        self.clock = clock
        self.status_string = "ok"
        self._acquiring = False
        self.start_at: float | None = None
        self.stop_at: float | None = None
        self._filename = ""
        self.configuration_string = "unconfigured"
        self.integration = 0
        self._sections: dict[Any, tuple[Any, ...]] = {}
        self.interleave = 0
        self.current_sections = list(range(self.max_sections))
        self.failure = False
        self.msg = ""

    # --- framing --------------------------------------------------------------------------------
    def parse(self, byte: ByteString) -> bool | str:
        self.msg += to_text(byte)
        if not self.msg.endswith(grammar.TAIL):
            if len(self.msg) > MAX_MESSAGE:
                self.msg = ""
                raise MalformedInputError(f"message longer than {MAX_MESSAGE} characters dropped")
            return True
        text, self.msg = self.msg.strip(grammar.TAIL), ""
        return self.handle(text)

    @staticmethod
    def system_greet() -> str:
        return str(grammar.Message(grammar.REPLY, "version", grammar.OK, [PROTOCOL_VERSION]))

    def handle(self, text: str) -> bool | str:
        try:
            message = grammar.parse_message(text)
        except grammar.GrammarException as exc:
            return str(grammar.Message(grammar.REPLY, "undefined", grammar.INVALID, [f"syntax error: {exc}"]))
        if not message.is_request():
            return True
        try:
            if message.name not in self.commands:
                raise BackendError(f"invalid command '{message.name}'")
            arguments = getattr(self, self.commands[message.name])(message.arguments)
        except BackendError as exc:
            return str(grammar.Message(grammar.REPLY, message.name, grammar.FAIL, [str(exc)]))
        code = grammar.FAIL if self.failure else grammar.OK
        return str(grammar.Message(grammar.REPLY, message.name, code, arguments or []))

    # --- acquisition ----------------------------------------------------------------------------
    @property
    def acquiring(self) -> bool:
        """Whether data are being acquired (scheduled starts and stops applied first)."""
        now = self.clock()
        events = [(t, kind) for t, kind in ((self.start_at, "start"), (self.stop_at, "stop")) if t is not None]
        for when, kind in sorted(events):
            if when > now:
                break
            if kind == "start":
                self.start_at, self._acquiring = None, True
            else:
                self.stop_at = None
                if self._acquiring:
                    self._acquiring, self.start_at = False, None
        return self._acquiring

    @acquiring.setter
    def acquiring(self, value: bool) -> None:
        self._acquiring = value

    @staticmethod
    def _timestamp(arguments: Arguments) -> float:
        try:
            return float(arguments[0]) / ACS_TO_UNIX_TIME
        except ValueError:
            raise BackendError(f"wrong timestamp '{arguments[0]}'") from None

    def do_start(self, arguments: Arguments) -> None:
        if not arguments:
            if self.acquiring:
                raise BackendError("already acquiring")
            self.acquiring, self.start_at = True, None
            return
        when = self._timestamp(arguments)
        if when < self.clock():
            raise BackendError("starting time already elapsed")
        self.start_at = when

    def do_stop(self, arguments: Arguments) -> None:
        if not arguments:
            if not self.acquiring:
                raise BackendError("not acquiring")
            self.acquiring, self.start_at, self.stop_at = False, None, None
            return
        when = self._timestamp(arguments)
        if when < self.clock():
            raise BackendError("stop time already elapsed")
        self.stop_at = when

    def _time_text(self) -> str:
        return f"{self.clock():.7f}"

    def do_status(self, _: Arguments) -> list[object]:
        return [self._time_text(), self.status_string, 1 if self.acquiring else 0]

    def do_time(self, _: Arguments) -> list[object]:
        return [self._time_text()]

    @staticmethod
    def do_version(_: Arguments) -> list[object]:
        return [PROTOCOL_VERSION]

    # --- settings -------------------------------------------------------------------------------
    def do_set_configuration(self, arguments: Arguments) -> None:
        if not arguments:
            raise BackendError("missing argument: configuration")
        if not self.valid_configuration.match(arguments[0]):
            raise BackendError("invalid configuration")
        self.configuration_string = arguments[0]

    def do_get_configuration(self, _: Arguments) -> list[object]:
        return [self.configuration_string]

    def do_set_integration(self, arguments: Arguments) -> None:
        if not arguments:
            raise BackendError("missing argument: integration time")
        try:
            integration = int(arguments[0])
        except ValueError:
            integration = -1
        if integration < 0:
            raise BackendError("integration time must be an integer number")
        self.integration = integration

    def do_get_integration(self, _: Arguments) -> list[object]:
        return [self.integration]

    def do_set_filename(self, arguments: Arguments) -> None:
        if not arguments:
            raise BackendError("command needs <filename> as argument")
        self._filename = arguments[0]

    def do_get_filename(self, _: Arguments) -> list[object]:
        return [self._filename]

    def do_convert_data(self, _: Arguments) -> None:
        return None

    @staticmethod
    def do_getTpi(_: Arguments) -> list[object]:
        return [random.random() * 100, random.random() * 100]

    @staticmethod
    def do_getTp0(_: Arguments) -> list[object]:
        return [0, 0]

    def do_set_section(self, arguments: Arguments) -> None:
        if len(arguments) < 7:
            raise BackendError("set-section needs 7 arguments")
        converters: list[Callable[[str], Any]] = [int, float, float, int, str, float, int]
        try:
            values = [a if a == "*" else convert(a) for a, convert in zip(arguments, converters, strict=False)]
        except ValueError:
            raise BackendError("wrong parameter format") from None
        section, bandwidth = values[0], values[2]  # numbers, or "*" for "any"
        if not isinstance(section, str) and section > self.max_sections:
            raise BackendError(f"backend supports {self.max_sections} sections")
        if not isinstance(bandwidth, str) and bandwidth > self.max_bandwidth:
            raise BackendError(f"backend maximum bandwidth is {self.max_bandwidth:0.6f}")
        self._sections[section] = tuple(values[1:])

    def do_cal_on(self, arguments: Arguments) -> None:
        interleave = 0
        if arguments:
            try:
                interleave = int(arguments[0])
            except ValueError:
                interleave = -1
            if interleave < 0:
                raise BackendError("interleave samples must be a positive int")
        self.interleave = interleave

    def do_set_enable(self, arguments: Arguments) -> None:
        if len(arguments) < 2:
            raise BackendError("set-enable needs 2 arguments")
        try:
            feed1, feed2 = int(arguments[0]), int(arguments[1])
        except ValueError:
            raise BackendError("wrong parameter format") from None
        feeds = range(self.max_sections // 2)
        if feed1 not in feeds:
            raise BackendError("feed1 out of range")
        if feed2 not in feeds:
            raise BackendError("feed2 out of range")
        self.current_sections = [feed1 * 2, feed1 * 2 + 1, feed2 * 2, feed2 * 2 + 1]


System = GenericBackendSystem
"""The generic backend is also a system type of its own."""
