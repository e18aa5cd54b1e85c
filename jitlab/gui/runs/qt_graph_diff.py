"""Side-by-side diff of the same variant's graph (or code) in two runs.

Rows are aligned (a blank row stands for a missing line) and scroll
together; changed lines are amber, removed ones red on the left, added
ones green on the right.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from jitlab.core.present import graph_diff as D
from jitlab.core.present import graph_sources as G
from jitlab.core.variants import ordered
from jitlab.core.present.history import entry_from_session
from jitlab.gui.inside.qt_code_edit import HINT_STYLE, NOTE_STYLE, QtCodeEdit, text_selection

ROW_COLORS = {D.CHANGED: "#fff1c2", D.REMOVED: "#ffd7d5", D.ADDED: "#d2f8d2"}


class QtGraphDiffView(QWidget):
    """The diff of one document (variant × graph, optimized forward, …) between two sessions.

    Parameters
    ----------
    previous, current : dict, optional
        The earlier run (left) and the later one (right).
    """

    sig_diff_changed = Signal(int)
    """The shown diff changed; carries the number of rows that differ."""

    def __init__(self, previous: dict[str, Any] | None = None, current: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.previous: dict[str, Any] | None = None
        self.current: dict[str, Any] | None = None
        self.rows: list[D.DiffRow] = []
        self.variant_box = QComboBox()
        self.doc_box = QComboBox()
        self.doc_box.setMinimumContentsLength(20)
        self.normalize = QCheckBox("ignore value numbers and source comments")
        self.normalize.setChecked(True)
        self.normalize.setToolTip("Compare lines without value numbers (%17, the .1 of %h.1) and # file:line "
                                  "comments, which shift with any "
                                  "edit above them")
        self.stats = QLabel()
        self.stats.setStyleSheet(HINT_STYLE)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for w in (self.variant_box, self.doc_box, self.normalize, self.stats):
            top.addWidget(w)
        top.setStretch(1, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        self.titles = (QLabel(), QLabel())
        self.left, self.right = QtCodeEdit(), QtCodeEdit()
        split = QSplitter(Qt.Orientation.Horizontal)
        for title, edit in zip(self.titles, (self.left, self.right)):
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(title)
            lay.addWidget(edit, 1)
            split.addWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        for a, b in ((self.left, self.right), (self.right, self.left)):
            a.verticalScrollBar().valueChanged.connect(b.verticalScrollBar().setValue)
            a.horizontalScrollBar().valueChanged.connect(b.horizontalScrollBar().setValue)
        self.variant_box.currentIndexChanged.connect(self._fill_documents)
        self.doc_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.normalize.toggled.connect(lambda _on: self.refresh())
        if previous is not None and current is not None:
            self.set_sessions(previous, current)

    # ---- public API

    def set_sessions(self, previous: dict[str, Any], current: dict[str, Any], variant: str | None = None,
                     key: str | None = None) -> None:
        """Diff ``previous`` (left) against ``current`` (right), by default script's optimized forward."""
        self.previous, self.current = previous, current
        both = [v for v in ordered(current.get("variants", {})) if v in previous.get("variants", {})]
        for title, which, session in zip(self.titles, ("previous", "current"), (previous, current)):
            e = entry_from_session(session, "")
            title.setText(f"<b>{which}</b> &nbsp; {html.escape(e.date_text)} · {html.escape(e.file)}")
        self.variant_box.blockSignals(True)
        self.variant_box.clear()
        self.variant_box.addItems(both)
        pick = variant if variant in both else next((v for v in ("script", "trace", "compile") if v in both),
                                                    both[0] if both else "")
        self.variant_box.setCurrentIndex(max(0, self.variant_box.findText(pick)))
        self.variant_box.blockSignals(False)
        self._fill_documents(key=key or ("optimized.forward" if pick in ("script", "trace") else None))

    def show_document(self, variant: str, key: str) -> bool:
        if self.current is None or self.previous is None:
            return False
        self.set_sessions(self.previous, self.current, variant, key)
        return self.doc_box.currentData() == key

    def changed_lines(self, side: str = "right") -> list[int]:
        """1-based line numbers of one side's lines that differ from the other side."""
        attr = "right_no" if side == "right" else "left_no"
        return [getattr(r, attr) for r in self.rows if r.kind != D.EQUAL and getattr(r, attr) is not None]

    def refresh(self) -> None:
        variant, key = self.variant_box.currentText(), self.doc_box.currentData()
        if not (self.previous and self.current and variant and key):
            self._show([], self._why_nothing(variant))
            return
        a = G.document(self.previous, variant, key)
        b = G.document(self.current, variant, key)
        missing = [name for name, d in (("previous", a), ("current", b)) if d is None or not d.text]
        self.rows = D.diff_rows(a.text if a else "", b.text if b else "", self.normalize.isChecked())
        note = f"the {' and '.join(missing)} run has no {key} for {variant}" if missing else ""
        self._show(self.rows, note)

    # ---- private

    def _why_nothing(self, variant: str) -> str:
        """Precisely why there is nothing to diff: no variant in common, or no graphs on one side."""
        if not (self.previous and self.current):
            return "nothing to compare"
        if not variant:
            return "nothing to compare: the two runs have no variant in common"
        why = []
        for which, session in (("previous", self.previous), ("current", self.current)):
            rec = (session.get("variants") or {}).get(variant) or {}
            if not any(d.text for d in G.documents(session, variant)):
                why.append(f"the {which} run has none: {G.absent_note(rec, variant, 'graph')}")
        if not why:
            why.append("the two runs recorded no graph of the same kind")
        return f"no graph of {variant} to compare: " + "; ".join(why)

    def _fill_documents(self, _index: int = 0, key: str | None = None) -> None:
        variant = self.variant_box.currentText()
        keep = key or self.doc_box.currentData()
        self.doc_box.blockSignals(True)
        self.doc_box.clear()
        if self.previous and self.current and variant:
            before = {d.key for d in G.documents(self.previous, variant) if d.text}
            for d in G.documents(self.current, variant):
                if d.text and d.key in before and d.language in ("ir", "python", "c"):
                    self.doc_box.addItem(d.label, d.key)
        index = self.doc_box.findData(keep)
        self.doc_box.setCurrentIndex(index if index >= 0 else 0)
        self.doc_box.blockSignals(False)
        self.refresh()

    def _show(self, rows: list[D.DiffRow], note: str) -> None:
        self.rows = rows
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        language = "ir" if (self.doc_box.currentData() or "").startswith(("graph", "optimized", "group", "inlined")) \
            else "python"
        for edit, side in ((self.left, "left"), (self.right, "right")):
            edit.set_text("\n".join(getattr(r, side) or "" for r in rows), language)
            absent = D.ADDED if side == "left" else D.REMOVED  # rows this side has no line for
            marks = [text_selection(QTextCursor(edit.document().findBlockByNumber(n)), ROW_COLORS[r.kind], True)
                     for n, r in enumerate(rows) if r.kind not in (D.EQUAL, absent)]
            edit.set_marks("diff", marks)
        st = D.diff_stats(rows)
        differ = st[D.CHANGED] + st[D.ADDED] + st[D.REMOVED]
        self.stats.setText(f"{st[D.CHANGED]} changed, {st[D.ADDED]} added, {st[D.REMOVED]} removed"
                           if differ else ("identical" if rows else ""))
        first = next((n for n, r in enumerate(rows) if r.kind != D.EQUAL), None)
        if first is not None:
            self.left.scroll_to_line(first, above=4)
        self.sig_diff_changed.emit(differ)
