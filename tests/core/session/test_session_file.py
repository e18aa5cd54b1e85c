"""The session file: its keys, and loading bad or foreign files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from jitlab.core.session import store as S
from tests.conftest import DATA, ROOT

VARIANT_KEYS = {"status", "error", "iterations", "stats", "speedup_vs_eager", "speedup_ci", "build_ms",
                "first_call_ms", "check", "warnings", "peak_memory_bytes"}


@pytest.fixture(scope="module")
def linear_session(tmp_path_factory):
    from tests.conftest import run_jitlab

    out = tmp_path_factory.mktemp("s") / "linear.json"
    r = run_jitlab("run", str(DATA / "linear.py"), "--iters", "8", "-q", "--out", str(out))
    assert r.rc == 0, r.err
    return out


def test_session_has_the_contract_keys(linear_session):
    data = json.loads(linear_session.read_text())
    assert data["schema"] == "jitlab.session/1"
    env = data["env"]
    for key in ("python", "torch", "cpu_model", "threads", "device"):
        assert key in env
    assert env["device"]["kind"] == "cpu"
    st = data["settings"]
    for key in ("file", "target", "mode", "iters", "warmup", "variants"):
        assert key in st
    assert st["variants"] == ["eager", "script", "trace"]
    for name, v in data["variants"].items():
        assert VARIANT_KEYS <= set(v), name
        assert v["status"] == "ok"
        for phase in ("fwd", "bwd", "total"):
            assert set(v["stats"][phase]) == {"median", "p25", "p75", "iqr", "min", "mean", "n"}
        it = v["iterations"][0]
        assert {"fwd_ms", "bwd_ms", "warmup"} <= set(it)
        assert v["stats"]["total"]["median"] > 0
        assert v["build_ms"] is not None and v["first_call_ms"] > 0
    assert data["variants"]["script"]["check"]["ok"] is True
    assert data["variants"]["script"]["speedup_vs_eager"] > 0


def test_infer_mode_has_no_backward(tmp_path):
    from tests.conftest import run_jitlab

    out = tmp_path / "s.json"
    r = run_jitlab("run", str(DATA / "linear.py"), "--mode", "infer", "--iters", "5", "-q", "--out", str(out))
    assert r.rc == 0, r.err
    for v in r.session["variants"].values():
        assert all(it["bwd_ms"] is None for it in v["iterations"])
        assert v["stats"]["bwd"] is None
        assert v["stats"]["total"]["median"] == v["stats"]["fwd"]["median"]


def test_round_trip(linear_session, tmp_path):
    data = S.load(linear_session)
    again = S.save(data, tmp_path / "copy.json")
    assert S.load(again)["variants"]["eager"]["stats"] == data["variants"]["eager"]["stats"]


def test_save_refuses_to_replace_when_asked(tmp_path, linear_session):
    target = tmp_path / "x.json"
    target.write_text("keep me")
    with pytest.raises(FileExistsError):
        S.save(S.load(linear_session), target, overwrite=False)
    assert target.read_text() == "keep me"


def test_truncated_file(linear_session, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text(linear_session.read_text()[:500])
    with pytest.raises(S.SessionError, match=r"cut\.json: not a valid session file.*truncated"):
        S.load(cut)


def test_foreign_file(tmp_path):
    f = tmp_path / "package.json"
    f.write_text('{"name": "left-pad"}')
    with pytest.raises(S.SessionError, match="package.json: not a jitlab session"):
        S.load(f)


def test_newer_schema_refused_by_name(linear_session, tmp_path):
    data = json.loads(linear_session.read_text())
    data["schema"] = "jitlab.session/7"
    f = tmp_path / "future.json"
    f.write_text(json.dumps(data))
    with pytest.raises(S.SessionError, match=r"jitlab\.session/7.*newer"):
        S.load(f)


def test_loading_needs_no_torch(linear_session):
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from jitlab.core.session import store as session\n"
        f"s = session.load({str(linear_session)!r})\n"
        "print(s['variants']['script']['stats']['total']['n'])\n"
        "assert 'torch' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "8"
