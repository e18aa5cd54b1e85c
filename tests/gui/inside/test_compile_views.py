"""The compile lane in the app: the recompile marked on the timing plot at its iteration, the Compile tab's
breakdown bar, recompiles and CUDA-graph decisions, and a mode picker for the compile variants."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pyqtgraph")
pytest.importorskip("pytestqt")

import jitlab.gui  # noqa: E402,F401 - the PySide6 workaround first
from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from jitlab.gui.inside.qt_compile_view import QtCompileView  # noqa: E402
from jitlab.gui.live.qt_timing_plot import QtTimingPlot  # noqa: E402
from jitlab.gui.live.run_model import RunModel  # noqa: E402
from tests.conftest import DATA, MODES, jitlab  # noqa: E402
from tests.data.scale_changes import CHANGE_AFTER  # noqa: E402
from tests.gui.conftest import shown  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def shots(tmp_path):
    folder = tmp_path / "shots" if not os.environ.get("JITLAB_SCREENSHOT_DIR") else \
        __import__("pathlib").Path(os.environ["JITLAB_SCREENSHOT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _grab(widget, path):
    QApplication.processEvents()
    image = widget.grab()
    assert not image.isNull() and image.width() > 100
    assert image.save(str(path))
    return image


def test_the_recompile_is_marked_on_the_timing_plot(qtbot, recompile_run, shots):
    _out, session = recompile_run
    model = RunModel()
    plot = shown(qtbot, QtTimingPlot(model), 1200, 600)
    model.show_session(session)
    plot.redraw()
    marks = plot.recompile_marks.marks
    assert len(marks) == 1
    variant, iteration, x, text = marks[0]
    assert (variant, iteration) == ("compile", CHANGE_AFTER)
    # at the measured position of that iteration: after the measured iterations before it
    its = session["variants"]["compile"]["iterations"]
    assert x == sum(1 for it in its if not it["warmup"] and it["i"] < CHANGE_AFTER)
    assert text == "compile recompiled:\n`self.scale` changed from 1 to 2"
    lines = [item for phase, item in plot.recompile_marks.items]
    assert len(lines) == 2 and all(line.value() == x for line in lines)  # forward and backward rows
    assert lines[0].label.toPlainText() == text
    image = _grab(plot, shots / "recompile_on_timing_plot.png").toImage()
    # the dashed line is drawn in the variant's colour at that iteration, in both rows
    vb = plot.plots["fwd"].getViewBox()
    scene = vb.mapViewToScene(QPointF(x, 0))
    at = plot.graphics.mapTo(plot, plot.graphics.mapFromScene(scene))
    colours = {image.pixelColor(at.x() + dx, y).name() for dx in (-1, 0, 1) for y in range(image.height())}
    assert "#cc79a7" in colours


def test_a_second_redraw_keeps_the_marks(qtbot, recompile_run):
    _out, session = recompile_run
    model = RunModel()
    plot = QtTimingPlot(model)
    qtbot.addWidget(plot)
    model.show_session(session)
    plot.redraw()
    first = list(plot.recompile_marks.items)
    plot.redraw()
    assert plot.recompile_marks.items == first  # nothing rebuilt when nothing changed
    model.clear()
    model.show_session({**session, "variants": {}})
    plot.redraw()
    assert plot.recompile_marks.marks == []


def test_the_compile_tab_shows_the_breakdown_and_the_recompile(qtbot, recompile_run, shots):
    _out, session = recompile_run
    view = QtCompileView(session)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitExposed(view)
    assert view.compile_time.isVisible()
    keys = [p["key"] for p in view.compile_time.bar.parts]
    assert keys[:3] == ["dynamo", "aot_autograd", "inductor"] and keys[-1] == "other"
    assert abs(sum(p["share"] for p in view.compile_time.bar.parts) - 1.0) < 0.10
    legend = view.compile_time.legend.text()
    assert "first call" in legend and "cold cache" in legend and "FX graph cache 0 hit" in legend
    rows = view.recompile_rows()
    line = next(n for n, text in enumerate((DATA / "scale_changes.py").read_text().splitlines(), 1)
                if text.strip().startswith("def forward"))
    assert rows == [[str(CHANGE_AFTER), "0/1", "forward", f"scale_changes.py:{line}",
                     "`self.scale` changed from 1 to 2"]]
    assert not view.picker.isVisible()  # one compile variant: nothing to pick
    _grab(view, shots / "compile_tab_breakdown.png")


def test_the_compile_tab_picks_a_mode(qtbot, modes_run, shots):
    _out, session, _stdout = modes_run
    view = QtCompileView(session)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    qtbot.waitExposed(view)
    assert [view.picker.itemText(i) for i in range(view.picker.count())] == list(MODES)
    assert view.picker.isVisible() and view.variant == "compile"
    view.picker.setCurrentIndex(1)
    assert view.variant == "compile:reduce-overhead"
    assert view.tabs.tabText(3) == "CUDA graphs (0/1)"
    assert view.cudagraphs.item(0, 2).text() == "skipped"
    assert view.cudagraphs.item(0, 3).text().startswith("the device is CPU")
    assert view.compile_time.bar.parts[0]["key"] == "dynamo"
    view.tabs.setCurrentIndex(3)
    _grab(view, shots / "compile_tab_reduce_overhead.png")
    view.set_session(session)  # a new session keeps the mode shown
    assert view.variant == "compile:reduce-overhead"


def test_the_app_draws_the_recompiled_session(recompile_run, tmp_path):
    out, _session = recompile_run
    png = tmp_path / "window.png"
    jitlab(str(out), "--screenshot", str(png))
    assert png.stat().st_size > 10_000


def test_live_figures_leave_the_recompile_out(recompile_run):
    _out, session = recompile_run
    model = RunModel()
    model.show_session(session)
    series = model.series["compile"]
    assert series.excluded == {CHANGE_AFTER}
    live = series.summary()["total"]
    assert live["n"] == session["variants"]["compile"]["stats"]["total"]["n"]
    assert abs(live["median"] - session["variants"]["compile"]["stats"]["total"]["median"]) < 1e-9
