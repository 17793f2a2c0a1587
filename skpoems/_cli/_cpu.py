"""The CPU threads of the commands: torch's, and scikit-learn's OpenMP/BLAS
pools (k-means, t-SNE), sized to the cores that other work leaves free."""

from __future__ import annotations

import math
import os
import time


def _busy_cores(window: float = 1.0) -> float | None:
    """Cores kept busy by other processes now: the machine's non-idle CPU time
    over ``window`` seconds (``/proc/stat``), in cores; None where unavailable."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(t) for t in f.readline().split()[1:]]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
        return sum(ticks[:8]), idle  # guest time is counted in user time already

    try:
        total0, idle0 = sample()
        time.sleep(window)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    if total1 <= total0:
        return None
    share = 1.0 - (idle1 - idle0) / (total1 - total0)
    return max(0.0, share) * (os.cpu_count() or 1)


def auto_threads() -> int:
    """Torch threads for the cores that other work leaves free right now.

    torch's default of one thread per core slows training several-fold when the
    cores are busy with other processes (the threads wait on each other). Busy
    cores are measured over one second (Linux ``/proc/stat``) rather than by the
    1-minute load average, which lags by about a minute both ways: right after a
    ``pip install`` it still counts the finished install as busy, and it does not
    yet see a training run started seconds before. Elsewhere the load average
    is used.
    """
    from .._sweep import available_cores

    cores = available_cores()
    busy = _busy_cores()
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except (AttributeError, OSError):  # pragma: no cover - not on Windows
            return cores
    return max(1, min(cores, math.floor(cores - busy + 0.5)))


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _pool_limits(threads: int | None):
    """scikit-learn's OpenMP/BLAS pools (k-means, t-SNE) limited to ``threads``;
    None: as they are."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=threads)
