"""What a status says of the endpoint's commands (``scheduler.acu.progress``), with statuses packed by
the ACU simulator's own System after it parsed our encoder's bytes (no sockets)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from scheduler.acu import AZIMUTH, ELEVATION, POINTING, CommandEncoder, Message, Tracker, decode_status
from scheduler.acu.progress import axes_view, latest, on_target, refusal, settled, stowed
from scheduler.acu.track import mjd, radec
from scheduler.planner.types import Site
from simulators import acu


@pytest.fixture
def system() -> Iterator[acu.System]:
    simulator = acu.System()
    yield simulator
    simulator.system_stop()


def feed(system: acu.System, message: Message) -> None:
    for value in message.wire:
        system.parse(bytes([value]))


def test_refused_then_settled(system: acu.System) -> None:
    encoder = CommandEncoder(clock=lambda: 100)
    track = encoder.mode("program_track", 0.0, 0.5)  # the axes are inactive at start: wrong mode
    feed(system, track)
    status = decode_status(system.pack())
    assert refusal(status, track.counters[ELEVATION]) == "wrong mode"
    active = encoder.mode("active")
    unstow = encoder.mode("unstow", axes=(ELEVATION,))
    feed(system, active)
    feed(system, unstow)
    status = decode_status(system.pack())
    assert refusal(status, active.counters[AZIMUTH]) is None
    assert settled(status, AZIMUTH, active.counters[AZIMUTH])
    assert not settled(status, AZIMUTH, unstow.counters[ELEVATION] + 5)  # not sent yet
    assert settled(status, ELEVATION, active.counters[ELEVATION])  # its blocks now hold the unstow
    assert status.answer_to(active.counters[ELEVATION]) is None
    assert latest(status, ELEVATION) == unstow.counters[ELEVATION] and latest(status, POINTING) == 0
    assert axes_view(status)["elevation"]["stowed"] is False


def test_on_target_and_stowed(system: acu.System) -> None:
    site = Site("s", 0.0, 0.0)
    encoder = CommandEncoder(clock=lambda: 100)
    feed(system, encoder.mode("active"))
    stow = encoder.mode("drive_to_stow", 0.0, 0.25, axes=(ELEVATION,))
    feed(system, stow)  # already at the stow position: done at once
    status = decode_status(system.pack())
    assert stowed(status, stow.counters[ELEVATION]) and not stowed(status, stow.counters[ELEVATION] - 1)
    now = datetime.now(UTC)
    tracker = Tracker(*radec(200.0, 60.0, now, site), site, now, 1.0)
    assert not on_target(status, tracker, 0.01)  # no program track running
    # the antenna put where the target is, then the table loaded: on target at once
    azimuth, elevation = tracker.at([0.0])
    system.AZ.p_Ist = round(float(azimuth[0]) * 1e6)
    system.EL.p_Ist = round(float(elevation[0]) * 1e6)
    feed(system, encoder.mode("unstow", axes=(ELEVATION,)))
    points = tracker.next_points(5, near=float(azimuth[0]))
    feed(system, encoder.program_track(mjd(tracker.start), points, (0.85, 0.5)))
    feed(system, encoder.mode("program_track", 0.0, 0.5))
    system.update()
    status = decode_status(system.pack())
    assert status.pt_state == 3 and on_target(status, tracker, 0.01)
    elsewhere = Tracker(*radec(200.0, 59.9, now, site), site, now, 1.0)
    assert not on_target(status, elsewhere, 0.01)
