"""Links that keep the page's filters: from a figure of the map to the pupils behind it,
and back again."""

from __future__ import annotations

from django import template
from django.urls import reverse

register = template.Library()

# What picks one figure of the map; dropped when moving on to another page of the map.
FIGURE_KEYS = ("run", "sen")


@register.simple_tag(takes_context=True)
def query_url(context: template.Context, name: str, *args: object, **params: object) -> str:
    """The URL `name` with this request's query string, less empty values and the figure
    picked, plus `params` (an empty value removes a parameter)."""
    request = context["request"]
    query = request.GET.copy()
    for key in FIGURE_KEYS:
        query.pop(key, None)
    for key in list(query):
        values = [value for value in query.getlist(key) if value]
        if values:
            query.setlist(key, values)
        else:
            del query[key]
    for key, value in params.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    url = reverse(name, args=args)
    encoded = query.urlencode()
    return f"{url}?{encoded}" if encoded else url
