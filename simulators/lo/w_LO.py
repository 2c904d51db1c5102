"""The W-band local oscillator: ``;``-separated text commands, line ends with ``\\r\\n``.

Setters ``set NAME=VALUE`` (VALUE stored as a float when it is one, else as text) answer
``ACK\\r\\n``: ``W_LO_freq_PolH``, ``W_LO_freq_PolV`` (MHz), ``LO_att_PolH``, ``LO_att_PolV`` (dB),
``W_LO_RefH``, ``W_LO_RefV`` (reference source); ``enable USB_devs`` / ``disable USB_devs`` too.
Queries: ``get W_LO_PolH`` -> ``<f>MHz``, ``get W_LO_PolV``, ``get W_LO_Pols`` -> ``<h>MHz,<v>MHz``,
``get W_LO_Synths_Temp`` -> ``0.0C,0.0C``, ``get W_LO_HKP_Temp`` -> ``+0.0C,+0.0C+0.0C+0.0C`` (one comma
only, as DISCOS), ``get W_LO_RefH``/``RefV`` -> the source capitalised and ``.``, ``get W_LO_status``
-> ``0,0``, ``get LO_att_PolH``/``PolV`` -> ``<a>dB``, ``get LO_atts`` -> ``<h>dB,<v>dB``; each ends
with ``\\r\\n``. Answers of one line are joined with ``;``. An unknown command rejects the line (no
reply; DISCOS raises too). Unlike DISCOS, which drops the last character of a text value or query
name (the ``\\r``), only a trailing ``\\r`` is dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from simulators.common import ListeningSystem
from simulators.exceptions import MalformedInputError
from simulators.textline import LineBuffer
from simulators.utils import ByteString

TAIL = "\r\n"
ACK = "ACK" + TAIL
SETTERS = {
    "set W_LO_freq_PolH": "w_lo_freq_polH",
    "set W_LO_freq_PolV": "w_lo_freq_polV",
    "set W_LO_RefH": "w_LO_refH",
    "set W_LO_RefV": "w_LO_refV",
    "set LO_att_PolH": "lo_att_polH",
    "set LO_att_PolV": "lo_att_polV",
}


class System(ListeningSystem):
    """The W-band LO's settings, shared by every client."""

    def __init__(self) -> None:
        self.w_USB_devs = 0
        self.w_LO_Synths_Temp = [0.0, 0.0]
        self.w_LO_HKP_Temp = [0.0, 0.0, 0.0, 0.0]
        self.w_LO_refH: float | str = ""
        self.w_LO_refV: float | str = ""
        self.status_W_LO_PolH = 0
        self.status_W_LO_PolV = 0
        self.w_lo_freq_polH: float | str = 0.0
        self.w_lo_freq_polV: float | str = 0.0
        self.lo_att_polH: float | str = 0.0
        self.lo_att_polV: float | str = 0.0
        self.line = LineBuffer("\n")

    def parse(self, byte: ByteString) -> bool | str:
        line = self.line.feed(byte)
        return True if line is None else self.execute(line)

    def execute(self, line: str) -> str:
        answers = []
        for command in line.split(";"):
            name, equals, value = command.partition("=")
            answers.append(self.set(name, value) if equals else self.get(name.rstrip("\r")))
        return ";".join(answers)

    def set(self, name: str, text: str) -> str:
        attribute = SETTERS.get(name)
        if attribute is None:
            raise MalformedInputError(f"unknown command {name!r}")
        value: float | str
        try:
            value = float(text)
        except ValueError:
            value = text.rstrip("\r")
        setattr(self, attribute, value)
        return ACK

    def get(self, name: str) -> str:
        queries: dict[str, Callable[[], str]] = {
            "enable USB_devs": self._usb(1),
            "disable USB_devs": self._usb(0),
            "get W_LO_PolH": lambda: f"{self.w_lo_freq_polH}MHz",
            "get W_LO_PolV": lambda: f"{self.w_lo_freq_polV}MHz",
            "get W_LO_Pols": lambda: f"{self.w_lo_freq_polH}MHz,{self.w_lo_freq_polV}MHz",
            "get W_LO_Synths_Temp": lambda: ",".join(f"{t}C" for t in self.w_LO_Synths_Temp),
            "get W_LO_HKP_Temp": lambda: "+{}C,+{}C+{}C+{}C".format(*self.w_LO_HKP_Temp),
            "get W_LO_RefH": lambda: f"{str(self.w_LO_refH).capitalize()}.",
            "get W_LO_RefV": lambda: f"{str(self.w_LO_refV).capitalize()}.",
            "get W_LO_status": lambda: f"{self.status_W_LO_PolH},{self.status_W_LO_PolV}",
            "get LO_att_PolH": lambda: f"{self.lo_att_polH}dB",
            "get LO_att_PolV": lambda: f"{self.lo_att_polV}dB",
            "get LO_atts": lambda: f"{self.lo_att_polH}dB,{self.lo_att_polV}dB",
        }
        query = queries.get(name)
        if query is None:
            raise MalformedInputError(f"unknown command {name!r}")
        answer: str = query()
        return answer + TAIL

    def _usb(self, value: int) -> Callable[[], str]:
        def switch() -> str:
            self.w_USB_devs = value
            return "ACK"

        return switch
