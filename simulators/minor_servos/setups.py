"""The SRT focal-plane setups: where each minor servo goes for each receiver configuration.

The built-in table holds the positions DISCOS's simulator ships (``None``: the axis keeps its
position). When ``$ACS_CDB/CDB/alma/DataBlock/MinorServo/Tabella Setup.csv`` exists (a DISCOS
installation's table: ``;``-separated, a header row naming ``CONFIGURATION`` then the servo columns,
``*`` for "keep"), it is read instead, as DISCOS does.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

Setup = dict[str, list[float | None] | list[int | None] | int]

CONFIGURATION_IDS = {
    "Primario": 1,
    **{f"Gregoriano{n}": 10 + n for n in range(1, 9)},
    **{f"BWG{n}": 20 + n for n in range(1, 5)},
}
SERVO_COLUMNS = ("PFP", "SRP", "M3R", "GFR", "DR_GFR1", "DR_GFR2", "DR_GFR3", "DR_PFP", "GREGORIAN_CAP")

_ = None
_SRP_GREGORIAN = [-1.5, 11.1393650793988, 1.08830677049999, 0.049894179898239, -0.036111111111111, 0.0]
_SRP_BWG = [-1.5, 11.1393650793988, 0.358165166130078, 0.049894179898239, -0.036111111111111, 0.0]
_SRP_BWG3 = [-1.5, 11.1393650793988, -3.77159716192807, 0.049894179898239, -0.036111111111111, 0.0]
_GFR_GREGORIAN = {1: -88.70659, 2: -159.8899, 3: 90.97161, 4: 162.771, 5: 55.373967, 6: -51.82117}


def _row(
    srp: list[float | None], m3r: float | None, gfr: float | None, cap: int | None, gfr1: float | None = _
) -> dict[str, list]:
    return {
        "PFP": [0.0, 0.0, 0.0], "SRP": srp, "M3R": [m3r], "GFR": [gfr], "DR_GFR1": [gfr1],
        "DR_GFR2": [_], "DR_GFR3": [_], "DR_PFP": [_], "GREGORIAN_CAP": [cap],
    }  # fmt: skip


def builtin_table() -> dict[str, dict[str, list]]:
    """Configuration name -> servo -> coordinates (a fresh copy each call)."""
    keep = [_] * 6
    table = {"Primario": _row([-5.0, 5.0, -120.0, 0.0, 0.0, 0.0], _, _, 1)}
    for n in range(1, 9):
        gfr = _GFR_GREGORIAN.get(n)
        table[f"Gregoriano{n}"] = _row(
            list(_SRP_GREGORIAN) if gfr is not None else keep, _, gfr, 4 if gfr is not None else _
        )
    table["Gregoriano2"]["DR_GFR1"] = [12.5]
    table["BWG1"] = _row(list(_SRP_BWG), 10.0, 0.0, 4)
    table["BWG3"] = _row(list(_SRP_BWG3), 20.0, 0.0, 4)
    for name in ("BWG2", "BWG4"):
        table[name] = _row(keep, _, _, _)
    return table


def _value(text: str, integer: bool) -> float | int | None:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return None


def read_table(path: Path) -> dict[str, dict[str, list]]:
    """A DISCOS setup CSV: each servo gets the columns whose header starts with its name."""
    table: dict[str, dict[str, list]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    columns = {servo: [i for i, h in enumerate(header) if h.startswith(servo)] for servo in SERVO_COLUMNS}
    for row in body:
        if row and row[0] in CONFIGURATION_IDS:
            table[row[0]] = {
                servo: [_value(row[i], servo == "GREGORIAN_CAP") for i in indexes if i < len(row)]
                for servo, indexes in columns.items()
            }
    return table


def configurations() -> dict[str, dict]:
    """Every configuration: ``{"ID": n, servo: coordinates, ..., "GREGORIAN_CAP": [position]}``."""
    cdb = Path(os.environ.get("ACS_CDB", "/")) / "CDB" / "alma" / "DataBlock" / "MinorServo" / "Tabella Setup.csv"
    table = read_table(cdb) if cdb.is_file() else builtin_table()
    return {name: {"ID": ident, **table.get(name, {})} for name, ident in CONFIGURATION_IDS.items()}
