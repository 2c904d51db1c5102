"""From alert to telescope, every component real and on loopback (``pipeline.Pipeline``): Comet, the
agents in a ``runagents`` process, the mount and weather-station simulators; run once with the LX200
mount (optical) and once with the SRT ACU (radio: program track, stow) as the telescope.

comet-sendvo publishes a Swift BAT packet -> the alert is stored -> NEW_ALERT -> the follow-up is the
slot under way -> the mount points at the alert's position within 5 s. Then the station reports wind
over the limit -> the mount is parked within 2 s (the ACU: its stow is commanded within 2 s and done at
its elevation rate); an alert during the hold is stored and queued but does not move the mount.

The ACU keeps DISCOS's dynamics (0.5 deg/s in elevation, stow at 0.25 deg/s), so its alert is placed
1 deg from the stow position (elevation 89): the slew takes 2 s, the stow 4 s."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from common.sender import Sender
from common.testing import wait_until as _wait_until
from scheduler.acu.track import radec
from scheduler.planner.types import Site
from simulators.mount import MountState

from .pipeline import Pipeline

WAIT = 30.0
wait_until = functools.partial(_wait_until, timeout=WAIT, pause=0.01)


@pytest.fixture(params=["lx200", "acu"])
def pipeline(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    pipe = Pipeline(tmp_path / "pipeline", kind=request.param)
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


def site(pipe: Pipeline) -> Site:
    return Site(**pipe.site)


def on_target(pipe: Pipeline, ra: float, dec: float) -> bool:
    assert pipe.mount is not None
    system = pipe.mount.system
    if pipe.kind == "acu":
        if system.PS.ptState != 3 or system.AZ.axis_trajectory_state != 7 or system.EL.stowed:
            return False
        ra_now, dec_now = radec(system.AZ.p_Ist / 1e6, system.EL.p_Ist / 1e6, datetime.now(UTC), site(pipe))
        ra_off = abs((ra_now - ra + 180.0) % 360.0 - 180.0) * math.cos(math.radians(dec))
        return ra_off < 1 / 60 and abs(dec_now - dec) < 1 / 60
    p = system.mount.pointing(system.clock())
    ra_off = abs((p.ra_deg - ra + 180.0) % 360.0 - 180.0)
    return system.mount.state is MountState.TRACKING and ra_off < 1 / 60 and abs(p.dec_deg - dec) < 1 / 60


def alert_position(pipe: Pipeline) -> tuple[float, float]:
    """Where the first alert is: 6 deg east of the meridian for the LX200; for the ACU, 1 deg from its
    stow position (azimuth 180.3, elevation 89) so that DISCOS's rates slew there in 2 s."""
    if pipe.kind == "acu":
        return radec(180.3, 89.0, datetime.now(UTC), site(pipe))
    return (pipe.meridian + 6.0) % 360.0, -4.0


def parking(pipe: Pipeline) -> bool:
    """The park was commanded (the ACU: its elevation drives to stow or is stowed)."""
    assert pipe.mount is not None
    system = pipe.mount.system
    if pipe.kind == "acu":
        return system.EL.executed_mode_command == 52
    return system.mount.state in (MountState.PARKING, MountState.PARKED)


def parked(pipe: Pipeline) -> bool:
    assert pipe.mount is not None
    system = pipe.mount.system
    if pipe.kind == "acu":
        return system.EL.stowed and system.EL.p_Ist == 90_000_000 and system.EL.executed_mode_command_answer == 1
    return system.mount.state is MountState.PARKED


def last_goto(pipe: Pipeline) -> Any:
    """What changes when the mount is sent somewhere: the LX200's last goto time, the ACU's table."""
    assert pipe.mount is not None
    system = pipe.mount.system
    return system.PS.pt_command_id if pipe.kind == "acu" else system.lx200.last_goto_at


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

    ra, dec = alert_position(pipe)
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
    if pipe.kind == "acu":
        wait_until(lambda: parking(pipe), "the ACU's stow commanded", timeout=5)
        assert time.monotonic() - windy < 2.0, "the stow was not commanded within 2 s of the wind"
        wait_until(lambda: parked(pipe), "the antenna stowed", timeout=10)
    else:
        wait_until(lambda: parked(pipe), "the mount parked", timeout=5)
        assert time.monotonic() - windy < 2.0, "the mount was not parked within 2 s of the wind"
    wait_until(lambda: telescope()["weather_hold"], "the weather hold")
    goto_at = last_goto(pipe)

    pipe.publish((pipe.meridian - 6.0) % 360.0, 3.0, "900002")
    held = wait_until(lambda: alert_row(pipe, "900002"), "the alert during the hold stored")
    queued = lambda: pipe.query("SELECT state FROM scheduler_observationrequest WHERE alert_id = ?", held[0])  # noqa: E731
    state = wait_until(lambda: queued(), "the alert's request queued")
    assert state[0][0] in ("pending", "scheduled")
    assert parked(pipe)
    assert last_goto(pipe) == goto_at
    wait_until(lambda: telescope()["phase"] == "parked", "the executor parked")
