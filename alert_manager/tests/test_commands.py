from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alert_manager.models import Alert, RejectedPacket

from .samples import PACKETS

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("ingestalert", *args, "--no-send", stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_one_line_per_file() -> None:
    names = ["swift_bat_pos.xml", "swift_bat_pos.xml", "swift_xrt_pos_update.xml", "test_role.xml", "retraction.xml"]
    out, error = run(*[str(PACKETS / n) for n in names])
    assert error is None
    alert = Alert.objects.get(trigger_id="1234567")
    test = Alert.objects.get(trigger_id="7654321")
    assert out.splitlines() == [
        f"{PACKETS / 'swift_bat_pos.xml'}: accepted: alert {alert.pk}",
        f"{PACKETS / 'swift_bat_pos.xml'}: duplicate of alert {alert.pk}",
        f"{PACKETS / 'swift_xrt_pos_update.xml'}: update of alert {alert.pk}",
        f"{PACKETS / 'test_role.xml'}: test: alert {test.pk} (not scheduled: role=test)",
        f"{PACKETS / 'retraction.xml'}: retraction of alert {alert.pk}",
    ]


def test_rejected_files_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    out, error = run(str(PACKETS / "swift_bat_pos.xml"), str(PACKETS / "billion_laughs.xml"), str(missing))
    assert error is not None and "2 of 3 file(s) rejected" in str(error) and error.returncode == 1
    lines = out.splitlines()
    assert lines[0] == f"{PACKETS / 'swift_bat_pos.xml'}: accepted: alert {Alert.objects.get().pk}"
    assert lines[1] == f"{PACKETS / 'billion_laughs.xml'}: rejected: " + RejectedPacket.objects.get().reason
    assert lines[2].startswith(f"{missing}: rejected: cannot read the file")
