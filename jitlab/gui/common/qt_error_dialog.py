"""A variant's failure in full: the user's file and line first, then the
message and the traceback."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

#: Source lines shown around the failing line.
CONTEXT_LINES = 3


def source_excerpt(file: str, line: int, context: int = CONTEXT_LINES) -> list[tuple[int, str, bool]]:
    """``(number, text, is_the_line)`` around ``line`` of ``file`` (empty if unreadable)."""
    try:
        lines = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    if not 1 <= line <= len(lines):
        return []
    lo, hi = max(1, line - context), min(len(lines), line + context)
    return [(n, lines[n - 1], n == line) for n in range(lo, hi + 1)]


class QtErrorDialog(QDialog):
    """Show one variant's error.

    Parameters
    ----------
    variant : str
    status : str
        ``failed``, ``timeout``, ...
    error : dict
        The session's error record (``message``, ``phase``, ``traceback``, ``location``, ``kind``).
    """

    def __init__(self, variant: str, status: str, error: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{variant}: {status}")
        self.resize(820, 560)
        self.error = error
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        layout = QVBoxLayout(self)

        loc = error.get("location") or {}
        if loc.get("file"):
            where = QLabel(f"<b>{html.escape(str(loc['file']))}, line {loc.get('line')}</b>")
            where.setObjectName("errorLocation")
            where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(where)
            excerpt = source_excerpt(str(loc["file"]), int(loc.get("line") or 0))
            if excerpt:
                rows = "".join(
                    f"<tr style='background:{'#ffebe9' if mark else 'transparent'}'><td style='color:gray'>"
                    f"{n}&nbsp;</td><td><pre style='margin:0'>{html.escape(text)}</pre></td></tr>"
                    for n, text, mark in excerpt)
                code = QLabel(f"<table cellspacing=0 cellpadding=1>{rows}</table>")
                code.setFont(mono)
                code.setObjectName("errorSource")
                layout.addWidget(code)

        phase = error.get("phase")
        message = QLabel(html.escape(error.get("message") or "(no message)").replace("\n", "<br>"))
        message.setObjectName("errorMessage")
        message.setWordWrap(True)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(QLabel(f"<b>{status}</b>" + (f" in the {html.escape(phase)} phase" if phase else "")))
        layout.addWidget(message)

        self.traceback = QPlainTextEdit()
        self.traceback.setReadOnly(True)
        self.traceback.setFont(mono)
        self.traceback.setPlainText(error.get("traceback") or "(no Python traceback: the runner process ended "
                                    "without reporting one; its last output is in the message above)")
        layout.addWidget(QLabel("Traceback:"))
        layout.addWidget(self.traceback, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy")
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self._copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _copy(self) -> None:
        parts = [self.error.get("message") or "", self.error.get("traceback") or ""]
        QGuiApplication.clipboard().setText("\n\n".join(p for p in parts if p))
