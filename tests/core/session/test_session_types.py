"""The typed shapes of a session (``jitlab.core.session.types``) name every key the real files hold."""

from __future__ import annotations

import json
from typing import get_type_hints

import pytest

from jitlab.core.session import store as S
from jitlab.core.session import types as T
from tests.conftest import RECORDED, ROOT

FILES = sorted(RECORDED.glob("*.json")) + [
    ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"]


def _keys(cls) -> set[str]:
    return set(get_type_hints(cls))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_types_name_every_key_of_a_recorded_session(path):
    data = json.loads(path.read_text())
    assert set(data) <= _keys(T.Session)
    assert set(data["env"]) <= _keys(T.Env), set(data["env"]) - _keys(T.Env)
    assert set(data["env"].get("device") or {}) <= _keys(T.Device)
    for name, v in data["variants"].items():
        assert set(v) <= _keys(T.Variant), (name, set(v) - _keys(T.Variant))
        if v.get("error"):
            assert set(v["error"]) <= _keys(T.ErrorRecord)
        for phase in ("fwd", "bwd", "total"):
            assert set((v.get("stats") or {}).get(phase) or {}) <= _keys(T.Summary)
        assert all(set(it) <= _keys(T.Iteration) for it in v["iterations"])


def test_a_new_variant_has_every_key_of_the_type():
    assert set(S.new_variant()) == _keys(T.Variant)


def test_the_error_constructor():
    err = T.error_record("boom", "measure", kind="crash")
    assert list(err) == ["message", "phase", "kind", "traceback", "location"]
    assert err["message"] == "boom" and err["traceback"] is None
    from_runner = T.error_from_message({"t": "error", "message": "oom", "phase": "warmup", "kind": "oom",
                                        "memory": {"free_bytes": 1}, "location": {"file": "a.py", "line": 3}})
    assert from_runner["memory"] == {"free_bytes": 1} and from_runner["location"]["line"] == 3
    assert "t" not in from_runner
