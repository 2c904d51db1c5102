"""The sample packets of alert_manager/tests/packets/, and fresh copies of them (brokers refuse an IVORN
they have seen, so a test that publishes needs new ones)."""

from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path

PACKETS = Path(__file__).parent / "packets"
_serial = itertools.count(1)


def raw(name: str) -> bytes:
    return (PACKETS / name).read_bytes()


def fresh(
    name: str = "swift_bat_pos.xml",
    *,
    trigger: str | None = None,
    error: float | None = None,
    ivorn: str | None = None,
    retracts: str | None = None,
) -> bytes:
    """A copy of a sample with a new IVORN (and optionally another trigger id, error radius, cited IVORN)."""
    data = raw(name).decode()
    old = re.search(r'ivorn="([^"]+)"', data)
    assert old is not None, name
    new = ivorn or f"{old.group(1).rsplit('#', 1)[0]}#{_fragment(old.group(1), trigger)}"
    data = data.replace(f'ivorn="{old.group(1)}"', f'ivorn="{new}"', 1)
    if trigger is not None:
        data = re.sub(r'(name="TrigID"[^>]*value=")[^"]*(")', rf"\g<1>{trigger}\g<2>", data)
    if error is not None:
        data = re.sub(r"<Error2Radius>[^<]*</Error2Radius>", f"<Error2Radius>{error:.6f}</Error2Radius>", data)
    if retracts is not None:
        data = re.sub(r'(<EventIVORN cite="retraction">)[^<]*(<)', rf"\g<1>{retracts}\g<2>", data)
    return data.encode()


def _fragment(old: str, trigger: str | None) -> str:
    kind = re.match(r"^(.*?)_\d", old.rsplit("#", 1)[-1])
    prefix = kind.group(1) if kind else "Sample"
    return f"{prefix}_{trigger or '1234567'}-{next(_serial)}{uuid.uuid4().hex[:8]}"


def new_trigger() -> str:
    return str(uuid.uuid4().int % 10**9)
