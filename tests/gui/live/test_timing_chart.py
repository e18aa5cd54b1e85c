"""The timing chart of a real run with spikes: a robust default range, spikes at the edge, the warm-up in
view, an opaque legend beside the curves, whole-number iteration ticks, the speedup forest plot, and the
distribution's log scale."""

from __future__ import annotations

import numpy as np
from PySide6.QtTest import QTest

from tests.gui.conftest import DATA, configure, open_and_wait_ready, run_to_end

SPIKE_MS = 30.0  # spiky.py sleeps 30 ms in every 9th forward


def _run_spiky(qtbot, win):
    configure(win, ["eager", "trace"], iters=45, warmup=3)
    open_and_wait_ready(qtbot, win, DATA / "spiky.py", ["eager", "trace"])
    session = run_to_end(qtbot, win)
    win.timing.redraw()
    QTest.qWait(100)
    return session


def test_spikes_do_not_flatten_the_typical_iterations(qtbot, window):
    win = window
    session = _run_spiky(qtbot, win)
    view = win.timing
    fwd = view.plots["fwd"].getViewBox()
    (x0, _x1), (y0, y1) = fwd.viewRange()
    median = session["variants"]["eager"]["stats"]["fwd"]["median"]
    assert y0 == 0 and median * 1.5 < y1 < SPIKE_MS / 2  # the spikes are not what sets the range
    assert view.edge_points["fwd"] >= 3  # ... they sit at the top edge, one marker each
    lead = view.model.series["eager"].leading_warmup
    assert x0 <= -lead + 0.5  # the whole warm-up is in view, not only its last iterations
    assert "warm-up iteration" in view.x_label

    # the legend sits beside the plot, opaque, and covers no curve
    legend = view.legend.mapRectToScene(view.legend.boundingRect())
    plot_rect = fwd.mapRectToScene(fwd.boundingRect())
    assert not legend.intersects(plot_rect)
    assert view.legend.brush().color().alpha() == 255
    # dark axis text, and whole iteration numbers only
    assert view.plots["fwd"].getAxis("left").textPen().color().lightness() < 80
    ticks = [v for _spacing, values in view.plots["bwd"].getAxis("bottom").tickValues(-4.0, 3.0, 400)
             for v in values]
    assert ticks and all(float(v).is_integer() for v in ticks)

    # log scale, or a zoom by the user, shows the true range
    view.log_y.setChecked(True)
    QTest.qWait(50)
    assert 10 ** view.plots["fwd"].getViewBox().viewRange()[1][1] > SPIKE_MS * 0.8
    assert view.edge_points["fwd"] == 0
    view.log_y.setChecked(False)
    assert view.robust_y


def test_the_forest_plot_shows_each_speedup_with_its_interval(qtbot, window):
    win = window
    session = _run_spiky(qtbot, win)
    forest = win.timing.speedups
    forest.redraw()
    rec = session["variants"]["trace"]
    assert [r["variant"] for r in forest.rows] == ["trace"]
    row = forest.rows[0]
    assert row["speedup"] == rec["speedup_vs_eager"]
    assert (row["lo"], row["hi"]) == tuple(rec["speedup_ci"])
    assert row["lo"] <= row["speedup"] <= row["hi"]
    (x0, x1), _ = forest.plot.getViewBox().viewRange()
    assert x0 < np.log10(row["lo"]) and np.log10(row["hi"]) < x1 and x0 < 0 < x1  # 1x (eager) in view
    assert forest.isVisible() and forest.width() >= 200
    drawn = sorted(tuple(item.xData) for item in forest.plot.listDataItems())
    assert drawn == sorted([(row["lo"], row["hi"]), (row["lo"], row["lo"]), (row["hi"], row["hi"]),
                            (row["speedup"],)])  # the bar, its caps and the point, drawn once each
    forest.redraw()  # nothing changed: the same items, not a second set
    assert len(forest.plot.listDataItems()) == 4
    win.model.clear()
    forest.redraw()
    assert forest.rows == [] and forest.plot.listDataItems() == []


def test_the_distribution_has_a_log_scale(qtbot, window):
    win = window
    _run_spiky(qtbot, win)
    dist = win.distribution
    win.tabs.setCurrentWidget(dist)
    dist.redraw()
    QTest.qWait(50)
    linear_top = dist.plots["fwd"].getViewBox().viewRange()[1][1]
    dist.log_scale.setChecked(True)
    QTest.qWait(50)
    axis = dist.plots["fwd"].getAxis("left")
    assert axis.logMode
    top = dist.plots["fwd"].getViewBox().viewRange()[1][1]
    assert top < np.log10(linear_top) + 1  # drawn as log10(ms)
    dist.set_mode("hist")
    assert dist.plots["fwd"].getAxis("bottom").logMode


def test_many_outliers_are_marked_across_the_whole_run_not_only_its_start():
    from jitlab.gui.live.qt_timing_plot import EDGE_MARKS, edge_marks

    few = np.array([3, 40, 41, 9000])
    assert edge_marks(few, 10_000).tolist() == few.tolist()  # few: every one
    spiky = np.arange(0, 10_000, 2)  # every other iteration of 10,000 is a spike
    marks = edge_marks(spiky, 10_000)
    assert len(marks) == EDGE_MARKS
    assert marks[0] == 0 and marks[-1] >= 10_000 - 10_000 // EDGE_MARKS  # late spikes marked too
    assert np.all(np.diff(marks) > 0) and set(marks.tolist()) <= set(spiky.tolist())
    late = np.r_[np.arange(0, 600), [9_999]]  # a burst at the start, one spike at the end
    assert edge_marks(late, 10_000)[-1] == 9_999
