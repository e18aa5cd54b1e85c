"""The conductor on its own: protocol messages in, commands out."""

from __future__ import annotations

import random

from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.core.settings import make_settings


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def _conductor(**kw):
    kw.setdefault("device_time", False)  # sampled blocks have tests of their own (test_sampled_blocks.py)
    settings = make_settings(file="/x/m.py", device="cuda", iters=4, **kw)
    clock = Clock()
    c = Conductor(S.new_session(settings), clock=clock, rng=random.Random(1))
    return c, clock


def _load_all(c):
    cmds = c.start()
    assert [cmd["cmd"] for _, cmd in cmds] == ["load"] * 3
    out = []
    for v in c.order:
        out += c.on_message(v, {"t": "loaded", "env": {}, "notes": []})
    return out


def _built(mib_peak, mib_free):
    return {"t": "built", "build_ms": 1.0, "first_call_ms": 2.0, "est_iter_ms": 1.0, "check": None,
            "peak_memory_bytes": mib_peak << 20, "device_free_bytes": mib_free << 20}


def test_builds_one_at_a_time_then_rounds():
    c, _ = _conductor()
    cmds = _load_all(c)
    assert cmds == [("eager", {"cmd": "build"})]
    cmds = c.on_message("eager", _built(100, 10_000))
    assert cmds == [("script", {"cmd": "build"})]
    c.on_message("script", _built(100, 10_000))
    cmds = c.on_message("trace", _built(100, 10_000))
    assert len(cmds) == 1 and cmds[0][1]["cmd"] == "run" and cmds[0][1]["round"] == 1
    assert c.session["schedule"]["kind"] == "interleaved"


def test_falls_back_to_sequential_when_memory_is_short():
    c, _ = _conductor()
    _load_all(c)
    # eager peaks at 4 GiB and 6 GiB are free: two more copies will not fit.
    cmds = c.on_message("eager", _built(4096, 6144))
    assert c.session["schedule"]["kind"] == "sequential"
    assert "cannot all stay resident" in c.session["schedule"]["notes"][0]
    # Sequential: eager is measured to the end before script is built.
    assert cmds[0][0] == "eager" and cmds[0][1]["cmd"] == "run"
    cmds = c.on_message("eager", {"t": "iters", "i0": 3, "fwd": [1.0] * 4, "bwd": [1.0] * 4, "warmup": False,
                                  "round": 1})
    cmds = c.on_message("eager", {"t": "block", "round": 1, "n": 4})
    assert cmds == [("eager", {"cmd": "introspect"})]


def test_timeout_counts_only_a_variants_own_work():
    c, clock = _conductor(timeout=5.0)
    _load_all(c)
    clock.t = 4.0
    c.on_message("eager", _built(1, 10_000))  # eager worked 4 s (loading + build)
    clock.t = 9.5  # script has been building since t=4; its idle wait does not count
    assert c.check_timeouts() == ["script"]
    assert c.session["variants"]["script"]["status"] == "timeout"
    assert c.check_timeouts() == []


def test_exit_without_goodbye_is_a_failure_and_others_go_on():
    c, _ = _conductor()
    _load_all(c)
    cmds = c.on_exit("eager", None, 11, "Segmentation fault")
    v = c.session["variants"]["eager"]
    assert v["status"] == "failed" and v["error"]["message"].startswith("runner exited with signal 11 (SIGSEGV)")
    assert "Segmentation fault" in v["error"]["message"]
    assert cmds == [("script", {"cmd": "build"})]


def test_stop_keeps_measured_iterations():
    c, _ = _conductor()
    _load_all(c)
    for v in c.order:
        c.on_message(v, _built(1, 10_000))
    c.on_message("eager", {"t": "iters", "i0": 3, "fwd": [1.0, 1.1], "bwd": [None, None], "warmup": False,
                           "round": 1})
    to_kill = c.stop()
    assert set(to_kill) == {"eager", "script", "trace"}
    for v in to_kill:
        c.on_exit(v, None, 9)
    assert c.finished
    assert c.session["variants"]["eager"]["status"] == "stopped"
    assert len(c.session["variants"]["eager"]["iterations"]) == 2
    assert c.session["variants"]["script"]["status"] == "failed"
    assert c.session["settings"]["stopped"] is True


def test_fatal_error_is_reported_once():
    c, _ = _conductor()
    c.start()
    for v in c.order:
        c.on_message(v, {"t": "error", "phase": "load", "kind": "input", "fatal": True, "message": "bad file"})
    assert c.fatal_error["message"] == "bad file"
    assert all(v["status"] == "failed" for v in c.session["variants"].values())
