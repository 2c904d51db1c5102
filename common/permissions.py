"""Who may do what on the dashboard: reading needs a signed-in user; injecting messages needs the
``common.inject_message`` permission, which staff users (and superusers) have without a grant."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

INJECT_PERMISSION = "common.inject_message"


def can_inject(user: Any) -> bool:
    """Staff, superusers, and users granted ``common.inject_message`` (directly or by a group)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.has_perm(INJECT_PERMISSION))


class CanInjectMessages(BasePermission):
    message = "injecting messages needs the common.inject_message permission (or a staff account)"

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_inject(request.user)
