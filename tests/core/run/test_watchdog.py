"""A runner that hangs is reported by the no-progress watchdog, with where it was and its Python stack
(the watchdog and the conductor on an injected clock; ``tests/cli/test_hangs.py`` hangs real runners)."""

from __future__ import annotations

import random

from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.core.settings import make_settings
from jitlab.core.run.watchdog import Watchdog, parse_stack, state_text


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_the_watchdog_asks_for_the_stack_then_reports_phase_iteration_and_line():
    settings = make_settings(file="/x/m.py", device="cpu", variants="eager,script", iters=4, stall_timeout=30)
    clock = Clock()
    c = Conductor(S.new_session(settings), clock=clock, rng=random.Random(1))
    dog = Watchdog(c)
    c.start()
    for v in c.order:
        c.on_message(v, {"t": "loaded", "env": {}, "notes": []})
    assert c.state == {"eager": "building", "script": "loaded"}
    c.on_message("eager", {"t": "status", "phase": "warmup", "text": "first call", "i": 1, "n": 5})
    clock.t = 29.0
    assert dog.check() == ([], [])
    assert "silent for 29 s" in state_text(c, "eager") and state_text(c, "script") == "loaded, waiting to build"
    clock.t = 31.0
    assert dog.check() == (["eager"], [])  # waiting runners are not hung: only the one at work
    assert "no progress for 31 s: hung" in state_text(c, "eager")
    clock.t = 31.2
    assert dog.check() == ([], [])
    clock.t = 31.6
    assert dog.check() == ([], ["eager"])
    stack = ('Current thread 0x00007f (most recent call first):\n'
             '  File "/usr/lib/python3/time.py", line 3 in helper\n'
             '  File "/x/m.py", line 12 in forward\n'
             'Thread 0x00008a (most recent call first):\n  File "/x/other.py", line 1 in run\n')
    dog.report("eager", stack)
    err = c.session["variants"]["eager"]["error"]
    assert c.session["variants"]["eager"]["status"] == S.STATUS_TIMEOUT
    assert err["kind"] == "hang" and err["location"] == {"file": "/x/m.py", "line": 12}
    assert "no progress for 32 s in warm-up iteration 1 of 5 (first call)" in err["message"]
    assert "/x/m.py, line 12" in err["message"] and "line 12 in forward" in err["traceback"]
    assert parse_stack(stack) == [("/usr/lib/python3/time.py", 3, "helper"), ("/x/m.py", 12, "forward")]


def test_a_runner_that_speaks_again_is_forgiven_and_compile_may_compile_longer():
    settings = make_settings(file="/x/m.py", device="cpu", variants="compile", iters=4, stall_timeout=10)
    clock = Clock()
    c = Conductor(S.new_session(settings), clock=clock, rng=random.Random(1))
    dog = Watchdog(c)
    c.start()
    c.on_message("compile", {"t": "loaded", "env": {}, "notes": []})
    clock.t = 40.0
    assert dog.check() == ([], [])  # compile's first call compiles: five times the limit
    clock.t = 51.0
    assert dog.check() == (["compile"], [])
    c.on_message("compile", {"t": "status", "phase": "warmup", "i": 2, "n": 5})
    clock.t = 52.0
    assert dog.check() == ([], [])
    assert dog.signalled == {}
