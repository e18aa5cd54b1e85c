"""The graph view: two panes side by side, each with its own selector.

By default the scripted module's ``.graph`` is on the left and its optimized
forward on the right. Clicking a highlighted fusion node in one pane opens
that group's subgraph, with its kernel's source, in the other pane and
emits :attr:`QtGraphView.sig_kernel_selected` (the inside panel selects the
kernel's row in the kernel view). Clicking a ``# file.py:12:8`` comment shows
the user's line in the source pane below.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from jitlab.core.present import graph_sources as G
from jitlab.gui.inside.qt_code_pane import HINT_STYLE, QtCodePane
from jitlab.gui.inside.qt_source_pane import QtSourcePane
from jitlab.gui.common.model_view import SessionView
from jitlab.gui.common.layout import splitter

HINT = ("Each pane has its own selector (variant × graph, code, optimized forward/backward, fusion group, kernel "
        "source). Click a highlighted fusion group to open it in the other pane; click a file:line comment to see "
        "your source. Ctrl+F finds in the focused pane.")


class QtGraphView(SessionView):
    """Two :class:`QtCodePane` side by side over one session, plus a source pane."""

    sig_kernel_selected = Signal(str, str)
    """A fusion group was opened: ``(variant, kernel name)`` of its kernel ("" if it has none)."""

    sig_source_shown = Signal(str, int)
    """The source pane now shows ``(file, line)``."""

    def __init__(self, session: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left = QtCodePane()
        self.right = QtCodePane()
        self.source = QtSourcePane()
        self.source.hide()
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(HINT_STYLE)
        self.panes = splitter(Qt.Orientation.Horizontal, [self.left, self.right], (1, 1), (700, 700))
        self.split = splitter(Qt.Orientation.Vertical, [self.panes, self.source], (3, 1))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.split, 1)
        for pane, other in ((self.left, self.right), (self.right, self.left)):
            pane.sig_group_clicked.connect(lambda v, i, o=other: self.open_group(v, i, o))
            pane.sig_source_clicked.connect(self.show_source)
        if session is not None:
            self.set_session(session)

    # ---- public API

    def set_session(self, session: dict[str, Any] | None) -> None:
        """Show ``session`` with the default pair (script's graph | its optimized forward)."""
        self.session = session
        self.source.hide()
        self.left.set_session(session)
        self.right.set_session(session)
        if session:
            left, right = G.default_pair(session)
            self.left.show_document(*left)
            self.right.show_document(*right)

    def open_group(self, variant: str, group: int, pane: QtCodePane | None = None) -> bool:
        """Open fusion group ``group``'s subgraph (and kernel source) in ``pane`` (default: the right one)."""
        pane = pane or self.right
        if not pane.show_document(variant, f"group.{group}"):
            return False
        groups = ((self.session or {}).get("variants", {}).get(variant, {}).get("graphs") or {}).get(
            "fusion_groups") or []
        name = groups[group].get("kernel_name") if 0 <= group < len(groups) else None
        self.sig_kernel_selected.emit(variant, name or "")
        return True

    def show_kernel(self, variant: str, kernel: str) -> bool:
        """Show the fusion group whose kernel is ``kernel`` (from the kernel view)."""
        graphs = ((self.session or {}).get("variants", {}).get(variant, {}).get("graphs") or {})
        group = G.group_of_kernel(graphs, kernel)
        if group is not None:
            opt = "optimized.backward" if graphs["fusion_groups"][group].get("phase") == "bwd" else "optimized.forward"
            self.left.show_document(variant, opt)
            line = self.left.fusion_line(group)
            if line is not None:
                self.left.editor.mark_line(line, "#ffd8a8")
            return self.open_group(variant, group, self.right)
        return self.right.show_document(variant, f"kernel.{kernel}")

    def show_source(self, path: str, line: int) -> bool:
        """Show the user's ``path`` at ``line`` in the source pane."""
        ok = self.source.show_location(path, line)
        sizes = self.split.sizes()
        if sizes[1] < 80:
            total = sum(sizes) or 600
            self.split.setSizes([total * 2 // 3, total // 3])
        self.sig_source_shown.emit(path, line)
        return ok
