"""Opening broken modules, exporting, and re-opening saved sessions."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from jitlab.core.session import store as S
from jitlab.gui.common.export import CSV_COLUMNS
from jitlab.gui.live.qt_stats_table import COLUMN_KEYS
from tests.gui.conftest import DATA, EXAMPLES, RUN_TIMEOUT_MS, configure, open_and_wait_ready, run_to_end
from tests.conftest import RECORDED, ROOT


def test_a_syntax_error_file_shows_the_message_on_open(qtbot, window):
    win = window
    assert not win.open_path(DATA / "syntax_error.py")
    text = win.banner.text()
    assert "syntax error" in text and "line 4" in text and "syntax_error.py" in text
    assert not win.bench.prober.busy  # reported from the file alone: no runner needed

    # a file that parses but raises on import is reported by the background probe, before any Run
    with qtbot.waitSignal(win.bench.sig_module_error, timeout=RUN_TIMEOUT_MS):
        win.open_path(DATA / "import_error.py")
    text = win.banner.text()
    assert "KeyError" in text and "import_error.py, line 6" in text


def test_export_writes_png_svg_and_csv(qtbot, window, tmp_path):
    win = window
    configure(win, ["eager", "trace"], iters=6)
    open_and_wait_ready(qtbot, win, EXAMPLES / "gated.py", ["eager", "trace"])
    session = run_to_end(qtbot, win)
    out = tmp_path / "exports"

    for which in ("timing", "distribution"):
        png = win.export_chart(which, "png", out / f"{which}.png")
        image = QImage(str(png))
        assert not image.isNull() and image.width() > 200 and image.height() > 100
        svg = win.export_chart(which, "svg", out / f"{which}.svg")
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg")
        assert sum(1 for el in root.iter() if el.tag.rsplit("}", 1)[-1] in ("path", "polyline")) > 5

    path = win.export_csv(out / "iterations.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    its = {v: rec["iterations"] for v, rec in session["variants"].items()}
    timed = [r for r in rows if r["kind"] == "timed"]
    sampled = [r for r in rows if r["kind"] == "sampled"]
    assert len(timed) == sum(len(x) for x in its.values())
    assert len(sampled) == sum(len(rec["device_samples"]) for rec in session["variants"].values()) > 0
    for row in timed:
        it = its[row["variant"]][int(row["iteration"])]
        assert float(row["fwd_ms"]) == it["fwd_ms"] and bool(int(row["warmup"])) == it["warmup"]
        assert float(row["total_ms"]) == pytest.approx(it["fwd_ms"] + (it["bwd_ms"] or 0.0))

    # an existing file is never silently replaced, and no temporary file is left behind
    before = (out / "timing.png").read_bytes()
    with pytest.raises(FileExistsError):
        win.export_chart("timing", "png", out / "timing.png")
    assert (out / "timing.png").read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_saved_session_reopens_with_the_same_numbers(qtbot, window, tmp_path):
    win = window
    configure(win, ["eager", "script"], iters=8)
    open_and_wait_ready(qtbot, win, EXAMPLES / "gated.py", ["eager", "script"])
    run_to_end(qtbot, win)
    table = win.stats.table_model
    shown = {v: [table.cell_text(v, k) for k in COLUMN_KEYS] for v in ("eager", "script")}
    series = {v: (win.model.series[v].fwd.copy(), win.model.series[v].bwd.copy()) for v in shown}

    path = win.save_session(tmp_path / "run.json")
    with pytest.raises(FileExistsError):
        win.save_session(path)
    assert win.open_path(path)
    assert win.model.path == str(path) and not win.model.running
    for v in shown:
        assert [table.cell_text(v, k) for k in COLUMN_KEYS] == shown[v]
        np.testing.assert_array_equal(win.model.series[v].fwd, series[v][0])
        np.testing.assert_array_equal(win.model.series[v].bwd, series[v][1])
    assert S.load(path)["variants"]["script"]["stats"] == win.model.phase_stats("script")


def test_viewing_a_gpu_session_does_not_send_the_next_run_to_its_device(qtbot, window):
    """A session recorded on cuda:0, viewed on a CPU machine, must not make the next run ask for cuda:0 —
    neither in this window nor, through saved preferences, in the next one."""
    from jitlab.gui.common.paths import Preferences

    win = window
    h100 = ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"
    assert win.open_path(h100)
    assert "cuda:0" in win.controls.device.currentText() and "as recorded" in win.controls.device.currentText()
    assert win.controls.values()["device"] == "auto"
    configure(win, ["eager"], iters=3)
    open_and_wait_ready(qtbot, win, EXAMPLES / "gated.py", ["eager"])
    session = run_to_end(qtbot, win)
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    assert session["env"]["device"]["kind"] == "cpu"
    win._save_prefs()
    assert Preferences().get("run/device") in (None, "", "auto", "cpu")


def test_the_metric_under_the_timings_is_remembered(qtbot, window):
    """Chosen in one window, shown by the next one for a session that has it."""
    from jitlab.gui.common.paths import Preferences
    from jitlab.gui.qt_main_window import MainWindow

    h100 = RECORDED / "gated_h100.json"
    assert window.open_path(h100)
    assert window.timing.conditions_metric == "sm_clock_mhz"  # the default on a GPU
    combo = window.timing.conditions
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # the user picks the next entry: the memory clock
    assert window.timing.conditions_metric == "mem_clock_mhz"
    assert Preferences().get("view/conditions") == "mem_clock_mhz"

    later = MainWindow()
    try:
        assert later.timing.conditions_metric is None  # nothing open yet
        assert later.open_path(h100)
        assert later.timing.conditions_metric == "mem_clock_mhz"
    finally:
        later.close()
        later.deleteLater()
