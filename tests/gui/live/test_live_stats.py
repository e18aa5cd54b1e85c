"""The speedups the table shows while a run goes (:mod:`jitlab.gui.live.live_stats`): the final session's,
from the same iterations, with warm-up and recompiled iterations left out as the session leaves them out."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from jitlab.core.session import store as S
from jitlab.core.settings import make_settings
from jitlab.gui.live.live_stats import PERIOD_MS, LiveStats, live_speedups
from jitlab.core.session.iterations import IterationStore as VariantSeries
from tests.conftest import RECORDED

#: Per-iteration time of each variant, relative to eager's.
SCALES = {"eager": 1.0, "script": 0.6, "trace": 0.8}
ROUNDS, BLOCK, RESUME, WARMUP = 12, 4, 2, 3


def _session(schedule: str, seed: int = 0) -> dict:
    """A finished session of synthetic iterations: each round slower than the last (a drift the paired
    ratios cancel), slow warm-ups, and script's measured iterations 10 and 30 slowed by a recompile."""
    rng = np.random.default_rng(seed)
    session = S.new_session(make_settings(file="/x/m.py", variants=",".join(SCALES), iters=ROUNDS * BLOCK,
                                          schedule=schedule))
    for name, scale in SCALES.items():
        its: list[dict] = []
        for r in [None] * WARMUP + [x for x in range(1, ROUNDS + 1) for _ in range(RESUME + BLOCK)]:
            warmup = r is None or sum(1 for it in its if it["round"] == r) < RESUME  # a block's first ones too
            drift = 1.0 + 0.05 * (r or 0)
            fwd = float(scale * drift * rng.uniform(0.9, 1.1) * (40.0 if warmup else 1.0))
            its.append({"i": len(its), "fwd_ms": fwd, "bwd_ms": fwd * 0.7, "cpu_ms": fwd * 1.5, "warmup": bool(warmup),
                        "round": r})
        session["variants"][name]["iterations"] = its
    measured = [it["i"] for it in session["variants"]["script"]["iterations"] if not it["warmup"]]
    for k in (10, 30):
        session["variants"]["script"]["iterations"][measured[k]]["fwd_ms"] *= 25.0
        session["variants"]["script"]["recompiles"].append({"i": measured[k], "excluded": [measured[k]]})
    return S.finalize(session)


def _series(session: dict) -> dict[str, VariantSeries]:
    """The app's buffers, filled as a run fills them: each block's batches, then each recompile's exclusion."""
    out = {}
    for name, v in session["variants"].items():
        series = VariantSeries()
        for it in v["iterations"]:
            series.append(it["i"], [it["fwd_ms"]], [it["bwd_ms"]], it["warmup"], it["round"], [it["cpu_ms"]])
        for rec in v["recompiles"]:
            series.exclude(rec["excluded"])
        out[name] = series
    return out


def _same(a, b) -> bool:
    """``a`` and ``b`` equal, their numbers to a rounding error, however deeply nested."""
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-12)
    return a == b


@pytest.mark.parametrize("schedule, method", [("interleaved", "paired_rounds"), ("sequential", "ratio_of_medians")])
def test_live_speedups_are_the_final_sessions_on_the_same_iterations(schedule, method):
    session = _session(schedule)
    live = live_speedups(_series(session), interleaved=schedule == "interleaved")
    assert set(live) == {"script", "trace"}
    for name in live:
        v = session["variants"][name]
        assert v["speedup_method"] == method
        assert live[name] == {"speedup_vs_eager": v["speedup_vs_eager"], "speedup_ci": v["speedup_ci"],
                              "speedup_method": v["speedup_method"]}


def test_slower_warm_ups_and_recompiles_move_no_live_speedup():
    session = _session("interleaved")
    before = live_speedups(_series(session), interleaved=True)
    slower = copy.deepcopy(session)
    for v in slower["variants"].values():
        excluded = {i for rec in v["recompiles"] for i in rec["excluded"]}
        for it in v["iterations"]:
            if it["warmup"] or it["i"] in excluded:
                it["fwd_ms"] *= 7.0
    assert live_speedups(_series(slower), interleaved=True) == before
    # the same change to a measured iteration does move it: the comparison above can fail
    moved = copy.deepcopy(session)
    for it in moved["variants"]["script"]["iterations"]:
        if not it["warmup"] and it["round"] == 1:
            it["fwd_ms"] *= 7.0
    assert live_speedups(_series(moved), interleaved=True)["script"] != before["script"]


def test_no_speedup_until_eager_and_the_variant_have_measured():
    session = _session("interleaved")
    series = _series(session)
    only_warmup = VariantSeries()
    first = session["variants"]["eager"]["iterations"][0]
    only_warmup.append(0, [first["fwd_ms"]], [first["bwd_ms"]], warmup=True)
    assert live_speedups({**series, "eager": only_warmup}, interleaved=True) == {}
    assert set(live_speedups({**series, "trace": VariantSeries()}, interleaved=True)) == {"script"}


def test_live_stats_give_the_final_device_time_and_reliability(qapp):
    """A recorded CPU run on a busy machine: sampled rows (time inside operators) and block readings."""
    final = S.finalize(S.load(RECORDED / "gated_busy_cpu.json"))
    series = {n: VariantSeries() for n in final["variants"]}
    for name, v in final["variants"].items():
        series[name].extend_records(v["iterations"])
    rows = {n: v["device_samples"] for n, v in final["variants"].items()}
    units = {n: v["device_unit"] for n, v in final["variants"].items()}
    live = LiveStats(lambda: series, device=lambda: (rows, units), blocks=lambda: final["samples"])
    updates: list[dict] = []
    live.sig_updated.connect(updates.append)
    live.start(final)
    live.update()
    live.stop()
    (out,) = updates
    for name, v in final["variants"].items():
        for key in ("device", "reliability", "speedup_unreliable"):
            assert _same(out[name][key], v[key]), (name, key)
        if name != "eager":
            for key in ("speedup_vs_eager", "speedup_ci", "speedup_device", "speedup_host_dependent"):
                assert _same(out[name][key], v[key]), (name, key)
    assert any(v["reliability"]["unreliable"] for v in final["variants"].values())  # the machine was busy


def test_live_stats_recompute_on_their_timer_until_stopped(qtbot):
    session = _session("interleaved")
    full = _series(session)
    series = {n: VariantSeries() for n in full}
    live = LiveStats(lambda: series)
    updates: list[dict] = []
    live.sig_updated.connect(updates.append)
    live.start(session)
    series.update(full)  # iterations arrive after the start
    with qtbot.waitSignal(live.sig_updated, timeout=3 * PERIOD_MS):
        pass  # nothing calls update(): the timer does
    assert updates[-1]["script"]["speedup_vs_eager"] == session["variants"]["script"]["speedup_vs_eager"]
    live.stop()
    series["eager"] = VariantSeries()
    live.update()  # stopped: no session to recompute for
    assert len(updates) == 1
