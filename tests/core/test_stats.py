"""Statistics on known data."""

from __future__ import annotations

import numpy as np

from jitlab.core import stats


def test_summarize():
    s = stats.summarize([1, 2, 3, 4, None])
    assert s == {"median": 2.5, "p25": 1.75, "p75": 3.25, "iqr": 1.5, "min": 1.0, "mean": 2.5, "n": 4}
    assert stats.summarize([None, None]) is None


def test_paired_speedup_cancels_drift_that_hits_whole_rounds():
    rng = np.random.default_rng(0)
    drift = np.linspace(1, 3, 30)  # the machine gets 3x slower over the run
    eager = {r: 10.0 * d * rng.normal(1, 0.01) for r, d in enumerate(drift)}
    script = {r: 4.0 * d * rng.normal(1, 0.01) for r, d in enumerate(drift)}
    sp = stats.paired_speedup(eager, script)
    assert sp["ci"][0] < 2.5 < sp["ci"][1]
    assert abs(sp["estimate"] - 2.5) < 0.02


def test_ci_narrows_with_more_rounds():
    rng = np.random.default_rng(1)

    def width(n):
        e = {r: 10 * rng.normal(1, 0.05) for r in range(n)}
        s = {r: 5 * rng.normal(1, 0.05) for r in range(n)}
        lo, hi = stats.paired_speedup(e, s)["ci"]
        return hi - lo

    assert width(200) < width(20) / 2


def test_drift_detected_only_when_real():
    flat = {r: 10 + 0.3 * np.sin(r) for r in range(30)}
    assert stats.detect_drift(flat) is None
    rising = {r: 10 + r for r in range(30)}
    d = stats.detect_drift(rising)
    assert d["change"] > 1.0 and d["p_value"] < 0.01
    assert stats.detect_drift({r: 10 + r for r in range(5)}) is None  # too few blocks to tell


def test_unpaired_speedup():
    sp = stats.unpaired_speedup([10, 10, 10, 10], [5, 5, 5, 5])
    assert sp["estimate"] == 2.0 and sp["ci"] == [2.0, 2.0] and sp["method"] == "ratio_of_medians"


def test_one_slow_warmup_iteration_does_not_shrink_the_blocks():
    assert stats.typical_iter_ms([150.0, 1.0, 1.1, 0.9, 25.0]) == 1.1  # first call and one spike left out
    assert stats.typical_iter_ms([150.0]) == 150.0


def test_a_round_where_only_one_block_hit_a_slow_episode_barely_moves_the_speedup():
    eager = {r: 10.0 for r in range(1, 12)}
    script = {r: 6.0 for r in range(1, 12)}
    eager[5] = 16.0  # eager's block of round 5 ran on a CPU 1.6x slower; script's did not
    out = stats.paired_speedup(eager, script)
    assert out["estimate"] == 10.0 / 6.0  # the median ignores the outlier round
    geometric_mean = float(np.exp(np.mean(np.log([eager[r] / script[r] for r in eager]))))
    assert geometric_mean > 1.04 * out["estimate"]  # where a mean of the ratios would have moved
    assert out["ci"][0] <= out["estimate"] <= out["ci"][1]
