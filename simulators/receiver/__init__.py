"""The SRT receiver boards simulator (DISCOS ``receiver``): TCP 12900-12913, one binary protocol.

Each server is one receiver's bus of boards (``slave_type``: a generic :class:`~.slaves.Slave`, a
:class:`~.slaves.Dewar`, an :class:`~.slaves.LNA` of ``feeds`` feeds or the TriBand
:class:`~.slaves.Switch`) at addresses ``min_index..max_index`` (1 by default).

Request: ``SOH slave master command id``; the commands that take parameters (``G I K L M N O`` and
``g i k l m n o``) add a length byte and the parameters; extended commands (upper case) end with an
XOR checksum of every byte before it and ``ETX``. Slave ``0x7F`` addresses every board (one answer
each), ``0x00`` every board without answers. Answer, per board: ``STX master slave command id
code``, then ``length data`` for the commands that read, then, if extended, the XOR checksum and
``EOT``. An unknown command is answered at once (after the id) with code ``0x01``; a wrong checksum
with code ``0x02``. The constants are in :mod:`.DEFINITIONS`, the boards in :mod:`.slaves`.

A first byte that is not ``SOH`` returns False; a request for an absent board returns True (no
answer). Differences from DISCOS, on input it mishandles: a Dewar/Switch DIO bit it has no flag for
and an LNA ``F32`` read of a port type other than ``AD24`` read the port's stored value (DISCOS
raises inside the board and the request gets no answer); the LNA's feeds are distinct objects (DISCOS
repeats one).
"""

from __future__ import annotations

from socketserver import ThreadingTCPServer
from typing import Any

import simulators.receiver.DEFINITIONS as DEF
from simulators.common import ListeningSystem
from simulators.receiver.slaves import LNA, Dewar, Slave, Switch
from simulators.utils import ByteString, to_text

_H = "127.0.0.1"
servers: list[tuple[Any, ...]] = [
    ((_H, 12900), (), ThreadingTCPServer, {"slave_type": Dewar}),  # C band 7 GHz
    ((_H, 12901), (), ThreadingTCPServer, {"slave_type": LNA}),
    ((_H, 12902), (), ThreadingTCPServer, {"slave_type": Dewar}),  # K band
    ((_H, 12903), (), ThreadingTCPServer, {"slave_type": LNA, "feeds": 7}),
    ((_H, 12904), (), ThreadingTCPServer, {"slave_type": Dewar}),  # LP band
    ((_H, 12905), (), ThreadingTCPServer, {"slave_type": LNA, "min_index": 0x7D, "max_index": 0x7D, "feeds": 2}),
    ((_H, 12906), (), ThreadingTCPServer, {"slave_type": Slave}),
    ((_H, 12907), (), ThreadingTCPServer, {"slave_type": LNA, "feeds": 3}),  # TriBand
    ((_H, 12908), (), ThreadingTCPServer, {"slave_type": Dewar}),
    ((_H, 12909), (), ThreadingTCPServer, {"slave_type": Switch}),
    ((_H, 12910), (), ThreadingTCPServer, {"slave_type": LNA, "feeds": 19}),  # Q band
    ((_H, 12911), (), ThreadingTCPServer, {"slave_type": Dewar}),
    ((_H, 12912), (), ThreadingTCPServer, {"slave_type": Dewar}),  # C band 5 GHz
    ((_H, 12913), (), ThreadingTCPServer, {"slave_type": LNA}),
]

__all__ = ["DEF", "LNA", "Dewar", "Slave", "Switch", "System", "servers", "xor_checksum"]

# command name -> how it is answered: "code" (code only) or "data" (code, length, data)
_DATA_ANSWER = {"VERSION", "GET_ADDR", "GET_TIME", "GET_FRAME"}


def xor_checksum(text: str) -> str:
    """The XOR of every byte of ``text``, as one character."""
    value = 0
    for ch in text:
        value ^= ord(ch)
    return chr(value)


class System(ListeningSystem):
    """The boards at addresses ``min_index..max_index`` of one bus, shared by every client."""

    def __init__(self, slave_type: type[Slave] = Slave, min_index: int = 1, max_index: int = 1, **kwargs: Any):
        self.slaves: dict[str, Slave] = {chr(a): slave_type(chr(a), **kwargs) for a in range(min_index, max_index + 1)}
        self.msg = ""

    @staticmethod
    def checksum(msg: str) -> str:
        return xor_checksum(msg)

    def parse(self, byte: ByteString) -> bool | str:
        ch = to_text(byte)
        if not self.msg:
            if ch != DEF.CMD_SOH:
                return False
            self.msg = ch
            return True
        self.msg += ch
        if self._complete(self.msg):
            msg, self.msg = self.msg, ""
            return self.execute(msg)
        return True

    @staticmethod
    def _complete(msg: str) -> bool:
        """DISCOS's framing: known only from the command byte and the length byte (at most 263 bytes)."""
        size = len(msg)
        if size < 5:
            return False
        command = msg[DEF.CMD_IDX]
        if size == 5:
            return command in DEF.CMD_ABBR_NO_PARAMS or command not in DEF.ACCEPTED_COMMANDS
        if size == 6:
            return False
        if size == 7 and command in DEF.CMD_EXT_NO_PARAMS:
            return True
        length = ord(msg[DEF.PAR_LEN_IDX])
        if size == 6 + length:  # an abbreviated request with parameters ends here; extended ones go on
            return command in DEF.CMD_ABBR_WITH_PARAMS
        return size == 8 + length

    def execute(self, msg: str) -> bool | str:
        """The answers of the addressed boards to a complete request; True when nothing is answered."""
        slave_address, master, command, cmd_id = msg[1], msg[2], msg[3], msg[4]
        extended = command in DEF.CMD_EXT
        bad_checksum = extended and msg[DEF.CHECKSUM_IDX] != xor_checksum(msg[: DEF.CHECKSUM_IDX])
        params = ""
        if command in DEF.CMD_EXT_WITH_PARAMS + DEF.CMD_ABBR_WITH_PARAMS:
            params = msg[DEF.PAR_LIST_IDX : DEF.CHECKSUM_IDX] if extended else msg[DEF.PAR_LIST_IDX :]
        if slave_address in DEF.SLAVE_ADDR_BROADCAST:
            addresses = list(self.slaves)
        else:
            addresses = [slave_address]
        answers = ""
        for address in addresses:
            slave = self.slaves.get(address)
            if slave is None:
                continue  # no such board on this bus: it cannot answer
            answer = DEF.CMD_STX + master + address + command + cmd_id
            if command not in DEF.ACCEPTED_COMMANDS:
                answers += answer + DEF.CMD_ERR_CMD
                continue
            if bad_checksum:
                answer += DEF.CMD_ERR_CHKS
            else:
                answer += self._run(slave, address, command, cmd_id, extended, params)
            answers += answer + (xor_checksum(answer) + DEF.CMD_EOT if extended else "")
        if slave_address == DEF.SLAVE_ADDR_BROADCAST_NO_ANSWER or not answers:
            return True
        return answers

    def _run(self, slave: Slave, address: str, command: str, cmd_id: str, extended: bool, params: str) -> str:
        """One board's answer code (and length + data) to one command."""
        name = DEF.COMMAND_NAMES[command]
        if name == "INQUIRY":
            code, data = slave.inquiry()
        elif name == "RESET":
            return slave.reset()
        elif name in _DATA_ANSWER:
            code, data = getattr(slave, name.lower().replace("_addr", "_address"))(cmd_id, extended)
        elif name == "SET_ADDR":
            code = slave.set_address(cmd_id, extended, params, self.slaves)
            if code == DEF.CMD_ACK:
                self.slaves[params] = self.slaves.pop(address)
            return code
        elif name in ("GET_PORT", "GET_DATA"):
            code, data = getattr(slave, name.lower())(cmd_id, extended, params)
            if code != DEF.CMD_ACK:
                return code
            data = params[:3] + data
        else:  # SAVE, RESTORE, SET_TIME, SET_FRAME, SET_PORT, SET_DATA
            method = getattr(slave, name.lower())
            return method(cmd_id, extended) if name in ("SAVE", "RESTORE") else method(cmd_id, extended, params)
        return code + chr(len(data)) + data
