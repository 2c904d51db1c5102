"""Mount simulator driven by the real INDI driver: ``indiserver indi_lx200generic`` over TCP.

Needs the system package indi-bin (``apt-get install indi-bin``; ``.ci/run`` installs it). Without it
the test is skipped, except under CI (``CI=true``) where it fails. Waits use INDI's own tools:
``indi_eval -w -t`` blocks until an expression on the driver's properties holds, or fails at its timeout.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from simulators import mount
from simulators.mount import MountState
from simulators.server import Server, ThreadingTCPServer

DEVICE = "Standard LX200"
ONE_ARCMIN = 1 / 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Indi:
    """An ``indiserver`` running ``indi_lx200generic``, spoken to with the indi_* command-line tools."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "HOME": str(home)}  # the driver keeps its config and park data there
        self.log = (home / "indiserver.log").open("w")
        self.process = subprocess.Popen(
            ["indiserver", "-v", "-p", str(self.port), "indi_lx200generic"],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.home = home

    def run(self, tool: str, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool, "-p", str(self.port), *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def set(self, spec: str) -> None:
        result = self.run("indi_setprop", f"{DEVICE}.{spec}")
        assert result.returncode == 0, f"indi_setprop {spec}: {result.stderr}"

    def get(self, prop: str) -> dict[str, str]:
        result = self.run("indi_getprop", f"{DEVICE}.{prop}.*")
        assert result.returncode == 0, f"indi_getprop {prop}: {result.stderr}"
        pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
        return {name.rsplit(".", 1)[-1]: value for name, value in pairs}

    def wait(self, expression: str, timeout: int = 30, what: str = "") -> None:
        result = self.run("indi_eval", "-w", "-t", str(timeout), expression, timeout=timeout + 10)
        assert result.returncode == 0, f"not within {timeout} s: {what or expression} ({result.stderr.strip()})"

    def wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.run("indi_getprop", "-t", "1", f"{DEVICE}.CONNECTION.*").returncode != 0:
            assert self.process.poll() is None, f"indiserver exited: {self.logged()}"
            assert time.monotonic() < deadline, f"indiserver not answering within {timeout} s: {self.logged()}"

    def logged(self) -> str:
        self.log.flush()
        return (self.home / "indiserver.log").read_text()[-2000:]

    def stop(self, timeout: float = 10.0) -> None:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)
        for child in children:
            try:
                child.terminate()
            except psutil.NoSuchProcess:
                continue
        _, alive = psutil.wait_procs(children, timeout=timeout)
        for child in alive:
            child.kill()
        self.log.close()


@pytest.fixture
def indi(tmp_path: Path) -> Iterator[Indi]:
    if shutil.which("indiserver") is None or shutil.which("indi_lx200generic") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("indiserver/indi_lx200generic missing under CI (apt-get install indi-bin)")
        pytest.skip("indiserver is missing (apt-get install indi-bin)")
    server = Indi(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["fork", "german"])
def simulator(request: pytest.FixtureRequest) -> Iterator[Server]:
    srv = Server(
        mount,
        ThreadingTCPServer,
        {"slew_rate": 20.0, "acceleration": 20.0, "mount_type": request.param},
        l_address=("127.0.0.1", 0),
        s_address=("127.0.0.1", 0),
    )
    srv.start()
    yield srv
    assert srv.stop(5.0), "the mount server did not stop cleanly"


def coordinates(indi: Indi) -> tuple[float, float]:
    values = indi.get("EQUATORIAL_EOD_COORD")
    return float(values["RA"]) * 15.0, float(values["DEC"])


def separation_ok(ra_deg: float, dec_deg: float, target_ra_deg: float, target_dec_deg: float) -> bool:
    dra = (ra_deg - target_ra_deg + 180.0) % 360.0 - 180.0
    return abs(dra) <= ONE_ARCMIN and abs(dec_deg - target_dec_deg) <= ONE_ARCMIN


def eod(element: str) -> str:
    return f'"{DEVICE}.EQUATORIAL_EOD_COORD.{element}"'


def test_indi_connects_slews_aborts_and_parks(indi: Indi, simulator: Server) -> None:
    assert simulator.l_address is not None
    system = simulator.system
    indi.set("CONNECTION_MODE.CONNECTION_TCP=On")
    indi.set(f"DEVICE_ADDRESS.ADDRESS;PORT=127.0.0.1;{simulator.l_address[1]}")
    indi.set("CONNECTION.CONNECT=On")
    indi.wait(f'"{DEVICE}.CONNECTION.CONNECT"==1', 15, "the driver connected")

    # Connected: the driver reports where the (parked) mount points.
    indi.wait(f"{eod('DEC')}<-29", 10, "first coordinates read")
    ra, dec = coordinates(indi)
    here = system.mount.pointing(system.clock())
    assert abs(dec - here.dec_deg) <= ONE_ARCMIN
    assert abs((ra - here.ra_deg + 180) % 360 - 180) < 0.5  # the parked mount drifts 15"/s between polls

    # Goto a target 40 deg west of the meridian: the driver sends :Sr :Sd :MS, follows :D# to the end.
    target_ra = (system.mount.lst(system.clock()) - 40.0) % 360.0
    target_dec = -10.0
    indi.set(f"EQUATORIAL_EOD_COORD.RA;DEC={target_ra / 15.0:.6f};{target_dec}")
    indi.wait(f"{eod('_STATE')}==1 && abs({eod('DEC')}-({target_dec}))<0.01", 30, "slew done")
    assert system.mount.pointing(system.clock()).state is MountState.TRACKING
    ra, dec = coordinates(indi)
    assert separation_ok(ra, dec, target_ra, target_dec), (ra, dec, target_ra, target_dec)

    # Abort a long slew half way: the mount stops short of the second target and keeps tracking.
    far_ra, far_dec = (target_ra + 80.0) % 360.0, -60.0
    indi.set(f"EQUATORIAL_EOD_COORD.RA;DEC={far_ra / 15.0:.6f};{far_dec}")
    indi.wait(f"{eod('_STATE')}==2", 10, "second slew under way")
    aborted = threading.Event()
    system.lx200.listeners.append(lambda at, text: text == ":Q#" and aborted.set())
    indi.set("TELESCOPE_ABORT_MOTION.ABORT=On")
    assert aborted.wait(10.0), "the driver never sent :Q#"
    indi.wait(f"{eod('_STATE')}!=2", 10, "slew aborted")
    braked_at = max(system.mount.axis1.end, system.mount.axis2.end)  # braking from 20 deg/s takes 1 s
    assert braked_at <= system.clock() + 1.0
    stopped = system.mount.pointing(system.clock())  # tracking again at once (braking ends in <= 1 s)
    assert stopped.state is MountState.TRACKING
    assert not separation_ok(stopped.ra_deg, stopped.dec_deg, far_ra, far_dec)

    # Sync: with ON_COORD_SET=SYNC the driver sends :Sr :Sd :CM#; the mount now says it points there.
    sync_ra, sync_dec = (stopped.ra_deg + 2.0) % 360.0, stopped.dec_deg - 1.0
    indi.set("ON_COORD_SET.SYNC=On")
    indi.set(f"EQUATORIAL_EOD_COORD.RA;DEC={sync_ra / 15.0:.6f};{sync_dec:.6f}")
    indi.wait(f"abs({eod('DEC')}-({sync_dec:.6f}))<{ONE_ARCMIN}", 10, "sync reported")
    synced = system.mount.pointing(system.clock())
    assert synced.state is MountState.TRACKING
    assert separation_ok(synced.ra_deg, synced.dec_deg, sync_ra, sync_dec)
    assert ":CM#" in [text for _, text in system.lx200.history]

    # Park: the driver sends :hP# and reports PARK once :D# says the slew is over.
    indi.set("TELESCOPE_PARK.PARK=On")
    indi.wait(f'"{DEVICE}.TELESCOPE_PARK.PARK"==1 && "{DEVICE}.TELESCOPE_PARK._STATE"==1', 30, "parked")
    parked = system.mount.pointing(system.clock())
    assert parked.state is MountState.PARKED
    assert abs(parked.ha_deg) < 1e-6 and abs(parked.dec_deg - system.mount.site.latitude_deg) < 1e-6
    indi.wait(f"abs({eod('DEC')}-({parked.dec_deg}))<{ONE_ARCMIN}", 10, "park position reported")
