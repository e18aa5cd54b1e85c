"""The comparison of two runs, laid out in the main window at the screenshot size: readable, aligned, whole."""

from __future__ import annotations

from PySide6.QtTest import QTest

from jitlab.core.session.store import load
from tests.conftest import RECORDED

RUN1 = RECORDED / "gated_run1_cpu.json"
RUN2 = RECORDED / "gated_run2_cpu.json"
OTHER = RECORDED / "gated_cpu.json"


def _scene_rect(widget, item):
    return item.mapRectToScene(item.boundingRect())


def test_the_comparison_has_room_aligned_axes_and_every_row(qtbot, window):
    win = window
    win.resize(1400, 900)
    assert win.open_path(RUN2)
    win.tabs.setCurrentWidget(win.runs)
    assert not win.stats.isVisible()  # the Runs tab has its own table
    win.runs.compare(load(RUN1), load(RUN2))
    view = win.runs.compare_view
    QTest.qWait(200)

    fwd, bwd = view.plots["fwd"], view.plots["bwd"]
    for plot in (fwd, bwd):
        assert plot.vb.height() >= 120, plot.vb.height()  # not a 40 px strip
    assert abs(_scene_rect(None, fwd.vb).left() - _scene_rect(None, bwd.vb).left()) < 1
    # both runs start at steady iteration 1, whatever their warm-up lengths
    starts = {which: item.xData[0] for (v, phase, which), item in view.items.items() if phase == "fwd"}
    assert set(starts.values()) == {1.0}

    view.tabs.setCurrentWidget(view.distribution)
    QTest.qWait(100)
    width = view.distribution.viewport().width()
    for plot in view.box_plots.values():
        assert _scene_rect(None, plot).right() <= width + 1  # the third plot is not cut off
    rows = view.table_model.rowCount()
    assert rows == 4
    needed = view.table.horizontalHeader().height() + sum(view.table.rowHeight(r) for r in range(rows))
    assert view.table.viewport().height() >= needed - view.table.horizontalHeader().height() - 1

    win.tabs.setCurrentWidget(win.timing_tab)
    assert win.stats.isVisible()
    assert win.open_path(OTHER)  # another session: the old comparison goes away
    assert view.comparison is None and win.runs.stack.currentWidget() is win.runs.hint
