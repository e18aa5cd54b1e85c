"""The user's source file around a line, read-only (a graph's source comment
or a graph break points there), with the time each line was charged.

The gutter shows, for the variant chosen in the pane's selector, the device
(or CPU) time per iteration of the kernels each line's ops ran in
(:func:`jitlab.core.present.lines.line_table`, the table of ``jitlab show --what
lines``); a kernel chosen in the kernel view marks the lines it came from.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from jitlab.core.present import lines as L
from jitlab.gui.common.colors import variant_qcolor
from jitlab.core.present.graph_sources import locate_source, read_source
from jitlab.gui.inside.qt_code_edit import HINT_STYLE, NOTE_STYLE, QtCodeEdit
from jitlab.gui.inside.qt_cost_gutter import QtCostGutter

KERNEL_LINE_BG = "#ffd8a8"


class QtSourcePane(QWidget):
    """Shows ``file`` with ``line`` marked, or a note when the file is not there."""

    sig_closed = Signal()
    """The user closed the pane."""

    sig_cost_variant_chosen = Signal(str)
    """The gutter now shows the time per line of this variant."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: str | None = None
        self.line: int | None = None
        self.session: dict | None = None
        #: The file the session's module came from (its per-line costs are for it), and the path last asked for.
        self.module_file: str | None = None
        self.asked_path: str | None = None
        self.table: L.LineTable | None = None
        self.cost_box = QComboBox()
        self.cost_box.setToolTip("Variant whose time per line the gutter shows")
        self.cost_box.hide()
        self.cost_note = QLabel()
        self.cost_note.setWordWrap(True)
        self.cost_note.setStyleSheet(HINT_STYLE)
        self.cost_note.hide()
        self.title = QLabel()
        self.open_button = QPushButton("Open in editor")
        self.open_button.setToolTip("Open the file with the system's default application")
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Close the source pane")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.cost_box)
        top.addWidget(self.open_button)
        top.addWidget(close)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        self.editor = QtCodeEdit("python")
        self.gutter = QtCostGutter(self.editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.cost_note)
        self.open_button.clicked.connect(self.open_in_editor)
        self.cost_box.currentIndexChanged.connect(self._on_cost_variant)
        close.clicked.connect(self._close)
        self.close_button = close

    def show_location(self, path: str, line: int | None, column: int | None = None) -> bool:
        """Show ``path`` with ``line`` (1-based; ``None``: no line) marked; returns whether the file could be read."""
        self.path, self.line, self.asked_path = path, line, path
        name = Path(path).name
        where = name if line is None else f"{name}:{line}" + (f":{column}" if column else "")
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
                              + (f"so its line {line} cannot be shown" if line else "so it cannot be shown"))
            self.note.show()
            self.show()
            self._show_costs()
            return False
        self.note.hide()
        self.show()
        self.editor.set_text(text, "python")
        if line is not None:
            self.editor.mark_line(max(0, line - 1))
        self._show_costs()
        return True

    # ---- time per line

    def set_session(self, session: dict | None) -> None:
        """Offer the variants of ``session`` whose kernels were traced back to lines, in the selector."""
        self.session = session
        self.module_file = ((session or {}).get("settings") or {}).get("file")
        names = L.variants_with_lines(session or {})
        keep = self.cost_box.currentText()
        self.cost_box.blockSignals(True)
        self.cost_box.clear()
        for name in names:
            self.cost_box.addItem(name)
            self.cost_box.setItemData(self.cost_box.count() - 1, variant_qcolor(name), Qt.ItemDataRole.DecorationRole)
        self.cost_box.blockSignals(False)
        self.cost_box.setVisible(bool(names))
        self.set_cost_variant(keep if keep in names else (names[0] if names else ""))

    def set_cost_variant(self, variant: str) -> bool:
        """Show ``variant``'s time per line in the gutter; whether it has one."""
        index = self.cost_box.findText(variant)
        if index < 0:
            return False
        if self.cost_box.currentIndex() != index:
            self.cost_box.setCurrentIndex(index)  # emits, which shows the costs
        else:
            self._on_cost_variant(index)
        return True

    def cost_variant(self) -> str:
        return self.cost_box.currentText()

    def show_module(self) -> bool:
        """Show the session's module file whole, costs in the gutter, scrolled to the first line that has one."""
        if not self.module_file:
            return False
        ok = self.show_location(self.module_file, None)
        if ok and self.gutter.labels:
            self.editor.scroll_to_line(max(0, min(self.gutter.labels) - 1), above=3)
        return ok

    def mark_lines(self, lines: list[int]) -> None:
        """Mark ``lines`` (1-based) of the file shown, scrolling to the first."""
        self.editor.set_marks("target", [self.editor._line_selection(n - 1, KERNEL_LINE_BG) for n in lines
                                         if 0 < n <= self.editor.document().blockCount()])
        if lines:
            self.editor.scroll_to_line(max(0, min(lines) - 1), above=3)

    def _on_cost_variant(self, index: int) -> None:
        variant = self.cost_box.itemText(index) if index >= 0 else ""
        self.table = L.line_table(self.session or {}, variant) if variant else None
        self._show_costs()
        if variant:
            self.sig_cost_variant_chosen.emit(variant)

    def _costs_file(self) -> str | None:
        """The file whose line costs fit the text shown (a located copy of the module file counts as it)."""
        if L.same_file(self.asked_path, self.module_file):
            return self.table.file if self.table else self.module_file
        return self.asked_path

    def _show_costs(self) -> None:
        table = self.table
        if table is None:
            self.gutter.set_costs({}, {})
            self.cost_note.hide()
            return
        file = self._costs_file()
        self.gutter.set_costs(L.gutter_labels(table, file), L.shares(table, file), L.tooltips(table, file))
        what = "device time" if "CUDA" in table.unit else "CPU time"
        text = (f"Gutter: {table.variant}'s {what} per iteration of the kernels each line's ops ran in; "
                f"{table.split}.")
        if table.unmapped:
            text += f" Not traced to a line: {L.format_us(table.unmapped_us)} of {L.format_us(table.total_us)}."
        self.cost_note.setText(text)
        self.cost_note.show()

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
