"""Custom command detection and parsing, sans-IO (spec §1.4, quirk Q13 fixed)."""

from __future__ import annotations

import pytest

from simulators.custom import CustomCommandDetector, is_whole_custom_command, split_custom_command
from simulators.exceptions import CustomCommandError


def detect(text: str, starts: str | None = None) -> list[str]:
    """Feed ``text``; ``starts[i] == '1'`` marks byte i as at a message start (all by default)."""
    detector = CustomCommandDetector()
    found = []
    for index, ch in enumerate(text):
        body = detector.feed(ch, at_message_start=starts is None or starts[index] == "1")
        if body is not None:
            found.append(body)
    return found


@pytest.mark.parametrize(
    ("text", "bodies"),
    [
        pytest.param("$system_stop%%%%%", ["system_stop"], id="plain"),
        pytest.param("xx$a:1,2%%%%%yy", ["a:1,2"], id="surrounded"),
        pytest.param("$abc$def%%%%%", ["def"], id="dollar-restarts"),
        pytest.param("$a%%%%$b%%%%%", ["b"], id="four-percent-is-not-a-tail"),
        pytest.param("$a%%%%%%", ["a"], id="tail-completes-at-fifth"),
        pytest.param("abc%%%%%", [], id="no-header"),
        pytest.param("$%%%%%", [""], id="empty-body"),
        pytest.param("$x%%%%%$y%%%%%", ["x", "y"], id="two"),
    ],
)
def test_detection(text: str, bodies: list[str]) -> None:
    assert detect(text) == bodies


def test_a_header_inside_a_message_does_not_start_a_command() -> None:
    text = "$system_stop%%%%%"
    assert detect(text, "0" * len(text)) == []
    assert detect(text, "1" + "0" * (len(text) - 1)) == ["system_stop"]


def test_collection_is_bounded() -> None:
    detector = CustomCommandDetector(max_length=10)
    detector.feed("$", True)
    with pytest.raises(CustomCommandError, match="longer than 10 bytes"):
        for ch in "a" * 20:
            detector.feed(ch, False)
    assert not detector.collecting
    detector.feed("$", True)
    detector.reset()
    assert not detector.collecting


@pytest.mark.parametrize(
    ("body", "split"),
    [
        pytest.param("system_stop", ("system_stop", []), id="no-params"),
        pytest.param("set:1,2", ("set", ["1", "2"]), id="params-are-strings"),
        pytest.param("set:", ("set", []), id="empty-params"),
        pytest.param("set:,", ("set", ["", ""]), id="empty-strings"),
    ],
)
def test_split(body: str, split: tuple[str, list[str]]) -> None:
    assert split_custom_command(body) == split


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("a:b:c", id="q13-two-colons"),
        pytest.param("__class__", id="dunder"),
        pytest.param("_x", id="private"),
        pytest.param("not a name", id="spaces"),
        pytest.param("", id="empty"),
    ],
)
def test_split_rejects(body: str) -> None:
    with pytest.raises(CustomCommandError) as caught:
        split_custom_command(body)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("chunk", "whole"),
    [
        pytest.param("$a%%%%%", True, id="whole"),
        pytest.param("$a%%%%%\n", False, id="trailing"),
        pytest.param("x$a%%%%%", False, id="leading"),
        pytest.param("$%%%%", False, id="too-short"),
    ],
)
def test_sending_servers_only_take_whole_chunks(chunk: str, whole: bool) -> None:
    assert is_whole_custom_command(chunk) is whole
