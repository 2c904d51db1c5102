"""common.timefmt: one format, seconds, the console's zone; the same text in the browser (console.js)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from common.templatetags.console import abstime
from common.timefmt import format_time, iso

MOMENT = datetime(2026, 7, 2, 7, 34, 35, 999000, tzinfo=UTC)


@pytest.mark.parametrize(
    "zone, value, expected",
    [
        pytest.param("UTC", MOMENT, "2026-07-02 07:34:35 UTC", id="utc-datetime"),
        pytest.param("UTC", "2026-07-02T07:34:35.999Z", "2026-07-02 07:34:35 UTC", id="utc-iso-string"),
        pytest.param("UTC", MOMENT.timestamp(), "2026-07-02 07:34:35 UTC", id="epoch"),
        pytest.param("UTC", datetime(2026, 7, 2, 7, 34, 35), "2026-07-02 07:34:35 UTC", id="naive-is-utc"),
        pytest.param("America/Santiago", MOMENT, "2026-07-02 03:34:35 -04:00", id="santiago-winter"),
        pytest.param("Europe/Paris", MOMENT, "2026-07-02 09:34:35 +02:00", id="paris-summer"),
        pytest.param("UTC", None, "", id="none"),
    ],
)
def test_format_time(settings: Any, zone: str, value: Any, expected: str) -> None:
    settings.PYROS_TIME_ZONE = zone
    assert format_time(value) == expected


def test_abstime_is_a_time_element_with_the_iso_instant(settings: Any) -> None:
    settings.PYROS_TIME_ZONE = "UTC"
    assert abstime(MOMENT) == '<time datetime="2026-07-02T07:34:35.999000Z" class="abs">2026-07-02 07:34:35 UTC</time>'
    assert abstime(None) == ""
    assert iso("2026-07-02T09:34:35+02:00") == "2026-07-02T07:34:35Z"


def test_an_unknown_zone_is_a_clear_error(settings: Any) -> None:
    settings.PYROS_TIME_ZONE = "Mars/Olympus"
    with pytest.raises(ImproperlyConfigured, match="PYROS_TIME_ZONE='Mars/Olympus': not a time zone name"):
        format_time(MOMENT)
