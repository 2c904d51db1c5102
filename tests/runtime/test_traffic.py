"""common.traffic: bounded in count and in size, newest first."""

from __future__ import annotations

from common.traffic import IN, KEEP_CHARS, OUT, Traffic


def test_keeps_the_last_entries_newest_first_and_short() -> None:
    traffic = Traffic(3)
    for n in range(5):
        traffic.note(IN, f"peer{n}", f"M{n}", "ok", at=float(n))
    traffic.note(OUT, "x" * 10_000, "Y" * 10_000, "E" * 10_000, at=9.0)
    recent = traffic.recent()
    assert [e.message[:2] for e in recent] == ["YY", "M4", "M3"]
    assert all(len(e.peer) <= KEEP_CHARS and len(e.message) <= KEEP_CHARS for e in recent)
    assert len(recent[0].outcome) == KEEP_CHARS and recent[0].outcome.endswith("…")
    assert Traffic(0).recent() == []
