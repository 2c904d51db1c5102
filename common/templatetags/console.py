"""Template helpers of the console: ``{{ value|abstime }}`` renders a ``<time>`` element in the one
format of :mod:`common.timefmt` (``console.js`` adds the relative time on hover)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html

from ..timefmt import format_time, iso

register = template.Library()


@register.filter
def abstime(value: datetime | str | float | None) -> str:
    text = format_time(value)
    if not text:
        return ""
    return format_html('<time datetime="{}" class="abs">{}</time>', iso(value), text)


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)
