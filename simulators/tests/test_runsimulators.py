"""``manage.py runsimulators``: a real subprocess on moved ports, spoken to, listed, stopped by signal."""

from __future__ import annotations

import io
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from simulators.management.commands.runsimulators import Command as RunSimulators
from simulators.tests.helpers import free_offset, ports_free, recv_exactly, usd

ROOT = Path(__file__).resolve().parents[2]
AS_PORTS = [11000 + line for line in range(96)]
WS_PORTS = [12600]
MOUNT_PORTS = [10001, 10002]


class Command:
    """A running ``manage.py runsimulators`` with its output lines in a queue."""

    def __init__(self, *args: str, run_dir: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYROS_AGENTS_AUTOSTART": "0"}
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runsimulators", *args, "--run-dir", str(run_dir)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, name="runsimulators-stdout")
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_until(self, prefix: str, timeout: float = 30.0) -> list[str]:
        """Every line up to and including the first one starting with ``prefix``."""
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} line within {timeout} s; got {seen[-3:]}") from None
            if line is None:
                raise AssertionError(f"runsimulators exited before {prefix!r}: {self.stop_and_stderr()}")
            seen.append(line)
            if line.startswith(prefix):
                return seen

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"runsimulators did not exit within {timeout} s of signal {sig}") from None
        finally:
            self.reader.join(5.0)
        return code

    def stop_and_stderr(self) -> str:
        self.stop()
        assert self.process.stderr is not None
        return self.process.stderr.read()


def manage(*args: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "runsimulators", *args, "--run-dir", str(run_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYROS_AGENTS_AUTOSTART": "0"},
    )


def status_query(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5.0) as line:
        line.sendall(usd("FC 21 13 CF"))
        return recv_exactly(line, 7)


def station_read(port: int) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(5.0)
        client.sendto(b"r th01", ("127.0.0.1", port))
        return client.recv(4096)


def test_start_talk_status_stop_one_then_sigterm(tmp_path: Path) -> None:
    offset = free_offset(AS_PORTS + MOUNT_PORTS, WS_PORTS)
    command = Command("active_surface", "mount", "weather_station", "--port-offset", str(offset), run_dir=tmp_path)
    try:
        lines = command.read_until("running")
        ready = [line for line in lines if line.startswith("ready ")]
        assert len(ready) == 98
        assert ready[0] == f"ready active_surface[0] tcp listening 127.0.0.1:{11000 + offset}"
        assert ready[95] == f"ready active_surface[95] tcp listening 127.0.0.1:{11095 + offset}"
        assert ready[96] == (
            f"ready mount tcp listening 127.0.0.1:{10001 + offset}, sending 127.0.0.1:{10002 + offset}"
        )
        assert ready[97] == f"ready weather_station udp listening 127.0.0.1:{12600 + offset}"
        assert status_query(11000 + offset) == usd("06 FC 61 00 20 11 6B")
        assert status_query(11095 + offset) == usd("06 FC 61 00 20 11 6B")
        assert station_read(12600 + offset).startswith(b"<Sensor><Id>th01</Id><Val>26.000000</Val><Date>")

        status = manage("--status", run_dir=tmp_path).stdout.splitlines()
        assert status[0].startswith(f"pid {command.process.pid} since ")
        assert status[1:] == [
            f"  active_surface: 96 tcp server(s), listening 127.0.0.1:{11000 + offset}-{11095 + offset}",
            f"  mount: 1 tcp server(s), listening 127.0.0.1:{10001 + offset}; sending 127.0.0.1:{10002 + offset}",
            f"  weather_station: 1 udp server(s), listening 127.0.0.1:{12600 + offset}",
        ]
        stopped = manage("--stop", "weather_station", run_dir=tmp_path)
        assert stopped.returncode == 0, stopped.stderr
        assert stopped.stdout.strip() == f"stopped weather_station (pid {command.process.pid})"
        assert ports_free([], [12600 + offset]), "the weather station port is still bound"
        assert status_query(11095 + offset) == usd("06 FC 61 00 20 11 6B")
    finally:
        code = command.stop(signal.SIGTERM)
    stderr = command.process.stderr.read() if command.process.stderr else ""
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert ports_free([p + offset for p in AS_PORTS + MOUNT_PORTS], [p + offset for p in WS_PORTS]), "ports left bound"
    assert list((tmp_path / "simulators").glob("*.json")) == [], "the state file was left behind"


def test_worker_processes_serve_and_all_exit_on_sigint(tmp_path: Path) -> None:
    offset = free_offset(AS_PORTS + MOUNT_PORTS, WS_PORTS)
    command = Command(
        "active_surface", "mount", "weather_station", "--port-offset", str(offset), "--processes", "2", run_dir=tmp_path
    )
    children: list[psutil.Process] = []
    try:
        lines = command.read_until("running")
        assert len([line for line in lines if line.startswith("ready ")]) == 98
        assert "in 2 process(es)" in lines[-1]
        children = psutil.Process(command.process.pid).children()
        assert len(children) == 2
        assert status_query(11000 + offset) == usd("06 FC 61 00 20 11 6B")
        assert status_query(11095 + offset) == usd("06 FC 61 00 20 11 6B")
        assert station_read(12600 + offset).startswith(b"<Sensor><Id>th01</Id>")
    finally:
        code = command.stop(signal.SIGINT)
    assert code == 0
    assert not [child.pid for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
    assert ports_free([p + offset for p in AS_PORTS + MOUNT_PORTS], [p + offset for p in WS_PORTS]), "ports left bound"


def test_list(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "runsimulators", "active_surface", "mount", "weather_station", "--list", "--port-offset", "10", stdout=out
    )
    assert out.getvalue().splitlines() == [
        "active_surface (96 servers)",
        "  tcp  listening 127.0.0.1:11010-11105",
        "mount (1 server)",
        "  tcp  listening 127.0.0.1:10011; sending 127.0.0.1:10012",
        "weather_station (1 server)",
        "  udp  listening 127.0.0.1:12610",
    ]


def test_list_shows_system_types_and_type_selects_one() -> None:
    out = io.StringIO()
    call_command("runsimulators", "if_distributor", "--list", stdout=out)
    assert out.getvalue().splitlines() == [
        "if_distributor (2 servers, types: IFD, IFD_14_channels)",
        "  tcp  listening 127.0.0.1:12000  type IFD",
        "  tcp  listening 127.0.0.1:12001  type IFD_14_channels",
    ]
    out = io.StringIO()
    call_command("runsimulators", "--type", "IFD_14_channels", "--list", stdout=out)
    assert out.getvalue().splitlines() == [
        "if_distributor (2 servers, types: IFD, IFD_14_channels)",
        "  tcp  listening 127.0.0.1:12000-12001  type IFD_14_channels",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["holography"], "unknown simulator 'holography'", id="unknown-name"),
        pytest.param(["weather_station", "--type", "x"], "has no system types", id="type-on-plain"),
        pytest.param(
            ["lo", "--type", "IFD"], r"System type IFD not found\. \(lo types: generic_LO, w_LO\)", id="bad-type"
        ),
        pytest.param(["--type", "nothing"], "no simulator has a system type 'nothing'", id="type-nowhere"),
        pytest.param(["--stop", "weather_station"], "no running simulator called 'weather_station'", id="stop-idle"),
        pytest.param(["weather_station", "--port-offset", "60000"], "not a valid port", id="port-overflow"),
        pytest.param(["weather_station", "--host", "192.0.2.1"], "cannot bind 192.0.2.1:12600/udp", id="bad-host"),
    ],
)
def test_errors_are_command_errors(tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("runsimulators", *args, "--run-dir", str(tmp_path))


def test_a_busy_port_is_reported(tmp_path: Path) -> None:
    offset = free_offset([], WS_PORTS)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blocker:
        blocker.bind(("127.0.0.1", 12600 + offset))
        with pytest.raises(CommandError, match=f"already in use: 127.0.0.1:{12600 + offset}/udp"):
            call_command("runsimulators", "weather_station", "--port-offset", str(offset), "--run-dir", str(tmp_path))


def test_status_with_nothing_running(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("runsimulators", "--status", "--run-dir", str(tmp_path), stdout=out)
    assert out.getvalue() == "no simulator running\n"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--processes", "0"], id="processes-0"),
        pytest.param(["--port-offset", "x"], id="offset-not-int"),
        pytest.param(["--list", "--status"], id="exclusive"),
    ],
)
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("runsimulators", *args)


def test_help_explains_the_command() -> None:
    text = RunSimulators().create_parser("manage.py", "runsimulators").format_help()
    for part in ("--port-offset", "--processes", "--status", "--stop NAME", "--type T", "SIGTERM", "11000-11095"):
        assert part in text
