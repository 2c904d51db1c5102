"""The DBESM's per-output commands: ``DBE SETDBE<C> OUTPUT VALUE`` / ``DBE GETDBE<C> OUTPUT`` for the
components ATT, AMP, EQ and BPF of every board wired to that output (one line per board)."""

from __future__ import annotations

from typing import Any

from simulators.dbesm.boards import ATT_VALUES, COMPONENT_COLUMN, OUTPUTS, TAIL, error

Board = dict[str, Any]


def wired(boards: list[Board], output: str, component: str) -> list[tuple[Board, int]]:
    """(board, component index) for every board wired to ``output``."""
    column = COMPONENT_COLUMN[component]
    return [(boards[int(row[0]) - 1], int(row[column])) for row in OUTPUTS if row[1] == output]


def set_output(boards: list[Board], params: list[Any], component: str) -> str:
    """``SETDBE<component>``: ATT takes 0..31.5 in 0.5 steps or ``+3``/``-3`` (relative); the others 0/1."""
    if len(params) != 3:
        return error(params[0], 1001)
    output, text = params[1], params[2]
    targets = wired(boards, output, component)
    if not targets:
        return error(params[0], 1015)
    relative = component == "ATT" and text in ("+3", "-3")
    try:
        value = float(text)
    except ValueError:
        return error(params[0], 1001)
    lines = []
    for board, index in targets:
        number = board["Address"]
        if relative:
            valid = 0 <= float(board["ATT"][index]) + value <= 31.5
        else:
            valid = value in (ATT_VALUES if component == "ATT" else (0, 1))
        if not valid:
            lines.append(f"ERR DBE {output} BOARD {number} value out of range")
        elif board["Status"] == 1:
            lines.append(f"ERR DBE {output} BOARD {number} unreachable")
        else:
            board[component][index] = board[component][index] + value if relative else value
            lines.append(f"DBE {output} BOARD {number} ACK")
    return "\n".join(lines) + TAIL


def get_output(boards: list[Board], params: list[Any], component: str) -> str:
    """``GETDBE<component>``: ``ACK OUTPUT BOARD N <component> INDEX VALUE V`` per wired board."""
    if len(params) != 2:
        return error(params[0], 1001)
    output = params[1]
    targets = wired(boards, output, component)
    if not targets:
        return error(params[0], 1015)
    lines = []
    for board, index in targets:
        number = board["Address"]
        if board["Status"] == 1:
            lines.append(f"ERR DBE {output} BOARD {number} unreachable")
        else:
            lines.append(f"ACK {output} BOARD {number} {component} {index} VALUE {board[component][index]}")
    return "\n".join(lines) + TAIL
