"""Pin a runner to CPU cores, so that every variant runs on the same cores.

Runners take turns (one executes at a time), so sharing cores costs nothing,
and it removes one source of block-to-block variation: a launch-bound GPU
variant that lands on another core (other cache, other clock) after a switch.
"""

from __future__ import annotations

import os


class AffinityError(ValueError):
    """A CPU list that this machine cannot honour."""


def choose(spec: str, device_type: str, threads: int) -> list[int]:
    """The cores for ``spec``: ``auto`` or a list like ``2,3`` or ``0-3``.

    ``auto`` picks, from the cores this process may use, the last one for a
    GPU device (its host work is one thread launching kernels) and the last
    ``threads`` ones for a CPU device.
    """
    allowed = sorted(os.sched_getaffinity(0))
    if spec == "auto":
        want = 1 if device_type != "cpu" else max(1, min(threads, len(allowed)))
        return allowed[-want:]
    cpus: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                cpus.extend(range(lo, hi + 1))
            else:
                cpus.append(int(part))
        except ValueError:
            raise AffinityError(f"--pin-cpus {spec!r}: use auto or a list such as 2,3 or 0-3") from None
    missing = sorted(set(cpus) - set(allowed))
    if not cpus or missing:
        raise AffinityError(f"--pin-cpus {spec!r}: CPU(s) {missing or '(none)'} not available; "
                            f"this process may use {allowed}")
    return sorted(set(cpus))


def pin(cpus: list[int]) -> list[int]:
    """Restrict this process to ``cpus``; returns the affinity now in force."""
    os.sched_setaffinity(0, cpus)
    return sorted(os.sched_getaffinity(0))
