"""The IF switch matrix simulator (DISCOS ``switch_matrix``): TCP 13200, text commands ending in ``\\n``.

``set IF_switch_config=N`` (N = 1..4) answers ``ACK\\r\\n``; ``get IF_switch_config`` answers
``N:NAME\\r\\n`` (1 HBS, 2 VBS, 3 LBP, 4 UBP; 1 at start). Several commands may share a line, separated
by ``;``: the first ``set`` answers at once, ``get`` answers are joined with ``;``. A line without any
command answers nothing. Unlike DISCOS, which stores any integer and then fails on the next ``get``, a
configuration outside 1..4 answers ``NACK\\r\\n`` and changes nothing; an unknown command, or a ``set``
whose value is not an integer, is rejected without a reply (as in DISCOS, where it raises).
"""

from __future__ import annotations

import re
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.textline import LineBuffer
from simulators.utils import ByteString

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 13200), (), ThreadingTCPServer, {})]

TAIL = "\r\n"
ACK = "ACK" + TAIL
NACK = "NACK" + TAIL
CONFIGURATIONS = {
    # number: (name, (switch 1, switch 2, switch 3), (output 1, output 2))
    1: ("HBS", (False, True, False), ("H LSB", "H USB")),
    2: ("VBS", (False, False, True), ("V LSB", "V USB")),
    3: ("LBP", (True, True, False), ("H LSB", "V LSB")),
    4: ("UBP", (True, False, True), ("H USB", "V USB")),
}
SET, GET = "set IF_switch_config", "get IF_switch_config"


class System(ListeningSystem):
    """The switch matrix: one configuration number, shared by every client."""

    def __init__(self) -> None:
        self.configuration = 1
        self.line = LineBuffer("\n")

    def parse(self, byte: ByteString) -> bool | str:
        line = self.line.feed(byte)
        return True if line is None else self.execute(line)

    def execute(self, line: str) -> bool | str:
        """Run the ``;``-separated commands of one line; the reply, or True when there is none."""
        answers = []
        for command in line.replace("\r", "").split(";"):
            words = [w for w in re.split(r"\W+", command) if w]
            if len(words) < 2:
                continue
            name = f"{words[0]} {words[1]}"
            if name == SET and len(words) > 2:
                return self.set_IF_switch_config(words[2])
            if name != GET:
                raise MalformedInputError(f"unknown command {command.strip()!r}")
            answers.append(self.get_IF_switch_config())
        return ";".join(answers) if answers else True

    def set_IF_switch_config(self, value: str) -> str:
        try:
            number = int(value)
        except ValueError:
            raise MalformedInputError(f"switch configuration {value!r} is not an integer") from None
        if number not in CONFIGURATIONS:
            return NACK
        self.configuration = number
        return ACK

    def get_IF_switch_config(self) -> str:
        return f"{self.configuration}:{CONFIGURATIONS[self.configuration][0]}{TAIL}"
