"""The Runs list: every run saved automatically (or any session in a folder).

Columns: date, file, target, device, variants, headline speedup. A run can
be opened, two runs (or a run and the current one, or a session file) can
be compared, and a run can be deleted after a confirmation. The folder is
watched, so a run saved while the list is open appears in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import (QFileSystemWatcher, Qt, QTimer,
                            Signal)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox,
                               QPushButton, QTableView, QVBoxLayout, QWidget)

from jitlab.core.present.history import RunEntry
from jitlab.core.session.saved import RunHistory
from jitlab.gui.inside.qt_code_edit import HINT_STYLE
from jitlab.gui.common.table_model import ColumnTableModel

COLUMNS = (("date", "Date"), ("file", "File"), ("target", "Target"), ("device", "Device"),
           ("variants", "Variants"), ("headline", "Best speedup vs eager"))
COLUMN_KEYS = [k for k, _ in COLUMNS]
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
#: A burst of file events (a save writes a temporary file, then renames it) is read once.
RESCAN_DELAY_MS = 250


class RunsTableModel(ColumnTableModel):
    """Rows of :class:`~jitlab.core.present.history.RunEntry`."""

    columns = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[RunEntry] = []

    def set_entries(self, entries: list[RunEntry]) -> None:
        self.refill(lambda: setattr(self, "entries", list(entries)))

    def row_count(self) -> int:
        return len(self.entries)

    def cell(self, row: int, key: str, role: int) -> Any:
        e = self.entries[row]
        if role == Qt.ItemDataRole.DisplayRole:
            if e.error and key == "variants":
                return f"unreadable: {e.error.splitlines()[0]}"
            return {"date": e.date_text, "file": e.file, "target": e.target, "device": e.device,
                    "variants": e.variants_text, "headline": e.headline if not e.error else ""}[key]
        if role == PATH_ROLE:
            return str(e.path)
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(e.path) if key in ("date", "file") else (e.error or None)
        if role == Qt.ItemDataRole.ForegroundRole and e.error:
            return QColor("#cf222e")
        return None


def ask_to_delete(parent: QWidget, paths: list[Path]) -> bool:
    """Ask before deleting saved runs (the default answer is No)."""
    names = "\n".join(p.name for p in paths[:10]) + ("\n…" if len(paths) > 10 else "")
    answer = QMessageBox.question(parent, "Delete runs",
                                  f"Delete {len(paths)} saved run{'s' if len(paths) != 1 else ''}?\n\n{names}\n\n"
                                  "The session files are removed from disk.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class QtRunsView(QWidget):
    """The list of saved runs in ``folder``.

    Parameters
    ----------
    folder : str or Path
        Where the sessions are (the app passes :func:`jitlab.gui.common.paths.sessions_dir`).
    confirm : callable, optional
        ``confirm(parent, paths) -> bool`` asked before deleting (default: a message box).
    """

    sig_open_requested = Signal(str)
    """The user wants to open a saved run (its path)."""

    sig_compare_requested = Signal(str, str)
    """Compare two session files ``(path, path)``; ``""`` stands for the current run."""

    sig_previous_requested = Signal()
    """Compare the current run with the previous run of the same module."""

    def __init__(self, folder: str | Path, confirm: Callable[[QWidget, list[Path]], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history = RunHistory(folder)
        self.confirm = confirm or ask_to_delete
        self.has_current = False
        self.model = RunsTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.previous_button = QPushButton("Current vs previous run")
        self.previous_button.setToolTip("Compare the run shown now with the last saved run of the same module")
        self.open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare two")
        self.compare_current_button = QPushButton("Compare with current run")
        self.compare_file_button = QPushButton("Compare with file…")
        self.delete_button = QPushButton("Delete…")
        self.info = QLabel()
        self.info.setStyleSheet(HINT_STYLE)
        # Wrapped: unwrapped, the data folder's path in it set the main window's minimum width (1450 px).
        self.info.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.previous_button, self.open_button, self.compare_button, self.compare_current_button,
                  self.compare_file_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.info)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

        self.watcher = QFileSystemWatcher(self)
        self._rescan = QTimer(self)
        self._rescan.setSingleShot(True)
        self._rescan.setInterval(RESCAN_DELAY_MS)
        self._rescan.timeout.connect(self.refresh)
        self.watcher.directoryChanged.connect(lambda _p: self._rescan.start())
        self.previous_button.clicked.connect(self.sig_previous_requested)
        self.open_button.clicked.connect(self._open_selected)
        self.compare_button.clicked.connect(self._compare_selected)
        self.compare_current_button.clicked.connect(self._compare_with_current)
        self.compare_file_button.clicked.connect(self._compare_with_file)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.doubleClicked.connect(lambda index: self.sig_open_requested.emit(index.data(PATH_ROLE)))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.refresh()

    # ---- public API

    @property
    def folder(self) -> Path:
        return self.history.folder

    def refresh(self) -> None:
        """Rescan the folder (keeping the selection where its runs still exist)."""
        keep = set(self.selected_paths())
        self.model.set_entries(self.history.scan())
        # Watch the folder, or (before the first run is saved) the nearest existing parent, so the
        # folder's creation is seen too.
        watch = next((p for p in (self.folder, self.folder.parent) if p.is_dir()), None)
        if watch is not None and str(watch) not in self.watcher.directories():
            stale = [d for d in self.watcher.directories() if d != str(watch)]
            if stale:
                self.watcher.removePaths(stale)
            self.watcher.addPath(str(watch))
        for row, e in enumerate(self.model.entries):
            if str(e.path) in keep:
                self.table.selectRow(row)
        n = len(self.model.entries)
        self.info.setText(f"{n} run{'s' if n != 1 else ''} in {self.folder}" if n else
                          f"no saved runs yet in {self.folder}")
        self._update_buttons()

    def set_has_current(self, on: bool) -> None:
        """Whether "compare with current run" has a current run to use."""
        self.has_current = on
        self._update_buttons()

    def selected_paths(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [str(self.model.entries[r].path) for r in rows if r < len(self.model.entries)]

    def select_paths(self, paths: list[str]) -> None:
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, e in enumerate(self.model.entries):
            if str(e.path) in {str(p) for p in paths}:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def delete_selected(self) -> int:
        """Delete the selected runs after asking; returns how many were deleted."""
        paths = [Path(p) for p in self.selected_paths()]
        if not paths or not self.confirm(self, paths):
            return 0
        for p in paths:
            self.history.delete(p)
        self.refresh()
        return len(paths)

    # ---- private

    def _update_buttons(self) -> None:
        n = len(self.selected_paths())
        self.previous_button.setEnabled(self.has_current)
        self.open_button.setEnabled(n == 1)
        self.compare_button.setEnabled(n == 2)
        self.compare_current_button.setEnabled(n == 1 and self.has_current)
        self.compare_file_button.setEnabled(n == 1 or self.has_current)
        self.delete_button.setEnabled(n >= 1)

    def _open_selected(self) -> None:
        paths = self.selected_paths()
        if len(paths) == 1:
            self.sig_open_requested.emit(paths[0])

    def _compare_selected(self) -> None:
        paths = self.selected_paths()
        if len(paths) == 2:
            self.sig_compare_requested.emit(paths[0], paths[1])

    def _compare_with_current(self) -> None:
        paths = self.selected_paths()
        if len(paths) == 1 and self.has_current:
            self.sig_compare_requested.emit(paths[0], "")

    def _compare_with_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Compare with session", str(self.folder),
                                              "jitlab session (*.json)")
        if path:
            paths = self.selected_paths()
            self.sig_compare_requested.emit(path, paths[0] if len(paths) == 1 else "")

    def entries(self) -> list[RunEntry]:
        return list(self.model.entries)

    def row_texts(self) -> list[dict[str, Any]]:
        """The shown cells, one dict per row (for tests and exports)."""
        return [{k: self.model.index(r, c).data() for c, k in enumerate(COLUMN_KEYS)}
                for r in range(self.model.rowCount())]
