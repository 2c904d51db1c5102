"""The GAIA LNA bias board simulator (DISCOS ``gaia``): UDP 12400, ``#``-framed commands.

A request is ``#COMMAND [ARG1 [ARG2]] ID\\n`` (the server appends the ``\\n`` to each datagram); the
last word is the command id, echoed at the end of the answer: ``#<result> ID\\n``. Bytes before a ``#``
are ignored. Ten channels (1..10):

* ``*IDN?`` -> the firmware string; ``NAME?`` -> ``GAIASIMBOARD``; ``CONF?`` -> the loaded configuration
* ``SETD CH V`` / ``SETG CH V`` (V 0..1023) store drain/gate values -> CH; ``GETVD CH`` / ``GETVG CH``
  read them back; ``LOADCONF N`` -> N
* ``GETID CH`` -> 0 (mA); ``GETREF R`` (R 1/2) -> 2.5 / 5; ``GETEMP S`` (S 1/2) -> 30..36 (random)
* ``SETSG``, ``SETSD``, ``SETSGZ``, ``SETSDZ``, ``SAVECPU``, ``RESETD``, ``RESETG``, ``SAVE``, ``SETDF``,
  ``SETGF``, ``GETEF``, ``ENABLE``, ``DISABLE`` with a channel -> the channel

Errors answer ``#ERROR(code)[NAME](b'<NAME in hex>') ID\\n`` - the ``b'...'`` is the text of a Python
bytes object, as DISCOS sends it; codes 1000 (nothing), 1001 (unknown command), 1002/1003 (first
argument not a number / out of range), 1004 (no argument), 1008/1009/1010 (second argument missing /
not a number / out of 0..1023), 1015 (too many arguments). As in DISCOS, the id of an error found
before the id is read (1000, 1001) is the previous request's.
"""

from __future__ import annotations

import random
from socketserver import ThreadingUDPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import GaiaError
from simulators.utils import ByteString, to_text

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 12400), (), ThreadingUDPServer, {})]

HEADER, TAIL = "#", "\n"
FIRMWARE = "GAIA Simulator Rev. 1.0.0 / 2022.02.08.1"
BOARD_NAME = "GAIASIMBOARD"
CHANNELS = range(1, 11)
MAX_MESSAGE = 256
ERRORS = {
    1000: "ERROR_ARGS_NOT_VALID",
    1001: "ERROR_COMMAND_UNKNOWN",
    1002: "ERROR_FIRST_ARG_NOT_NUMBER",
    1003: "ERROR_FIRST_ARG_OUT_OF_RANGE",
    1004: "ERROR_NO_ARGS",
    1008: "ERROR_SECOND_ARG_NOT_PRESENT",
    1009: "ERROR_SECOND_ARG_NOT_NUMBER",
    1010: "ERROR_SECOND_ARG_OUT_OF_RANGE",
    1015: "ERROR_TOO_MANY_ARGS",
}
ARGUMENTS = {"*IDN?": 0, "CONF?": 0, "NAME?": 0, "SETD": 2, "SETG": 2}
ECHOES = ["SETSG", "SETSD", "SETSGZ", "SETSDZ", "SAVECPU", "RESETD", "RESETG", "SAVE"]
ECHOES += ["SETDF", "SETGF", "GETEF", "ENABLE", "DISABLE"]
ONE_ARGUMENT = ["LOADCONF", "GETVG", "GETVD", "GETID", "GETREF", "GETEMP", *ECHOES]


class System(ListeningSystem):
    """Drain and gate values of the ten channels and the configuration number."""

    def __init__(self) -> None:
        self.VD = [0] * len(CHANNELS)
        self.VG = [0] * len(CHANNELS)
        self.conf = 0
        self.msg = ""
        self.cmd_id = ""

    def parse(self, byte: ByteString) -> bool | str:
        self.msg += to_text(byte)
        if not self.msg.startswith(HEADER) or len(self.msg) > MAX_MESSAGE:
            self.msg = ""
        elif self.msg.endswith(TAIL):
            message, self.msg = self.msg[:-1], ""
            return self.execute(message)
        return True

    def execute(self, message: str) -> str:
        try:
            result = self.run(message.lstrip(HEADER).split())
        except GaiaError as exc:
            name = ERRORS[exc.code]
            return f"{HEADER}ERROR({exc.code})[{name}]({name.encode('latin-1').hex().encode()!r}) {self.cmd_id}{TAIL}"
        return f"{HEADER}{result} {self.cmd_id}{TAIL}"

    def run(self, words: list[str]) -> object:
        if not words:
            raise GaiaError(1000)
        command = words[0]
        if command not in ARGUMENTS and command not in ONE_ARGUMENT:
            raise GaiaError(1001)
        count = ARGUMENTS.get(command, 1)
        args, self.cmd_id = words[1:-1], words[-1]
        if len(args) > count:
            raise GaiaError(1015)
        numbers = self._numbers(command, args, count)
        return self.answer(command, numbers)

    @staticmethod
    def _numbers(command: str, args: list[str], count: int) -> list[int]:
        if count == 0:
            return []
        if not args:
            raise GaiaError(1004)
        first = _integer(args[0], 1002)
        if first not in ([1, 2] if command in ("GETREF", "GETEMP") else CHANNELS):
            raise GaiaError(1003)
        if count == 1:
            return [first]
        if len(args) == 1:
            raise GaiaError(1008)
        second = _integer(args[1], 1009)
        if second not in range(1024):
            raise GaiaError(1010)
        return [first, second]

    def answer(self, command: str, args: list[int]) -> object:
        simple: dict[str, object] = {"*IDN?": FIRMWARE, "NAME?": BOARD_NAME, "CONF?": self.conf}
        if command in simple:
            return simple[command]
        channel = args[0]
        if command in ("SETD", "SETG"):
            (self.VD if command == "SETD" else self.VG)[channel - 1] = args[1]
        elif command == "LOADCONF":
            self.conf = channel
        elif command in ("GETVD", "GETVG"):
            return (self.VD if command == "GETVD" else self.VG)[channel - 1]
        elif command == "GETID":
            return 0
        elif command == "GETREF":
            return 2.5 if channel == 1 else 5
        elif command == "GETEMP":
            return random.randint(30, 36)
        return channel


def _integer(text: str, code: int) -> int:
    try:
        return int(text)
    except ValueError:
        raise GaiaError(code) from None
