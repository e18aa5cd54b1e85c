"""The device-conditions row under the timing plots: which metrics it offers,
what it draws, hiding it, and following a run as its blocks end."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QPointF, Qt

from jitlab.core.protocol import IterBatch
from jitlab.core.session.store import new_session
from jitlab.core.present import conditions as C
from jitlab.gui.live.qt_timing_plot import QtTimingPlot
from jitlab.gui.live.run_model import RunModel
from tests.conftest import load_data
from tests.gui.conftest import grab, shown

GPU_KEYS = ["sm_clock_mhz", "mem_clock_mhz", "temperature_c", "power_w", "gpu_util_pct"]
H100_LIST = ["SM clock", "memory clock", "GPU temperature", "GPU power", "GPU utilisation", "CPU frequency",
             "CPU load", "nothing"]


@pytest.fixture
def view(qtbot):
    return shown(qtbot, QtTimingPlot(RunModel()), 1100, 700)


def _items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def _choose(qtbot, view, text: str) -> None:
    """Pick an entry of the combo with the keyboard, as a user would."""
    combo = view.conditions
    combo.setFocus()
    target = combo.findText(text)
    assert target >= 0, text
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


def _xy(view, variant: str) -> tuple[list, list]:
    """All the points of a variant's conditions curve (``getData`` would clip them to the view)."""
    item = view._cond_curves[variant]
    return ([] if item.xData is None else list(item.xData)), ([] if item.yData is None else list(item.yData))


def _points(view, variant: str) -> int:
    return len(_xy(view, variant)[0])


def _shown(view) -> bool:
    return view.cond_plot.isVisible() and view.cond_plot.geometry().height() > 50


def test_gpu_session_shows_the_sm_clock_under_each_block(qtbot, view, shots):
    session = load_data("gated_h100.json")
    view.model.show_session(session)
    assert _items(view.conditions) == H100_LIST
    assert view.conditions.isEnabled() and view.conditions.currentText() == "SM clock"
    assert view.conditions_metric == "sm_clock_mhz" and _shown(view)
    assert view.cond_plot.getAxis("left").labelText == "SM clock (MHz)"
    fwd_height = view.plots["fwd"].geometry().height()
    assert 0.4 * fwd_height < view.cond_plot.geometry().height() < fwd_height  # smaller than a timing row
    # the x axis title moved under the lowest row
    assert view.cond_plot.getAxis("bottom").label.isVisible()
    assert not view.plots["bwd"].getAxis("bottom").label.isVisible()

    for name in session["variants"]:
        x, y = _xy(view, name)
        assert list(x) == [2, 5, 8, 11, 14, 17, 20, 23, 26, 29]  # the last of each block of 3
        assert set(y) == {1980.0}
    # a steady clock stays a flat line in mid-plot, not noise on a 1979.6 to 1980.4 axis
    qtbot.waitUntil(lambda: view.cond_plot.getViewBox().viewRange()[1][1] > 1980)
    y0, y1 = view.cond_plot.getViewBox().viewRange()[1]
    assert 1850 < y0 < 1900 and 2050 < y1 < 2100
    # x is the timings' axis: the conditions row does not narrow it to its block ends
    assert view.cond_plot.getViewBox().viewRange()[0] == pytest.approx(view.plots["fwd"].getViewBox().viewRange()[0])
    assert view.plots["fwd"].getViewBox().viewRange()[0][0] < 0

    chosen = []
    view.sig_conditions_chosen.connect(chosen.append)
    _choose(qtbot, view, "GPU power")  # passing the ones above it, as the keyboard does
    assert chosen == GPU_KEYS[1:4] and view.conditions_metric == "power_w"
    assert view.cond_plot.getAxis("left").labelText == "GPU power (W)"
    script = sorted((s for s in session["samples"] if s["variant"] == "script"), key=lambda s: s["round"])
    x, y = _xy(view, "script")
    assert list(y) == pytest.approx([s["power_w"] for s in script])
    text = view.show_conditions_readout(4)  # inside the second block: its sample, taken at iteration 5
    assert text.startswith("measured iteration 4 · GPU power: ")
    assert f"script {C.BY_KEY['power_w'].format(script[1]['power_w'])}" in text
    assert view.cursor_lines["cond"].isVisible() and view.cursor_lines["fwd"].value() == 4
    # the mouse over the row gives the same readout
    for plot, title in ((view.cond_plot, "GPU power"), (view.plots["fwd"], "forward")):
        box = plot.getViewBox()
        middle = sum(box.viewRange()[1]) / 2
        view._on_mouse_moved((box.mapViewToScene(QPointF(7.2, middle)),))
        assert f"measured iteration 7 · {title}: " in view.readout.text()
    grab(view, shots / "timing_conditions_h100.png")

    _choose(qtbot, view, "GPU utilisation")  # percentages on a fixed 0 to 100 axis
    qtbot.waitUntil(lambda: view.cond_plot.getViewBox().viewRange()[1][1] < 1000)
    y0, y1 = view.cond_plot.getViewBox().viewRange()[1]
    assert y0 <= 0 and 100 <= y1 < 110


def test_choosing_nothing_hides_the_row(qtbot, view):
    view.model.show_session(load_data("gated_h100.json"))
    chosen = []
    view.sig_conditions_chosen.connect(chosen.append)
    _choose(qtbot, view, "nothing")
    assert chosen[-1] == "" and view.conditions_metric is None
    qtbot.waitUntil(lambda: not view.cond_plot.isVisible())
    assert view.cond_plot.geometry().height() == 0
    assert view.plots["bwd"].getAxis("bottom").label.isVisible()
    assert view.plots["bwd"].getAxis("bottom").labelText == view.x_label and "warm-up" in view.x_label
    assert view.show_conditions_readout(4) == ""
    # the choice holds for the next session too, until another metric is picked
    view.model.show_session(load_data("gated_cpu.json"))
    assert view.conditions_metric is None and not view.cond_plot.isVisible()
    _choose(qtbot, view, "CPU load")
    assert _shown(view) and view.conditions_metric == "cpu_load_pct"


def test_cpu_session_defaults_to_the_cpu_frequency(qtbot, view, shots):
    session = load_data("gated_cpu.json")
    view.model.show_session(session)
    assert _items(view.conditions) == ["CPU frequency", "CPU load", "nothing"]
    assert view.conditions_metric == "cpu_freq_mhz" and _shown(view)
    for name in session["variants"]:
        x, y = _xy(view, name)
        assert list(x) == list(range(10)) and set(y) == {2600.0}  # blocks of one iteration
    grab(view, shots / "timing_conditions_cpu.png")


def test_a_metric_the_next_session_lacks_falls_back_to_the_default(qtbot, view):
    view.model.show_session(load_data("gated_h100.json"))
    _choose(qtbot, view, "GPU temperature")
    view.model.show_session(load_data("gated_cpu.json"))
    assert view.conditions_metric == "cpu_freq_mhz"
    view.model.show_session(load_data("gated_h100.json"))
    assert view.conditions_metric == "temperature_c"  # the user's choice, not the default
    view.set_conditions_metric(None)
    assert view.conditions_metric == "sm_clock_mhz"


def test_a_session_without_samples_hides_the_row_and_disables_the_choice(qtbot, view):
    session = load_data("gated_cpu.json")
    session["samples"] = []
    view.model.show_session(session)
    assert not view.conditions.isEnabled() and _items(view.conditions) == ["nothing"]
    assert view.conditions_metric is None and not view.cond_plot.isVisible()
    assert view.plots["bwd"].getAxis("bottom").label.isVisible()
    view.model.clear()
    assert not view.conditions.isEnabled() and not view.cond_plot.isVisible()


def test_a_live_run_adds_each_block_as_it_ends(qtbot, view):
    """Replays the events of the recorded H100 run, in its order, as the conductor sends them."""
    recorded = load_data("gated_h100.json")
    session = new_session(recorded["settings"])
    view.model.begin_run(session)
    assert not view.conditions.isEnabled() and not view.cond_plot.isVisible()  # nothing sampled yet

    def send_iterations(variant, its):
        for it in its:
            batch = IterBatch(it["i"], [it["fwd_ms"]], [it["bwd_ms"]], it["warmup"], it["round"])
            view.model.handle_event("iters", variant, {"batch": batch})

    for variant, rec in recorded["variants"].items():
        send_iterations(variant, [it for it in rec["iterations"] if it["round"] is None])
    samples = sorted(recorded["samples"], key=lambda s: s["time"])
    for k, sample in enumerate(samples, start=1):
        variant, r = sample["variant"], sample["round"]
        send_iterations(variant, [it for it in recorded["variants"][variant]["iterations"] if it["round"] == r])
        reading = {key: value for key, value in sample.items() if key not in ("round", "variant")}
        view.model.handle_event("block", variant, {"round": r, "sample": copy.deepcopy(reading)})
        if k == 1:
            qtbot.waitUntil(lambda: view.conditions_metric == "sm_clock_mhz", timeout=2000)
            assert view.conditions.isEnabled() and _items(view.conditions) == H100_LIST
            qtbot.waitUntil(lambda: _points(view, variant) == 1, timeout=2000)
            assert _xy(view, variant)[0] == [2]
        if k == 20:  # half-way: what arrived is drawn, on the throttled clock
            qtbot.waitUntil(lambda: sum(_points(view, v) for v in recorded["variants"]) == 20, timeout=2000)
    view.model.session["samples"] = recorded["samples"]  # what the conductor thread appended meanwhile
    view.model.finish_run(view.model.session)
    assert view.model.samples == recorded["samples"]
    for name in recorded["variants"]:
        x, y = _xy(view, name)
        assert list(x) == [2, 5, 8, 11, 14, 17, 20, 23, 26, 29] and set(y) == {1980.0}
