"""The DISCOS backend protocol's messages (sans-IO): ``?name[,arg...]\\r\\n`` requests and
``!name,code[,arg...]\\r\\n`` replies, code ``ok``, ``fail`` or ``invalid``."""

from __future__ import annotations

import re
from collections.abc import Iterable

from simulators.exceptions import GrammarException

__all__ = ["FAIL", "INVALID", "OK", "REPLY", "REQUEST", "TAIL", "GrammarException", "Message", "parse_message"]

REQUEST, REPLY = "?", "!"
TAIL = "\r\n"
SEPARATOR = ","
OK, FAIL, INVALID = "ok", "fail", "invalid"

_NAME = r"(?P<name>[a-zA-Z][a-zA-Z0-9-]*)"
_ARGUMENTS = r"(,(?P<arguments>[^\r\n]+))?(\r\n)?$"
REQUEST_PATTERN = re.compile(r"^(?P<type>\?)" + _NAME + _ARGUMENTS)
REPLY_PATTERN = re.compile(r"^(?P<type>!)" + _NAME + rf",(?P<code>({OK}|{FAIL}|{INVALID}))" + _ARGUMENTS)


class Message:
    """One request or reply; ``str()`` gives its wire text, tail included."""

    def __init__(self, message_type: str, name: str, code: str = "", arguments: Iterable[object] | None = None) -> None:
        self.message_type = message_type
        self.name = name
        self.code = code
        self.arguments = [str(a) for a in arguments or []]

    def is_request(self) -> bool:
        return self.message_type == REQUEST

    def is_reply(self) -> bool:
        return self.message_type == REPLY

    def __str__(self) -> str:
        arguments = "".join(SEPARATOR + a for a in self.arguments)
        code = f"{SEPARATOR}{self.code}" if self.is_reply() else ""
        return f"{self.message_type}{self.name}{code}{arguments}{TAIL}"


def parse_message(text: str) -> Message:
    """A message's text (tail optional) -> :class:`Message`; :class:`GrammarException` if invalid."""
    if not text:
        raise GrammarException("empty message is not valid")
    if text.startswith(REPLY):
        match = REPLY_PATTERN.match(text)
    elif text.startswith(REQUEST):
        match = REQUEST_PATTERN.match(text)
    else:
        raise GrammarException(f"invalid message type '{text[0]}'")
    if match is None:
        raise GrammarException("invalid syntax")
    groups = match.groupdict()
    arguments = groups["arguments"].split(SEPARATOR) if groups["arguments"] else []
    return Message(groups["type"], groups["name"], groups.get("code") or "", arguments)
