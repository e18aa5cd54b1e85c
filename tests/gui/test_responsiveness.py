"""The event loop keeps turning while a run streams thousands of iterations."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from tests.gui.conftest import DATA, RUN_TIMEOUT_MS, configure, open_and_wait_ready

HEARTBEAT_MS = 5
MAX_STALL_MS = 100


def test_the_event_loop_never_stalls_during_a_streaming_run(qtbot, window):
    win = window
    variants = ["eager", "script"]
    configure(win, variants, iters=10_000, mode="infer")
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", variants)

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    heartbeat.start()
    try:
        with qtbot.waitSignal(win.bench.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
            win.actions["run"].trigger()
        qtbot.waitUntil(lambda: win.bench.last_autosave is not None, timeout=RUN_TIMEOUT_MS)
    finally:
        heartbeat.stop()

    session = blocker.args[0]
    streamed = sum(len(v["iterations"]) for v in session["variants"].values())
    assert streamed >= 20_000
    gaps = [(b - a) * 1000 for a, b in zip(beats, beats[1:])]
    assert len(beats) > 20
    assert max(gaps) < MAX_STALL_MS, f"longest stall {max(gaps):.0f} ms over {len(beats)} beats"
