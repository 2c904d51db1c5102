"""From alert to telescope, every component real and on loopback (``pipeline.Pipeline``): Comet, the
agents in a ``runagents`` process, the mount and weather-station simulators.

comet-sendvo publishes a Swift BAT packet -> the alert is stored -> NEW_ALERT -> the follow-up is the
slot under way -> the mount points at the alert's position within 5 s. Then the station reports wind
over the limit -> the mount is parked within 2 s; an alert during the hold is stored and queued but
does not move the mount."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from common.sender import Sender
from simulators.mount import MountState

from .pipeline import Pipeline

WAIT = 30.0


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT, pause: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(pause)
    return result


@pytest.fixture
def pipeline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    pipe = Pipeline(tmp_path / "pipeline")
    try:
        pipe.start()
        monkeypatch.setenv("PYROS_AGENT_CONFIG", str(pipe.config))
        yield pipe
    finally:
        Sender.close_all()
        pipe.stop()
    assert pipe.agents is None and pipe.comet is None


def telescope() -> dict[str, Any]:
    return dict(Sender.send_to("scheduler", "TELESCOPE", timeout=5))


def on_target(pipe: Pipeline, ra: float, dec: float) -> bool:
    assert pipe.mount is not None
    system = pipe.mount.system
    p = system.mount.pointing(system.clock())
    ra_off = abs((p.ra_deg - ra + 180.0) % 360.0 - 180.0)
    return system.mount.state is MountState.TRACKING and ra_off < 1 / 60 and abs(p.dec_deg - dec) < 1 / 60


def alert_row(pipe: Pipeline, trigger: str) -> tuple[Any, ...] | None:
    rows = pipe.query(
        "SELECT id, ra, dec, stored_at, sent_at, slew_commanded_at, slew_done_at FROM alert_manager_alert "
        "WHERE trigger_id = ?",
        trigger,
    )
    return rows[0] if rows else None


def test_alert_to_telescope_then_weather_park(pipeline: Pipeline) -> None:
    pipe = pipeline
    assert pipe.mount is not None
    ready = lambda: (v := telescope())["weather_hold"] is None and v["mount"]["connected"]  # noqa: E731
    wait_until(ready, "the scheduler connected to the mount, with safe weather")

    ra, dec = (pipe.meridian + 6.0) % 360.0, -4.0
    published = pipe.publish(ra, dec, "900001")
    wait_until(lambda: on_target(pipe, ra, dec), "the mount on the alert's position", timeout=10)
    assert time.time() - published < 5.0, "alert to telescope took more than 5 s"
    view = wait_until(lambda: (v := telescope())["phase"] == "observing" and v, "the executor observing")
    assert view["target"]["ra"] == pytest.approx(ra, abs=1e-3)
    alert = wait_until(lambda: (row := alert_row(pipe, "900001")) and row[6] and row, "the slew in the alert's audit")
    alert_id, stored, sent, commanded, done = alert[0], alert[3], alert[4], alert[5], alert[6]
    assert sent and stored <= commanded <= done, alert  # sent_at is written once the scheduler replied
    assert view["target"]["alert_id"] == alert_id
    slot = lambda: pipe.query(  # noqa: E731
        "SELECT s.state FROM scheduler_slot s JOIN scheduler_observationrequest r ON r.id = s.request_id "
        "WHERE r.alert_id = ? AND s.schedule_id = (SELECT id FROM scheduler_schedule "
        "ORDER BY night DESC, version DESC LIMIT 1)",
        alert_id,
    )
    wait_until(lambda: slot() == [("observing",)], "the follow-up as the current slot, observing")

    pipe.set_weather("sm01", 25.0)
    windy = time.monotonic()
    wait_until(lambda: pipe.mount.system.mount.state is MountState.PARKED, "the mount parked", timeout=5)  # type: ignore[union-attr]
    assert time.monotonic() - windy < 2.0, "the mount was not parked within 2 s of the wind"
    wait_until(lambda: telescope()["weather_hold"], "the weather hold")
    goto_at = pipe.mount.system.lx200.last_goto_at

    pipe.publish((pipe.meridian - 6.0) % 360.0, 3.0, "900002")
    held = wait_until(lambda: alert_row(pipe, "900002"), "the alert during the hold stored")
    queued = lambda: pipe.query("SELECT state FROM scheduler_observationrequest WHERE alert_id = ?", held[0])  # noqa: E731
    state = wait_until(lambda: queued(), "the alert's request queued")
    assert state[0][0] in ("pending", "scheduled")
    assert pipe.mount.system.mount.state is MountState.PARKED
    assert pipe.mount.system.lx200.last_goto_at == goto_at
    assert telescope()["phase"] == "parked"
