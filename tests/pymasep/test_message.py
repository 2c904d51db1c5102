"""common/communication Message and Frame: the pymasep 0.2 API over the codec."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from common.communication import Frame, Message
from common.communication.exceptions import PymasepDecodeError, PymasepEncodeError

SAMPLE = (
    b'<Message msg_type="action" src_sub_app="src-1"><dict><item key="a"><int>1</int></item>'
    b'<item key="e"><str content="empty" /></item><item key="l"><list><item><int>1</int></item></list></item>'
    b"</dict></Message>"
)


def test_to_bytes_and_str_are_the_spec_sample() -> None:
    message = Message(Message.MESSAGE_TYPE_ACTION, {"a": 1, "e": "", "l": [1]}, "src-1")
    assert message.to_bytes() == SAMPLE
    assert str(message) == SAMPLE.decode()


def test_from_bytes_fills_an_existing_message_like_pymasep() -> None:
    message = Message("", None, "")
    message.from_bytes(SAMPLE)
    assert (message.msg_type, message.params, message.src_sub_app_id) == (
        "action",
        {"a": 1, "e": "", "l": [1]},
        "src-1",
    )
    assert message == Message.decode(SAMPLE)


def test_to_xml_and_from_xml_round_trip() -> None:
    message = Message("register", {"id": "i1", "queue_id": "q1", "role": "Actor", "ok": False}, "interface-1")
    element = message.to_xml()
    assert element.tag == "Message" and element.get("msg_type") == "register"
    copy = Message("", None, "")
    copy.from_xml(element)
    assert copy == message


def test_from_xml_applies_the_same_checks_as_bytes() -> None:
    element = ET.fromstring(
        b"<Message msg_type='define' src_sub_app='e'><dict><item key='game'><type>&lt;class 'os.system'&gt;</type>"
        b"</item></dict></Message>"
    )
    with pytest.raises(PymasepDecodeError, match="unknown element <type>"):
        Message("", None, "").from_xml(element)


def test_a_define_game_path_stays_a_string() -> None:
    message = Message(Message.MESSAGE_TYPE_DEFINE, {"game": "pymasep.tests.games.TicTacToe"}, "interface")
    assert Message.decode(message.to_bytes()).params == {"game": "pymasep.tests.games.TicTacToe"}


def test_unencodable_params_are_a_clear_error() -> None:
    with pytest.raises(PymasepEncodeError, match="cannot carry"):
        Message("action", {"action": object()}, "i").to_bytes()
    with pytest.raises(PymasepEncodeError, match="must be str"):
        Message("action", {}, None).to_bytes()  # type: ignore[arg-type]


def test_frame_api() -> None:
    assert Frame(b"abc").size == 3
    assert Frame.hello_frame("id-1").message == b"id-1"
    assert Frame.bye_frame().is_bye
    assert Frame(b"x") == Frame(b"x") and Frame(b"x") != Frame(b"y")
    with pytest.raises(TypeError, match="must be bytes"):
        Frame("text")  # type: ignore[arg-type]
