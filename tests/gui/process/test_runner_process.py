"""One runner behind a ``QProcess`` (:class:`jitlab.gui.process.runner_process.QtRunnerProcess`) over fake
runners: what it holds until an owner adopts it, a malformed line, and an interpreter that is not there."""

from __future__ import annotations

from jitlab.gui.process.runner_process import QtRunnerProcess, live_processes
from tests.gui.conftest import PROCESS_EXIT_MS
from tests.host.fake_runner import GARBAGE

#: A fake runner answers within a few tens of milliseconds; this leaves room for a busy machine.
READY_MS = 10_000


def _record(runner: QtRunnerProcess) -> list[tuple]:
    """Connect to every signal of ``runner``; returns the list its events are appended to."""
    events: list[tuple] = []
    runner.sig_message.connect(lambda r, msg: events.append(("message", msg["t"])))
    runner.sig_garbage.connect(lambda r, text: events.append(("garbage", text)))
    runner.sig_exited.connect(lambda r, code, sig, tail: events.append(("exited", code, sig)))
    return events


def test_what_arrives_before_an_owner_adopts_the_runner_is_replayed_to_it(qtbot, fake_runner):
    runner = QtRunnerProcess(fake_runner("--fault", "*:start:exit=5"))
    events = _record(runner)
    runner.start()
    qtbot.waitUntil(lambda: not runner.is_running(), timeout=READY_MS)
    assert events == []  # held: nobody owns the runner yet
    held = runner.adopt()
    assert [(kind, args[:2]) for kind, args in held] == [("exited", (5, None))]
    qtbot.waitUntil(lambda: not live_processes(), timeout=PROCESS_EXIT_MS)


def test_a_malformed_line_is_reported_once_and_the_runner_stopped(qtbot, fake_runner):
    runner = QtRunnerProcess(fake_runner("--fault", "*:block1:garbage"))
    events = _record(runner)
    runner.adopt()
    runner.start()
    qtbot.waitUntil(lambda: runner.is_ready, timeout=READY_MS)
    for cmd in ({"cmd": "load", "variant": "eager", "warmup": 1}, {"cmd": "build"}, {"cmd": "run", "n": 3, "round": 1}):
        runner.send(cmd)
    qtbot.waitUntil(lambda: not runner.is_running(), timeout=PROCESS_EXIT_MS)
    assert events[:4] == [("message", "ready"), ("message", "loaded"), ("message", "iters"), ("message", "built")]
    assert events[4] == ("garbage", f"not a protocol message: {GARBAGE!r}")
    # stopped with SIGTERM mid-block: nothing it sent after the garbage is decoded, and it exits itself
    assert events[5:] == [("exited", 0, None)] and not runner.killed


def test_an_interpreter_that_does_not_exist_is_an_exit_that_says_so(qtbot, tmp_path):
    runner = QtRunnerProcess(str(tmp_path / "no-python"))
    exits = []
    runner.sig_exited.connect(lambda r, code, sig, tail: exits.append((code, sig, tail)))
    runner.adopt()
    runner.start()
    qtbot.waitUntil(lambda: bool(exits), timeout=PROCESS_EXIT_MS)
    (code, sig, tail), = exits
    assert code == 127 and sig is None and "no-python" in tail
    assert not runner.is_running() and not live_processes()
