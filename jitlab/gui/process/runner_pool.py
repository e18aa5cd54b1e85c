"""Runners started ahead of time: the probe of an opened file, and a pool of
idle runners that have already imported torch.

A runner prints ``ready`` once torch is imported and then waits on stdin, so a
Run that takes its runners from the pool plots its first iteration without
waiting for torch's import.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from jitlab.core import message_check
from jitlab.core import protocol as P
from jitlab.core.run.conductor import describe_exit
from jitlab.core.session.types import error_from_message, error_record
from jitlab.host import link as L
from jitlab.gui.process.runner_process import QtRunnerProcess


class RunnerPool(QObject):
    """Idle runner processes waiting for a ``load`` command.

    Parameters
    ----------
    python : str, optional
        Interpreter for the runners.
    parent : QObject, optional
    """

    sig_changed = Signal()
    """Runners were added to or taken from the pool."""

    def __init__(self, python: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self._idle: list[QtRunnerProcess] = []

    def fill(self, count: int) -> None:
        """Have ``count`` live idle runners (start the missing ones)."""
        self._drop_dead()
        while len(self._idle) < count:
            runner = QtRunnerProcess(self.python, parent=self)
            runner.start()
            self._idle.append(runner)
        self.sig_changed.emit()

    def take(self, parent: QObject) -> QtRunnerProcess:
        """An idle runner (a ready one first), or a new one started now."""
        self._drop_dead()
        self._idle.sort(key=lambda r: not r.is_ready)
        if self._idle:
            runner = self._idle.pop(0)
        else:
            runner = QtRunnerProcess(self.python)
            runner.start()
        runner.setParent(parent)
        self.sig_changed.emit()
        return runner

    def clear(self) -> None:
        """Kill every idle runner."""
        for runner in self._idle:
            runner.kill()
            if not runner.is_running():
                runner.deleteLater()
        self._idle = [r for r in self._idle if r.is_running()]
        for runner in self._idle:
            runner.proc.finished.connect(runner.deleteLater)
        self._idle.clear()
        self.sig_changed.emit()

    @property
    def idle_count(self) -> int:
        return sum(1 for r in self._idle if r.exit_info is None)

    @property
    def ready_count(self) -> int:
        return sum(1 for r in self._idle if r.is_ready)

    def pids(self) -> list[int]:
        return [r.pid for r in self._idle if r.is_running() and r.pid]

    def _drop_dead(self) -> None:
        for runner in [r for r in self._idle if r.exit_info is not None]:
            self._idle.remove(runner)
            runner.deleteLater()


#: A probe that has not answered after this many seconds is given up (a module whose import hangs).
PROBE_TIMEOUT_S = 120.0


class Prober(QObject):
    """Ask a runner for a module file's targets and the machine's devices.

    A new :meth:`probe` abandons (kills) the previous one; a probe that does
    not answer within :attr:`timeout_s` fails with a message saying so.
    """

    sig_probed = Signal(object)
    """The ``targets`` message: ``{file, targets, modules, devices}``."""

    sig_failed = Signal(object)
    """An error dict: ``{message, traceback, location, phase, kind}``."""

    sig_devices = Signal(object)
    """The devices the runner's torch sees (asked first, so known even when the file is broken)."""

    def __init__(self, python: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self._runner: QtRunnerProcess | None = None
        self._answered = False
        self.file: str | None = None
        self.timeout_s = PROBE_TIMEOUT_S
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_timeout)

    @property
    def busy(self) -> bool:
        return self._runner is not None and not self._answered

    def probe(self, file: str | Path) -> None:
        """Start a runner that imports ``file`` and reports its targets."""
        self.cancel()
        self.file = str(file)
        self._answered = False
        runner = QtRunnerProcess(self.python, parent=self)
        runner.sig_message.connect(self._on_message)
        runner.sig_garbage.connect(self._on_garbage)
        runner.sig_exited.connect(self._on_exited)
        runner.adopt()
        self._runner = runner
        runner.start()
        runner.send({"cmd": P.CMD_DEVICES})
        runner.send({"cmd": P.CMD_PROBE, "file": self.file})
        runner.send({"cmd": P.CMD_FINISH})
        self._deadline.start(int(self.timeout_s * 1000))

    def cancel(self) -> None:
        """Abandon the probe in flight, if any."""
        self._deadline.stop()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.kill()
            if not runner.is_running():
                runner.deleteLater()

    def pids(self) -> list[int]:
        r = self._runner
        return [r.pid] if r is not None and r.is_running() and r.pid else []

    # ---- private

    def _on_timeout(self) -> None:
        runner = self._runner
        if runner is None or self._answered:
            return
        self._answered = True
        self.sig_failed.emit(error_record(
            f"{Path(self.file or '').name}: the runner did not finish importing the file within "
            f"{self.timeout_s:g} s (does the module wait for something when it is imported?)",
            P.PHASE_LOAD, kind="timeout", traceback=runner.stderr_tail() or None))
        self.cancel()

    def _on_message(self, runner: QtRunnerProcess, msg: dict) -> None:
        if runner is not self._runner or self._answered:
            return
        wrong = message_check.problem(msg)
        if wrong is not None:
            self._on_garbage(runner, wrong)
            runner.stop()
            return
        kind = msg.get("t")
        if kind == P.DEVICES:
            self.sig_devices.emit(msg.get("devices") or [])
        elif kind == P.TARGETS:
            self._answered = True
            self.sig_probed.emit(msg)
        elif kind == P.ERROR:
            self._answered = True
            self.sig_failed.emit(error_from_message(msg))

    def _on_garbage(self, runner: QtRunnerProcess, text: str) -> None:
        if runner is self._runner and not self._answered:
            self._answered = True
            self.sig_failed.emit(error_record(L.garbage_error(text)["message"], P.PHASE_LOAD, kind="protocol"))

    def _on_exited(self, runner: QtRunnerProcess, code, sig, tail: str) -> None:
        if runner is self._runner:
            if not self._answered:
                self._answered = True
                text = describe_exit(code, sig) + (f"\n{tail.strip()}" if tail.strip() else "")
                self.sig_failed.emit(error_record(f"the runner could not probe {Path(self.file or '').name}: {text}",
                                                  P.PHASE_LOAD, kind="crash", traceback=tail or None))
            self._runner = None
        runner.deleteLater()
