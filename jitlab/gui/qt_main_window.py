"""The main window: empty state, controls, live views, menus, persistence."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QFileDialog, QMainWindow, QScrollArea, QSplitter, QStackedWidget, QStyle,
                               QTabWidget, QVBoxLayout, QWidget)

from jitlab.core.session.store import SessionError
from jitlab.core.session.types import error_record
from jitlab.core.settings import InputError
from jitlab.gui.common import export
from jitlab.gui.common.chart_context import chart_header
from jitlab.gui.common.formatting import first_line
from jitlab.gui.common.paths import Preferences
from jitlab.gui.qt_actions import ActionIds, build_menus
from jitlab.gui.common.qt_banner import QtBanner
from jitlab.gui.live.qt_controls import QtControls
from jitlab.gui.live.qt_distribution import QtDistributionView
from jitlab.gui.common.qt_error_dialog import QtErrorDialog
from jitlab.gui.inside.qt_inside_panel import QtInsidePanel
from jitlab.gui.runs.qt_runs_panel import QtRunsPanel
from jitlab.gui.live.qt_progress import QtProgressView
from jitlab.gui.live.qt_stats_table import QtStatsTable
from jitlab.gui.live.qt_time_breakdown import QtTimeBreakdown
from jitlab.gui.live.qt_timing_plot import QtTimingPlot
from jitlab.gui.qt_welcome import QtWelcome
from jitlab.gui.process.runner_process import live_processes
from jitlab.gui.process.saver import QtModuleSaver
from jitlab.core.present.time_breakdown import busy_machine_text
from jitlab.gui.process.workbench import Workbench
from jitlab.gui.common.layout import splitter

OPEN_FILTER = "Module or session (*.py *.json);;Python module (*.py);;jitlab session (*.json)"
#: Closing waits at most this long for runners to die and the auto-save to land.
CLOSE_GRACE_MS = 3000


class MainWindow(QMainWindow):
    """jitlab's main window.

    Parameters
    ----------
    prefs : Preferences, optional
        Persisted preferences (default: the user's).
    python : str, optional
        Interpreter for the runners.
    """

    def __init__(self, prefs: Preferences | None = None, python: str | None = None) -> None:
        super().__init__()
        self.prefs = prefs or Preferences()
        #: ``--python`` applies to this launch; otherwise the interpreter chosen in Run ▸ Runner Interpreter.
        self.python_from_command_line = python is not None
        self.saver: QtModuleSaver | None = None
        self.bench = Workbench(python or self.prefs.get("run/python", None, str) or None, self)
        self.model = self.bench.model
        self.error_dialog: QtErrorDialog | None = None
        self._viewing_session = False
        self._close_deadline = 0
        #: Run settings given on the app's command line: they apply to this launch and are never saved.
        self.launch_overrides: set[str] = set()
        self._probe_summary = ""
        self.about_box = None
        self.setWindowTitle("jitlab")
        self.setAcceptDrops(True)
        self.resize(1400, 900)

        self.welcome = QtWelcome()
        self.controls = QtControls()
        self.progress = QtProgressView(self.model)
        self.timing = QtTimingPlot(self.model)
        self.breakdown = QtTimeBreakdown(self.model)
        self.timing_tab = QWidget()
        timing_layout = QVBoxLayout(self.timing_tab)
        timing_layout.setContentsMargins(0, 0, 0, 0)
        timing_layout.setSpacing(0)
        timing_layout.addWidget(self.timing, 1)
        timing_layout.addWidget(self.breakdown)
        self.distribution = QtDistributionView(self.model)
        self.stats = QtStatsTable(self.model)
        self.banner = QtBanner()
        self.busy_banner = QtBanner()  # apart from the error banner: neither hides the other
        self.busy_banner.setObjectName("busyBanner")
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timing_tab, "Timing")
        self.tabs.addTab(self.distribution, "Distribution")
        self.inside = QtInsidePanel()
        self.runs = QtRunsPanel()
        self.tabs.addTab(self.inside, "Inside")
        self.tabs.addTab(self.runs, "Runs")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.controls)
        left_layout.addSpacing(8)
        left_layout.addWidget(self.progress)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        # As wide as the controls need, whatever the font: a fixed 330 px cut the longest variant name
        # (compile:max-autotune-no-cudagraphs) and the compile options at the default size.
        bar = scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        scroll.setMinimumWidth(left.minimumSizeHint().width() + bar + 2 * scroll.frameWidth())
        self.right_split = splitter(Qt.Orientation.Vertical, [self.tabs, self.stats], (3, 1), (640, 180))
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(scroll)
        self.main_split.addWidget(self.right_split)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setSizes([scroll.minimumWidth(), self.width() - scroll.minimumWidth()])
        workspace = QWidget()
        ws_layout = QVBoxLayout(workspace)
        ws_layout.setContentsMargins(4, 4, 4, 4)
        ws_layout.addWidget(self.banner)
        ws_layout.addWidget(self.busy_banner)
        ws_layout.addWidget(self.main_split, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(workspace)
        self.setCentralWidget(self.stack)
        self.actions: dict[str, QAction] = build_menus(self)
        self.statusBar().showMessage("Open a module file to start (Ctrl+O)")

        self.welcome.sig_open_module_requested.connect(self.choose_and_open)
        self.welcome.sig_open_session_requested.connect(lambda: self.choose_and_open(sessions=True))
        self.welcome.sig_path_chosen.connect(self.open_path)
        self.controls.sig_run_requested.connect(self.run)
        self.controls.sig_stop_requested.connect(self.stop)
        self.controls.sig_variants_changed.connect(lambda v: self.bench.set_pool_size(len(v)))
        self.stats.sig_error_requested.connect(self.show_variant_error)
        self.banner.sig_details_requested.connect(self.show_error)
        self.timing.sig_log_y_toggled.connect(lambda on: self.prefs.set("view/log_y", on))
        self.timing.sig_conditions_chosen.connect(lambda key: self.prefs.set("view/conditions", key))
        self.bench.sig_module_opened.connect(self._on_module_opened)
        self.bench.sig_module_error.connect(self._on_module_error)
        self.bench.sig_probed.connect(self._on_probed)
        self.bench.sig_devices.connect(self._on_devices)
        self.bench.sig_run_started.connect(self._on_run_started)
        self.bench.sig_run_finished.connect(self._on_run_finished)
        self.bench.sig_autosaved.connect(self._on_autosaved)
        self.bench.sig_autosaved.connect(self._refresh_runs_after_save)
        self.model.sig_reset.connect(self._show_inside)
        self.model.sig_finished.connect(self._show_inside)
        self.model.sig_reset.connect(self._show_reliability)
        self.model.sig_finished.connect(self._show_reliability)
        self.model.sig_stats_changed.connect(self._show_reliability)  # live figures, about once a second
        self.runs.sig_open_requested.connect(self.open_path)
        # The Runs tab has its own table: the statistics table would only squeeze the comparison.
        self.tabs.currentChanged.connect(lambda _i: self.stats.setVisible(self.tabs.currentWidget() is not self.runs))
        self._restore_prefs()
        self._update_run_state()

    # ---- opening

    def _show_inside(self) -> None:
        self.inside.set_session(self.model.session)
        self.runs.set_current(self.model.session)

    def _show_reliability(self) -> None:
        """The busy-machine warning of the session shown (during a run, from the figures so far)."""
        m = self.model
        records = {n: m.display_record(n) for n in m.variants} if m.running else None
        text = busy_machine_text(m.session, records)
        if text:
            self.busy_banner.show_warning(text)
        else:
            self.busy_banner.clear()

    def open_path(self, path: str | Path) -> bool:
        """Open a module file (``.py``) or a session file (``.json``)."""
        p = Path(path)
        if self.bench.running:
            self.statusBar().showMessage("Stop the run before opening another file", 5000)
            return False
        self.stack.setCurrentIndex(1)
        if p.suffix.lower() == ".json":
            return self.open_session(p)
        self.model.clear()
        self._viewing_session = False
        ok = self.bench.open_module(p)
        self._add_recent(p)
        return ok

    def open_session(self, path: Path) -> bool:
        try:
            session = self.bench.open_session(path)
        except SessionError as exc:
            self.banner.show_error(error_record(str(exc)))
            return False
        self.banner.clear()
        self._add_recent(path)
        self._viewing_session = True
        settings = session["settings"]
        self.controls.set_file(settings.get("file"), f"saved session {path.name}")
        self.controls.apply(settings)
        recorded = (session.get("env") or {}).get("device") or {}
        self.controls.note_recorded_device(recorded.get("id"), recorded.get("name"))
        module = settings.get("file")
        self.bench.file = module if module and Path(module).is_file() else None
        self.setWindowTitle(f"jitlab — {path.name}")
        self.statusBar().showMessage(f"Opened session {path}")
        self._update_run_state()
        return True

    def choose_and_open(self, sessions: bool = False) -> None:
        start = self.prefs.get("paths/last_dir", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Open", start, OPEN_FILTER,
                                              "jitlab session (*.json)" if sessions else "")
        if path:
            self.prefs.set("paths/last_dir", str(Path(path).parent))
            self.open_path(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_path(path)

    @staticmethod
    def _dropped_path(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        for url in urls:
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in (".py", ".json"):
                return url.toLocalFile()
        return None

    # ---- running

    def run(self) -> None:
        if self.bench.running:
            return
        try:
            self.bench.run(self.controls.values())
        except InputError as exc:
            self.banner.show_error(error_record(str(exc)))
            self.stack.setCurrentIndex(1)
            return
        self.banner.clear()
        self.stack.setCurrentIndex(1)
        self.tabs.setCurrentWidget(self.timing_tab)
        self._viewing_session = False
        self.controls.save(self.prefs, self.launch_overrides)
        self.prefs.sync()  # now, rather than in the middle of the run
        self.statusBar().showMessage("Running…")

    def stop(self) -> None:
        if self.bench.running:
            self.statusBar().showMessage("Stopping: killing the runners; measured iterations are kept")
            self.bench.stop()

    def _update_run_state(self) -> None:
        running = self.bench.running
        self.controls.set_running(running, can_run=self.bench.file is not None)
        self.actions[ActionIds.Run].setEnabled(not running and self.bench.file is not None)
        self.actions[ActionIds.Stop].setEnabled(running)
        has = self.model.session is not None
        for key in (ActionIds.ExportTimingPng, ActionIds.ExportTimingSvg, ActionIds.ExportDistributionPng,
                    ActionIds.ExportDistributionSvg):
            self.actions[key].setEnabled(has)
        for key in (ActionIds.Save, ActionIds.ExportCsv):  # the data are final (and auto-saved) at the end
            self.actions[key].setEnabled(has and not running)

    # ---- runner interpreter and help

    def set_runner_python(self, python: str | None, remember: bool = True) -> bool:
        """Use ``python`` for the runners (None: the app's own); remembered for the next launches."""
        try:
            self.bench.set_python(python)
        except InputError as exc:
            self.banner.show_error(error_record(str(exc)))
            return False
        if remember:
            self.prefs.set("run/python", python or "")
        self.statusBar().showMessage(f"Runners now use {python or 'the app’s own Python'}", 8000)
        return True

    def choose_runner_python(self) -> None:
        start = self.bench.python or self.prefs.get("paths/last_dir", str(Path.home()), str)
        path, _ = QFileDialog.getOpenFileName(self, "Runner interpreter (a Python with torch)", start)
        if path:
            self.set_runner_python(path)

    def show_user_guide(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from jitlab.gui.about import GUIDE

        if GUIDE.exists() and QDesktopServices.openUrl(QUrl.fromLocalFile(str(GUIDE))):
            return
        self.statusBar().showMessage(f"The user guide is docs/index.md in jitlab's source ({GUIDE})", 15000)

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from jitlab.gui.about import about_html

        env = (self.model.session or {}).get("env") or {}
        self.about_box = QMessageBox(QMessageBox.Icon.Information, "About jitlab",
                                     about_html(env, self.bench.python), QMessageBox.StandardButton.Ok, self)
        self.about_box.setTextFormat(Qt.TextFormat.RichText)
        self.about_box.show()

    # ---- saving and exporting (the choose_* methods ask for a path; the others take one)

    def save_session(self, path: str | Path, overwrite: bool = False) -> Path:
        out = export.export_session(self.model.session, path, overwrite)
        self.model.path = str(out)
        self.statusBar().showMessage(f"Session saved to {out}", 8000)
        return out

    def export_chart(self, which: str, fmt: str, path: str | Path, overwrite: bool = False) -> Path:
        """Write the ``"timing"`` or ``"distribution"`` chart as ``"png"`` or ``"svg"``.

        The timing chart carries the time breakdown below it.
        """
        view = self.timing if which == "timing" else self.distribution
        shown = self.tabs.currentWidget()
        self.tabs.setCurrentWidget(self.timing_tab if which == "timing" else view)  # laid out at the tabs' size
        try:
            view.redraw()
            widget = view.export_widget()
            widget.ci.layout.activate()
            widgets = [widget]
            below = None
            if which == "timing":
                view.speedups.redraw()
                widgets.append(view.speedups)
                self.breakdown.refresh()
                below = self.breakdown
            header = chart_header(self.model.session, which) if self.model.session else []
            out = export.export_chart(widgets, path, fmt, header, overwrite, title=f"jitlab {which} chart",
                                      below=below)
        finally:
            self.tabs.setCurrentWidget(shown)
        self.statusBar().showMessage(f"Chart saved to {out}", 8000)
        return out

    def export_csv(self, path: str | Path, overwrite: bool = False) -> Path:
        out = export.export_csv(self.model.session, path, overwrite)
        self.statusBar().showMessage(f"Timed and sampled iterations saved to {out}", 8000)
        return out

    def choose_and_save_variant(self) -> None:
        """File ▸ Save variant…: choose a folder, then :meth:`save_variant`."""
        start = self.prefs.get("paths/last_export_dir", str(Path.home()), str)
        folder = QFileDialog.getExistingDirectory(self, "Save the module for deployment into", start)
        if folder:
            self.prefs.set("paths/last_export_dir", folder)
            self.save_variant(folder)

    def save_variant(self, folder: str | Path) -> bool:
        """Write the open module's script, trace and export files into ``folder`` from a runner.

        Returns at once; :attr:`saver`'s ``sig_finished`` carries the report,
        which the status bar (and, for a failure, the banner) then shows.
        """
        file = self.bench.file or (self.model.settings or {}).get("file")
        if not file:
            self.banner.show_error({"message": "open a module file first (File ▸ Open), then save it"})
            return False
        values = self.controls.values()
        settings = {"file": file, "target": values.get("target") or (self.model.settings or {}).get("target"),
                    "device": values.get("device") or "auto"}
        if self.saver is None:
            self.saver = QtModuleSaver(self.bench.python, self)
            self.saver.sig_finished.connect(self._on_saved)
        self.saver.python = self.bench.python
        if not self.saver.start(settings, folder):
            self.statusBar().showMessage("A save is still running", 5000)
            return False
        self.statusBar().showMessage(f"Saving {Path(file).name} for deployment into {folder}…")
        return True

    def _on_saved(self, report) -> None:
        from jitlab.core.saving import report_text

        text = report_text(report)
        if report.ok:
            self.statusBar().showMessage(f"Saved {len(report.written)} file(s) to {report.folder}: script, trace "
                                         "and export load back with the module's outputs", 15000)
        else:
            self.statusBar().showMessage(f"Saving into {report.folder}: some kinds failed (see the banner)", 15000)
            self.banner.show_error({"message": text})

    def choose_and_save_session(self) -> None:
        self._choose_and_write("Save session", "session", "json", "jitlab session (*.json)", self.save_session)

    def choose_and_export_chart(self, which: str, fmt: str) -> None:
        self._choose_and_write(f"Export {which} chart", which, fmt, f"{fmt.upper()} (*.{fmt})",
                               lambda p, overwrite: self.export_chart(which, fmt, p, overwrite))

    def choose_and_export_csv(self) -> None:
        self._choose_and_write("Export iterations", "iterations", "csv", "CSV (*.csv)", self.export_csv)

    def _choose_and_write(self, title: str, what: str, suffix: str, filter_: str, write) -> None:
        if self.model.session is None:
            return
        stem = Path(self.model.settings.get("file") or "jitlab").stem
        start = Path(self.prefs.get("paths/last_export_dir", str(Path.home()), str)) / f"jitlab-{stem}-{what}.{suffix}"
        # The dialog asks before replacing an existing file; only then is it replaced.
        path, _ = QFileDialog.getSaveFileName(self, title, str(start), filter_)
        if not path:
            return
        if not path.lower().endswith("." + suffix):
            path += "." + suffix
        self.prefs.set("paths/last_export_dir", str(Path(path).parent))
        try:
            write(path, True)
        except OSError as exc:
            self.banner.show_error(error_record(f"could not write {path}: {exc}"))

    # ---- errors

    def show_variant_error(self, variant: str) -> None:
        rec = self.model.record(variant)
        if rec.get("error"):
            self.show_error(rec["error"], variant, rec["status"])

    def show_error(self, error: dict | None, variant: str = "module", status: str = "error") -> None:
        if not error:
            return
        if self.error_dialog is not None:
            self.error_dialog.close()
        self.error_dialog = QtErrorDialog(variant, status, error, self)
        self.error_dialog.show()

    # ---- workbench events

    def _on_module_opened(self, path: str) -> None:
        self.banner.clear()
        self.controls.set_file(path, "starting a runner: importing torch and the module…")
        self.setWindowTitle(f"jitlab — {Path(path).name}")
        self.statusBar().showMessage(f"Opened {path}")
        self._update_run_state()

    def _on_module_error(self, error: dict) -> None:
        self.banner.show_error(error, prefix="Cannot load the module: ")
        self.controls.set_probe_note(first_line(error.get("message"), 160), error=True)

    def _on_probed(self, msg: dict) -> None:
        self.banner.clear()
        problem = self.controls.set_targets(msg.get("targets") or [])
        n = len(msg.get("targets") or [])
        if problem:
            self.controls.set_probe_note(problem, error=True)
            return
        self._probe_summary = f"{n} target{'s' if n != 1 else ''} · {len(msg.get('devices') or [])} device(s)"
        self.controls.set_probe_note(self._probe_summary + (" · running" if self.bench.running else " · ready to run"))

    def _on_devices(self, devices: list) -> None:
        if devices:
            self.controls.set_devices(devices)

    def _on_run_started(self) -> None:
        self._update_run_state()
        if self._probe_summary:
            self.controls.set_probe_note(self._probe_summary + " · running")

    def _on_run_finished(self, session: dict) -> None:
        self._update_run_state()
        if self._probe_summary:  # no "ready to run" over a finished run: what it was, and that it can run again
            state = "stopped" if session["settings"].get("stopped") else "run finished"
            self.controls.set_probe_note(f"{self._probe_summary} · {state}; Run again to repeat")
        cond = self.bench.controller.conductor
        if cond is not None and cond.fatal_error and not any(v["status"] == "ok" for v in session["variants"].values()):
            self.banner.show_error(cond.fatal_error, prefix="Nothing could run: ")
        state = "stopped" if session["settings"].get("stopped") else "finished"
        self.statusBar().showMessage(f"Run {state}; saving it to the data folder…")

    def _refresh_runs_after_save(self, path: str, error: str) -> None:
        self.runs.saved(path, None if error else self.bench.last_session)

    def _on_autosaved(self, path: str, error: str) -> None:
        if error:
            self.banner.show_error(error_record(f"could not auto-save the run to {path}: {error}"))
        else:
            self.statusBar().showMessage(f"Run saved automatically to {path}", 10000)

    # ---- recent files and preferences

    def _add_recent(self, path: str | Path) -> None:
        self._fill_recent(self.prefs.add_recent(path))

    def clear_recent(self) -> None:
        self.prefs.clear_recent()
        self._fill_recent([])

    def _fill_recent(self, files: list[str]) -> None:
        self.recent_menu.clear()
        for f in files:
            a = self.recent_menu.addAction(f)
            a.triggered.connect(lambda _=False, p=f: self.open_path(p))
        self.recent_menu.setEnabled(bool(files))
        if files:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction(self.actions[ActionIds.ClearRecent])
        self.welcome.set_recent(files)

    def _restore_prefs(self) -> None:
        geometry = self.prefs.get_bytes("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for key, split in (("window/main_split", self.main_split), ("window/right_split", self.right_split)):
            state = self.prefs.get_bytes(key)
            if state is not None:
                split.restoreState(state)
        self.controls.restore(self.prefs)
        self.timing.set_log_y(self.prefs.get("view/log_y", False, bool))
        self.timing.set_conditions_metric(self.prefs.get("view/conditions", None, str))
        self._fill_recent(self.prefs.recent_files())
        self.bench.pool_size = len(self.controls.checked_variants())

    def _save_prefs(self) -> None:
        self.prefs.set("window/geometry", self.saveGeometry())
        self.prefs.set("window/main_split", self.main_split.saveState())
        self.prefs.set("window/right_split", self.right_split.saveState())
        if not self._viewing_session:  # a viewed session's settings are not the user's choices
            self.controls.save(self.prefs, self.launch_overrides)
        self.prefs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Kill the runners and let the auto-save land, without blocking the event loop."""
        if not self._close_deadline:
            self._save_prefs()
            self.bench.shutdown()
            if self.saver is not None:
                self.saver.stop()  # a half-written deployment file is not worth waiting for
            self._close_deadline = 1
            if self._busy_closing():
                event.ignore()
                self._close_waited = 0
                QTimer.singleShot(20, self._close_when_idle)
                return
        if self.error_dialog is not None:
            self.error_dialog.close()
        event.accept()

    def _busy_closing(self) -> bool:
        """Runners still dying, or the last run not yet finished and saved."""
        return bool(live_processes()) or self.bench.running or self.bench.saving

    def _close_when_idle(self) -> None:
        self._close_waited += 20
        if self._busy_closing() and self._close_waited < CLOSE_GRACE_MS:
            QTimer.singleShot(20, self._close_when_idle)
            return
        self.close()
