"""VOEvent 2.0 packets: bytes in, a :class:`VOEventPacket` out, or :class:`PacketRejected` with the reason.

Sans-IO and free of Django. The packet is parsed by lxml (objectify, as voevent-parse expects) with an
explicit hardened parser: no entity resolution, no network, no DTD loading, no huge trees; a packet
with any DOCTYPE (so any entity declaration, internal or external) is refused outright, and so is one
over the size limit, before parsing. voevent-parse reads the position and the event time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import voeventparse
from lxml import etree, objectify

from .exceptions import PacketRejected

DEFAULT_MAX_SIZE = 256 * 1024
ROLES = ("observation", "prediction", "utility", "test")
CITE_TYPES = ("followup", "supersedes", "retraction")
# What params that carry a trigger identifier, by mission convention (Swift/Fermi: TrigID).
TRIGGER_PARAMS = ("TrigID", "TriggerID", "Trigger_ID", "trigger_id", "EventID", "event_id", "AMON_ID")
# Flags that say the trigger was not real: the alert is retracted (Swift: Solution_Status group).
RETRACTION_FLAGS = ("Def_NOT_a_GRB",)
_NOTICE_TYPE = re.compile(r"^(.*?)_\d")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_NO_DTD = "DOCTYPE/DTD not allowed (entity declarations, internal or external, are refused)"

# One parser for every caller: lxml serialises the use of a parser between threads with its own lock.
_PARSER = objectify.makeparser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    remove_blank_text=True,
)


def hardened_parser() -> etree.XMLParser:
    """The objectify parser: no entity resolution, no network, no DTD, no huge trees."""
    return _PARSER


@dataclass(frozen=True, slots=True)
class Position:
    """A sky position in degrees; ``error_radius`` is the radius of the error circle (degrees)."""

    ra: float
    dec: float
    error_radius: float
    frame: str

    def to_json(self) -> dict[str, Any]:
        return {"ra": self.ra, "dec": self.dec, "error_radius": self.error_radius, "frame": self.frame}


@dataclass(frozen=True, slots=True)
class Citation:
    ivorn: str
    cite: str  # followup | supersedes | retraction


@dataclass(frozen=True, slots=True)
class VOEventPacket:
    ivorn: str
    role: str
    stream: str  # authority and path of the IVORN: nasa.gsfc.gcn/SWIFT
    mission: str  # SWIFT, FERMI ...
    notice_type: str  # BAT_GRB_Pos, XRT_Position ... (the IVORN fragment before the numbers)
    trigger_id: str | None
    author_ivorn: str | None
    author: str | None
    packet_date: datetime | None
    event_time: datetime | None
    position: Position | None
    params: dict[str, dict[str, str]] = field(default_factory=dict)
    groups: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    importance: float | None = None
    inferences: list[dict[str, Any]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    description: str = ""

    @property
    def retracted_ivorns(self) -> list[str]:
        """The IVORNs this packet retracts (``<EventIVORN cite="retraction">``)."""
        return [c.ivorn for c in self.citations if c.cite == "retraction"]

    @property
    def flagged_not_real(self) -> bool:
        """A flag such as Swift's ``Def_NOT_a_GRB=true`` (top level or in any group)."""
        for name in RETRACTION_FLAGS:
            if _truthy(self.params.get(name)):
                return True
            if any(_truthy(group.get(name)) for group in self.groups.values()):
                return True
        return False

    @property
    def is_retraction(self) -> bool:
        return bool(self.retracted_ivorns) or self.flagged_not_real

    def param(self, name: str) -> str | None:
        entry = self.params.get(name)
        if entry is None:
            for group in self.groups.values():
                if name in group:
                    entry = group[name]
                    break
        return None if entry is None else entry.get("value")

    def to_json(self) -> dict[str, Any]:
        return {
            "ivorn": self.ivorn,
            "role": self.role,
            "stream": self.stream,
            "mission": self.mission,
            "notice_type": self.notice_type,
            "trigger_id": self.trigger_id,
            "author_ivorn": self.author_ivorn,
            "author": self.author,
            "packet_date": _iso(self.packet_date),
            "event_time": _iso(self.event_time),
            "position": None if self.position is None else self.position.to_json(),
            "params": self.params,
            "groups": self.groups,
            "importance": self.importance,
            "inferences": self.inferences,
            "citations": [{"ivorn": c.ivorn, "cite": c.cite} for c in self.citations],
            "description": self.description,
        }


def parse(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE, require_position: bool = True) -> VOEventPacket:
    """Parse one packet; raise :class:`PacketRejected` with a one-line reason when it cannot be accepted.

    A packet without a position is rejected unless it retracts something (``require_position``).
    """
    root = load(data, max_size=max_size)
    ivorn, role = _identity(root)
    stream, fragment = _split_ivorn(ivorn)
    params, groups = _what(root)
    citations = _citations(root)
    packet = VOEventPacket(
        ivorn=ivorn,
        role=role,
        stream=stream,
        mission=_mission(stream),
        notice_type=_notice_type(fragment, params),
        trigger_id=_trigger_id(params),
        author_ivorn=_text(root, "Who/AuthorIVORN"),
        author=_text(root, "Who/Author/shortName") or _text(root, "Who/Author/title"),
        packet_date=_date(_text(root, "Who/Date"), "Who/Date"),
        event_time=_event_time(root),
        position=_position(root),
        params=params,
        groups=groups,
        importance=_importance(root),
        inferences=_inferences(root),
        citations=citations,
        description=_text(root, "Description") or "",
    )
    if packet.position is None and require_position and not packet.is_retraction:
        raise PacketRejected("no position: WhereWhen has no RA/Dec with an error radius")
    return packet


def load(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> Any:
    """The objectify root of a VOEvent document (namespace prefix of the root removed), or rejected."""
    if not isinstance(data, bytes | bytearray):
        raise PacketRejected(f"a packet is bytes, not {type(data).__name__}")
    if len(data) > max_size:
        raise PacketRejected(f"packet of {len(data)} bytes is over the limit of {max_size} bytes")
    if not data.strip():
        raise PacketRejected("empty packet")
    if _DTD.search(data):  # (UTF-16 documents are caught after parsing, below)
        raise PacketRejected(_NO_DTD)
    try:
        root = objectify.fromstring(bytes(data), hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise PacketRejected(f"malformed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise PacketRejected(_NO_DTD)
    if any(True for _ in root.iter(etree.Entity)):
        raise PacketRejected("entity references not allowed")
    if etree.QName(root).localname != "VOEvent":
        raise PacketRejected(f"not a VOEvent: root element is {etree.QName(root).localname!r}")
    _drop_namespaces(root)
    return root


def _drop_namespaces(root: Any) -> None:
    """Unqualified tags throughout, as voev:VOEvent's unqualified children have (objectify looks a child
    up in its parent's namespace). A packet in the default namespace has every tag qualified."""
    if root.prefix is None:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.startswith("{"):
                element.tag = etree.QName(element).localname
    else:
        root.tag = "VOEvent"


def _identity(root: Any) -> tuple[str, str]:
    version = root.get("version")
    if version != "2.0":
        raise PacketRejected(f"unsupported VOEvent version {version!r} (2.0 is)")
    ivorn = (root.get("ivorn") or "").strip()
    if not ivorn.startswith("ivo://") or len(ivorn) <= len("ivo://"):
        raise PacketRejected(f"bad IVORN {ivorn!r}: it must start with ivo://")
    role = root.get("role") or "observation"
    if role not in ROLES:
        raise PacketRejected(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    return ivorn, role


def _split_ivorn(ivorn: str) -> tuple[str, str]:
    stream, _, fragment = ivorn[len("ivo://") :].partition("#")
    return stream.rstrip("/"), fragment


def _mission(stream: str) -> str:
    authority, _, path = stream.partition("/")
    return (path.rsplit("/", 1)[-1] if path else authority).upper()


def _notice_type(fragment: str, params: dict[str, dict[str, str]]) -> str:
    match = _NOTICE_TYPE.match(fragment)
    if match and match.group(1):
        return match.group(1)
    packet_type = params.get("Packet_Type", {}).get("value")
    return fragment or (f"Packet_Type {packet_type}" if packet_type else "")


def _trigger_id(params: dict[str, dict[str, str]]) -> str | None:
    for name in TRIGGER_PARAMS:
        value = params.get(name, {}).get("value")
        if value is not None and value.strip():
            return value.strip()
    return None


def _what(root: Any) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, dict[str, str]]]]:
    """Top-level What params and the params of each group, as name -> attributes (first of a name wins)."""
    params: dict[str, dict[str, str]] = {}
    groups: dict[str, dict[str, dict[str, str]]] = {}
    what = root.find("What")
    if what is None:
        return params, groups
    for index, child in enumerate(what.iterchildren()):
        tag = etree.QName(child).localname
        if tag == "Param":
            _add_param(params, child)
        elif tag == "Group":
            name = child.get("name") or child.get("type") or f"group{index}"
            group = groups.setdefault(name, {})
            for param in child.iterchildren("Param"):
                _add_param(group, param)
    return params, groups


def _add_param(into: dict[str, dict[str, str]], element: Any) -> None:
    name = element.get("name")
    if not name or name in into:
        return
    attributes = {k: v for k, v in element.attrib.items() if k in ("value", "unit", "ucd", "dataType")}
    if "value" not in attributes:
        value = element.find("Value")
        attributes["value"] = "" if value is None else str(value.text or "")
    into[name] = attributes


def _citations(root: Any) -> list[Citation]:
    citations = root.find("Citations")
    found: list[Citation] = []
    if citations is None:
        return found
    for element in citations.iterchildren("EventIVORN"):
        cite = element.get("cite") or ""
        if cite not in CITE_TYPES:
            raise PacketRejected(f"citation type {cite!r} unknown (one of {', '.join(CITE_TYPES)})")
        ivorn = str(element.text or "").strip()
        if not ivorn.startswith("ivo://"):
            raise PacketRejected(f"cited IVORN {ivorn!r} must start with ivo://")
        found.append(Citation(ivorn, cite))
    return found


def _event_time(root: Any) -> datetime | None:
    if root.find("WhereWhen") is None:
        return None
    try:
        value = voeventparse.get_event_time_as_utc(root)
    except (ValueError, NotImplementedError, KeyError, IndexError) as exc:
        raise PacketRejected(f"bad event time: {exc}") from None
    except Exception as exc:  # iso8601.ParseError and friends
        raise PacketRejected(f"bad event time: {exc}") from None
    return None if value is None else value.astimezone(UTC)


def _position(root: Any) -> Position | None:
    location = root.find("WhereWhen/ObsDataLocation/ObservationLocation/AstroCoords/Position2D")
    if location is None:
        return None
    try:
        found = voeventparse.get_event_position(root)
    except AssertionError:
        raise PacketRejected("bad position: Position2D is not RA/Dec") from None
    except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise PacketRejected(f"bad position: {type(exc).__name__}: {exc}") from None
    scale = {"deg": 1.0, "rad": 180.0 / math.pi}.get(str(found.units))
    if scale is None:
        raise PacketRejected(f"bad position: unit {found.units!r} (deg or rad)")
    ra, dec, err = found.ra * scale, found.dec * scale, found.err * scale
    if not all(math.isfinite(v) for v in (ra, dec, err)) or not -90 <= dec <= 90 or err < 0:
        raise PacketRejected(f"bad position: RA {ra}, Dec {dec}, error {err} out of range")
    return Position(ra=ra % 360.0, dec=dec, error_radius=err, frame=str(found.system))


def _importance(root: Any) -> float | None:
    why = root.find("Why")
    if why is None or why.get("importance") is None:
        return None
    try:
        return float(why.get("importance"))
    except ValueError:
        raise PacketRejected(f"Why importance {why.get('importance')!r} is not a number") from None


def _inferences(root: Any) -> list[dict[str, Any]]:
    why = root.find("Why")
    if why is None:
        return []
    found = []
    for element in why.iterchildren("Inference"):
        entry: dict[str, Any] = {k: element.get(k) for k in ("probability", "relation") if element.get(k)}
        for tag in ("Name", "Concept", "Description"):
            texts = [str(e.text or "").strip() for e in element.iterchildren(tag)]
            if texts:
                entry[tag.lower()] = texts if len(texts) > 1 else texts[0]
        found.append(entry)
    return found


def _text(root: Any, path: str) -> str | None:
    element = root.find(path)
    if element is None or element.text is None:
        return None
    return str(element.text).strip() or None


def _date(text: str | None, where: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PacketRejected(f"{where}: {text!r} is not an ISO 8601 date") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _truthy(entry: dict[str, str] | None) -> bool:
    return entry is not None and entry.get("value", "").strip().lower() in ("true", "yes", "1")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
