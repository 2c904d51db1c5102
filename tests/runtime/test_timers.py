"""TimerQueue (pure, with a fake clock) and the agent's call_soon / call_later / call_every, in real threads."""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

import pytest

from common.agent import Agent
from common.sender import Sender
from common.timers import TimerQueue

from .conftest import loopback

WAIT = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_timers_fire_in_deadline_order_and_cancelled_ones_never() -> None:
    clock = FakeClock()
    timers = TimerQueue(clock)
    fired: list[str] = []
    timers.add(0.3, fired.append, ("c",))
    timers.add(0.1, fired.append, ("a",))
    cancelled = timers.add(0.2, fired.append, ("x",))
    timers.add(0.2, fired.append, ("b",))
    cancelled.cancel()
    assert timers.next_deadline() == pytest.approx(100.1)
    clock.now = 100.25
    for handle in timers.pop_due():
        handle.callback(*handle.args)
    assert fired == ["a", "b"]
    clock.now = 101
    for handle in timers.pop_due():
        handle.callback(*handle.args)
    assert fired == ["a", "b", "c"] and len(timers) == 0


def test_a_periodic_timer_stays_on_its_grid_over_100_late_ticks() -> None:
    clock = FakeClock()
    timers = TimerQueue(clock)
    handle = timers.add(0.5, lambda: None, (), interval=0.5)
    ticks = 0
    for n in range(1, 101):
        clock.now = 100.0 + n * 0.5 + 0.37  # every tick is served 370 ms late
        due = timers.pop_due()
        ticks += len(due)
        # The next deadline is the previous one plus the interval, whatever the lateness.
        assert handle.deadline == pytest.approx(100.0 + (n + 1) * 0.5)
    assert ticks == 100


def test_ticks_missed_while_busy_are_skipped_not_bunched() -> None:
    clock = FakeClock()
    timers = TimerQueue(clock)
    handle = timers.add(1.0, lambda: None, (), interval=1.0)
    clock.now = 100.0 + 5.5  # five deadlines passed while the thread was busy
    assert len(timers.pop_due()) == 1
    assert handle.deadline == pytest.approx(106.0)  # still on the grid


class TimerAgent(Agent):
    def __init__(self, name: str = "timers") -> None:
        super().__init__(name, address=loopback(name))
        self.events: queue.Queue[tuple[str, Any, threading.Thread]] = queue.Queue()
        self.actions_by_message = {"Later": self.later}

    def record(self, what: str, value: Any = None) -> None:
        self.events.put((what, value, threading.current_thread()))

    def later(self, message: Any) -> str:
        self.call_later(message.params["delay"], self.record, "later", message.params["delay"])
        return "scheduled"

    def next_event(self) -> tuple[str, Any, threading.Thread]:
        try:
            return self.events.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"agent {self.name}: no callback ran within {WAIT} s") from None


def test_call_soon_from_other_threads_runs_in_the_agent_thread_in_order(start_agent) -> None:
    agent = start_agent(TimerAgent())
    for i in range(50):
        agent.call_soon(agent.record, "soon", i)
    got = [agent.next_event() for _ in range(50)]
    assert [value for _, value, _ in got] == list(range(50))
    assert {thread.name for _, _, thread in got} == {"agent-timers"}


def test_call_later_waits_its_delay_and_cancel_stops_it(start_agent) -> None:
    agent = start_agent(TimerAgent())
    cancelled = agent.call_later(0.05, agent.record, "cancelled")
    t0 = time.monotonic()
    agent.call_later(0.1, agent.record, "later")
    cancelled.cancel()
    what, _, thread = agent.next_event()
    assert what == "later" and time.monotonic() - t0 >= 0.1 and thread.name == "agent-timers"
    assert agent.events.empty()


def test_a_timer_set_by_a_handler_fires(start_agent) -> None:
    agent = start_agent(TimerAgent())
    assert Sender.send_to("timers", "Later", {"delay": 0.02}) == "scheduled"
    assert agent.next_event()[:2] == ("later", 0.02)


def test_call_every_ticks_on_time_100_times(start_agent) -> None:
    agent = start_agent(TimerAgent())
    interval = 0.005
    t0 = time.monotonic()
    handle = agent.call_every(interval, lambda: agent.record("tick", time.monotonic()))
    times = [agent.next_event()[1] for _ in range(100)]
    handle.cancel()
    # On the grid: tick n never comes before t0 + n * interval, and lateness does not accumulate
    # (a timer re-armed from "now" would fall behind by its overhead at every tick).
    lateness = [t - (t0 + (n + 1) * interval) for n, t in enumerate(times)]
    assert min(lateness) >= -0.001
    assert times[-1] - t0 < 100 * interval + 0.25, f"100 ticks took {times[-1] - t0:.3f} s"


def test_a_raising_callback_is_counted_and_the_agent_and_its_timers_go_on(start_agent) -> None:
    agent = start_agent(TimerAgent())
    ticks = agent.call_every(0.01, agent.record, "tick")

    def boom() -> None:
        raise RuntimeError("callback failed")

    agent.call_soon(boom)
    agent.call_later(0.01, boom)
    seen = 0
    while seen < 5:
        assert agent.next_event()[0] == "tick"
        seen += 1
    ticks.cancel()
    assert agent.stats.errors == 2 and "callback failed" in (agent.stats.last_error or "")
    assert Sender.send_to("timers", "PING") == "PONG"


def test_timers_end_with_the_agent(start_agent) -> None:
    agent = start_agent(TimerAgent())
    agent.call_every(0.01, agent.record, "tick")
    agent.call_later(60, agent.record, "never")
    agent.stop()
    assert agent.status()["timers"] == 0


def test_call_every_needs_a_positive_interval() -> None:
    agent = TimerAgent()
    with pytest.raises(ValueError, match="positive"):
        agent.call_every(0, agent.record)
    with pytest.raises(TypeError, match="not callable"):
        agent.call_later(1, "print")


def test_a_timer_set_from_another_thread_while_the_agent_falls_asleep_still_fires(start_agent) -> None:
    # Each timer is set while the agent is idle (no timer pending: it is about to sleep without a
    # timeout); a lost wake-up would leave it asleep and this loop waiting.
    agent = start_agent(TimerAgent())
    for i in range(300):
        agent.call_later(0.0005 * (i % 3), agent.record, "later", i)
        assert agent.next_event()[1] == i
