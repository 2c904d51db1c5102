"""Kill the agent's process in the middle of a Kafka stream (SIGKILL), start it again: every alert is
stored, none twice. The agent runs in ``manage.py runagents alert_manager`` on a file database; the
test reads that database with sqlite3 (WAL: reading never blocks the writer)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer

from alert_manager.publish import publish_kafka
from common.testing import free_port

from .brokers import Tansu
from .samples import fresh, new_trigger

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "gcn.classic.voevent.SWIFT_BAT_GRB_POS_ACK"
COUNT = 300


@pytest.fixture
def tansu() -> Iterator[Tansu]:
    broker = Tansu().start()
    yield broker
    broker.stop()


def child_env(tmp_path: Path, tansu: Tansu) -> dict[str, str]:
    config = tmp_path / "agents.ini"
    config.write_text(
        f"[alert_manager]\nhost = 127.0.0.1\nport = {free_port()}\nkafka_bootstrap = {tansu.bootstrap}\n"
        f"kafka_topics = {TOPIC}\nkafka_group_id = kill-test\nkafka_heartbeat_topic =\n\n"
        f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYROS_AGENT_CONFIG=str(config),
        PYROS_AGENTS_AUTOSTART="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def rows(db: Path, table: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "runagents", "alert_manager"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def wait_rows(db: Path, proc: subprocess.Popen[bytes], at_least: int, timeout: float, log: Path) -> int:
    deadline = time.monotonic() + timeout
    while (count := rows(db, "alert_manager_alert")) < at_least:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{count} alerts of {at_least} stored; agent log:\n{log.read_text()[-3000:]}")
        time.sleep(0.005)
    return count


def stream(bootstrap: str, packets: list[bytes]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
    for packet in packets:
        producer.produce(TOPIC, packet)
        producer.poll(0)
        time.sleep(0.005)
    producer.flush(10)


def test_kill_mid_stream_nothing_lost_nothing_twice(tmp_path: Path, tansu: Tansu) -> None:
    env = child_env(tmp_path, tansu)
    db, log = tmp_path / "db.sqlite3", tmp_path / "agent.log"
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, timeout=120)
    packets = [fresh(trigger=new_trigger()) for _ in range(COUNT)]
    ivorns = {re.search(rb'ivorn="([^"]+)"', p).group(1).decode() for p in packets}  # type: ignore[union-attr]
    publish_kafka(tansu.bootstrap, TOPIC, packets[0])  # the topic exists before the agent subscribes
    first = start(env, log)
    producer = threading.Thread(target=stream, args=(tansu.bootstrap, packets[1:]))
    try:
        wait_rows(db, first, 1, 60, log)
        producer.start()  # a steady stream: ~200 packets/s
        wait_rows(db, first, 40, 60, log)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    stored_before = rows(db, "alert_manager_alert")
    producer.join(30)
    assert stored_before < COUNT, "the agent was meant to die in the middle of the stream"
    second = start(env, log)
    try:
        wait_rows(db, second, COUNT, 60, log)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
    assert rows(db, "alert_manager_alert") == COUNT and rows(db, "alert_manager_alertpacket") == COUNT
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        stored = {row[0] for row in conn.execute("SELECT ivorn FROM alert_manager_alertpacket")}
        assert conn.execute("SELECT COUNT(*) FROM alert_manager_rejectedpacket").fetchone()[0] == 0
    assert stored == ivorns
