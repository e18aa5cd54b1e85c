"""One runner child process behind a ``QProcess``.

Output is read as it arrives (``readyReadStandardOutput``) and handed to a
:class:`jitlab.host.link.RunnerLink`, which splits, bounds and decodes it
exactly as for the command line; nothing here waits on the process. Signals
are connected once, in ``__init__``.
"""

from __future__ import annotations

import signal
import sys
import weakref
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from jitlab.core import protocol as P
from jitlab.host import link as L
from jitlab.host.launch import runner_command, runner_env
from jitlab.host.link import STDERR_TAIL_LINES, RunnerLink  # noqa: F401 - re-exported

_LIVE: "weakref.WeakSet[QtRunnerProcess]" = weakref.WeakSet()


def live_processes() -> list["QtRunnerProcess"]:
    """Runner processes that have been started and have not ended."""
    return [p for p in list(_LIVE) if p.is_running() and shiboken6.isValid(p.proc)]


class QtRunnerProcess(QObject):
    """A ``python -m jitlab.runner`` child speaking the JSON-lines protocol.

    Messages that arrive before an owner :meth:`adopt` s the runner (its
    ``ready``, or an early death) are held and replayed to the owner.

    Parameters
    ----------
    python : str, optional
        Interpreter for the runner (default: ``$JITLAB_PYTHON`` or this one).
    parent : QObject, optional
    """

    sig_message = Signal(object, object)
    """``(runner, message)``: one decoded protocol message."""

    sig_garbage = Signal(object, str)
    """``(runner, text)``: a line that is not a protocol message (the runner is stopped)."""

    sig_exited = Signal(object, object, object, str)
    """``(runner, exit_code, signal_number, stderr_tail)``: the process ended or failed to start."""

    def __init__(self, python: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.python = python
        self.variant: str | None = None
        self.exit_info: tuple[int | None, int | None, str] | None = None
        self.killed = False
        self._adopted = False
        self._held: list[tuple[str, tuple]] = []
        self.link = RunnerLink()
        self._pid = 0
        self._started = False

        self.proc = QProcess(self)
        argv = runner_command(python)
        self.proc.setProgram(argv[0])
        self.proc.setArguments(argv[1:])
        env = QProcessEnvironment()
        for key, value in runner_env().items():
            env.insert(key, value)
        self.proc.setProcessEnvironment(env)
        if sys.platform != "win32":
            flags = (QProcess.UnixProcessFlag.CreateNewSession | QProcess.UnixProcessFlag.ResetSignalHandlers
                     | QProcess.UnixProcessFlag.IgnoreSigPipe)
            self.proc.setUnixProcessParameters(flags)
        self.proc.readyReadStandardOutput.connect(self._on_stdout)
        self.proc.readyReadStandardError.connect(self._on_stderr)
        self.proc.finished.connect(self._on_finished)
        self.proc.errorOccurred.connect(self._on_error)
        self.proc.started.connect(self._on_started)

    # ---- public API

    def start(self) -> None:
        """Start the process (returns at once; the runner imports torch in the background)."""
        _LIVE.add(self)
        self._started = True
        self.proc.start()

    @property
    def pid(self) -> int:
        return self._pid or int(self.proc.processId() or 0)

    def is_running(self) -> bool:
        """Started and not yet ended (known without touching the ``QProcess``)."""
        return self._started and self.exit_info is None

    @property
    def ready_message(self) -> dict | None:
        return self.link.ready

    @property
    def is_ready(self) -> bool:
        return self.ready_message is not None and self.exit_info is None

    def send(self, command: dict[str, Any]) -> None:
        """Write one command to the runner's stdin (buffered by Qt; never blocks)."""
        if not self.is_running():
            return
        self.proc.write(P.encode(command))

    def stop(self, grace_ms: int | None = None) -> None:
        """Ask the runner to stop (SIGTERM: it sends its current block's iterations and exits);
        kill it if it is still running after ``grace_ms`` (default: :data:`jitlab.host.link.STOP_GRACE_S`)."""
        if self.killed or not self.is_running():
            return
        delay = L.stop(self.pid)
        if delay:
            QTimer.singleShot(int(delay * 1000) if grace_ms is None else grace_ms, self, self.kill)
        else:
            self.kill()

    def kill(self) -> None:
        """Kill the runner and everything it started (its whole session)."""
        if self.killed or not self.is_running():
            return
        self.killed = True
        L.kill(self.pid, self.proc.kill)

    def adopt(self) -> list[tuple[str, tuple]]:
        """Stop holding events; return the held ``(kind, args)`` pairs in order.

        ``kind`` is ``"message"``, ``"garbage"`` or ``"exited"``; the owner
        connects to the signals before calling this and replays the list.
        """
        self._adopted = True
        held, self._held = self._held, []
        return held

    def stderr_tail(self) -> str:
        return self.link.stderr_tail()

    # ---- private

    def _emit(self, kind: str, *args: Any) -> None:
        if not self._adopted:
            self._held.append((kind, args))
            return
        {"message": self.sig_message, "garbage": self.sig_garbage, "exited": self.sig_exited}[kind].emit(self, *args)

    def _on_started(self) -> None:
        self._pid = int(self.proc.processId() or 0)

    def _on_stdout(self) -> None:
        self._consume(bytes(self.proc.readAllStandardOutput().data()))

    def _consume(self, chunk: bytes) -> None:
        self._relay(self.link.feed_stdout(chunk))

    def _relay(self, events: list[tuple[str, Any]]) -> None:
        for kind, payload in events:
            self._emit(kind, payload)
            if kind == "garbage":
                self.stop()
                return

    def _on_stderr(self) -> None:
        self.link.feed_stderr(bytes(self.proc.readAllStandardError().data()))

    def _on_finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self.exit_info is not None:
            return
        events = self.link.feed_stdout(bytes(self.proc.readAllStandardOutput().data()))
        self._on_stderr()
        self._relay(events + self.link.ended())
        L.kill_group(self._pid)  # what the runner started ends with it
        if exit_status == QProcess.ExitStatus.CrashExit:
            code, sig = None, exit_code or (int(signal.SIGKILL) if self.killed else None)
        else:
            code, sig = exit_code, None
        self._finish(code, sig, self.stderr_tail())

    def _on_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self.exit_info is None:
            program = self.proc.program()
            self._finish(127, None, f"could not start the runner ({program}): {self.proc.errorString()}")

    def _finish(self, code: int | None, sig: int | None, tail: str) -> None:
        self.exit_info = (code, sig, tail)
        _LIVE.discard(self)
        self._emit("exited", code, sig, tail)
