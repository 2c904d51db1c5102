"""The DBESM's four boards, its output map and its error texts (data shared by the command modules)."""

from __future__ import annotations

import random
from typing import Any

TAIL = "\r\n"
DEVICES = {0: "DBE", 1: "FBCB"}
ERRORS = {
    1001: "unknown command",
    1003: "CFG file not existing",
    1005: "BOARD X unreachable",
    1007: "BOARD X not existing",
    1008: "writing cfg file",
    1010: "ATT X not existing",
    1011: "value out of range",
    1012: "AMP X not existing",
    1013: "EQ X not existing",
    1014: "BPF X not existing",
    1015: "Output not existing",
}
WITH_ADDRESS = {1005, 1007, 1010, 1011, 1012, 1013, 1014}
OBSERVING_MODES = ["MF20_1s", "MF10_2s", "DF_8s", "3-Band_1s", "3-Band", "MFS_7"]
ATT_VALUES = [step / 2 for step in range(64)]
"""Attenuations accepted: 0 to 31.5 dB in 0.5 dB steps."""

# Each output: (board number, output name, ATT index, AMP index, EQ index, BPF index).
OUTPUTS = [
    ("1", "1_DBBC2", 11, 3, 5, 7),
    ("1", "prova", 3, 9, 6, 5),
    ("1", "SARDA_01", 2, 1, 4, 6),
    ("2", "prova", 1, 1, 3, 5),
    ("2", "prova2", 8, 1, 3, 5),
    ("3", "Space_Debris", 1, 8, 9, 2),
    ("3", "prova", 5, 6, 4, 6),
    ("4", "prova2", 16, 5, 7, 9),
    ("4", "SARDA_14", 7, 4, 1, 1),
]
COMPONENT_COLUMN = {"ATT": 2, "AMP": 3, "EQ": 4, "BPF": 5}

INITIAL = [
    # AMP, EQ, BPF, 5V, 3V3, T0
    ([1, 1, 1, 1, 0, 0, 0, 0, 0, 1], [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1], 1.11, 0.11, 5.10),
    ([1, 0, 0, 0, 0, 0, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 0.00, 0.01, 50.51),
    ([1, 0, 0, 0, 1, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1.00, 0.10, 15.50),
    ([0, 0, 0, 1, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0], 0.01, 1.00, 5.05),
]


def new_board(number: int) -> dict[str, Any]:
    """A board at power-on: random registers and attenuations, fixed switches and readings."""
    amp, bpf, v5, v33, t0 = INITIAL[number - 1]
    return {
        "Address": str(number),
        "Status": 0,
        "Configuration": "default",
        "REG": random.sample(range(255), 10),
        "ATT": [round(random.uniform(0.0, 31.5) * 2) / 2 for _ in range(17)],
        "AMP": list(amp),
        "EQ": list(amp),
        "BPF": list(bpf),
        "5V": v5,
        "3V3": v33,
        "T0": t0,
        "FIRM": "0.116_NEW_win",
    }


def error(device: int, code: int, address: str = "") -> str:
    """The error reply: ``NAK unknown command`` or ``ERR <device> <text>`` (X replaced by ``address``)."""
    text = ERRORS[code]
    if code == 1001:
        return f"NAK {text}{TAIL}"
    if code in WITH_ADDRESS:
        text = text.replace("X", address)
    return f"ERR {DEVICES.get(device)} {text}{TAIL}"
