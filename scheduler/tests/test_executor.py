"""The executor on real peers: a SchedulerAgent with the ``mount`` and ``weather_station`` keys, the
mount and weather-station simulators on free loopback ports (fast slews). A planned slot is executed
when it starts, an alert slews at once, bad weather parks the mount and holds the alerts, lost weather
data counts as bad weather, and execution resumes after the hold time."""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import scheduler.mount.codec as codec
from common.config import AgentAddress
from common.sender import Sender
from common.testing import timed_wait_until
from common.testing import wait_until as _wait_until
from scheduler.agent import SchedulerAgent
from scheduler.models import ObservationRequest
from scheduler.models import Slot as SlotRow
from simulators import mount, weather_station
from simulators.mount import MountState
from simulators.server import Server, ThreadingTCPServer, ThreadingUDPServer

from .test_agent import _midnight_site, _running

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30.0
wait_until = functools.partial(_wait_until, timeout=WAIT)


@pytest.fixture
def site(settings: Any) -> tuple[dict[str, Any], float]:
    value, meridian = _midnight_site()
    settings.PYROS_SITE = value
    settings.PYROS_SCHEDULER_POLL = 3600.0
    settings.PYROS_MOUNT_POLL_INTERVAL = 0.05
    settings.PYROS_WEATHER_HOLD_TIME = 1.0
    settings.PYROS_WEATHER_DATA_TIMEOUT = 1.5
    return value, meridian


@pytest.fixture
def mount_server(site: tuple[dict[str, Any], float]) -> Iterator[Server]:
    place = site[0]
    kwargs = {"slew_rate": 30.0, "acceleration": 60.0, "latitude": place["latitude"], "longitude": place["longitude"]}
    server = Server(mount, ThreadingTCPServer, kwargs, l_address=("127.0.0.1", 0), s_address=("127.0.0.1", 0))
    server.start()
    yield server
    assert server.stop(5.0), "the mount simulator did not stop cleanly"


@pytest.fixture
def station() -> Iterator[Server]:
    server = Server(weather_station, ThreadingUDPServer, {}, l_address=("127.0.0.1", 0))
    server.start()
    yield server
    server.stop(5.0)


@pytest.fixture
def agent(mount_server: Server, station: Server) -> Iterator[Callable[..., SchedulerAgent]]:
    started: list[SchedulerAgent] = []

    def start(weather: bool = True) -> SchedulerAgent:
        assert mount_server.l_address is not None and station.l_address is not None
        options = {"mount": f"127.0.0.1:{mount_server.l_address[1]}"}
        if weather:
            options |= {"weather_station": f"127.0.0.1:{station.l_address[1]}", "weather_interval": "0.1"}
        a = SchedulerAgent(address=AgentAddress("scheduler", "127.0.0.1", 0, options, "test"))
        started.append(a)
        a.start()
        assert a.wait_ready(5), a.stats.last_error
        assert a.wait_plans_saved(1, WAIT), "no plan at start"
        return a

    yield start
    for a in started:
        a.stop()
    Sender.close_all()


def _send(message: str, params: dict[str, Any] | None = None) -> Any:
    return Sender.send_to("scheduler", message, params, timeout=10)


def _alert(ra: float, alert_id: int) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "ivorn": f"ivo://test/too#{alert_id}",
        "event": "new",
        "ra": ra,
        "dec": -5.0,
        "error_radius": 0.1,
        "role": "observation",
        "mission": "SWIFT",
        "trigger": str(alert_id),
    }


def _on(server: Server, ra: float, dec: float, tolerance: float = 1 / 60) -> bool:
    system = server.system
    p = system.mount.pointing(system.clock())
    ra_off = abs((p.ra_deg - ra + 180.0) % 360.0 - 180.0)
    return system.mount.state is MountState.TRACKING and ra_off < tolerance and abs(p.dec_deg - dec) < tolerance


def _write(station: Server, sensor: str, value: float) -> None:
    assert station.l_address is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2.0)
        sock.sendto(f"w {sensor} {value} 20261202000000\n".encode(), station.l_address)
        assert sensor.encode() in sock.recv(1024)


def _phase(a: SchedulerAgent) -> str:
    return str(_send("TELESCOPE")["phase"])


def test_planned_slot_is_executed_at_its_start(
    agent: Callable[..., SchedulerAgent], mount_server: Server, site: tuple[dict[str, Any], float], settings: Any
) -> None:
    settings.PYROS_SETTLE_TIME = 0.0
    a = agent(weather=False)
    ra = (site[1] - 10.0) % 360.0
    row = ObservationRequest.objects.create(name="target", ra=ra, dec=-5.0, duration=600, priority=3)
    _send("Compute schedule")
    assert a.wait_plans_saved(2, WAIT)
    slot = SlotRow.objects.get(request=row)
    delay = (slot.start - datetime.now(UTC)).total_seconds()
    assert delay < 65, f"the slot starts in {delay:.0f} s"
    wait_until(lambda: _on(mount_server, ra, -5.0), "the mount on the slot's target", timeout=max(delay, 0) + 15)
    wait_until(lambda: _phase(a) == "observing", "executor observing")
    view = _send("TELESCOPE")
    assert view["target"]["request"] == row.pk
    assert [e["event"] for e in view["history"]][-3:] == ["goto", "goto started", "on target"]
    assert view["mount"]["connected"] and any(":MS#" in str(entry) for entry in mount_server.system.lx200.history)
    slot.refresh_from_db()
    assert slot.state == "observing" and ObservationRequest.objects.get(pk=row.pk).state == "observing"


def test_alert_slews_at_once_then_wind_parks_and_holds(
    agent: Callable[..., SchedulerAgent], mount_server: Server, station: Server, site: tuple[dict[str, Any], float]
) -> None:
    a = agent()
    wait_until(lambda: a.weather_hold is None, "the first safe weather reading")
    ra = (site[1] + 8.0) % 360.0
    reply = _send("NEW_ALERT", _alert(ra, 501))
    assert reply["interrupt"] is True, reply
    took = timed_wait_until(lambda: _on(mount_server, ra, -5.0), "the mount on the alert's target", timeout=10)
    assert took < 5.0
    wait_until(lambda: _phase(a) == "observing", "executor observing")

    _write(station, "sm01", 25.0)
    parked = timed_wait_until(lambda: mount_server.system.mount.state is MountState.PARKED, "parked", timeout=5)
    assert parked < 2.0, f"parked after {parked:.2f} s"
    assert a.weather_hold is not None and "wind 25" in a.weather_hold
    goto_at = mount_server.system.lx200.last_goto_at
    held = _send("NEW_ALERT", _alert((site[1] - 8.0) % 360.0, 502))
    assert (held["action"], held["interrupt"], held["reason"]) == ("created", False, "weather hold")
    assert mount_server.system.mount.state is MountState.PARKED
    assert mount_server.system.lx200.last_goto_at == goto_at
    weather = _send("WEATHER")
    assert weather["station"]["safety"]["state"] == "unsafe" and weather["hold"].startswith("unsafe")

    _write(station, "sm01", 2.0)  # safe again: held for PYROS_WEATHER_HOLD_TIME (1 s), then resumed
    wait_until(lambda: a.weather_hold is None, "the end of the hold")
    states = [c["state"] for c in _send("WEATHER")["changes"]]
    assert states[-2:] == ["holding", "safe"]
    wait_until(lambda: mount_server.system.mount.state is MountState.TRACKING, "the mount back at work")
    too = ObservationRequest.objects.filter(alert_id__in=[501, 502]).values_list("alert_id", "state")
    assert dict(too)[502] in ("scheduled", "observing", "pending")


def test_lost_weather_data_parks_the_mount(
    agent: Callable[..., SchedulerAgent], mount_server: Server, station: Server, site: tuple[dict[str, Any], float]
) -> None:
    a = agent()
    wait_until(lambda: a.weather_hold is None, "the first safe weather reading")
    ra = (site[1] + 8.0) % 360.0
    assert _send("NEW_ALERT", _alert(ra, 601))["interrupt"] is True
    wait_until(lambda: _on(mount_server, ra, -5.0), "the mount on the alert's target", timeout=10)
    assert station.stop(5.0)
    wait_until(lambda: mount_server.system.mount.state is MountState.PARKED, "parked after the data loss", timeout=10)
    assert a.weather_hold is not None and "no weather data" in a.weather_hold


def test_slots_end_done_and_the_next_one_follows(
    agent: Callable[..., SchedulerAgent], mount_server: Server, site: tuple[dict[str, Any], float], settings: Any
) -> None:
    settings.PYROS_PLANNER_STEP = 1.0
    settings.PYROS_SETTLE_TIME = 0.0
    settings.PYROS_SLEW_RATE = 30.0
    a = agent(weather=False)
    first = ObservationRequest.objects.create(name="first", ra=(site[1] - 5) % 360, dec=-5.0, duration=3, priority=3)
    second = ObservationRequest.objects.create(name="second", ra=(site[1] + 5) % 360, dec=5.0, duration=3, priority=4)
    _send("Compute schedule")
    assert a.wait_plans_saved(2, WAIT)
    wait_until(lambda: _on(mount_server, second.ra, 5.0), "the mount on the second slot's target")
    wait_until(lambda: ObservationRequest.objects.get(pk=second.pk).state == "done", "the second slot done")
    assert ObservationRequest.objects.get(pk=first.pk).state == "done"
    events = [(e["event"], e["detail"]) for e in _send("TELESCOPE")["history"]]
    assert [e for e, _ in events if e in ("goto", "slot done")] == ["goto", "slot done", "goto", "slot done"]
    assert set(SlotRow.objects.filter(request__in=[first, second]).values_list("state", flat=True)) == {"done"}


def test_refused_goto_fails_the_request(
    agent: Callable[..., SchedulerAgent], mount_server: Server, site: tuple[dict[str, Any], float]
) -> None:
    a = agent(weather=False)
    assert mount_server.l_address is not None
    with socket.create_connection(mount_server.l_address, timeout=5) as sock:  # the horizon at 89 deg
        sock.sendall(b"$set_rates:30,60,89%%%%%")
        assert sock.recv(100).startswith(b"$ok")
    reply = _send("NEW_ALERT", _alert((site[1] + 8.0) % 360.0, 801))
    assert reply["interrupt"] is True
    wait_until(lambda: _phase(a) == "idle", "the executor idle after the refusal")
    events = [(e["event"], e["detail"]) for e in _send("TELESCOPE")["history"]]
    assert ("goto failed", "goto refused (1): Object Below Horizon") in events
    assert ObservationRequest.objects.get(pk=reply["request"]).state == "failed"


def test_unsafe_from_the_start_parks_a_mount_left_pointing(
    agent: Callable[..., SchedulerAgent], mount_server: Server, station: Server, site: tuple[dict[str, Any], float]
) -> None:
    _write(station, "sm01", 25.0)
    ra = (site[1] + 8.0) % 360.0
    assert mount_server.l_address is not None
    with socket.create_connection(mount_server.l_address, timeout=5) as sock:  # someone else slewed it
        sock.sendall(b"".join(c.wire for c in (codec.set_target_ra(ra), codec.set_target_dec(-5.0), codec.goto())))
        replies = b""
        while len(replies) < 3:
            replies += sock.recv(10)
        assert replies == b"110"
    wait_until(lambda: _on(mount_server, ra, -5.0), "the mount pointing before the agent starts", timeout=10)
    a = agent()
    wait_until(lambda: mount_server.system.mount.state is MountState.PARKED, "parked on the first reading", timeout=10)
    assert a.weather_hold is not None and a.weather_hold.startswith("unsafe: wind 25")


def test_a_done_request_does_not_hold_the_telescope(
    agent: Callable[..., SchedulerAgent], site: tuple[dict[str, Any], float]
) -> None:
    agent(weather=False)
    running = _running(site[1], ra_offset=20.0, priority=1, alert_id=7)  # a ToO: equal rank blocks
    ObservationRequest.objects.filter(pk=running.request_id).update(state="done")  # but it was observed
    reply = _send("NEW_ALERT", _alert((site[1] + 8.0) % 360.0, 901))
    assert (reply["interrupt"], reply["reason"]) == (True, "telescope idle"), reply
