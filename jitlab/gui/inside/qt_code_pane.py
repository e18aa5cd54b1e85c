"""A read-only, highlighted text pane with its own selector and Find bar.

:class:`QtCodePane` shows one :class:`~jitlab.core.present.graph_sources.Document` of
a session (chosen with a variant × document selector, or set directly),
its note when the text is absent, and its companions (a fusion group's
kernel sources) in tabs below. Fusion nodes of an optimized graph and
``# file.py:12:8`` source comments are clickable.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from jitlab.core.present import graph_sources as G
from jitlab.gui.common.colors import fill_variant_box
from jitlab.core.variants import ordered
from jitlab.core.present.kernel_names import short_name
from jitlab.gui.inside.qt_code_edit import HINT_STYLE, LAZY_LINES, NOTE_STYLE, QtCodeEdit, QtFindBar, make_shortcut


class QtCodePane(QWidget):
    """One side of the graph view (or the source pane of another view).

    Parameters
    ----------
    session : dict, optional
        A session as :func:`jitlab.core.session.store.load` returns it.
    selectors : bool
        Show the variant and document selectors (off when the owner sets
        documents with :meth:`show_doc`).
    """

    sig_document_changed = Signal(str, str)
    """The pane now shows ``(variant, key)``."""

    sig_group_clicked = Signal(str, int)
    """A fusion node was clicked: ``(variant, fusion group index)``."""

    sig_source_clicked = Signal(str, int)
    """A source comment was clicked: ``(file, line)``."""

    def __init__(self, session: dict[str, Any] | None = None, selectors: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: dict[str, Any] | None = None
        self.doc: G.Document | None = None
        self.links: dict[int, int] = {}
        self._docs: list[G.Document] = []
        self.variant_box = QComboBox()
        self.variant_box.setToolTip("Variant")
        self.doc_box = QComboBox()
        self.doc_box.setToolTip("What to show: graph, code, optimized graphs, fusion groups, kernel sources")
        self.doc_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.doc_box.setMinimumContentsLength(24)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.variant_box)
        top.addWidget(self.doc_box, 1)
        self.selector_row = QWidget()
        self.selector_row.setLayout(top)
        self.selector_row.setVisible(selectors)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.hide()
        self.hint = QLabel()
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        # Many groups make a long line of links; wrapping keeps it from widening the whole window.
        self.hint.setWordWrap(True)
        self.hint.linkActivated.connect(self._on_hint_link)
        self.hint.hide()
        self.editor = QtCodeEdit()
        self.companions = QTabWidget()
        self.companions.setDocumentMode(True)
        self.companions.hide()
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(self.editor)
        self.split.addWidget(self.companions)
        self._find_target: QtCodeEdit = self.editor
        self.find_bar = QtFindBar(lambda: self._find_target)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        for w in (self.selector_row, self.note, self.hint):
            layout.addWidget(w)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.find_bar)
        make_shortcut(QKeySequence.StandardKey.Find, self, self.open_find,
                      Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.variant_box.currentIndexChanged.connect(self._on_variant_chosen)
        self.doc_box.currentIndexChanged.connect(self._on_doc_chosen)
        self.editor.sig_line_clicked.connect(lambda line, col: self._on_clicked(self.editor, line, col))
        if session is not None:
            self.set_session(session)

    # ---- public API

    def set_session(self, session: dict[str, Any] | None) -> None:
        """Show ``session``'s documents, keeping the current choice where it still exists."""
        keep = (self.doc.variant, self.doc.key) if self.doc else None
        self.session = session
        variants = ordered((session or {}).get("variants", {}).keys())
        fill_variant_box(self.variant_box, variants)
        self.doc = None
        if keep and keep[0] in variants and self.show_document(*keep):
            return
        if variants:
            self.show_document(variants[0], "")
        else:
            self.show_doc(None, "no session")

    def show_document(self, variant: str, key: str) -> bool:
        """Select ``variant`` and its document ``key`` (the first one if ``key`` is absent)."""
        if self.session is None or self.variant_box.findText(variant) < 0:
            return False
        self.variant_box.blockSignals(True)
        self.variant_box.setCurrentIndex(self.variant_box.findText(variant))
        self.variant_box.blockSignals(False)
        self._docs = G.documents(self.session, variant)
        keys = [d.key for d in self._docs]
        index = keys.index(key) if key in keys else 0
        self.doc_box.blockSignals(True)
        self.doc_box.clear()
        for d in self._docs:
            self.doc_box.addItem(d.label if d.text else f"{d.label} (none)")
        self.doc_box.setCurrentIndex(index)
        self.doc_box.blockSignals(False)
        self.show_doc(self._docs[index])
        return key in keys

    def show_doc(self, doc: G.Document | None, note: str = "") -> None:
        """Show a document (``None``: an empty pane with ``note``)."""
        self.doc = doc
        text = doc.text if doc else None
        self.links = {}
        if doc and text and doc.language == "ir" and doc.key.startswith("optimized"):
            groups = ((self.session or {}).get("variants", {}).get(doc.variant, {}).get("graphs") or {})
            self.links = G.fusion_links(text, groups.get("fusion_groups") or [])
        self.editor.set_text(text or "", doc.language if doc else "text", set(self.links),
                             doc.focus if doc else ())
        if self.links:
            self.editor.scroll_to_line(min(self.links), above=8)
        note = doc.note if doc else note
        if not self.editor.fully_loaded:
            total = self.editor.total_lines
            lazy = (f"{total:,} lines: shown as you scroll down, {LAZY_LINES:,} at a time; Find (Ctrl+F) "
                    "searches all of them")
            note = f"{note}; {lazy}" if note else lazy
        self._set_note(note)
        self._set_hint(doc.variant if doc else "")
        self._fill_companions(doc.companions if doc else [], doc.focus if doc else ())
        self._find_target = self.editor
        if self.find_bar.isVisible():
            self.find_bar.search(self.find_bar.edit.text())
        if doc is not None:
            self.sig_document_changed.emit(doc.variant, doc.key)

    def current(self) -> tuple[str, str] | None:
        return (self.doc.variant, self.doc.key) if self.doc else None

    def text(self) -> str:
        """The whole document's text (a long one is shown lazily: see :meth:`QtCodeEdit.load_more`)."""
        return self.editor.full_text()

    def fusion_line(self, group: int) -> int | None:
        """The first line that is a node of fusion group ``group``."""
        return min((line for line, g in self.links.items() if g == group), default=None)

    def open_find(self) -> None:
        focused = self.focusWidget()
        self._find_target = focused if isinstance(focused, QtCodeEdit) else self._find_target
        self.find_bar.open_bar()

    # ---- private

    def _set_hint(self, variant: str) -> None:
        """Name the fusion groups of the shown graph, as links (their lines may be far to the right)."""
        groups = ((self.session or {}).get("variants", {}).get(variant, {}).get("graphs") or {}).get(
            "fusion_groups") or []
        shown = sorted(set(self.links.values()))
        links = [f"<a href='{i}'>group {i} → {escape(short_name(groups[i].get('kernel_name') or '') or 'open')}</a>"
                 for i in shown if i < len(groups)]
        self.hint.setText(f"Fusion group{'s' if len(shown) != 1 else ''} (highlighted lines; click one, or here): "
                          + " &nbsp; ".join(links) if links else "")
        self.hint.setVisible(bool(links))

    def _on_hint_link(self, href: str) -> None:
        if self.doc is not None and href.isdigit():
            self.sig_group_clicked.emit(self.doc.variant, int(href))

    def _set_note(self, note: str) -> None:
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _fill_companions(self, companions: list[tuple[str, str, str]], focus: tuple[str, ...] = ()) -> None:
        while self.companions.count():
            w = self.companions.widget(0)
            self.companions.removeTab(0)
            w.deleteLater()
        for label, text, language in companions:
            edit = QtCodeEdit(language)
            edit.set_text(text, language, focus=focus)
            edit.sig_line_clicked.connect(lambda line, col, e=edit: self._on_clicked(e, line, col))
            self.companions.addTab(edit, label)
        self.companions.setVisible(bool(companions))
        if companions:
            total = sum(self.split.sizes()) or 400
            self.split.setSizes([total // 2, total - total // 2])

    def _on_variant_chosen(self, index: int) -> None:
        if index >= 0:
            self.show_document(self.variant_box.itemText(index), self.doc.key if self.doc else "")

    def _on_doc_chosen(self, index: int) -> None:
        if 0 <= index < len(self._docs):
            self.show_doc(self._docs[index])

    def _on_clicked(self, editor: QtCodeEdit, line: int, column: int) -> None:
        self._find_target = editor
        if editor is self.editor and line in self.links and self.doc is not None:
            self.sig_group_clicked.emit(self.doc.variant, self.links[line])
            return
        link = editor.link_at(line, column)
        if link is not None:
            self.sig_source_clicked.emit(link[0], link[1])
