"""Whether a timed block had the CPU to itself.

Read around every timed block, outside its timed iterations (a few file reads
on Linux, none elsewhere):

``runqueue_ms``
    Time the runner's main thread was ready to run but waited for a CPU
    (``/proc/self/schedstat``): the direct measure of preemption.
``others_busy_pct``
    How busy the runner's cores were with other processes' work (and, on a
    virtual machine, with the hypervisor's: steal time), from ``/proc/stat``
    less this process's own CPU time.
``cpu_ms``
    CPU time this process used in the block, all threads.
"""

from __future__ import annotations

import os
import time
from typing import Any

_TICK_S = 1.0 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


def _runqueue_ns() -> int | None:
    """Run-queue wait of the runner's main thread so far (Linux), or ``None``.

    The main thread only: it runs every step (on a GPU it launches the
    forward). Intra-op worker threads wait a little for a core each time a
    parallel region wakes them, even on an idle machine, and summed over
    thousands of regions that read as contention where there was none.
    """
    try:
        with open("/proc/self/schedstat", "rb") as fh:
            return int(fh.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cpu_ticks(cores: set[int] | None) -> tuple[float, float] | None:
    """``(busy, all)`` clock ticks of the given cores so far, from ``/proc/stat``."""
    try:
        with open("/proc/stat", "rb") as fh:
            lines = fh.read().decode().splitlines()
    except OSError:
        return None
    busy = total = 0.0
    for line in lines:
        if not line.startswith("cpu") or line.startswith("cpu "):
            continue
        name, *fields = line.split()
        try:
            core = int(name[3:])
            values = [float(x) for x in fields]
        except ValueError:
            continue
        if cores is not None and core not in cores:
            continue
        idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
        total += sum(values[:8])  # user..steal; guest time is already inside user
        busy += sum(values[:8]) - idle
    return busy, total


def _cores() -> set[int] | None:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


class BlockMeter:
    """Snapshot at a block's start; :meth:`stop` gives the block's figures."""

    def __init__(self) -> None:
        self.cores = _cores()
        self.t0 = time.perf_counter()
        self.cpu0 = time.process_time()
        self.rq0 = _runqueue_ns()
        self.ticks0 = _cpu_ticks(self.cores)

    def stop(self) -> dict[str, Any]:
        elapsed = time.perf_counter() - self.t0
        own = time.process_time() - self.cpu0
        out: dict[str, Any] = {"block_ms": round(elapsed * 1000.0, 3), "cpu_ms": round(own * 1000.0, 3)}
        rq = _runqueue_ns()
        if rq is not None and self.rq0 is not None:
            out["runqueue_ms"] = round((rq - self.rq0) / 1e6, 3)
        ticks = _cpu_ticks(self.cores)
        if ticks is not None and self.ticks0 is not None and elapsed > 0:
            busy = (ticks[0] - self.ticks0[0]) * _TICK_S
            span = (ticks[1] - self.ticks0[1]) * _TICK_S
            # /proc/stat counts in ticks (10 ms): a short block reads as 0 or 1 tick per core.
            if span >= 0.05:
                others = max(0.0, busy - own)
                out["others_busy_pct"] = round(min(100.0, 100.0 * others / span), 1)
        out["cores"] = len(self.cores) if self.cores else os.cpu_count()
        return out
