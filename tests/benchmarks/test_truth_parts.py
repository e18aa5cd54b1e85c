"""Pieces of ``benchmarks/gpu_truth.py`` that a CPU run does not reach:
the tiny-size wrapper used off the CPU and the CUDA-only report section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


@pytest.fixture
def bench(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import gpu_truth
    import truth_report

    return gpu_truth, truth_report


def test_tiny_wrapper_builds_the_cpu_size_for_any_device(bench, tmp_path):
    gpu_truth, _ = bench
    wrapper = gpu_truth.example_file("lstm", "tiny", "cuda", tmp_path)
    assert wrapper.parent == tmp_path
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(BENCH / "reference.py"), "--file", str(wrapper), "--target", "cudnn",
                           "--variant", "script", "--iters", "3", "--warmup", "2"],
                          capture_output=True, text=True, env=env, timeout=300)
    result = json.loads(proc.stdout)
    assert proc.returncode == 0 and result["error"] is None, proc.stderr
    assert result["bare"]["n"] == 3


def test_full_size_on_cpu_uses_the_example_itself(bench, tmp_path):
    gpu_truth, _ = bench
    from jitlab.assets import example_path

    assert gpu_truth.example_file("conv2d", "full", "cpu", tmp_path) == example_path("conv2d")


def _row(median, timer, bare, nosync=None):
    return {
        "status": "ok", "error": None, "reference_error": None,
        "jitlab": {"median_ms": median, "iqr_ms": 0.1, "speedup_vs_eager": None, "speedup_ci": None},
        "timer": {"median_ms": timer}, "timer_nosync": {"median_ms": nosync} if nosync else None,
        "bare": {"median_ms": bare}, "ratio_vs_timer": median / timer, "ratio_vs_bare": median / bare,
        "speedup_vs_eager_timer": None, "agrees": abs(median / timer - 1) <= 0.05,
        "kernels": {"launches": 1618, "fused_launches": 212, "groups": 9},
    }


def test_report_shows_the_cuda_only_synchronisation_table(bench):
    _, truth_report = bench
    data = {
        "command": "python benchmarks/gpu_truth.py --device cuda", "created": "today", "jitlab": "0",
        "env": {"device": {"name": "Some GPU", "id": "cuda:0"}, "driver": "1", "cuda": "12"},
        "settings": {"device": "cuda", "size": "full", "mode": "train", "iters": 200, "timer_min_time": 1.0},
        "cases": [{"name": "lstm", "variants": {"eager": _row(57.0, 56.0, 57.2, nosync=55.0),
                                                "script": _row(22.0, 30.0, 22.1, nosync=21.0)}}],
        "stream": None,
    }
    text = truth_report.render(data)
    assert "| lstm | eager | 57.0 ms |" in text
    assert "1,618" in text and "212" in text
    assert "What per-iteration synchronisation costs" in text
    assert "0.733 ⚠" in text  # 22 / 30: outside 5%, flagged


def test_kernel_summary_reads_the_session_totals(bench):
    _, truth_report = bench
    record = {"kernels": {"totals": {"launches": 10, "distinct": 4, "fused_launches": 2, "device_time_us": 5.0},
                          "unit": "CUDA kernel"},
              "graphs": {"fusion_groups": [{}, {}]}}
    summary = truth_report.kernel_summary(record)
    assert (summary["launches"], summary["fused_launches"], summary["groups"]) == (10, 2, 2)
    assert truth_report.kernel_summary({"kernels": None}) is None


def test_repeats_are_summarised_by_medians_with_their_spread(bench):
    _, truth_report = bench
    reps = [{"eager": _row(12.0, 11.0, 11.5)}, {"eager": _row(18.0, 18.5, 17.0)}, {"eager": _row(11.0, 11.2, 10.8)}]
    row = truth_report.aggregate(reps)["eager"]
    assert row["jitlab"]["median_ms"] == 12.0 and row["timer"]["median_ms"] == 11.2
    assert row["ratio_vs_timer"] == pytest.approx(11.0 / 11.2)  # the median of the three ratios
    assert row["ratio_ranges"]["ratio_vs_timer"] == pytest.approx([18.0 / 18.5, 12.0 / 11.0])
    assert row["spread"]["timer"] == pytest.approx((18.5 - 11.0) / 11.0)
    assert row["ratio_vs_bare"] == pytest.approx(12.0 / 11.5)
    assert row["repeats"] == 3 and row["agrees"] is True  # each median ratio is within 5%
    data = {
        "command": "c", "created": "today", "jitlab": "0", "env": {"device": {"name": "GPU", "id": "cuda:0"}},
        "settings": {"device": "cuda", "size": "full", "mode": "train", "iters": 100, "timer_min_time": 1.0,
                     "repeats": 3},
        "cases": [{"name": "conv2d", "variants": {"eager": row},
                   "repeats": [{"repeat": i + 1, "order": "jitlab first", "variants": r} for i, r in enumerate(reps)]}],
        "stream": None,
    }
    text = truth_report.render(data)
    assert "### Repeats" in text and "| conv2d | eager | 2 (jitlab first) | 18.0 ms |" in text
    assert "| conv2d | eager | 64% | 68% | 57% |" in text
