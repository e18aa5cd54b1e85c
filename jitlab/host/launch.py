"""How to start a runner process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jitlab
from jitlab.host import hangs

#: Environment variable naming the Python interpreter that has torch installed.
PYTHON_ENV = "JITLAB_PYTHON"


def runner_python(explicit: str | None = None) -> str:
    """The interpreter for runners: an explicit choice, $JITLAB_PYTHON, or this one."""
    return explicit or os.environ.get(PYTHON_ENV) or sys.executable


def runner_command(python: str | None = None) -> list[str]:
    """argv of a runner process."""
    return [runner_python(python), "-X", "utf8", "-m", "jitlab.runner"]


def runner_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a runner: jitlab importable even from a source checkout."""
    env = dict(os.environ if base is None else base)
    root = str(Path(jitlab.__file__).resolve().parent.parent)
    parts = [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env["PYTHONUNBUFFERED"] = "1"
    # The runner dies with this process (see jitlab.runner.lifeline).
    env["JITLAB_PARENT_PID"] = str(os.getpid())
    # No debugger can prompt in a runner (its stdin is empty): breakpoint() does nothing.
    env.setdefault("PYTHONBREAKPOINT", "0")
    env[hangs.STACK_DIR_ENV] = str(hangs.stack_dir())  # where a hung runner writes its Python stack
    # Runners are profiled processes: keep them from inheriting a Qt platform plugin choice etc. irrelevant here.
    env.pop("PYTHONEXECUTABLE", None)
    return env
