"""Graphs, fusion groups and kernels of the script and trace variants,
recorded by real runner processes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import GATED, run_session

pytestmark = pytest.mark.slow

FUSED_NAME = re.compile(r"^fused_\w+$")


def groups_of(variant: dict, kind: str = "prim::TensorExprGroup") -> list[dict]:
    return [g for g in variant["graphs"]["fusion_groups"] if g["kind"] == kind]


@pytest.mark.parametrize("name", ["script", "trace"])
def test_cpu_fusion_records_nnc_groups(fused_run, name):
    _, session = fused_run
    v = session["variants"][name]
    assert v["status"] == "ok", v["error"]
    groups = groups_of(v)
    assert groups, v["notes"]
    fwd = [g for g in groups if g["phase"] == "fwd"]
    assert fwd, "the forward of gated.py is one chain of pointwise ops and must fuse"
    g = fwd[0]
    # gated.py's forward: x * scale + shift, tanh, sigmoid, mul, relu, mul, add.
    for op in ("aten::mul", "aten::add", "aten::tanh", "aten::sigmoid", "aten::relu"):
        assert op in g["ops"]
    assert "prim::Constant" not in g["ops"]
    assert g["subgraph"].startswith("graph(") and "aten::tanh" in g["subgraph"]
    assert FUSED_NAME.match(g["kernel_name"])
    assert "seen in the profile" in g["kernel_name_source"]
    assert "for (" in g["nnc_ir"], "NNC's loop nest"
    assert not g["cuda_source"], "no CUDA source on a CPU run"


@pytest.mark.parametrize("name", ["script", "trace"])
def test_fused_kernel_appears_in_the_kernel_list(fused_run, name):
    _, session = fused_run
    v = session["variants"][name]
    names = {g["kernel_name"] for g in groups_of(v)}
    fused_rows = [r for r in v["kernels"]["items"] if FUSED_NAME.match(r["name"])]
    assert fused_rows, v["kernels"]["items"]
    for r in fused_rows:
        assert r["name"] in names, "every profiled fused op links to a recorded group"
        assert r["fused"] is True and r["group"] == r["name"]
        assert r["count"] >= 1 and r["device_time_us"] > 0
    # The backward of the fused forward is fused too, and runs under autograd.
    groups_by_name = {g["kernel_name"]: g for g in groups_of(v)}
    assert {r["phase"] for r in fused_rows} == {"fwd", "bwd"}
    for r in fused_rows:
        assert groups_by_name[r["name"]]["phase"] == r["phase"]
    assert v["kernels"]["totals"]["fused_launches"] >= 2


@pytest.mark.parametrize("name", ["script", "trace"])
def test_train_mode_records_forward_and_backward_graphs(plain_run, name):
    _, session = plain_run
    v = session["variants"][name]
    assert v["status"] == "ok", v["error"]
    g = v["graphs"]
    assert "aten::tanh" in g["graph"] and "aten::tanh" in g["inlined_graph"]
    assert "def forward" in g["code"]
    opt = g["optimized"]
    assert "prim::DifferentiableGraph" in opt["forward"]
    assert "optimized forward" in opt["forward"]
    assert opt["backward"] and "graph(" in opt["backward"]
    # tanh' = 1 - tanh^2 and relu' = (x > 0) appear in the backward graph.
    assert "aten::gt" in opt["backward"] and "aten::neg" in opt["backward"]


@pytest.mark.parametrize("name", ["script", "trace"])
def test_no_fusion_without_the_flag_says_why(plain_run, name):
    _, session = plain_run
    v = session["variants"][name]
    assert v["graphs"]["fusion_groups"] == []
    reasons = [n for n in v["notes"] if n.startswith("no fusion")]
    assert reasons, v["notes"]
    import torch

    if not torch._C._llvm_enabled():
        assert "--cpu-fusion" in reasons[0] and "LLVM" in reasons[0]


def test_kernel_lists_split_forward_and_backward(plain_run):
    _, session = plain_run
    k = session["variants"]["eager"]["kernels"]
    rows = {(r["name"], r["phase"]): r for r in k["items"]}
    for op in ("aten::tanh", "aten::sigmoid", "aten::relu"):
        assert (op, "fwd") in rows
    assert ("aten::tanh_backward", "bwd") in rows
    assert ("aten::threshold_backward", "bwd") in rows
    assert not any(r["fused"] for r in k["items"]), "eager runs no compiler-made kernel"
    assert not any(r["group"] for r in k["items"])
    # Autograd nodes and TorchScript functions are wrappers, not ops.
    assert not any(r["name"].endswith("Backward0") or r["name"] == "forward" for r in k["items"])
    t = k["totals"]
    assert t["distinct"] == len({r["name"] for r in k["items"]})
    assert t["launches"] == pytest.approx(sum(r["count"] for r in k["items"]))
    assert t["device_time_us"] > 0
    assert k["by_phase"]["fwd"]["launches"] > 0 and k["by_phase"]["bwd"]["launches"] > 0
    assert 1 <= k["iterations"] <= k["profiled_iterations"] <= 20 and k["profiled_iterations"] >= 5
    # The first profiled iterations are the profiler's warm-up; the rest are set against unprofiled steps.
    assert k["warmup_iterations"] == 2 and k["iterations"] <= k["profiled_iterations"] - 2
    assert k["unprofiled_steps"] >= 3 and k["unprofiled_step_ms"] > 0 and k["recorded_events"] >= t["launches"]
    # CPU rows carry the profiler's measured cost out: never more than recorded, and never more
    # than an unprofiled step took beside them.
    assert k["profiler_us_per_event"] >= 0 and 0 < k.get("profiler_scale", 1.0) <= 1
    assert t["device_time_us"] <= t["recorded_us"] + 0.01
    unprofiled_wall_ms = k["profiled_step_ms"] - k["profiler_ms"]
    assert t["device_time_us"] / 1000.0 <= unprofiled_wall_ms * 1.001 + 1e-3
    assert k["collect_ms"]["total"] >= k["collect_ms"]["profile"]


def test_trace_out_writes_a_chrome_trace_per_variant(plain_run):
    out, session = plain_run
    for name, v in session["variants"].items():
        path = Path(v["kernels"]["trace_file"])
        assert path.parent == out.parent / "traces" and path.name == f"{name}.json"
        trace = json.loads(path.read_text())
        assert trace["traceEvents"]


def test_infer_mode_has_no_backward(tmp_path):
    session = run_session(tmp_path / "s.json", GATED, "--variants", "script", "--mode", "infer",
                         "--iters", "3", "--warmup", "3")
    v = session["variants"]["script"]
    assert v["status"] == "ok", v["error"]
    assert v["graphs"]["optimized"]["forward"]
    assert v["graphs"]["optimized"]["backward"] is None
    assert all(r["phase"] == "fwd" for r in v["kernels"]["items"])
    assert v["kernels"]["by_phase"]["bwd"]["launches"] == 0
