"""Out of file descriptors: accept pauses with back-off (no spinning, one log line per episode), the
connections already open are served, and accepting resumes by itself. The agent runs in a child
process whose RLIMIT_NOFILE is lowered with ``resource.setrlimit``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from common.protocol import Message, frame_message

from .conftest import read_messages

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import logging, os, resource, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pyros.settings")
django.setup()
from common.agent import Agent
from common.config import AgentAddress
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s", force=True)
agent = Agent("fdvictim", address=AgentAddress("fdvictim", "127.0.0.1", 0, {}, "test"))
agent.start()
assert agent.wait_ready(5)
spare = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + spare, hard))
print("PORT", agent.bound_address[1], flush=True)
sys.stdin.read()
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
agent.stop()
print("STOPPED", agent.state, flush=True)
"""


TCP_CHILD = r"""
import logging, os, resource, sys
from common.transport.tcp import ThreadedTCPServer
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s", force=True)
def echo(sock, peer):
    while data := sock.recv(4096):
        sock.sendall(data)
server = ThreadedTCPServer("127.0.0.1", 0, echo, name="fdvictim-tcp", max_connections=1000)
server.start()
spare = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + spare, hard))
print("PORT", server.port, flush=True)
sys.stdin.read()
resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
server.stop()
print("STOPPED", flush=True)
"""


class Child:
    def __init__(self, spare: int, script: str = CHILD) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
        env["PYTHONUNBUFFERED"] = "1"
        self.popen = subprocess.Popen(
            [sys.executable, "-c", script, str(spare)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.port_seen = threading.Event()
        self.reader = threading.Thread(target=self._read, name="child-output")
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("PORT "):
                self.port_seen.set()
        self.port_seen.set()

    @property
    def port(self) -> int:
        assert self.port_seen.wait(30), "the child agent did not start"
        ports = [line.split()[1] for line in self.lines if line.startswith("PORT ")]
        assert ports, "\n".join(self.lines)
        return int(ports[0])

    def finish(self) -> str:
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.close()
            self.popen.wait(20)
        finally:
            if self.popen.poll() is None:
                self.popen.kill()
                self.popen.wait(10)
            self.reader.join(10)
        return "\n".join(self.lines)


def _ping(sock: socket.socket, ident: int) -> float:
    start = time.monotonic()
    sock.sendall(frame_message(Message("PING", {}, ident)))
    [pong] = read_messages(sock, 1, timeout=5)
    assert (pong.id, pong.params) == (ident, {"result": "PONG"})
    return time.monotonic() - start


def test_descriptor_exhaustion_pauses_accept_and_service_resumes_by_itself():
    child = Child(spare=6)
    flood: list[socket.socket] = []
    try:
        address = ("127.0.0.1", child.port)
        witness = socket.create_connection(address, timeout=5)
        flood.append(witness)
        assert _ping(witness, 1) < 0.2
        for _ in range(30):  # more than the child has descriptors for: the rest wait in the backlog
            flood.append(socket.create_connection(address, timeout=5))
        deadline = time.monotonic() + 5
        while not any("accept paused" in line for line in child.lines):
            assert time.monotonic() < deadline, "\n".join(child.lines)
            assert _ping(witness, 2) < 0.2
        proc = psutil.Process(child.popen.pid)
        cpu_before = sum(proc.cpu_times()[:2])
        window = time.monotonic()
        pace = threading.Event()  # never set: paces the PINGs (a spinning accept loop burns 1 s/s)
        for ident in range(3, 53):  # exhausted for a second: existing clients are served
            assert _ping(witness, ident) < 0.2, "a PING on an open connection took over 200 ms"
            pace.wait(0.02)
        cpu = sum(proc.cpu_times()[:2]) - cpu_before
        elapsed = time.monotonic() - window
        assert cpu < 0.3 * elapsed, f"the agent burnt {cpu:.2f} s of CPU in {elapsed:.2f} s while out of descriptors"
        assert sum("accept paused" in line for line in child.lines) == 1, "\n".join(child.lines)
        assert sum("accept failed" in line for line in child.lines) == 0
        for sock in flood[1:]:
            sock.close()
        del flood[1:]
        start = time.monotonic()
        with socket.create_connection(address, timeout=5) as fresh:
            _ping(fresh, 100)
        resumed = time.monotonic() - start
        assert resumed < 2.0, f"service resumed only after {resumed:.2f} s"
        with socket.create_connection(address, timeout=5) as fresh:
            assert _ping(fresh, 101) < 0.2
    finally:
        for sock in flood:
            sock.close()
        output = child.finish()
    assert "accepting again" in output, output
    assert "STOPPED" in output, output


def _echo(sock: socket.socket, ident: int) -> float:
    start = time.monotonic()
    sock.sendall(b"%d" % ident)
    assert sock.recv(64) == b"%d" % ident
    return time.monotonic() - start


def test_the_threaded_server_pauses_accept_too_and_resumes():
    child = Child(spare=6, script=TCP_CHILD)
    flood: list[socket.socket] = []
    try:
        address = ("127.0.0.1", child.port)
        witness = socket.create_connection(address, timeout=5)
        flood.append(witness)
        assert _echo(witness, 1) < 0.2
        flood.extend(socket.create_connection(address, timeout=5) for _ in range(30))
        deadline = time.monotonic() + 5
        while not any("accept paused" in line for line in child.lines):
            assert time.monotonic() < deadline, "\n".join(child.lines)
            assert _echo(witness, 2) < 0.2
        proc = psutil.Process(child.popen.pid)
        cpu_before = sum(proc.cpu_times()[:2])
        window = time.monotonic()
        pace = threading.Event()
        for ident in range(3, 53):
            assert _echo(witness, ident) < 0.2
            pace.wait(0.02)
        cpu = sum(proc.cpu_times()[:2]) - cpu_before
        elapsed = time.monotonic() - window
        assert cpu < 0.3 * elapsed, f"{cpu:.2f} s of CPU in {elapsed:.2f} s while out of descriptors"
        assert sum("accept paused" in line for line in child.lines) == 1, "\n".join(child.lines)
        for sock in flood[1:]:
            sock.close()
        del flood[1:]
        with socket.create_connection(address, timeout=5) as fresh:
            fresh.settimeout(5)
            assert _echo(fresh, 100) < 2.0
    finally:
        for sock in flood:
            sock.close()
        output = child.finish()
    assert "accepting again" in output, output
    assert "STOPPED" in output, output
