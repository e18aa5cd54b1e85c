"""The user's source file around a line, read-only (a graph's source comment
or a graph break points there)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from jitlab.gui.graph_sources import locate_source, read_source
from jitlab.gui.qt_code_edit import NOTE_STYLE, QtCodeEdit


class QtSourcePane(QWidget):
    """Shows ``file`` with ``line`` marked, or a note when the file is not there."""

    sig_closed = Signal()
    """The user closed the pane."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        self.line: int | None = None
        self.title = QLabel()
        self.open_button = QPushButton("Open in editor")
        self.open_button.setToolTip("Open the file with the system's default application")
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close the source pane")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.open_button)
        top.addWidget(close)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        self.editor = QtCodeEdit("python")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        self.open_button.clicked.connect(self.open_in_editor)
        close.clicked.connect(self._close)

    def show_location(self, path: str, line: int, column: int | None = None) -> bool:
        """Show ``path`` with ``line`` (1-based) marked; returns whether the file could be read."""
        self.path, self.line = path, line
        name = Path(path).name
        where = f"{name}:{line}" + (f":{column}" if column else "")
        self.title.setText(f"<b>{where}</b> &nbsp; <span style='color:#57606a'>{path}</span>")
        found = locate_source(path)
        if found and found != path:
            self.path = found
            self.title.setText(f"<b>{where}</b> &nbsp; <span style='color:#57606a'>{found} (this machine's copy "
                               "of the bundled example)</span>")
        text = read_source(found) if found else None
        self.open_button.setEnabled(text is not None)
        if text is None:
            self.editor.set_text("", "text")
            self.note.setText(f"{path} is not on this machine (the session may have been recorded elsewhere), "
                              f"so its line {line} cannot be shown")
            self.note.show()
            self.show()
            return False
        self.note.hide()
        self.show()
        self.editor.set_text(text, "python")
        self.editor.mark_line(max(0, line - 1))
        return True

    def marked_line_text(self) -> str:
        """The text of the marked line ("" if none)."""
        if self.line is None:
            return ""
        return self.editor.document().findBlockByNumber(self.line - 1).text()

    def open_in_editor(self) -> None:
        if self.path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))

    def _close(self) -> None:
        self.hide()
        self.sig_closed.emit()
