"""The stop signals of the parent (``jitlab run`` and the app): which they are, and handing them to a
handler for a while."""

from __future__ import annotations

import signal
import threading
from typing import Any, Callable

#: Signals that stop a run politely, as a first Ctrl-C does (``timeout`` and batch schedulers send SIGTERM).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def install(handler: Callable[[int, Any], None]) -> dict[int, Any]:
    """Send every stop signal to ``handler``; returns the handlers it replaced, for :func:`restore`.

    Does nothing off the main thread, where Python cannot set signal handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in STOP_SIGNALS:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError):
            pass
    return previous


def restore(previous: dict[int, Any]) -> None:
    """Put back the handlers :func:`install` replaced."""
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler)
        except (OSError, ValueError, TypeError):
            pass
