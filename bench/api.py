"""REST API injection vs a direct ``Sender.send_to``, in the same run.

Starts a real server process (``daphne pyros.asgi:application``, which starts the agents with it) on
free loopback ports with a temp SQLite database, a user and its API token; then sends PING to the
scheduler agent N times through ``POST /api/agents/scheduler/messages/`` (token auth, one keep-alive
connection per client) and N times directly with ``Sender.send_to`` from this process to the same
agent. Prints requests/s and p50 latency of both and the ratios.

    python bench/run.py api            # or: python bench/api.py [N]
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CREATE_USER = (
    "from django.contrib.auth import get_user_model\n"
    "from rest_framework.authtoken.models import Token\n"
    "u = get_user_model().objects.create_superuser('bench', 'bench@example.com', 'bench-pw')\n"
    "print('TOKEN', Token.objects.create(user=u).key)\n"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    daphne = str(Path(sys.executable).parent / "daphne")
    server = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "pyros.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while True:  # the server says nothing when it listens: wait for the port
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the server did not start listening within 30 s") from None
            time.sleep(0.05)


def rest_client(port: int, token: str, count: int, latencies: list[float]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"message": "PING", "timeout": 5})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    for _ in range(count):
        start = time.perf_counter()
        conn.request("POST", "/api/agents/scheduler/messages/", body, headers)
        response = conn.getresponse()
        data = response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            raise SystemExit(f"REST injection failed: {response.status} {data[:300]!r}")
    conn.close()


def run_rest(port: int, token: str, count: int, clients: int) -> tuple[float, float]:
    latencies: list[float] = []
    per_client = count // clients
    threads = [threading.Thread(target=rest_client, args=(port, token, per_client, latencies)) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, statistics.median(latencies)


def run_direct(count: int) -> tuple[float, float]:
    from common.sender import Sender

    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        if Sender.send_to("scheduler", "PING", timeout=5) != "PONG":
            raise SystemExit("direct Sender.send_to: unexpected reply")
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    Sender.close_all()
    return count / elapsed, statistics.median(latencies)


def main(count: int = 1000) -> None:
    with tempfile.TemporaryDirectory(prefix="pyros-bench-api-") as tmp:
        config = Path(tmp) / "agents.ini"
        config.write_text(
            f"[alert_manager]\nhost = 127.0.0.1\nport = {free_port()}\n"
            f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "PYROS_AGENTS_AUTOSTART"}}
        env.update(
            DJANGO_SETTINGS_MODULE="pyros.settings",
            PYROS_AGENT_CONFIG=str(config),
            DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
            PYROS_LOG_LEVEL="WARNING",
        )
        os.environ["PYROS_AGENT_CONFIG"] = str(config)  # this process's Sender finds the agents there
        manage(env, "migrate", "--noinput")
        token = manage(env, "shell", "-c", CREATE_USER).split("TOKEN", 1)[1].strip()
        port = free_port()
        server = start_server(env, port)
        try:
            run_rest(port, token, 50, 1)  # warm up (imports, connections)
            run_direct(50)
            results = {
                "REST, 1 client": run_rest(port, token, count, 1),
                "REST, 4 clients": run_rest(port, token, count, 4),
                "direct Sender.send_to": run_direct(count),
            }
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)
    report(results, count)


def report(results: dict[str, tuple[float, float]], count: int) -> None:
    direct_rps, direct_p50 = results["direct Sender.send_to"]
    print(f"PING to the scheduler agent of a daphne process, {count} messages per row")
    print(f"{'path':<24} {'req/s':>9} {'p50 ms':>8} {'req/s vs direct':>16} {'p50 vs direct':>14}")
    for name, (rps, p50) in results.items():
        print(f"{name:<24} {rps:>9.0f} {p50 * 1000:>8.3f} {rps / direct_rps:>15.3f}x {p50 / direct_p50:>13.1f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
    os.environ.setdefault("PYROS_AGENTS_AUTOSTART", "0")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
