"""Four processes write heartbeats and message log rows at once: nothing is lost and no write ever
fails with "database is locked", on SQLite (a file, WAL, IMMEDIATE transactions) and on PostgreSQL
(when ``DATABASE_URL`` points at one: `.ci/run` starts a throwaway cluster).

Each case builds its own database (a temp SQLite file, or a fresh PostgreSQL database created next
to the one of ``DATABASE_URL``), migrates it in a child, then starts the writers together.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.database

WRITERS = 4
ROUNDS = 150

WRITER = r"""
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
django.setup()
from django.utils import timezone
from common.heartbeat import write_status
from common.models import AgentStatus, MessageLog
writer, rounds = int(sys.argv[1]), int(sys.argv[2])
print("READY", flush=True)
sys.stdin.readline()
failures = 0
for i in range(rounds):
    for name in (f"agent{writer}", "shared"):
        try:
            write_status({"name": name, "state": "running", "messages_handled": i, "host": "127.0.0.1"})
        except Exception as exc:
            failures += 1
            print("ERROR heartbeat", type(exc).__name__, exc, flush=True)
    try:
        MessageLog.objects.create(agent=f"agent{writer}", message=f"w{writer}-{i}", params={"i": i}, via="api",
                                  sent_at=timezone.now(), status_code=200, outcome="ok")
    except Exception as exc:
        failures += 1
        print("ERROR log", type(exc).__name__, exc, flush=True)
print("DONE", failures, flush=True)
"""

CHECK = r"""
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
django.setup()
from common.models import AgentStatus, MessageLog
print(json.dumps({
    "logs": sorted(MessageLog.objects.values_list("message", flat=True)),
    "status": dict(AgentStatus.objects.values_list("name", "messages_handled")),
}))
"""


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(DATABASE_URL=database_url, PYROS_AGENTS_AUTOSTART="0", PYTHONUNBUFFERED="1")
    return env


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{argv[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("DATABASE_URL is not a PostgreSQL URL (.ci/run starts one)")
    import psycopg

    name = f"pyros_concurrency_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_four_processes_write_at_once_and_nothing_is_lost(database_url: str) -> None:
    env = _env(database_url)
    _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(w), str(ROUNDS)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for w in range(WRITERS)
    ]
    outputs: list[list[str]] = [[] for _ in writers]
    try:
        for proc, lines in zip(writers, outputs, strict=True):  # every writer ready before any writes
            assert proc.stdout is not None
            line = proc.stdout.readline()
            lines.append(line)
            assert line.startswith("READY"), line
        for proc in writers:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        readers = [
            threading.Thread(target=lambda p=p, out=out: out.extend(p.stdout))
            for p, out in zip(writers, outputs, strict=True)
        ]
        for reader in readers:
            reader.start()
        for proc in writers:
            proc.wait(180)
        for reader in readers:
            reader.join(10)
    finally:
        for proc in writers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    text = "".join(line for lines in outputs for line in lines)
    assert "database is locked" not in text, text
    assert all(proc.returncode == 0 for proc in writers), text
    assert text.count("DONE 0") == WRITERS, text
    import json

    found = json.loads(_run([sys.executable, "-c", CHECK], env).strip().splitlines()[-1])
    expected = sorted(f"w{w}-{i}" for w in range(WRITERS) for i in range(ROUNDS))
    assert found["logs"] == expected
    assert found["status"] == {**{f"agent{w}": ROUNDS - 1 for w in range(WRITERS)}, "shared": ROUNDS - 1}
