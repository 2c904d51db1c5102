"""The ACU endpoint against the SRT ACU simulator over real sockets (command and status ports), with
the simulator's own dynamics (azimuth 0.85 deg/s, elevation 0.5 deg/s): targets are taken a degree or
two from the stow position (azimuth 180, elevation 90) so that a slew lasts seconds. Results come back
through ``call_soon`` into one callback thread."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from common.testing import wait_until
from scheduler.acu import ELEVATION, AcuCallerError, AcuEndpoint, CommandEncoder
from scheduler.acu.endpoint import day_milliseconds
from scheduler.acu.track import mjd, radec
from scheduler.planner.types import Site
from simulators import acu
from simulators.server import Server, ThreadingTCPServer

SITE = Site("equator", 0.0, 10.0)


@pytest.fixture
def acu_server() -> Iterator[Server]:
    server = Server(acu, ThreadingTCPServer, {}, l_address=("127.0.0.1", 0), s_address=("127.0.0.1", 0))
    server.start()
    yield server
    assert server.stop(5.0), "the ACU simulator did not stop cleanly"


def make_endpoint(loop: Any, server: Server, **kwargs: Any) -> AcuEndpoint:
    assert server.l_address is not None and server.s_address is not None
    options = {"track_step": 0.2, "track_points": 10, "position_interval": 0.2, "reconnect_interval": 0.1} | kwargs
    return AcuEndpoint(
        loop,
        "127.0.0.1",
        server.l_address[1],
        server.s_address[1],
        site=SITE,
        on_started=loop.recorder("started"),
        on_done=loop.recorder("done"),
        on_failed=loop.recorder("failed"),
        on_position=loop.recorder("position"),
        **options,
    )


@pytest.fixture
def endpoint(loop: Any, acu_server: Server) -> Iterator[AcuEndpoint]:
    ep = make_endpoint(loop, acu_server)
    ep.start()
    assert ep.wait_connected(5.0), "no status from the ACU simulator"
    yield ep
    ep.stop()


def target_at(azimuth: float, elevation: float) -> tuple[float, float]:
    return radec(azimuth, elevation, datetime.now(UTC), SITE)


def test_goto_tracks_then_park_stows(loop: Any, endpoint: AcuEndpoint, acu_server: Server) -> None:
    system = acu_server.system
    wait_until(lambda: system.AZ.axis_state == 3 and system.EL.axis_state == 3, "both axes activated at connection")
    ra, dec = target_at(180.4, 89.0)
    operation = endpoint.goto(ra, dec)
    name, started = loop.next("started", "failed")
    assert name == "started", started
    assert (started.operation, started.kind, started.ra_deg, started.dec_deg) == (operation, "goto", ra, dec)
    assert started.commanded_at <= started.sent_at <= started.at
    name, done = loop.next("done", "failed", timeout=15.0)
    assert name == "done", done
    assert done.position == pytest.approx((ra, dec), abs=0.05)
    assert system.PS.ptState == 3 and not system.EL.stowed
    assert system.EL.p_Ist / 1e6 == pytest.approx(89.0, abs=0.05)
    # the table is 2 s long: tracking for 3 s more needs the appended points
    ends = system.PS.end_time
    wait_until(lambda: system.PS.end_time > ends and system.PS.ptState == 3, "the table appended", timeout=5.0)
    time.sleep(3.0)  # a table of 2 s, appended as it runs: still tracking after it
    assert system.PS.ptState == 3, "the track ran out: the appends did not keep up"
    assert any("append" in c["command"] for c in endpoint.describe()["last_commands"])
    name, position = loop.next("position")
    assert position.elevation == pytest.approx(89.0, abs=0.05) and position.azimuth is not None

    park = endpoint.park()
    name, started = loop.next("started", "failed")
    assert (name, started.operation, started.kind) == ("started", park, "park")
    name, parked = loop.next("done", "failed", timeout=15.0)
    assert (name, parked.operation) == ("done", park), parked
    assert system.EL.stowed and system.EL.p_Ist == 90_000_000
    view = endpoint.describe()
    assert view["connected"] and view["operation"] is None and view["axes"]["elevation"]["stowed"]
    assert view["address"] == f"127.0.0.1:{acu_server.l_address[1]}"  # type: ignore[index]


def test_abort_stops_both_axes(loop: Any, endpoint: AcuEndpoint, acu_server: Server) -> None:
    ra, dec = target_at(177.0, 86.0)  # 4 s of elevation, 3.5 s of azimuth
    operation = endpoint.goto(ra, dec)
    assert loop.next("started", "failed")[0] == "started"
    wait_until(lambda: acu_server.system.EL.p_Ist < 89_500_000, "the elevation moving")
    endpoint.abort()
    name, failed = loop.next("failed", "done")
    assert (name, failed.operation, failed.reason) == ("failed", operation, "aborted")
    wait_until(lambda: acu_server.system.AZ.axis_trajectory_state == 3, "the azimuth stopped")
    assert acu_server.system.EL.axis_trajectory_state == 3


def test_refused_by_the_acu_fails_the_goto(loop: Any, endpoint: AcuEndpoint, acu_server: Server) -> None:
    system = acu_server.system
    wait_until(lambda: system.EL.axis_state == 3, "the elevation activated")
    encoder = CommandEncoder(clock=lambda: day_milliseconds() + 10_000_000)
    with socket.create_connection(acu_server.l_address, timeout=5.0) as other:  # type: ignore[arg-type]
        other.sendall(encoder.mode("inactive", axes=(ELEVATION,)).wire)  # someone else switches it off
        wait_until(lambda: system.EL.axis_state == 0, "the elevation inactive")
    operation = endpoint.goto(*target_at(180.0, 89.5))
    name, failed = loop.next("failed", "done")
    assert (name, failed.operation) == ("failed", operation)
    assert failed.reason == "the ACU refused program track mode: wrong mode"


def test_caller_errors_and_not_connected(loop: Any, acu_server: Server) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nothing listens there
    ep = AcuEndpoint(loop, "127.0.0.1", port, site=SITE, on_failed=loop.recorder("failed"), reconnect_interval=0.1)
    assert ep.status_address == ("127.0.0.1", port + 1)
    with pytest.raises(AcuCallerError, match="not running"):
        ep.park()
    ep.start()
    try:
        ra, dec = target_at(0.0, 45.0)
        below = ((ra + 180.0) % 360.0, -dec)  # the antipode: under the horizon
        with pytest.raises(AcuCallerError, match="elevation"):
            ep.goto(*below)
        with pytest.raises(AcuCallerError, match="no such target"):
            ep.goto(400.0, 0.0)
        operation = ep.goto(ra, dec)
        _, failed = loop.next("failed")
        assert (failed.operation, failed.reason) == (operation, "not connected")
        assert ep.describe()["connected"] is False
    finally:
        ep.stop()
    with pytest.raises(AcuCallerError, match="5 to 50 points"):
        AcuEndpoint(loop, "127.0.0.1", port, site=SITE, track_points=60)


def test_connection_lost_fails_the_track(loop: Any, acu_server: Server) -> None:
    ep = make_endpoint(loop, acu_server)
    ep.start()
    try:
        assert ep.wait_connected(5.0)
        operation = ep.goto(*target_at(180.0, 89.5))
        assert loop.next("started", "failed")[0] == "started"
        assert acu_server.stop(5.0)
        _, failed = loop.next("failed", timeout=10.0)
        assert failed.operation == operation and ("connection" in failed.reason or "status" in failed.reason)
    finally:
        ep.stop()


def test_a_table_replaced_by_another_client_fails_the_track(
    loop: Any, endpoint: AcuEndpoint, acu_server: Server
) -> None:
    operation = endpoint.goto(*target_at(180.0, 89.5))
    assert loop.next("started", "failed")[0] == "started"
    assert loop.next("done", "failed", timeout=15.0)[0] == "done"
    encoder = CommandEncoder(clock=lambda: day_milliseconds() + 10_000_000)
    points = [(t * 100, 180.0, 89.5) for t in range(5)]  # half a second, then the table is over
    with socket.create_connection(acu_server.l_address, timeout=5.0) as other:  # type: ignore[arg-type]
        other.sendall(encoder.program_track(mjd(datetime.now(UTC)), points, (0.85, 0.5)).wire)
    name, failed = loop.next("failed", "done")
    assert (name, failed.operation) == ("failed", operation)
    assert failed.reason.startswith(("the program track ended", "the ACU refused a program track append"))
