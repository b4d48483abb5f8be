"""Python's cyclic garbage collector paced for a long export.

The collector runs when the objects allocated (less those freed) pass a threshold, 700 by
default, and each pass walks the objects still alive. A streamed export reads tens of
thousands of model objects a chunk and frees each chunk once it is written (MapSlice.release
breaks the cycles the prefetches make, so reference counting frees it): the passes find
nothing to collect, yet at the default pace they were a quarter of a large export's time.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations (less frees) between passes over the youngest objects while an export runs: a
# chunk's objects, which are freed with the chunk. The older generations keep their pace.
EXPORT_THRESHOLD = 50_000


@contextmanager
def fewer_collections(threshold: int = EXPORT_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector less often inside the block (never more often than
    it already did), and as before after it, whatever happens inside."""
    before = gc.get_threshold()
    if before[0]:  # 0: automatic collection is off, and stays so
        gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
