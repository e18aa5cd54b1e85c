"""The app's runner plumbing on its own, with real runner processes: the pool of pre-started runners,
the probe, and the run controller (conductor thread and QProcesses), without the window."""

from __future__ import annotations

from jitlab.core.session import store as S
from jitlab.core.settings import make_settings
from jitlab.gui.process.run_controller import RunController
from jitlab.gui.process.runner_pool import Prober, RunnerPool

from tests.gui.conftest import DATA, PROCESS_EXIT_MS, RUN_TIMEOUT_MS


def _ended(pool_or_runners) -> bool:
    return all(not r.is_running() for r in pool_or_runners)


def _controller(variants: str, iters: int) -> tuple[RunController, dict]:
    """A controller over a pool of its own, and the settings of a short run of the tiny module."""
    settings = make_settings(file=str(DATA / "tiny.py"), variants=variants, iters=iters, warmup=1,
                             introspect=False, device_time=False)
    return RunController(RunnerPool()), settings


def test_pool_fills_hands_out_ready_runners_and_clears(qtbot):
    pool = RunnerPool()
    pool.fill(2)
    assert pool.idle_count == 2
    qtbot.waitUntil(lambda: pool.ready_count == 2, timeout=RUN_TIMEOUT_MS)
    assert len(pool.pids()) == 2
    runner = pool.take(parent=pool)
    assert runner.is_ready and runner.ready_message["t"] == "ready"
    assert pool.idle_count == 1
    pool.fill(2)  # tops up to two idle runners again
    assert pool.idle_count == 2
    idle = list(pool._idle)
    pool.clear()
    runner.kill()
    assert pool.idle_count == 0
    qtbot.waitUntil(lambda: _ended(idle + [runner]), timeout=PROCESS_EXIT_MS)


def test_prober_reports_targets_and_devices(qtbot):
    prober = Prober()
    devices = []
    prober.sig_devices.connect(devices.append)
    with qtbot.waitSignal(prober.sig_probed, timeout=RUN_TIMEOUT_MS) as blocker:
        prober.probe(DATA / "tiny.py")
    probed, devices = blocker.args[0], devices[0]
    assert devices[0]["id"] == "cpu"
    assert [t["name"] for t in probed["targets"]] == ["default"]
    qtbot.waitUntil(lambda: not prober.pids(), timeout=PROCESS_EXIT_MS)


def test_prober_says_why_a_broken_file_cannot_be_probed(qtbot):
    prober = Prober()
    with qtbot.waitSignal(prober.sig_failed, timeout=RUN_TIMEOUT_MS) as blocker:
        prober.probe(DATA / "import_error.py")
    err = blocker.args[0]
    assert err["phase"] == "load" and "import_error.py" in err["message"]
    assert set(err) >= {"message", "phase", "kind", "traceback", "location"}
    qtbot.waitUntil(lambda: not prober.pids(), timeout=PROCESS_EXIT_MS)


def test_controller_runs_a_session_to_its_end(qtbot):
    controller, settings = _controller("eager,script", 6)
    events = []
    controller.sig_event.connect(lambda event, variant, payload: events.append((event, variant)))
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        session = controller.start(settings)
        assert controller.running
    assert blocker.args[0] is session and not controller.running
    for name in ("eager", "script"):
        v = session["variants"][name]
        assert v["status"] == S.STATUS_OK
        assert sum(1 for it in v["iterations"] if not it["warmup"]) == 6
    assert session["variants"]["script"]["speedup_vs_eager"] is not None
    assert ("variant_done", "eager") in events and events[-1][0] == "finished"
    qtbot.waitUntil(lambda: not controller.pids(), timeout=PROCESS_EXIT_MS + 3000)


def test_controller_stop_keeps_what_was_measured(qtbot):
    controller, settings = _controller("eager", 100000)
    measured = []
    controller.sig_event.connect(lambda event, variant, payload: measured.append(1) if event == "iters" else None)
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        controller.start(settings)
        qtbot.waitUntil(lambda: len(measured) >= 2, timeout=RUN_TIMEOUT_MS)
        controller.stop()
    v = blocker.args[0]["variants"]["eager"]
    assert v["status"] == S.STATUS_STOPPED and v["iterations"]
    qtbot.waitUntil(lambda: not controller.pids(), timeout=PROCESS_EXIT_MS + 3000)
