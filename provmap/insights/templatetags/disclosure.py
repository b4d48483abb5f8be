"""The small-number rule in templates: `{{ count|pupils:disclosure }}` writes a count of
pupils as the viewer may see it, `{% if disclosure|hides:count %}` asks whether a figure
worked out from that many pupils is held back (provmap.insights.disclosure)."""

from __future__ import annotations

from typing import SupportsInt

from django import template

from provmap.insights.disclosure import EXACT, Disclosure

register = template.Library()


@register.filter
def pupils(count: SupportsInt | None, disclosure: Disclosure | None) -> str:
    if count is None:
        return ""
    return str((disclosure or EXACT).count(int(count)))


@register.filter
def hides(disclosure: Disclosure | None, count: SupportsInt | None) -> bool:
    return disclosure is not None and count is not None and disclosure.hides(int(count))
