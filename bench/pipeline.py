"""Alert to telescope: broker publish -> the mount simulator receives the slew command (``:MS#``).

Run: ``.venv/bin/python bench/run.py pipeline`` (about two minutes). Everything real, on loopback
(``scheduler.tests.pipeline``): a Comet broker, the alert_manager and scheduler agents in a
``runagents`` process with a file SQLite database holding 1,000 pending observation requests, the
mount and weather-station simulators in this process. Each alert is a Swift BAT packet published to
Comet's author port (``alert_manager.publish.publish_vtp``) at a new position near the meridian; it
goes through the VTP endpoint, parse/dedupe/store, NEW_ALERT, the ToO request and the interrupt policy,
the executor and the LX200 client (``:Sr``/``:Sd``/``:MS#``); the time is taken by the simulator when
``:MS#`` arrives. The floor: pygcn (``gcn.listen``, a handler that only timestamps) subscribed to the
same broker in the same run: publish -> a bare subscriber.

One alert at a time: after each, the slew and the re-plan with the 1,000 requests are left to end, then
the request is marked observed (``Observation finished``), so each alert meets a busy queue
but a settled agent. p50/p99 over 100 alerts (after 3 warm-up alerts).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from pathlib import Path
from statistics import quantiles
from typing import Any

ALERTS = int(os.environ.get("BENCH_PIPELINE_ALERTS", "100"))
WARM_UP = 3
PENDING = 1000
TARGET_MS = 100.0


def pct(samples: list[float]) -> tuple[float, float]:
    cuts = quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout} s: {what}")
        time.sleep(0.005)
    return result


class SlewCommands:
    """Times at which the mount simulator received ``:MS#`` (its clock: time.time())."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.cond = threading.Condition()

    def __call__(self, at: float, command: str) -> None:
        if command == ":MS#":
            with self.cond:
                self.times.append(at)
                self.cond.notify_all()

    def wait(self, count: int, timeout: float = 30.0) -> float | None:
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.times) >= count, timeout):
                return None
            return self.times[count - 1]


def position(pipe: Any, n: int) -> tuple[float, float]:
    """Near the meridian (altitude > 60 deg), each alert at least 3 deg from the one before."""
    return (pipe.meridian + ((n % 7) - 3) * 4.0) % 360.0, -15.0 + (n % 5) * 6.0


def main() -> None:
    import django

    os.environ.setdefault("PYROS_PIPELINE_LOG_LEVEL", "WARNING")
    django.setup()
    from alert_manager.publish import publish_vtp
    from bench.alerts import PYGCN, Reference
    from common.sender import Sender
    from scheduler.tests.pipeline import Pipeline, swift_packet

    with tempfile.TemporaryDirectory(prefix="pyros-bench-pipeline-") as tmp:
        pipe = Pipeline(Path(tmp), pending=PENDING, rate=60.0)
        pygcn: Reference | None = None
        try:
            pipe.start()
            os.environ["PYROS_AGENT_CONFIG"] = str(pipe.config)
            assert pipe.comet is not None and pipe.mount is not None
            slews = SlewCommands()
            pipe.mount.system.lx200.listeners.append(slews)
            pygcn = Reference(PYGCN, str(pipe.comet.broadcast_port))

            def telescope() -> dict[str, Any]:
                return dict(Sender.send_to("scheduler", "TELESCOPE", timeout=10))

            wait_for(lambda: (v := telescope())["weather_hold"] is None and v["mount"]["connected"], "scheduler ready")
            wait_for(lambda: not Sender.send_to("scheduler", "STATUS")["scheduler"]["planning"], "first plan")
            ours: list[float] = []
            floor: list[float] = []
            missed = 0
            for n in range(WARM_UP + ALERTS):
                ra, dec = position(pipe, n)
                data = swift_packet(ra, dec, str(800000 + n))
                ivorn = re.search(rb'ivorn="([^"]+)"', data).group(1).decode()  # type: ignore[union-attr]
                count = len(slews.times) + 1
                t0 = time.time()
                publish_vtp("127.0.0.1", pipe.comet.receive_port, data)
                at = slews.wait(count)
                seen = pygcn.wait(ivorn)
                if at is None:
                    missed += 1
                    continue
                if n >= WARM_UP:
                    ours.append(at - t0)
                    floor.append(seen - t0)
                view = wait_for(lambda: (v := telescope())["phase"] == "observing" and v, "the slew over")
                wait_for(lambda: not Sender.send_to("scheduler", "STATUS")["scheduler"]["planning"], "re-plan over")
                Sender.send_to("scheduler", "Observation finished", {"id": view["target"]["request"]})
            report(ours, floor, missed)
        finally:
            Sender.close_all()
            if pygcn is not None:
                pygcn.stop()
            pipe.stop()


def report(ours: list[float], floor: list[float], missed: int) -> None:
    o50, o99 = pct(ours)
    f50, f99 = pct(floor)
    print(f"alert to telescope ({len(ours)} alerts, {PENDING} pending requests, {missed} without a slew)")
    print(f"  publish -> pygcn handler (floor)   p50 {f50:8.1f} ms   p99 {f99:8.1f} ms")
    print(f"  publish -> mount gets :MS#         p50 {o50:8.1f} ms   p99 {o99:8.1f} ms   ratio p50 {o50 / f50:.1f}x")
    verdict = "met" if o50 < TARGET_MS else "NOT met"
    print(f"  target p50 < {TARGET_MS:.0f} ms: {verdict}; pyros above the floor: p50 {o50 - f50:.1f} ms")


if __name__ == "__main__":
    main()
