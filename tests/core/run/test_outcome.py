"""The exit status of a run, one rule for ``jitlab run`` and the app's ``--run``."""

from jitlab.core.session import store as S
from jitlab.core.run.outcome import EXIT_NOTHING_RAN, EXIT_OK, EXIT_SOME_FAILED, exit_status


def _session(*statuses: str) -> dict:
    session = S.new_session({"variants": [f"v{i}" for i in range(len(statuses))]})
    for i, status in enumerate(statuses):
        session["variants"][f"v{i}"]["status"] = status
    return session


def test_exit_status():
    assert exit_status(None) == EXIT_NOTHING_RAN
    assert exit_status(_session("ok", "not_applicable")) == EXIT_OK
    for bad in ("failed", "timeout", "stopped"):
        assert exit_status(_session("ok", bad)) == EXIT_SOME_FAILED
    assert exit_status(_session("failed", "failed"), fatal=True) == EXIT_NOTHING_RAN
    assert exit_status(_session("ok", "failed"), fatal=True) == EXIT_SOME_FAILED
