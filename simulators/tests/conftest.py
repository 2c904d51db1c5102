"""Fixtures shared by the simulator tests: every test must leave no thread behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from simulators.active_surface import System as ActiveSurface
from simulators.tests.helpers import ManualClock


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    for thread in threading.enumerate():
        if thread not in before:
            thread.join(max(0.0, deadline - time.monotonic()))
    left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not left, f"threads left behind by the test: {left}"


@pytest.fixture
def line() -> Iterator[ActiveSurface]:
    """A standard Active Surface line (drivers 1..17), no reset delay, moved by hand (``line.motion_step``)."""
    system = ActiveSurface(min_usd_index=1, max_usd_index=17, driver_reset_delay=0, clock=ManualClock())
    yield system
    system.system_stop()
