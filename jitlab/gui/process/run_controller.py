"""Drive one run: runner ``QProcess`` es on one side, the sans-IO conductor on
the other (the GUI's counterpart of :mod:`jitlab.host.driver`).

Both live in the GUI thread. The conductor once ran in a worker thread of its
own, because it recomputed the session's statistics after every round; it now
only records messages and decides the next command (statistics are computed
when the run ends, or per round only under ``--precision``), and the
responsiveness test (20,000 streamed iterations, ``tests/gui/test_responsiveness.py``)
stays inside its bound without the thread. Without it there is no queue, no
second Python thread contending for the GIL with the GUI, and no ordering to
keep between two threads: each runner event is handed to the conductor as it
arrives and its commands are written at once.
"""

from __future__ import annotations

import traceback
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.host import link as L
from jitlab.core.run.watchdog import Watchdog
from jitlab.host import hangs
from jitlab.host.placement import place
from jitlab.gui.process.runner_pool import RunnerPool
from jitlab.gui.process.runner_process import QtRunnerProcess

#: How often the conductor's per-variant time limits are checked.
TIMEOUT_CHECK_MS = 250
#: Runners that said goodbye but linger (e.g. compile workers) are killed after this.
LINGER_MS = 3000


class RunController(QObject):
    """Run a session's variants, one runner process each.

    Parameters
    ----------
    pool : RunnerPool
        Source of (pre-started) runners.
    parent : QObject, optional
    """

    sig_started = Signal(object)
    """A run started; carries the new session dict (filled in place as it runs)."""

    sig_event = Signal(str, object, object)
    """``(event, variant, payload)``: a conductor progress event (see :class:`Conductor`)."""

    sig_finished = Signal(object)
    """The run ended (completed, failed or stopped); carries the finalized session."""

    def __init__(self, pool: RunnerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.conductor: Conductor | None = None
        self.session: dict[str, Any] | None = None
        self.watchdog: Watchdog | None = None
        self._active = False
        self._runners: dict[str, QtRunnerProcess] = {}
        self._timeouts = QTimer(self)
        self._timeouts.setInterval(TIMEOUT_CHECK_MS)
        self._timeouts.timeout.connect(lambda: self._post("tick"))
        self._linger = QTimer(self)
        self._linger.setSingleShot(True)
        self._linger.setInterval(LINGER_MS)
        self._linger.timeout.connect(self._kill_all_runners)

    # ---- public API

    @property
    def running(self) -> bool:
        """Whether a run is in progress (started and not yet finished)."""
        return self._active

    def start(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Start a run with ``settings`` (from :func:`jitlab.core.settings.make_settings`)."""
        if self._active:
            raise RuntimeError("a run is already in progress")
        self._linger.stop()
        for old in self._runners.values():
            if old.is_running():
                old.kill()  # its exit is then ignored and it is deleted
            else:
                old.deleteLater()
        # 50 ms of sampling: the load now, not since the last call (which would count our own last run)
        session = S.new_session(place(dict(settings), interval=0.05))
        self.session = session
        self.conductor = Conductor(session)
        self._runners = {}
        for variant in self.conductor.order:
            runner = self.pool.take(parent=self)
            runner.variant = variant
            runner.sig_message.connect(self._on_message)
            runner.sig_garbage.connect(self._on_garbage)
            runner.sig_exited.connect(self._on_exited)
            self._runners[variant] = runner
        self._active = True
        self.conductor.listener = self._on_conductor_event
        self.watchdog = Watchdog(self.conductor)
        self.sig_started.emit(session)
        self._post("start")
        for runner in list(self._runners.values()):
            for kind, args in runner.adopt():
                {"message": self._on_message, "garbage": self._on_garbage,
                 "exited": self._on_exited}[kind](runner, *args)
        self._timeouts.start()
        return session

    def stop(self) -> None:
        """Stop the run now: kill the runners; measured iterations are kept."""
        if self._active:
            self._post("stop")  # the conductor names the runners to kill; each exit then reaches it

    def kill_all(self) -> None:
        """Kill every runner of this controller now (the window is closing)."""
        self._post("stop")
        self._kill_all_runners()

    def pids(self) -> dict[str, int]:
        """Process ids of the running runners, by variant."""
        return {v: r.pid for v, r in self._runners.items() if r.is_running() and r.pid}

    # ---- runner events (GUI thread) -> conductor thread

    def _post(self, kind: str, *args: Any) -> None:
        """Hand one event to the conductor and carry out what it decides."""
        c = self.conductor
        if not self._active or c is None:
            return
        try:
            if kind == "start":
                self._send_all(c.start())
            elif kind == "message":
                self._send_all(c.on_message(*args))
                kills = c.take_kill_requests()
                if kills:  # it sent a malformed message: stopped, its variant failed
                    self._stop_variants(kills)
            elif kind == "exit":
                self._send_all(c.on_exit(*args))
            elif kind == "tick":
                expired = c.check_timeouts()
                if expired:  # a step stuck in C code ignores SIGTERM: killed after the grace period
                    self._stop_variants(expired)
                self._watch_hangs()
            elif kind == "stop":
                self._stop_variants(c.stop())
        except Exception:  # noqa: BLE001 - a scheduler bug ends this run, never the app
            self._on_conductor_failed(traceback.format_exc())

    def _watch_hangs(self) -> None:
        """Ask a runner that stopped making progress for its stack; then report it and stop it."""
        c, dog = self.conductor, self.watchdog
        if c is None or dog is None:
            return
        ask, stop = dog.check()
        for v in ask:
            hangs.request_stack(c.pids.get(v))
        for v in stop:
            dog.report(v, hangs.read_stack(c.pids.get(v)))
        if stop:
            self._stop_variants(stop)

    def _variant_of(self, runner: QtRunnerProcess) -> str | None:
        v = runner.variant
        return v if v is not None and self._runners.get(v) is runner else None

    def _on_message(self, runner: QtRunnerProcess, msg: dict) -> None:
        variant = self._variant_of(runner)
        if variant is not None:
            self._post("message", variant, msg)

    def _on_garbage(self, runner: QtRunnerProcess, text: str) -> None:
        variant = self._variant_of(runner)
        if variant is not None:
            self._post("message", variant, L.garbage_error(text))

    def _on_exited(self, runner: QtRunnerProcess, code, sig, tail: str) -> None:
        variant = self._variant_of(runner)
        if variant is None:
            runner.deleteLater()  # a runner of an earlier run
            return
        self._post("exit", variant, code, sig, tail)
        if not any(r.is_running() for r in self._runners.values()):
            self._linger.stop()

    # ---- conductor thread -> GUI thread

    def _send_all(self, commands: list) -> None:
        for variant, cmd in commands:
            runner = self._runners.get(variant)
            if runner is not None:
                runner.send(cmd)

    def _on_conductor_event(self, event: str, variant: str | None, payload: dict) -> None:
        self.sig_event.emit(event, variant, payload)
        if event == "finished":
            # After the conductor's call has returned (and its last commands are written), not inside it.
            QTimer.singleShot(0, self, self._finish)

    def _stop_variants(self, variants: list[str]) -> None:
        for variant in variants:
            runner = self._runners.get(variant)
            if runner is not None:
                runner.stop()

    def _on_conductor_failed(self, text: str) -> None:
        print(f"jitlab: the run's scheduler failed; the run is stopped.\n{text}", flush=True)
        self._kill_all_runners()
        if self.session is not None:
            reason = "the run's scheduler failed; the run was stopped: " + text.strip().splitlines()[-1]
            self.session["warnings"].append(reason)
            if self.conductor is not None:
                self.conductor.abandon(reason)
            S.finalize(self.session)
        self._finish()

    def abandon(self, reason: str) -> None:
        """End the run now, in this thread (the app is quitting): runners killed, the session made final.

        Every variant that was still going becomes ``stopped`` (or ``failed``
        if it measured nothing), so a session saved afterwards never says ``running``.
        """
        if not self._active:
            return
        self._kill_all_runners()
        if self.conductor is not None and self.session is not None:
            self.conductor.abandon(reason)
            S.finalize(self.session)
        self._finish()

    def _finish(self) -> None:
        if not self._active:
            return
        self._active = False
        self._timeouts.stop()
        if any(r.is_running() for r in self._runners.values()):
            self._linger.start()
        self.sig_finished.emit(self.session)

    def _kill_all_runners(self) -> None:
        for runner in self._runners.values():
            runner.kill()
