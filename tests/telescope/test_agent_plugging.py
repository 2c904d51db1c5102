"""The mount, ACU and weather endpoints plugged into a real agent through its configuration keys
(``mount = HOST:PORT``, ``acu = HOST:PORT``, ``weather_station = HOST:PORT``): their callbacks run in
the agent's thread."""

from __future__ import annotations

import queue
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

from common import endpoints
from common.agent import Agent
from common.config import AgentAddress
from scheduler import store
from scheduler.acu import AcuEndpoint
from scheduler.acu.track import radec
from scheduler.mount import MountEndpoint, SlewEvent
from scheduler.weather import Safety, SafetyChange, WeatherEndpoint
from simulators import acu
from simulators.mount import MountState
from simulators.server import Server, ThreadingTCPServer


class TelescopeAgent(Agent):
    def __init__(self, address: AgentAddress) -> None:
        super().__init__(address.name, address=address)
        self.seen: queue.Queue[tuple[str, Any, str]] = queue.Queue()

    def _record(self, what: str, value: Any) -> None:
        self.seen.put((what, value, threading.current_thread().name))

    def mount_slew_started(self, event: SlewEvent) -> None:
        self._record("started", event)

    def mount_slew_done(self, event: SlewEvent) -> None:
        self._record("done", event)

    def mount_slew_failed(self, event: SlewEvent) -> None:
        self._record("failed", event)

    def weather_changed(self, change: SafetyChange) -> None:
        self._record("weather", change)

    def next(self, *whats: str, timeout: float = 10.0) -> tuple[Any, str]:
        try:
            while True:
                what, value, thread = self.seen.get(timeout=timeout)
                if what in whats:
                    return value, thread
        except queue.Empty:
            raise AssertionError(f"no {whats} within {timeout} s") from None


def test_configuration_keys_open_both_endpoints(mount_server: Server, station: Server) -> None:
    assert {"mount", "weather_station", "weather_interval"} <= endpoints.known_keys()
    assert mount_server.l_address is not None and station.l_address is not None
    options = {
        "mount": f"127.0.0.1:{mount_server.l_address[1]}",
        "weather_station": f"127.0.0.1:{station.l_address[1]}",
        "weather_interval": "0.1",
    }
    agent = TelescopeAgent(AgentAddress("telescope", "127.0.0.1", 0, options, "test"))
    agent.start()
    try:
        assert agent.wait_ready(5.0)
        mount = next(ep for ep in agent.endpoints if isinstance(ep, MountEndpoint))
        weather = next(ep for ep in agent.endpoints if isinstance(ep, WeatherEndpoint))
        assert weather.interval == 0.1
        change, thread = agent.next("weather")
        assert change.state is Safety.SAFE and thread == "agent-telescope"

        lst = mount_server.system.mount.lst(mount_server.system.clock())
        assert mount.wait_connected(5.0)
        mount.goto((lst - 15.0) % 360.0, -35.0)
        started, thread = agent.next("started", "failed")
        assert started.step == "started" and thread == "agent-telescope"
        done, thread = agent.next("done", "failed")
        assert done.step == "done" and thread == "agent-telescope"
        status = agent.status()
        described = {ep["name"]: ep for ep in status["endpoints"]}
        assert described["mount"]["connected"] is True
        assert described["weather"]["safety"]["state"] == "safe"
    finally:
        agent.stop()


class GuardedAgent(TelescopeAgent):
    """Parks the mount when the weather turns unsafe (what the scheduler's executor will do)."""

    def weather_changed(self, change: SafetyChange) -> None:
        super().weather_changed(change)
        if not change.safe and change.previous is Safety.SAFE:
            mount = next(ep for ep in self.endpoints if isinstance(ep, MountEndpoint))
            mount.park()


def test_wind_over_the_limit_parks_the_mount_within_two_seconds(mount_server: Server, station: Server) -> None:
    assert mount_server.l_address is not None and station.l_address is not None
    options = {
        "mount": f"127.0.0.1:{mount_server.l_address[1]}",
        "weather_station": f"127.0.0.1:{station.l_address[1]}",
        "weather_interval": "0.2",
    }
    agent = GuardedAgent(AgentAddress("guarded", "127.0.0.1", 0, options, "test"))
    agent.start()
    try:
        assert agent.wait_ready(5.0)
        assert agent.next("weather")[0].state is Safety.SAFE
        mount = next(ep for ep in agent.endpoints if isinstance(ep, MountEndpoint))
        assert mount.wait_connected(5.0)
        mount_server.system.mount.set_rates(60.0, 120.0)  # a 21 deg park then takes ~0.9 s
        lst = mount_server.system.mount.lst(mount_server.system.clock())
        mount.goto((lst - 20.0) % 360.0, -50.0)
        assert agent.next("done", "failed")[0].step == "done"

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.settimeout(5.0)
            windy_at = time.time()
            client.sendto(b"w sm01 22.0 20270101000000", station.l_address)
            client.recv(4096)
        change, _ = agent.next("weather")
        assert change.state is Safety.UNSAFE
        park_started, _ = agent.next("started", "failed")
        assert park_started.kind == "park"
        parked, _ = agent.next("done", "failed")
        assert parked.step == "done" and parked.kind == "park"
        assert parked.at - windy_at < 2.0, f"parked {parked.at - windy_at:.2f} s after the wind rose"
        system = mount_server.system
        assert system.mount.pointing(system.clock()).state is MountState.PARKED
    finally:
        agent.stop()


def test_acu_key_plugs_the_acu_into_the_agent() -> None:
    """``acu = HOST:PORT`` (+ ``acu_status_port``): the ACU endpoint's events run in the agent's thread."""
    server = Server(acu, ThreadingTCPServer, {}, l_address=("127.0.0.1", 0), s_address=("127.0.0.1", 0))
    server.start()
    assert server.l_address is not None and server.s_address is not None
    options = {"acu": f"127.0.0.1:{server.l_address[1]}", "acu_status_port": str(server.s_address[1])}
    agent = TelescopeAgent(AgentAddress("radio", "127.0.0.1", 0, options, "test"))
    agent.start()
    try:
        assert agent.wait_ready(5.0)
        antenna = next(ep for ep in agent.endpoints if isinstance(ep, AcuEndpoint))
        assert antenna.wait_connected(5.0)
        antenna.goto(*radec(180.0, 89.5, datetime.now(UTC), store.site()))
        started, thread = agent.next("started", "failed")
        assert started.step == "started" and thread == "agent-radio"
        done, thread = agent.next("done", "failed")
        assert done.step == "done" and thread == "agent-radio"
        described = {ep["name"]: ep for ep in agent.status()["endpoints"]}
        assert described["acu"]["connected"] is True and described["acu"]["axes"]["pt_state"] == 3
    finally:
        agent.stop()
        assert server.stop(5.0)
