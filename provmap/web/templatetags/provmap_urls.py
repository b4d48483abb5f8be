"""Links that keep the page's filters: from a figure of the map to the pupils behind it,
and back again."""

from __future__ import annotations

from django import template

from provmap.web.links import QueryLinks

register = template.Library()


@register.simple_tag(takes_context=True)
def query_url(context: template.Context, name: str, *args: object, **params: object) -> str:
    """The URL `name` with this request's query string, less empty values and the figure
    picked, plus `params` (an empty value removes a parameter). A page with many such links
    builds them in Python with provmap.web.links.QueryLinks (the same links)."""
    return QueryLinks(context["request"], name, *args)(**params)
