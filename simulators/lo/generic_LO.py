"""A generic synthesizer local oscillator: SCPI-like commands, ``;``-separated, line ends with ``\\n``.

* ``POWER P dBm`` (integer) / ``POWER?`` -> ``P``
* ``FREQ F MHZ`` (float) / ``FREQ?`` -> the frequency in Hz as an integer (``int(F) * 1000000``)
* ``OUTP:STAT ON|OFF`` / ``OUTP:STAT?`` -> ``1``/``0``
* ``SYST:ERR?`` -> ``0,"No error"``

Setters answer nothing (a wrong unit, count or value is ignored); the answers of the queries of one line
are joined with ``;`` and end with ``\\n``. Unknown commands are skipped; a line without any answer
answers nothing.
"""

from __future__ import annotations

import math

from simulators.common import ListeningSystem
from simulators.textline import LineBuffer
from simulators.utils import ByteString

STATUS = '0,"No error"'


class System(ListeningSystem):
    """The synthesizer's power, frequency and RF output state."""

    def __init__(self) -> None:
        self.power = 0
        self.frequency = 0.0
        self.rf_status = False
        self.line = LineBuffer("\n")

    def parse(self, byte: ByteString) -> bool | str:
        line = self.line.feed(byte)
        return True if line is None else self.execute(line)

    def execute(self, line: str) -> bool | str:
        answers = []
        for command in line.split(";"):
            words = command.split()
            if not words:
                continue
            answer = self.run(words[0], words[1:])
            if answer is not None:
                answers.append(answer)
        return ";".join(answers) + "\n" if answers else True

    def run(self, name: str, params: list[str]) -> str | None:
        """The answer of a query, None for a setter or an unknown command."""
        if name == "POWER" and len(params) == 2 and params[1] == "dBm":
            try:
                self.power = int(params[0])
            except ValueError:
                pass
        elif name == "FREQ" and len(params) == 2 and params[1] == "MHZ":
            try:
                frequency = float(params[0])
            except ValueError:
                return None
            if math.isfinite(frequency):
                self.frequency = frequency
        elif name == "OUTP:STAT" and len(params) == 1 and params[0] in ("ON", "OFF"):
            self.rf_status = params[0] == "ON"
        return self.query(name)

    def query(self, name: str) -> str | None:
        if name == "POWER?":
            return str(self.power)
        if name == "FREQ?":
            return str(int(self.frequency) * 1_000_000)
        if name == "OUTP:STAT?":
            return str(int(self.rf_status))
        if name == "SYST:ERR?":
            return STATUS
        return None
