"""Pin a runner to CPU cores, so that every variant runs on the same cores.

Runners take turns (one executes at a time), so sharing cores costs nothing,
and it removes one source of block-to-block variation: a launch-bound GPU
variant that lands on another core (other cache, other clock) after a switch.
"""

from __future__ import annotations

import os

from jitlab.core import pin_cpus


class AffinityError(ValueError):
    """A CPU list that this machine cannot honour."""


def choose(spec: str, device_type: str, pin_core: int | None = None) -> list[int] | None:
    """The cores for ``spec``, or None for no pinning.

    ``auto`` pins a GPU runner to ``pin_core`` (chosen by the parent, the same
    for every runner) or else to the last core it may use, and leaves a CPU
    runner alone: its intra-op threads need all their cores. ``none`` never
    pins; a list such as ``2,3`` or ``0-3`` pins on any device.
    """
    allowed = sorted(os.sched_getaffinity(0))
    try:
        parsed = pin_cpus.parse(spec or pin_cpus.NONE)
    except pin_cpus.PinSpecError as exc:
        raise AffinityError(str(exc)) from None
    if parsed == pin_cpus.NONE:
        return None
    if parsed == pin_cpus.AUTO:
        if device_type == "cpu":
            return None
        return [pin_core] if pin_core in allowed else allowed[-1:]
    cpus = list(parsed)
    missing = sorted(set(cpus) - set(allowed))
    if not cpus or missing:
        raise AffinityError(f"--pin-cpus {spec!r}: CPU(s) {missing or '(none)'} not available; "
                            f"this process may use {allowed}")
    return sorted(set(cpus))


def pin(cpus: list[int], all_threads: bool = False) -> list[int]:
    """Restrict the calling thread (or, with ``all_threads``, every thread of this
    process) and the threads started later to ``cpus``; returns the affinity now in force.
    """
    os.sched_setaffinity(0, cpus)
    if all_threads:
        try:
            tids = [int(t) for t in os.listdir("/proc/self/task")]
        except OSError:
            tids = []
        for tid in tids:
            try:
                os.sched_setaffinity(tid, cpus)
            except OSError:  # a thread that has just ended
                pass
    return sorted(os.sched_getaffinity(0))
