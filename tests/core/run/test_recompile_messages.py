"""The parent's side of a ``recompiled`` message: recorded with the iterations it keeps out of the
statistics (three under CUDA graphs on a GPU, where the new graph is warmed up and recorded), and a
malformed one fails only its variant."""

from __future__ import annotations

import random

from jitlab.core.session import store as S
from jitlab.core.run.conductor import Conductor
from jitlab.core.settings import make_settings


def _loaded(device: str, variants: str) -> Conductor:
    settings = make_settings(file="/x/m.py", device=device, iters=4, variants=variants, device_time=False)
    c = Conductor(S.new_session(settings), clock=lambda: 0.0, rng=random.Random(1))
    c.start()
    for v in c.order:
        c.on_message(v, {"t": "loaded", "env": {}, "notes": []})
    return c


def _recompiled(i: int) -> dict:
    return {"t": "recompiled", "i": i, "warmup": False, "compile_id": "0/1", "function": "forward",
            "file": "/x/m.py", "line": 9, "reason": "`self.scale` changed from 1 to 2", "guard": "self.scale == 1",
            "subject": "self.scale", "seconds": 1.5}


def test_a_recompile_is_recorded_with_the_iterations_it_spoils():
    c = _loaded("cuda", "eager,compile,compile:reduce-overhead")
    c.on_message("compile", _recompiled(12))
    c.on_message("compile:reduce-overhead", _recompiled(12))
    plain = c.session["variants"]["compile"]["recompiles"][0]
    graphs = c.session["variants"]["compile:reduce-overhead"]["recompiles"][0]
    assert plain["excluded"] == [12] and graphs["excluded"] == [12, 13, 14]
    assert plain["reason"] == "`self.scale` changed from 1 to 2" and plain["guard"] == "self.scale == 1"
    assert c.session["variants"]["compile:reduce-overhead"]["notes"][-1] == (
        "iteration 12: Dynamo recompiled (`self.scale` changed from 1 to 2); iterations 12-14 kept out of the "
        "steady statistics")


def test_on_a_cpu_cuda_graph_modes_spoil_one_iteration():
    c = _loaded("cpu", "compile:reduce-overhead")
    c.on_message("compile:reduce-overhead", {**_recompiled(3), "warmup": True})
    rec = c.session["variants"]["compile:reduce-overhead"]
    assert rec["recompiles"][0]["excluded"] == [3]
    assert rec["notes"][-1] == "warm-up iteration 3: Dynamo recompiled (`self.scale` changed from 1 to 2)"


def test_a_malformed_recompile_fails_only_its_variant():
    c = _loaded("cpu", "eager,compile")
    c.on_message("compile", {"t": "recompiled", "reason": "no iteration"})
    assert c.session["variants"]["compile"]["status"] == S.STATUS_FAILED
    assert "'recompiled' message without its 'i' field" in c.session["variants"]["compile"]["error"]["message"]
    assert c.session["variants"]["eager"]["status"] != S.STATUS_FAILED
