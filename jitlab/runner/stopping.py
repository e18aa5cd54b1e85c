"""A polite stop: SIGTERM ends a timed block after its current iteration.

A runner holds a block's iterations until the block ends (see
:class:`jitlab.runner.main.HeldMessages`); killed outright, it would take them
with it. The parent therefore stops a run with SIGTERM first: inside a timed
block the runner finishes the iteration it is in, sends what it measured and
exits; anywhere else it exits at once. The parent kills it after a grace
period all the same (a step may hang in C code, where no Python handler runs).
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from typing import Iterator


class _State:
    in_block = False
    requested = False


_STATE = _State()


def install() -> None:
    """Handle SIGTERM as a stop request (where the platform has it)."""
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_term)


def requested() -> bool:
    """Whether a stop was asked for (the timed loop checks it every iteration)."""
    return _STATE.requested


@contextmanager
def timed_block() -> Iterator[None]:
    """Within it, a stop request waits for the loop to notice it instead of exiting."""
    _STATE.in_block = True
    try:
        yield
    finally:
        _STATE.in_block = False


def _on_term(signum, frame) -> None:
    from jitlab.runner import lifeline

    if lifeline.orphaned():  # a stop after the parent died: nobody will read what is held
        lifeline.end_group()
    _STATE.requested = True
    if not _STATE.in_block:
        # Nothing is held outside a timed block. An exception raised here could be caught (or, in
        # TorchScript, turned into a RuntimeError) by the code it interrupts, so leave at once.
        os._exit(0)
