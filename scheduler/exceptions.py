"""Errors of the scheduler app: the caller's (bad message parameters); the planner has its own."""

from __future__ import annotations

from common.exceptions import CallerError


class SchedulerError(CallerError):
    """Base of the scheduler's caller errors."""


class InvalidAlertParams(SchedulerError, ValueError):
    """A ``NEW_ALERT`` whose parameters are missing or out of range."""


class InvalidRequestParams(SchedulerError, ValueError):
    """A ``New request`` whose parameters are missing or out of range."""
