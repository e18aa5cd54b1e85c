"""The compile view: what ``torch.compile`` made of the module.

Graph breaks with their reasons and the user's lines (the line shown in a
source pane), the number of Dynamo graphs, recompiles and compilations, and
Inductor's generated code, browsable per graph and per kernel.
"""

from __future__ import annotations

from html import escape as html_escape

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHeaderView, QLabel, QPlainTextEdit, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

from jitlab.core.variants import is_compile
from jitlab.core.present import graph_sources as G
from jitlab.core.present import compile_report
from jitlab.core.variants import ordered
from jitlab.gui.inside.qt_compile_time import QtCompileTime
from jitlab.gui.inside.qt_code_pane import NOTE_STYLE, QtCodePane
from jitlab.gui.inside.qt_source_pane import QtSourcePane
from jitlab.gui.common.model_view import SessionView

#: The variant this view describes unless the session has only other compile modes.
VARIANT = "compile"
_ITEM_ROLE = Qt.ItemDataRole.UserRole + 1


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setWordWrap(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _where(file: str | None, line: int | None) -> str:
    return f"{Path(file).name}:{line}" if file else "(location unknown)"


class QtCompileView(SessionView):
    """Graph breaks, recompiles and generated code of a session's ``compile`` variant."""

    sig_kernel_selected = Signal(str, str)
    """A generated kernel was selected in the code tree: ``(variant, kernel name)``."""

    def __init__(self, session: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphs: dict[str, Any] = {}
        #: The compile variant shown (``compile`` or a ``compile:<mode>``), picked in :attr:`picker`.
        self.variant = VARIANT
        self.picker = QComboBox()
        self.picker.setToolTip("the compile variant (mode) this tab describes")
        self.picker.hide()
        self.compile_time = QtCompileTime()
        self.compile_time.hide()
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        self.breaks = _table(["#", "Where", "Reason"])
        self.reason = QPlainTextEdit()
        self.reason.setReadOnly(True)
        self.reason.setPlaceholderText("Select a graph break to read Dynamo's full reason")
        break_split = QSplitter(Qt.Orientation.Horizontal)
        break_split.addWidget(self.breaks)
        break_split.addWidget(self.reason)
        break_split.setSizes([500, 500])
        self.recompiles = _table(["Iteration", "Compile id", "Function", "Where", "Reason"])
        self.cudagraphs = _table(["Compile id", "Phase", "CUDA graph", "Reason"])
        self.compilations = _table(["Compile id", "Function", "Where", "Forward s", "Backward s", "Ops"])
        self.tabs = QTabWidget()
        self.tabs.addTab(break_split, "Graph breaks")
        self.tabs.addTab(self.recompiles, "Recompiles")
        self.tabs.addTab(self.compilations, "Compilations")
        self.tabs.addTab(self.cudagraphs, "CUDA graphs")
        self.source = QtSourcePane()
        self.source.hide()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Generated code"])
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.code = QtCodePane(selectors=False)
        code_split = QSplitter(Qt.Orientation.Horizontal)
        code_split.addWidget(self.tree)
        code_split.addWidget(self.code)
        code_split.setSizes([300, 800])
        self.split = QSplitter(Qt.Orientation.Vertical)
        for w in (self.tabs, self.source, code_split):
            self.split.addWidget(w)
        self.split.setSizes([220, 160, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.picker)
        layout.addWidget(self.header)
        layout.addWidget(self.compile_time)
        layout.addWidget(self.note)
        layout.addWidget(self.split, 1)
        self.breaks.currentCellChanged.connect(lambda row, *_: self.select_break(row))
        self.recompiles.currentCellChanged.connect(lambda row, *_: self._show_row_source(self.recompiles, row))
        self.compilations.currentCellChanged.connect(lambda row, *_: self._show_row_source(self.compilations, row))
        self.tree.currentItemChanged.connect(self._on_tree_item)
        self.picker.currentIndexChanged.connect(self._on_pick)
        self.code.sig_source_clicked.connect(self.source.show_location)
        if session is not None:
            self.set_session(session)

    # ---- public API

    def set_session(self, session: dict[str, Any] | None, variant: str | None = None) -> None:
        """Show ``session``'s compile variant ``variant`` (default: the one shown, else the first)."""
        self.session = session
        names = ordered(n for n in ((session or {}).get("variants") or {}) if is_compile(n))
        wanted = variant or self.variant
        self.variant = wanted if wanted in names else (names[0] if names else VARIANT)
        self.picker.blockSignals(True)
        self.picker.clear()
        self.picker.addItems(names)
        self.picker.setCurrentIndex(max(0, self.picker.findText(self.variant)))
        self.picker.blockSignals(False)
        self.picker.setVisible(len(names) > 1)
        self._show_variant()

    def _on_pick(self, index: int) -> None:
        if index >= 0 and self.picker.itemText(index) != self.variant:
            self.variant = self.picker.itemText(index)
            self._show_variant()

    def _show_variant(self) -> None:
        session = self.session
        rec = ((session or {}).get("variants") or {}).get(self.variant)
        self.graphs = (rec or {}).get("graphs") or {}
        self.compile_time.set_record(rec)
        for t in (self.breaks, self.recompiles, self.compilations, self.cudagraphs):
            t.setRowCount(0)
        self.tree.clear()
        self.reason.clear()
        self.reason.setPlaceholderText("Select a graph break to read Dynamo's full reason")
        self.source.hide()
        self.code.show_doc(None, "Select a graph, wrapper module or kernel on the left")
        if rec is None:
            self._set_header("", "this session has no compile variant (run with --variants …,compile)")
            return
        self._fill_recompiles(rec)
        self._fill_cudagraphs(rec)
        self.tabs.setTabText(1, f"Recompiles ({self.recompiles.rowCount()})")
        cg = rec.get("cudagraphs") or {}
        used = sum(1 for x in cg.get("graphs") or [] if x.get("used"))
        self.tabs.setTabText(3, f"CUDA graphs ({used}/{len(cg.get('graphs') or [])})" if cg else "CUDA graphs")
        if not self.graphs:
            self._set_header("", G.absent_note(rec, self.variant, "compile information"))
            return
        self._fill_header(rec)
        self._fill_breaks()
        self._fill_compilations()
        self._fill_tree()
        first = self.tree.topLevelItem(0)
        if first is not None and first.childCount():
            self.tree.setCurrentItem(first.child(0))
        if self.breaks.rowCount():
            self.breaks.selectRow(0)
        else:
            self.reason.setPlaceholderText("No graph break: Dynamo captured the forward whole"
                                           if self.graphs.get("graph_break_count") == 0 else
                                           "No graph break was recorded")

    def break_rows(self) -> list[tuple[str, str]]:
        """``(where, first line of the reason)`` of each listed graph break."""
        return [(self.breaks.item(r, 1).text(), self.breaks.item(r, 2).text()) for r in range(self.breaks.rowCount())]

    def select_break(self, row: int) -> None:
        reasons = self.graphs.get("break_reasons") or []
        if not 0 <= row < len(reasons):
            return
        br = reasons[row]
        self.reason.setPlainText((br.get("reason") or "").strip())
        if br.get("file") and br.get("line"):
            self.source.show_location(br["file"], int(br["line"]))

    def show_kernel(self, name: str) -> bool:
        """Select generated kernel ``name`` in the code tree."""
        items = self.tree.findItems(name, Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchStartsWith)
        if not items:
            return False
        self.tree.setCurrentItem(items[0])
        return True

    # ---- private

    def _set_header(self, html: str, note: str) -> None:
        self.header.setText(html)
        self.header.setVisible(bool(html))
        self.note.setTextFormat(Qt.TextFormat.PlainText)  # notes quote the user's code and exceptions
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _fill_header(self, rec: dict[str, Any]) -> None:
        g = self.graphs
        rec_list = rec.get("recompiles") or g.get("recompiles")
        kernels = g.get("kernel_names") or []
        kinds = sorted({lang for lang, _ in G.inductor_kernels(g).values()})
        esc = lambda x: html_escape(str(x))  # noqa: E731 - the counts come from a session file
        parts = [f"<b>{esc(g.get('graph_count', '?'))}</b> Dynamo graph(s)",
                 f"<b>{esc(g.get('graph_break_count', '?'))}</b> graph break(s)",
                 f"<b>{'?' if rec_list is None else len(rec_list)}</b> recompile(s)",
                 f"<b>{len(kernels)}</b> generated kernel(s)" + (f" ({esc(', '.join(kinds))})" if kinds else "")]
        self._set_header(f"{html_escape(self.variant)}: " + " &nbsp;·&nbsp; ".join(parts), "; ".join(rec.get("notes") or []))
        self.tabs.setTabText(0, f"Graph breaks ({len(g.get('break_reasons') or [])})")
        self.tabs.setTabText(1, f"Recompiles ({'?' if rec_list is None else len(rec_list)})")
        self.tabs.setTabText(2, f"Compilations ({len(compile_report.compilations(g))})")

    @staticmethod
    def _add_row(table: QTableWidget, cells: list[str], tip: str = "", where: tuple | None = None) -> None:
        r = table.rowCount()
        table.insertRow(r)
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if tip:
                item.setToolTip(tip)
            if where:
                item.setData(_ITEM_ROLE, where)
            table.setItem(r, c, item)

    def _fill_breaks(self) -> None:
        for i, br in enumerate(self.graphs.get("break_reasons") or []):
            lines = (br.get("reason") or "").strip().splitlines()
            where = (br.get("file"), br.get("line"))
            self._add_row(self.breaks, [str(i + 1), _where(*where), lines[0] if lines else ""],
                          br.get("file") or "", where)

    def recompile_rows(self) -> list[list[str]]:
        """The cells of the Recompiles table, row by row."""
        return [[self.recompiles.item(r, c).text() for c in range(self.recompiles.columnCount())]
                for r in range(self.recompiles.rowCount())]

    def _fill_recompiles(self, rec: dict[str, Any] | None) -> None:
        # Recompiles watched while the variant ran carry their iteration; older sessions only
        # have those read from Dynamo's records after the run.
        live = (rec or {}).get("recompiles") or []
        for r in live or self.graphs.get("recompiles") or []:
            i = r.get("i")
            when = "" if i is None else (f"{i} (warm-up)" if r.get("warmup") else str(i))
            tip = f"failed guard: {r['guard']}" if r.get("guard") else (r.get("reason") or "")
            self._add_row(self.recompiles, [when, str(r.get("compile_id")), str(r.get("function")),
                                            _where(r.get("file"), r.get("line")), r.get("reason") or "not recorded"],
                          tip, (r.get("file"), r.get("line")))

    def _fill_cudagraphs(self, rec: dict[str, Any] | None) -> None:
        cg = (rec or {}).get("cudagraphs") or {}
        for g in cg.get("graphs") or []:
            self._add_row(self.cudagraphs, [str(g.get("compile_id") or ""), g.get("phase") or "",
                                            "used" if g.get("used") else "skipped", g.get("reason") or ""],
                          g.get("reason") or "")

    def _fill_compilations(self) -> None:
        def secs(x: float | None) -> str:
            return f"{x:.2f}" if x is not None else ""

        for row in compile_report.compilations(self.graphs):
            self._add_row(self.compilations, [
                row["compile_id"], str(row.get("function") or ""),
                _where(row.get("file"), row.get("line")) if row.get("file") else "",
                secs(row["fwd_s"]), secs(row["bwd_s"]), str(row.get("ops") or "")],
                compile_report.compilation_line(row), (row.get("file"), row.get("line")))

    def _fill_tree(self) -> None:
        g = self.graphs
        fx = g.get("fx_graphs") or []
        ops = g.get("ops_per_graph") or []
        if fx:
            top = QTreeWidgetItem(self.tree, ["Dynamo graphs (FX)"])
            for i in range(len(fx)):
                extra = f" · {ops[i]} ops" if i < len(ops) else ""
                QTreeWidgetItem(top, [f"graph {i}{extra}"]).setData(0, _ITEM_ROLE, ("fx", i))
        modules = G.compiled_modules(g)
        kernels = G.inductor_kernels(g)
        for cg in g.get("compiled_graphs") or []:
            phase = {"fwd": "forward", "bwd": "backward"}.get(cg.get("phase"), cg.get("phase"))
            top = QTreeWidgetItem(self.tree, [f"{cg.get('id')} ({phase})"])
            top.setToolTip(0, cg.get("file") or "")
            if cg.get("id") in modules:
                QTreeWidgetItem(top, ["wrapper module"]).setData(0, _ITEM_ROLE, ("module", cg.get("id")))
            for name in cg.get("kernel_names") or []:
                lang = kernels.get(name, ("", ""))[0]
                item = QTreeWidgetItem(top, [name + (f"  ({lang})" if lang else "")])
                item.setToolTip(0, name)
                item.setData(0, _ITEM_ROLE, ("kernel", name))
        if not (g.get("compiled_graphs") or fx):
            QTreeWidgetItem(self.tree, ["(no generated code recorded)"])
        self.tree.expandAll()

    def _on_tree_item(self, item: QTreeWidgetItem | None, _previous) -> None:
        what = item.data(0, _ITEM_ROLE) if item is not None else None
        if not what:
            return
        kind, key = what
        if kind == "fx":
            self.code.show_doc(G.Document(self.variant, f"fx.{key}", f"Dynamo graph {key}",
                                          (self.graphs.get("fx_graphs") or [])[key], "python"))
        elif kind == "module":
            text = G.compiled_modules(self.graphs).get(key)
            self.code.show_doc(G.Document(self.variant, f"module.{key}", f"wrapper {key}", text, "python",
                                          "the Python module Inductor generated: it allocates buffers and calls "
                                          "the kernels in order"))
        else:
            self.code.show_doc(G.kernel_source(self.session, self.variant, key)
                               or G.Document(self.variant, f"kernel.{key}", key, None, note=f"no source found for {key}"))
            self.sig_kernel_selected.emit(self.variant, key)

    def _show_row_source(self, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0) if row >= 0 else None
        where = item.data(_ITEM_ROLE) if item is not None else None
        if where and where[0] and where[1]:
            self.source.show_location(where[0], int(where[1]))
