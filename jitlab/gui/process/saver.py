"""File ▸ Save variant…: a runner process saves the module for deployment.

The window never imports torch: a :class:`~jitlab.gui.process.runner_process.QtRunnerProcess`
gets the commands of :func:`jitlab.core.saving.commands` and, once it has
ended, its messages become a :class:`~jitlab.core.saving.SaveReport`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from jitlab.core import saving
from jitlab.gui.process.runner_process import QtRunnerProcess


class QtModuleSaver(QObject):
    """Saves one module's script, trace and export files in a runner.

    Parameters
    ----------
    python : str, optional
        The runners' interpreter.
    parent : QObject, optional
    """

    sig_finished = Signal(object)
    """The runner has ended: its :class:`~jitlab.core.saving.SaveReport`."""

    def __init__(self, python: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self.runner: QtRunnerProcess | None = None
        self.report: saving.SaveReport | None = None
        self._folder = ""
        self._messages: list[dict[str, Any]] = []

    @property
    def busy(self) -> bool:
        return self.runner is not None and self.runner.is_running()

    def start(self, settings: dict[str, Any], folder: str | Path) -> bool:
        """Save the module of ``settings`` (``file``, ``target``, ``device``…) under ``folder``;
        ``False`` while a save is still running."""
        if self.busy:
            return False
        self.report, self._folder, self._messages = None, str(folder), []
        runner = QtRunnerProcess(self.python, self)
        runner.sig_message.connect(lambda _r, msg: self._messages.append(msg))
        runner.sig_exited.connect(self._on_exited)
        runner.adopt()
        runner.start()
        # Written before the runner reads: QProcess buffers the commands until it does.
        for line in saving.commands(settings, folder).splitlines():
            runner.proc.write(line + b"\n")
        self.runner = runner
        return True

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.kill()

    def _on_exited(self, runner: QtRunnerProcess, code, _sig, tail: str) -> None:
        self.report = saving.report_from(self._folder, self._messages, tail, code)
        runner.deleteLater()
        if runner is self.runner:
            self.runner = None
        self.sig_finished.emit(self.report)
