"""Who may do what on the dashboard: reading needs a signed-in user; injecting messages needs the
``common.inject_message`` permission; starting, stopping and restarting agents (and sending them
``SHUTDOWN``) needs ``common.control_agent``. Staff users (and superusers) have both without a grant."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

INJECT_PERMISSION = "common.inject_message"
CONTROL_PERMISSION = "common.control_agent"


def can_inject(user: Any) -> bool:
    """Staff, superusers, and users granted ``common.inject_message`` (directly or by a group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(INJECT_PERMISSION))


def can_control(user: Any) -> bool:
    """Staff, superusers, and users granted ``common.control_agent`` (directly or by a group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(CONTROL_PERMISSION))


class CanControlAgents(BasePermission):
    message = "starting, stopping and restarting agents needs the common.control_agent permission (or a staff account)"

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_control(request.user)


class CanInjectMessages(BasePermission):
    message = "injecting messages needs the common.inject_message permission (or a staff account)"

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_inject(request.user)
