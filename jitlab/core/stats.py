"""Statistics of iteration timings: per-phase summaries, speedups with
bootstrap confidence intervals, and drift detection.

Only numpy is used. All inputs are steady-state (non-warm-up) iterations.
"""

from __future__ import annotations

import math
import statistics
from typing import Callable, Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

PHASES = ("fwd", "bwd", "total")

#: Resamples for the bootstrap; 2000 keeps a 95% percentile CI stable to ~1e-3.
BOOTSTRAP_RESAMPLES = 2000


def summarize(values: Iterable[float | None]) -> dict | None:
    """Median, quartiles, IQR, min, mean and count of one phase.

    Returns ``None`` when there are no values (e.g. backward in infer mode).
    """
    return summarize_array(np.asarray([v for v in values if v is not None], dtype=float))


def summarize_array(arr: np.ndarray) -> dict | None:
    """:func:`summarize` of an array without gaps (the app's live buffers: no list round trip)."""
    if arr.size == 0:
        return None
    p25, median, p75 = np.percentile(arr, [25, 50, 75])
    return {
        "median": float(median),
        "p25": float(p25),
        "p75": float(p75),
        "iqr": float(p75 - p25),
        "min": float(arr.min()),
        "mean": float(arr.mean()),
        "n": int(arr.size),
    }


def total_ms(fwd: float, bwd: float | None) -> float:
    """Forward plus backward time of one iteration."""
    return fwd + (bwd or 0.0)


def steady(it: dict) -> bool:
    """Whether an iteration counts: not warm-up, and not slowed by a recompile (see
    :func:`jitlab.core.session.store.mark_recompiles`)."""
    return not it.get("warmup") and not it.get("recompile")


def phase_stats(iterations: Sequence[dict]) -> dict:
    """Summaries of ``fwd``, ``bwd`` and ``total`` over steady iterations."""
    steady_its = [it for it in iterations if steady(it)]
    return {
        "fwd": summarize(it["fwd_ms"] for it in steady_its),
        "bwd": summarize(it.get("bwd_ms") for it in steady_its),
        "total": summarize(total_ms(it["fwd_ms"], it.get("bwd_ms")) for it in steady_its),
    }


def block_medians(iterations: Sequence[dict]) -> dict[int, float]:
    """Median total time of each round's block, keyed by round number."""
    steady_its = [it for it in iterations if steady(it) and it.get("round") is not None]
    return block_medians_of(np.fromiter((int(it["round"]) for it in steady_its), dtype=np.int64, count=len(steady_its)),
                            np.fromiter((total_ms(it["fwd_ms"], it.get("bwd_ms")) for it in steady_its), dtype=float,
                                        count=len(steady_its)))


def block_medians_of(rounds: np.ndarray, totals: np.ndarray) -> dict[int, float]:
    """Median of ``totals`` per round (steady iterations of rounds ``rounds``), in round order."""
    if rounds.size == 0:
        return {}
    order = np.argsort(rounds, kind="stable")
    rounds, totals = rounds[order], totals[order]
    keys, starts = np.unique(rounds, return_index=True)
    return {int(r): float(np.median(chunk)) for r, chunk in zip(keys, np.split(totals, starts[1:]))}


def speedup_over(base_blocks: dict[int, float], blocks: dict[int, float], interleaved: bool,
                 totals: Callable[[], tuple[ArrayLike, ArrayLike]]) -> dict | None:
    """A variant's speedup over eager, as the session and the live table both compute it.

    Interleaved rounds give the paired per-round ratio (:func:`paired_speedup`); otherwise, or
    without a common round, the ratio of medians of the steady totals (:func:`unpaired_speedup`),
    which ``totals`` returns as ``(eager's, the variant's)`` only when it is needed: building them
    walks every iteration.
    """
    sp = paired_speedup(base_blocks, blocks) if interleaved else None
    if sp is None:
        sp = unpaired_speedup(*totals())
    return sp


def _percentile_ci(samples: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.percentile(samples, [50 * (1 - level), 50 * (1 + level)])
    return float(lo), float(hi)


def paired_speedup(
    baseline_blocks: dict[int, float],
    variant_blocks: dict[int, float],
    level: float = 0.95,
    seed: int = 0,
) -> dict | None:
    """Speedup from per-round ratios of block medians, with a bootstrap CI.

    Each round's ratio ``baseline / variant`` compares two blocks measured
    moments apart, so a drift that slows a whole round cancels out. The
    estimate is the median of the ratios, so a round in which only one of the
    two blocks fell into a slow episode (on a shared host the CPU that
    launches the kernels can run 1.6x slower for a second) moves it little;
    the CI resamples rounds.

    Returns ``None`` when no round has both blocks.
    """
    rounds = sorted(set(baseline_blocks) & set(variant_blocks))
    ratios = np.array(
        [baseline_blocks[r] / variant_blocks[r] for r in rounds if variant_blocks[r] > 0],
        dtype=float,
    )
    if ratios.size == 0:
        return None
    logs = np.log(ratios)
    estimate = float(math.exp(np.median(logs)))
    if ratios.size < 2:
        return {"estimate": estimate, "ci": None, "method": "paired_rounds", "n": 1}
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, logs.size, size=(BOOTSTRAP_RESAMPLES, logs.size))
    boot = np.exp(np.median(logs[idx], axis=1))
    lo, hi = _percentile_ci(boot, level)
    return {"estimate": estimate, "ci": [lo, hi], "method": "paired_rounds", "n": int(ratios.size)}


def unpaired_speedup(
    baseline: ArrayLike,
    variant: ArrayLike,
    level: float = 0.95,
    seed: int = 0,
) -> dict | None:
    """Speedup as a ratio of medians, with a bootstrap CI over iterations.

    Used when the variants were not interleaved (sequential schedule): the
    iterations of the two variants were measured at different times, so the
    CI reflects only the noise within each window, not the drift between them.
    """
    a = np.asarray(baseline, dtype=float)
    b = np.asarray(variant, dtype=float)
    if a.size == 0 or b.size == 0 or np.median(b) <= 0:
        return None
    estimate = float(np.median(a) / np.median(b))
    if a.size < 2 or b.size < 2:
        return {"estimate": estimate, "ci": None, "method": "ratio_of_medians", "n": int(min(a.size, b.size))}
    rng = np.random.default_rng(seed)
    ma = np.median(a[rng.integers(0, a.size, size=(BOOTSTRAP_RESAMPLES, a.size))], axis=1)
    mb = np.median(b[rng.integers(0, b.size, size=(BOOTSTRAP_RESAMPLES, b.size))], axis=1)
    lo, hi = _percentile_ci(ma / mb, level)
    return {"estimate": estimate, "ci": [lo, hi], "method": "ratio_of_medians", "n": int(min(a.size, b.size))}


def relative_half_width(speedup: dict | None) -> float | None:
    """Half the CI's width relative to the estimate (0.02 means +/-2%)."""
    if not speedup or not speedup.get("ci"):
        return None
    lo, hi = speedup["ci"]
    return (hi - lo) / 2 / speedup["estimate"]


def _mann_whitney_p(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie-corrected)."""
    n1, n2 = a.size, b.size
    both = np.concatenate([a, b])
    order = both.argsort(kind="mergesort")
    ranks = np.empty(both.size)
    sorted_vals = both[order]
    # average ranks over ties
    i = 0
    while i < both.size:
        j = i
        while j + 1 < both.size and sorted_vals[j + 1] == sorted_vals[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    _, counts = np.unique(both, return_counts=True)
    n = n1 + n2
    tie = (counts ** 3 - counts).sum() / (n * (n - 1)) if n > 1 else 0.0
    var = n1 * n2 / 12 * ((n + 1) - tie)
    if var <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return float(math.erfc(max(z, 0.0) / math.sqrt(2)))


def detect_drift(blocks: dict[int, float], threshold: float = 0.10, alpha: float = 0.01) -> dict | None:
    """Compare the first and last third of a variant's block medians.

    A drift is reported when the last third's median differs from the first
    third's by more than ``threshold`` (relative) *and* the two thirds differ
    significantly (Mann-Whitney U test, two-sided p < ``alpha``), so ordinary
    noise between blocks is not called drift.

    Returns ``None`` when there are fewer than 9 blocks or no drift.
    """
    values = [blocks[r] for r in sorted(blocks)]
    if len(values) < 9:
        return None
    third = len(values) // 3
    first = np.asarray(values[:third])
    last = np.asarray(values[-third:])
    m_first, m_last = float(np.median(first)), float(np.median(last))
    if m_first <= 0:
        return None
    change = m_last / m_first - 1.0
    p = _mann_whitney_p(first, last)
    if abs(change) <= threshold or p >= alpha:
        return None
    return {
        "change": change,
        "first_third_ms": m_first,
        "last_third_ms": m_last,
        "p_value": p,
        "blocks": len(values),
    }


def typical_iter_ms(totals: Sequence[float]) -> float:
    """Typical time of one iteration from the warm-up: the median of the last three after the first call.

    The block size is chosen from it, so one interrupted warm-up iteration
    must not make every block a single iteration.
    """
    tail = list(totals[1:])[-3:] or list(totals)
    return float(statistics.median(tail))
