"""How the benchmarks time what they repeat."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

REPEATS = 5


def median_wall_and_cpu(work: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds of `work` over REPEATS runs after one warm-up. The CPU
    time is this process's (`time.process_time`): steadier than the wall on a busy machine,
    but without the database's."""
    work()
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)
