"""The status the mount pushes on its sending port: one JSON object per line (UTF-8, ``\\n``-terminated).

Keys: ``time`` (POSIX seconds, UTC), ``state`` (``parked`` ``parking`` ``slewing`` ``tracking``
``stopped``), ``ra_deg`` ``dec_deg`` ``ha_deg`` ``alt_deg`` ``az_deg`` ``lst_deg`` (where the mount
points), ``flipped`` (German mount on the far side of the pier), ``target_ra_deg``
``target_dec_deg`` (the last ``:Sr``/``:Sd`` target), ``last_goto_at`` (when the last ``:MS#`` arrived,
or null).
"""

from __future__ import annotations

import json

from simulators.mount.model import Mount, Pointing


def encode_status(mount: Mount, pointing: Pointing, last_goto_at: float | None = None) -> bytes:
    status = {
        "time": round(pointing.time, 3),
        "state": pointing.state.value,
        "ra_deg": round(pointing.ra_deg, 6),
        "dec_deg": round(pointing.dec_deg, 6),
        "ha_deg": round(pointing.ha_deg, 6),
        "alt_deg": round(pointing.alt_deg, 6),
        "az_deg": round(pointing.az_deg, 6),
        "lst_deg": round(pointing.lst_deg, 6),
        "flipped": pointing.flipped,
        "target_ra_deg": round(mount.target_ra_deg, 6),
        "target_dec_deg": round(mount.target_dec_deg, 6),
        "last_goto_at": None if last_goto_at is None else round(last_goto_at, 6),
    }
    return json.dumps(status, separators=(",", ":")).encode() + b"\n"


def decode_status(line: bytes) -> dict[str, float | str]:
    """One status line -> dict (for clients and tests); ValueError if it is not a status object."""
    status = json.loads(line)
    if not isinstance(status, dict) or "state" not in status:
        raise ValueError(f"not a mount status: {line[:80]!r}")
    return status
