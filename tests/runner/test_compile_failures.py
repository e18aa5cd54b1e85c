"""What goes wrong around the compile lane says so: fullgraph with a graph break, a warm cache that hits,
and a torch without the records jitlab reads."""

from __future__ import annotations

import pytest
import torch

from jitlab.core.session import store as S
from jitlab.runner import compile_times, recompiles
from jitlab.runner.harness import Harness
from tests.conftest import DATA, jitlab, needs_cxx

GRAPH_BREAK = DATA / "graph_break.py"


def test_fullgraph_fails_a_module_with_a_graph_break(tmp_path):
    out = tmp_path / "s.json"
    proc = jitlab("run", str(GRAPH_BREAK), "--variants", "eager,compile", "--fullgraph", "--mode", "infer",
                  "--iters", "2", "--warmup", "1", "--no-device-time", "--no-introspect", "--out", str(out), "-q",
                  check=False)
    assert proc.returncode == 1  # a variant failed; the session keeps eager
    session = S.load(out)
    assert session["settings"]["compile_fullgraph"] is True
    assert session["variants"]["eager"]["status"] == "ok"
    v = session["variants"]["compile"]
    assert v["status"] == "failed"
    assert "graph break" in v["error"]["message"].lower() or "fullgraph" in v["error"]["message"].lower()


@needs_cxx
def test_a_warm_cache_is_the_users_and_a_second_run_hits_it(tmp_path):
    cache = tmp_path / "inductor-cache"
    env = {"TORCHINDUCTOR_CACHE_DIR": str(cache)}
    runs = []
    for k in range(2):
        out = tmp_path / f"s{k}.json"
        jitlab("run", str(DATA / "pointwise.py"), "--variants", "compile", "--compile-cache", "warm", "--mode",
               "infer", "--iters", "2", "--warmup", "1", "--no-device-time", "--no-introspect", "--out", str(out),
               "-q", env=env)
        runs.append(S.load(out)["variants"]["compile"]["compile_time"])
    assert [r["cache"] for r in runs] == ["warm", "warm"]
    assert runs[0]["cache_dir"] is None  # nothing of the user's is removed
    assert cache.is_dir() and any(cache.iterdir())
    assert runs[1]["caches"]["fx_graph"]["hit"] >= 1
    assert runs[1]["first_call_ms"] < runs[0]["first_call_ms"]


def test_a_torch_without_compilation_records_says_so(monkeypatch):
    import torch._dynamo.utils as dynamo_utils

    monkeypatch.delattr(dynamo_utils, "get_compilation_metrics")
    first = compile_times.FirstCall()
    out = first.breakdown(1234.0, {"cache": "cold", "dir": "/tmp/jitlab-inductor-x"})
    assert out["parts"] == [{"key": "other", "label": "other (running the call, guards, Python)", "ms": 1234.0}]
    assert out["notes"][0].startswith(f"compile-time parts not available on torch {torch.__version__}")
    watch = recompiles.Watch(torch.nn.Linear(2, 2), (torch.ones(2),), send=lambda msg: None)
    assert not watch.available
    assert watch.error.startswith(f"recompiles cannot be watched on torch {torch.__version__}")
    watch(3, False)  # a no-op, never an exception inside the timed loop


def test_the_harness_marks_each_step_and_holds_no_previous_output():
    calls, seen = [], []
    layer = torch.nn.Linear(4, 4)
    h = Harness(layer, (torch.ones(2, 4),), True, torch.device("cpu"), layer.parameters())
    h.before_step = lambda: calls.append(h.last_output)
    h.release_outputs = True
    h.after_step = lambda i, warmup: seen.append((i, warmup))
    h.run(3, True, None, lambda msg: None)
    assert calls == [None, None, None]  # the previous output was dropped before every step
    assert seen == [(0, True), (1, True), (2, True)]
    assert all(p.grad is None for p in layer.parameters())  # gradients set to None, not zeroed


def test_a_frame_first_met_late_is_not_called_a_recompile():
    from types import SimpleNamespace

    sent = []
    layer = torch.nn.Linear(2, 2)
    watch = recompiles.Watch(layer, (torch.ones(2),), send=sent.append)
    # what Dynamo records for a frame it compiles for the first time (compile id N/0, no reason)
    record = SimpleNamespace(compile_id="3/0", recompile_reason=None, co_name="helper", co_filename="/x/m.py",
                             co_firstlineno=4, entire_frame_compile_time_s=0.5, is_forward=True)
    watch._report(7, False, record)
    assert sent[-1]["reason"] == "Dynamo compiled a frame first reached at this iteration (helper)"
    assert sent[-1]["i"] == 7 and sent[-1]["t"] == "recompiled"
    # a recompile whose record has no reason (and no guard_failures entry) on this torch says so
    watch._report(8, False, SimpleNamespace(compile_id="0/2", recompile_reason=None))
    assert sent[-1]["reason"] == f"Dynamo compiled again; the failed guard is not available on torch {torch.__version__}"
