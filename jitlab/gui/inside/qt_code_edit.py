"""The text widgets of the graph and kernel views: a read-only, highlighted
editor whose fusion nodes and source comments can be clicked, and a Find bar."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QKeySequence, QShortcut, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QTextEdit, QToolButton, QWidget

from jitlab.core.present import graph_sources as G
from jitlab.gui.inside.ir_highlight import IrHighlighter

NOTE_STYLE = "QLabel { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 3px; padding: 3px 6px; }"
HINT_STYLE = "QLabel { color: #57606a; }"
_FIND_BG = "#fff2a8"
FUSION_LINE_BG = "#ffe4c4"


def make_shortcut(key, parent: QWidget, slot, context: Qt.ShortcutContext) -> QShortcut:
    """A shortcut on ``parent`` in ``context`` (PySide6 ignores a ``context=`` keyword of the constructor)."""
    sc = QShortcut(QKeySequence(key), parent)
    sc.setContext(context)
    sc.activated.connect(slot)
    return sc


def text_selection(cursor: QTextCursor, background: str, full_width: bool = False) -> QTextEdit.ExtraSelection:
    sel = QTextEdit.ExtraSelection()
    fmt = QTextCharFormat()
    fmt.setBackground(QColor(background))
    if full_width:
        fmt.setProperty(QTextCharFormat.Property.FullWidthSelection, True)
    sel.format = fmt
    sel.cursor = cursor
    return sel


#: A text longer than this many lines is shown in pieces of this many lines, more as the view scrolls
#: down (a traced LSTM's optimized graph is 1.4 million characters); Find searches the whole text.
LAZY_LINES = 4000


def _line_end(text: str, start: int, lines: int) -> int:
    """The index just after the ``lines``-th newline from ``start`` (or the text's end)."""
    pos = start
    for _ in range(lines):
        nxt = text.find("\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


class QtCodeEdit(QPlainTextEdit):
    """Read-only monospace text with highlighting, clickable lines and marks.

    A long text is loaded lazily, :data:`LAZY_LINES` at a time (see :meth:`load_more`).
    """

    sig_line_clicked = Signal(int, int)
    """A click (not a drag) on ``(line, column)``, both 0-based."""

    def __init__(self, language: str = "ir", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.highlighter = IrHighlighter(self.document(), language)
        self.clickable: set[int] = set()
        self._marks: dict[str, list[QTextEdit.ExtraSelection]] = {}
        self._press: QPoint | None = None
        self._center_pending = False
        self._top_pending: int | None = None
        self._full = ""
        self._loaded = 0
        self._lower: str | None = None
        self.viewport().setMouseTracking(True)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def set_text(self, text: str, language: str, fusion_lines: set[int] | None = None,
                 focus: tuple[str, ...] = ()) -> None:
        """Show ``text``; scroll to the first line holding one of ``focus`` (tried in order)."""
        self.highlighter.language = language
        self.highlighter.fusion_lines = set(fusion_lines or ())
        self.clickable = set(fusion_lines or ())
        self._marks = {}
        self._center_pending, self._top_pending = False, None
        self._full, self._lower = text, None
        self._loaded = _line_end(text, 0, LAZY_LINES)
        self.setPlainText(text[:self._loaded])  # highlights once, with the language and marks above
        self._mark_fusion_lines()
        for needle in focus:
            at = text.find(needle)
            if at >= 0:
                self.load_more(upto=at + len(needle))
                self.scroll_to_line(self.document().findBlock(at).blockNumber())
                break

    # ---- lazy loading of long texts

    @property
    def total_lines(self) -> int:
        return self._full.count("\n") + (0 if self._full.endswith("\n") or not self._full else 1)

    @property
    def fully_loaded(self) -> bool:
        return self._loaded >= len(self._full)

    def full_text(self) -> str:
        """The whole text, loaded or not."""
        return self._full

    def load_more(self, upto: int | None = None) -> bool:
        """Append the next :data:`LAZY_LINES` lines (or everything up to character ``upto``); whether any were."""
        if self.fully_loaded or (upto is not None and upto <= self._loaded):
            return False
        end = _line_end(self._full, self._loaded, LAZY_LINES)
        if upto is not None:
            end = max(end, _line_end(self._full, upto, 1))
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        keep = self.verticalScrollBar().value()
        cursor.insertText(self._full[self._loaded:end])
        self._loaded = end
        self.verticalScrollBar().setValue(keep)
        self._mark_fusion_lines()
        return True

    def ensure_line(self, line: int) -> None:
        """Load the text at least up to ``line`` (0-based)."""
        while self.document().blockCount() <= line + 1 and self.load_more():
            pass

    def _on_scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        if not self.fully_loaded and value >= bar.maximum() - 20:
            self.load_more()

    def _mark_fusion_lines(self) -> None:
        count = self.document().blockCount()
        self.set_marks("fusion", [self._line_selection(n, FUSION_LINE_BG) for n in sorted(self.clickable)
                                  if n < count])

    def scroll_to_line(self, line: int, above: int = 2) -> None:
        """Scroll so that ``line`` is near the top (``above`` lines of context over it), again once laid out."""
        self.ensure_line(line)
        self.setTextCursor(QTextCursor(self.document().findBlockByNumber(line)))
        self.verticalScrollBar().setValue(max(0, line - above))
        self._top_pending = None if self.isVisible() else max(0, line - above)

    # ---- marks (extra selections by purpose)

    def set_marks(self, key: str, selections: list[QTextEdit.ExtraSelection]) -> None:
        self._marks[key] = selections
        self.setExtraSelections([s for sels in self._marks.values() for s in sels])

    def _line_selection(self, line: int, color: str) -> QTextEdit.ExtraSelection:
        cursor = QTextCursor(self.document().findBlockByNumber(line))
        return text_selection(cursor, color, full_width=True)

    def mark_line(self, line: int, color: str = "#c8e1ff") -> None:
        """Mark one line and scroll it to the middle of the view (again once the view is laid out)."""
        self.ensure_line(line)
        self.set_marks("target", [self._line_selection(line, color)])
        self.setTextCursor(QTextCursor(self.document().findBlockByNumber(line)))
        self.centerCursor()
        self._center_pending = not self.isVisible()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if not (self.isVisible() and self.viewport().height() > 20):
            return
        if self._center_pending:
            self._center_pending = False
            self.centerCursor()
        elif self._top_pending is not None:
            self.verticalScrollBar().setValue(self._top_pending)
            self._top_pending = None

    def line_rect(self, line: int) -> QRect:
        """Viewport rectangle of a line (for tests and tooltips)."""
        block = self.document().findBlockByNumber(line)
        return self.blockBoundingGeometry(block).translated(self.contentOffset()).toRect()

    def link_at(self, line: int, column: int) -> tuple[str, int, int | None] | None:
        """The source location under ``(line, column)``, if a comment links there."""
        text = self.document().findBlockByNumber(line).text()
        link = G.source_link(text)
        if link and link[3] <= column <= link[4]:
            return link[0], link[1], link[2]
        return None

    # ---- find

    def find_all(self, needle: str) -> int:
        """Mark every occurrence of ``needle`` (case-insensitive) shown; returns how many the whole text has."""
        found = []
        if needle:
            cursor = self.document().find(needle, 0)
            while not cursor.isNull() and len(found) < 5000:
                found.append(text_selection(cursor, _FIND_BG))
                cursor = self.document().find(needle, cursor)
        self.set_marks("find", found)
        if not needle or self.fully_loaded:
            return len(found)
        if self._lower is None:
            self._lower = self._full.lower()
        return self._lower.count(needle.lower())

    def find_next(self, needle: str, backward: bool = False) -> bool:
        """Move to the next (previous) occurrence, wrapping around."""
        if not needle:
            return False
        flags = QTextDocument.FindFlag.FindBackward if backward else QTextDocument.FindFlag(0)
        if self.find(needle, flags):
            return True
        if not backward and not self.fully_loaded:  # the next match may be in the part not shown yet
            if self._lower is None:
                self._lower = self._full.lower()
            at = self._lower.find(needle.lower(), self._loaded)
            if at >= 0:
                self.load_more(upto=at + len(needle))
                if self._marks.get("find"):
                    self.find_all(needle)  # mark the newly shown matches too
                if self.find(needle, flags):
                    return True
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if backward else QTextCursor.MoveOperation.Start)
        self.setTextCursor(cursor)
        return self.find(needle, flags)

    # ---- mouse

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().mouseReleaseEvent(event)
        pos = event.position().toPoint()
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        if (pos - self._press).manhattanLength() > 4 or self.textCursor().hasSelection():
            return
        cursor = self.cursorForPosition(pos)
        self.sig_line_clicked.emit(cursor.blockNumber(), cursor.positionInBlock())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().mouseMoveEvent(event)
        cursor = self.cursorForPosition(event.position().toPoint())
        line, col = cursor.blockNumber(), cursor.positionInBlock()
        hand = line in self.clickable or self.link_at(line, col) is not None
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if hand else Qt.CursorShape.IBeamCursor)


class QtFindBar(QWidget):
    """Find in the pane's text: Enter for next, Shift+Enter for previous, Esc to close."""

    def __init__(self, target, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._target = target
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Find…")
        self.edit.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setStyleSheet(HINT_STYLE)
        prev_b, next_b, close_b = QToolButton(), QToolButton(), QToolButton()
        prev_b.setText("▲")
        next_b.setText("▼")
        close_b.setText("✕")
        prev_b.setToolTip("Previous match (Shift+Enter)")
        next_b.setToolTip("Next match (Enter)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        for w in (self.edit, self.count, prev_b, next_b, close_b):
            layout.addWidget(w)
        layout.setStretch(0, 1)
        self.edit.textChanged.connect(self.search)
        self.edit.returnPressed.connect(lambda: self.step(False))
        prev_b.clicked.connect(lambda: self.step(True))
        next_b.clicked.connect(lambda: self.step(False))
        close_b.clicked.connect(self.close_bar)
        make_shortcut("Shift+Return", self.edit, lambda: self.step(True), Qt.ShortcutContext.WidgetShortcut)
        make_shortcut(Qt.Key.Key_Escape, self, self.close_bar, Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.hide()

    def open_bar(self) -> None:
        self.show()
        self.edit.setFocus()
        self.edit.selectAll()
        self.search(self.edit.text())

    def close_bar(self) -> None:
        self._target().find_all("")
        self.hide()
        self._target().setFocus()

    def search(self, text: str) -> int:
        n = self._target().find_all(text)
        self.count.setText("" if not text else (f"{n} match{'es' if n != 1 else ''}" if n else "no match"))
        if n:
            cursor = self._target().textCursor()
            cursor.setPosition(cursor.selectionStart())
            self._target().setTextCursor(cursor)
            self._target().find_next(text)
        return n

    def step(self, backward: bool) -> bool:
        return self._target().find_next(self.edit.text(), backward)
