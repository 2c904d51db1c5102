"""manage.py commands in real subprocesses: runagents, sendmessage, and the autostart guard."""

from __future__ import annotations

import json
import signal
import socket
import sys
from datetime import datetime
from pathlib import Path

import pytest

from common.testing import free_port

from .proc import ROOT, Proc, child_env


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "agents.ini"
    config.write_text(f"[alert_manager]\nport = {free_port()}\n[scheduler]\nport = {free_port()}\n")
    return child_env(PYROS_AGENT_CONFIG=str(config), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")


@pytest.fixture
def procs():
    started: list[Proc] = []
    yield started
    for proc in started:
        if proc.popen.poll() is None:
            proc.kill()


def run(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    proc = Proc.manage(*args, env=env)
    code = proc.wait(timeout)
    return code, proc.output


@pytest.mark.parametrize("sig", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")])
def test_runagents_serves_until_a_signal_then_exits_0(env, procs, sig):
    proc = Proc.manage("runagents", env=env)
    procs.append(proc)
    port = int(proc.expect(r"agent scheduler listening on 127\.0\.0\.1:(\d+)").group(1))
    proc.expect(r"agent\(s\) running")
    code, out = run("sendmessage", "scheduler", "Observation finished", "--params", '{"id": 3}', env=env)
    assert code == 0, out
    assert '"acknowledged": 3' in out
    proc.signal(sig)
    assert proc.wait() == 0, proc.output
    assert "stopping agents" in proc.output
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_runagents_reports_a_port_taken_by_another_process_and_starts_when_it_is_freed(env, procs, tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    taken = holder.getsockname()[1]
    config = tmp_path / "taken.ini"
    config.write_text(f"[alert_manager]\nport = {taken}\n[scheduler]\nport = {free_port()}\n")
    env["PYROS_AGENT_CONFIG"] = str(config)
    proc = Proc.manage("runagents", env=env)
    procs.append(proc)
    try:
        proc.expect(rf"agent alert_manager did not start \(port in use\): cannot listen on 127\.0\.0\.1:{taken}")
        proc.expect(r"1 agent\(s\) running \(scheduler on 127\.0\.0\.1:\d+\)")
    finally:
        holder.close()
    # Re-checked with backoff: once the other process lets the port go, the agent starts.
    proc.expect(rf"agent alert_manager listening on 127\.0\.0\.1:{taken}", 20)
    assert proc.output.count("address already in use") <= 2, proc.output  # logged once, not per retry
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(["nobody", "PING"], "unknown agent 'nobody'", id="unknown-agent"),
        pytest.param(["scheduler", "PING", "--params", "{oops"], "--params is not valid JSON", id="bad-json"),
        pytest.param(["scheduler", "PING", "--params", "[1]"], "--params must be a JSON object", id="not-object"),
        pytest.param(["scheduler", "PING"], "agent 'scheduler' unreachable at 127.0.0.1:", id="unreachable"),
    ],
)
def test_sendmessage_errors_are_clear(env, args, expected):
    code, out = run("sendmessage", *args, env=env)
    assert code == 1 and expected in out, out


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["migrate", "--noinput"], id="migrate"),
        pytest.param(["makemigrations", "--check", "--dry-run"], id="makemigrations"),
        pytest.param(["check"], id="check"),
        pytest.param(
            ["shell", "-c", "import threading; print(sorted(t.name for t in threading.enumerate()))"], id="shell"
        ),
        pytest.param(["collectstatic", "--noinput", "--dry-run"], id="collectstatic"),
        pytest.param(["test", "tests/runtime/test_framing.py::test_header_layouts"], id="test"),
    ],
)
def test_agents_never_start_during(env, args):
    code, out = run(*args, env=env)
    assert code == 0, out
    assert "starting agents" not in out and "listening on" not in out, out
    if args[0] == "shell":
        assert "agent-" not in out
    if args[0] == "test":
        assert "1 passed" in out  # manage.py test ran the pytest suite


def test_runserver_noreload_starts_the_agents(env, procs):
    proc = Proc.manage("runserver", "--noreload", f"127.0.0.1:{free_port()}", env=env)
    procs.append(proc)
    proc.expect(r"starting agents: runserver --noreload")
    proc.expect(r"agent scheduler listening")
    proc.signal(signal.SIGTERM)
    proc.wait()


def test_runserver_starts_agents_only_in_the_reloader_child(env, procs):
    proc = Proc.manage("runserver", f"127.0.0.1:{free_port()}", env=env)
    procs.append(proc)
    proc.expect(r"starting agents: runserver \(autoreloader child\)")
    proc.expect(r"agent scheduler listening")
    proc.expect(r"Quit the server with")
    proc.signal(signal.SIGTERM)
    proc.wait()
    assert proc.output.count("starting agents") == 1, proc.output


def test_asgi_server_process_starts_the_agents(env, procs):
    daphne = str(Path(sys.executable).with_name("daphne"))
    proc = Proc([daphne, "-b", "127.0.0.1", "-p", str(free_port()), "pyros.asgi:application"], env)
    procs.append(proc)
    proc.expect(r"starting agents: ASGI server \(daphne\)")
    proc.expect(r"agent alert_manager listening")
    proc.signal(signal.SIGTERM)
    proc.wait()


def test_manage_py_is_at_the_root():
    assert (ROOT / "manage.py").exists()


def test_agentstatus_exit_code_and_iso_times(env, procs):
    code, out = run("agentstatus", "nobody", env=env)
    assert code == 1 and "unknown agent(s) nobody" in out, out
    code, out = run("agentstatus", env=env)  # nothing runs: both unreachable
    assert code == 1 and "unreachable: alert_manager, scheduler" in out, out
    proc = Proc.manage("runagents", env=env)
    procs.append(proc)
    proc.expect(r"2 agent\(s\) running")
    code, out = run("sendmessage", "scheduler", "Observation finished", "--params", '{"id": 1}', env=env)
    assert code == 0, out
    code, out = run("agentstatus", "scheduler", "--json", env=env)
    assert code == 0, out
    status = json.loads(out[out.index("{") :])["scheduler"]
    assert status["state"] == "running" and status["last_message"] == "Observation finished"
    for key in ("started_at", "last_message_at"):
        assert datetime.fromisoformat(status[key].replace("Z", "+00:00")).tzinfo is not None, status[key]
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 0


def test_agentctl_says_why_it_cannot_reach_another_process_without_redis(env):
    code, out = run("agentctl", "stop", "scheduler", env=env)
    assert code == 1 and "in-memory channel layer" in out and "REDIS_URL" in out, out
    code, out = run("agentctl", "pause", "scheduler", env=env)
    assert code != 0 and "invalid choice: 'pause'" in out, out
