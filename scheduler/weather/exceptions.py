"""Errors of the weather client: the caller's (bad limits, unknown sensor asked) apart from the
station's (a reply that is not a sensor record, or the station's error record)."""

from __future__ import annotations


class WeatherError(Exception):
    """Base of the weather client's errors."""


class WeatherCallerError(WeatherError, ValueError):
    """The caller asked for something impossible (negative limit, malformed sensor id ...)."""


class WeatherPeerError(WeatherError):
    """The station answered something that is not a sensor record, or its error record."""
