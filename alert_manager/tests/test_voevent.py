from __future__ import annotations

from datetime import UTC, datetime

import pytest
import voeventparse

from alert_manager.exceptions import PacketRejected
from alert_manager.voevent import VOEventPacket, parse

from .samples import fresh, raw


def test_swift_bat_position() -> None:
    packet = parse(raw("swift_bat_pos.xml"))
    assert packet.ivorn == "ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234567-001"
    assert packet.role == "observation"
    assert (packet.stream, packet.mission, packet.notice_type) == ("nasa.gsfc.gcn/SWIFT", "SWIFT", "BAT_GRB_Pos")
    assert packet.trigger_id == "1234567"
    assert packet.author_ivorn == "ivo://nasa.gsfc.tan/gcn"
    assert packet.author == "VO-GCN"
    assert packet.packet_date == datetime(2026, 11, 30, 21, 3, 12, tzinfo=UTC)
    assert packet.event_time == datetime(2026, 11, 30, 21, 2, 58, 120000, tzinfo=UTC)
    assert packet.position is not None
    assert (packet.position.ra, packet.position.dec) == (150.1234, 20.5678)
    assert packet.position.error_radius == 0.05
    assert packet.position.frame == "UTC-FK5-GEO"
    assert packet.params["Packet_Type"] == {"value": "61", "dataType": "int"}
    assert packet.params["Burst_Inten"]["unit"] == "cts"
    assert packet.groups["Solution_Status"]["Def_NOT_a_GRB"]["value"] == "false"
    assert packet.param("Moon_Illum") == "41.0"
    assert packet.importance == 0.95
    assert packet.inferences == [
        {"probability": "0.97", "name": "GRB 261130", "concept": "process.variation.burst;em.gamma"}
    ]
    assert packet.citations == []
    assert not packet.is_retraction


def test_same_facts_as_voevent_parse() -> None:
    """Position and time agree with voevent-parse reading the same bytes its own way."""
    data = raw("swift_xrt_pos_update.xml")
    reference = voeventparse.loads(data)
    expected = voeventparse.get_event_position(reference)
    packet = parse(data)
    assert packet.position is not None
    assert (packet.position.ra, packet.position.dec, packet.position.error_radius) == (
        expected.ra,
        expected.dec,
        expected.err,
    )
    assert packet.event_time == voeventparse.get_event_time_as_utc(reference)
    top = voeventparse.get_toplevel_params(reference)
    assert {name: attrs["value"] for name, attrs in packet.params.items()} == {n: a["value"] for n, a in top.items()}


def test_update_of_the_same_trigger() -> None:
    first, update = parse(raw("swift_bat_pos.xml")), parse(raw("swift_xrt_pos_update.xml"))
    assert (update.mission, update.trigger_id) == (first.mission, first.trigger_id)
    assert update.notice_type == "XRT_Position"
    assert update.position is not None and first.position is not None
    assert update.position.error_radius < first.position.error_radius


def test_test_role() -> None:
    packet = parse(raw("test_role.xml"))
    assert packet.role == "test"
    assert packet.groups["Solution_Status"]["Test_Submission"]["value"] == "true"


def test_retraction_by_citation_needs_no_position() -> None:
    packet = parse(raw("retraction.xml"))
    assert packet.position is None
    assert packet.retracted_ivorns == ["ivo://nasa.gsfc.gcn/SWIFT#BAT_GRB_Pos_1234567-001"]
    assert packet.is_retraction and not packet.flagged_not_real


def test_swift_def_not_a_grb_is_a_retraction() -> None:
    packet = parse(raw("swift_not_a_grb.xml"))
    assert packet.flagged_not_real and packet.is_retraction
    assert packet.retracted_ivorns == []


def test_to_json_round_trips_through_json() -> None:
    import json

    view = parse(raw("swift_bat_pos.xml")).to_json()
    assert json.loads(json.dumps(view)) == view
    assert view["position"] == {"ra": 150.1234, "dec": 20.5678, "error_radius": 0.05, "frame": "UTC-FK5-GEO"}
    assert view["event_time"] == "2026-11-30T21:02:58.120000+00:00"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("no_position.xml", "no position", id="no-position"),
        pytest.param("malformed.xml", "malformed XML", id="malformed"),
        pytest.param("billion_laughs.xml", "DOCTYPE/DTD not allowed", id="billion-laughs"),
        pytest.param("external_entity.xml", "DOCTYPE/DTD not allowed", id="external-entity"),
    ],
)
def test_rejected_samples(name: str, reason: str) -> None:
    with pytest.raises(PacketRejected) as caught:
        parse(raw(name))
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_external_entity_in_utf16_is_refused_after_parsing() -> None:
    """The byte scan cannot see a UTF-16 DOCTYPE; the parsed document's docinfo does, and nothing is read."""
    data = raw("external_entity.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(PacketRejected) as caught:
        parse(data)
    assert "passwd" not in caught.value.reason
    assert "DTD" in caught.value.reason or "malformed" in caught.value.reason


def test_size_limit() -> None:
    data = raw("swift_bat_pos.xml")
    assert isinstance(parse(data, max_size=len(data)), VOEventPacket)
    with pytest.raises(PacketRejected, match=f"packet of {len(data)} bytes is over the limit of {len(data) - 1}"):
        parse(data, max_size=len(data) - 1)


def _edit(old: str, new: str) -> bytes:
    data = raw("swift_bat_pos.xml").decode()
    assert old in data
    return data.replace(old, new, 1).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "empty packet", id="empty"),
        pytest.param(b"<a><b></a>", "malformed XML", id="mismatched-tags"),
        pytest.param(b'<trn:Transport xmlns:trn="x" role="ack"/>', "not a VOEvent", id="transport"),
        pytest.param(_edit('version="2.0"', 'version="1.1"'), "unsupported VOEvent version", id="version"),
        pytest.param(_edit('role="observation"', 'role="rumour"'), "unknown role", id="role"),
        pytest.param(_edit('ivorn="ivo://', 'ivorn="http://'), "bad IVORN", id="ivorn"),
        pytest.param(_edit("<C2>20.5678</C2>", "<C2>120.5</C2>"), "bad position", id="dec-range"),
        pytest.param(_edit("<C1>150.1234</C1>", "<C1>east</C1>"), "bad position", id="ra-text"),
        pytest.param(_edit('Position2D unit="deg"', 'Position2D unit="furlong"'), "bad position", id="unit"),
        pytest.param(_edit("<ISOTime>2026-11-30T21:02:58.12", "<ISOTime>yesterday"), "bad event time", id="time"),
        pytest.param(_edit("<Date>2026-11-30T21:03:12", "<Date>noon"), "Who/Date", id="date"),
        pytest.param(_edit('importance="0.95"', 'importance="high"'), "Why importance", id="importance"),
    ],
)
def test_rejection_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(PacketRejected) as caught:
        parse(data)
    assert reason in caught.value.reason, caught.value.reason


def test_radians_are_converted() -> None:
    data = _edit('Position2D unit="deg"', 'Position2D unit="rad"').replace(b"<C1>150.1234</C1>", b"<C1>1.0</C1>")
    data = data.replace(b"<C2>20.5678</C2>", b"<C2>-0.5</C2>").replace(b"0.0500<", b"0.001<")
    packet = parse(data)
    assert packet.position is not None
    assert packet.position.ra == pytest.approx(57.29577951308232)
    assert packet.position.dec == pytest.approx(-28.64788975654116)
    assert packet.position.error_radius == pytest.approx(0.0572957795)


def test_default_namespace_packet() -> None:
    data = raw("swift_bat_pos.xml").decode()
    data = data.replace("<voe:VOEvent xmlns:voe=", "<VOEvent xmlns=").replace("</voe:VOEvent>", "</VOEvent>")
    packet = parse(data.encode())
    assert packet.trigger_id == "1234567"
    assert packet.position is not None and packet.position.error_radius == 0.05


def test_fresh_copies_differ_only_where_asked() -> None:
    one, two = parse(fresh(trigger="42", error=0.5)), parse(fresh(trigger="42"))
    assert one.ivorn != two.ivorn
    assert one.trigger_id == two.trigger_id == "42"
    assert one.position is not None and one.position.error_radius == 0.5
    assert one.notice_type == "BAT_GRB_Pos"
