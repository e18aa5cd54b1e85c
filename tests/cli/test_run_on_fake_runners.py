"""``jitlab run`` in this process with fake runners as its interpreter (``--python``): the exit status,
the report and the session file when a runner fails, without torch (``tests/host/fake_runner.py``)."""

from __future__ import annotations

import pytest

from jitlab.cli.run import run_main
from jitlab.core.run.conductor import describe_exit
from jitlab.core.run.outcome import EXIT_NOTHING_RAN, EXIT_OK, EXIT_SOME_FAILED
from jitlab.core.session import store as S
from tests.conftest import DATA


def _run(tmp_path, python: str, *args: str) -> tuple[int, dict | None]:
    out = tmp_path / "session.json"
    rc = run_main([str(DATA / "linear.py"), "--python", python, "--variants", "eager,script", "--iters", "6",
                   "--device", "cpu", "--no-introspect", "--no-device-time", "-q", "--out", str(out), *args])
    return rc, S.load(out) if out.exists() else None


def test_a_run_whose_runners_all_finish_exits_0_with_their_speedup(tmp_path, capsys, fake_runner):
    rc, session = _run(tmp_path, fake_runner("--ms", "eager=2", "--ms", "script=1"))
    assert rc == EXIT_OK
    assert session["variants"]["script"]["speedup_vs_eager"] == pytest.approx(2.0)
    assert f"session written to {tmp_path / 'session.json'}" in capsys.readouterr().out


def test_a_runner_that_dies_mid_run_exits_1_and_is_named_in_the_report(tmp_path, capsys, fake_runner):
    rc, session = _run(tmp_path, fake_runner("--fault", "script:block3:exit=3"))
    assert rc == EXIT_SOME_FAILED
    assert session["variants"]["script"]["status"] == S.STATUS_FAILED
    assert session["variants"]["eager"]["status"] == S.STATUS_OK
    assert f"script failed: {describe_exit(3, None)}" in capsys.readouterr().out


def test_an_interpreter_that_never_starts_the_runner_exits_2_and_writes_nothing(tmp_path, capsys, fake_runner):
    python = fake_runner("--fault", "*:start:exit=1")
    rc, session = _run(tmp_path, python)
    assert rc == EXIT_NOTHING_RAN and session is None
    assert f"the runner interpreter {python} never started jitlab's runner" in capsys.readouterr().err
