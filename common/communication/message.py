"""``pymasep.communication.Message``: what pymasep sub-applications exchange, as XML.

Same class, attributes and methods as pymasep 0.2 (``msg_type``, ``params``, ``src_sub_app_id``,
``to_xml``/``from_xml``, ``to_bytes``/``from_bytes``, the ``MESSAGE_TYPE_*`` names), with the codec of
``common.protocol.pymasep``: values round-trip exactly, and decoding never imports or instantiates
anything named on the wire. ``from_bytes``/``from_xml`` raise ``PymasepDecodeError``; ``to_bytes``
raises ``PymasepEncodeError`` (a ValueError) for values the XML cannot carry.
"""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

from .codec import decode_message, encode_message


class Message:
    """One Message. Parameters by type: define -> ``game`` (dotted class path, kept as a string);
    register -> ``id``, ``queue_id``, ``role``; observation -> ``observation``,
    ``additional_information``; action -> ``action``; quit and end -> none."""

    MESSAGE_TYPE_DEFINE = "define"
    MESSAGE_TYPE_OBSERVATION = "observation"
    MESSAGE_TYPE_ACTION = "action"
    MESSAGE_TYPE_QUIT_GAME = "quit"
    MESSAGE_TYPE_REGISTER = "register"
    MESSAGE_TYPE_END_GAME = "end"

    def __init__(self, msg_type: str, param_dict: dict[str, Any] | None, src_sub_app_id: str) -> None:
        self.msg_type = msg_type
        self.params = param_dict
        self.src_sub_app_id = src_sub_app_id

    @classmethod
    def decode(cls, payload: bytes) -> Message:
        """A new Message from its bytes (``from_bytes`` fills an existing one, as in pymasep)."""
        msg_type, params, src = decode_message(payload)
        return cls(msg_type, params, src)

    def to_bytes(self) -> bytes:
        """The XML payload, byte for byte what pymasep writes (ASCII, character references)."""
        return encode_message(self.msg_type, self.params, self.src_sub_app_id, type(self).__name__)

    def from_bytes(self, b: bytes) -> None:
        self.msg_type, self.params, self.src_sub_app_id = decode_message(b)

    def to_xml(self) -> ElementTree.Element:
        """The Message as an ElementTree element (parsed from our own encoding, never from the wire)."""
        return ElementTree.fromstring(self.to_bytes())

    def from_xml(self, xml_node: ElementTree.Element) -> None:
        """Fill from an element: it is serialised and decoded with the same checks as bytes."""
        self.from_bytes(ElementTree.tostring(xml_node))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (
            self.msg_type == other.msg_type
            and self.params == other.params
            and self.src_sub_app_id == other.src_sub_app_id
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_bytes().decode("ascii")

    def __repr__(self) -> str:
        return f"Message({self.msg_type!r}, {self.params!r}, {self.src_sub_app_id!r})"
