"""The process motion clock: one thread for every line, passes with now/elapsed, ends with the last line."""

from __future__ import annotations

import gc
import threading

from simulators.active_surface.motion import MotionClock


class Recorder:
    def __init__(self, passes: int) -> None:
        self.calls: list[tuple[float, float]] = []
        self.done = threading.Event()
        self.passes = passes

    def motion_step(self, now: float, elapsed: float) -> None:
        self.calls.append((now, elapsed))
        if len(self.calls) >= self.passes:
            self.done.set()


def test_lines_are_stepped_every_period_by_one_thread() -> None:
    clock = MotionClock(period=0.005)
    lines = [Recorder(5) for _ in range(3)]
    for line in lines:
        clock.register(line)
    try:
        assert len([t for t in threading.enumerate() if t.name == "usd-motion"]) == 1
        for line in lines:
            assert line.done.wait(5.0), "a line was not stepped 5 times within 5 s"
        now, elapsed = lines[0].calls[-1]
        assert elapsed > 0 and now > lines[0].calls[0][0]
    finally:
        for line in lines:
            clock.unregister(line)
    assert not [t for t in threading.enumerate() if t.name == "usd-motion"]


def test_a_failing_line_does_not_stop_the_others() -> None:
    class Broken:
        def motion_step(self, now: float, elapsed: float) -> None:
            raise RuntimeError("broken line")

    clock = MotionClock(period=0.005)
    broken, good = Broken(), Recorder(3)
    clock.register(broken)
    clock.register(good)
    try:
        assert good.done.wait(5.0), "the good line stopped being stepped"
    finally:
        clock.unregister(broken)
        clock.unregister(good)


def test_the_thread_ends_when_its_lines_are_garbage_collected() -> None:
    clock = MotionClock(period=0.005)
    line = Recorder(2)
    clock.register(line)
    assert line.done.wait(5.0)
    thread = clock._thread
    assert thread is not None
    del line
    gc.collect()
    thread.join(5.0)
    assert not thread.is_alive(), "the motion thread outlived every line"
