"""Mount simulator: one axis with a finite rate and acceleration."""

from __future__ import annotations

import pytest

from simulators.mount.motion import move_to, still, stop

RATE, ACCEL = 5.0, 5.0


def test_long_move_is_a_trapezoid() -> None:
    move = move_to(0.0, 0.0, 0.0, 90.0, RATE, ACCEL)
    assert move.end == pytest.approx(19.0)  # 1 s up, 17 s at 5 deg/s, 1 s down
    assert move.at(0.5) == pytest.approx((0.625, 2.5))
    assert move.at(10.0) == pytest.approx((47.5, 5.0))
    assert move.at(18.5) == pytest.approx((89.375, 2.5))
    assert move.at(19.0) == (90.0, 0.0)
    assert move.at(100.0) == (90.0, 0.0)


def test_short_move_never_reaches_the_maximum_rate() -> None:
    move = move_to(10.0, 0.0, 0.0, -1.0, RATE, ACCEL)
    peak_time = 10.0 + (1.0 / ACCEL) ** 0.5
    assert move.end == pytest.approx(10.0 + 2 * (1.0 / ACCEL) ** 0.5)
    position, speed = move.at(peak_time)
    assert position == pytest.approx(-0.5)
    assert speed == pytest.approx(-(ACCEL**0.5))


@pytest.mark.parametrize("t", [0.1 * i for i in range(200)])
def test_speed_and_acceleration_stay_within_limits(t: float) -> None:
    move = move_to(0.0, 0.0, 0.0, 60.0, RATE, ACCEL)
    p0, v0 = move.at(t)
    p1, v1 = move.at(t + 0.01)
    assert abs(v0) <= RATE + 1e-9
    assert abs(v1 - v0) <= ACCEL * 0.01 + 1e-9
    assert abs(p1 - p0) <= RATE * 0.01 + 1e-9


def test_new_target_behind_a_moving_axis_brakes_first() -> None:
    first = move_to(0.0, 0.0, 0.0, 90.0, RATE, ACCEL)
    position, speed = first.at(3.0)
    second = move_to(3.0, position, speed, 2.0, RATE, ACCEL)
    assert len(second.segments) == 2
    assert second.at(4.0) == pytest.approx((15.0, 0.0))  # braked from 5 deg/s in 1 s, 2.5 deg further
    assert second.at(second.end) == (2.0, 0.0)


def test_new_target_ahead_keeps_the_speed() -> None:
    first = move_to(0.0, 0.0, 0.0, 90.0, RATE, ACCEL)
    position, speed = first.at(5.0)
    second = move_to(5.0, position, speed, 60.0, RATE, ACCEL)
    assert len(second.segments) == 1
    assert second.at(5.5)[1] == pytest.approx(RATE)


def test_stop_brakes_at_the_acceleration() -> None:
    move = move_to(0.0, 0.0, 0.0, 90.0, RATE, ACCEL)
    stopped = stop(5.0, move, ACCEL)
    assert stopped.end == pytest.approx(6.0)
    assert stopped.at(7.0) == pytest.approx((22.5 + 2.5, 0.0))


def test_still_axis_stays() -> None:
    assert still(0.0, 12.0).at(50.0) == (12.0, 0.0)
