"""A guarded attribute that changes mid-run: the recompile is recorded at its iteration, with the attribute
and its old and new values in plain words, and kept out of the statistics."""

from __future__ import annotations

from jitlab.core import stats
from tests.conftest import jitlab
from tests.data.scale_changes import CHANGE_AFTER


def test_the_recompile_is_recorded_at_its_iteration(recompile_run):
    _out, session = recompile_run
    v = session["variants"]["compile"]
    assert v["status"] == "ok"
    assert len(v["recompiles"]) == 1
    r = v["recompiles"][0]
    assert r["i"] == CHANGE_AFTER
    assert r["reason"] == "`self.scale` changed from 1 to 2"
    assert r["subject"] == "self.scale"
    assert "scale == 1" in r["guard"]
    assert r["function"] == "forward" and r["file"].endswith("scale_changes.py")
    assert r["warmup"] is False  # the layer changes late enough to land among the measured iterations


def test_its_iteration_is_kept_out_of_the_statistics(recompile_run):
    _out, session = recompile_run
    v = session["variants"]["compile"]
    by_index = {it["i"]: it for it in v["iterations"]}
    slowed = by_index[CHANGE_AFTER]
    assert slowed["recompile"] is True and not slowed["warmup"]
    measured = [it for it in v["iterations"] if not it["warmup"]]
    assert v["stats"]["total"]["n"] == len(measured) - 1
    # the recompile took a compile's time: far above every iteration the statistics count
    counted = [stats.total_ms(it["fwd_ms"], it["bwd_ms"]) for it in measured if it["i"] != CHANGE_AFTER]
    assert stats.total_ms(slowed["fwd_ms"], slowed["bwd_ms"]) > 10 * max(counted)
    assert v["stats"]["total"]["mean"] < max(counted) + 1e-9
    assert any(f"iteration {CHANGE_AFTER}: Dynamo recompiled (`self.scale` changed from 1 to 2); iteration "
               f"{CHANGE_AFTER} kept out of the steady statistics" in n for n in v["notes"])


def test_the_first_call_breakdown_in_train_mode(recompile_run):
    _out, session = recompile_run
    v = session["variants"]["compile"]
    parts = {p["key"]: p["ms"] for p in v["compile_time"]["parts"]}
    first = v["first_call_ms"]
    assert abs(sum(parts.values()) - first) <= 0.10 * first
    assert parts["other"] <= 0.10 * first, parts
    # forward and the backward Inductor compiled at the first backward: two FX graphs, one AOTAutograd entry
    assert v["compile_time"]["caches"]["fx_graph"]["miss"] >= 2


def test_show_lists_the_recompile_with_its_iteration(recompile_run):
    out, _session = recompile_run
    text = jitlab("show", str(out), "--what", "compile").stdout
    assert f"  iteration {CHANGE_AFTER}: `self.scale` changed from 1 to 2" in text
