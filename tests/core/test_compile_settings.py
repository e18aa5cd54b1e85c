"""Compile modes as variant names, and the compile options, through settings, sessions and the CLI."""

from __future__ import annotations

import json

import pytest

from jitlab import VARIANTS
from jitlab.core.session import store as S
from jitlab.core.settings import InputError, make_settings
from jitlab.core.variants import (COMPILE_VARIANTS, compile_mode, file_stem, is_compile, uses_cudagraphs)
from tests.conftest import DATA, jitlab


def test_modes_are_variants_in_a_fixed_order():
    assert COMPILE_VARIANTS == ("compile", "compile:reduce-overhead", "compile:max-autotune",
                                "compile:max-autotune-no-cudagraphs")
    assert all(v in VARIANTS for v in COMPILE_VARIANTS)
    s = make_settings(variants="compile:max-autotune,eager,compile")
    assert s["variants"] == ["eager", "compile", "compile:max-autotune"]
    assert [compile_mode(v) for v in COMPILE_VARIANTS] == ["default", "reduce-overhead", "max-autotune",
                                                           "max-autotune-no-cudagraphs"]
    assert [uses_cudagraphs(v) for v in COMPILE_VARIANTS] == [False, True, True, False]
    assert not is_compile("script") and compile_mode("eager") is None
    assert file_stem("compile:reduce-overhead") == "compile-reduce-overhead"


@pytest.mark.parametrize("overrides, message", [
    ({"variants": "compile:fast"}, "unknown variant(s) compile:fast"),
    ({"compile_dynamic": "maybe"}, "--dynamic must be one of auto, true, false"),
    ({"compile_cache": "hot"}, "--compile-cache must be cold or warm"),
])
def test_bad_compile_settings_are_refused(overrides, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_settings(**overrides)


def test_defaults_and_options():
    s = make_settings()
    assert (s["compile_dynamic"], s["compile_fullgraph"], s["compile_cache"]) == ("auto", False, "cold")
    s = make_settings(compile_dynamic="TRUE", compile_fullgraph=1, compile_cache="warm")
    assert (s["compile_dynamic"], s["compile_fullgraph"], s["compile_cache"]) == ("true", True, "warm")


def test_a_session_with_mode_variants_and_an_old_one_load(tmp_path):
    session = S.new_session(make_settings(variants="eager,compile:reduce-overhead"))
    session["variants"]["compile:reduce-overhead"]["recompiles"] = [{"i": 3, "reason": "x", "excluded": [3, 4, 5]}]
    session["variants"]["compile:reduce-overhead"]["iterations"] = [
        {"i": i, "fwd_ms": 1.0 if i not in (3, 4, 5) else 90.0, "bwd_ms": None, "warmup": False, "round": 0}
        for i in range(8)]
    S.finalize(session)
    rec = session["variants"]["compile:reduce-overhead"]
    assert rec["stats"]["total"]["n"] == 5 and rec["stats"]["total"]["mean"] == 1.0
    path = S.save(session, tmp_path / "s.json")
    loaded = S.load(path)
    assert [it.get("recompile") for it in loaded["variants"]["compile:reduce-overhead"]["iterations"]][2:7] == \
        [None, True, True, True, None]
    # a session written before the modes: plain compile, no compile keys, loads with them filled in
    old = json.loads(path.read_text())
    old["variants"] = {"compile": {"status": "ok", "iterations": [{"i": 0, "fwd_ms": 1.0, "warmup": False}]}}
    for key in ("compile_dynamic", "compile_fullgraph", "compile_cache"):
        old["settings"].pop(key)
    (tmp_path / "old.json").write_text(json.dumps(old))
    v = S.load(tmp_path / "old.json")["variants"]["compile"]
    assert v["compile_time"] is None and v["recompiles"] == [] and v["cudagraphs"] is None


def test_a_badly_named_variant_is_refused(tmp_path):
    session = S.new_session(make_settings())
    session["variants"]["compile:Fast Mode"] = S.new_variant()
    (tmp_path / "bad.json").write_text(json.dumps(session))
    with pytest.raises(S.SessionError, match="is not a lower-case name"):
        S.load(tmp_path / "bad.json")


def test_cli_refuses_an_unknown_mode_and_documents_the_options():
    proc = jitlab("run", str(DATA / "pointwise.py"), "--variants", "eager,compile:turbo", check=False)
    assert proc.returncode == 2 and "unknown variant(s) compile:turbo" in proc.stderr
    assert "compile:reduce-overhead" in proc.stderr  # the message lists what there is
    proc = jitlab("run", "--dynamic", "sometimes", check=False)
    assert proc.returncode == 2 and "--dynamic" in proc.stderr
    text = jitlab("run", "--help").stdout
    for flag in ("--dynamic", "--fullgraph", "--compile-cache"):
        assert flag in text
