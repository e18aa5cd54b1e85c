"""The columnar iteration store: batches in, records out, and what the views read kept up to date."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from jitlab.core import stats
from jitlab.core.protocol import IterBatch
from jitlab.core.session import iterations
from jitlab.core.session.iterations import IterationStore


def _batch(start: int, n: int, warmup: bool = False, round_: int | None = None, bwd: bool = True,
           cpu: bool = True) -> IterBatch:
    fwd = [1.0 + 0.01 * (start + k) for k in range(n)]
    return IterBatch(start, fwd, [f / 2 for f in fwd] if bwd else [None] * n, warmup, round_,
                     [f * 0.9 for f in fwd] if cpu else [None] * n)


def _records_of(batches: list[IterBatch]) -> list[dict]:
    """The records the conductor wrote before its iterations were columns: one dict per iteration."""
    return [{"i": b.start + j, "fwd_ms": f, "bwd_ms": bw, "cpu_ms": c, "warmup": b.warmup, "round": b.round}
            for b in batches for j, (f, bw, c) in enumerate(zip(b.fwd_ms, b.bwd_ms, b.cpu_ms))]


def _run(rounds: int = 30, block: int = 50) -> list[IterBatch]:
    """A run's batches: warm-up, then per round a few unmeasured iterations and a block."""
    out, i = [_batch(0, 7, warmup=True)], 7
    for r in range(1, rounds + 1):
        out += [_batch(i, 2, warmup=True, round_=r), _batch(i + 2, block, round_=r)]
        i += 2 + block
    return out


def test_a_batch_is_appended_once_and_gives_back_the_records_it_came_as():
    batches = _run()
    store = IterationStore()
    for b in batches:
        store.add(b)
        store.add(b)  # the model is handed the batch the conductor stored
    expected = _records_of(batches)
    assert store.n == len(store) == len(expected) == 7 + 30 * 52
    assert store.records() == expected and list(store) == expected
    assert store[0] == expected[0] and store[-1] == expected[-1] and store[10:20] == expected[10:20]
    assert json.dumps(store[:]) == json.dumps(expected)
    assert store.measured_count == 30 * 50 and store.warmup_count == 7 + 60
    assert store.leading_warmup == 7 and store.first_measured == 9 and store.has_backward


def test_figures_are_those_of_the_records():
    batches = _run()
    store, records = IterationStore(), _records_of(batches)
    for b in batches:
        store.add(b)
    assert store.summary() == stats.phase_stats(records)
    assert store.block_medians() == stats.block_medians(records)
    totals = [stats.total_ms(it["fwd_ms"], it["bwd_ms"]) for it in records if stats.steady(it)]
    assert store.steady_totals().tolist() == totals


def test_growth_keeps_every_value_and_is_amortized():
    store = IterationStore()
    sizes = set()
    for k in range(200):
        store.append(k * 37, list(np.arange(37.0) + k), [None] * 37, warmup=False, round_=k)
        sizes.add(store._rows.arrays["fwd"].size)
    assert store.n == 200 * 37
    assert store.index.tolist() == list(range(200 * 37))
    assert store.fwd.tolist() == [float(j + k) for k in range(200) for j in range(37)]
    assert len(sizes) <= 7  # doubled a few times, not grown per batch
    assert not store.has_backward and np.isnan(store.bwd).all() and np.isnan(store.cpu).all()


def test_the_views_are_views_of_the_columns():
    store = IterationStore()
    for b in _run(rounds=3):
        store.add(b)
    assert np.shares_memory(store.measured_values("fwd"), store.measured_values("fwd"))
    assert np.shares_memory(store.fwd, store.fwd[: store.leading_warmup])
    measured = [it for it in store if not it["warmup"]]
    assert store.measured_values("fwd").tolist() == [it["fwd_ms"] for it in measured]
    assert store.measured_values("bwd").tolist() == [it["bwd_ms"] for it in measured]
    assert store.measured_positions.tolist() == [p for p, it in enumerate(store) if not it["warmup"]]
    assert store.measured_gaps("fwd") == store.measured_gaps("bwd") == 0


def test_infer_mode_has_no_backward_curve():
    store = IterationStore()
    store.add(_batch(0, 10, bwd=False))
    assert not store.has_backward and store.measured_gaps("bwd") == 10 and store.measured_gaps("fwd") == 0
    assert all(it["bwd_ms"] is None for it in store)
    assert store.summary()["bwd"] is None


@pytest.mark.parametrize("before", [True, False])
def test_a_recompile_leaves_its_iterations_out_whenever_it_is_told(before):
    store = IterationStore()
    store.add(_batch(0, 5, warmup=True))
    if before:  # the recompiled message arrives before the block's iterations
        store.exclude([8, 9])
    store.add(_batch(5, 10, round_=1))
    if not before:
        store.exclude([8, 9])
    assert store.steady.tolist() == [False] * 5 + [True] * 3 + [False] * 2 + [True] * 5
    assert [it.get("recompile") for it in store][7:11] == [None, True, True, None]
    assert list(store[8]) == ["i", "fwd_ms", "bwd_ms", "cpu_ms", "warmup", "round", "recompile"]
    assert store.summary()["total"]["n"] == 8 and store.measured_count == 10  # still drawn


def test_old_and_odd_records_come_back_exactly():
    records = [
        {"i": 0, "fwd_ms": 1.5, "bwd_ms": None, "warmup": True, "round": None},  # before CPU times
        {"i": 1, "fwd_ms": 2.5, "bwd_ms": 0.5, "warmup": False, "round": 1, "recompile": True},
        {"i": 2, "fwd_ms": 3, "bwd_ms": 1, "cpu_ms": None, "warmup": False, "round": 1},  # ints
        {"fwd_ms": 4.0, "warmup": False},  # hand-written: few keys
        {"i": 4, "fwd_ms": 5.0, "bwd_ms": None, "cpu_ms": math.nan, "warmup": False, "round": 2, "note": "x"},
        {"round": 2, "i": 5, "fwd_ms": 6.0, "bwd_ms": None, "cpu_ms": 1.0, "warmup": False},  # other order
        {"i": 6, "fwd_ms": 7.0, "bwd_ms": None, "cpu_ms": 1.0, "warmup": False, "round": 2, "recompile": False},
    ]
    store = IterationStore.from_records(copy.deepcopy(records))
    assert json.dumps(store.records()) == json.dumps(records)
    assert [list(it) for it in store] == [list(it) for it in records]
    assert store.summary() == stats.phase_stats(records)
    assert store.block_medians() == stats.block_medians(records)
    assert store.excluded == {1}


def test_a_loaded_variant_is_held_once_and_read_without_being_changed():
    records = _records_of(_run(rounds=2))
    variant = {"iterations": copy.deepcopy(records)}
    read = iterations.of(variant)
    assert isinstance(variant["iterations"], list) and read.records() == records
    held = iterations.hold(variant)
    assert variant["iterations"] is held and iterations.hold(variant) is held and iterations.of(variant) is held
    assert held.records() == records


def test_plot_positions():
    store = IterationStore()
    store.add(_batch(0, 3, warmup=True))
    store.add(_batch(3, 4, round_=1))
    store.add(_batch(7, 2, warmup=True, round_=2))
    store.add(_batch(9, 4, round_=2))
    assert store.value_at(0, "fwd") == store.fwd[3] and store.value_at(-1, "fwd") == store.fwd[2]
    assert store.value_at(-3, "fwd") == store.fwd[0] and store.value_at(-4, "fwd") is None
    assert store.value_at(4, "bwd") == store.bwd[9] and store.value_at(8, "fwd") is None
    assert store.measured("total").tolist() == (store.fwd + store.bwd)[store.measured_positions].tolist()
