"""A runner writes nothing to its pipe while a timed block runs.

Each write wakes the parent, which then competes with the runner for the CPU;
on a two-core machine the next, timed, iteration ran up to 50% slower.
"""

import json
import time

from jitlab.core import protocol as P
from jitlab.core.settings import make_settings
from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.host.driver import start_runner, kill

from tests.conftest import DATA


def _arrivals(popen, until: str, timeout: float = 120.0) -> list[tuple[float, dict]]:
    out = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = popen.stdout.readline()
        if not line:
            break
        msg = json.loads(line)
        out.append((time.monotonic(), msg))
        assert msg["t"] != P.ERROR, msg
        if msg["t"] == until:
            return out
    raise AssertionError(f"no {until!r} message; got {[m['t'] for _, m in out]}")


def _built_runner(iters: int):
    """A runner of ``sleepy.py``'s eager variant, loaded, built and warmed up."""
    settings = make_settings(file=str(DATA / "sleepy.py"), device="cpu", variants="eager", warmup=2, iters=iters)
    load = Conductor(S.new_session(settings)).load_command("eager")
    popen = start_runner()
    try:
        popen.stdin.write(P.encode(load) + P.encode({"cmd": P.CMD_BUILD}))
        popen.stdin.flush()
        _arrivals(popen, P.BUILT)
    except BaseException:
        kill(popen)
        raise
    return popen


def test_a_timed_block_is_sent_when_it_ends():
    popen = _built_runner(iters=8)
    try:
        sent = time.monotonic()
        popen.stdin.write(P.encode({"cmd": P.CMD_RUN, "n": 8, "round": 1, "resume": 2}))
        popen.stdin.flush()
        got = _arrivals(popen, P.BLOCK)
    finally:
        kill(popen)
    iters = [(t, m) for t, m in got if m["t"] == P.ITERS]
    block_ms = got[-1][1]["elapsed_ms"]
    assert block_ms > 8 * 25 * 0.9  # the block really took ~250 ms of sleeping forward passes
    assert sum(len(m["fwd"]) for _, m in iters) == 10  # 2 resume + 8 measured, all sent
    first = iters[0][0] - sent
    assert first * 1000 > 0.8 * block_ms, f"iterations arrived {first * 1000:.0f} ms into a {block_ms:.0f} ms block"


def test_sigterm_mid_block_sends_what_was_measured_and_exits():
    import signal

    popen = _built_runner(iters=40)
    try:
        popen.stdin.write(P.encode({"cmd": P.CMD_RUN, "n": 40, "round": 1}))  # ~1 s of 25 ms iterations
        popen.stdin.flush()
        time.sleep(0.3)
        popen.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in popen.stdout.read().splitlines() if line.strip()]
        code = popen.wait(timeout=10)
    finally:
        kill(popen)
    measured = [x for m in rest if m["t"] == P.ITERS and not m["warmup"] for x in m["fwd"]]
    assert code == 0
    assert 4 <= len(measured) < 40  # the block ended early, and what it measured arrived
    assert all(m["t"] != P.BLOCK for m in rest)  # no claim that the whole block ran


def test_a_step_that_raises_mid_block_keeps_the_iterations_before_it(jitlab_run):
    r = jitlab_run(DATA / "raises_later.py", "--variants", "eager", "--block", "30", "--device", "cpu", iters=100)
    rec = r.session["variants"]["eager"]
    calls_before_timing = sum(1 for it in rec["iterations"] if it["warmup"])
    measured = [it for it in rec["iterations"] if not it["warmup"]]
    assert rec["status"] == "failed" and "call 50 went wrong" in rec["error"]["message"]
    assert len(measured) == 49 - calls_before_timing  # every call before the failing one, not only whole blocks
    assert len(measured) % 30 != 0
