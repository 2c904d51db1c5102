"""The receiver boards behind one address each: a generic board, the Dewar, the LNA and the TriBand switch.

Every command method returns the answer code (and, for the commands that read, the data bytes) and
records itself as the board's last command, which ``inquiry`` reports with its time. Ports are keyed
by ``(data type, port type, port number)``: a generic board stores what it is sent and reads it back
(``\\x00`` when never written); the Dewar and the switch map single DIO bits (``B01``) to their
flags; the LNA answers its drain/gate readings on the ``AD24`` port.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import simulators.receiver.DEFINITIONS as DEF
from simulators.utils import real_to_string

Answer = list[str]  # [answer code, data]


def time_bytes(date: datetime) -> str:
    """Century, year, month, day, hour, minute, second, hundredths: one byte each."""
    fields = (date.year // 100, date.year % 100, date.month, date.day, date.hour, date.minute, date.second)
    return "".join(chr(f) for f in fields) + chr(round(date.microsecond / 10000))


def bytes_time(text: str) -> datetime:
    """Read :func:`time_bytes` back; IndexError for a wrong length, ValueError for a wrong date."""
    if len(text) != 8:
        raise IndexError("a time is 8 bytes")
    b = [ord(c) for c in text]
    year = int(f"{b[0]:02d}{b[1]:02d}")
    return datetime(year, b[2], b[3], b[4], b[5], b[6], min(b[7] * 10000, 999999), UTC)


class Slave:
    """A generic board: addresses, time, frame size and a store of port values."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.port_settings: dict[tuple[str, str, str], str] = {}
        self.frame_size = chr(126)
        self.time_offset = timedelta(0)
        self._reset()

    def _reset(self) -> None:
        self.last_cmd_date: datetime | None = None
        self.last_cmd = self.last_cmd_id = self.last_cmd_answer = "\x00"

    def _done(self, name: str, extended: bool, cmd_id: str, code: str) -> str:
        pair = getattr(DEF, f"CMD_{name}")
        self.last_cmd = pair[0] if extended else pair[1]
        self.last_cmd_id, self.last_cmd_answer = cmd_id, code
        self.last_cmd_date = datetime.now(UTC)
        return code

    # --- commands without parameters -------------------------------------------------------------
    def inquiry(self) -> Answer:
        when = "\x00" * 8 if self.last_cmd_date is None else time_bytes(self.last_cmd_date - self.time_offset)
        return [DEF.CMD_ACK, self.last_cmd + self.last_cmd_id + self.last_cmd_answer + when]

    def reset(self) -> str:
        self._reset()
        return DEF.CMD_ACK

    def version(self, cmd_id: str, extended: bool) -> Answer:
        return [self._done("VERSION", extended, cmd_id, DEF.CMD_ACK), DEF.VERSION]

    def save(self, cmd_id: str, extended: bool) -> str:
        return self._done("SAVE", extended, cmd_id, DEF.CMD_ACK)  # nothing to save: ACK, as DISCOS

    def restore(self, cmd_id: str, extended: bool) -> str:
        return self._done("RESTORE", extended, cmd_id, DEF.CMD_ACK)

    def get_address(self, cmd_id: str, extended: bool) -> Answer:
        return [self._done("GET_ADDR", extended, cmd_id, DEF.CMD_ACK), self.address]

    def get_time(self, cmd_id: str, extended: bool) -> Answer:
        code = self._done("GET_TIME", extended, cmd_id, DEF.CMD_ACK)
        return [code, time_bytes(datetime.now(UTC) - self.time_offset)]

    def get_frame(self, cmd_id: str, extended: bool) -> Answer:
        return [self._done("GET_FRAME", extended, cmd_id, DEF.CMD_ACK), self.frame_size]

    # --- commands with parameters ----------------------------------------------------------------
    def set_address(self, cmd_id: str, extended: bool, address: str, slaves: dict[str, Slave]) -> str:
        if len(address) != 1:
            code = DEF.CMD_ERR_FORM
        elif address not in DEF.SLAVE_ADDR_ACCEPTED or address in slaves:
            code = DEF.CMD_ERR_DATA
        else:
            code, self.address = DEF.CMD_ACK, address
        return self._done("SET_ADDR", extended, cmd_id, code)

    def set_time(self, cmd_id: str, extended: bool, time: str) -> str:
        try:
            self.time_offset = datetime.now(UTC) - bytes_time(time)
            code = DEF.CMD_ACK
        except IndexError:
            code = DEF.CMD_ERR_FORM
        except ValueError:
            code = DEF.CMD_ERR_DATA
        return self._done("SET_TIME", extended, cmd_id, code)

    def set_frame(self, cmd_id: str, extended: bool, size: str) -> str:
        if len(size) != 1:
            code = DEF.CMD_ERR_FORM
        elif size not in DEF.FRAME_SIZE_ACCEPTED:
            code = DEF.CMD_ERR_FRAME_SIZE
        else:
            code, self.frame_size = DEF.CMD_ACK, size
        return self._done("SET_FRAME", extended, cmd_id, code)

    @staticmethod
    def _check_port(params: str, length_ok: bool) -> str:
        """The error code of a port request (wrong length, data type, port type, number), or ACK."""
        if not length_ok:
            return DEF.CMD_ERR_FORM
        if params[0] not in DEF.DATA_TYPES:
            return DEF.CMD_ERR_DATA_TYPE
        if params[1] not in DEF.PORT_TYPES:
            return DEF.CMD_ERR_PORT_TYPE
        if params[2] not in DEF.PORT_NUMBERS:
            return DEF.CMD_ERR_PORT_NUMBER
        return DEF.CMD_ACK

    def _stored(self, params: str) -> str:
        return self.port_settings.get((params[0], params[1], params[2]), "\x00")

    def get_port(self, cmd_id: str, extended: bool, params: str) -> Answer:
        code = self._check_port(params, len(params) == 3)
        data = self._stored(params) if code == DEF.CMD_ACK else ""
        return [self._done("GET_PORT", extended, cmd_id, code), data]

    def set_port(self, cmd_id: str, extended: bool, params: str) -> str:
        code = self._check_port(params, len(params) == 4)
        if code == DEF.CMD_ACK:
            self.port_settings[(params[0], params[1], params[2])] = params[3]
        return self._done("SET_PORT", extended, cmd_id, code)

    def get_data(self, cmd_id: str, extended: bool, params: str) -> Answer:
        code = self._check_port(params, len(params) == 3)
        data = ""
        if code == DEF.CMD_ACK:
            data = self.read_data(params[0], params[1], params[2])
        return [self._done("GET_DATA", extended, cmd_id, code), data]

    def set_data(self, cmd_id: str, extended: bool, params: str) -> str:
        code = self._check_port(params, len(params) >= 4)
        if code == DEF.CMD_ACK:
            code = self.write_data(params[0], params[1], params[2], params[3:])
        return self._done("SET_DATA", extended, cmd_id, code)

    # --- what a board type changes ---------------------------------------------------------------
    def read_data(self, data_type: str, port_type: str, port_number: str) -> str:
        return self.port_settings.get((data_type, port_type, port_number), "\x00")

    def write_data(self, data_type: str, port_type: str, port_number: str, value: str) -> str:
        self.port_settings[(data_type, port_type, port_number)] = value
        return DEF.CMD_ACK


# DIO bit -> flag, for the Dewar (the switch adds its own); 12 (external calibration) reads and
# writes `calibration`, as on DISCOS's board
_DEWAR_BITS = {
    0: "LO_selector", 4: "vacuum_sensor", 5: "vacuum_pump", 6: "vacuum_pump_fault", 7: "vacuum_valve",
    8: "cool_head", 11: "calibration", 12: "calibration", 13: "single_dish", 14: "vlbi", 24: "cool_head",
    26: "is_remote", 29: "is_single_dish", 30: "is_vlbi",
}  # fmt: skip
_DEWAR_WRITABLE = {0, 4, 5, 7, 8, 11, 12, 13, 14}


class Dewar(Slave):
    """The cryostat board: vacuum, cold head, calibration mark, LO selection, observing mode."""

    def __init__(self, address: str) -> None:
        self.LO_selector = 0  # 0: LO1, 1: LO2
        self.vacuum_sensor = self.vacuum_pump = self.vacuum_valve = self.cool_head = 1
        self.vacuum_pump_fault = self.calibration = self.ext_calibration = 0
        self.single_dish = self.vlbi = 0  # 0: on
        self.LO_2_locked = 0
        self.is_remote, self.is_single_dish, self.is_vlbi = 1, 0, 0
        super().__init__(address)

    def _bit(self, number: int) -> int | None:
        if number in (16, 17, 18):  # LO1 selected, LO2 selected, LO2 locked
            return int(self.LO_selector == (0 if number == 16 else 1))
        name = _DEWAR_BITS.get(number)
        return None if name is None else int(getattr(self, name))

    def read_data(self, data_type: str, port_type: str, port_number: str) -> str:
        if port_type == DEF.PORT_TYPE_AD24 and data_type == DEF.DATA_TYPE_F32:
            return "\x00" * 32
        if port_type == DEF.PORT_TYPE_DIO and data_type == DEF.DATA_TYPE_B01:
            bit = self._bit(ord(port_number))
            if bit is not None:
                return chr(bit)
        return super().read_data(data_type, port_type, port_number)

    def _set_bit(self, number: int, value: int) -> None:
        if number in _DEWAR_WRITABLE:
            setattr(self, _DEWAR_BITS[number], value)
        if number == 13 and value == 0:  # single dish on
            self.is_single_dish, self.is_vlbi = 1, 0
        elif number == 14 and value == 0:  # VLBI on
            self.is_single_dish, self.is_vlbi = 0, 1

    def write_data(self, data_type: str, port_type: str, port_number: str, value: str) -> str:
        # only DIO bits are kept: anything else is acknowledged and dropped, as on DISCOS's board
        if data_type == DEF.DATA_TYPE_B01 and port_type == DEF.PORT_TYPE_DIO:
            if len(value) != 1 or ord(value) not in (0, 1):
                return DEF.CMD_ERR_DATA
            self._set_bit(ord(port_number), ord(value))
        return DEF.CMD_ACK


class Switch(Dewar):
    """The TriBand board: a Dewar plus the Out1/Out2 relays and the four LO switches A-D.

    Switch positions: 0 = position 1, 1 = position 2, 2 = floating. Out1 on puts them in the
    observing positions for the selected LO (off: all floating); bits 16-19 read switches A-D, as
    "in position 1" when Out2 is on and "in position 2" when it is off.
    """

    def __init__(self, address: str) -> None:
        self.Out1 = self.Out2 = 0
        self.LO_1_status = self.LO_2_status = self.LO_control_lr = 0
        self.swa = self.swb = self.swc = self.swd = 2
        super().__init__(address)

    def _bit(self, number: int) -> int | None:
        if number in (1, 2):
            return int(self.Out1 if number == 1 else self.Out2)
        if number in (16, 17, 18, 19):
            position = (self.swa, self.swb, self.swc, self.swd)[number - 16]
            return int(position == (0 if self.Out2 == 1 else 1))
        return super()._bit(number)

    def _set_bit(self, number: int, value: int) -> None:
        if number == 1:
            self.Out1 = value
            if value != 1:
                self.swa = self.swb = self.swc = self.swd = 2
            elif self.LO_selector == 1:
                self.swa, self.swb, self.swc, self.swd = 0, 1, 1, 0
            else:
                self.swa, self.swb, self.swc, self.swd = 1, 0, 0, 1
        elif number == 2:
            self.Out2 = value
        elif number == 0:
            self.LO_selector = value  # no LO2 lock on this board
        else:
            super()._set_bit(number, value)


class Feed:
    """One feed's LNA readings, five stages each: drain voltage, drain current, gate voltage, L and R."""

    def __init__(self) -> None:
        self.VDL, self.IDL, self.VGL = [0.0] * 5, [0.0] * 5, [0.0] * 5
        self.VDR, self.IDR, self.VGR = [0.0] * 5, [0.0] * 5, [0.0] * 5


class LNA(Slave):
    """The low-noise amplifiers of ``feeds`` feeds, read through an AD24 multiplexer (AD and EN)."""

    def __init__(self, address: str, feeds: int = 1) -> None:
        self.feeds = [Feed() for _ in range(feeds)]
        self.AD = self.EN = self.L_ON = self.R_ON = 0
        super().__init__(address)

    def _readings(self) -> str:
        """Four (left, right) pairs of big-endian float32: the quantity and stage AD selects, of the
        feeds EN selects (missing feeds or stages read 0)."""
        stage, quantity = divmod(self.AD, 3)
        first = max(self.EN - 1, 0) + (6 if self.EN > 2 else 0)
        names = (("VDL", "VDR"), ("IDL", "IDR"), ("VGL", "VGR"))[quantity]
        data = ""
        for i in range(4):
            index = first + 2 * i
            feed = self.feeds[index] if index < len(self.feeds) else None
            if feed is None or stage >= 5:
                data += "\x00" * 8
                continue
            for name in names:
                data += real_to_string(getattr(feed, name)[stage], little_endian=False)
        return data

    def read_data(self, data_type: str, port_type: str, port_number: str) -> str:
        if data_type == DEF.DATA_TYPE_F32 and port_type == DEF.PORT_TYPE_AD24:
            return self._readings() if port_number == DEF.PORT_NUMBER_00_07 else "\x00" * 32
        return super().read_data(data_type, port_type, port_number)

    def write_data(self, data_type: str, port_type: str, port_number: str, value: str) -> str:
        if port_type == DEF.PORT_TYPE_DIO and data_type == DEF.DATA_TYPE_U08 and port_number == DEF.PORT_NUMBER_00_07:
            self.AD, self.EN = divmod(ord(value[0]), 16)  # high nibble: AD, low nibble: EN
            return DEF.CMD_ACK
        if port_type == DEF.PORT_TYPE_DIO and data_type in (DEF.DATA_TYPE_B01, DEF.DATA_TYPE_U08):
            if len(value) != 1:
                return DEF.CMD_ERR_DATA
            if data_type == DEF.DATA_TYPE_B01 and port_number in ("\x08", "\x09"):  # left / right LNAs
                setattr(self, "L_ON" if port_number == "\x08" else "R_ON", ord(value))
                return DEF.CMD_ACK
        return super().write_data(data_type, port_type, port_number, value)
