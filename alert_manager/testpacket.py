"""A ``role="test"`` VOEvent (VOEvent 2.0 schema-valid, so a broker accepts it) with a fresh IVORN."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from lxml import etree

VOE_NS = "http://www.ivoa.net/xml/VOEvent/v2.0"
DEFAULT_STREAM = "pyros.local/test"


def make_test_packet(
    *,
    ra: float = 150.0,
    dec: float = 20.0,
    error_radius: float = 0.05,
    stream: str = DEFAULT_STREAM,
    trigger: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The XML of a test notice at (ra, dec) with an error circle (degrees)."""
    when = (now or datetime.now(UTC)).astimezone(UTC)
    trigger = trigger or str(uuid.uuid4().int % 10**9)
    ivorn = f"ivo://{stream}#PYROS_TEST_{trigger}-{uuid.uuid4().hex[:12]}"
    root = etree.Element(f"{{{VOE_NS}}}VOEvent", nsmap={"voe": VOE_NS})
    root.attrib.update({"version": "2.0", "role": "test", "ivorn": ivorn})
    who = etree.SubElement(root, "Who")
    etree.SubElement(who, "AuthorIVORN").text = f"ivo://{stream.split('/')[0]}/pyros"
    etree.SubElement(who, "Date").text = when.strftime("%Y-%m-%dT%H:%M:%S")
    what = etree.SubElement(root, "What")
    etree.SubElement(what, "Param", name="TrigID", dataType="string", value=trigger, ucd="meta.id")
    etree.SubElement(what, "Param", name="Test_Submission", dataType="string", value="true")
    etree.SubElement(what, "Description").text = "pyros test alert (manage.py sendtestalert)"
    _where_when(root, when, ra, dec, error_radius)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _where_when(root: etree._Element, when: datetime, ra: float, dec: float, error_radius: float) -> None:
    location = etree.SubElement(etree.SubElement(root, "WhereWhen"), "ObsDataLocation")
    etree.SubElement(location, "ObservatoryLocation", id="GEOLUN")
    observation = etree.SubElement(location, "ObservationLocation")
    etree.SubElement(observation, "AstroCoordSystem", id="UTC-FK5-GEO")
    coords = etree.SubElement(observation, "AstroCoords", coord_system_id="UTC-FK5-GEO")
    instant = etree.SubElement(etree.SubElement(coords, "Time", unit="s"), "TimeInstant")
    etree.SubElement(instant, "ISOTime").text = when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-4]
    position = etree.SubElement(coords, "Position2D", unit="deg")
    etree.SubElement(position, "Name1").text = "RA"
    etree.SubElement(position, "Name2").text = "Dec"
    value = etree.SubElement(position, "Value2")
    etree.SubElement(value, "C1").text = f"{ra:.6f}"
    etree.SubElement(value, "C2").text = f"{dec:.6f}"
    etree.SubElement(position, "Error2Radius").text = f"{error_radius:.6f}"
