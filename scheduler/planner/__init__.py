"""The night planner: pure numpy + astropy (offline), no Django. Requests in, slots out."""

from .exceptions import InvalidRequest, InvalidSite, PlannerError
from .night import coming_night, local_date, night_of
from .planner import plan
from .types import Plan, PlannerConfig, Request, Site, Slot, iso

__all__ = [
    "InvalidRequest",
    "InvalidSite",
    "Plan",
    "PlannerConfig",
    "PlannerError",
    "Request",
    "Site",
    "Slot",
    "coming_night",
    "iso",
    "local_date",
    "night_of",
    "plan",
]
