"""Peers' Ivy regexps, compiled with RE2 (linear time), sans-IO.

An Ivy peer subscribes with a regexp and the *sender* matches its own messages against every peer
regexp. With a backtracking engine (Python ``re``, PCRE) a peer that binds ``^(a+)+$`` makes our
``send_msg("a" * 30 + "b")`` run for minutes in our thread. RE2 matches in time linear in the text,
whatever the pattern, and bounds the memory a pattern may take (``MAX_PROGRAM_MEMORY``). It cannot
run the few PCRE constructs that need backtracking (look-around, back-references, atomic groups,
possessive quantifiers, conditionals): such a regexp gets a clear :class:`IvyRegexpError` naming the
construct, and the peer an Ivy ERROR, instead of a silent mismatch.
"""

from __future__ import annotations

import re
from typing import Any

import re2  # type: ignore[import-untyped]

from .exceptions import IvyRegexpError

MAX_PROGRAM_MEMORY = 8 << 20  # bytes RE2 may use for one compiled regexp
MAX_REGEXP_LENGTH = 4096  # characters
MAX_REGEXPS_PER_PEER = 1024  # subscriptions one peer may hold (each costs one search per send)

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 logs to stderr by default; the error is raised instead
_OPTIONS.max_mem = MAX_PROGRAM_MEMORY

# PCRE constructs RE2 does not take, with the words for the error message (checked only once RE2
# has refused the pattern, so a literal "(?=" inside a class or an escape cannot mislead).
_PCRE_ONLY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(\?<?[=!]"), "look-ahead/look-behind (?=...), (?!...), (?<=...), (?<!...)"),
    (re.compile(r"\\[1-9]|\(\?P=|\\k<|\\g\{?[0-9-]"), "back-references (\\1, (?P=name), \\k<name>)"),
    (re.compile(r"\(\?>"), "atomic groups (?>...)"),
    (re.compile(r"[*+?}]\+"), "possessive quantifiers (a*+, a++, a?+)"),
    (re.compile(r"\(\?\("), "conditionals (?(1)...)"),
    (re.compile(r"\(\?R\)|\(\?[0-9]+\)|\(\?&"), "recursion (?R), (?1)"),
)

_UNANCHORED = re2._Anchor.UNANCHORED
_ANY_BYTE = re.compile(r"(?<!\\)(?:\\\\)*\\C")  # an unescaped \C


class Pattern:
    """A compiled peer regexp. :meth:`search` takes the UTF-8 text (encoded once per send for every
    regexp) and returns the captured groups as UTF-8 bytes (``b""`` for a group that did not take
    part, as ``groups("")``), or None. It calls RE2's matcher directly: the ``re``-like wrapper
    re-encodes the text and maps byte offsets back to characters on every call (5x slower)."""

    __slots__ = ("_match", "groups", "pattern")

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self.groups: int = compiled.groups
        self._match = compiled._regexp.Match

    def search(self, data: bytes) -> list[bytes] | None:
        spans = self._match(_UNANCHORED, data, 0, len(data))
        if spans[0][0] < 0:
            return None
        return [b"" if start < 0 else data[start:stop] for start, stop in spans[1:]]


def compile_peer_regexp(regexp: str) -> Pattern:
    """Compile a peer's regexp with RE2; raise :class:`IvyRegexpError` with a clear reason."""
    if len(regexp) > MAX_REGEXP_LENGTH:
        raise IvyRegexpError(f"regexp of {len(regexp)} characters exceeds the limit of {MAX_REGEXP_LENGTH}")
    if _ANY_BYTE.search(regexp):
        raise IvyRegexpError(f"regexp {regexp[:80]!r} uses \\C (one byte): it could split a character")
    try:
        return Pattern(regexp, re2.compile(regexp, _OPTIONS))
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
    for construct, words in _PCRE_ONLY:
        if construct.search(regexp):
            raise IvyRegexpError(
                f"regexp {regexp[:80]!r} uses {words}, which the linear-time engine (RE2) cannot run: {reason}"
            )
    raise IvyRegexpError(f"regexp {regexp[:80]!r} is not valid: {reason}")
