"""Brute force and floods through the web: DRF throttles (429 with ``Retry-After``).

- ``token``: ``POST /api/token/`` per client address, whatever the outcome;
- ``auth_failure``: wrong tokens (``Authorization: Token ...``) and wrong passwords on the token
  endpoint, per client address; once over the rate, even a right one gets 429 until it cools down;
- ``inject``: message injection per user, REST and websocket together (one history per user).

The token view is ``common.api.ThrottledObtainAuthToken`` (a view may not be imported here: DRF
imports authentication classes while it imports its views). Rates are
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``; histories live in Django's cache (per process
with the default local-memory cache, shared with ``REDIS_URL``).
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class TokenEndpointThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthFailureThrottle(SimpleRateThrottle):
    """Counts failed authentications per client address; :meth:`check` refuses once over the rate."""

    scope = "auth_failure"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request: Any) -> None:
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def check(self, request: Any) -> None:
        """Raise :class:`Throttled` (429, Retry-After) while this address is over the failure rate."""
        self._load(request)
        if len(self.history) >= self.num_requests:
            raise Throttled(self.wait(), detail="too many failed authentications from this address; retry later")

    def record(self, request: Any) -> None:
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token authentication that counts wrong tokens per address and refuses (429) past the rate."""

    def authenticate(self, request: Request) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION", b"")
        if not header:
            return None
        throttle = AuthFailureThrottle()
        throttle.check(request)
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle.record(request)
            raise


class InjectThrottle(UserRateThrottle):
    scope = "inject"


class _UserOnly:
    """What :class:`InjectThrottle` reads of a request: the user (authenticated: keyed by pk)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.META: dict[str, str] = {}


def inject_wait(user: Any) -> float | None:
    """For the websocket: None if ``user`` may inject now (and count it), else seconds to wait."""
    throttle = InjectThrottle()
    if throttle.allow_request(_UserOnly(user), None):  # type: ignore[arg-type]
        return None
    return throttle.wait() or 1.0


def throttle_login(view: Any) -> Any:
    """Wrap a Django login view (the console's, the admin's): a POST from an address over the
    ``auth_failure`` rate gets 429 with ``Retry-After``; a POST answered 200 (the form shown again:
    wrong credentials) counts as a failure."""
    from functools import wraps

    from django.http import HttpResponse

    @wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        throttle = AuthFailureThrottle()
        try:
            throttle.check(request)
        except Throttled as exc:
            response = HttpResponse(str(exc.detail), status=429, content_type="text/plain")
            response["Retry-After"] = str(int(exc.wait or 1) + 1)
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            throttle.record(request)
        return response

    return wrapped
