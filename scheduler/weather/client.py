"""The agent's weather-station endpoint: polls the station over UDP, keeps the safety state in the
agent's thread.

Every ``interval`` seconds its thread reads the four sensors the safety needs (``sm01`` average wind,
``sx01`` gusts, ``ri01`` rain rate, ``ua01`` humidity: one ``r <id>`` datagram each) and, if all four
answer within ``reply_timeout``, hands the :class:`WeatherSample` to the agent with ``agent.call_soon``.
In the agent's thread the sample updates the :class:`WeatherSafety`; then ``on_sample(sample)`` and, when
the state changes, ``on_change(change)`` are called. After each round, answered or not, the safety is
also ticked in the agent's thread, so that a silent station turns unsafe after ``data_timeout``.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import scheduler.weather.codec as codec
from scheduler.weather.exceptions import WeatherCallerError, WeatherPeerError
from scheduler.weather.safety import SafetyChange, SafetyLimits, WeatherSafety, WeatherSample

logger = logging.getLogger("pyros.scheduler.weather")

SENSORS = {"wind_speed": "sm01", "wind_gust": "sx01", "rain_rate": "ri01", "humidity": "ua01"}
"""Sample field -> station sensor id."""
DEFAULT_INTERVAL = 5.0
"""Seconds between two readings of the station."""


class CallSoon(Protocol):
    def call_soon(self, callback: Callable[..., Any], *args: Any) -> Any: ...


class WeatherEndpoint:
    """UDP client of one weather station, for one agent (Endpoint protocol: start/stop/describe)."""

    def __init__(
        self,
        agent: CallSoon,
        host: str,
        port: int,
        *,
        name: str = "weather",
        safety: WeatherSafety | None = None,
        on_sample: Callable[[WeatherSample], None] | None = None,
        on_change: Callable[[SafetyChange], None] | None = None,
        interval: float = DEFAULT_INTERVAL,
        reply_timeout: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if interval <= 0 or reply_timeout <= 0:
            raise WeatherCallerError("interval and reply_timeout must be positive")
        self.agent, self.address, self.name = agent, (host, int(port)), name
        self.safety = safety or WeatherSafety(SafetyLimits(), clock())
        self.on_sample, self.on_change = on_sample, on_change
        self.interval, self.reply_timeout, self.clock = interval, reply_timeout, clock
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.rounds = self.complete_rounds = 0
        self.last_error = ""

    # --- Endpoint protocol ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"{self.name} station client", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            counters = {"rounds": self.rounds, "complete_rounds": self.complete_rounds, "last_error": self.last_error}
        return {
            "name": self.name,
            "address": f"{self.address[0]}:{self.address[1]}",
            "interval": self.interval,
            **counters,
            "safety": self.safety.describe(),
        }

    # --- the polling thread -----------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._poll_forever()
        except Exception:
            logger.exception("%s: polling loop crashed", self.name)

    def _poll_forever(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(self.address)  # replies from anywhere else are not ours
            next_round = time.monotonic()
            while not self._stopping.wait(max(0.0, next_round - time.monotonic())):
                sample = self._poll(sock)
                next_round = max(next_round + self.interval, time.monotonic())  # a slow round delays, never bunches
                if sample is not None:
                    self.agent.call_soon(self._apply_sample, sample)
                self.agent.call_soon(self._apply_tick)

    def _poll(self, sock: socket.socket) -> WeatherSample | None:
        """One round: ask every sensor, collect the replies until all are in or the timeout."""
        self._drain(sock)
        wanted = {sensor: field for field, sensor in SENSORS.items()}
        values: dict[str, float] = {}
        error = ""
        try:
            for sensor in wanted:
                sock.send(codec.read_request(sensor))
            deadline = time.monotonic() + self.reply_timeout
            while len(values) < len(wanted) and (left := deadline - time.monotonic()) > 0:
                sock.settimeout(left)
                try:
                    reading = codec.parse_reply(sock.recv(codec.MAX_REPLY + 1))
                except WeatherPeerError as exc:
                    error = str(exc)
                    continue
                if reading.sensor in wanted and codec.usable(reading.value):
                    values[wanted[reading.sensor]] = reading.value
        except TimeoutError:
            pass
        except OSError as exc:  # e.g. the station's port is closed (ICMP port unreachable)
            error = f"station unreachable: {exc}"
        complete = len(values) == len(wanted)
        if not complete and not error:
            error = f"no reply for {sorted(set(SENSORS) - set(values))} within {self.reply_timeout:g} s"
        with self._lock:
            if error and error != self.last_error:
                logger.info("%s: %s", self.name, error)
            self.rounds += 1
            self.complete_rounds += complete
            self.last_error = "" if complete else error
        return WeatherSample(self.clock(), **values) if complete else None

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        """Forget late replies of an earlier round."""
        sock.setblocking(False)
        try:
            while True:
                sock.recv(codec.MAX_REPLY + 1)
        except OSError:  # nothing left (BlockingIOError) or a pending ICMP error
            pass
        finally:
            sock.setblocking(True)

    # --- in the agent's thread --------------------------------------------------------------------
    def _apply_sample(self, sample: WeatherSample) -> None:
        change = self.safety.update(sample, self.clock())
        if self.on_sample is not None:
            self.on_sample(sample)
        if change is not None and self.on_change is not None:
            self.on_change(change)

    def _apply_tick(self) -> None:
        change = self.safety.tick(self.clock())
        if change is not None and self.on_change is not None:
            self.on_change(change)
