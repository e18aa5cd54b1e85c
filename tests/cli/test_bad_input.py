"""Every row of the bad-input table: exit status, message, and what survives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DATA


# ---- nothing can run: exit 2, a message naming the file

def test_missing_file(jitlab_run, tmp_path):
    r = jitlab_run(tmp_path / "nope.py")
    assert r.rc == 2
    assert "nope.py" in r.err and "no such file" in r.err
    assert r.session is None
    assert "Traceback" not in r.err


def test_directory(jitlab_run, tmp_path):
    d = tmp_path / "pkg.py"
    d.mkdir()
    r = jitlab_run(d)
    assert r.rc == 2 and "pkg.py" in r.err and "directory" in r.err


def test_not_python(jitlab_run, tmp_path):
    f = tmp_path / "model.txt"
    f.write_text("x = 1\n")
    r = jitlab_run(f)
    assert r.rc == 2 and "model.txt" in r.err and "not a Python file" in r.err


def test_unreadable(jitlab_run, tmp_path):
    # Permissions do not stop root, so point the file at memory that cannot be read.
    f = tmp_path / "unreadable.py"
    os.symlink("/proc/self/mem", f)
    r = jitlab_run(f)
    assert r.rc == 2 and "unreadable.py" in r.err and "cannot be read" in r.err


def test_syntax_error_names_file_and_line(jitlab_run):
    r = jitlab_run(DATA / "syntax_error.py")
    assert r.rc == 2
    assert "syntax_error.py, line 4" in r.err
    assert "Traceback" not in r.err


def test_import_error_names_file_and_line(jitlab_run):
    r = jitlab_run(DATA / "import_error.py")
    assert r.rc == 2
    assert "import_error.py, line 4" in r.err
    assert "a_module_that_does_not_exist" in r.err
    assert "Traceback" not in r.err


def test_import_error_verbose_shows_traceback(jitlab_run):
    r = jitlab_run(DATA / "import_error.py", "--verbose")
    assert r.rc == 2 and "Traceback" in r.err


def test_no_target_lists_modules_and_shows_how(jitlab_run):
    r = jitlab_run(DATA / "no_target.py")
    assert r.rc == 2
    assert "no target found" in r.err
    assert "Forgotten" in r.err
    assert "def target():" in r.err and "return Forgotten()" in r.err


def test_unknown_target_name(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--target", "huge")
    assert r.rc == 2 and "huge" in r.err and "default, small" in r.err


def test_target_raises(jitlab_run):
    r = jitlab_run(DATA / "target_raises.py")
    assert r.rc == 2
    assert "target_raises.py, line 6" in r.err
    assert "KeyError" in r.err


def test_target_returns_wrong_thing(jitlab_run):
    r = jitlab_run(DATA / "target_wrong_return.py")
    assert r.rc == 2
    assert "returned a Linear" in r.err and "(module, inputs)" in r.err


def test_bad_arguments(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--variants", "eager,jax")
    assert r.rc == 2 and "jax" in r.err


def test_missing_device(jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--device", "cuda:7")
    assert r.rc == 2 and "cuda:7" in r.err


# ---- one variant fails, the others run: exit 1, session written

def _others_ok(session, failed):
    for name, v in session["variants"].items():
        if name != failed:
            assert v["status"] == "ok", (name, v["error"])
            assert v["stats"]["total"]["n"] == session["settings"]["iters"]


def test_forward_raises_in_one_variant(jitlab_run):
    r = jitlab_run(DATA / "eager_raises.py")
    assert r.rc == 1
    v = r.session["variants"]["eager"]
    assert v["status"] == "failed"
    assert v["error"]["phase"] == "run"
    assert "eager forward refuses to run" in v["error"]["message"]
    assert v["error"]["location"]["line"] == 13
    _others_ok(r.session, "eager")
    assert any("not checked" in n for n in r.session["variants"]["script"]["notes"])


def test_wrong_input_shape_fails_every_variant_with_message(jitlab_run):
    r = jitlab_run(DATA / "eager_raises.py", "--target", "bad_shape")
    assert r.rc == 1
    for v in r.session["variants"].values():
        assert v["status"] == "failed"
        assert "shapes cannot be multiplied" in v["error"]["message"]


def test_unscriptable_module(jitlab_run):
    r = jitlab_run(DATA / "unscriptable.py")
    assert r.rc == 1
    err = r.session["variants"]["script"]["error"]
    assert r.session["variants"]["script"]["status"] == "failed"
    assert err["phase"] == "build"
    assert err["location"]["file"].endswith("unscriptable.py") and err["location"]["line"] == 11
    assert "HERE" in err["message"]
    _others_ok(r.session, "script")


@pytest.mark.parametrize("how, expect", [
    ("exit", "runner exited with code 7"),
    ("segfault", "runner exited with signal 11 (SIGSEGV)"),
    ("kill", "runner exited with signal 9 (SIGKILL)"),
])
def test_runner_dies(jitlab_run, how, expect):
    r = jitlab_run(DATA / "crashes.py", "--variants", "eager,script",
                   env={"CRASH_VARIANT": "script", "CRASH_HOW": how})
    assert r.rc == 1
    v = r.session["variants"]["script"]
    assert v["status"] == "failed"
    assert v["error"]["message"].startswith(expect)
    _others_ok(r.session, "script")


def test_hang_times_out(jitlab_run):
    r = jitlab_run(DATA / "crashes.py", "--variants", "eager,script", "--timeout", "10",
                   env={"CRASH_VARIANT": "script", "CRASH_HOW": "hang"})
    assert r.rc == 1
    v = r.session["variants"]["script"]
    assert v["status"] == "timeout"
    assert "timed out after 10 s" in v["error"]["message"]
    _others_ok(r.session, "script")


def test_out_of_memory(jitlab_run):
    r = jitlab_run(DATA / "crashes.py", "--variants", "eager,script",
                   env={"CRASH_VARIANT": "script", "CRASH_HOW": "oom"})
    assert r.rc == 1
    v = r.session["variants"]["script"]
    assert v["status"] == "failed"
    assert v["error"]["kind"] == "oom"
    assert v["error"]["message"].startswith("out of memory")
    assert "memory:" in v["error"]["message"]
    assert v["error"]["memory"]["total_bytes"] > 0
    _others_ok(r.session, "script")


def test_nonfinite_outputs_are_flagged_not_fatal(jitlab_run):
    r = jitlab_run(DATA / "nonfinite.py")
    assert r.rc == 0
    for name in ("script", "trace"):
        check = r.session["variants"][name]["check"]
        assert check["ok"] is False
        assert check["nonfinite"] == 16
    assert "NaN/Inf" in r.out


def test_several_targets_and_no_default_asks_to_choose(jitlab_run):
    r = jitlab_run(DATA / "two_targets.py")
    assert r.rc == 2
    assert "--target" in r.err and "big, small" in r.err


def test_the_target_that_ran_is_recorded(jitlab_run):
    r = jitlab_run(DATA / "two_targets.py", "--target", "target_small", "--variants", "eager", iters=2)
    assert r.rc == 0 and r.session["settings"]["target"] == "target_small"
    r = jitlab_run(DATA / "linear.py", "--variants", "eager", iters=2)
    assert r.rc == 0 and r.session["settings"]["target"] == "default"


def test_runner_interpreter_missing(jitlab_run, tmp_path):
    r = jitlab_run(DATA / "linear.py", "--python", str(tmp_path / "no-python"))
    assert r.rc == 2
    assert "cannot start the runner interpreter" in r.err and "no-python" in r.err
    assert "Traceback" not in r.err


def test_runner_interpreter_without_torch(jitlab_run, tmp_path):
    import subprocess
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    r = jitlab_run(DATA / "linear.py", "--python", str(venv / "bin" / "python"))
    assert r.rc == 2
    assert "cannot import torch" in r.err and "--python" in r.err
    assert "Traceback" not in r.err
