"""Sender.send_to round trip and one-way throughput into one agent, against a plain TCP echo.

The agent runs in its own process (``manage.py runagents``), the echo server too, so both
measurements cross the same loopback and process boundary. Run: ``.venv/bin/python bench/run.py agents``.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import quantiles

ROOT = Path(__file__).resolve().parent.parent
ROUND_TRIPS = 5000
ONE_WAY = 100_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(samples: list[float]) -> tuple[float, float]:
    cuts = quantiles(samples, n=100)
    return cuts[49] * 1e6, cuts[98] * 1e6


def echo_round_trips(port: int, payload: bytes) -> list[float]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        frame = struct.pack(">I", len(payload)) + payload
        samples = []
        for _ in range(ROUND_TRIPS):
            t0 = time.perf_counter()
            sock.sendall(frame)
            need = len(frame)
            while need:
                need -= len(sock.recv(65536))
            samples.append(time.perf_counter() - t0)
    return samples


def echo_one_way(port: int, payload: bytes) -> float:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        frame = struct.pack(">I", len(payload) + 1) + b"!" + payload
        t0 = time.perf_counter()
        for _ in range(ONE_WAY):
            sock.sendall(frame)
        sock.sendall(struct.pack(">I", 1) + b"?")
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            data += sock.recv(100)
        elapsed = time.perf_counter() - t0
        assert int(data[4:]) == ONE_WAY, f"echo sink counted {data[4:]!r}, expected {ONE_WAY}"
    return ONE_WAY / elapsed


def agent_one_way(port: int) -> float:
    """The same client loop as the sink's, with pre-encoded native notify frames: the agent's intake."""
    from common.protocol import NOTIFY, Message, frame_message

    frame = frame_message(Message("New request", {"target": "M31", "exp": 30}, 1, "bench", NOTIFY))
    ping = frame_message(Message("PING", {}, 2, "bench"))
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.perf_counter()
        for _ in range(ONE_WAY):
            sock.sendall(frame)
        sock.sendall(ping)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            data += sock.recv(1000)
        return ONE_WAY / (time.perf_counter() - t0)


def start_agent(env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runagents", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line or "agent(s) running" in line:  # the log line, or runagents' banner
            return proc
    raise RuntimeError("the agent process did not start")


def main() -> None:
    import django

    from common.sender import Sender

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "agents.ini"
        config.write_text(f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n")
        env = {**os.environ, "PYROS_AGENT_CONFIG": str(config), "PYROS_LOG_LEVEL": "WARNING"}
        env.pop("PYTEST_VERSION", None)
        os.environ["PYROS_AGENT_CONFIG"] = str(config)
        django.setup()
        echo = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "_echo.py"), "u32"], stdout=subprocess.PIPE, text=True
        )
        agent = start_agent(env)
        try:
            assert echo.stdout is not None
            echo_port = int(echo.stdout.readline())
            # The same bytes a Sender PING carries.
            payload = b'{"kind":"request","id":1,"type":"PING","params":{},"sender":"bench"}'
            for _ in range(500):  # warm up
                Sender.send_to("scheduler", "PING", sender="bench")
            samples = []
            for _ in range(ROUND_TRIPS):
                t0 = time.perf_counter()
                Sender.send_to("scheduler", "PING", sender="bench")
                samples.append(time.perf_counter() - t0)
            e50, e99 = pct(echo_round_trips(echo_port, payload))
            s50, s99 = pct(samples)
            print(f"round trip ({ROUND_TRIPS} PINGs, one connection)")
            print(f"  plain TCP echo      p50 {e50:7.1f} us   p99 {e99:7.1f} us")
            print(f"  Sender.send_to      p50 {s50:7.1f} us   p99 {s99:7.1f} us   ratio p50 {s50 / e50:.2f}x")

            record = b'{"kind":"notify","id":1,"type":"New request","params":{"target":"M31","exp":30},"sender":"b"}'
            sink = echo_one_way(echo_port, record)
            t0 = time.perf_counter()
            for i in range(ONE_WAY):
                Sender.notify("scheduler", "New request", {"target": "M31", "exp": i}, sender="bench")
            handled = Sender.send_to("scheduler", "STATUS", timeout=60)["messages_handled"]
            sender_rate = ONE_WAY / (time.perf_counter() - t0)
            assert handled >= ONE_WAY, f"the agent handled {handled} messages, expected at least {ONE_WAY}"
            intake = agent_one_way(Sender.resolve("scheduler")[1])
            handled2 = Sender.send_to("scheduler", "STATUS", timeout=60)["messages_handled"]
            assert handled2 - handled >= ONE_WAY, "the agent did not handle every pipelined message"
            print(f"one-way pipelined throughput ({ONE_WAY} messages, all handled by the agent)")
            print(f"  plain TCP sink, pre-encoded frames  {sink:10,.0f} msg/s")
            print(
                f"  agent, pre-encoded frames           {intake:10,.0f} msg/s   ratio {intake / sink:.2f}x"
                "   target >= 50,000"
            )
            print(f"  agent, Sender.notify per message    {sender_rate:10,.0f} msg/s   ratio {sender_rate / sink:.2f}x")
        finally:
            Sender.close_all()
            agent.send_signal(signal.SIGTERM)
            agent.wait(10)
            echo.kill()
            echo.wait(10)
