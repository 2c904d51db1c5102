"""The LX200 mount endpoint against the mount simulator over real sockets; results come back through
``call_soon`` into one callback thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from scheduler.mount import MountEndpoint
from scheduler.mount.exceptions import MountCallerError
from simulators.mount import MountState
from simulators.server import Server

ONE_ARCSEC = 1 / 3600


def make_endpoint(loop: Any, port: int, **kwargs: Any) -> MountEndpoint:
    return MountEndpoint(
        loop,
        "127.0.0.1",
        port,
        on_started=loop.recorder("started"),
        on_done=loop.recorder("done"),
        on_failed=loop.recorder("failed"),
        on_position=loop.recorder("position"),
        poll_interval=0.05,
        position_interval=0.2,
        reconnect_interval=0.1,
        **kwargs,
    )


@pytest.fixture
def endpoint(loop: Any, mount_server: Server) -> Iterator[MountEndpoint]:
    assert mount_server.l_address is not None
    ep = make_endpoint(loop, mount_server.l_address[1])
    ep.start()
    assert ep.wait_connected(5.0)
    yield ep
    ep.stop()


def west_of_meridian(server: Server, hours: float) -> float:
    system = server.system
    return (system.mount.lst(system.clock()) - 15.0 * hours) % 360.0


def test_goto_started_then_done_on_target(loop: Any, endpoint: MountEndpoint, mount_server: Server) -> None:
    ra = west_of_meridian(mount_server, 1.0)
    operation = endpoint.goto(ra, -40.0)
    name, started = loop.next("started", "failed")
    assert name == "started", started
    assert (started.operation, started.kind, started.ra_deg, started.dec_deg) == (operation, "goto", ra, -40.0)
    assert started.commanded_at <= started.sent_at <= started.at
    assert mount_server.system.mount.pointing(mount_server.system.clock()).state is MountState.SLEWING
    name, done = loop.next("done", "failed")
    assert name == "done", done
    assert done.at >= started.at
    assert done.position[0] == pytest.approx(ra, abs=1.5 * 15 * ONE_ARCSEC)  # :GR# has 1 s of time
    assert done.position[1] == pytest.approx(-40.0, abs=1.5 * ONE_ARCSEC)
    assert mount_server.system.mount.pointing(mount_server.system.clock()).state is MountState.TRACKING
    assert loop.thread_ids == {loop._thread.ident} and threading.get_ident() not in loop.thread_ids
    described = endpoint.describe()
    assert described["connected"] is True and described["operation"] is None
    sent = "".join(c["command"] for c in described["last_commands"])
    assert f":Sr{_hms(ra)}#:Sd-40*00:00#:MS#" in sent or sent.startswith(":D#")  # older commands may have rolled
    assert endpoint.last_commands.maxlen == 20


def _hms(ra: float) -> str:
    total = round(ra / 15 * 3600) % 86400
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def test_goto_below_the_horizon_fails_with_the_mount_message(loop: Any, endpoint: MountEndpoint) -> None:
    lst = endpoint_lst(endpoint, loop)
    endpoint.goto((lst + 180.0) % 360.0, 60.0)  # on the anti-meridian, far north of a southern site
    name, failed = loop.next("started", "failed")
    assert name == "failed"
    assert failed.reason == "goto refused (1): Object Below Horizon"


def endpoint_lst(endpoint: MountEndpoint, loop: Any) -> float:
    _, position = loop.next("position")
    return float(position.ra_deg)  # parked at the zenith: RA = local sidereal time


def test_abort_fails_the_slew_and_stops_the_mount(loop: Any, endpoint: MountEndpoint, mount_server: Server) -> None:
    endpoint.goto(west_of_meridian(mount_server, 5.0), 0.0)
    assert loop.next("started", "failed")[0] == "started"
    aborted = threading.Event()
    mount_server.system.lx200.listeners.append(lambda at, text: text == ":Q#" and aborted.set())
    endpoint.abort()
    name, failed = loop.next("done", "failed")
    assert (name, failed.reason) == ("failed", "aborted")
    assert aborted.wait(5.0), "the mount never received :Q#"
    mount = mount_server.system.mount
    now = mount_server.system.clock()
    assert mount.pointing(now).state is MountState.TRACKING  # braking, then tracking where it stopped
    assert max(mount.axis1.end, mount.axis2.end) <= now + 30.0 / 60.0  # braking from 30 deg/s at 60 deg/s^2


def test_park_started_and_done(loop: Any, endpoint: MountEndpoint, mount_server: Server) -> None:
    endpoint.goto(west_of_meridian(mount_server, 2.0), -20.0)
    assert loop.next("done", "failed")[0] == "done"
    operation = endpoint.park()
    name, started = loop.next("started", "failed")
    assert (name, started.kind, started.operation) == ("started", "park", operation)
    name, done = loop.next("done", "failed")
    assert name == "done"
    system = mount_server.system
    assert system.mount.pointing(system.clock()).state is MountState.PARKED
    assert done.position[1] == pytest.approx(system.mount.site.latitude_deg, abs=ONE_ARCSEC)


def test_new_goto_supersedes_the_one_under_way(loop: Any, endpoint: MountEndpoint, mount_server: Server) -> None:
    first = endpoint.goto(west_of_meridian(mount_server, 4.0), 0.0)
    second_ra = west_of_meridian(mount_server, 1.0)
    second = endpoint.goto(second_ra, -30.0)
    events: list[tuple[str, Any]] = []
    while not (events and events[-1][0] == "done"):
        events.append(loop.next("started", "done", "failed"))
    of_first = [(name, e.reason) for name, e in events if e.operation == first]
    of_second = [(name, e.reason) for name, e in events if e.operation == second]
    # The first goto may or may not have started (its :MS# answered) before the second came: either
    # way it ends superseded, never done, and the second one runs to its end.
    assert of_first in ([("failed", "superseded")], [("started", ""), ("failed", "superseded")]), events
    assert of_second == [("started", ""), ("done", "")], events
    assert events[-1][1].position[1] == pytest.approx(-30.0, abs=ONE_ARCSEC)


def test_not_connected_fails_at_once(loop: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: connections are refused
        ep = make_endpoint(loop, port)
        ep.start()
        try:
            ep.goto(10.0, 10.0)
            name, failed = loop.next("started", "failed")
            assert (name, failed.reason) == ("failed", "not connected")
            assert ep.describe()["connected"] is False
        finally:
            ep.stop()


def test_lost_connection_fails_the_slew_and_reconnects(loop: Any, mount_server: Server) -> None:
    assert mount_server.l_address is not None
    ep = make_endpoint(loop, mount_server.l_address[1])
    ep.start()
    try:
        assert ep.wait_connected(5.0)
        ep.goto(west_of_meridian(mount_server, 5.0), 0.0)
        assert loop.next("started", "failed")[0] == "started"
        ep._sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]  # the line drops
        name, failed = loop.next("done", "failed")
        assert name == "failed" and failed.reason.startswith("connection")
        assert ep.wait_connected(5.0)  # reconnected
        loop.next("position")  # and reading again
    finally:
        ep.stop()


def test_bad_coordinates_raise_in_the_caller(endpoint: MountEndpoint) -> None:
    with pytest.raises(MountCallerError):
        endpoint.goto(400.0, 0.0)


def test_commands_before_start_are_refused(loop: Any) -> None:
    with pytest.raises(MountCallerError):
        make_endpoint(loop, 9).goto(10.0, 10.0)
