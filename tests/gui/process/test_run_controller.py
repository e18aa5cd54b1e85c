"""The app's run controller (:class:`jitlab.gui.process.run_controller.RunController`) over fake runners:
a run to its end on the pool's runners, a runner that dies or misbehaves mid-run failing its variant only,
a stop, and a time limit."""

from __future__ import annotations

import signal

import pytest

from jitlab.core.run.conductor import describe_exit
from jitlab.core.session import store as S
from jitlab.core.settings import make_settings
from jitlab.gui.process.run_controller import RunController
from jitlab.gui.process.runner_pool import RunnerPool
from jitlab.gui.process.runner_process import live_processes
from jitlab.host.link import MALFORMED
from tests.gui.conftest import DATA, PROCESS_EXIT_MS
from tests.host.fake_runner import GARBAGE

#: Fake runners run a whole short session in well under a second; this leaves room for a busy machine.
RUN_MS = 20_000


def _settings(variants: str = "eager,script", iters: int = 6, **overrides) -> dict:
    # device cpu: no core to choose for the runners (that samples the machine's load first)
    return make_settings(file=str(DATA / "tiny.py"), device="cpu", variants=variants, iters=iters, warmup=1,
                         introspect=False, device_time=False, **overrides)


def _run(qtbot, controller: RunController, settings: dict) -> dict:
    """Start a run and wait for its end; returns the session ``sig_finished`` carried."""
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_MS) as blocker:
        session = controller.start(settings)
        assert controller.running
    assert blocker.args[0] is session and not controller.running
    return session


def _no_runner_left(qtbot) -> None:
    qtbot.waitUntil(lambda: not live_processes(), timeout=PROCESS_EXIT_MS)


def _measured(variant: dict) -> int:
    return sum(1 for it in variant["iterations"] if not it["warmup"])


def test_a_run_on_the_pools_runners_measures_every_variant(qtbot, fake_runner):
    pool = RunnerPool(fake_runner("--ms", "eager=2", "--ms", "script=0.5"))
    pool.fill(2)
    qtbot.waitUntil(lambda: pool.ready_count == 2, timeout=RUN_MS)
    pooled = set(pool.pids())
    controller = RunController(pool)
    events: list[tuple[str, str | None]] = []
    controller.sig_event.connect(lambda event, variant, payload: events.append((event, variant)))
    started = []
    controller.sig_started.connect(started.append)

    session = controller.start(_settings())
    assert set(controller.pids().values()) == pooled and pool.idle_count == 0  # no new process was started
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_MS):
        pass
    assert started == [session]
    for name in ("eager", "script"):
        v = session["variants"][name]
        assert v["status"] == S.STATUS_OK and _measured(v) == 6
        assert ("variant_done", name) in events
    assert session["variants"]["script"]["speedup_vs_eager"] == pytest.approx(4.0)  # 3 ms against 0.75 ms
    assert events[-1] == ("finished", None)
    _no_runner_left(qtbot)


@pytest.mark.parametrize("fault, code, sig", [("exit=3", 3, None), ("signal=KILL", None, int(signal.SIGKILL))])
def test_a_runner_that_dies_mid_block_is_its_variants_error_while_the_others_finish(qtbot, fake_runner, fault,
                                                                                     code, sig):
    controller = RunController(RunnerPool(fake_runner("--fault", f"script:block2:{fault}")))
    session = _run(qtbot, controller, _settings("eager,script,trace"))
    script = session["variants"]["script"]
    assert script["status"] == S.STATUS_FAILED
    assert script["error"]["message"].startswith(describe_exit(code, sig))
    assert script["error"]["phase"] == "run" and script["error"]["kind"] == "crash"
    assert _measured(script) == 1  # the first block; the second died with its runner
    for name in ("eager", "trace"):
        assert session["variants"][name]["status"] == S.STATUS_OK and _measured(session["variants"][name]) == 6
    _no_runner_left(qtbot)


def test_a_runner_that_reports_an_error_keeps_what_it_measured(qtbot, fake_runner):
    controller = RunController(RunnerPool(fake_runner("--fault", "eager:block3:error")))
    session = _run(qtbot, controller, _settings())
    eager = session["variants"]["eager"]
    assert eager["status"] == S.STATUS_FAILED and "scripted error" in eager["error"]["message"]
    assert _measured(eager) == 2
    assert session["variants"]["script"]["status"] == S.STATUS_OK
    _no_runner_left(qtbot)


def test_a_malformed_line_fails_its_variant_and_its_runner_is_stopped(qtbot, fake_runner):
    controller = RunController(RunnerPool(fake_runner("--fault", "script:block1:garbage")))
    exits = []
    session = controller.start(_settings())
    # connected before the event loop runs again: the runner cannot have ended yet
    controller._runners["script"].sig_exited.connect(lambda runner, code, sig, tail: exits.append((code, sig)))
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_MS):
        pass
    script = session["variants"]["script"]
    assert script["status"] == S.STATUS_FAILED and script["error"]["kind"] == "protocol"
    assert script["error"]["message"] == f"{MALFORMED}: not a protocol message: {GARBAGE!r}"
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    qtbot.waitUntil(lambda: bool(exits), timeout=PROCESS_EXIT_MS)
    assert exits == [(0, None)]  # stopped politely (SIGTERM mid-block), not killed
    _no_runner_left(qtbot)


def test_stop_keeps_what_was_measured(qtbot, fake_runner):
    controller = RunController(RunnerPool(fake_runner("--ms", "eager=4", "--sleep")))
    arrived = []
    controller.sig_event.connect(lambda event, variant, payload: arrived.append(1) if event == "iters" else None)
    with qtbot.waitSignal(controller.sig_finished, timeout=RUN_MS):
        session = controller.start(_settings("eager", iters=100_000))
        qtbot.waitUntil(lambda: len(arrived) >= 3, timeout=RUN_MS)  # the warm-up and a first block
        controller.stop()
    eager = session["variants"]["eager"]
    assert eager["status"] == S.STATUS_STOPPED and 0 < _measured(eager) < 100_000
    assert session["settings"]["stopped"]
    _no_runner_left(qtbot)


def test_a_runner_past_its_time_limit_times_out_while_the_other_finishes(qtbot, fake_runner):
    controller = RunController(RunnerPool(fake_runner("--fault", "script:build:hang")))
    session = _run(qtbot, controller, _settings(timeout=0.3))
    script = session["variants"]["script"]
    assert script["status"] == S.STATUS_TIMEOUT and script["error"]["phase"] == "build"
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    _no_runner_left(qtbot)
