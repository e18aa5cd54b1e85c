"""Which CPU core the runners of a GPU run share.

A launch-bound GPU step runs at the speed of the one CPU thread that launches
its kernels. When runners take turns, the OS wakes each on whichever core is
free, and the cores of a virtual machine differ (caches, clocks, neighbours):
on an H100 host, three interleaved runs of the same Conv2d comparison gave
script-over-eager speedups of 1.53x, 1.96x and 2.05x unpinned, and 1.64-1.66x
with every runner on one core (``benchmarks/results/``). The parent
picks that core, so that all runners agree on it.
"""

from __future__ import annotations

import os
from typing import Any

import psutil


def choose_core(interval: float | None = 0.1) -> int | None:
    """The least busy core this process may use (ties: the highest number).

    Core 0 is avoided when there is a choice: interrupts and housekeeping
    often land there. ``interval`` is the sampling time in seconds (``None``:
    since the previous call, which does not block).
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if not allowed:
        return None
    candidates = [c for c in allowed if c != 0] or allowed
    try:
        load = psutil.cpu_percent(interval=interval, percpu=True)
    except Exception:  # noqa: BLE001 - a container may hide per-core times; any core will do
        return candidates[-1]
    return min(reversed(candidates), key=lambda c: load[c] if c < len(load) else 100.0)


def place(settings: dict[str, Any], interval: float | None = 0.1) -> dict[str, Any]:
    """Fill ``settings["pin_core"]`` for ``--pin-cpus auto`` (the runners pin only on a GPU)."""
    if settings.get("pin_cpus") == "auto" and settings.get("pin_core") is None and settings.get("device") != "cpu":
        settings["pin_core"] = choose_core(interval)
    return settings
