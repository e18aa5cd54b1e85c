"""The RunnerLink both front ends read runners through: lines, bounds, garbage."""

from __future__ import annotations

import time

from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.core.settings import make_settings
from jitlab.host.link import MAX_STDERR_LINE, STDERR_TAIL_LINES, Lines, RunnerLink


def test_lines_arrive_whole_whatever_the_chunks():
    lines = Lines(100, split=True)
    got = []
    for chunk in (b"ab", b"c\nde", b"f\n\n", b"g"):
        got += list(lines.feed(chunk))
    assert got == [b"abc", b"def"] and lines.rest() == b"g"


def test_stderr_without_newlines_costs_linear_time_and_bounded_memory():
    link = RunnerLink()
    chunk = b"x" * (1 << 16)
    t0 = time.perf_counter()
    for _ in range(1600):  # 100 MiB, no newline
        link.feed_stderr(chunk)
    assert time.perf_counter() - t0 < 10
    tail = link.stderr_tail().split("\n")
    assert len(tail) == STDERR_TAIL_LINES and all(len(line) == MAX_STDERR_LINE for line in tail)


def test_start_up_noise_is_kept_with_stderr_and_later_garbage_is_reported_once():
    link = RunnerLink()
    events = link.feed_stdout(b"welcome\n" + b'{"t":"ready","pid":1}\n' + b"junk\n" + b'{"t":"status"}\n')
    assert [k for k, _ in events] == ["message", "garbage"]
    assert "welcome" in link.stderr_tail()
    assert link.feed_stdout(b'{"t":"status"}\n') == []


def test_an_abandoned_run_keeps_no_variant_running():
    session = S.new_session(make_settings(file="x.py", variants="eager,script", iters=5))
    c = Conductor(session)
    c.start()
    c.on_message("eager", {"t": "loaded", "target": "default"})
    c.on_message("eager", {"t": "iters", "i0": 0, "fwd": [1.0], "bwd": [None], "warmup": False, "round": 1})
    c.abandon("the app was closed")
    statuses = {n: v["status"] for n, v in session["variants"].items()}
    assert statuses == {"eager": "stopped", "script": "failed"} and c.finished
