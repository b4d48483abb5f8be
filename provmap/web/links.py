"""Links built in Python for pages that show many of them (a row each, a pupil each): the URL
is reversed once and each object's link is that URL with its id, instead of a `{% url %}`
(one `reverse()`) per link. The links are the same strings the template tags write."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

# A stand-in id, reversed once and replaced by each object's id.
_PLACEHOLDER = 2147483646
# What picks one figure of the map; dropped when moving on to another page of the map.
FIGURE_KEYS = ("run", "sen")


def id_url(name: str, *args: object) -> Callable[[object], str]:
    """The URL `name` for `args` and one more, last, integer argument: a function of that
    id. `id_url("run_detail", urn)(run.pk) == reverse("run_detail", args=[urn, run.pk])`."""
    url = reverse(name, args=[*args, _PLACEHOLDER])
    head, found, tail = url.rpartition(str(_PLACEHOLDER))
    if not found:
        raise ValueError(f"{name} does not end its path with the id.")
    return lambda pk: f"{head}{int(pk)}{tail}"  # type: ignore[call-overload]


class QueryLinks:
    """The URL `name` with the request's query string, less empty values and the figure
    picked (FIGURE_KEYS), plus whatever each link sets (an empty value removes a parameter);
    the request's query is read once for all the links of a page."""

    def __init__(self, request: HttpRequest, name: str, *args: object) -> None:
        self.url = reverse(name, args=args)
        # Each parameter's encoded values, in the request's order (the order QueryDict keeps).
        self.kept: dict[str, str] = {}
        for key, values in request.GET.lists():
            if key in FIGURE_KEYS:
                continue
            present = [value for value in values if value]
            if present:
                self.kept[key] = "&".join(urlencode({key: value}) for value in present)

    def __call__(self, **params: object) -> str:
        parts = dict(self.kept)
        for key, value in params.items():
            if value is None or value == "":
                parts.pop(key, None)
            else:
                # A parameter already in the query keeps its place, as in a QueryDict.
                parts[key] = urlencode({key: str(value)})
        encoded = "&".join(parts.values())
        return f"{self.url}?{encoded}" if encoded else self.url
