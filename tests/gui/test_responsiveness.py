"""The event loop keeps turning while a run streams thousands of iterations."""

from __future__ import annotations

import time

import numpy as np
import pytest

from PySide6.QtCore import QTimer

from tests.gui.conftest import DATA, RUN_TIMEOUT_MS, configure, open_and_wait_ready

HEARTBEAT_MS = 5
#: The longest the GUI thread may work (its own CPU time) between two turns of the event loop while
#: iterations stream. Was 100 ms. The live device-time figures, the robust timing range and the
#: forest plot brought it to 101-228 ms of wall time on a two-core machine; 128-152 ms of the GUI
#: thread's time before the forest plot kept its items, the busy-machine banner stopped restyling
#: itself every second, the top-edge outlier marks were capped at 500 per row, the live statistics
#: went out a turn after they were computed and the resource monitor read only its runners' /proc
#: entries: 106-131 ms since (six runs), and 110-172 ms with two busy processes beside the test.
MAX_STALL_MS = 250
#: The same gaps in wall time, which also hold the time the OS gave other processes: a measuring
#: runner and the GUI share two cores, and one 234 ms gap held 54 ms of the GUI thread's work. Quiet:
#: 129-185 ms (six runs); with two busy processes beside the test 256-366 ms (six runs); a
#: fresh-clone CI run that took the suite twice its usual time measured 262 ms.
MAX_WALL_STALL_MS = 500
#: Once every iteration has streamed, the sampled blocks' and introspection's results arrive and the
#: views take the final session in one go, in the GUI thread: a looser bound for that part. In wall
#: time it was 330-530 ms on a two-core machine, 654 ms in a fresh-clone CI run that took the suite
#: twice as long as usual; of that, the GUI thread's own work is 113-166 ms (five runs, two of them
#: quiet, three with two busy processes beside the test).
MAX_FINISH_STALL_MS = 500
#: The same after the run in wall time, which holds the auto-save thread's turns with the interpreter
#: lock and the runners' exits: 300-495 ms quiet, 552-756 ms with two busy processes beside the test.
MAX_FINISH_WALL_MS = 1500
#: The GUI thread's time for :func:`_reference_work` on the machine where the bounds above were
#: measured (33-35 ms; the same with two busy processes beside it). On a slower machine every bound
#: grows by the ratio of its time to this one, measured in the same test: the bounds are about
#: jitlab's work, not the machine's speed.
REFERENCE_MS = 33.0


def _reference_work() -> float:
    """Milliseconds of the GUI thread's time for a fixed piece of numpy and Python work."""
    start = time.thread_time()
    values = np.random.default_rng(0).random(200_000)
    for _ in range(4):
        np.percentile(values, [25, 50, 75])
    total = 0
    for i in range(60_000):
        total += i * i
    return (time.thread_time() - start) * 1000


def machine_slowness() -> float:
    """How much slower than the machine the bounds were set on this one is (at least 1)."""
    _reference_work()  # the first call pays for numpy's first use
    return max(1.0, min(_reference_work() for _ in range(5)) / REFERENCE_MS)


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

    beats: list[tuple[float, float]] = []  # (wall clock, the GUI thread's CPU time) at each beat
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    ended: list[float] = []

    def beat() -> None:
        beats.append((time.perf_counter(), time.thread_time()))
        if not ended and all(win.model.measured(v) >= 10_000 for v in variants):
            ended.append(beats[-1][0])  # every measured iteration has streamed

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
    gaps = [((b - a) * 1000, (cb - ca) * 1000, b) for (a, ca), (b, cb) in zip(beats, beats[1:])]
    streaming = [(wall, cpu) for wall, cpu, at in gaps if at <= ended[0]]
    finishing = [(wall, cpu) for wall, cpu, at in gaps if at > ended[0]]
    assert len(streaming) > 20
    worked = max(cpu for _wall, cpu in streaming)
    waited = max(wall for wall, _cpu in streaming)
    slow = machine_slowness()
    on_this = f" (bounds x{slow:.2f} for this machine's speed)"
    assert worked < MAX_STALL_MS * slow, f"the GUI thread worked {worked:.0f} ms in one go over {len(streaming)} beats" + on_this
    assert waited < MAX_WALL_STALL_MS * slow, f"longest stall {waited:.0f} ms over {len(streaming)} beats" + on_this
    finished = max((cpu for _wall, cpu in finishing), default=0.0)
    settled = max((wall for wall, _cpu in finishing), default=0.0)
    assert finished < MAX_FINISH_STALL_MS * slow, f"after the run the GUI thread worked {finished:.0f} ms in one go" + on_this
    assert settled < MAX_FINISH_WALL_MS * slow, f"longest stall after the run {settled:.0f} ms" + on_this
