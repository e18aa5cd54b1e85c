"""Stochastic modules are detected and checked in a deterministic setting, without false alarms."""

from __future__ import annotations

import pytest

from tests.conftest import DATA


@pytest.mark.slow
def test_dropout_in_train_mode_is_detected_and_compile_checks_clean(jitlab_run):
    res = jitlab_run(DATA / "dropout_layer.py", "--variants", "eager,script,compile", "--no-introspect", iters=4)
    assert res.rc == 0, res.err
    for name in ("script", "compile"):
        v = res.session["variants"][name]
        assert v["check"]["random"] is True
        assert v["check"]["ok"], (name, v["check"])  # no false alarm: compared under the same random numbers
        assert any(n.startswith("the module draws random numbers") for n in v["notes"])
    assert any("fallback_random" in n for n in res.session["variants"]["compile"]["notes"])
    assert "DIFF" not in res.out and "matches eager (rel. err." in res.out


@pytest.mark.slow
def test_a_deterministic_module_is_not_called_random(jitlab_run):
    res = jitlab_run(DATA / "linear.py", "--variants", "eager,script", "--no-introspect", iters=3)
    assert res.rc == 0, res.err
    script = res.session["variants"]["script"]
    assert "random" not in script["check"]
    assert not any("random numbers" in n for n in script["notes"])
