"""Documents of a session, fusion nodes in optimized graphs, source comments,
Inductor's kernels (no widgets)."""

from __future__ import annotations

from jitlab.core.present import graph_sources as G


def test_default_pair_is_scripts_graph_and_optimized_forward(cpu_session):
    assert G.default_pair(cpu_session) == (("script", "graph"), ("script", "optimized.forward"))
    only_compile = {"variants": {"compile": cpu_session["variants"]["compile"]}}
    assert G.default_pair(only_compile) == (("compile", "fx.0"), ("compile", "inductor.forward"))


def test_torchscript_documents(cpu_session, h100_session):
    keys = [d.key for d in G.documents(cpu_session, "script")]
    assert keys[:4] == ["graph", "code", "optimized.forward", "optimized.backward"]
    assert "group.0" in keys and "group.0.NNC IR" in keys and "group.1" in keys
    assert "group.0.CUDA C" not in keys  # CPU: no CUDA source
    h100 = {d.key: d for d in G.documents(h100_session, "script")}
    assert "__global__" in h100["group.0.CUDA C"].text
    assert [label for label, _, _ in h100["group.0"].companions] == ["kernel: CUDA C", "kernel: NNC IR"]


def test_eager_has_a_note_instead_of_a_graph(cpu_session):
    (doc,) = G.documents(cpu_session, "eager")
    assert doc.text is None and "eager runs op by op" in doc.note


def test_fusion_nodes_link_to_their_groups(cpu_session, h100_session):
    for session in (cpu_session, h100_session):
        for variant in ("script", "trace"):
            g = session["variants"][variant]["graphs"]
            for phase, group in (("forward", 0), ("backward", 1)):
                text = g["optimized"][phase]
                links = G.fusion_links(text, g["fusion_groups"])
                assert set(links.values()) == {group}
                lines = text.split("\n")
                calls = [n for n in links if "= prim::TensorExprGroup_0(" in lines[n]]
                heads = [n for n in links if lines[n].startswith("with prim::TensorExprGroup_0 = graph(")]
                assert len(calls) == 1 and len(heads) == 1


def test_source_comments():
    ts = "  %5 : Tensor = aten::mul(%x.1, %scale) # /work/main/resources/examples/gated.py:23:12"
    path, line, col, start, end = G.source_link(ts)
    assert (path, line, col) == ("/work/main/resources/examples/gated.py", 23, 12)
    assert ts[start:end] == "/work/main/resources/examples/gated.py:23:12"
    fx = "        # File: /a/graph_break.py:14 in forward, code: h = torch.relu(self.lin(x))"
    assert G.source_link(fx)[:3] == ("/a/graph_break.py", 14, None)
    assert G.source_link("  %191 : int[] = aten::size(%x.1) # <string>:3:44") is None


def test_inductor_kernels_cpp_and_triton(cpu_session, h100_session):
    cpu = G.inductor_kernels(cpu_session["variants"]["compile"]["graphs"])
    assert set(cpu) == set(cpu_session["variants"]["compile"]["graphs"]["kernel_names"])
    assert all(lang == "C++" and 'extern "C"' in src for lang, src in cpu.values())
    gpu = G.inductor_kernels(h100_session["variants"]["compile"]["graphs"])
    lang, src = gpu["triton_poi_fused_add_mul_relu_sigmoid_tanh_0"]
    assert lang == "Triton" and "@triton.jit" in src and "tl.store" in src
    modules = G.compiled_modules(h100_session["variants"]["compile"]["graphs"])
    assert set(modules) == {"0_forward", "0_backward"} and "def call(" in modules["0_forward"]


def test_kernel_source_of_a_profiled_row(h100_session):
    doc = G.kernel_source(h100_session, "script", "fused_mul_add_tanh_s_2403023317769605389")
    assert doc.group == 0 and "fused_mul_add_tanh_s_2403023317769605389" in doc.text
    assert G.kernel_source(h100_session, "eager", "Memset (Device)") is None
