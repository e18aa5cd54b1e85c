"""The graph view: the default side-by-side pair, clickable fusion groups,
source links, Find, and notes where data is absent."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from jitlab.gui.inside.qt_graph_view import QtGraphView
from jitlab.gui.inside.qt_inside_panel import QtInsidePanel
from tests.gui.conftest import grab


def _show(qtbot, widget, w=1400, h=900):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _click_line(qtbot, editor, line: int, x: int = 40) -> None:
    """A real mouse click on a line of a code editor."""
    rect = editor.line_rect(line)
    if not editor.viewport().rect().contains(rect.center()):
        editor.scroll_to_line(line)
        rect = editor.line_rect(line)
    qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.center().y()))


def test_default_pair_appears(qtbot, cpu_session, shots):
    view = _show(qtbot, QtGraphView(cpu_session))
    g = cpu_session["variants"]["script"]["graphs"]
    assert view.left.current() == ("script", "graph")
    assert view.right.current() == ("script", "optimized.forward")
    assert view.left.text() == g["graph"]
    assert view.right.text() == g["optimized"]["forward"]
    assert view.right.hint.isVisible() and "group 0 → fused_mul_add_tanh_s" in view.right.hint.text()
    assert "diagnostic CPU fusion" in view.right.note.text()  # the CPU caveat is shown where it applies
    assert not view.left.note.isVisible()
    grab(view, shots / "graph_view_cpu.png")


@pytest.mark.parametrize("which", ["cpu", "h100"])
def test_clicking_a_fusion_group_opens_it_and_selects_its_kernel(qtbot, which, cpu_session, h100_session, shots):
    session = cpu_session if which == "cpu" else h100_session
    panel = _show(qtbot, QtInsidePanel(session))
    view = panel.graphs
    line = view.right.fusion_line(0)
    assert line is not None
    assert "prim::TensorExprGroup_0(" in view.right.editor.document().findBlockByNumber(line).text()
    with qtbot.waitSignal(view.sig_kernel_selected, timeout=2000) as blocker:
        _click_line(qtbot, view.right.editor, line)
    group = session["variants"]["script"]["graphs"]["fusion_groups"][0]
    assert blocker.args == ["script", group["kernel_name"]]
    # the other (left) pane shows the group's subgraph, with its kernel's source below
    assert view.left.current() == ("script", "group.0")
    assert view.left.text() == group["subgraph"]
    tabs = [view.left.companions.tabText(i) for i in range(view.left.companions.count())]
    first_source = view.left.companions.widget(0).toPlainText()
    if which == "h100":
        assert tabs == ["kernel: CUDA C", "kernel: NNC IR"]
        assert "__global__" in first_source and group["kernel_name"] in first_source
    else:
        assert tabs == ["kernel: NNC IR"]
        assert first_source == group["nnc_ir"]
    # ... and the kernel view has the kernel's row selected
    assert panel.kernels.model.variant == "script"
    assert panel.kernels.selected_kernel() == group["kernel_name"]
    grab(panel, shots / f"graph_group_clicked_{which}.png")


def test_fusion_group_links_in_the_hint(qtbot, h100_session):
    view = _show(qtbot, QtGraphView(h100_session))
    view.right.show_document("trace", "optimized.backward")
    assert "group 1 → fused_mul_gt_type_as" in view.right.hint.text()
    with qtbot.waitSignal(view.sig_kernel_selected, timeout=2000) as blocker:
        view.right.hint.linkActivated.emit("1")
    assert blocker.args == ["trace", "fused_mul_gt_type_as_5061629512478974344"]
    assert view.left.current() == ("trace", "group.1")


def test_source_comment_opens_the_users_line(qtbot, cpu_session, shots):
    view = _show(qtbot, QtGraphView(cpu_session))
    editor = view.left.editor
    lines = editor.toPlainText().split("\n")
    line = next(n for n, text in enumerate(lines) if "aten::sigmoid" in text)
    text = editor.document().findBlockByNumber(line).text()
    column = text.index("gated.py:24:28") + 3
    rect = editor.line_rect(line)
    x = int(editor.fontMetrics().horizontalAdvance(text[:column])) + editor.contentOffset().x() + \
        editor.document().documentMargin()
    with qtbot.waitSignal(view.sig_source_shown, timeout=2000) as blocker:
        qtbot.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(int(x), rect.center().y()))
    path, number = blocker.args
    assert path.endswith("resources/examples/gated.py") and number == 24
    assert view.source.isVisible()
    assert view.source.marked_line_text().strip() == "y = torch.tanh(h) * torch.sigmoid(gate)"
    grab(view, shots / "graph_source_pane.png")


def test_source_link_to_a_missing_file_shows_a_note(qtbot, run_pair):
    view = _show(qtbot, QtGraphView(run_pair[0]))
    assert not view.show_source("/nonexistent/jitlab/gated.py", 25)
    assert view.source.isVisible() and "not on this machine" in view.source.note.text()


def test_find_in_each_pane(qtbot, cpu_session):
    view = _show(qtbot, QtGraphView(cpu_session))
    view.activateWindow()
    view.right.editor.setFocus()
    qtbot.waitUntil(lambda: view.right.editor.hasFocus(), timeout=2000)
    qtbot.keyClick(view.right.editor, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.right.find_bar.isVisible() and not view.left.find_bar.isVisible()
    qtbot.keyClicks(view.right.find_bar.edit, "aten::sigmoid")
    expected = view.right.text().count("aten::sigmoid")
    assert expected >= 2
    assert view.right.find_bar.count.text() == f"{expected} matches"
    first = view.right.editor.textCursor().blockNumber()
    qtbot.keyClick(view.right.find_bar.edit, Qt.Key.Key_Return)
    assert view.right.editor.textCursor().blockNumber() != first
    assert view.right.editor.textCursor().selectedText() == "aten::sigmoid"
    qtbot.keyClick(view.right.find_bar.edit, Qt.Key.Key_Escape)
    assert not view.right.find_bar.isVisible()


def test_notes_where_data_is_absent(qtbot, cpu_session):
    view = _show(qtbot, QtGraphView(cpu_session))
    view.left.show_document("eager", "graph")
    assert view.left.text() == "" and "eager runs op by op" in view.left.note.text()
    view.right.show_document("compile", "inductor.backward")
    assert "def call(" in view.right.text()
    # a session without introspection (e.g. --no-introspect): every pane says why
    bare = {k: v for k, v in cpu_session.items()}
    bare["variants"] = {n: dict(v, graphs=None, kernels=None) for n, v in cpu_session["variants"].items()}
    view.set_session(bare)
    assert "nothing was introspected" in view.left.note.text()


def test_kernel_view_double_click_shows_the_group_in_the_graph_view(qtbot, h100_session):
    panel = _show(qtbot, QtInsidePanel(h100_session))
    panel.tabs.setCurrentWidget(panel.kernels)
    panel.kernels.set_variant("script")
    assert panel.kernels.select_kernel("script", "fused_mul_gt_type_as_5061629512478974344")
    index = panel.kernels.table.currentIndex()
    rect = panel.kernels.table.visualRect(index)
    qtbot.mouseClick(panel.kernels.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.kernels.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.tabs.currentWidget() is panel.graphs
    assert panel.graphs.left.current() == ("script", "optimized.backward")
    assert panel.graphs.right.current() == ("script", "group.1")
