"""Byte helpers, time helpers and multi-type discovery (DISCOS ``simulators.utils``)."""

from __future__ import annotations

import queue
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulators import utils

MJD = 58138.43802199074


def test_checksum() -> None:
    assert utils.checksum("\xfc\x21\x13") == "\xcf"
    assert utils.checksum(b"\xfa\x22\x10") == "\xd3"
    assert utils.checksum("fooo") == "L"


@pytest.mark.parametrize(
    ("call", "result"),
    [
        pytest.param(lambda: utils.binary_complement("11010110"), "00101001", id="complement"),
        pytest.param(lambda: utils.binary_complement("10110", "10111"), "00001", id="complement-mask"),
        pytest.param(lambda: utils.twos_to_int("11111011"), -5, id="twos-negative"),
        pytest.param(lambda: utils.twos_to_int("00000111"), 7, id="twos-positive"),
        pytest.param(lambda: utils.int_to_twos(5), "0" * 29 + "101", id="int-to-twos"),
        pytest.param(lambda: utils.int_to_twos(-1625, 2), "1111100110100111", id="int-to-twos-2"),
        pytest.param(lambda: utils.binary_to_bytes("0110100001100101", False), b"he", id="binary-to-bytes"),
        pytest.param(lambda: utils.bytes_to_binary(b"hi", little_endian=False), "0110100001101001", id="to-binary"),
        pytest.param(lambda: utils.bytes_to_int(b"hello", False), 448378203247, id="bytes-to-int"),
        pytest.param(lambda: utils.bytes_to_int("\xff\xfe", False), -2, id="bytes-to-int-negative"),
        pytest.param(lambda: utils.bytes_to_uint(b"hi", little_endian=False), 26729, id="bytes-to-uint"),
        pytest.param(lambda: utils.int_to_bytes(354, little_endian=False), b"\x00\x00\x01\x62", id="int-to-bytes"),
        pytest.param(lambda: utils.int_to_bytes(-2, 2), b"\xfe\xff", id="int-to-bytes-le"),
        pytest.param(lambda: utils.uint_to_bytes(657, little_endian=False), b"\x00\x00\x02\x91", id="uint-to-bytes"),
        pytest.param(lambda: utils.binary_to_string("0110100001100101"), "eh", id="binary-to-string"),
        pytest.param(lambda: utils.string_to_binary("hi", False), "0110100001101001", id="string-to-binary"),
        pytest.param(lambda: utils.int_to_string(-2, 2, False), "\xff\xfe", id="int-to-string"),
        pytest.param(lambda: utils.string_to_int("\xff\xfe", False), -2, id="string-to-int"),
        pytest.param(lambda: utils.uint_to_string(65534, 2, False), "\xff\xfe", id="uint-to-string"),
        pytest.param(lambda: utils.string_to_uint("\xff\xfe", False), 65534, id="string-to-uint"),
        pytest.param(lambda: utils.string_to_real(utils.real_to_string(2.5, 2), 2), 2.5, id="real-string-round-trip"),
        pytest.param(lambda: utils.real_to_binary(0.56734), "00111111000100010011110100110010", id="real-single"),
        pytest.param(
            lambda: [hex(b) for b in utils.real_to_bytes(436.56, 1, False)],
            ["0x43", "0xda", "0x47", "0xae"],
            id="real-bytes",
        ),
        pytest.param(lambda: round(utils.bytes_to_real("\x44\x77\x2c\x31", 1, False), 2), 988.69, id="bytes-to-real"),
        pytest.param(
            lambda: round(utils.bytes_to_real(b"\x40\x7a\x25\x7d\x2e\x68\x51\x5d", 2, False), 2), 418.34, id="double"
        ),
        pytest.param(lambda: (utils.sign(5632), utils.sign(0), utils.sign(-2.5)), (1, 0, -1), id="sign"),
        pytest.param(lambda: utils.mjd(datetime(2018, 1, 20, 10, 30, 45, 100000)), 58138.43802199074, id="mjd"),
        pytest.param(lambda: utils.day_milliseconds(datetime(2020, 1, 1, 0, 0, 1, 500)), 1000, id="day-ms"),
        pytest.param(lambda: utils.day_percentage(timedelta(hours=12)), 0.5, id="day-percentage"),
        pytest.param(lambda: utils.mjd(datetime(2018, 1, 20, 10, 30, 45, 100000, UTC)), MJD, id="mjd-utc"),
        pytest.param(lambda: utils.mjd_to_date(MJD), datetime(2018, 1, 20, 10, 30, 45, 100000, UTC), id="mjd-to-date"),
        pytest.param(lambda: utils.mjd_to_date(0), datetime(1858, 11, 17, tzinfo=UTC), id="mjd-epoch"),
        pytest.param(lambda: utils.mjd(utils.mjd_to_date(60000.123456)), 60000.123456, id="mjd-round-trip"),
    ],
)
def test_helpers(call: object, result: object) -> None:
    assert call() == result  # type: ignore[operator]


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: utils.int_to_twos(2**31), id="int-range"),
        pytest.param(lambda: utils.uint_to_bytes(-1), id="uint-range"),
        pytest.param(lambda: utils.real_to_binary(1.0, 3), id="precision"),
        pytest.param(lambda: utils.binary_complement("102"), id="not-binary"),
        pytest.param(lambda: utils.sign("1"), id="sign-type"),  # type: ignore[arg-type]
        pytest.param(lambda: utils.mjd(datetime(1800, 1, 1)), id="mjd-too-early"),
        pytest.param(lambda: utils.mjd_to_date(-1), id="mjd-negative"),
        pytest.param(lambda: utils.mjd_to_date(None), id="mjd-not-a-number"),  # type: ignore[arg-type]
        pytest.param(lambda: utils.day_microseconds("dummy"), id="day-not-a-date"),  # type: ignore[arg-type]
    ],
)
def test_helpers_reject_bad_arguments_with_value_error(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


def test_int_to_bytes_out_of_range_is_an_overflow_error() -> None:
    with pytest.raises(OverflowError):
        utils.int_to_bytes(36273463, 2)


def test_list_simulators_names_every_simulator_package() -> None:
    names = utils.list_simulators()
    assert names == sorted(names)
    assert {"active_surface", "weather_station"} <= set(names)


def test_fast_time_mock_speeds_up_time_and_sleep() -> None:
    fast = utils.FastTimeMock(100)
    start_real = time.monotonic()
    fast.start()
    try:
        start = time.time()
        time.sleep(1.0)
        elapsed = time.time() - start
    finally:
        fast.stop()
    assert time.monotonic() - start_real < 0.5
    assert elapsed >= 1.0


def test_put_latest_replaces_the_queued_item() -> None:
    q: queue.Queue[int] = queue.Queue(maxsize=1)
    utils.put_latest(q, 1)
    utils.put_latest(q, 2)
    assert q.get_nowait() == 2 and q.empty()


def test_get_multitype_systems_finds_the_variants_of_a_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "fake_multitype"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "alpha.py").write_text("class System:\n    pass\n")
    (package / "beta.py").write_text("class System:\n    pass\n")
    (package / "helpers.py").write_text("X = 1\n")
    (package / "_private.py").write_text("class System:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        systems = utils.get_multitype_systems(str(package / "__init__.py"))
        assert sorted(systems) == ["alpha", "beta"]
        assert systems["alpha"].__name__ == "fake_multitype.alpha"
    finally:
        for name in [m for m in sys.modules if m.startswith("fake_multitype")]:
            del sys.modules[name]


def test_get_multitype_systems_needs_an_importable_package(tmp_path: Path) -> None:
    package = tmp_path / "nowhere"
    package.mkdir()
    (package / "__init__.py").write_text("")
    with pytest.raises(ValueError, match="not an importable package"):
        utils.get_multitype_systems(str(package))
