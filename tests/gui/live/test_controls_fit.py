"""The run controls fit their column: every variant's name and every compile option whole, at the
window's default size and at the narrower one the other tests use."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from tests.conftest import ROOT

SESSION = ROOT / "tests" / "data" / "sessions" / "gated_cpu.json"


def _cut(widget, viewport) -> bool:
    """Whether ``widget`` is narrower than it asks to be, or reaches past the right of ``viewport``."""
    right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
    return widget.width() < widget.sizeHint().width() or right > viewport.width()


def test_no_control_is_cut(qtbot, window):
    assert window.open_path(SESSION)
    for width in (1400, 1200):  # MainWindow's own size, then the fixture's
        window.resize(width, 900)
        qtbot.wait(50)
        scroll = window.main_split.widget(0)
        c = window.controls
        widgets = {**c.variant_boxes, "dynamic": c.compile_dynamic, "fullgraph": c.compile_fullgraph,
                   "warm cache": c.compile_warm, "Run": c.run_button, "Stop": c.stop_button}
        assert [name for name, w in widgets.items() if _cut(w, scroll.viewport())] == [], width
        assert not scroll.horizontalScrollBar().isVisible()
    assert c.variant_boxes["compile:max-autotune-no-cudagraphs"].text() == "compile:max-autotune-no-cudagraphs"
