"""Where the time goes: CPU time beside wall time, a busy machine said out loud,
sampled blocks, and a kernel table that agrees with the measured step.

Real runner processes throughout; the competing load is real processes
spinning on the runner's cores.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import statistics
import time

import pytest

from jitlab.core.present import breakdown
from jitlab.core import protocol as P
from jitlab.core.session import store as S
from jitlab.core.run.conductor import SAMPLED_ROUNDS, Conductor, device_rows
from jitlab.core.settings import make_settings
from tests.conftest import DATA, EXAMPLES

linux_only = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs Linux scheduling facts")


def _cpu_share(session: dict, variant: str) -> float:
    its = [it for it in session["variants"][variant]["iterations"] if not it["warmup"]]
    return statistics.median(it["cpu_ms"] / (it["fwd_ms"] + (it["bwd_ms"] or 0.0)) for it in its)


def test_cpu_time_beside_wall_time_tells_a_sleeping_step_from_a_computing_one(jitlab_run):
    sleeps = jitlab_run(DATA / "sleeps.py", "--device", "cpu", "--variants", "eager", "--threads", "1",
                        "--no-introspect", iters=12)
    assert sleeps.rc == 0, sleeps.err
    assert _cpu_share(sleeps.session, "eager") < 0.1  # 20 ms asleep per step, microseconds of CPU
    rel = sleeps.session["variants"]["eager"]["reliability"]
    assert rel["on_cpu_share"] < 0.1
    computes = jitlab_run(DATA / "computes.py", "--device", "cpu", "--variants", "eager", "--threads", "1",
                          "--no-introspect", iters=20)
    assert computes.rc == 0, computes.err
    assert _cpu_share(computes.session, "eager") > 0.6
    if not sleeps.session["reliability"]["unreliable"]:
        # Waiting is not being preempted: no busy-machine warning, a note that says what it is.
        assert any(w.startswith(breakdown.NOTE_PREFIX) and "eager" in w for w in sleeps.session["warnings"])


def _spin(core: int, stop_at: float) -> None:
    os.sched_setaffinity(0, {core})
    x = 0
    while time.time() < stop_at:
        x += 1


@linux_only
def test_a_busy_machine_is_said_out_loud_and_its_speedups_marked(jitlab_run, tmp_path):
    cores = sorted(os.sched_getaffinity(0))
    ctx = mp.get_context("spawn")
    spinners = [ctx.Process(target=_spin, args=(c, time.time() + 120), daemon=True) for c in cores for _ in range(2)]
    for p in spinners:
        p.start()
    try:
        time.sleep(0.5)
        r = jitlab_run(EXAMPLES / "gated.py", "--device", "cpu", "--variants", "eager,script", "--no-introspect",
                       iters=120)
    finally:
        for p in spinners:
            p.terminate()
        for p in spinners:
            p.join(5)
    assert r.rc == 0, r.err
    s = r.session
    # the session: a verdict, the causes, the fix, and the marked speedup
    assert s["reliability"]["unreliable"] and s["reliability"]["fix"]
    assert any(w.startswith(breakdown.WARNING_PREFIX) for w in s["warnings"])
    assert s["variants"]["script"]["speedup_unreliable"] is True
    causes = " ".join(s["reliability"]["causes"])
    assert "waited for a CPU" in causes or "other processes" in causes
    # the terminal: said before the table, and the speedup marked instead of a narrow CI
    lines = r.out.splitlines()
    warn = next(i for i, ln in enumerate(lines) if ln.startswith("WARNING: busy machine:"))
    table = next(i for i, ln in enumerate(lines) if ln.startswith("variant  status"))
    assert warn < table
    row = next(ln for ln in lines if ln.startswith("script "))
    assert "(unreliable: busy machine)" in row and "[" not in row.split("x", 1)[1].split("(")[0]
    assert "Fix:" in lines[warn]
    # the app: the same session shows the warning (tests/gui/live/test_time_breakdown.py has the widgets)
    pytest.importorskip("PySide6")
    from jitlab.core.present.time_breakdown import busy_machine_text

    text = busy_machine_text(s)
    assert text.startswith("Busy machine:") and "Fix:" in text


def _driven(variants=("eager", "script"), **kw):
    settings = make_settings(file="/x/m.py", device="cpu", variants=list(variants), iters=4, **kw)
    return Conductor(S.new_session(settings), rng=random.Random(3))


def _to_built(c):
    cmds = c.start()
    for v in c.order:
        cmds = c.on_message(v, {"t": "loaded", "env": {}, "notes": []})
    while cmds and cmds[-1][1]["cmd"] == "build":
        v = cmds[-1][0]
        cmds = c.on_message(v, {"t": "built", "build_ms": 1.0, "first_call_ms": 2.0, "est_iter_ms": 10.0})
    return cmds


def _sampled(n, round_):
    return {"t": "sampled", "round": round_, "n": n, "unit": "cpu_ops", "fwd_busy": [1.0] * n,
            "bwd_busy": [2.0] * n, "fwd_launches": [3] * n, "bwd_launches": [4] * n}


def test_sampled_rounds_follow_every_timed_block():
    c = _driven()
    cmds = _to_built(c)
    kinds = []
    while cmds:
        v, cmd = cmds[-1]
        kinds.append(cmd["cmd"])
        if cmd["cmd"] == "run":
            c.on_message(v, {"t": "iters", "i0": 0, "fwd": [1.0] * cmd["n"], "bwd": [1.0] * cmd["n"],
                             "warmup": False, "round": cmd["round"]})
            cmds = c.on_message(v, {"t": "block", "round": cmd["round"], "n": cmd["n"]})
        elif cmd["cmd"] == "sample":
            assert cmd["n"] == 2  # 20 ms of 10 ms iterations
            cmds = c.on_message(v, _sampled(cmd["n"], cmd["round"]))
        else:
            break
    assert kinds.index("sample") > max(i for i, k in enumerate(kinds) if k == "run")
    assert kinds.count("sample") == 2 * SAMPLED_ROUNDS
    rows = c.session["variants"]["script"]["device_samples"]
    assert len(rows) == 2 * SAMPLED_ROUNDS and {r["round"] for r in rows} == set(range(1, SAMPLED_ROUNDS + 1))
    S.finalize(c.session)
    d = c.session["variants"]["script"]["device"]
    assert d["total"]["median"] == 3.0 and d["launches"]["total"] == 7
    assert c.session["variants"]["script"]["speedup_device"]["estimate"] == pytest.approx(1.0)


def test_a_variant_the_profiler_cannot_sample_keeps_its_timings_and_says_why():
    c = _driven(variants=("eager",))
    cmds = _to_built(c)
    while cmds and cmds[-1][1]["cmd"] == "run":
        v, cmd = cmds[-1]
        c.on_message(v, {"t": "iters", "i0": 0, "fwd": [1.0] * cmd["n"], "bwd": [1.0] * cmd["n"],
                         "warmup": False, "round": cmd["round"]})
        cmds = c.on_message(v, {"t": "block", "round": cmd["round"], "n": cmd["n"]})
    assert cmds[-1][1]["cmd"] == "sample"
    cmds = c.on_message("eager", {"t": "sampled", "round": 1, "n": 2, "unavailable": "no CUPTI here"})
    assert cmds[-1][1]["cmd"] == "introspect"  # no second attempt
    assert any("no device time" in n and "no CUPTI here" in n for n in c.session["variants"]["eager"]["notes"])


@pytest.mark.parametrize("bad", [
    {"n": 2, "fwd_busy": [1.0], "bwd_busy": [1.0, 1.0], "fwd_launches": [1, 1], "bwd_launches": [1, 1]},
    {"n": 1, "fwd_busy": ["x"], "bwd_busy": [1.0], "fwd_launches": [1], "bwd_launches": [1]},
    {"n": 1, "fwd_busy": [-1.0], "bwd_busy": [1.0], "fwd_launches": [1], "bwd_launches": [1]},
    {"n": 0},
])
def test_a_malformed_sampled_message_is_refused(bad):
    with pytest.raises(P.ProtocolError):
        device_rows({"t": "sampled", **bad})


def test_verdicts_name_the_bound():
    assert breakdown.verdict(0.25, "device")["text"] == "launch-bound: the GPU is busy 25% of the step"
    assert breakdown.verdict(0.6, "device")["kind"] == "partly launch-bound"
    assert breakdown.verdict(0.92, "device")["kind"] == "device-bound"
    assert breakdown.verdict(0.3, "cpu_ops")["kind"] == "overhead-bound"


def test_a_real_cpu_run_has_its_breakdown(jitlab_run):
    r = jitlab_run(EXAMPLES / "gated.py", "--device", "cpu", "--variants", "eager,trace", "--no-introspect", iters=30)
    assert r.rc == 0, r.err
    for name in ("eager", "trace"):
        d = r.session["variants"][name]["device"]
        assert d["unit"] == "cpu_ops" and d["iterations"] >= SAMPLED_ROUNDS
        assert 0 < d["busy_share"] <= 1 and d["verdict"]["text"].startswith(("overhead", "partly", "op-bound"))
        assert d["launches"]["total"] >= 1
    assert r.session["variants"]["trace"]["speedup_device"]["ci"]
    assert "where the time goes: time inside operators" in r.out


def test_no_device_time_runs_no_sampled_block(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--device", "cpu", "--variants", "eager", "--no-device-time",
                   "--no-introspect", iters=10)
    assert r.rc == 0 and r.session["variants"]["eager"]["device_samples"] == []
    assert "where the time goes" not in r.out


@pytest.mark.slow
@pytest.mark.parametrize("example", ["conv2d", "lstm", "gated"])
def test_the_kernel_table_agrees_with_the_measured_step(jitlab_run, example):
    # One thread: on a two-core machine an intra-op thread that waits for a core stretches the
    # profiled ops far more than the timed steps (the busy-machine test covers that case).
    r = jitlab_run(EXAMPLES / f"{example}.py", "--device", "cpu", "--variants", "eager,script,trace",
                   "--no-device-time", "--threads", "1", iters=30)
    assert r.rc == 0, r.err
    # A busy machine is no excuse: the profiler's measured cost is taken out of the rows, and a machine that
    # slowed down after the timed rounds is caught by the unprofiled steps beside the profile.
    for name, v in r.session["variants"].items():
        k, wall = v["kernels"], v["stats"]["total"]["median"]
        assert k["iterations"] >= 2 and k["profiled_iterations"] >= 5
        per_iter_ms = k["totals"]["device_time_us"] / 1000.0
        assert k["check"]["ratio"] == pytest.approx(per_iter_ms / wall)
        assert "CPU time per iteration" in k["what"]
        if per_iter_ms > 1.5 * wall:
            # Only where the machine itself had slowed down by the time of the profile (measured by the
            # unprofiled steps just before it), and the table says so; against those steps it holds.
            check = k["check"]
            assert check["exceeds"] and "the machine was slower while profiling" in check["text"], (name, check)
            assert check["unprofiled_ratio"] <= 1.5, (name, check)


def _calls(totals: list[float]) -> tuple[list, list]:
    """One op call per iteration with the given totals (us), in windows 100 us apart."""
    windows = [(1000.0 * i, 1000.0 * i + 900.0) for i in range(len(totals))]
    return [(a + 1.0, "aten::mm", "fwd", us) for (a, _b), us in zip(windows, totals)], windows


def test_the_kernel_table_leaves_out_the_warm_up_and_the_disturbed_iterations():
    from jitlab.runner.introspect import kernels as K

    calls, windows = _calls([400.0, 310.0, 100.0, 104.0, 250.0, 98.0, 101.0, 180.0, 99.0, 103.0])
    steady = K.steady_iterations(calls, windows, skip=2)
    assert steady == {2, 3, 5, 6, 8, 9}  # not the first two, not 250 or 180 (over 1.25x the fastest quarter)
    rows = K.rows_of(calls, windows, steady)
    assert rows[("aten::mm", "fwd")] == [6, 605.0]
    # Too few iterations to tell a disturbed one: every one after the warm-up counts.
    assert K.steady_iterations(*_calls([5.0, 50.0, 500.0]), skip=2) == {2}


def test_a_kernel_table_over_the_step_says_which_measured_cause_stretched_it():
    v = {"stats": {"total": {"median": 1.0}},
         "kernels": {"unit": "top-level CPU op", "iterations": 8, "totals": {"device_time_us": 1900.0},
                     "unprofiled_step_ms": 1.6, "profiler_ms": 0.45, "recorded_events": 1500,
                     "dropped_iterations": 3}}
    check = breakdown.kernel_table_check(v)
    assert check["exceeds"] and check["ratio"] == pytest.approx(1.9)
    assert check["unprofiled_ratio"] == pytest.approx(1.9 / 1.6)
    assert "unprofiled steps timed just before the profile took 1.6 ms, 1.60x the timed median" in check["text"]
    assert "it added 0.45 ms to each iteration (1500 recorded events, about 0.3 us each)" in check["text"]
    assert "3 slower profiled iteration(s) were already left out" in check["text"]
    v["kernels"]["profiler_us_per_event"] = 0.3  # rows already compensated: the profiler is not blamed again
    assert "the profiler's own cost (0.45 ms per iteration) is already taken out" in breakdown.kernel_table_check(v)["text"]
    v["kernels"]["unprofiled_step_ms"] = 1.05  # the machine as fast as in the timed rounds: not blamed
    assert "machine was slower" not in breakdown.kernel_table_check(v)["text"]
    v["kernels"]["totals"]["device_time_us"] = 1200.0
    quiet = breakdown.kernel_table_check(v)
    assert not quiet["exceeds"] and "slower" not in quiet["text"]
