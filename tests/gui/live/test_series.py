"""One variant's iteration buffers (:class:`jitlab.core.session.iterations.IterationStore`): which iterations the
steady figures leave out, where the plot puts each one, and that they give what :mod:`jitlab.core.stats`
gives for the same iterations."""

from __future__ import annotations

import numpy as np
import pytest

from jitlab.core import stats
from jitlab.core.session.iterations import IterationStore as VariantSeries

#: Warm-up iterations before the first round, unmeasured ones at the start of each block, measured ones per block.
LEADING, RESUME, BLOCK, ROUNDS = 3, 2, 5, 4
#: Measured iterations a recompile slowed.
RECOMPILED = (LEADING + RESUME + 2, LEADING + 3 * (RESUME + BLOCK) + RESUME)


def _records(train: bool = True, seed: int = 0) -> list[dict]:
    """A variant's iterations as a session holds them: warm-up far slower than the rest, two measured
    iterations marked as slowed by a recompile (as ``store.mark_recompiles`` marks them)."""
    rng = np.random.default_rng(seed)
    its: list[dict] = []

    def add(n: int, warmup: bool, round_: int | None, scale: float) -> None:
        for _ in range(n):
            fwd = float(rng.uniform(1.0, 2.0) * scale)
            its.append({"i": len(its), "fwd_ms": fwd, "bwd_ms": fwd / 2 if train else None,
                        "cpu_ms": float(rng.uniform(0.5, 1.0)), "warmup": warmup, "round": round_})

    add(LEADING, True, None, 50.0)
    for r in range(1, ROUNDS + 1):
        add(RESUME, True, r, 20.0)
        add(BLOCK, False, r, 1.0)
    for i in RECOMPILED:
        its[i]["fwd_ms"] *= 30.0
        its[i]["recompile"] = True
    return its


def _streamed(its: list[dict]) -> VariantSeries:
    """The buffers as a run fills them: one batch per stretch of one round and warm-up state, then the
    recompiles' exclusions as their messages arrive."""
    series = VariantSeries()
    start = 0
    for k in range(1, len(its) + 1):
        if k == len(its) or (its[k]["round"], its[k]["warmup"]) != (its[start]["round"], its[start]["warmup"]):
            part = its[start:k]
            series.append(start, [it["fwd_ms"] for it in part], [it["bwd_ms"] for it in part], part[0]["warmup"],
                          part[0]["round"], [it["cpu_ms"] for it in part])
            start = k
    series.exclude(it["i"] for it in its if it.get("recompile"))
    return series


def test_steady_values_leave_out_warm_up_and_excluded_iterations():
    its = _records()
    series = _streamed(its)
    steady = [it for it in its if stats.steady(it)]
    assert len(steady) == ROUNDS * BLOCK - len(RECOMPILED)
    assert series.phase("fwd").tolist() == [it["fwd_ms"] for it in steady]
    assert series.phase("total").tolist() == [stats.total_ms(it["fwd_ms"], it["bwd_ms"]) for it in steady]
    # unfiltered, every iteration counts
    assert series.phase("fwd", steady=False).tolist() == [it["fwd_ms"] for it in its]
    # measured: what the plot draws at x >= 0, recompiles included
    assert series.measured("fwd").tolist() == [it["fwd_ms"] for it in its if not it["warmup"]]
    assert series.measured_count == ROUNDS * BLOCK and series.warmup_count == LEADING + ROUNDS * RESUME


def test_summaries_and_block_medians_are_core_stats_of_the_same_iterations():
    its = _records()
    series = _streamed(its)
    assert series.summary() == stats.phase_stats(its)
    assert series.block_medians() == stats.block_medians(its)
    assert sorted(series.block_medians()) == list(range(1, ROUNDS + 1))


def test_left_in_the_recompiled_iterations_would_move_the_figures():
    """Leaving them out matters: the same buffers without the exclusions give other figures."""
    its = _records()
    series = _streamed(its)
    kept = VariantSeries()
    kept.extend_records([{k: v for k, v in it.items() if k != "recompile"} for it in its])
    assert kept.summary()["fwd"]["mean"] > series.summary()["fwd"]["mean"]
    assert kept.summary()["fwd"]["n"] == series.summary()["fwd"]["n"] + len(RECOMPILED)


def test_a_loaded_session_fills_the_buffers_a_run_streams():
    its = _records()
    streamed, loaded = _streamed(its), VariantSeries()
    loaded.extend_records(its)
    assert loaded.n == streamed.n == len(its) and loaded.excluded == streamed.excluded == set(RECOMPILED)
    for name in ("index", "fwd", "bwd", "warmup", "rounds", "cpu"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(streamed, name), err_msg=name)


def test_the_leading_warm_up_sits_before_zero_and_a_blocks_own_warm_up_nowhere():
    its = _records()
    series = _streamed(its)
    assert series.leading_warmup == LEADING and series.first_measured == LEADING + RESUME
    assert series.value_at(-LEADING, "fwd") == its[0]["fwd_ms"]
    assert series.value_at(-1, "fwd") == its[LEADING - 1]["fwd_ms"]
    assert series.value_at(-LEADING - 1, "fwd") is None
    measured = [it for it in its if not it["warmup"]]
    assert series.value_at(0, "fwd") == measured[0]["fwd_ms"]
    assert series.value_at(BLOCK, "fwd") == measured[BLOCK]["fwd_ms"]  # the next block's, past its resume
    assert series.value_at(len(measured), "fwd") is None


def test_infer_mode_has_no_backward_and_the_total_is_the_forward():
    its = _records(train=False)
    series = _streamed(its)
    assert not series.has_backward and np.isnan(series.bwd).all()
    np.testing.assert_array_equal(series.total, series.fwd)
    assert series.summary()["bwd"] is None and series.summary() == stats.phase_stats(its)
    assert series.value_at(0, "bwd") is None


def test_an_empty_series_has_no_figures():
    series = VariantSeries()
    series.append(0, [], [], warmup=False)
    assert series.n == 0 and series.leading_warmup == 0 and series.first_measured == 0
    assert series.summary() == {p: None for p in stats.PHASES} and series.block_medians() == {}
    assert series.value_at(0, "fwd") is None


@pytest.mark.parametrize("seed", [1, 2])
def test_the_buffers_keep_their_contents_as_they_grow(seed):
    """Past the first allocation (256) the arrays are reallocated: nothing already held may move."""
    rng = np.random.default_rng(seed)
    series, held = VariantSeries(), []
    while len(held) < 1500:
        k = int(rng.integers(1, 200))
        values = rng.uniform(0.5, 1.5, k).tolist()
        series.append(len(held), values, [None] * k, warmup=False, round_=len(held) // 100 + 1)
        held += values
    assert series.fwd.tolist() == held and series.index.tolist() == list(range(len(held)))
