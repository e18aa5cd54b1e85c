"""The parent's side of the stack dump of a hung runner (see :mod:`jitlab.core.run.watchdog`)."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
from pathlib import Path

#: Environment variable that tells a runner where to write its stack (``jitlab.runner.hangs``).
STACK_DIR_ENV = "JITLAB_STACK_DIR"

_DIR: Path | None = None


def stack_dir() -> Path:
    """This process's private folder for the runners' stack dumps (removed at exit)."""
    global _DIR
    if _DIR is None or not _DIR.is_dir():
        _DIR = Path(tempfile.mkdtemp(prefix="jitlab-stacks-"))
        atexit.register(shutil.rmtree, _DIR, True)
    return _DIR


def request_stack(pid: int | None) -> bool:
    """Ask runner ``pid`` to write its Python stack (``SIGUSR1``); whether the signal was sent."""
    if not pid or not hasattr(signal, "SIGUSR1"):
        return False
    try:
        os.kill(int(pid), signal.SIGUSR1)
        return True
    except (ProcessLookupError, PermissionError, OSError):
        return False


def read_stack(pid: int | None) -> str:
    """What runner ``pid`` wrote as its stack (empty if nothing); the file is removed."""
    if not pid or _DIR is None:
        return ""
    path = _DIR / f"{int(pid)}.txt"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    path.unlink(missing_ok=True)  # the runner is stopped next
    return text
