"""The kernel view: what ran on the device, per variant, beside the timings.

A summary strip compares the variants (distinct kernels, launches and time
per iteration next to the measured fwd/bwd medians and the speedup). Below
it, one variant's kernels in a sortable, filterable table whose names are
shortened (``elementwise<Mul>``; the full name on hover and Ctrl+C), and the
source of the selected fused kernel. Beside them, the module's source with
the time of each line in its gutter; the selected kernel's lines are marked.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMenu, QTableView, QVBoxLayout, QWidget)

from jitlab.core.present import lines as L
from jitlab.core.present import graph_sources as G
from jitlab.gui.common.colors import fill_variant_box, variant_color
from jitlab.core.variants import ordered
from jitlab.gui.inside.kernel_model import COLUMN_KEYS, FULL_NAME_ROLE, KernelFilterProxy, KernelTableModel
from jitlab.core.present.kernels import headlines, summary_cells, summary_heads, summary_rows, summary_unit
from jitlab.gui.inside.qt_code_pane import HINT_STYLE, QtCodePane
from jitlab.gui.common.model_view import SessionView
from jitlab.gui.common.layout import splitter
from jitlab.gui.inside.qt_source_pane import QtSourcePane

PHASES = (("all phases", ""), ("forward", "fwd"), ("backward", "bwd"))


class _KernelTable(QTableView):
    """A table whose Ctrl+C copies full kernel names (QTableView's own copies the shown text)."""

    sig_copy_requested = Signal()
    """The copy key sequence was pressed."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.matches(QKeySequence.StandardKey.Copy):
            self.sig_copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class QtKernelView(SessionView):
    """Kernel lists of a session's variants."""

    sig_kernel_selected = Signal(str, str)
    """The user selected a kernel row: ``(variant, full kernel name)``."""

    sig_group_requested = Signal(str, str)
    """The user double-clicked a fused kernel: show its group in the graph view ``(variant, kernel)``."""

    def __init__(self, session: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.variant_box = QComboBox()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter kernels (name, op, group)…")
        self.filter_edit.setClearButtonEnabled(True)
        self.phase_box = QComboBox()
        for label, _ in PHASES:
            self.phase_box.addItem(label)
        self.fused_box = QCheckBox("fused only")
        self.count_label = QLabel()
        self.count_label.setStyleSheet(HINT_STYLE)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        for w in (self.variant_box, self.filter_edit, self.phase_box, self.fused_box, self.count_label):
            controls.addWidget(w)
        controls.setStretch(1, 1)

        self.model = KernelTableModel(self)
        self.proxy = KernelFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = _KernelTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.copy_action = QAction("Copy full name (Ctrl+C)", self.table)
        self.source = QtCodePane(selectors=False)
        self.split = splitter(Qt.Orientation.Vertical, [self.table, self.source], (3, 2), (300, 300))
        self.lines = QtSourcePane()
        self.lines.hide()
        self.sides = splitter(Qt.Orientation.Horizontal, [self.split, self.lines], (3, 2), (600, 400))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addLayout(controls)
        layout.addWidget(self.sides, 1)

        self.variant_box.currentIndexChanged.connect(self._on_variant_chosen)
        self.filter_edit.textChanged.connect(lambda text: self._filter(text=text))
        self.phase_box.currentIndexChanged.connect(lambda i: self._filter(phase=PHASES[i][1]))
        self.fused_box.toggled.connect(lambda on: self._filter(fused_only=on))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.copy_action.triggered.connect(self.copy_selected)
        self.table.sig_copy_requested.connect(self.copy_selected)
        if session is not None:
            self.set_session(session)

    # ---- public API

    def set_session(self, session: dict[str, Any] | None) -> None:
        """Show ``session``: its summary strip and its first variant with kernels (or the current one)."""
        keep = self.model.variant
        self.session = session
        self.summary.setText(self._summary_html() if session else "")
        names = ordered((session or {}).get("variants", {}).keys())
        fill_variant_box(self.variant_box, names)
        with_kernels = [n for n in names if (session["variants"][n].get("kernels") or {}).get("items")] \
            if session else []
        pick = keep if keep in names else (with_kernels[0] if with_kernels else (names[0] if names else ""))
        self.lines.set_session(session)
        if session and L.variants_with_lines(session) and self.lines.show_module():
            self.lines.show()
        else:
            self.lines.hide()
        self.set_variant(pick)

    def set_variant(self, variant: str) -> None:
        """Show ``variant``'s kernels (sorted by time, longest first)."""
        index = self.variant_box.findText(variant)
        if index >= 0 and self.variant_box.currentIndex() != index:
            self.variant_box.blockSignals(True)
            self.variant_box.setCurrentIndex(index)
            self.variant_box.blockSignals(False)
        self.model.set_variant(self.session, variant)
        self.lines.set_cost_variant(variant)  # the gutter follows, where this variant has lines
        self.table.sortByColumn(COLUMN_KEYS.index("time"), Qt.SortOrder.DescendingOrder)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(0, min(max(self.table.columnWidth(0), 160), 420))
        self._update_count()
        rec = ((self.session or {}).get("variants") or {}).get(variant) or {}
        if not self.model.rows:
            why = G.absent_note(rec, variant, "kernel list") if rec else "no session"
            self.source.show_doc(None, f"{variant}: no kernel list — {why}" if variant else why)
        else:
            self.source.show_doc(None, "Select a fused kernel (highlighted) to read its source; double-click it to "
                                       "see its fusion group in the Graphs tab.")

    def select_kernel(self, variant: str, name: str) -> bool:
        """Select the row of kernel ``name`` of ``variant`` (clearing filters that hide it)."""
        if self.model.variant != variant:
            self.set_variant(variant)
        row = self.model.row_of(name)
        if row < 0:
            return False
        proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not proxy_index.isValid():
            self.filter_edit.clear()
            self.phase_box.setCurrentIndex(0)
            self.fused_box.setChecked(False)
            proxy_index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectionModel().setCurrentIndex(
            proxy_index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(proxy_index)
        return True

    def selected_kernel(self) -> str | None:
        """Full name of the current row's kernel."""
        index = self.table.currentIndex()
        return index.data(FULL_NAME_ROLE) if index.isValid() else None

    def visible_names(self) -> list[str]:
        """Full names of the rows shown, in display order."""
        return [self.proxy.index(r, 0).data(FULL_NAME_ROLE) for r in range(self.proxy.rowCount())]

    def copy_selected(self) -> str:
        """Copy the full names of the selected rows to the clipboard; returns the text."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        text = "\n".join(self.proxy.index(r, 0).data(FULL_NAME_ROLE) for r in rows)
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def show_kernel_lines(self, row: dict[str, Any]) -> list[int]:
        """Mark the module lines a kernel row came from in the source pane; returns them."""
        if self.lines.isHidden() or not self.lines.module_file:
            return []
        if not L.same_file(self.lines.asked_path, self.lines.module_file):
            self.lines.show_module()
        found = L.kernel_lines(row, (self.lines.table.file if self.lines.table else None) or self.lines.module_file)
        self.lines.mark_lines(found)
        return found

    # ---- private

    def _summary_html(self) -> str:
        rows = summary_rows(self.session)
        if not rows:
            return ""
        unit = summary_unit(rows)
        head = "<tr><th align='left'>variant</th>" + "".join(f"<th align='right'>&nbsp;&nbsp;{h}</th>"
                                                             for h in summary_heads(unit)) + "</tr>"
        body = []
        for r in rows:
            tds = "".join(f"<td align='right'>{escape(c)}</td>" for c in summary_cells(r))
            body.append(f"<tr><td><b style='color:{variant_color(r['variant'])}'>■ {escape(r['variant'])}</b></td>"
                        f"{tds}</tr>")
        lines = "".join(f"<li>{escape(s)}</li>" for s in headlines(self.session))
        unit_note = (f"<span style='color:#57606a'>per iteration; a row is a {escape(unit)}"
                     + ("" if "CUDA" in unit else " (CPU: ops, not device kernels)") + "</span>")
        return (f"<table cellspacing='0' cellpadding='2'>{head}{''.join(body)}</table>{unit_note}"
                + (f"<ul style='margin:2px 0 0 -20px'>{lines}</ul>" if lines else ""))

    def _filter(self, **kwargs) -> None:
        self.proxy.set_filter(**kwargs)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} rows" if shown != total else f"{total} rows")

    def _on_variant_chosen(self, index: int) -> None:
        if index >= 0:
            self.set_variant(self.variant_box.itemText(index))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        name = current.data(FULL_NAME_ROLE)
        variant = self.model.variant
        row = self.model.rows[self.proxy.mapToSource(current).row()]
        self.show_kernel_lines(row)
        doc = G.kernel_source(self.session, variant, row["group"] or name) if row["fused"] else None
        if doc is not None:
            self.source.show_doc(doc)
        elif row["fused"]:
            self.source.show_doc(None, f"{row['short']}: no source was recorded for this kernel")
        else:
            self.source.show_doc(None, f"{row['short']} is a library kernel (ATen, cuBLAS, …), not one a compiler "
                                       f"generated for this module: it has no source in the session.\n{name}")
        self.sig_kernel_selected.emit(variant, name)

    def _on_double_clicked(self, index: QModelIndex) -> None:
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        if row["fused"]:
            self.sig_group_requested.emit(self.model.variant, row["group"] or row["name"])

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.addAction(self.copy_action)
        index = self.table.indexAt(pos)
        if index.isValid():
            row = self.model.rows[self.proxy.mapToSource(index).row()]
            if row["fused"]:
                show = menu.addAction("Show its fusion group in the graph view")
                show.triggered.connect(lambda: self.sig_group_requested.emit(self.model.variant,
                                                                             row["group"] or row["name"]))
        menu.popup(self.table.viewport().mapToGlobal(pos))
