"""A JSON body parser for the REST API that answers 400, never 500, whatever the body.

DRF's ``JSONParser`` uses the standard library, which recurses once per nesting level: a body of
100,000 ``[`` raises ``RecursionError`` (a 500). This parser decodes with orjson (strict RFC 8259,
no recursion in Python), refuses nesting deeper than the native wire carries (``MAX_DEPTH``: what
could not be sent to an agent anyway) and bodies over ``PYROS_MAX_BODY_SIZE`` bytes (413).
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

from .conf import setting
from .protocol.message import MAX_DEPTH, too_deep


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "request body too large"
    default_code = "body_too_large"


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = int(setting("PYROS_MAX_BODY_SIZE"))
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise BodyTooLarge(f"request body over {limit} bytes")
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if "depth" in str(exc) or "recursion" in str(exc).lower():
                raise ParseError(f"JSON nests deeper than {MAX_DEPTH} levels") from None
            raise ParseError(f"JSON parse error - {exc}") from None
        if (data.count(b"[") + data.count(b"{")) > MAX_DEPTH and too_deep(value, MAX_DEPTH):
            raise ParseError(f"JSON nests deeper than {MAX_DEPTH} levels")
        return value


def loads_json_message(text: str) -> Any:
    """The websocket's JSON: orjson (no RecursionError); ``ValueError`` for anything not JSON or
    nesting deeper than ``MAX_DEPTH``."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    if (text.count("[") + text.count("{")) > MAX_DEPTH and too_deep(value, MAX_DEPTH):
        raise ValueError(f"nests deeper than {MAX_DEPTH} levels")
    return value
