"""``manage.py plannight``: options, --json format, --help, no database writes with --requests, errors."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scheduler.models import ObservationRequest, Schedule

REQUESTS = [
    {"name": "crab", "ra": 83.633, "dec": 22.014, "duration": 600, "priority": 1, "min_altitude": 20},
    {"name": "tuc47", "ra": 6.024, "dec": -72.081, "duration": 1200, "priority": 3, "min_altitude": 30},
    {
        "name": "late",
        "ra": 150.0,
        "dec": -30.0,
        "duration": 900,
        "priority": 2,
        "min_altitude": 30,
        "earliest": "2026-12-16T06:00:00Z",
        "latest": "2026-12-16T07:00:00Z",
    },
    {"name": "never", "ra": 10.0, "dec": 80.0, "duration": 600, "priority": 1, "min_altitude": 10},
]


def _run(*args: str) -> str:
    out = StringIO()
    call_command("plannight", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def request_file(tmp_path: Path) -> Path:
    path = tmp_path / "night.json"
    path.write_text(json.dumps(REQUESTS))
    return path


@pytest.mark.django_db
def test_json_output_for_a_request_file(request_file: Path) -> None:
    text = _run("--date", "2026-12-15", "--requests", str(request_file), "--site=-29.2563,-70.7380,2400", "--json")
    data = json.loads(text)
    assert set(data) == {"site", "night", "slots"}
    assert data["site"]["latitude"] == -29.2563 and data["site"]["elevation"] == 2400
    start = datetime.fromisoformat(data["night"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(data["night"]["end"].replace("Z", "+00:00"))
    assert start.isoformat().startswith("2026-12-16T00:") and end.isoformat().startswith("2026-12-16T08:")
    names = [s["name"] for s in data["slots"]]
    assert sorted(names) == ["crab", "late", "tuc47"]  # "never" never rises at -29 deg
    assert all(set(s) == {"name", "start", "end"} and s["start"].endswith("Z") for s in data["slots"])
    late = next(s for s in data["slots"] if s["name"] == "late")
    assert "2026-12-16T06:00:00" <= late["start"] and late["end"] <= "2026-12-16T07:00:00Z"
    assert Schedule.objects.count() == 0 and ObservationRequest.objects.count() == 0


@pytest.mark.django_db
def test_twilight_option_with_equals_and_table_output(request_file: Path) -> None:
    text = _run("--date=2026-12-15", f"--requests={request_file}", "--twilight=-18")
    assert "Sun under -18 deg" in text and "crab" in text and "never" not in text.split("name", 1)[1]
    assert Schedule.objects.count() == 0


def test_help_explains_negative_numbers() -> None:
    from scheduler.management.commands.plannight import Command

    parser = Command().create_parser("manage.py", "plannight")
    text = parser.format_help()
    assert "--site=-29.26,-70.73,2400" in text and "--twilight=-18" in text and "'='" in text


@pytest.mark.django_db
def test_without_requests_plans_the_database_and_saves_a_version() -> None:
    crab = ObservationRequest.objects.create(name="crab", ra=83.633, dec=22.014, duration=600, priority=1)
    north = ObservationRequest.objects.create(name="north", ra=10.0, dec=80.0, duration=600, priority=1)
    late = ObservationRequest.objects.create(
        name="late",
        ra=150.0,
        dec=-30.0,
        duration=900,
        priority=2,
        earliest=datetime.fromisoformat("2026-12-16T06:00:00+00:00"),
        latest=datetime.fromisoformat("2026-12-16T07:00:00+00:00"),
    )
    data = json.loads(_run("--date", "2026-12-15", "--json"))
    assert [s["name"] for s in data["slots"]] == ["crab", "late"]
    window = next(s for s in data["slots"] if s["name"] == "late")
    assert "2026-12-16T06:00:00" <= window["start"] and window["end"] <= "2026-12-16T07:00:00Z"
    schedule = Schedule.objects.get()
    assert (schedule.night.isoformat(), schedule.version) == ("2026-12-15", 1)
    assert [s.request_id for s in schedule.slots.all()] == [crab.pk, late.pk]
    crab.refresh_from_db()
    north.refresh_from_db()
    assert crab.state == "scheduled" and north.state == "pending"
    _run("--date", "2026-12-15")
    assert Schedule.objects.filter(night="2026-12-15").count() == 2


@pytest.mark.parametrize(
    ("args", "content", "message"),
    [
        pytest.param(["--date", "15/12/2026"], None, "YYYY-MM-DD", id="bad-date"),
        pytest.param(["--site=-29.2,abc"], None, "must be numbers", id="site-not-numbers"),
        pytest.param(["--site=-95,10,0"], None, "latitude", id="site-latitude"),
        pytest.param(["--site=1"], None, "LAT,LON", id="site-too-short"),
        pytest.param(["--twilight=dark"], None, "--twilight", id="twilight-text"),
        pytest.param(["--twilight=5"], None, "twilight", id="twilight-above-horizon"),
        pytest.param([], "{not json", "not valid JSON", id="not-json"),
        pytest.param([], '{"name": "x"}', "JSON list", id="not-a-list"),
        pytest.param([], '[{"name": "x", "ra": 1}]', "missing field", id="missing-fields"),
        pytest.param([], '[{"name":"x","ra":400,"dec":0,"duration":1,"priority":1,"min_altitude":0}]', "ra", id="ra"),
        pytest.param(
            [],
            '[{"name":"x","ra":4,"dec":0,"duration":1,"priority":1,"min_altitude":0,"colour":"red"}]',
            "unknown field",
            id="unknown-field",
        ),
        pytest.param(
            [],
            '[{"name":"x","ra":4,"dec":0,"duration":1,"priority":1,"min_altitude":0,"earliest":"soon"}]',
            "ISO 8601",
            id="bad-time",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_input_is_a_command_error(tmp_path: Path, args: list[str], content: str | None, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content if content is not None else json.dumps(REQUESTS))
    with pytest.raises(CommandError, match=message):
        _run("--date=2026-12-15", f"--requests={path}", *args)
    assert Schedule.objects.count() == 0


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        _run(f"--requests={tmp_path / 'absent.json'}")


@pytest.mark.django_db
def test_default_is_the_coming_night(request_file: Path) -> None:
    from datetime import UTC, timedelta

    data = json.loads(_run("--requests", str(request_file), "--json"))
    start = datetime.fromisoformat(data["night"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(data["night"]["end"].replace("Z", "+00:00"))
    now = datetime.now(UTC)
    assert end > now and start - now < timedelta(hours=24)  # under way, or the next one
    assert timedelta(hours=6) < end - start < timedelta(hours=14)
