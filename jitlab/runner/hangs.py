"""Let the parent read this runner's Python stack when it hangs.

The parent names a private folder in ``JITLAB_STACK_DIR``; on ``SIGUSR1``
``faulthandler`` writes every thread's Python stack to ``<folder>/<pid>.txt``
(from a C signal handler, so it works while the main thread is stuck in C or
in a ``time.sleep``). See :mod:`jitlab.core.run.watchdog`.
"""

from __future__ import annotations

import faulthandler
import os
import signal

STACK_DIR_ENV = "JITLAB_STACK_DIR"

_FILE = None


def install() -> None:
    """Register the stack dump on ``SIGUSR1`` (where the platform has it and the parent asked for it)."""
    global _FILE
    folder = os.environ.get(STACK_DIR_ENV)
    if not folder or not hasattr(signal, "SIGUSR1") or not os.path.isdir(folder):
        return
    try:
        _FILE = open(os.path.join(folder, f"{os.getpid()}.txt"), "w", encoding="utf-8")  # noqa: SIM115 - kept open
        faulthandler.register(signal.SIGUSR1, file=_FILE, all_threads=True, chain=False)
    except (OSError, RuntimeError, ValueError):
        _FILE = None
