"""A runner that hangs in a real run is reported with where it was and its Python stack, and the progress
line says each variant's real state (``tests/core/run/test_watchdog.py`` has the watchdog's own rules)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import DATA

HANG = DATA / "hangs_in_forward.py"
HANG_LINE = 23  # time.sleep in wait_forever()


@pytest.mark.slow
def test_a_hang_in_the_first_forward_is_reported_with_the_users_line(jitlab_run):
    t0 = time.monotonic()
    res = jitlab_run(HANG, "--variants", "eager,trace", "--stall-timeout", "5", "--warmup", "1")
    took = time.monotonic() - t0
    assert res.rc == 1, res.err
    eager = res.session["variants"]["eager"]
    assert eager["status"] == "timeout" and eager["error"]["kind"] == "hang"
    assert "warm-up iteration 1" in eager["error"]["message"]
    assert eager["error"]["location"] == {"file": str(HANG), "line": HANG_LINE}
    assert "in wait_forever" in eager["error"]["traceback"] and "in forward" in eager["error"]["traceback"]
    assert res.session["variants"]["trace"]["status"] == "ok"  # the others still ran
    assert took < 90  # the work budget (600 s) did not hold the run
    assert f"line {HANG_LINE}" in res.out


@pytest.mark.slow
def test_the_progress_line_shows_each_variants_real_state(tmp_path):
    from tests.conftest import run_jitlab

    res = run_jitlab("run", str(HANG), "--variants", "eager,trace", "--iters", "3", "--warmup", "1",
                     "--stall-timeout", "5", "--no-introspect", "--out", str(tmp_path / "s.json"))
    lines = [line for line in res.err.splitlines() if line.startswith("[")]
    assert any("eager: in warm-up iteration 1 of 1" in line and "trace: loaded, waiting to build" in line
               for line in lines), res.err
    assert "eager: timeout" in lines[-1] and "trace: ok 3/3" in lines[-1]
    assert not any("starting runner" in line for line in lines[1:])
