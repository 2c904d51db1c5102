"""The whole chain on loopback for the end-to-end test and ``bench/pipeline.py``: a Comet broker, the
mount and weather-station simulators (in this process, port 0), and the pyros agents in a
``manage.py runagents`` process with a database, settings and agent config of their own. The mount is
the LX200 simulator (``kind="lx200"``, config key ``mount``) or the SRT ACU simulator (``kind="acu"``,
config key ``acu``, its own dynamics: 0.85 deg/s in azimuth, 0.5 in elevation).

The agents' site is one where it is local midnight now (on the equator), so that a target on the
meridian is at the zenith; the mount simulator stands at the same place.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import astropy.units as u
from astropy.time import Time

from alert_manager.tests.brokers import Comet
from common.testing import free_port
from simulators import acu, mount, weather_station
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer

ROOT = Path(__file__).resolve().parents[2]
PACKET = ROOT / "alert_manager" / "tests" / "packets" / "swift_bat_pos.xml"
SETTINGS = """from pyros.settings import *  # noqa: F403

PYROS_SITE = {site!r}
PYROS_RUN_DIR = {run!r}
PYROS_SCHEDULER_POLL = 3600.0
PYROS_MOUNT_POLL_INTERVAL = 0.05
PYROS_MOUNT_POSITION_INTERVAL = 0.5
PYROS_WEATHER_HOLD_TIME = {hold!r}
PYROS_WEATHER_DATA_TIMEOUT = 30.0
"""


def midnight_site() -> tuple[dict[str, Any], float]:
    """A site on the equator where it is local midnight now, and the RA on its meridian now."""
    now = datetime.now(UTC)
    hours = now.hour + now.minute / 60 + now.second / 3600
    longitude = ((-hours * 15.0 + 180.0) % 360.0) - 180.0
    lst = Time(now).sidereal_time("apparent", longitude=longitude * u.deg).deg
    return {"name": "Midnight", "latitude": 0.0, "longitude": longitude, "elevation": 0.0}, float(lst) % 360.0


def swift_packet(ra: float, dec: float, trigger: str) -> bytes:
    """The Swift BAT sample with a new IVORN, trigger id and position."""
    data = PACKET.read_text()
    fragment = f"BAT_GRB_Pos_{trigger}-{uuid.uuid4().hex[:8]}"
    data = re.sub(r'ivorn="([^"#]+)#[^"]*"', rf'ivorn="\g<1>#{fragment}"', data, count=1)
    data = re.sub(r'(name="TrigID"[^>]*value=")[^"]*(")', rf"\g<1>{trigger}\g<2>", data)
    data = re.sub(r"<C1>[^<]*</C1>", f"<C1>{ra:.4f}</C1>", data)
    data = re.sub(r"<C2>[^<]*</C2>", f"<C2>{dec:.4f}</C2>", data)
    return data.encode()


class Pipeline:
    """Start with :meth:`start`, end with :meth:`stop` (every process and server is ended)."""

    def __init__(
        self, directory: Path, *, pending: int = 0, hold_time: float = 3600.0, rate: float = 30.0, kind: str = "lx200"
    ) -> None:
        if kind not in ("lx200", "acu"):
            raise ValueError(f"mount kind {kind!r}: lx200 or acu")
        self.directory, self.pending, self.hold_time, self.rate = directory, pending, hold_time, rate
        self.kind = kind
        self.site, self.meridian = midnight_site()
        self.comet: Comet | None = None
        self.mount: Server | None = None
        self.station: Server | None = None
        self.agents: subprocess.Popen[str] | None = None
        self.config = directory / "agents.ini"
        self.database = directory / "pyros.sqlite3"
        self.output: list[str] = []
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self, timeout: float = 120.0) -> Pipeline:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.comet = Comet(self.directory / "comet", iamalive_interval=0.5).start()
        if self.kind == "acu":
            self.mount = self._server(acu, ThreadingTCPServer, {}, True)
        else:
            self.mount = self._server(mount, ThreadingTCPServer, self._mount_kwargs(), True)
        self.station = self._server(weather_station, ThreadingUDPServer, {}, False)
        self._write_config()
        self._manage(["migrate", "--noinput"], timeout)
        if self.pending:
            self._fill(self.pending, timeout)
        self.agents = subprocess.Popen(
            [sys.executable, "manage.py", "runagents"],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._wait_ready(timeout)
        return self

    def stop(self) -> None:
        if self.agents is not None:
            if self.agents.poll() is None:
                self.agents.send_signal(signal.SIGTERM)
            try:
                self.agents.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.agents.kill()
                self.agents.wait(timeout=10)
            self.agents = None
        if self._reader is not None:
            self._reader.join(10.0)
            self._reader = None
        for server in (self.mount, self.station):
            if server is not None:
                server.stop(5.0)
        self.mount = self.station = None
        if self.comet is not None:
            self.comet.stop()
            self.comet = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST")}
        env |= {
            "DJANGO_SETTINGS_MODULE": "pipeline_settings",
            "PYTHONPATH": os.pathsep.join([str(self.directory), str(ROOT)]),
            "DATABASE_URL": f"sqlite:///{self.database}",
            "PYROS_AGENT_CONFIG": str(self.config),
            "PYROS_AGENTS_AUTOSTART": "0",
            "PYROS_LOG_LEVEL": os.environ.get("PYROS_PIPELINE_LOG_LEVEL", "INFO"),
        }
        return env

    def _mount_kwargs(self) -> dict[str, Any]:
        place = self.site
        return {"slew_rate": self.rate, "acceleration": 4 * self.rate, **_where(place)}

    @staticmethod
    def _server(module: Any, kind: Any, kwargs: dict[str, Any], sending: bool) -> Server:
        s_address = ("127.0.0.1", 0) if sending else None
        server = Server(module, kind, kwargs, l_address=("127.0.0.1", 0), s_address=s_address)
        server.start()
        return server

    def _write_config(self) -> None:
        assert self.comet is not None and self.mount is not None and self.station is not None
        assert self.mount.l_address is not None and self.station.l_address is not None
        if self.kind == "acu":
            assert self.mount.s_address is not None
            mount_keys = f"acu = 127.0.0.1:{self.mount.l_address[1]}\nacu_status_port = {self.mount.s_address[1]}\n"
        else:
            mount_keys = f"mount = 127.0.0.1:{self.mount.l_address[1]}\n"
        (self.directory / "pipeline_settings.py").write_text(
            SETTINGS.format(site=self.site, run=str(self.directory / "run"), hold=self.hold_time)
        )
        self.config.write_text(
            f"[alert_manager]\nhost = 127.0.0.1\nport = {free_port()}\n"
            f"vtp_broker = 127.0.0.1:{self.comet.broadcast_port}\n\n"
            f"[scheduler]\nhost = 127.0.0.1\nport = {free_port()}\n"
            f"{mount_keys}"
            f"weather_station = 127.0.0.1:{self.station.l_address[1]}\nweather_interval = 0.2\n"
        )

    def _manage(self, args: list[str], timeout: float) -> None:
        command = [sys.executable, "manage.py", *args]
        done = subprocess.run(command, cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stderr[-2000:]}")

    def _fill(self, count: int, timeout: float) -> None:
        """``count`` pending requests, none of them observable before the alert's (far from it, low)."""
        code = (
            "import django; django.setup()\n"
            "from scheduler.models import ObservationRequest as R\n"
            f"R.objects.bulk_create(R(name=f'q{{i}}', ra=(i * 0.36) % 360, dec=-80 + (i % 160), duration=600,"
            f" priority=2 + i % 8) for i in range({count}))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"filling the queue failed: {done.stderr[-2000:]}")

    def _read_output(self) -> None:
        """The agents' output, kept (the last lines show in errors); never left unread in the pipe."""
        assert self.agents is not None and self.agents.stdout is not None
        for line in self.agents.stdout:
            self.output.append(line)
            if "agent(s) running" in line:
                self._ready.set()
        self._ready.set()  # exited: start() reports it

    def _wait_ready(self, timeout: float) -> None:
        assert self.agents is not None
        self._reader = threading.Thread(target=self._read_output, name="runagents output")
        self._reader.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"runagents not running within {timeout} s:\n" + "".join(self.output[-40:]))
        if self.agents.poll() is not None:
            raise RuntimeError("runagents exited:\n" + "".join(self.output[-40:]))

    # --- what the tests do ------------------------------------------------------------------------
    def publish(self, ra: float, dec: float, trigger: str) -> float:
        """comet-sendvo a Swift BAT packet at (ra, dec); returns the time.time() just before."""
        assert self.comet is not None
        path = self.directory / f"packet-{trigger}.xml"
        path.write_bytes(swift_packet(ra, dec, trigger))
        before = time.time()
        done = self.comet.sendvo(path)
        if done.returncode != 0:
            raise RuntimeError(f"comet-sendvo failed: {done.stderr}")
        return before

    def set_weather(self, sensor: str, value: float) -> None:
        assert self.station is not None and self.station.l_address is not None
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2.0)
            sock.sendto(f"w {sensor} {value} 20261202000000\n".encode(), self.station.l_address)
            if sensor.encode() not in sock.recv(1024):
                raise RuntimeError(f"the station did not take {sensor} = {value}")

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read the agents' database (read-only)."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute(sql, args).fetchall()


def _where(site: dict[str, Any]) -> dict[str, float]:
    return {"latitude": float(site["latitude"]), "longitude": float(site["longitude"])}
