"""Python's cycle collector held off while an import reads or writes a whole file.

A student list of a trust's size makes hundreds of thousands of small objects (cells, rows,
checked values, unsaved pupils) that all live until the import ends. The collector, counting
them as they are made, walks all of them again and again to find cycles there are almost none
of: four tenths of the time an import spent checking a 30,000-row file. Held off for the
import, it runs as usual afterwards, so the few cycles made are still freed.

The switch is the whole process's: imports run in the jobs' worker or a command, never in a
web request. Two pauses at once in one process can only end it early (the first to end turns
the collector back on), never leave it off.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No automatic cycle collection inside; as it was before afterwards (so nested uses, and
    a process that keeps it off, are left alone)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
