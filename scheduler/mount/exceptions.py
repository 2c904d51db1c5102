"""Errors of the LX200 mount client: the caller's (bad coordinates, endpoint not running) apart from the
mount's (bytes that break the protocol)."""

from __future__ import annotations


class MountError(Exception):
    """Base of the mount client's errors."""


class MountCallerError(MountError, ValueError):
    """The caller asked for something impossible (RA outside 0..360, Dec outside -90..90 ...)."""


class MountPeerError(MountError):
    """The mount sent something the protocol does not allow (unexpected or overlong reply, bad format)."""
