"""Dynamo graphs, graph breaks and Inductor code of the compile variant,
recorded by real runner processes."""

from __future__ import annotations

import pytest

from tests.conftest import DATA, HAS_CXX

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAS_CXX, reason="torch.compile on CPU needs a C++ compiler")]


def test_compile_records_generated_cpp_and_kernel_names(compile_run):
    _, session = compile_run
    v = session["variants"]["compile"]
    assert v["status"] == "ok", v["error"]
    g = v["graphs"]
    code = g["code"]
    assert "# AOT ID" in code["forward"] and "# AOT ID" in code["backward"]
    # CPU Inductor writes C++ kernels into its Python wrapper.
    assert 'extern "C"' in code["forward"] and "cpp_fused_" in code["forward"]
    assert g["kernel_names"] and all(n.startswith("cpp_") for n in g["kernel_names"])
    for name in g["kernel_names"]:
        assert name in code["forward"] or name in code["backward"]
    phases = {cg["phase"] for cg in g["compiled_graphs"]}
    assert phases == {"fwd", "bwd"}
    assert g["graph_count"] == 1 and g["graph_break_count"] == 0 and g["break_reasons"] == []
    assert len(g["fx_graphs"]) == 1 and "torch.tanh" in g["fx_graphs"][0]
    assert g["recompiles"] == []
    assert g["compile_metrics"][0]["compile_id"] == "0/0"


def test_compile_kernels_link_to_generated_code(compile_run):
    _, session = compile_run
    v = session["variants"]["compile"]
    names = set(v["graphs"]["kernel_names"])
    rows = v["kernels"]["items"]
    generated = [r for r in rows if r["name"] in names]
    assert generated, rows
    assert {r["phase"] for r in generated} == {"fwd", "bwd"}
    for r in generated:
        assert r["fused"] is True and r["group"] == r["name"] and r["device_time_us"] > 0
    # The matmul stays a library call.
    assert any(r["name"] in ("aten::addmm", "aten::mm") for r in rows)
    # Explaining the graphs costs a Dynamo trace, not another Inductor compile.
    assert v["kernels"]["collect_ms"]["explain"] < 10_000


def test_graph_break_reports_reason_and_line(break_run):
    _, session = break_run
    v = session["variants"]["compile"]
    assert v["status"] == "ok", v["error"]
    g = v["graphs"]
    assert g["graph_count"] == 2 and g["graph_break_count"] == 1
    assert len(g["break_reasons"]) == 1
    br = g["break_reasons"][0]
    source = (DATA / "graph_break.py").read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if "print(" in text)
    assert br["file"] == str(DATA / "graph_break.py")
    assert br["line"] == line
    assert "print" in br["reason"]
    assert len(g["fx_graphs"]) == 2
    # Inference mode: Inductor compiles inference graphs only.
    assert {cg["phase"] for cg in g["compiled_graphs"]} == {"fwd"}
    assert g["code"]["backward"] is None
    assert all(r["phase"] == "fwd" for r in v["kernels"]["items"])
