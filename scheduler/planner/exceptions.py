"""Errors of the planner: the caller's (bad requests, bad site or night) only; it has no peer."""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every planner error."""


class InvalidRequest(PlannerError, ValueError):
    """An observation request with a missing or out-of-range field."""


class InvalidSite(PlannerError, ValueError):
    """A site or a planner setting out of range (latitude, twilight limit, slew rate ...)."""
