"""The LSTM session recorded on an H100 (benchmarks/results/h100-lstm): the
story the app must tell — fused forward and backward groups with their CUDA
source next to the original graph, and fewer kernel launches than eager."""

from __future__ import annotations

from jitlab.core.session import store as S
from jitlab.gui.inside.qt_inside_panel import QtInsidePanel
from tests.conftest import ROOT

LSTM_H100 = ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"


def test_lstm_h100_fusion_groups_and_kernels(qtbot):
    session = S.load(LSTM_H100)
    assert session["env"]["device"]["name"].startswith("NVIDIA H100")
    panel = QtInsidePanel(session)
    qtbot.addWidget(panel)
    panel.resize(1400, 900)
    panel.show()
    qtbot.waitExposed(panel)

    graphs = panel.graphs
    assert graphs.left.current() == ("script", "graph")
    assert graphs.right.current() == ("script", "optimized.forward")
    groups = session["variants"]["script"]["graphs"]["fusion_groups"]
    assert {g["phase"] for g in groups} == {"fwd", "bwd"}
    assert graphs.right.links, "no fusion group is highlighted in the optimized forward graph"

    first = min(graphs.right.links.values())
    with qtbot.waitSignal(graphs.sig_kernel_selected) as sig:
        assert graphs.open_group("script", first, graphs.left)
    assert sig.args[1] == groups[first]["kernel_name"]
    assert graphs.left.current() == ("script", f"group.{first}")
    sources = [graphs.left.companions.widget(i).toPlainText() for i in range(graphs.left.companions.count())]
    assert any('extern "C" __global__' in s and groups[first]["kernel_name"] in s for s in sources)

    totals = {v: session["variants"][v]["kernels"]["totals"]["launches"] for v in ("eager", "script")}
    assert totals["script"] < totals["eager"] / 2
    panel.kernels.set_variant("script")
    assert panel.kernels.proxy.rowCount() == len(session["variants"]["script"]["kernels"]["items"])


def test_source_links_of_a_session_recorded_elsewhere_open_the_bundled_example(qtbot):
    from jitlab.assets import example_path
    from jitlab.gui.inside.qt_source_pane import QtSourcePane

    pane = QtSourcePane()
    qtbot.addWidget(pane)
    assert pane.show_location("/some/other/machine/resources/examples/lstm.py", 32)
    assert pane.path == str(example_path("lstm"))
    assert "gates" in pane.marked_line_text()
    assert not pane.show_location("/some/other/machine/my_layer.py", 3)
