"""One USD driver: registers, per-driver command effects, motion model and quirks (spec §3.7-3.11)."""

from __future__ import annotations

import pytest

from simulators.active_surface.usd import POSITION_LIMIT, ROTATE_TARGET, STANDBY_DELAY_UNIT, USD

TICK = 0.01


def run(driver: USD, passes: int, start: float = 100.0, elapsed: float = TICK) -> float:
    now = start
    for _ in range(passes):
        now += elapsed
        driver.step(now, elapsed)
    return now


def test_defaults() -> None:
    driver = USD()
    assert driver.status_bytes() == bytes([0x00, 0x20, 0x11])
    assert driver.version_byte() == b"\x13"  # quirk Q8: 1 + 3 + 0x0F
    assert driver.driver_type_byte() == b"\x21"
    assert driver.position_bytes() == bytes(4)
    assert (driver.min_frequency, driver.max_frequency, driver.delay_multiplier) == (20, 10000, 5)
    assert (driver.slope_delayer, driver.baud_rate, driver.current, driver.full_current) == (1, 9600, 100, True)


@pytest.mark.parametrize(
    ("setter", "value", "accepted"),
    [
        pytest.param("set_min_frequency", 19, False, id="min-below-20"),
        pytest.param("set_min_frequency", 20, True, id="min-20"),
        pytest.param("set_min_frequency", 10000, True, id="min-equal-max"),
        pytest.param("set_min_frequency", 10001, False, id="min-above-10000"),
        pytest.param("set_min_frequency", -5, False, id="min-negative"),
        pytest.param("set_max_frequency", 20, True, id="max-equal-min"),
        pytest.param("set_max_frequency", 19, False, id="max-below-min"),
        pytest.param("set_max_frequency", 10001, False, id="max-above-10000"),
        pytest.param("set_velocity", 100_001, False, id="velocity-too-fast"),
        pytest.param("set_velocity", -100_000, True, id="velocity-max"),
        pytest.param("set_velocity", 9, False, id="velocity-too-slow-fixed-resolution"),
        pytest.param("set_velocity", -9, False, id="velocity-too-slow-negative"),
        pytest.param("set_velocity", 10, True, id="velocity-10"),
        pytest.param("set_velocity", 0, True, id="velocity-0"),
    ],
)
def test_validated_setters(setter: str, value: int, accepted: bool) -> None:
    assert getattr(USD(), setter)(value) is accepted


def test_min_frequency_cannot_exceed_the_current_max() -> None:
    driver = USD()
    assert driver.set_max_frequency(500)
    assert not driver.set_min_frequency(501)
    assert driver.set_min_frequency(500)
    assert not driver.set_max_frequency(499)


def test_slow_velocity_is_allowed_in_auto_resolution() -> None:
    driver = USD()
    driver.set_resolution(8)
    assert driver.set_velocity(5)


@pytest.mark.parametrize(
    ("value", "status_byte_2"),
    [
        pytest.param(0, 0x10, id="full-step"),
        pytest.param(7, 0x17, id="1/128"),
        pytest.param(8, 0x18, id="auto"),
        pytest.param(0x10, 0x18, id="q6-0x10-is-auto"),
        pytest.param(0xFF, 0x18, id="q6-0xff-is-auto"),
    ],
)
def test_resolution(value: int, status_byte_2: int) -> None:
    driver = USD()
    driver.set_resolution(value)
    assert driver.status_bytes()[2] == status_byte_2


@pytest.mark.parametrize(
    ("value", "status_byte_1"),
    [
        pytest.param(0x7F, 0x77, id="all-outputs-high"),
        pytest.param(0x07, 0x00, id="inputs-keep-no-value"),
        pytest.param(0x55, 0x55, id="line-0-and-2"),
        pytest.param(0x25, 0x20, id="value-only-on-outputs"),
        pytest.param(0x88, 0x00, id="bits-3-and-7-ignored"),
    ],
)
def test_io_pins(value: int, status_byte_1: int) -> None:
    driver = USD()
    driver.set_io_pins(value)
    assert driver.status_bytes()[1] == status_byte_1


@pytest.mark.parametrize(
    ("value", "config"),
    [pytest.param(0x3F, (7, 7), id="all"), pytest.param(0x3A, (2, 2), id="levels-only-if-enabled")],
)
def test_io_configuration_keeps_levels_only_where_enabled(value: int, config: tuple[int, int]) -> None:
    driver = USD()
    driver.set_stop_io(value)
    driver.set_positioning_io(value)
    driver.set_home_io(value)
    assert driver.stop_io == driver.positioning_io == driver.home_io == config


def test_simple_registers() -> None:
    driver = USD()
    driver.set_slope_delayer(4)
    driver.set_working_mode(0x01)
    driver.set_current_reduction(0b10_000011)
    assert (driver.slope_delayer, driver.baud_rate, driver.reduction) == (5, 19200, 25)
    assert driver.standby_delay == pytest.approx(3 * STANDBY_DELAY_UNIT)
    driver.set_working_mode(0xFE)
    driver.set_current_reduction(0b01_000000)
    assert (driver.baud_rate, driver.reduction) == (9600, 0)


def test_absolute_move_uses_the_reference_and_reaches_its_target() -> None:
    driver = USD()
    driver.set_reference_position(1000)
    assert driver.set_absolute_position(280)
    assert driver.status_bytes()[2] & 0x80 == 0  # running is only set by the loop
    run(driver, 1)
    # default: 10000 Hz, 1/2 step -> 10000 * 128 / 2 * 0.01 = 6400 units per pass: overshoot, snap to target
    assert (driver.position, driver.target, driver.running) == (1280, None, False)


def test_motion_step_size_and_rounding() -> None:
    driver = USD()
    driver.set_velocity(-1000)
    run(driver, 2)
    assert driver.position == -1280  # 1000 * 128 / 2 * 0.01 = 640 per pass
    assert driver.status_bytes()[2] & 0x80
    driver.set_resolution(7)
    driver.step(200.0, 0.0003)  # 1000 * 128 / 128 * 0.0003 = 0.3 -> 0
    assert driver.position == -1280
    driver.step(200.1, 0.0025)  # 2.5 -> 2 (round half to even)
    assert driver.position == -1282


def test_immediate_moves_are_refused_while_running() -> None:
    driver = USD()
    driver.set_absolute_position(POSITION_LIMIT)
    run(driver, 1)
    assert driver.running
    assert not driver.set_absolute_position(0)
    assert not driver.set_relative_position(5)
    assert not driver.rotate(1)
    assert driver.set_velocity(50)  # allowed while running, clears the target
    assert driver.target is None


def test_positions_are_clamped_at_the_limits_and_rotate_never_arrives() -> None:
    driver = USD()
    assert driver.rotate(-3)
    assert driver.target == -ROTATE_TARGET
    run(driver, 500)
    assert (driver.position, driver.running) == (-POSITION_LIMIT, True)
    assert driver.soft_stop()
    run(driver, 1)
    assert not driver.running


def test_q7_rotate_zero_goes_to_absolute_zero_ignoring_the_reference() -> None:
    driver = USD()
    driver.set_reference_position(500)
    driver.set_relative_position(3000)
    run(driver, 1)
    assert driver.rotate(0)
    run(driver, 1)
    assert driver.position == 0


def test_q4_a_move_to_the_current_position_runs_forever() -> None:
    driver = USD()
    assert driver.set_relative_position(0)
    run(driver, 20)
    assert driver.running
    assert not driver.set_absolute_position(100)
    driver.set_velocity(0)
    run(driver, 1)
    assert not driver.running


def test_standby_reduces_the_current_after_the_delay() -> None:
    driver = USD()
    driver.set_current_reduction(0b11_000010)  # 50 %, 2 x 4.096 ms
    driver.set_relative_position(100)
    now = run(driver, 1)
    assert (driver.running, driver.standby, driver.full_current) == (False, False, True)
    driver.step(now + 0.005, 0.005)
    assert not driver.standby
    driver.step(now + 0.009, 0.004)
    assert (driver.standby, driver.current, driver.full_current) == (True, 50, False)
    assert driver.status_bytes()[2] & 0x10 == 0


def test_q1_any_value_enables_delayed_mode_until_reset() -> None:
    driver = USD()
    driver.set_delayed_execution(0x00)
    assert driver.delayed
    assert driver.set_absolute_position(10)  # queued, never NAK
    assert driver.target is None and driver.ready
    driver.soft_reset()
    assert not driver.delayed


def test_trigger_pops_in_fifo_order_and_clears_ready() -> None:
    driver = USD()
    driver.set_delayed_execution(0x80)
    driver.set_absolute_position(100)
    driver.set_absolute_position(200)
    assert driver.soft_trigger() and driver.target == 100 and driver.ready
    assert driver.soft_trigger() and driver.target == 200 and not driver.ready
    assert driver.soft_trigger() and driver.target == 200  # not ready: nothing happens, still ACK


def test_q3_relative_entries_count_the_enqueue_position_twice() -> None:
    driver = USD()
    driver.set_relative_position(1000)
    run(driver, 1)
    driver.set_delayed_execution(0x80)
    driver.set_relative_position(10)  # queued as 1000 + 10
    assert driver.soft_trigger()
    assert driver.target == 1000 + 1010


def test_trigger_while_moving_at_a_velocity_drops_the_entry() -> None:
    driver = USD()
    driver.set_velocity(100)
    driver.set_delayed_execution(0x80)
    driver.set_absolute_position(5)
    assert driver.soft_trigger()
    assert driver.target is None and not driver.ready


def test_q2_fixed_trigger_with_an_emptied_queue_answers_nak_instead_of_hanging() -> None:
    driver = USD()
    driver.set_delayed_execution(0x80)
    driver.set_absolute_position(5)
    driver.set_delayed_execution(0x80)  # empties the queue, leaves ready set
    assert driver.ready and not driver.queue
    assert driver.soft_trigger() is False
    assert not driver.ready
    assert driver.soft_trigger() is True


def test_soft_reset_keeps_the_last_movement_time() -> None:
    driver = USD()
    driver.set_current_reduction(0x3F)
    driver.set_relative_position(10)
    run(driver, 1)
    assert driver.last_movement is not None
    driver.set_response_delay(255)
    driver.soft_reset()
    assert driver.last_movement is not None
    assert driver.delay_multiplier == 5 and driver.status_bytes() == bytes([0x00, 0x20, 0x11])
