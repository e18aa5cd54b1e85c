"""Device samples placed under the timings (``jitlab.core.present.conditions``, no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from jitlab.core.session.store import new_session
from jitlab.core.present import conditions as C
from tests.conftest import load_data

GPU_KEYS = ["sm_clock_mhz", "mem_clock_mhz", "temperature_c", "power_w", "gpu_util_pct"]


def _expected_x(iterations, round_):
    """Position among the measured iterations of the round's last one (written out the long way)."""
    measured = [it for it in iterations if not it["warmup"]]
    return max(k for k, it in enumerate(measured) if it["round"] == round_)


def test_available_metrics_of_the_recorded_sessions():
    h100, cpu = load_data("gated_h100.json"), load_data("gated_cpu.json")
    assert C.available(h100["samples"]) == GPU_KEYS + ["cpu_freq_mhz", "cpu_load_pct"]
    assert C.available(cpu["samples"]) == ["cpu_freq_mhz", "cpu_load_pct"]
    assert C.available([]) == []
    assert C.default_metric(C.available(h100["samples"])) == "sm_clock_mhz"
    assert C.default_metric(C.available(cpu["samples"])) == "cpu_freq_mhz"
    assert C.default_metric(["cpu_load_pct", "cpu_core"]) is None
    assert C.default_metric([]) is None


def test_every_metric_has_a_label_and_axis_title():
    assert [m.key for m in C.METRICS] == GPU_KEYS + ["cpu_freq_mhz", "cpu_load_pct", "cpu_core",
                                                     "ctx_switches_involuntary"]
    assert C.BY_KEY["sm_clock_mhz"].axis_label == "SM clock (MHz)"
    assert C.BY_KEY["temperature_c"].axis_label == "GPU temperature (°C)"
    assert C.BY_KEY["cpu_core"].axis_label == "CPU core"
    assert C.BY_KEY["power_w"].format(142.937) == "142.9 W"
    assert C.BY_KEY["cpu_core"].format(5) == "5"
    switches = C.BY_KEY["ctx_switches_involuntary"]
    assert switches.per_block and switches.axis_label == "switches per block"  # fits a short row
    assert switches.title == "involuntary context switches per block"
    assert C.BY_KEY["sm_clock_mhz"].title == "SM clock after each block"


def test_h100_samples_sit_under_the_last_iteration_of_their_block():
    session = load_data("gated_h100.json")  # 30 iterations in 10 rounds of 3; script warmed up once more
    variants = session["variants"]
    ends = {v: C.block_ends_of(rec["iterations"]) for v, rec in variants.items()}
    assert ends["eager"] == {r: 3 * r - 1 for r in range(1, 11)}
    assert ends["script"] == ends["eager"]  # its extra warm-up iteration is not on the axis
    for key in ("sm_clock_mhz", "power_w", "temperature_c"):
        curves = C.curves(session["samples"], key, ends)
        assert sorted(curves) == sorted(variants)
        for v, (x, y) in curves.items():
            mine = sorted((s for s in session["samples"] if s["variant"] == v), key=lambda s: s["round"])
            assert list(x) == [_expected_x(variants[v]["iterations"], s["round"]) for s in mine]
            assert list(y) == pytest.approx([s[key] for s in mine])
    x, y = C.curves(session["samples"], "sm_clock_mhz", ends)["compile"]
    assert list(x) == [2, 5, 8, 11, 14, 17, 20, 23, 26, 29] and set(y) == {1980.0}


def test_cpu_samples_one_iteration_per_block():
    session = load_data("gated_cpu.json")
    ends = {v: C.block_ends_of(rec["iterations"]) for v, rec in session["variants"].items()}
    x, y = C.curves(session["samples"], "cpu_load_pct", ends)["trace"]
    assert list(x) == list(range(10))
    trace = sorted((s for s in session["samples"] if s["variant"] == "trace"), key=lambda s: s["round"])
    assert list(y) == pytest.approx([s["cpu_load_pct"] for s in trace])


def _synthetic():
    """Short blocks that start with unmeasured iterations, a newer runner's placement figures,
    gaps, and a sample whose block never reached the session."""
    session = new_session({"variants": ["eager", "script"], "iters": 6, "schedule": "interleaved"})
    for v in ("eager", "script"):
        its = session["variants"][v]["iterations"]
        i = 0
        for _ in range(2):  # leading warm-up
            its.append({"i": i, "fwd_ms": 1.0, "bwd_ms": None, "warmup": True, "round": None})
            i += 1
        for r in (1, 2, 3):
            its.append({"i": i, "fwd_ms": 1.0, "bwd_ms": None, "warmup": True, "round": r})  # re-warm
            i += 1
            for _ in range(2):
                its.append({"i": i, "fwd_ms": 1.0, "bwd_ms": None, "warmup": False, "round": r})
                i += 1
    samples = session["samples"]
    for r, (switches, core) in enumerate([(100, 3), (112, 3), (130, 5)], start=1):
        samples.append({"round": r, "variant": "eager", "time": 1.0 + r, "cpu_freq_mhz": None,
                        "cpu_load_pct": 10.0 * r, "cpu_core": core, "ctx_switches_involuntary": switches})
        samples.append({"round": r, "variant": "script", "time": 1.5 + r, "cpu_freq_mhz": None,
                        "cpu_load_pct": None if r == 2 else 20.0})  # an older runner: no placement
    samples.append({"round": 4, "variant": "eager", "cpu_load_pct": 99.0})  # its iterations never came
    samples.append({"round": None, "variant": "eager", "cpu_load_pct": 99.0})
    return session


def test_synthetic_session_blocks_gaps_and_per_block_differences():
    session = _synthetic()
    ends = {v: C.block_ends_of(rec["iterations"]) for v, rec in session["variants"].items()}
    assert ends["eager"] == {1: 1, 2: 3, 3: 5}  # the re-warm-up iteration of each block is not on the axis
    samples = session["samples"]
    # no CPU frequency anywhere (a VM): neither listed nor the default
    assert C.available(samples) == ["cpu_load_pct", "cpu_core", "ctx_switches_involuntary"]
    assert C.default_metric(C.available(samples)) is None

    load = C.curves(samples, "cpu_load_pct", ends)
    assert list(load["eager"][0]) == [1, 3, 5] and list(load["eager"][1]) == [10.0, 20.0, 30.0]
    x, y = load["script"]
    assert list(x) == [1, 3, 5] and y[0] == 20.0 and np.isnan(y[1]) and y[2] == 20.0

    # the counter is cumulative: plotted per block, nothing for the first one
    x, y = C.curves(samples, "ctx_switches_involuntary", ends)["eager"]
    assert list(x) == [1, 3, 5] and np.isnan(y[0]) and list(y[1:]) == [12.0, 18.0]
    x, y = C.curves(samples, "ctx_switches_involuntary", ends)["script"]
    assert np.isnan(y).all()
    assert list(C.curves(samples, "cpu_core", ends)["eager"][1]) == [3.0, 3.0, 5.0]

    # a block's value reads the same anywhere under the block
    x, y = load["eager"]
    assert [C.value_at(x, y, i) for i in range(-1, 7)] == [None, 10.0, 10.0, 20.0, 20.0, 30.0, 30.0, None]
    assert C.value_at(*load["script"], 2) is None


def test_a_restarted_counter_gives_no_negative_difference():
    samples = [{"round": r, "variant": "eager", "ctx_switches_involuntary": n} for r, n in ((1, 50), (2, 60), (3, 4))]
    x, y = C.curves(samples, "ctx_switches_involuntary", {"eager": {1: 0, 2: 1, 3: 2}})["eager"]
    assert np.isnan(y[0]) and y[1] == 10.0 and np.isnan(y[2])
    # one value per variant makes no difference: not listed
    assert C.available(samples[:1]) == []


def test_block_ends_of_live_buffers():
    rounds = np.array([-1, -1, 1, 1, 1, 2, 2, -1])
    warmup = np.array([True, True, True, False, False, True, False, False])
    assert C.block_ends(rounds, warmup) == {1: 1, 2: 2}


def test_min_span_keeps_a_steady_clock_flat():
    assert C.min_span(np.array([1980.0, 1980.0])) == pytest.approx(198.0)
    assert C.min_span(np.array([3.0, np.nan])) == 2.0
    assert C.min_span(np.array([np.nan])) == 2.0
