"""``jitlab run --save DIR``: one runner process saves the module for deployment."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from jitlab.core import saving
from jitlab.host.driver import kill, start_runner

#: Scripting, tracing and exporting a module, then loading each file back, takes seconds;
#: a module that takes longer than this to export is stopped.
SAVE_TIMEOUT_S = 600.0


def save_module(settings: dict[str, Any], folder: str | Path, python: str | None = None,
                timeout: float = SAVE_TIMEOUT_S) -> saving.SaveReport:
    """Save the module of ``settings`` under ``folder`` in a runner process; never raises for its failures.

    Raises
    ------
    jitlab.host.driver.RunnerStartError
        If the runner interpreter cannot be started.
    """
    proc = start_runner(python)
    try:
        out, err = proc.communicate(saving.commands(settings, folder), timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        out, err = proc.communicate()
        report = saving.read_answer(folder, out or b"", "", proc.returncode)
        if not report.results:
            report.error = f"saving took more than {timeout:g} s and was stopped"
        return report
    tail = (err or b"").decode("utf-8", errors="replace")[-4000:]
    return saving.read_answer(folder, out or b"", tail, proc.returncode)
