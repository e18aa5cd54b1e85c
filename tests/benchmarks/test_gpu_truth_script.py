"""``benchmarks/gpu_truth.py`` runs end to end on a CPU at the tiny size.

The real run is on a CUDA machine; this checks that the script itself works
and writes what it promises. To stay near a minute on two cores it runs two of
the four cases (``conv2d:library`` and ``lstm``) with eager, script and trace,
adds the compile variant on the cheapest target only (``conv2d:library``: one
Inductor compile of a single convolution), 10 iterations, one torch thread,
short Timer measurements and a 2,000-iteration streaming run. The timings are
not checked: on a shared CPU they are noise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jitlab.core.session import store as S

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
CASES = {"conv2d:library": ["eager", "script", "trace", "compile"], "lstm": ["eager", "script", "trace"]}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def truth(tmp_path_factory):
    out = tmp_path_factory.mktemp("truth")
    cmd = [sys.executable, str(BENCH / "gpu_truth.py"), "--device", "cpu", "--size", "tiny", "--iters", "10",
           "--cases", ",".join(CASES), "--variants", "eager,script,trace,compile",
           "--compile-cases", "conv2d:library", "--threads", "1", "--timer-min-time", "0.05",
           "--stream-iters", "2000", "--out-dir", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=900)
    return out, proc


@pytest.mark.slow
def test_it_exits_cleanly(truth):
    _, proc = truth
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.mark.slow
def test_json_has_every_case_variant_and_reference(truth):
    out, _ = truth
    (path,) = out.glob("*.json")
    assert path.name.startswith("cpu-")
    data = json.loads(path.read_text())
    assert data["schema"] == "jitlab.bench.gpu_truth/1"
    assert data["env"]["device"]["kind"] == "cpu"
    assert [c["name"] for c in data["cases"]] == list(CASES)
    for case in data["cases"]:
        assert list(case["variants"]) == CASES[case["name"]]
        for name, row in case["variants"].items():
            assert row["status"] == "ok", (case["name"], name, row["error"])
            assert row["reference_error"] is None, row["reference_error"]
            assert row["jitlab"]["median_ms"] > 0 and row["jitlab"]["n"] == 10
            assert row["timer"]["median_ms"] > 0 and row["bare"]["median_ms"] > 0
            assert row["ratio_vs_timer"] > 0 and row["ratio_vs_bare"] > 0
            assert isinstance(row["agrees"], bool)
            assert row["kernels"] is None or row["kernels"]["launches"] > 0
        assert case["variants"]["eager"]["jitlab"]["speedup_vs_eager"] in (None, 1.0)
        assert case["variants"]["script"]["speedup_vs_eager_timer"] > 0


@pytest.mark.slow
def test_streaming_run_reports_memory(truth):
    out, _ = truth
    stream = json.loads(next(out.glob("*.json")).read_text())["stream"]
    assert stream["rc"] == 0 and stream["measured"] == stream["iters"] == 2000
    assert 0 < stream["rss_start_mib"] <= stream["rss_peak_mib"]
    assert stream["samples_mib"] and stream["flat"] is True


@pytest.mark.slow
def test_markdown_table_and_sessions(truth):
    out, proc = truth
    (md,) = out.glob("*.md")
    text = md.read_text()
    assert text == proc.stdout  # the table printed is the table written
    assert "| example | variant | jitlab median |" in text
    for case, variants in CASES.items():
        for v in variants:
            assert f"| {case} | {v} |" in text
    assert "gpu_truth.py --device cpu --size tiny" in text
    assert "## Streaming" in text
    (sessions,) = out.glob("*-sessions")
    files = sorted(p.name for p in sessions.iterdir())
    assert files == ["conv2d-library.json", "lstm.json"]
    for f in files:
        assert set(S.load(sessions / f)["variants"]) == set(CASES[f[:-5].replace("-", ":")])
