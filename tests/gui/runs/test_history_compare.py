"""The Runs list, overlaying two runs ("vs previous", dashed series) and the
graph diff between two runs."""

from __future__ import annotations

import json
import shutil

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from jitlab.core.present import graph_diff as D
from jitlab.gui.runs.compare import Comparison, add_previous_series, ratio_text
from jitlab.gui.runs.qt_graph_diff import QtGraphDiffView
from jitlab.gui.runs.qt_runs_panel import QtRunsPanel
from tests.conftest import RECORDED
from tests.gui.conftest import grab

RUNS = ("gated_run1_cpu.json", "gated_run2_cpu.json", "gated_h100.json")


@pytest.fixture
def folder(tmp_path):
    """A sessions folder holding the three committed runs."""
    out = tmp_path / "sessions"
    out.mkdir()
    for name in RUNS:
        shutil.copy(RECORDED / name, out / name)
    return out


def _panel(qtbot, folder, answers=None):
    asked = []

    def confirm(_parent, paths):
        asked.append([p.name for p in paths])
        return answers.pop(0) if answers else False

    panel = QtRunsPanel(folder, confirm=confirm)
    qtbot.addWidget(panel)
    panel.resize(1400, 950)
    panel.show()
    qtbot.waitExposed(panel)
    return panel, asked


def test_runs_list(qtbot, folder):
    panel, _ = _panel(qtbot, folder)
    rows = panel.runs.row_texts()
    assert [r["file"] for r in rows] == ["gated.py"] * 3
    assert [r["device"].split()[0] for r in rows] == ["cpu", "cpu", "cuda:0"]  # newest first
    assert rows[2]["headline"] == "script 2.13×" and "NVIDIA H100" in rows[2]["device"]
    assert rows[0]["variants"] == "eager, script, trace, compile" and rows[0]["target"] == "default"
    assert rows[0]["date"] > rows[1]["date"] > rows[2]["date"]


def test_delete_asks_first(qtbot, folder):
    panel, asked = _panel(qtbot, folder, answers=[False, True])
    newest = panel.runs.entries()[0].path
    panel.runs.select_paths([str(newest)])
    qtbot.mouseClick(panel.runs.delete_button, Qt.MouseButton.LeftButton)
    assert asked == [[newest.name]] and newest.exists()  # "No": nothing deleted
    qtbot.mouseClick(panel.runs.delete_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2 and not newest.exists()
    assert len(panel.runs.entries()) == 2


def test_a_run_saved_later_appears(qtbot, folder):
    panel, _ = _panel(qtbot, folder)
    session = json.loads((RECORDED / RUNS[0]).read_text())
    session["created"] = "2027-01-01T00:00:00+00:00"
    (folder / "20270101-000000-gated.json").write_text(json.dumps(session))
    qtbot.waitUntil(lambda: len(panel.runs.entries()) == 4, timeout=5000)
    assert panel.runs.row_texts()[0]["date"].startswith("2027-01-01")


def test_the_first_saved_run_appears_in_an_empty_list(qtbot, tmp_path):
    folder = tmp_path / "data" / "sessions"  # not created yet: no run was saved so far
    (tmp_path / "data").mkdir()
    panel, _ = _panel(qtbot, folder)
    assert panel.runs.entries() == [] and "no saved runs yet" in panel.runs.info.text()
    folder.mkdir()
    shutil.copy(RECORDED / RUNS[2], folder / RUNS[2])
    qtbot.waitUntil(lambda: len(panel.runs.entries()) == 1, timeout=5000)


def test_two_runs_overlay_and_vs_previous_is_right(qtbot, folder, run_pair, shots):
    before, after = run_pair
    panel, _ = _panel(qtbot, folder)
    paths = [str(folder / RUNS[1]), str(folder / RUNS[0])]  # newest first: order must not matter
    panel.runs.select_paths(paths)
    assert panel.runs.compare_button.isEnabled()
    qtbot.mouseClick(panel.runs.compare_button, Qt.MouseButton.LeftButton)
    view = panel.compare_view
    assert panel.stack.currentWidget() is view
    c = view.comparison
    assert c.previous["created"] == before["created"] and c.current["created"] == after["created"]
    for variant in ("eager", "script", "trace", "compile"):
        now = after["variants"][variant]["stats"]["total"]["median"]
        prev = before["variants"][variant]["stats"]["total"]["median"]
        assert c.ratio(variant) == pytest.approx(now / prev)
        assert view.vs_previous()[variant] == ratio_text(now / prev)
        row = c.variants.index(variant)
        col = [view.table_model.headerData(i, Qt.Orientation.Horizontal) for i in range(6)].index("vs previous")
        assert view.table_model.index(row, col).data() == ratio_text(now / prev)
    # the earlier run is drawn dashed, the later one solid, on both timing plots
    for phase in ("fwd", "bwd"):
        prev_item = view.items[("script", phase, "previous")]
        now_item = view.items[("script", phase, "current")]
        assert prev_item.opts["pen"].style() == Qt.PenStyle.DashLine
        assert now_item.opts["pen"].style() == Qt.PenStyle.SolidLine
    n_steady = sum(1 for it in before["variants"]["script"]["iterations"] if not it.get("warmup"))
    assert len(view.items[("script", "fwd", "previous")].getData()[0]) == n_steady
    assert view.log_y.isChecked()  # CPU fusion makes script ~1000x slower than eager
    grab(panel, shots / "runs_compare_timing.png")
    view.tabs.setCurrentIndex(1)
    grab(panel, shots / "runs_compare_distribution.png")


def test_ratio_text():
    assert ratio_text(0.8) == "0.80× (−20%)"
    assert ratio_text(1.25) == "1.25× (+25%)"
    assert ratio_text(1.01) == "1.01× (same)"
    assert ratio_text(None) == "–"


def test_add_previous_series_to_any_plot(qtbot, run_pair):
    before, after = run_pair
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    item = add_previous_series(plot, before, "eager", "fwd")
    assert item in plot.listDataItems() and item.opts["pen"].style() == Qt.PenStyle.DashLine
    x, y = item.getData()
    its = before["variants"]["eager"]["iterations"]
    assert list(y) == pytest.approx([it["fwd_ms"] for it in its])
    assert add_previous_series(plot, before, "nonexistent", "fwd") is None
    assert Comparison(after, before).previous is before


def test_current_run_against_its_previous_run(qtbot, folder, run_pair):
    before, after = run_pair
    panel, _ = _panel(qtbot, folder)
    assert not panel.runs.previous_button.isEnabled()
    panel.set_current(after)
    qtbot.mouseClick(panel.runs.previous_button, Qt.MouseButton.LeftButton)
    c = panel.compare_view.comparison
    assert c.current is after and c.previous["created"] == before["created"]  # not the older H100 run
    panel.set_current(before)  # no earlier CPU run: the earlier run on another device is used
    assert panel.compare_with_previous()
    assert panel.compare_view.comparison.previous["env"]["device"]["name"] == "NVIDIA H100 80GB HBM3"
    first = json.loads((RECORDED / RUNS[2]).read_text())
    panel.set_current(first)
    assert not panel.compare_with_previous() and "no earlier saved run" in panel.error.text()


def test_compare_with_current_run(qtbot, folder, run_pair):
    before, after = run_pair
    panel, _ = _panel(qtbot, folder)
    assert not panel.runs.compare_current_button.isEnabled()
    panel.set_current(after)
    panel.runs.select_paths([str(folder / RUNS[0])])
    assert panel.runs.compare_current_button.isEnabled()
    qtbot.mouseClick(panel.runs.compare_current_button, Qt.MouseButton.LeftButton)
    assert panel.compare_view.comparison.current is after
    assert not panel.compare_paths(str(folder / "missing.json"), "")
    assert panel.error.isVisible()


def test_graph_diff_marks_changed_lines(qtbot, run_pair, shots):
    before, after = run_pair
    view = QtGraphDiffView(before, after)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    assert (view.variant_box.currentText(), view.doc_box.currentData()) == ("script", "optimized.forward")
    right = view.right.toPlainText().split("\n")
    changed = view.changed_lines("right")
    sigmoid_h = [n for n, line in enumerate(right, 1) if "aten::sigmoid(%h" in line]
    assert sigmoid_h and set(sigmoid_h) <= set(changed)  # the new op is marked
    assert any("value=2.]" in right[n - 1] for n in changed)  # the changed constant is marked
    unchanged = [n for n, line in enumerate(right, 1) if "aten::tanh(%h" in line]
    assert unchanged and not set(unchanged) & set(changed)  # untouched ops are not
    assert len(view.right.extraSelections()) == len(changed)
    st = D.diff_stats(view.rows)
    assert st[D.ADDED] >= 1 and st[D.CHANGED] >= 1
    assert view.stats.text().startswith(f"{st[D.CHANGED]} changed, {st[D.ADDED]} added")
    # without normalisation, renumbered values make many more lines differ
    view.normalize.setChecked(False)
    assert len(view.changed_lines("right")) > len(changed)
    view.normalize.setChecked(True)
    assert view.show_document("script", "graph")
    assert any("aten::sigmoid(%h" in view.right.toPlainText().split("\n")[n - 1] for n in view.changed_lines())
    grab(view, shots / "graph_diff.png")


def test_diff_rows_alignment():
    rows = D.diff_rows("a\nb\nc", "a\nB\nc\nd")
    assert [(r.kind, r.left, r.right) for r in rows] == [
        (D.EQUAL, "a", "a"), (D.CHANGED, "b", "B"), (D.EQUAL, "c", "c"), (D.ADDED, None, "d")]
    same = D.diff_rows("  %5 : Tensor = aten::mul(%x.1, %3) # /a/m.py:3:4",
                       "  %7 : Tensor = aten::mul(%x.2, %9) # /a/m.py:9:4", normalize=True)
    assert [r.kind for r in same] == [D.EQUAL]  # renumbered values and moved lines are not changes
    other = D.diff_rows("  %5 : Tensor = aten::mul(%x.1, %3)", "  %5 : Tensor = aten::mul(%h.1, %3)", normalize=True)
    assert [r.kind for r in other] == [D.CHANGED]  # a different named input is
