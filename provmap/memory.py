"""How a serving process manages Python's garbage collector (decision 70).

A page of the map builds tens of thousands of short-lived objects (rows, model instances,
costs). With the collector's default thresholds, a request that large sets off several full
collections, and each of them walks every object the process holds, most of them the
long-lived ones loaded at start-up (Django, the URL patterns, the templates). Measured on a
school of 1,200 pupils, that was a third of the term map's CPU time.

So, once the application is loaded: what exists then is moved out of the collector's sight
(`gc.freeze`: it lives as long as the process anyway), and the youngest generation is
collected after 50,000 allocations rather than 700, so that one request sets off few
collections. Reference counting still frees almost everything at once; only cycles wait a
little longer.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000


def settle_after_start() -> None:
    """Call once the application is loaded, in each serving process. The URL patterns (and
    with them every view module) are loaded first, so that they are frozen too."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading them is the point
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
