"""A runner dies with its parent, and takes what it started with it.

Killed outright (SIGKILL, a crash), the parent cannot end its runners, and
a runner busy in user code would live on with PPID 1. Three lines hold it:

* ``PR_SET_PDEATHSIG`` (Linux): the kernel sends :data:`DEATH_SIGNAL` when the
  parent's thread that started the runner dies; its handler ends the runner's
  group once the parent is gone;
* a watchdog thread polls the parent pid (other platforms, and code that
  holds off Python signal handlers while it releases the GIL);
* EOF on the command pipe ends the runner's command loop (see ``main``).

The runner leads its own process group (the parent starts it in a new
session), so ending the group also ends the user's child processes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

#: Environment variable with the parent's pid (set by the parent when it starts a runner).
PARENT_ENV = "JITLAB_PARENT_PID"
#: How often the watchdog looks at the parent, in seconds.
WATCH_INTERVAL_S = 0.5

#: The signal the kernel sends when the parent dies. Not SIGTERM, the parent's polite stop: the death
#: signal comes as the parent's thread exits, and while the other threads of a killed parent are still
#: going ``getppid`` names the parent, so a runner that took it for a stop left its group behind (the
#: user's child processes lived on in half the tries on a loaded 2-core machine).
DEATH_SIGNAL = getattr(signal, "SIGUSR2", None)

_PR_SET_PDEATHSIG = 1
_parent: int | None = None


def install() -> None:
    """Arm the death signal and the watchdog (before any user code runs)."""
    global _parent
    try:
        _parent = int(os.environ.get(PARENT_ENV) or 0) or None
    except ValueError:
        _parent = None
    if _parent is None:
        return  # started by hand (a test, a debugger): nobody to follow
    if sys.platform.startswith("linux") and DEATH_SIGNAL is not None:
        try:
            import ctypes

            signal.signal(DEATH_SIGNAL, _on_parent_death)
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(DEATH_SIGNAL), 0, 0, 0)
        except (OSError, AttributeError, ValueError):
            pass
    if orphaned():  # the parent died before the death signal was armed
        end_group()
    threading.Thread(target=_watch, name="jitlab-lifeline", daemon=True).start()


def orphaned() -> bool:
    """Whether the parent that started this runner is gone."""
    return _parent is not None and os.getppid() != _parent


def end_group() -> None:
    """Kill this runner's process group (itself included), or just exit if it leads none."""
    try:
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    except OSError:
        pass
    os._exit(0)


def _on_parent_death(signum, frame) -> None:
    # The parent may still be finishing its other threads; if so, the watchdog sees it go.
    if orphaned():
        end_group()


def _watch() -> None:
    while True:
        time.sleep(WATCH_INTERVAL_S)
        if orphaned():
            end_group()
