"""Server time of the operator console's pages against the Django admin's changelist on the same rows.

A child process (its own temp SQLite database, agents off) migrates, writes 100,000 message log rows
(4 agents, every outcome and channel, 3 users, one row in 500 with "needle" in its params) and the
agents' heartbeat rows, then renders each page N times through Django's test client in-process (the
whole request: middleware, view, queries, template; no network) as a signed-in superuser. Prints p50
and p95 per page, the admin's changelist for the same question next to it, and the ratio.

    python bench/run.py console        # or: python bench/console.py [N]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS = 100_000
TARGET_MS = 200.0

# (what, console URL, admin changelist URL for the same question)
PAGES = [
    ("agents page", "/", "/admin/common/agentstatus/"),  # the admin: its agent status changelist
    ("message log, first page", "/messages/", "/admin/common/messagelog/"),
    ("message log, page 1000", "/messages/?page=1000", "/admin/common/messagelog/?p=999"),
    (
        "filter agent + outcome",
        "/messages/?agent=scheduler&outcome=timeout",
        "/admin/common/messagelog/?agent__exact=scheduler&outcome__exact=timeout",
    ),
    ("search in message and params", "/messages/?q=needle", "/admin/common/messagelog/?q=needle"),
    (
        "time range (1 h)",
        "/messages/?since=2026-12-01T10:00:00&until=2026-12-01T11:00:00",
        "/admin/common/messagelog/?sent_at__gte=2026-12-01+10:00:00Z&sent_at__lt=2026-12-01+11:00:00Z",
    ),
]


def child(runs: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    client = Client()
    client.force_login(fill())
    print(f"{ROWS:,} message log rows; {runs} renders per page (after one warm-up); server time in-process")
    print(
        f"{'page':<30} {'console p50':>12} {'p95':>9} {'admin p50':>11} {'p95':>9} {'ratio':>7}  < {TARGET_MS:.0f} ms"
    )
    for what, ours, admin in PAGES:
        o50, o95 = measure(client, ours, runs)
        line = f"{what:<30} {o50:>9.1f} ms {o95:>6.1f} ms"
        if admin is not None:
            a50, a95 = measure(client, admin, runs)
            line += f" {a50:>8.1f} ms {a95:>6.1f} ms {o50 / a50:>6.2f}x"
        else:
            line += f" {'-':>11} {'-':>9} {'-':>7}"
        print(line + ("  met" if o95 < TARGET_MS else "  MISSED"), flush=True)


def measure(client: object, url: str, runs: int) -> tuple[float, float]:
    get = client.get  # type: ignore[attr-defined]
    response = get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = get(url)
        times.append((time.perf_counter() - start) * 1000.0)
        assert response.status_code == 200
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def fill() -> object:
    from datetime import UTC, datetime, timedelta

    from django.contrib.auth import get_user_model

    from common.models import AgentStatus, MessageLog

    users = [get_user_model().objects.create_superuser("bench", "b@example.com", "bench-pw")]
    users += [get_user_model().objects.create_user(name, password="pw") for name in ("alice", "bob")]
    agents = ["scheduler", "alert_manager", "mount", "weather"]
    outcomes = list(MessageLog.Outcome.values)
    vias = list(MessageLog.Via.values)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    rows = []
    for i in range(ROWS):
        outcome = outcomes[0] if i % 3 else outcomes[i % len(outcomes)]
        params = {"id": i, "note": "a needle" if i % 500 == 0 else "hay"}
        rows.append(
            MessageLog(
                agent=agents[i % len(agents)],
                message=["PING", "Observation finished", "STATUS", "NEW_ALERT"][i % 4],
                params=params,
                user=users[i % len(users)],
                via=vias[i % len(vias)],
                sent_at=start + timedelta(seconds=i * 0.8),
                reply={"ok": True} if outcome == "ok" else None,
                error_type="" if outcome == "ok" else "Error",
                error_text="" if outcome == "ok" else "text",
                round_trip_ms=0.5,
                status_code=200 if outcome == "ok" else 502,
                outcome=outcome,
            )
        )
    MessageLog.objects.bulk_create(rows, batch_size=5000)
    now = datetime.now(UTC)
    for name in agents:
        AgentStatus.objects.create(name=name, state="running", host="127.0.0.1", port=5000, heartbeat_at=now)
    return users[0]


def main(runs: int = 30) -> None:
    with tempfile.TemporaryDirectory(prefix="pyros-bench-console-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "pyros.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "PYROS_AGENTS_AUTOSTART": "0",
            "DJANGO_DEBUG": "0",
        }
        env.pop("PYTEST_VERSION", None)
        code = [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); import bench.console as c; c.child({runs})",
        ]
        subprocess.run(code, cwd=ROOT, env=env, check=True, timeout=600)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
