"""The Weather Station simulator: one UDP listening endpoint (port 12600) answering ``r``/``w`` commands.

``r th01\\n`` reads sensor ``th01``; ``w th01 12.5 20240101120000\\n`` writes its value and date and reads
it back. The reply is one XML-like ``<Sensor>`` record (see the spec, §2). Behaviour is byte for byte
the DISCOS reference's, including its quirks (Q11: ``nan`` without sign, Python ``float()`` syntax, no
XML escaping, the misspelt error text). One deviation: a command longer than
:data:`MAX_COMMAND_LENGTH` bytes is dropped (``False``) instead of growing without bound.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from socketserver import ThreadingUDPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.utils import ByteString, to_text

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 12600), (), ThreadingUDPServer, {})]

MAX_COMMAND_LENGTH = 4096
"""Longest command kept while waiting for its ``\\n`` (bytes); a longer one is dropped."""

START_DATE = None
"""Marker in :data:`SENSORS`: the sensor's initial date is the System's start date."""

SENSORS: dict[str, tuple[float, str | None, str]] = {
    "th01": (26.0, START_DATE, "heating temp [oC]"),
    "vh01": (0.0, START_DATE, "heating voltage [V]"),
    "vs01": (7.7, START_DATE, "supply voltage [V]"),
    "vr01": (3.52, START_DATE, "rif. voltage [V]"),
    "dn01": (287.0, START_DATE, "wind dir min [deg]"),
    "dm01": (289.0, START_DATE, "wind dir ave [deg]"),
    "dx01": (292.0, START_DATE, "wind dir max [deg]"),
    "sn01": (1.6, START_DATE, "wind speed min [m/s]"),
    "sm01": (1.8, START_DATE, "wind speed ave [m/s]"),
    "sx01": (1.9, START_DATE, "wind speed max [m/s]"),
    "ta01": (23.0, START_DATE, "air temp [oC]"),
    "ua01": (72.5, START_DATE, "rel. humidity [%]"),
    "pa01": (940.9, START_DATE, "air pressure [hPa]"),
    "rc01": (9.86, START_DATE, "rain amount [mm]"),
    "rd01": (4240.0, START_DATE, "rain duration [s]"),
    "ri01": (0.0, START_DATE, "rain intensity [mm/h]"),
    "rp01": (-9999.9, "#", "rain peak duration [s]"),
    "hc01": (0.0, START_DATE, "hail amount [hits/cm2]"),
    "hd01": (20.0, START_DATE, "hail duration [s]"),
    "hi01": (0.0, START_DATE, "hail intensity [hits/cm2h]"),
    "hp01": (-9999.9, "#", "hail peak duration [s]"),
}

ERROR_REPLY = (
    "<Sensor><Id>sintax error or sensor not found</Id><Val>1.000000</Val><Date>error</Date><Info>error</Info></Sensor>"
)


def format_value(value: float) -> str:
    """C ``printf("%f")``: 6 decimals, correctly rounded; ``nan`` never signed (quirk Q11)."""
    return "%f" % value  # noqa: UP031 (exactly the printf conversion the reference uses)


def to_float(text: str) -> float:
    """Python ``float()`` semantics (``1_000``, ``Infinity``, ``1e309`` -> inf); 0.0 if it fails."""
    try:
        return float(text)
    except ValueError:
        return 0.0


class SensorTable:
    """The sensors of one station, shared by every client; reads and writes are atomic."""

    def __init__(self, start_date: str) -> None:
        self._lock = threading.Lock()
        self._sensors = {
            sid: [value, start_date if date is None else date, info] for sid, (value, date, info) in SENSORS.items()
        }

    def read(self, sensor_id: str) -> str:
        with self._lock:
            sensor = self._sensors.get(sensor_id)
            if sensor is None:
                return ERROR_REPLY
            value, date, info = sensor
        return (
            f"<Sensor><Id>{sensor_id}</Id><Val>{format_value(value)}</Val>"  # type: ignore[arg-type]
            f"<Date>{date}</Date><Info>{info}</Info></Sensor>"
        )

    def write(self, sensor_id: str, value: float, date: str) -> str:
        with self._lock:
            sensor = self._sensors.get(sensor_id)
            if sensor is not None:
                sensor[0], sensor[1] = value, date
        return self.read(sensor_id)


class CommandParser:
    """One client's command buffer (per connection or datagram), working on the shared sensors."""

    def __init__(self, sensors: SensorTable) -> None:
        self.sensors = sensors
        self.buffer: list[str] = []

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        self.buffer.append(ch)
        length = len(self.buffer)
        if length == 1:
            return self._keep_if(ch in ("r", "w"))
        if length == 2:
            return self._keep_if(ch == " ")
        if ch == "\n":
            command = "".join(self.buffer)
            self.buffer = []
            return self.evaluate(command)
        if length > MAX_COMMAND_LENGTH:
            self.buffer = []
            return False
        return True

    def _keep_if(self, accepted: bool) -> bool:
        if not accepted:
            self.buffer = []
        return accepted

    def evaluate(self, command: str) -> bool | str:
        """A whole command (``\\n`` included) -> the reply, or False if it is malformed."""
        tokens = command.split()  # Python whitespace: \\t \\r 0x1c-0x1f 0x85 0xa0 ... (quirk Q11)
        if len(tokens) == 2 and tokens[0] == "r":
            return self.sensors.read(tokens[1])
        if len(tokens) == 4 and tokens[0] == "w":
            return self.sensors.write(tokens[1], to_float(tokens[2]), tokens[3])
        return False


class System(ListeningSystem):
    """The Weather Station: 21 sensors, read and written with ``r``/``w`` text commands."""

    def __init__(self) -> None:
        self.starting_date = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.sensors = SensorTable(self.starting_date)
        self._parser = CommandParser(self.sensors)

    def parse(self, byte: ByteString) -> bool | str:
        return self._parser.parse(byte)

    def new_parser(self) -> CommandParser:
        """Each connection/datagram gets its own command buffer (as the reference's per-thread buffer)."""
        return CommandParser(self.sensors)
