"""Where the time goes: the breakdown under the timing plot, the device columns
and unreliable marks of the statistics table, the busy-machine banner, and a
run's device figures arriving live.

Sessions: ``data/gated_busy_cpu.json`` (a real CPU run on a machine busy with
other work, see ``data/README.md``) and the H100 LSTM session of
``benchmarks/results`` (recorded before device time was sampled).
"""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from jitlab.core.present.numbers import UNRELIABLE_MARK
from jitlab.core.protocol import IterBatch
from jitlab.core.session.store import load, new_session
from jitlab.gui.common.colors import WARNING_COLOR
from jitlab.gui.common.qt_banner import QtBanner
from jitlab.gui.live.qt_stats_table import COLUMN_KEYS, QtStatsTable
from jitlab.gui.live.qt_time_breakdown import SEGMENT_COLORS, QtTimeBreakdown
from jitlab.gui.live.run_model import RunModel
from jitlab.core.present.time_breakdown import busy_machine_text
from tests.conftest import ROOT, load_data
from tests.gui.conftest import grab, shown

LSTM_H100 = ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"


@pytest.fixture
def busy() -> dict:
    """gated.py, eager/script/trace on a 2-core CPU that other work kept busy: every variant unreliable."""
    return load_data("gated_busy_cpu.json")


def _shown(qtbot, widget, width=1050, height=None):
    qtbot.addWidget(widget)
    widget.resize(width, height or widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_breakdown_bars_follow_the_session_numbers(qtbot, busy, shots):
    model = RunModel()
    view = _shown(qtbot, QtTimeBreakdown(model))
    model.show_session(busy)
    view.resize(1050, view.sizeHint().height())
    grab(view, shots / "breakdown_busy_cpu.png")

    rects = view.bar_rects()
    assert list(rects) == ["eager", "script", "trace"]
    per_ms = []
    for name, segs in rects.items():
        d = busy["variants"][name]["device"]
        expected = [("fwd", "device", d["fwd"]["median"]), ("fwd", "host", d["host_ms"]["fwd"]),
                    ("bwd", "device", d["bwd"]["median"]), ("bwd", "host", d["host_ms"]["bwd"])]
        assert [(p, k) for p, k, _, _ in segs] == [(p, k) for p, k, _ in expected]
        for (_, _, ms, rect), (_, _, want) in zip(segs, expected):
            assert ms == pytest.approx(want)
            if ms > 0.01:
                per_ms.append(rect.width() / ms)
        for (_, _, _, a), (_, _, _, b) in zip(segs, segs[1:]):  # segments touch, in order
            assert b.left() == pytest.approx(a.right())
    # one scale for every bar: pixels per millisecond are the same everywhere (to rounding of tiny segments)
    assert max(per_ms) == pytest.approx(min(per_ms), rel=0.02)
    longest = max(sum(r.width() for *_, r in segs) for segs in rects.values())
    assert longest > 0.6 * view.width()

    # what is drawn there is the segment's colour
    image = view.grab().toImage()
    ratio = image.devicePixelRatio()
    for phase, part, ms, rect in rects["script"]:
        if rect.width() > 30:
            c = rect.center()
            px = QColor(image.pixel(int((rect.left() + 3) * ratio), int(c.y() * ratio)))
            assert px.name() == SEGMENT_COLORS[phase, part]

    text = view.text()
    assert "time inside operators" in text
    assert "forward in ops" in text and "backward overhead" in text
    for name in ("eager", "script", "trace"):
        assert busy["variants"][name]["device"]["verdict"]["text"] in text
    assert f"end to end 0.87× — {UNRELIABLE_MARK}" in text
    assert f"on ops time 0.84× — {UNRELIABLE_MARK}" in text


def test_an_old_session_without_device_time_says_so(qtbot, shots):
    session = load(LSTM_H100)
    assert not any(v.get("device_samples") for v in session["variants"].values())
    model = RunModel()
    view = _shown(qtbot, QtTimeBreakdown(model))
    model.show_session(session)
    grab(view, shots / "breakdown_no_device_time.png")
    assert view.bar_rects() == {}
    assert view.text().startswith("No device time in this session")
    assert view.height() >= 2 * view.fontMetrics().height()


def test_a_run_without_device_time_says_how_it_was_made(qtbot, tmp_path):
    """A real ``jitlab run --no-device-time``: no sampled rows, and the sentence names the option."""
    from jitlab.gui.common.export import KIND_SAMPLED, sampled_rows
    from tests.conftest import run_jitlab

    out = tmp_path / "session.json"
    result = run_jitlab("run", str(ROOT / "resources" / "examples" / "gated.py"), "--device", "cpu",
                        "--variants", "eager,script", "--iters", "6", "--warmup", "2", "--no-introspect",
                        "--no-device-time", "-q", "--out", str(out), timeout=300)
    assert result.rc in (0, 1), result.err[-3000:]
    session = load(out)
    model = RunModel()
    view = _shown(qtbot, QtTimeBreakdown(model))
    model.show_session(session)
    assert view.bar_rects() == {}
    assert "--no-device-time" in view.text()
    assert not [r for r in sampled_rows(session) if r["kind"] == KIND_SAMPLED]


def test_table_shows_device_columns_and_the_unreliable_mark(qtbot, busy, shots):
    model = RunModel()
    table = _shown(qtbot, QtStatsTable(model), 1400, 200)
    model.show_session(busy)
    grab(table, shots / "table_busy_cpu.png")
    tm = table.table_model

    headers = {key: tm.headerData(i, Qt.Orientation.Horizontal) for i, key in enumerate(COLUMN_KEYS)}
    assert headers["device"] == "ops ms (IQR)" and headers["host"] == "overhead ms"
    assert headers["speedup_device"].startswith("speedup on ops time")
    # peak device memory is never measured on a CPU: the empty column is not shown
    assert table.view.isColumnHidden(COLUMN_KEYS.index("memory"))
    assert not table.view.horizontalHeader().stretchLastSection()

    script = busy["variants"]["script"]
    assert tm.cell_text("script", "device") == (f"{script['device']['total']['median']:.3f} "
                                                f"({script['device']['total']['iqr']:.3f})")
    assert tm.cell_text("script", "host") == f"{script['device']['host_ms']['total']:.3f}"
    assert tm.cell_text("eager", "speedup_device") == "1.00×  (reference)"
    for key in ("speedup", "speedup_device"):
        text = tm.cell_text("script", key)
        assert text.endswith(f"— {UNRELIABLE_MARK}") and "[" not in text  # no narrow CI beside it
        index = tm.index(tm.row_of("script"), COLUMN_KEYS.index(key))
        assert tm.data(index, Qt.ItemDataRole.ForegroundRole) == QColor(WARNING_COLOR)
        tip = tm.data(index, Qt.ItemDataRole.ToolTipRole)
        assert "waited for a CPU" in tip and "script:" in tip and "eager:" in tip and "Fix:" in tip
    tip = tm.data(tm.index(tm.row_of("trace"), COLUMN_KEYS.index("device")), Qt.ItemDataRole.ToolTipRole)
    assert "operators per iteration" in tip and "sampled iterations" in tip


def test_a_reliable_launch_bound_speedup_carries_the_host_dependent_mark(qtbot, busy):
    """The same session as if the machine had been quiet: the CI comes back, with the mark where it applies."""
    quiet = copy.deepcopy(busy)
    for v in quiet["variants"].values():
        v["speedup_unreliable"] = False
        v["reliability"] = {**v["reliability"], "unreliable": False, "causes": []}
    quiet["variants"]["script"]["speedup_host_dependent"] = True
    quiet["reliability"] = {"unreliable": False, "variants": [], "fix": None, "causes": []}
    quiet["warnings"] = []
    model = RunModel()
    table = _shown(qtbot, QtStatsTable(model), 1400, 200)
    model.show_session(quiet)
    tm = table.table_model
    assert tm.cell_text("script", "speedup").endswith("]  host-dependent")
    assert "[" in tm.cell_text("trace", "speedup") and "host-dependent" not in tm.cell_text("trace", "speedup")
    tip = tm.data(tm.index(tm.row_of("script"), COLUMN_KEYS.index("speedup")), Qt.ItemDataRole.ToolTipRole)
    assert "launch-bound" in tip
    assert busy_machine_text(quiet) == ""


def test_the_banner_names_the_cause_and_the_fix_in_plain_text(qtbot, busy):
    banner = QtBanner()
    qtbot.addWidget(banner)
    text = busy_machine_text(busy)
    assert text.startswith("Busy machine:")
    assert "waited for a CPU" in text and "Fix: run on a quieter machine" in text
    banner.show_warning(text + " <b>not bold</b>")
    assert banner.isVisible() and banner.label.textFormat() == Qt.TextFormat.PlainText
    assert banner.text().endswith("<b>not bold</b>")


def test_a_closed_busy_warning_stays_closed_while_the_live_figures_repeat_it(qtbot, busy):
    banner = QtBanner()
    qtbot.addWidget(banner)
    banner.show()
    text = busy_machine_text(busy)
    banner.show_warning(text)
    sheet = banner.styleSheet()
    assert banner.isVisible() and "#bc4c00" in sheet
    banner.show_warning(text)  # the next live update
    assert banner.isVisible() and banner.styleSheet() == sheet and banner.text() == text
    qtbot.mouseClick(banner.close_button, Qt.MouseButton.LeftButton)
    assert banner.isHidden()
    for _ in range(3):  # about once a second while the run goes on
        banner.show_warning(text)
    assert banner.isHidden()
    banner.show_warning(text + " (worse)")  # a different warning is news
    assert banner.isVisible() and banner.text().endswith("(worse)")
    banner.show_error({"message": "boom"})
    assert "#cf222e" in banner.styleSheet() and banner.text() == "boom"
    banner.clear()
    banner.show_warning(text)  # cleared by the app, not closed by the user: shown again
    assert banner.isVisible() and "#bc4c00" in banner.styleSheet()


def test_a_live_run_draws_device_time_and_flags_a_busy_machine_as_blocks_arrive(qtbot, busy):
    """Replays the recorded run's events as the conductor sends them, with the live timer's derivation."""
    from jitlab.gui.live.live_stats import LiveStats

    model = RunModel()
    view = _shown(qtbot, QtTimeBreakdown(model))
    table = _shown(qtbot, QtStatsTable(model), 1400, 200)
    live = LiveStats(lambda: model.series, device=lambda: (model.device_samples, model.device_units),
                     blocks=lambda: model.samples)
    live.sig_updated.connect(model.set_live)
    session = new_session(busy["settings"])
    session["env"] = copy.deepcopy(busy["env"])  # the runners' hello fills it at the start
    model.begin_run(session)
    live.start(session)
    assert "after each variant's first sampled block" in view.text()
    rounds = sorted({r["round"] for v in busy["variants"].values() for r in v["device_samples"]})
    for r in rounds:
        for name, rec in busy["variants"].items():
            for it in rec["iterations"]:
                if it["round"] == r or (r == rounds[0] and it["round"] is None):
                    batch = IterBatch(it["i"], [it["fwd_ms"]], [it["bwd_ms"]], it["warmup"], it["round"],
                                      [it["cpu_ms"]])
                    model.handle_event("iters", name, {"batch": batch})
            for b in busy["samples"]:
                if b["variant"] == name and b["round"] == r:
                    reading = {k: x for k, x in b.items() if k not in ("round", "variant")}
                    model.handle_event("block", name, {"round": r, "sample": reading})
            rows = [copy.deepcopy(x) for x in rec["device_samples"] if x["round"] == r]
            if rows:
                session["variants"][name]["device_unit"] = rec["device_unit"]  # the conductor sets it first
                model.handle_event("sampled", name, {"rows": rows})
        model.handle_event("round", None, {"round": r})
        if r == rounds[0]:
            live.update()
            qtbot.waitUntil(lambda: set(view.bar_rects()) == {"eager", "script", "trace"}, timeout=3000)
            assert table.table_model.cell_text("script", "device") != "–"
            assert "×" in table.table_model.cell_text("script", "speedup_device")
    live.update()
    qtbot.waitUntil(lambda: len(model.device_samples["script"]) == len(busy["variants"]["script"]["device_samples"]),
                    timeout=3000)
    live_script = model.display_record("script")
    assert live_script["device"]["iterations"] == busy["variants"]["script"]["device"]["iterations"]
    assert live_script["device"]["total"]["median"] == pytest.approx(
        busy["variants"]["script"]["device"]["total"]["median"])
    # the busy machine is said while the run is still going, with the causes the final session gives
    assert live_script["reliability"]["causes"] == busy["variants"]["script"]["reliability"]["causes"]
    assert live_script["speedup_unreliable"]
    records = {n: model.display_record(n) for n in model.variants}
    text = busy_machine_text(session, records)
    assert text == busy_machine_text(busy)
    table.refresh()
    assert table.table_model.cell_text("script", "speedup").endswith(UNRELIABLE_MARK)
    live.stop()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window at its default size, with preferences of this test only (no module: no runner)."""
    from jitlab.gui.common import paths
    from jitlab.gui.qt_main_window import MainWindow

    monkeypatch.setenv(paths.CONFIG_ENV, str(tmp_path / "config"))
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    paths.set_application_names()
    return shown(qtbot, MainWindow(), 1400, 900)


def _save_busy(busy, tmp_path):
    import json

    path = tmp_path / "busy.json"
    path.write_text(json.dumps(busy))
    return path


def test_window_shows_the_breakdown_under_the_timing_plot_and_the_busy_banner(qtbot, window, busy, tmp_path, shots):
    win = window
    assert win.open_path(_save_busy(busy, tmp_path))
    win.tabs.setCurrentWidget(win.timing_tab)
    grab(win, shots / "window_busy_cpu.png")
    assert win.busy_banner.isVisible() and win.busy_banner.text().startswith("Busy machine:")
    assert "Fix:" in win.busy_banner.text()
    assert win.banner.isHidden()  # the error banner stays free
    # readable at the default size: every row drawn, the bars wide, the plot above still tall
    b = win.breakdown
    assert b.isVisible() and b.height() >= b.sizeHint().height()
    assert b.geometry().top() >= win.timing.geometry().bottom()
    assert max(sum(r.width() for *_, r in segs) for segs in b.bar_rects().values()) > 500
    assert win.timing.graphics.height() > 250

    # an old session without device time: the sentence, and no warning left from the last one
    assert win.open_path(LSTM_H100)
    assert win.breakdown.text().startswith("No device time in this session")
    assert win.busy_banner.isHidden()
    assert win.stats.table_model.cell_text("script", "device") == "–"
    assert win.stats.table_model.header_text("device") == "device ms (IQR)"


def test_timing_export_carries_the_breakdown_and_the_csv_the_sampled_rows(qtbot, window, busy, tmp_path):
    import csv
    import xml.etree.ElementTree as ET

    from PySide6.QtGui import QImage

    from jitlab.gui.common.export import CSV_COLUMNS, KIND_SAMPLED, KIND_TIMED

    win = window
    assert win.open_path(_save_busy(busy, tmp_path))
    out = tmp_path / "exports"
    png = win.export_chart("timing", "png", out / "timing.png")
    image = QImage(str(png))
    from jitlab.gui.common.export import _header_height
    from jitlab.gui.qt_main_window import chart_header

    # the header lines, then the chart and its forest plot side by side, then the breakdown
    head_h = _header_height(chart_header(win.model.session, "timing"))
    chart_h = head_h + max(win.timing.export_widget().height(), win.timing.speedups.height())
    below_h = win.breakdown.height()
    ratio = image.devicePixelRatio() or 1
    assert image.height() == pytest.approx((chart_h + below_h) * ratio, abs=2)
    # the breakdown's bars are in the image, below the chart, at the place the view draws them
    _, _, _, rect = win.breakdown.bar_rects()["eager"][0]
    px = QColor(image.pixel(int((rect.left() + 4) * ratio), int((chart_h + rect.center().y()) * ratio)))
    want = QColor(SEGMENT_COLORS["fwd", "device"])
    # a dark blue bar there (the exported image composes the colour a shade darker than the view)
    assert px.lightness() < 80 and px.blue() > px.red() and want.blue() > want.red()

    svg = win.export_chart("timing", "svg", out / "timing.svg")
    root = ET.parse(svg).getroot()
    words = " ".join(t.strip() for el in root.iter() for t in [el.text or ""] if t.strip())
    assert "Where the time goes" in words and "op-bound" in words
    assert float(root.get("viewBox").split()[3]) == pytest.approx(chart_h + below_h, abs=1)

    path = win.export_csv(out / "iterations.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    timed = [r for r in rows if r["kind"] == KIND_TIMED]
    sampled = [r for r in rows if r["kind"] == KIND_SAMPLED]
    assert len(timed) == sum(len(v["iterations"]) for v in busy["variants"].values())
    assert len(sampled) == sum(len(v["device_samples"]) for v in busy["variants"].values())
    first = busy["variants"]["trace"]["device_samples"][0]
    row = next(r for r in sampled if r["variant"] == "trace" and r["iteration"] == "0")
    assert row["device_unit"] == "cpu_ops" and row["fwd_ms"] == ""
    assert float(row["device_fwd_ms"]) == first["fwd_ms"] and int(row["bwd_launches"]) == first["bwd_launches"]
    assert float(row["device_total_ms"]) == pytest.approx(first["fwd_ms"] + first["bwd_ms"])
    assert all(r["cpu_ms"] for r in timed)
