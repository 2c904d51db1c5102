"""Mount simulator: sexagesimal text as LX200 reads and writes it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators.mount.exceptions import LX200SyntaxError
from simulators.mount.sexagesimal import format_dec, format_degrees, format_ra, parse_dec, parse_ra


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        pytest.param("12:30:00", 187.5, id="colons"),
        pytest.param(" 12:30:00", 187.5, id="leading-space"),
        pytest.param("12 30 00", 187.5, id="spaces"),
        pytest.param("12:30.5", 187.625, id="low-precision-tenths"),
        pytest.param("00:00:01", 15 / 3600, id="one-second"),
        pytest.param("23:59:59", 359.99583333333334, id="last-second"),
    ],
)
def test_parse_ra(text: str, degrees: float) -> None:
    assert parse_ra(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        pytest.param("-10*00:00", -10.0, id="indi-form"),
        pytest.param("+45*30'15", 45.50416666666667, id="star-apostrophe"),
        pytest.param("+45\xdf30:15", 45.50416666666667, id="degree-sign"),
        pytest.param("-00*30:00", -0.5, id="negative-zero-degrees"),
        pytest.param("+89*59", 89 + 59 / 60, id="low-precision"),
        pytest.param(" -10 15 30", -(10 + 15 / 60 + 30 / 3600), id="spaces"),
        pytest.param("+90*00:00", 90.0, id="pole"),
    ],
)
def test_parse_dec(text: str, degrees: float) -> None:
    assert parse_dec(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        pytest.param(parse_ra, "24:00:00", id="ra-24h"),
        pytest.param(parse_ra, "-01:00:00", id="ra-signed"),
        pytest.param(parse_ra, "12:60:00", id="ra-minutes-60"),
        pytest.param(parse_ra, "12", id="ra-no-minutes"),
        pytest.param(parse_ra, "ab:cd:ef", id="ra-letters"),
        pytest.param(parse_ra, "", id="ra-empty"),
        pytest.param(parse_dec, "+91*00:00", id="dec-beyond-pole"),
        pytest.param(parse_dec, "+10*00.5:10", id="dec-fraction-then-seconds"),
        pytest.param(parse_dec, "+10*00:00x", id="dec-trailing-garbage"),
    ],
)
def test_parse_rejects(parse: object, text: str) -> None:
    with pytest.raises(LX200SyntaxError):
        parse(text)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "high", "text"),
    [
        pytest.param(187.5, True, "12:30:00", id="ra"),
        pytest.param(359.99999, True, "00:00:00", id="ra-wraps"),
        pytest.param(-15.0, True, "23:00:00", id="ra-negative-wraps"),
        pytest.param(187.5, False, "12:30.0", id="ra-low"),
        pytest.param(14.99 * 15, True, "14:59:24", id="ra-rounds"),
    ],
)
def test_format_ra(value: float, high: bool, text: str) -> None:
    assert format_ra(value, high) == text


@pytest.mark.parametrize(
    ("value", "high", "text"),
    [
        pytest.param(-10.0, True, "-10*00'00", id="negative"),
        pytest.param(45.50416666666667, True, "+45*30'15", id="positive"),
        pytest.param(-0.0001, True, "+00*00'00", id="rounds-to-zero-unsigned"),
        pytest.param(-0.5, True, "-00*30'00", id="negative-below-one-degree"),
        pytest.param(-10.5, False, "-10*30", id="low"),
        pytest.param(29.99999, True, "+30*00'00", id="carries"),
    ],
)
def test_format_dec(value: float, high: bool, text: str) -> None:
    assert format_dec(value, high) == text


def test_format_azimuth_is_unsigned_three_digits() -> None:
    assert format_degrees(5.25, signed=False, width=3) == "005*15'00"
    assert format_degrees(289.5, high_precision=False, signed=False, width=3) == "289*30"


@pytest.mark.parametrize("value", [-89.99, -45.123, -0.75, 0.0, 12.3456, 89.9999])
def test_dec_round_trip_within_a_second(value: float) -> None:
    assert parse_dec(format_dec(value)) == pytest.approx(value, abs=1 / 3600)


@given(st.floats(min_value=0, max_value=360, exclude_max=True))
def test_ra_round_trip_within_half_a_second_of_time(ra: float) -> None:
    back = parse_ra(format_ra(ra))
    assert abs((back - ra + 180) % 360 - 180) <= 0.5 * 15 / 3600 + 1e-9


@given(st.floats(min_value=-90, max_value=90))
def test_dec_round_trip_within_half_an_arcsecond(dec: float) -> None:
    assert abs(parse_dec(format_dec(dec)) - dec) <= 0.5 / 3600 + 1e-9
