"""The CLI's subprocess driver (:class:`jitlab.host.driver.ProcessDriver`) over fake runners: real
processes, real pipes and signals, scripted faults, no torch (``tests/host/fake_runner.py``)."""

from __future__ import annotations

import signal

import pytest

from jitlab.core.run.conductor import Conductor, describe_exit
from jitlab.core.session import store as S
from jitlab.core.settings import make_settings
from jitlab.host.driver import ProcessDriver
from jitlab.host.link import MALFORMED
from tests.hostile import alive
from tests.host.fake_runner import GARBAGE


def _run(python: str, variants: str = "eager,script", iters: int = 6, **settings) -> tuple[dict, ProcessDriver]:
    """A whole run of ``variants`` through the driver; returns the session and the driver."""
    s = make_settings(file="/nowhere/module.py", device="cpu", variants=variants, iters=iters, warmup=1,
                      introspect=False, device_time=False, **settings)
    driver = ProcessDriver(Conductor(S.new_session(s)), python=python)
    return driver.run(), driver


def _measured(variant: dict) -> int:
    return sum(1 for it in variant["iterations"] if not it["warmup"])


def test_a_run_measures_every_variant_and_their_speedup(fake_runner):
    session, driver = _run(fake_runner("--ms", "eager=2", "--ms", "script=0.5"))
    for name in ("eager", "script"):
        assert session["variants"][name]["status"] == S.STATUS_OK
        assert _measured(session["variants"][name]) == 6
    # every block of eager's takes four times as long as script's in the same round
    assert session["variants"]["script"]["speedup_vs_eager"] == pytest.approx(4.0)
    assert session["variants"]["script"]["speedup_method"] == "paired_rounds"
    assert not any(p.popen.poll() is None for p in driver.procs.values())


@pytest.mark.parametrize("fault, code, sig", [("exit=3", 3, None), ("signal=KILL", None, int(signal.SIGKILL))])
def test_a_runner_that_dies_mid_block_fails_its_variant_only(fake_runner, fault, code, sig):
    session, _ = _run(fake_runner("--fault", f"script:block2:{fault}"))
    script, eager = session["variants"]["script"], session["variants"]["eager"]
    assert script["status"] == S.STATUS_FAILED
    assert script["error"]["message"].startswith(describe_exit(code, sig))
    assert script["error"]["phase"] == "run" and script["error"]["kind"] == "crash"
    assert _measured(script) == 1  # its first block; the second went with the process
    assert eager["status"] == S.STATUS_OK and _measured(eager) == 6


def test_a_malformed_line_fails_its_variant_and_its_runner_is_stopped(fake_runner):
    session, driver = _run(fake_runner("--fault", "script:block1:garbage"))
    script = session["variants"]["script"]
    assert script["status"] == S.STATUS_FAILED and script["error"]["kind"] == "protocol"
    assert script["error"]["message"] == f"{MALFORMED}: not a protocol message: {GARBAGE!r}"
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    # stopped with SIGTERM in the middle of its block: it exits, as a real runner does
    assert driver.procs["script"].popen.returncode == 0 and not driver.procs["script"].killed


def test_an_interpreter_that_never_starts_the_runner_is_said_so(fake_runner):
    session, driver = _run(fake_runner("--fault", "*:start:exit=1"))
    assert driver.never_ready
    assert {v["status"] for v in session["variants"].values()} == {S.STATUS_FAILED}


def test_a_runner_that_hangs_is_timed_out_and_ended_while_the_other_finishes(fake_runner):
    session, driver = _run(fake_runner("--fault", "script:build:hang"), timeout=0.3)
    script = session["variants"]["script"]
    assert script["status"] == S.STATUS_TIMEOUT and script["error"]["kind"] == "timeout"
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    assert not alive(driver.procs["script"].popen.pid)
