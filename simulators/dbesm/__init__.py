"""The DBESM simulator (DISCOS ``dbesm``, the SRT digital base-band ... switch matrix): TCP 11111.

Commands are ``DBE <COMMAND> ...`` lines ended by ``\\r\\n``; answers end with ``\\r\\n`` (multi-line
answers use ``\\n`` inside). Four boards (1..4), each with a status (0 fine, 1 unreachable, >1 no
temperature sensor), a configuration (observing mode), 10 registers, 17 attenuators, 10 amplifiers,
10 equalisers and 11 band-pass filters:

* ``SETALLMODE M`` / ``MODE BOARD N M`` load an observing mode (``MF20_1s``, ``MF10_2s``, ``DF_8s``,
  ``3-Band_1s``, ``3-Band``, ``MFS_7`` or one stored); ``STOREALLMODE M`` stores a new one,
  ``DELETEFILE M`` deletes one; ``GETCFG`` lists each board's mode.
* ``SETATT I BOARD N VALUE V`` (I 0..16, V 0..31.5 step 0.5), ``SETAMP`` / ``SETEQ I BOARD N VALUE
  0|1`` (I 1..10), ``SETBPF C BOARD N VALUE 0|1`` (C 1a, 1b, 2..10); ``GETSTATUS BOARD N`` (registers,
  attenuations), ``GETCOMP BOARD N`` (amplifiers, equalisers, filters), ``ReadDIAG BOARD N``,
  ``ReadALLDIAG`` (voltages, temperature), ``GETFIRM BOARD N``, ``SETSTATUS BOARD N VALUE S``.
* ``SETDBEATT|AMP|EQ|BPF OUTPUT V`` and ``GETDBE... OUTPUT`` act on the boards wired to an output
  (:mod:`.outputs`).

Errors: ``NAK unknown command`` (syntax) or ``ERR DBE <reason>`` (see :mod:`.boards`). Differences from
DISCOS: a line must end with ``\\r\\n`` as documented (DISCOS drops whatever character precedes the
``\\n``); stored modes belong to the simulator instance (DISCOS shares them between instances); a
non-numeric ``SETDBE...`` value answers ``NAK unknown command`` (DISCOS raises); a negative board
status reads as 0 in ``ReadDIAG`` (DISCOS raises).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from socketserver import ThreadingTCPServer
from typing import Any

from simulators.common import ListeningSystem
from simulators.dbesm.boards import ATT_VALUES, DEVICES, OBSERVING_MODES, TAIL, error, new_board
from simulators.dbesm.outputs import get_output, set_output
from simulators.textline import LineBuffer
from simulators.utils import ByteString

servers: list[tuple[Any, ...]] = [(("127.0.0.1", 11111), (), ThreadingTCPServer, {})]

ACK = "ACK" + TAIL
BPF_CHANNELS = {"1a": 0, "1b": 1, **{str(n): n for n in range(2, 11)}}
Board = dict[str, Any]


class System(ListeningSystem):
    """The four boards and the stored observing modes."""

    def __init__(self) -> None:
        self.boards: list[Board] = [new_board(n) for n in range(1, 5)]
        self.obs_mode = list(OBSERVING_MODES)
        self.line = LineBuffer("\n")
        self.commands: dict[str, Callable[[list[Any]], str]] = {
            "SETALLMODE": self.set_allmode,
            "MODE": self.set_mode,
            "STOREALLMODE": self.store_allmode,
            "DELETEFILE": self.delete_file,
            "GETSTATUS": self.get_status,
            "SETATT": lambda p: self.set_component(p, "ATT", 1010),
            "SETAMP": lambda p: self.set_component(p, "AMP", 1012),
            "SETEQ": lambda p: self.set_component(p, "EQ", 1013),
            "SETBPF": self.set_bpf,
            "ReadALLDIAG": self.all_diag,
            "ReadDIAG": self.diag,
            "SETSTATUS": self.set_status,
            "GETCOMP": self.get_comp,
            "GETCFG": self.get_cfg,
            "GETFIRM": self.get_firm,
        }
        for component in ("ATT", "AMP", "EQ", "BPF"):
            self.commands[f"SETDBE{component}"] = functools.partial(self._output, set_output, component)
            self.commands[f"GETDBE{component}"] = functools.partial(self._output, get_output, component)

    def _output(self, action: Callable[[list[Board], list[Any], str], str], component: str, params: list[Any]) -> str:
        return action(self.boards, params, component)

    def parse(self, byte: ByteString) -> bool | str:
        line = self.line.feed(byte)
        return True if line is None else self.execute(line.removesuffix("\r"))

    def execute(self, line: str) -> str:
        words = [w.strip() for w in line.split(" ")]
        device = next((code for code, name in DEVICES.items() if name == words[0]), None)
        if device is None or len(words) < 2 or device != 0 or words[1] not in self.commands:
            return error(-1 if device is None else device, 1001)
        return self.commands[words[1]]([device, *words[2:]])

    # --- helpers --------------------------------------------------------------------------------
    def _board(self, text: str) -> Board | None:
        """The board numbered ``text`` (ValueError if not an integer), or None."""
        number = int(text)
        return self.boards[number - 1] if 1 <= number <= len(self.boards) else None

    def _reachable(self, params: list[Any], word_at: int = 1) -> Board | str:
        """``... BOARD N`` -> the board, or the error reply."""
        if len(params) != word_at + 2 or params[word_at] != "BOARD":
            return error(params[0], 1001)
        try:
            board = self._board(params[word_at + 1])
        except ValueError:
            return error(params[0], 1001)
        if board is None:
            return error(params[0], 1007, params[word_at + 1])
        if board["Status"] == 1:
            return error(params[0], 1005, params[word_at + 1])
        return board

    # --- observing modes ------------------------------------------------------------------------
    def set_allmode(self, params: list[Any]) -> str:
        if len(params) != 2:
            return error(params[0], 1001)
        if params[1] not in self.obs_mode:
            return error(params[0], 1003)
        lines = []
        for number, board in enumerate(self.boards, 1):
            if board["Status"] == 1:
                lines.append(f"BOARD {number} ERR DBE BOARD unreachable")
            else:
                board["Configuration"] = params[1]
                lines.append(f"BOARD {number} ACK")
        return "\n".join(lines) + TAIL

    def set_mode(self, params: list[Any]) -> str:
        if len(params) != 4 or params[1] != "BOARD":
            return error(params[0], 1001)
        try:
            board = self._board(params[2])
        except ValueError:
            return error(params[0], 1001)
        if board is None:
            return error(params[0], 1007, params[2])
        if params[3] not in self.obs_mode:
            return error(params[0], 1003)
        if board["Status"] == 1:
            return error(params[0], 1005, params[2])
        board["Configuration"] = params[3]
        return ACK

    def store_allmode(self, params: list[Any]) -> str:
        if len(params) != 2:
            return error(params[0], 1001)
        if params[1] in self.obs_mode:
            return error(params[0], 1008)
        down = [str(n) for n, board in enumerate(self.boards, 1) if board["Status"] == 1]
        if down:
            return error(params[0], 1005, " ".join(down))
        self.obs_mode.append(params[1])
        return ACK

    def delete_file(self, params: list[Any]) -> str:
        if len(params) != 2:
            return error(params[0], 1001)
        if params[1] not in self.obs_mode:
            return error(params[0], 1003)
        self.obs_mode.remove(params[1])
        return ACK

    def get_cfg(self, params: list[Any]) -> str:
        if len(params) != 1:
            return error(params[0], 1001)
        lines = []
        for number, board in enumerate(self.boards, 1):
            reachable = board["Status"] == 0 or board["Status"] > 1
            lines.append(f"BOARD {number} {board['Configuration'] if reachable else 'ERR DBE BOARD unreachable'}")
        return "ACK\n" + "\n\n".join(lines) + TAIL

    # --- one board ------------------------------------------------------------------------------
    def get_status(self, params: list[Any]) -> str:
        board = self._reachable(params)
        if isinstance(board, str):
            return board
        registers = " ".join(map(str, board["REG"]))
        attenuations = "  ".join(map(str, board["ATT"]))
        return f"ACK\nBOARD {board['Address']}\n\nREG=[ {registers} ]\n\nATT=[ {attenuations} ]{TAIL}"

    def get_comp(self, params: list[Any]) -> str:
        board = self._reachable(params)
        if isinstance(board, str):
            return board
        parts = [f"{name}=[ {' '.join(map(str, board[name]))} ]" for name in ("AMP", "EQ", "BPF")]
        return f"ACK\nBOARD {board['Address']}\n\n" + "\n".join(parts) + TAIL

    def get_firm(self, params: list[Any]) -> str:
        board = self._reachable(params)
        if isinstance(board, str):
            return board
        index = int(board["Address"]) - 1  # DISCOS numbers the board from 0 here
        return f"ACK\nBOARD {index} Prog=DBESM, Rev=rev {board['FIRM']}{TAIL}"

    def diag(self, params: list[Any]) -> str:
        board = self._reachable(params)
        if isinstance(board, str):
            return board
        return f"ACK\nBOARD {board['Address']}\n\n{self._readings(board)}{TAIL}"

    @staticmethod
    def _readings(board: Board) -> str:
        sensor = f"T0 {board['T0']}" if board["Status"] <= 1 else "temp sensor not present"
        return f"5V {board['5V']} 3V3 {board['3V3']}\n{sensor}"

    def all_diag(self, params: list[Any]) -> str:
        if len(params) != 1:
            return error(params[0], 1001)
        parts = []
        for number, board in enumerate(self.boards, 1):
            if board["Status"] == 1:
                parts.append(f"BOARD {number} ERR DBE BOARD unreachable")
            elif board["Status"] < 0:
                parts.append(f"BOARD {number} ")
            else:
                parts.append(f"BOARD {number} ACK\n{self._readings(board)}")
        return "\n\n".join(parts) + TAIL

    def set_status(self, params: list[Any]) -> str:
        if len(params) != 5:
            return error(params[0], 1001)
        try:
            board = self._board(params[2])
            if board is None:
                return error(params[0], 1007, params[2])
            board["Status"] = int(params[4])
        except ValueError:
            return error(params[0], 1001)
        return ACK

    def set_component(self, params: list[Any], component: str, missing: int) -> str:
        """``SET<component> I BOARD N VALUE V``."""
        if len(params) != 6 or params[2] != "BOARD" or params[4] != "VALUE":
            return error(params[0], 1001)
        try:
            board = self._board(params[3])
            if board is None:
                return error(params[0], 1007, params[3])
            index = int(params[1]) - (0 if component == "ATT" else 1)
            if index not in range(17 if component == "ATT" else 10):
                return error(params[0], missing, params[1])
            value = float(params[5])
        except ValueError:
            return error(params[0], 1001)
        if value not in (ATT_VALUES if component == "ATT" else (0, 1)):
            return error(params[0], 1011, params[3])
        if board["Status"] == 1:
            return error(params[0], 1005, params[3])
        board[component][index] = value if component == "ATT" else params[5]
        return ACK

    def set_bpf(self, params: list[Any]) -> str:
        if len(params) != 6 or params[2] != "BOARD" or params[4] != "VALUE":
            return error(params[0], 1001)
        try:
            board = self._board(params[3])
            if board is None:
                return error(params[0], 1007, params[3])
            channel = params[1]
            if channel not in BPF_CHANNELS:
                return self._bpf_channel_error(params[0], channel)
            value = float(params[5])
        except ValueError:
            return error(params[0], 1001)
        if value not in (0, 1):
            return error(params[0], 1011, params[3])
        if board["Status"] == 1:
            return error(params[0], 1005, params[3])
        board["BPF"][BPF_CHANNELS[channel]] = params[5]
        return ACK

    @staticmethod
    def _bpf_channel_error(device: int, channel: str) -> str:
        """A filter name that does not exist: ``BPF X not existing`` if it looks like one, else NAK."""
        letters = sum(ch.isalpha() for ch in channel)
        if not channel or channel[0].isalpha() or letters > 1:
            return error(device, 1001)
        if channel.isnumeric() or channel[-1].isalpha():
            return error(device, 1014, channel)
        return error(device, 1001)
