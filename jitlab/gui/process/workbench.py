"""The app's non-visual core: the open module, its probe, the runner pool,
the run controller, the resource monitor and auto-saving.

The main window builds views over :attr:`Workbench.model` and calls
:meth:`open_module`, :meth:`open_session`, :meth:`run` and :meth:`stop`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QRunnable, QThreadPool, QTimer, Signal

from jitlab.core.session import store as S
from jitlab.core.run.outcome import EXIT_NOTHING_RAN, EXIT_OK, exit_status
from jitlab.core.session.types import error_record
from jitlab.core.settings import InputError, check_module_file, make_settings
from jitlab.gui.common import paths
from jitlab.gui.common.export import export_session
from jitlab.gui.live.live_stats import LiveStats
from jitlab.gui.process.resources_monitor import ResourceMonitor
from jitlab.gui.process.run_controller import RunController
from jitlab.gui.live.run_model import RunModel
from jitlab.gui.process.runner_pool import Prober, RunnerPool

#: A file change is acted on once the editor has been quiet this long.
RELOAD_DEBOUNCE_MS = 300
#: Idle runners for the next Run are started this long after a run ends (after its auto-save).
REFILL_DELAY_MS = 1500


class _SaveSignals(QObject):
    sig_done = Signal(str, str)  # path, error ("" on success)


class _SaveTask(QRunnable):
    """Write a finished session in a worker thread (pure-Python JSON of a long run takes a while)."""

    def __init__(self, session: dict, path: Path, signals: _SaveSignals) -> None:
        super().__init__()
        self.session, self.path, self.signals = session, path, signals

    def run(self) -> None:
        try:
            export_session(self.session, self.path)
            self.signals.sig_done.emit(str(self.path), "")
        except Exception as exc:  # noqa: BLE001 - reported to the user, never raised in a thread
            self.signals.sig_done.emit(str(self.path), str(exc))


class Workbench(QObject):
    """Everything behind the main window."""

    sig_module_opened = Signal(str)
    """A module file is now the current one (its resolved path)."""

    sig_module_error = Signal(object)
    """The current module is broken: ``{message, traceback, location, ...}``."""

    sig_probed = Signal(object)
    """The probe's ``targets`` message (targets and devices)."""

    sig_devices = Signal(object)
    """The devices a runner reported (CPU first, then each GPU)."""

    sig_run_started = Signal()
    """A run started (the model shows it)."""

    sig_run_finished = Signal(object)
    """A run ended; carries its session."""

    sig_autosaved = Signal(str, str)
    """``(path, error)``: a finished run was saved to the data folder (error empty on success)."""

    def __init__(self, python: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = RunModel(self)
        self.pool = RunnerPool(python, self)
        self.prober = Prober(python, self)
        self.controller = RunController(self.pool, self)
        self.monitor = ResourceMonitor(self.controller.pids, self)
        self.live = LiveStats(lambda: self.model.series, self,
                              device=lambda: (self.model.device_samples, self.model.device_units),
                              blocks=lambda: self.model.samples)
        self.file: str | None = None
        self.module_error: dict | None = None
        self.probe_result: dict | None = None
        self.pool_size = 0
        self.closed = False
        self.last_autosave: str | None = None
        self._saving = 0
        self._saved_sessions: dict[str, dict] = {}
        #: The session last auto-saved (with ``last_autosave``), so the Runs list need not re-read it.
        self.last_session: dict | None = None
        self._save_signals = _SaveSignals()
        self._save_signals.sig_done.connect(self._on_saved)
        self._watcher = QFileSystemWatcher(self)
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_DEBOUNCE_MS)
        self._refill = QTimer(self)
        self._refill.setSingleShot(True)
        self._refill.setInterval(REFILL_DELAY_MS)
        self._refill.timeout.connect(self._refill_pool)
        self._watcher.fileChanged.connect(self._reload.start)
        self._reload.timeout.connect(self._on_file_changed)
        self.prober.sig_probed.connect(self._on_probed)
        self.prober.sig_failed.connect(self._on_probe_failed)
        self.prober.sig_devices.connect(self.sig_devices)
        self.controller.sig_started.connect(self.model.begin_run)
        self.controller.sig_started.connect(self.live.start)
        self.live.sig_updated.connect(self.model.set_live)
        self.controller.sig_event.connect(self.model.handle_event)
        self.controller.sig_finished.connect(self._on_run_finished)
        self.monitor.sig_sampled.connect(self.model.set_resources)

    # ---- module and session files

    def open_module(self, path: str | Path) -> bool:
        """Make ``path`` the current module: check it, probe it, pre-start runners.

        Returns whether the file parses (a broken file is reported through
        :attr:`sig_module_error` and stays current, so fixing it on disk reloads it).
        """
        p = Path(path).resolve()
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        self.file = str(p)
        self.probe_result = None
        if p.exists():
            self._watcher.addPath(self.file)
        self.sig_module_opened.emit(self.file)
        ok = self._check_and_probe()
        if not self.controller.running:
            self.pool.fill(self.pool_size)
        return ok

    def open_session(self, path: str | Path) -> dict[str, Any]:
        """Show a saved session (no runner involved).

        Raises
        ------
        SessionError
            With a message naming the file.
        """
        session = S.load(path)
        self.model.show_session(session, str(Path(path).resolve()))
        return session

    # ---- runs

    def run(self, values: dict[str, Any]) -> dict[str, Any]:
        """Start a run of the current module with the given control values.

        Raises
        ------
        InputError
            If there is no module, it does not parse, or a setting is invalid.
        """
        if self.controller.running:
            raise InputError("a run is already in progress")
        if not self.file:
            raise InputError("open a module file first (File ▸ Open)")
        try:
            check_module_file(self.file)  # re-read: an edited file is re-imported by the fresh runners
        except InputError as exc:
            self._set_module_error(error_record(str(exc), kind="input"))
            raise
        settings = make_settings(file=self.file, **values)
        session = self.controller.start(settings)
        self.monitor.start()
        self.sig_run_started.emit()
        return session

    def stop(self) -> None:
        self.controller.stop()

    @property
    def python(self) -> str | None:
        """The runners' interpreter (None: ``$JITLAB_PYTHON`` or the app's own)."""
        return self.pool.python

    def set_python(self, python: str | None) -> None:
        """Run the next runners with ``python``; idle runners of the old one are dropped, the module re-probed.

        Raises
        ------
        InputError
            During a run.
        """
        if self.controller.running:
            raise InputError("stop the run before changing the runner interpreter")
        self.pool.clear()
        self.pool.python = self.prober.python = python or None
        if self.file and not self.closed:
            self._check_and_probe()
            self.pool.fill(self.pool_size)

    @property
    def running(self) -> bool:
        return self.controller.running

    def set_pool_size(self, n: int) -> None:
        """Keep ``n`` idle runners ready (started now if a module is open and no run is going on)."""
        self.pool_size = n
        if self.file and not self.controller.running and not self.closed:
            self.pool.fill(n)

    def shutdown(self) -> None:
        """Kill every runner (the window is closing); a running run still ends and is saved."""
        self.closed = True
        self._reload.stop()
        self._refill.stop()
        self.monitor.stop()
        self.live.stop()
        self.controller.kill_all()
        self.prober.cancel()
        self.pool.clear()

    @property
    def saving(self) -> bool:
        return self._saving > 0

    def exit_status(self) -> int:
        """0 all variants ran, 1 some failed, 2 nothing could run (as ``jitlab run``)."""
        if self.model.session is None:
            return EXIT_NOTHING_RAN if self.module_error else EXIT_OK
        fatal = self.controller.conductor is not None and self.controller.conductor.fatal_error is not None
        return exit_status(self.model.session, fatal)

    # ---- private

    def _check_and_probe(self) -> bool:
        self.module_error = None
        try:
            check_module_file(self.file)
        except InputError as exc:
            self.prober.cancel()
            self._set_module_error(error_record(str(exc), kind="input"))
            return False
        self.prober.probe(self.file)
        return True

    def _set_module_error(self, error: dict) -> None:
        self.module_error = error
        self.sig_module_error.emit(error)

    def _on_probed(self, msg: dict) -> None:
        self.probe_result = msg
        self.module_error = None
        self.sig_probed.emit(msg)

    def _on_probe_failed(self, error: dict) -> None:
        self._set_module_error(error)

    def _on_file_changed(self) -> None:
        if self.file and Path(self.file).exists() and self.file not in self._watcher.files():
            self._watcher.addPath(self.file)  # editors that save by renaming drop the watch
        if self.file and not self.controller.running:
            self._check_and_probe()

    def _on_run_finished(self, session: dict) -> None:
        self.monitor.stop()
        self.live.stop()
        self.model.finish_run(session)
        self._autosave(session)
        self._refill.start()
        self.sig_run_finished.emit(session)

    def _refill_pool(self) -> None:
        if self.file and not self.controller.running and not self.closed:
            self.pool.fill(self.pool_size)

    def _autosave(self, session: dict) -> None:
        path = paths.autosave_path(session["settings"].get("file"))
        self._saving += 1
        self._saved_sessions[str(path)] = session  # the signal names it as a str
        QThreadPool.globalInstance().start(_SaveTask(session, path, self._save_signals))

    def _on_saved(self, path: str, error: str) -> None:
        self._saving -= 1
        self.last_session = self._saved_sessions.pop(path, None)
        if not error:
            self.last_autosave = path
            if self.model.session is not None and self.model.path is None:
                self.model.path = path
        self.sig_autosaved.emit(path, error)
