"""The app's iteration buffers and its live speedups give what the saved session says.

The buffers are filled from recorded sessions (real runs), the way a loaded session fills them and in
the batches a run streams; their figures must be the session's own (:func:`jitlab.core.session.store.finalize`).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from jitlab.core.session import store as S
from jitlab.core import stats
from jitlab.gui.live.live_stats import LiveStats, live_speedups
from jitlab.core.session.iterations import IterationStore as VariantSeries

from tests.conftest import RECORDED

SESSIONS = ["gated_cpu.json", "gated_run1_cpu.json", "gated_h100.json"]


def _final(name: str) -> dict:
    return S.finalize(copy.deepcopy(S.load(RECORDED / name)))


def _streamed(iterations: list[dict]) -> VariantSeries:
    """A series filled in the batches a run sends: consecutive iterations of one round and warm-up state."""
    series = VariantSeries()
    batch: list[dict] = []
    for it in iterations + [None]:
        if batch and (it is None or it.get("round") != batch[0].get("round")
                      or bool(it.get("warmup")) != bool(batch[0].get("warmup"))):
            series.append(batch[0]["i"], [b["fwd_ms"] for b in batch], [b.get("bwd_ms") for b in batch],
                          bool(batch[0].get("warmup")), batch[0].get("round"), [b.get("cpu_ms") for b in batch])
            batch = []
        if it is not None:
            batch.append(it)
    return series


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return all(math.isclose(a[k], b[k], rel_tol=1e-12) for k in a) and set(a) == set(b)


@pytest.mark.parametrize("name", SESSIONS)
def test_buffers_give_the_session_figures(name):
    session = _final(name)
    for variant, v in session["variants"].items():
        for series in (_streamed(v["iterations"]), VariantSeries()):
            if series.n == 0:
                series.extend_records(v["iterations"])
            assert series.n == len(v["iterations"])
            assert series.measured_count == sum(1 for it in v["iterations"] if not it.get("warmup"))
            summary = series.summary()
            for phase in stats.PHASES:
                assert _close(summary[phase], v["stats"][phase]), (variant, phase)
            assert series.block_medians() == pytest.approx(stats.block_medians(v["iterations"]))


def test_buffers_grow_past_their_first_size():
    series = VariantSeries()
    for k in range(40):
        series.append(k * 100, list(np.arange(100.0) + k), [None] * 100, warmup=k == 0, round_=k - 1 if k else None)
    assert series.n == 4000 and not series.has_backward
    assert series.warmup_count == 100 and series.leading_warmup == 100
    assert series.value_at(0, "fwd") == 1.0 and series.value_at(-1, "fwd") == 99.0
    assert np.isnan(series.bwd).all() and np.isnan(series.cpu).all()


@pytest.mark.parametrize("name", SESSIONS)
def test_live_speedups_are_the_final_ones(name):
    session = _final(name)
    interleaved = session["schedule"]["kind"] == "interleaved"
    series = {n: _streamed(v["iterations"]) for n, v in session["variants"].items()}
    live = live_speedups(series, interleaved)
    for variant, v in session["variants"].items():
        if variant == "eager" or v["speedup_vs_eager"] is None:
            assert variant not in live
            continue
        assert live[variant]["speedup_vs_eager"] == pytest.approx(v["speedup_vs_eager"], rel=1e-12)
        assert live[variant]["speedup_ci"] == pytest.approx(v["speedup_ci"], rel=1e-12)
        assert live[variant]["speedup_method"] == v["speedup_method"]


def test_live_stats_recompute_when_iterations_arrive(qtbot):
    session = _final("gated_cpu.json")
    series: dict[str, VariantSeries] = {n: VariantSeries() for n in session["variants"]}
    live = LiveStats(lambda: series)
    updates = []
    live.sig_updated.connect(updates.append)
    live.start(session)
    live.update()
    assert updates == [{}]  # nothing measured yet
    for n, v in session["variants"].items():
        series[n].extend_records(v["iterations"])
    live.update()
    live.update()  # nothing new: no second recomputation
    live.stop()
    assert len(updates) == 2
    assert updates[1]["script"]["speedup_vs_eager"] == pytest.approx(
        session["variants"]["script"]["speedup_vs_eager"], rel=1e-12)
