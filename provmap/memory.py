"""How long-running work manages Python's cyclic garbage collector (decisions 70, 72, 74).

The collector runs when the objects allocated (less those freed) pass a threshold, 700 by
default, and each pass walks the objects still alive. A map page, an import or an export
makes tens of thousands of short-lived objects, so at that pace the passes were a third of a
term map's CPU time, four tenths of an import's check and a quarter of a large export's,
walking objects that reference counting frees anyway. Three ways of keeping them down:

* a serving process, once the application is loaded, moves what exists then out of the
  collector's sight (`gc.freeze`: it lives as long as the process) and collects the youngest
  generation every 50,000 allocations (`settle_after_start`);
* an import holds the collector off while it reads and writes a whole file (`gc_paused`):
  its objects all live until it ends;
* a streamed export collects less often while it writes (`fewer_collections`): each chunk
  is freed by reference counting once written.

Reference counting still frees nearly everything at once; only reference cycles wait a
little longer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations (less frees) between passes over the youngest objects, when they are kept down.
# The older generations keep their pace.
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


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic cycle collection inside; as it was before afterwards (so nested uses, and
    a process that keeps it off, are left alone). The switch is the whole process's: imports
    run in the jobs' worker or a command, never in a web request."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def fewer_collections(threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector less often inside the block (never more often than
    it already did), and as before after it, whatever happens inside."""
    before = gc.get_threshold()
    if before[0]:  # 0: automatic collection is off, and stays so
        gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
