"""``manage.py ivyprobe`` in a subprocess, on a bus with an ivy-python peer."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # a Django start-up on a loaded machine


class Probe:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pyros.settings", "PYTHONUNBUFFERED": "1"}
        env.pop("PYTEST_VERSION", None)
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "ivyprobe", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, fragment: str, timeout: float = WAIT) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"ivyprobe did not print {fragment!r} (printed: {self.seen})") from None
            if line is None:
                raise AssertionError(f"ivyprobe ended without printing {fragment!r} (printed: {self.seen})")
            self.seen.append(line)
            if fragment in line:
                return line

    def write(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait(self) -> int:
        """Wait for the exit; ``stderr`` then holds what it printed there."""
        try:
            code = self.proc.wait(WAIT)
            assert self.proc.stderr is not None
            self.stderr = self.proc.stderr.read()
        finally:
            self.close()
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(WAIT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def probes() -> Iterator[list[Probe]]:
    started: list[Probe] = []
    yield started
    for probe in started:
        probe.close()


@pytest.mark.parametrize("sig", [pytest.param(signal.SIGTERM, id="sigterm"), pytest.param(signal.SIGINT, id="sigint")])
def test_interactive_probe(bus_string: str, make_pypeer: Any, probes: list[Probe], sig: int) -> None:
    probe = Probe("--bus", bus_string, "--name", "Probe", "--bind", r"^hello (.*)")
    probes.append(probe)
    probe.expect(f"Probe on bus {bus_string}")
    py = make_pypeer("PyAgent", binds=(r"^probe (.*)",))
    probe.expect(r"PyAgent subscribes [0] ^probe (.*)")  # its handshake, then the connection
    probe.expect("connected: PyAgent")
    py.next_event("app")  # ivy-python sends only once our END_INIT is in
    assert py.server.send_msg("hello there") == 1
    probe.expect("PyAgent sent [0]: 'there'")
    probe.write("probe yes é")
    assert py.next_message()[1] == ("yes é",)
    probe.expect("sent to 1 subscription(s)")
    probe.write(".list")
    probe.expect("PyAgent (127.0.0.1:")
    probe.expect(r"  [0] ^probe (.*)")
    probe.write(".direct PyAgent 3 hi you")
    assert py.next_event("direct")[2:] == (3, "hi you")
    probe.write(".ping PyAgent")
    probe.expect("pong from PyAgent")
    probe.write(".nonsense")
    probe.expect("unknown command .nonsense")
    probe.proc.send_signal(sig)
    assert probe.wait() == 0
    while py.next_event("app")[2] != 2:  # 1 (connected) came first
        pass


def test_one_shot_send_and_list(bus_string: str, make_pypeer: Any, probes: list[Probe]) -> None:
    py = make_pypeer("PyAgent", binds=(r"^go (\w+)",))
    probe = Probe("--bus", bus_string, "--wait-for", "PyAgent", "--wait", str(WAIT), "--send", "go now", "--list")
    probes.append(probe)
    probe.expect("sent to 1 subscription(s)")
    probe.expect(r"  [0] ^go (\w+)")
    assert probe.wait() == 0
    assert py.next_message()[1] == ("now",)


def test_die_from_a_peer_ends_the_probe(bus_string: str, make_pypeer: Any, probes: list[Probe]) -> None:
    probe = Probe("--bus", bus_string, "--name", "Probe")
    probes.append(probe)
    probe.expect("Probe on bus")
    py = make_pypeer("PyAgent")
    probe.expect("connected: PyAgent")
    py.next_event("app")
    py.client("Probe").send_die_message()
    probe.expect("PyAgent asks us to die")
    assert probe.wait() == 0


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(["--bus", "nowhere:1"], "not an IPv4 address", id="bad-bus"),
        pytest.param(["--bus", "127:1", "--send", "a\x03b"], "must not contain", id="bad-text"),
    ],
)
def test_errors_are_clear(args: list[str], error: str, probes: list[Probe]) -> None:
    probe = Probe(*args)
    probes.append(probe)
    assert probe.wait() == 1
    assert error in probe.stderr
