"""The planning process (``python -m scheduler.planner.worker``): JSON lines in and out, bad jobs
answered with an error line (the process goes on), end of input ends it with status 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOB = {
    "site": {"name": "La Silla", "latitude": -29.2563, "longitude": -70.738, "elevation": 2400},
    "config": {"twilight": -12, "slew_rate": 2, "settle_time": 10, "time_step": 60},
    "now": "2026-12-15T12:00:00+00:00",
    "rows": [
        [1, "crab", 83.633, 22.014, 600, 1, 20, None, None, None, None],
        [2, "late", 150.0, -30.0, 900, 2, 30, "2026-12-16 06:00:00", "2026-12-16T07:00:00+00:00", None, None],
        [3, "north", 10.0, 80.0, 600, 1, 10, None, None, None, None],
    ],
    "busy": [],
}


def test_json_lines_in_and_out() -> None:
    lines = [
        json.dumps(JOB),
        "not json",
        json.dumps({**JOB, "rows": [[4, "bad", 400, 0, 1, 1, 0, None, None, None, None]]}),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler.planner.worker"],
        input="\n".join([*lines, json.dumps(JOB)]) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(answers) == 4
    ok = answers[0]["ok"]
    assert ok["day"] == "2026-12-15" and ok["considered"] == 3
    assert [pk for pk, _, _ in ok["slots"]] == [1, 2]  # 3 never rises at -29 deg
    _, start, end = ok["slots"][1]
    assert start >= "2026-12-16T06:00:00" and end <= "2026-12-16T07:00:00+00:00"  # naive SQLite text is UTC
    assert answers[1]["error"].startswith("JSONDecodeError")
    assert "ra must be in [0, 360)" in answers[2]["error"]
    assert answers[3] == answers[0] | {"ok": answers[3]["ok"]} and answers[3]["ok"]["slots"] == ok["slots"]
