"""The compile view: graph breaks with their lines, graph and recompile
counts, and generated code per kernel."""

from __future__ import annotations

from jitlab.gui.inside.qt_compile_view import QtCompileView
from jitlab.gui.inside.qt_inside_panel import QtInsidePanel
from tests.gui.conftest import grab, shown


def _view(qtbot, session):
    return shown(qtbot, QtCompileView(session), 1300, 900)


def test_graph_break_is_listed_with_its_line(qtbot, break_session, shots):
    view = _view(qtbot, break_session)
    g = break_session["variants"]["compile"]["graphs"]
    assert g["graph_count"] == 2 and g["graph_break_count"] == 1
    assert view.break_rows() == [("graph_break.py:15", "Failed to trace builtin operator")]
    header = view.header.text()
    assert "<b>2</b> Dynamo graph(s)" in header and "<b>1</b> graph break(s)" in header
    assert "<b>0</b> recompile(s)" in header
    # the first break is selected: its full reason and the user's line are shown
    assert "print" in view.reason.toPlainText()
    assert view.source.isVisible()
    assert view.source.marked_line_text().strip().startswith('print("halfway through forward")')
    assert view.tabs.tabText(0) == "Graph breaks (1)"
    grab(view, shots / "compile_view_graph_break.png")


def test_generated_code_per_kernel(qtbot, break_session):
    view = _view(qtbot, break_session)
    g = break_session["variants"]["compile"]["graphs"]
    assert len(g["compiled_graphs"]) == 4  # two graphs, forward and backward each
    for name in g["kernel_names"]:
        assert view.show_kernel(name), name
        assert 'extern "C"' in view.code.text() and view.code.doc.language == "c"
    top = [view.tree.topLevelItem(i).text(0) for i in range(view.tree.topLevelItemCount())]
    assert top[0] == "Dynamo graphs (FX)" and "0_forward (forward)" in top and "1_backward (backward)" in top
    fx_item = view.tree.topLevelItem(0).child(1)
    view.tree.setCurrentItem(fx_item)
    assert "class GraphModule" in view.code.text() and "tanh" in view.code.text()


def test_triton_kernels_of_the_h100_session(qtbot, h100_session, shots):
    view = _view(qtbot, h100_session)
    assert view.break_rows() == []
    assert view.show_kernel("triton_poi_fused_add_mul_relu_sigmoid_tanh_0")
    assert "@triton.jit" in view.code.text()
    assert "(Triton)" in view.header.text()
    grab(view, shots / "compile_view_h100.png")


def test_no_compile_variant(qtbot, cpu_session):
    session = dict(cpu_session, variants={k: v for k, v in cpu_session["variants"].items() if k != "compile"})
    view = _view(qtbot, session)
    assert "no compile variant" in view.note.text()
    panel = QtInsidePanel(session)
    qtbot.addWidget(panel)
    assert not panel.tabs.isTabEnabled(panel.tabs.indexOf(panel.compile))
