"""The four compile modes, each in a runner of its own, on a CPU: they run, say precisely what they skipped,
and say where their first call went."""

from __future__ import annotations

from pathlib import Path

from jitlab.core.session import store as S
from tests.conftest import MODES, jitlab


def test_every_mode_runs_in_its_own_runner(modes_run):
    _out, session, stdout = modes_run
    variants = session["variants"]
    assert list(variants) == ["eager", *MODES]
    for name in MODES:
        v = variants[name]
        assert v["status"] == S.STATUS_OK, (name, v["error"])
        assert v["check"]["ok"], name
        assert v["stats"]["total"]["n"] == 3
        assert v["speedup_vs_eager"] is not None
        assert v["graphs"]["kernel_names"], name  # introspection read each mode's generated code
    # the colon names reach the table as they are
    for name in MODES:
        assert name in stdout


def test_modes_that_need_cuda_say_what_they_skipped(modes_run):
    _out, session, _stdout = modes_run
    notes = {name: " | ".join(session["variants"][name]["notes"]) for name in MODES}
    skipped = "CUDA graphs skipped: the device is CPU"
    assert skipped in notes["compile:reduce-overhead"]
    assert skipped in notes["compile:max-autotune"]
    assert skipped not in notes["compile"] and skipped not in notes["compile:max-autotune-no-cudagraphs"]
    for name in ("compile:max-autotune", "compile:max-autotune-no-cudagraphs"):
        assert "Triton autotuning skipped (no CUDA device)" in notes[name]
    # per graph: whether it ran as a CUDA graph, and why not
    for name in ("compile:reduce-overhead", "compile:max-autotune"):
        cg = session["variants"][name]["cudagraphs"]
        assert cg["mode"] == name.split(":")[1] and cg["device"] == "cpu"
        assert cg["graphs"], name
        assert all(not g["used"] and g["reason"].startswith("the device is CPU") for g in cg["graphs"])
        # one inference graph, compiled once: introspection's own tracing is not listed
        assert [(g["compile_id"], g["phase"]) for g in cg["graphs"]] == [("0/0", "fwd")], cg["graphs"]
    assert session["variants"]["compile"]["cudagraphs"] is None


def test_the_breakdown_adds_up_to_the_first_call(modes_run):
    _out, session, _stdout = modes_run
    for name in MODES:
        v = session["variants"][name]
        ct = v["compile_time"]
        assert ct["cache"] == "cold"
        assert ct["first_call_ms"] == v["first_call_ms"]
        parts = {p["key"]: p["ms"] for p in ct["parts"]}
        assert {"dynamo", "aot_autograd", "inductor", "other"} <= set(parts)
        assert all(ms >= 0 for ms in parts.values())
        total = sum(parts.values())
        assert abs(total - v["first_call_ms"]) <= 0.10 * v["first_call_ms"], (name, parts, v["first_call_ms"])
        # and the named parts, not "other", explain the first call: at most 10% is left over
        assert parts["other"] <= 0.10 * v["first_call_ms"], (name, parts)
        assert parts["inductor"] > 0 and parts["dynamo"] > 0
        # cold: nothing in the cache, so the FX graph cache missed
        assert ct["caches"]["fx_graph"]["miss"] >= 1 and ct["caches"]["fx_graph"]["hit"] == 0


def test_cold_caches_are_removed(modes_run):
    _out, session, _stdout = modes_run
    folders = [session["variants"][name]["compile_time"]["cache_dir"] for name in MODES]
    assert len(set(folders)) == len(MODES)  # one empty cache per runner
    for folder in folders:
        assert Path(folder).name.startswith("jitlab-inductor-")
        assert not Path(folder).exists()


def test_show_prints_the_breakdown_and_the_cuda_graph_decisions(modes_run):
    out, _session, _stdout = modes_run
    text = jitlab("show", str(out), "--what", "compile").stdout
    for name in MODES:
        assert f"== {name}: torch.compile" in text
    assert "Dynamo tracing" in text and "AOTAutograd" in text and "Inductor codegen + compile" in text
    assert "cold cache · FX graph cache 0 hit" in text
    assert "0/0 (fwd): skipped: the device is CPU" in text
    one = jitlab("show", str(out), "--what", "compile", "--variant", "compile:reduce-overhead").stdout
    assert "== compile:reduce-overhead" in one and "== compile:max-autotune" not in one


def test_the_session_records_the_compile_options(modes_run):
    _out, session, _stdout = modes_run
    st = session["settings"]
    assert (st["compile_cache"], st["compile_dynamic"], st["compile_fullgraph"]) == ("cold", "auto", False)
