"""History and comparison: the Runs list over the saved sessions and, beside
it, the overlay of two runs (timing, distribution, "vs previous", graph diff)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from jitlab.core.session.store import SessionError, load
from jitlab.gui.inside.qt_code_edit import NOTE_STYLE
from jitlab.gui.runs.qt_compare_view import QtCompareView
from jitlab.gui.runs.qt_runs_view import QtRunsView

EMPTY_HINT = ("“Current vs previous run” compares the run shown now with the last saved run of the same module; "
              "or select two runs and press “Compare two” (one run: “Compare with current run”). The overlay shows "
              "timing and distributions with the earlier run dashed, a “vs previous” column, and a diff of the "
              "graphs.")


#: Height (px) of the Runs list while a comparison is shown: the comparison gets the rest.
COMPARING_LIST_HEIGHT = 120


class QtRunsPanel(QWidget):
    """The Runs list of ``folder`` and the comparison of two runs.

    Parameters
    ----------
    folder : str or Path, optional
        Where the saved sessions are (default: :func:`jitlab.gui.common.paths.sessions_dir`).
    confirm : callable, optional
        Passed to :class:`QtRunsView` (asked before deleting).
    """

    sig_open_requested = Signal(str)
    """The user wants to open a saved run in the main window (its path)."""

    def __init__(self, folder: str | Path | None = None,
                 confirm: Callable[[QWidget, list[Path]], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if folder is None:
            from jitlab.gui.common.paths import sessions_dir

            folder = sessions_dir()
        self.current: dict[str, Any] | None = None
        self.runs = QtRunsView(folder, confirm)
        self.compare_view = QtCompareView()
        self.hint = QLabel(EMPTY_HINT)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("QLabel { color: #57606a; padding: 24px; }")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(NOTE_STYLE)
        self.error.hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.compare_view)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.error)
        right_layout.addWidget(self.stack, 1)
        self.split = split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.runs)
        split.addWidget(right)
        split.setSizes([220, 600])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.runs.sig_open_requested.connect(self.sig_open_requested)
        self.runs.sig_compare_requested.connect(self.compare_paths)
        self.runs.sig_previous_requested.connect(self.compare_with_previous)

    def refresh(self) -> None:
        """Rescan the folder (the app calls it after an auto-save; the folder is watched too)."""
        self.runs.refresh()

    def saved(self, path: str, session: dict[str, Any] | None) -> None:
        """A run was just saved to ``path``: list it from memory, then rescan."""
        if session is not None:
            self.runs.history.remember(path, session)
        self.runs.refresh()

    def set_current(self, session: dict[str, Any] | None) -> None:
        """The run shown in the main window ("compare with current run" uses it)."""
        self.current = session
        self.runs.set_has_current(session is not None)
        c = self.compare_view.comparison
        if c is not None and session is not None and session is not c.current and session is not c.previous:
            self.compare_view.clear()  # another session is open: its comparison is not this one
            self.stack.setCurrentWidget(self.hint)

    def compare(self, a: dict[str, Any], b: dict[str, Any]) -> None:
        """Overlay two sessions (the earlier one dashed)."""
        self.error.hide()
        self.compare_view.set_sessions(a, b)
        self.stack.setCurrentWidget(self.compare_view)
        total = sum(self.split.sizes()) or 820
        self.split.setSizes([min(COMPARING_LIST_HEIGHT, total // 4), total - min(COMPARING_LIST_HEIGHT, total // 4)])

    def compare_with_previous(self) -> bool:
        """Compare the current run with the last saved run of the same module (and target)."""
        previous = self.runs.history.previous_of(self.current) if self.current else None
        if previous is None:
            self.error.setText("no earlier saved run of this module to compare with")
            self.error.show()
            return False
        return self.compare_paths(str(previous.path), "")

    def compare_paths(self, path_a: str, path_b: str) -> bool:
        """Compare two session files; ``""`` stands for the current run."""
        try:
            a = load(path_a) if path_a else self.current
            b = load(path_b) if path_b else self.current
        except (SessionError, OSError) as exc:
            self.error.setText(f"cannot compare: {exc}")
            self.error.show()
            return False
        if a is None or b is None:
            self.error.setText("cannot compare: there is no current run")
            self.error.show()
            return False
        self.compare(a, b)
        return True
