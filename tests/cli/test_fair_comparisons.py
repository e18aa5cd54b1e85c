"""Interleaved rounds, confidence intervals, drift detection and samples."""

from __future__ import annotations

import pytest

from jitlab.core import stats
from tests.conftest import DATA, EXAMPLES

SLOW = DATA / "slowdown.py"


def _measured(v):
    return [it for it in v["iterations"] if not it["warmup"]]


def test_rounds_interleave_in_shuffled_order(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--block", "2", iters=24)
    assert r.rc == 0
    sched = r.session["schedule"]
    assert sched["kind"] == "interleaved" and sched["block"] == 2
    rounds = sched["rounds"]
    assert len(rounds) == 12
    assert all(sorted(order) == ["eager", "script", "trace"] for order in rounds)
    assert len({tuple(o) for o in rounds}) > 1, "every round ran in the same order"
    for name, v in r.session["variants"].items():
        its = _measured(v)
        assert len(its) == 24
        assert sorted({it["round"] for it in its}) == list(range(1, 13))
        assert all(sum(1 for it in its if it["round"] == k) == 2 for k in range(1, 13))
    # Warm-up iterations are kept, flagged and left out of the statistics.
    eager = r.session["variants"]["eager"]
    assert sum(it["warmup"] for it in eager["iterations"]) >= 5
    assert eager["stats"]["total"]["n"] == 24


def test_samples_recorded_each_block(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--block", "3", iters=9)
    samples = r.session["samples"]
    assert len(samples) == 3 * 3
    assert {s["variant"] for s in samples} == {"eager", "script", "trace"}
    assert all("cpu_load_pct" in s and "round" in s for s in samples)


def test_ci_narrows_with_more_rounds(jitlab_run, tmp_path):
    # Each sleep stretched by up to 50%: a spread of the module's own, larger than a busy host's
    # (without it, 5 quiet rounds once gave a narrower CI than 100 rounds on a loaded machine).
    env = {"SLOWDOWN_RAMP": "0", "SLOWDOWN_JITTER": "0.5"}

    def width(iters, tmp):
        r = jitlab_run(SLOW, "--variants", "eager,script", "--mode", "infer", "--block", "2",
                       env={**env, "SLOWDOWN_STAMP": str(tmp)}, iters=iters)
        v = r.session["variants"]["script"]
        assert v["speedup_method"] == "paired_rounds"
        lo, hi = v["speedup_ci"]
        assert lo <= v["speedup_vs_eager"] <= hi
        return hi - lo, v["speedup_vs_eager"]

    w_few, sp_few = width(10, tmp_path / "few")
    w_many, sp_many = width(200, tmp_path / "many")
    assert w_many < w_few
    assert 1.6 < sp_many < 2.2


def test_slowdown_skews_sequential_but_not_interleaved(jitlab_run, tmp_path):
    args = ("--variants", "eager,script", "--mode", "infer", "--block", "2")
    truth = jitlab_run(SLOW, *args, env={"SLOWDOWN_RAMP": "0", "SLOWDOWN_STAMP": str(tmp_path / "a")}, iters=40)
    true_ratio = truth.session["variants"]["script"]["speedup_vs_eager"]
    true_lo, true_hi = truth.session["variants"]["script"]["speedup_ci"]
    slowed = {"SLOWDOWN_RAMP": "0.6"}
    inter = jitlab_run(SLOW, *args, env={**slowed, "SLOWDOWN_STAMP": str(tmp_path / "b")}, iters=40)
    seq = jitlab_run(SLOW, *args, "--schedule", "sequential",
                     env={**slowed, "SLOWDOWN_STAMP": str(tmp_path / "c")}, iters=40)

    iv = inter.session["variants"]["script"]
    lo, hi = iv["speedup_ci"]
    # The interleaved estimate survives the slowdown: its CI meets the unslowed run's (3% slack for sleep
    # jitter; the unslowed run's own point once fell 3.2% below the other's CI on a loaded machine).
    assert lo * 0.97 <= true_hi and true_lo <= hi * 1.03, ((true_lo, true_hi), iv["speedup_ci"])
    # The sequential one measured eager early (fast) and script late (slow).
    sv = seq.session["variants"]["script"]
    assert seq.session["schedule"]["kind"] == "sequential"
    assert sv["speedup_method"] == "ratio_of_medians"
    assert sv["speedup_vs_eager"] < 0.8 * true_ratio
    assert not (sv["speedup_ci"][0] <= true_ratio <= sv["speedup_ci"][1])
    # Both slowed runs carry a drift warning naming its size; the clean run none.
    for run in (inter, seq):
        assert any("timings drifted by +" in w for w in run.session["warnings"]), run.session["warnings"]
        assert "drifted" in run.out
    assert not any("drifted" in w for w in truth.session["warnings"])


def test_precision_target_stops_early(jitlab_run, tmp_path):
    r = jitlab_run(SLOW, "--variants", "eager,script", "--mode", "infer", "--block", "2", "--precision", "0.25",
                   env={"SLOWDOWN_RAMP": "0", "SLOWDOWN_STAMP": str(tmp_path / "s")}, iters=400)
    assert r.rc == 0
    v = r.session["variants"]["script"]
    assert stats.relative_half_width({"estimate": v["speedup_vs_eager"], "ci": v["speedup_ci"]}) <= 0.25
    assert len(r.session["schedule"]["rounds"]) < 200
    assert any("stopped early" in n for n in r.session["schedule"]["notes"])


def test_time_budget_stops_measuring(jitlab_run, tmp_path):
    r = jitlab_run(SLOW, "--variants", "eager,script", "--mode", "infer", "--block", "2", "--budget", "1",
                   env={"SLOWDOWN_RAMP": "0", "SLOWDOWN_STAMP": str(tmp_path / "s")}, iters=5000)
    assert r.rc == 0
    n = r.session["variants"]["eager"]["stats"]["total"]["n"]
    assert 2 <= n < 400
    assert any("time budget" in note for note in r.session["schedule"]["notes"])
