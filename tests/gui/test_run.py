"""Runs driven from the window, in real runner processes on the CPU."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PySide6.QtCore import Qt

from jitlab.core.session import store as S
from jitlab.gui.common.formatting import fmt_phase, speedup_cell
from jitlab.core.present.time_breakdown import busy_machine_text
from jitlab.gui.live.qt_stats_table import COLUMN_KEYS, COLUMNS, MESSAGE_COLUMN
from tests.conftest import ROOT
from tests.gui.conftest import DATA, EXAMPLES, RUN_TIMEOUT_MS, configure, open_and_wait_ready, run_to_end


def test_open_run_fills_rows_and_plots_and_stats_match_the_session_file(qtbot, window):
    win = window
    variants = ["eager", "script"]
    configure(win, variants, iters=12)
    open_and_wait_ready(qtbot, win, EXAMPLES / "gated.py", variants)
    assert win.controls.target.count() >= 1
    assert win.controls.device.currentData() == "cpu"
    pooled = set(win.bench.pool.pids())
    blocks = []  # device samples as they arrive, for the conditions row under the timings
    win.model.sig_samples_added.connect(lambda v: blocks.append((v, win.model.running, len(win.model.samples))))
    sampled = []  # device-busy time (on a CPU: time inside operators) of the sampled blocks, as they arrive
    win.model.sig_device_sampled.connect(lambda v: sampled.append((v, win.model.running)))

    with qtbot.waitSignal(win.bench.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        win.actions["run"].trigger()
        assert set(win.bench.controller.pids().values()) <= pooled  # the pre-started runners do the run
        assert not win.controls.run_button.isEnabled() and win.controls.stop_button.isEnabled()
    session = blocker.args[0]

    assert [r["variant"] for r in win.stats.table_model.rows] == variants
    for v in variants:
        assert session["variants"][v]["status"] == S.STATUS_OK
        fwd = win.timing.curves[v]["fwd"].getData()[1]
        assert np.isfinite(fwd).sum() == 12  # every measured iteration is plotted
        assert win.timing.curves[v]["fwd_warm"].getData()[1].size >= 1  # and the warm-up, faded
        assert "12 measured" in win.progress.status_text(v)
    win.tabs.setCurrentWidget(win.distribution)  # a hidden view catches up when shown
    assert len(win.distribution.plots["total"].listDataItems()) >= 2
    win.distribution.set_mode("hist")
    assert len(win.distribution.plots["fwd"].listDataItems()) == 2
    assert "eager" in win.timing.show_readout(5, "fwd") and "ms" in win.timing.show_readout(5, "bwd")
    assert {v for v, _, _ in blocks} == set(variants) and all(running for _, running, _ in blocks)
    assert [n for _, _, n in blocks] == list(range(1, len(blocks) + 1))
    assert win.model.samples == session["samples"] and len(blocks) == len(session["samples"])
    assert win.timing.conditions.isEnabled()  # psutil always gives the CPU load
    assert {v for v, _ in sampled} == set(variants) and all(running for _, running in sampled)
    assert set(win.breakdown.bar_rects()) == set(variants)  # the final figures, under the timing plot
    assert win.stats.table_model.header_text("device") == "ops ms (IQR)"
    # a busy machine (this one may be) is said in the banner exactly when the session says so
    assert win.busy_banner.isVisible() == bool(busy_machine_text(session))

    qtbot.waitUntil(lambda: win.bench.last_autosave is not None, timeout=RUN_TIMEOUT_MS)
    # The Runs list takes the saved run from memory: re-reading a long run's file stalled the window.
    assert win.bench.last_session is session
    assert str(win.bench.last_autosave) in [str(e.path) for e in win.runs.runs.model.entries]
    saved = S.load(win.bench.last_autosave)
    for v in variants:
        rec = saved["variants"][v]
        assert win.model.phase_stats(v) == rec["stats"]
        for phase in ("fwd", "bwd", "total"):
            assert win.stats.table_model.cell_text(v, phase) == fmt_phase(rec["stats"][phase])
        assert win.stats.table_model.cell_text(v, "speedup") == speedup_cell(rec, v)[0]
        assert win.stats.table_model.cell_text(v, "device") == fmt_phase(rec["device"]["total"])
        assert win.stats.table_model.cell_text(v, "min") != "–"
    assert saved["variants"]["script"]["speedup_ci"] is not None
    assert win.controls.run_button.isEnabled()


def test_stop_mid_run_keeps_the_measured_iterations(qtbot, window):
    win = window
    configure(win, ["eager"], iters=2_000_000, mode="infer")
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", ["eager"])
    win.actions["run"].trigger()
    qtbot.waitUntil(lambda: win.model.measured("eager") >= 300, timeout=RUN_TIMEOUT_MS)

    with qtbot.waitSignal(win.bench.sig_run_finished, timeout=2000) as blocker:  # killed within 2 s
        win.actions["stop"].trigger()
    session = blocker.args[0]
    rec = session["variants"]["eager"]
    measured = [it for it in rec["iterations"] if not it["warmup"]]
    assert rec["status"] == S.STATUS_STOPPED
    assert len(measured) >= 300
    assert len(measured) == win.model.measured("eager") == rec["stats"]["fwd"]["n"]
    assert win.stats.table_model.cell_text("eager", "status") == "stopped"
    assert "stopped at" in win.progress.rows["eager"].bar.format()
    qtbot.waitUntil(lambda: win.bench.last_autosave is not None, timeout=RUN_TIMEOUT_MS)
    saved = S.load(win.bench.last_autosave)
    assert saved["settings"]["stopped"] and len(saved["variants"]["eager"]["iterations"]) == len(rec["iterations"])


def test_failing_variants_are_shown_in_place_while_the_others_finish(qtbot, window):
    win = window
    variants = ["eager", "script", "trace"]
    configure(win, variants, iters=5)
    open_and_wait_ready(qtbot, win, DATA / "unscriptable_crash.py", variants)
    session = run_to_end(qtbot, win)
    recs = session["variants"]
    assert recs["eager"]["status"] == S.STATUS_OK and recs["eager"]["stats"]["fwd"]["n"] == 5
    assert recs["script"]["status"] == S.STATUS_FAILED
    assert recs["script"]["error"]["location"]["file"].endswith("unscriptable_crash.py")
    assert recs["trace"]["status"] == S.STATUS_FAILED and "code 3" in recs["trace"]["error"]["message"]

    table = win.stats.table_model
    row = table.row_of("script")
    assert "failed" in table.cell_text("script", "status")
    assert "unscriptable_crash.py, line" in table.cell_text("script", "fwd")
    assert win.stats.view.columnSpan(row, MESSAGE_COLUMN) == len(COLUMNS) - MESSAGE_COLUMN
    assert "exited with code 3" in table.cell_text("trace", "fwd")
    assert table.cell_text("eager", "fwd") != "–"

    # the traceback is one click away, the user's file and line first
    index = table.index(row, COLUMN_KEYS.index("status"))
    qtbot.mouseClick(win.stats.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=win.stats.view.visualRect(index).center())
    qtbot.waitUntil(lambda: win.error_dialog is not None and win.error_dialog.isVisible())
    location = win.error_dialog.findChild(type(win.banner.label), "errorLocation")
    line = recs["script"]["error"]["location"]["line"]
    assert location is not None and f"unscriptable_crash.py, line {line}" in location.text()
    assert "Traceback" in win.error_dialog.traceback.toPlainText()
    win.error_dialog.close()

    # a variant that never returns is timed out and killed; eager still finishes
    configure(win, ["eager", "trace"], iters=5, timeout=6)
    open_and_wait_ready(qtbot, win, DATA / "hang_when_traced.py", ["eager", "trace"])
    session = run_to_end(qtbot, win)
    assert session["variants"]["trace"]["status"] == S.STATUS_TIMEOUT
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    assert "timed out after 6 s" in win.stats.table_model.cell_text("trace", "fwd")
    assert win.progress.rows["trace"].bar.format() == "timed out"


def test_the_gui_process_never_imports_torch(isolated, tmp_path):
    # A process of its own: test modules that check saved files with torch import it into pytest's.
    shot = tmp_path / "run.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "jitlab", str(EXAMPLES / "gated.py"), "--run",
                        "--iters", "5", "--variants", "eager,trace", "--screenshot", str(shot)],
                       capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT_MS / 1000, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    assert shot.is_file()  # the run ended and the window was drawn
    imported = [line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
    assert "PySide6.QtWidgets" in imported
    assert not [m for m in imported if m == "torch" or m.startswith("torch.")], "the app's process imported torch"


def test_a_stopped_run_says_precisely_why_it_has_no_graphs(qtbot, window):
    from jitlab.gui.runs.qt_graph_diff import QtGraphDiffView
    from tests.conftest import load_data

    win = window
    configure(win, ["eager", "script"], iters=2_000_000, mode="infer")
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", ["eager", "script"])
    win.actions["run"].trigger()
    qtbot.waitUntil(lambda: win.model.measured("script") >= 50, timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(win.bench.sig_run_finished, timeout=5000) as blocker:
        win.actions["stop"].trigger()
    stopped = blocker.args[0]
    assert stopped["variants"]["script"]["status"] == S.STATUS_STOPPED
    graphs = win.inside.graphs
    graphs.left.show_document("script", "graph")
    assert "stopped before script's graphs and kernels were recorded" in graphs.left.note.text()

    # against a finished run of other variants: the comparison says which run lacks what, and why
    finished = load_data("gated_cpu.json")
    diff = QtGraphDiffView(finished, stopped)
    qtbot.addWidget(diff)
    note = diff.note.text()
    assert "no variant in common" not in note
    assert "the current run has none: the run was stopped before script's graphs" in note


def test_a_slow_diagnostic_cpu_fusion_run_is_estimated_warned_and_capped(qtbot, window, monkeypatch):
    from jitlab.core.run import conductor

    # A microsecond's budget: any iteration slower than 1/3 us is "too slow", so the cap is the minimum.
    monkeypatch.setattr(conductor, "DIAGNOSTIC_BUDGET_S", 1e-6)
    win = window
    configure(win, ["eager", "script"], iters=40)
    win.controls.apply({"cpu_fusion": True})
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", ["eager", "script"])
    session = run_to_end(qtbot, win)
    script, eager = session["variants"]["script"], session["variants"]["eager"]
    measured = [it for it in script["iterations"] if not it["warmup"]]
    assert script["status"] == "ok" and len(measured) == conductor.DIAGNOSTIC_MIN_ITERS
    assert len([it for it in eager["iterations"] if not it["warmup"]]) == 40  # eager is not diagnostic
    warning = next(w for w in script["warnings"] if w.startswith("diagnostic CPU fusion: script takes about"))
    assert "per iteration through NNC's interpreter" in warning and f"measuring {len(measured)} instead" in warning
