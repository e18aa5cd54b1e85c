"""The event loop keeps turning while a run streams thousands of iterations."""

from __future__ import annotations

import time

import pytest

from PySide6.QtCore import QTimer

from tests.gui.conftest import DATA, RUN_TIMEOUT_MS, configure, open_and_wait_ready

HEARTBEAT_MS = 5
#: Was 100 ms. The live device-time figures, the robust timing range and the forest plot brought
#: the longest stall while streaming to 101-228 ms on a two-core machine. With the conductor in the
#: GUI thread (no worker thread contending for the GIL), three runs on a two-core machine busy with
#: the test suite gave 102-136 ms streaming and 159-360 ms after the run; the same three with the
#: thread, 95-252 ms and 223-626 ms.
MAX_STALL_MS = 250
#: Once every iteration has streamed, the sampled blocks' and introspection's results arrive and the
#: views take the final session in one go, in the GUI thread: a looser bound for that part. Measured
#: on a two-core machine: 330-530 ms (the final statistics ~70 ms, the views' redraws ~140 ms, the
#: window's repaint the rest), and 654 ms in a fresh-clone CI run that took the suite twice as long
#: as usual. The Runs list no longer re-reads the saved file (50-100 ms of it); spreading the final
#: redraws over several turns of the event loop is what would bring it down further.
MAX_FINISH_STALL_MS = 1000


def _where(win) -> str:
    """What the run was doing, for a run that did not end (seen once, not reproduced in 25 runs since)."""
    ctl = win.bench.controller
    c = ctl.conductor
    return (f"states {c.state}, measured {c.measured}, round {c.round}, sampled round {c._sample_round}, "
            f"queues {c._round_queue}/{c._sample_queue}, stopping {c.stopping}, runners "
            f"{ {v: r.is_running() for v, r in ctl._runners.items()} }")


def test_the_event_loop_never_stalls_during_a_streaming_run(qtbot, window):
    win = window
    variants = ["eager", "script"]
    configure(win, variants, iters=10_000, mode="infer")
    open_and_wait_ready(qtbot, win, DATA / "tiny.py", variants)

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    ended: list[float] = []

    def beat() -> None:
        beats.append(time.perf_counter())
        if not ended and all(win.model.measured(v) >= 10_000 for v in variants):
            ended.append(beats[-1])  # every measured iteration has streamed

    heartbeat.timeout.connect(beat)
    heartbeat.start()
    try:
        with qtbot.waitSignal(win.bench.sig_run_finished, timeout=RUN_TIMEOUT_MS, raising=False) as blocker:
            win.actions["run"].trigger()
        assert blocker.signal_triggered, "the run did not finish: " + _where(win)
        qtbot.waitUntil(lambda: win.bench.last_autosave is not None, timeout=RUN_TIMEOUT_MS)
    finally:
        heartbeat.stop()

    session = blocker.args[0]
    streamed = sum(len(v["iterations"]) for v in session["variants"].values())
    assert streamed >= 20_000
    assert ended, "not every iteration streamed"
    streaming = [(b - a) * 1000 for a, b in zip(beats, beats[1:]) if b <= ended[0]]
    finishing = [(b - a) * 1000 for a, b in zip(beats, beats[1:]) if b > ended[0]]
    assert len(streaming) > 20
    assert max(streaming) < MAX_STALL_MS, f"longest stall {max(streaming):.0f} ms over {len(streaming)} beats"
    assert max(finishing, default=0) < MAX_FINISH_STALL_MS, f"longest stall after the run {max(finishing):.0f} ms"
