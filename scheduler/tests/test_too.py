"""The target-of-opportunity rules (scheduler.too): alert parameters and the interrupt policy."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.exceptions import InvalidAlertParams
from scheduler.too import Running, decide_update, parse_alert, separation, should_interrupt

ALERT = {
    "alert_id": 7,
    "ivorn": "ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234",
    "event": "new",
    "ra": 120.0,
    "dec": -30.0,
    "error_radius": 0.05,
    "role": "observation",
    "mission": "SWIFT",
    "trigger": "1234",
}


def test_parse_alert() -> None:
    alert = parse_alert(ALERT)
    assert (alert.alert_id, alert.event, alert.ra, alert.dec, alert.error_radius) == (7, "new", 120.0, -30.0, 0.05)
    assert alert.name == "ToO SWIFT 1234"
    retraction = parse_alert({"alert_id": 7, "event": "retraction"})  # no position needed
    assert retraction.event == "retraction"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"alert_id": "7"}, "alert_id", id="id-string"),
        pytest.param({"alert_id": True}, "alert_id", id="id-bool"),
        pytest.param({"event": "maybe"}, "event", id="event"),
        pytest.param({"role": "utility"}, "role", id="role"),
        pytest.param({"ra": 360.0}, "ra", id="ra-360"),
        pytest.param({"dec": -90.5}, "dec", id="dec"),
        pytest.param({"ra": "12h"}, "ra", id="ra-text"),
        pytest.param({"error_radius": -1}, "error_radius", id="radius"),
        pytest.param({"mission": 5}, "mission", id="mission"),
    ],
)
def test_bad_alerts(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidAlertParams, match=message):
        parse_alert({**ALERT, **change})


def test_separation_hand_checked() -> None:
    assert separation(0, 0, 90, 0) == pytest.approx(90)
    assert separation(10, 89, 190, 89) == pytest.approx(2)
    assert separation(120, -30, 120, -30) == 0


@pytest.mark.parametrize(
    ("old", "change", "verdict"),
    [
        pytest.param((120.0, -30.0, 0.05), {"error_radius": 0.5, "ra": 121.0}, "worse error box", id="worse-box"),
        pytest.param((120.0, -30.0, 0.05), {"ra": 120.01}, "moved too little", id="small-move"),
        pytest.param((120.0, -30.0, 0.05), {"ra": 121.0, "error_radius": 0.01}, "apply", id="better"),
        pytest.param((120.0, -30.0, None), {"ra": 121.0, "error_radius": 3.0}, "apply", id="no-box-before"),
    ],
)
def test_updates(old: tuple[float, float, float | None], change: dict[str, Any], verdict: str) -> None:
    alert = parse_alert({**ALERT, "event": "update", **change})
    assert decide_update(*old, alert, 0.05) == verdict


FAR = Running(ra=60.0, dec=-30.0, priority=5, is_too=False)


@pytest.mark.parametrize(
    ("running", "hold", "observable", "expected"),
    [
        pytest.param(FAR, False, True, (True, "outranks the running slot"), id="outranks-and-far"),
        pytest.param(None, False, True, (True, "telescope idle"), id="idle"),
        pytest.param(FAR, True, True, (False, "weather hold"), id="weather-hold-wins"),
        pytest.param(None, True, True, (False, "weather hold"), id="weather-hold-idle"),
        pytest.param(FAR, False, False, (False, "not observable now"), id="not-up"),
        pytest.param(
            Running(120.5, -30.0, 5, False),
            False,
            True,
            (False, "the running target is within the separation limit"),
            id="near",
        ),
        pytest.param(
            Running(60.0, -30.0, 1, True),
            False,
            True,
            (False, "a ToO of equal or higher priority is running"),
            id="running-too",
        ),
    ],
)
def test_interrupt_policy(running: Running | None, hold: bool, observable: bool, expected: tuple[bool, str]) -> None:
    assert should_interrupt(running, 1, 120.0, -30.0, hold=hold, observable=observable, limit=1.0) == expected
