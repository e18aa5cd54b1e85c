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
