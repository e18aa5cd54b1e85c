"""What is inside one session's variants: graphs, kernels and torch.compile,
in tabs, linked to each other.

Clicking a fusion group in the graph view selects its kernel's row in the
kernel view; double-clicking a fused kernel shows its group in the graph
view; a generated kernel chosen in the compile view is selected in the
kernel view too.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from jitlab.core.variants import is_compile
from jitlab.gui.inside.qt_compile_view import QtCompileView
from jitlab.gui.inside.qt_graph_view import QtGraphView
from jitlab.gui.inside.qt_kernel_view import QtKernelView
from jitlab.gui.common.model_view import SessionView


class QtInsidePanel(SessionView):
    """Graph, kernel and compile views of one session, in tabs."""

    def __init__(self, session: dict[str, Any] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphs = QtGraphView()
        self.kernels = QtKernelView()
        self.compile = QtCompileView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.graphs, "Graphs")
        self.tabs.addTab(self.kernels, "Kernels")
        self.tabs.addTab(self.compile, "Compile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.graphs.sig_kernel_selected.connect(self._on_group_opened)
        self.kernels.sig_group_requested.connect(self._on_group_requested)
        self.compile.sig_kernel_selected.connect(lambda v, k: self.kernels.select_kernel(v, k))
        if session is not None:
            self.set_session(session)

    def set_session(self, session: dict[str, Any] | None) -> None:
        """Show ``session`` in every tab (``None`` empties them)."""
        self.session = session
        self.graphs.set_session(session)
        self.kernels.set_session(session)
        self.compile.set_session(session)
        has_compile = bool(session and any(is_compile(v) for v in (session.get("variants") or {})))
        self.tabs.setTabEnabled(self.tabs.indexOf(self.compile), has_compile)

    def _on_group_opened(self, variant: str, kernel: str) -> None:
        if kernel:
            self.kernels.select_kernel(variant, kernel)

    def _on_group_requested(self, variant: str, kernel: str) -> None:
        if is_compile(variant):
            self.compile.show_kernel(kernel)
            self.tabs.setCurrentWidget(self.compile)
        elif self.graphs.show_kernel(variant, kernel):
            self.tabs.setCurrentWidget(self.graphs)
