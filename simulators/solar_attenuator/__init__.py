"""The W-band solar attenuator simulator (DISCOS ``solar_attenuator``): TCP 13100, text commands ending
in ``\\n``.

``set W_home`` (home position), ``set W_solar_attn`` / ``set W_cal`` / ``set W_passthrough`` (mode
Attenuator / Calibrator / Pass-through) answer ``ACK\\r\\n``; ``get W_mode`` answers the mode then
``\\r\\n`` (empty before any ``set``). Words are separated by white space, commands by ``;``; the answers
of one line are joined with ``;``; a line without any command answers nothing. An unknown command is
rejected without a reply (DISCOS raises on it).
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.textline import LineBuffer
from simulators.utils import ByteString

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 13100), (), ThreadingTCPServer, {})]

TAIL = "\r\n"
ACK = "ACK" + TAIL
MODES = {"set W_solar_attn": "Attenuator", "set W_cal": "Calibrator", "set W_passthrough": "Pass-through"}


class System(ListeningSystem):
    """The attenuator's mode and home flag, shared by every client."""

    def __init__(self) -> None:
        self.mode = ""
        self.home = 1
        self.cal_temp = 21.0
        self.line = LineBuffer("\n")

    def parse(self, byte: ByteString) -> bool | str:
        line = self.line.feed(byte)
        return True if line is None else self.execute(line)

    def execute(self, line: str) -> bool | str:
        answers = []
        for command in line.split(";"):
            words = command.split()
            if len(words) < 2:
                continue
            answers.append(self.run(f"{words[0]} {words[1]}"))
        return ";".join(answers) if answers else True

    def run(self, name: str) -> str:
        if name == "set W_home":
            self.home = 1
            return ACK
        if name in MODES:
            self.mode = MODES[name]
            return ACK
        if name == "get W_mode":
            return self.mode + TAIL
        raise MalformedInputError(f"unknown command {name!r}")
