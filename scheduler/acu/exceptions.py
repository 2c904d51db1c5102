"""Errors of the ACU client: the caller's (impossible commands) apart from the ACU's (bytes that break
the status stream's framing)."""

from __future__ import annotations


class AcuError(Exception):
    """Base of the ACU client's errors."""


class AcuCallerError(AcuError, ValueError):
    """The caller asked for something the ACU protocol cannot carry (too many points, uneven spacing ...)."""


class AcuPeerError(AcuError):
    """The ACU sent something its protocol does not allow (a status of the wrong length or end flag)."""
