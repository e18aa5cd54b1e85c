"""The hostile-input table, round two: what a hostile module, session or
invocation now gets. Every test builds its hostile input itself and drives
the real ``jitlab`` command, real runner processes and real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import DATA, ROOT, run_jitlab
from tests.hostile import describe, kill_all, module, wait_file, wait_gone

QUICK = ("--variants", "eager,script", "--no-introspect")


def _env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _start(*args: str, cwd: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jitlab", *args], cwd=cwd, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ---- 1. an --out that cannot be written: refused before measuring, or a fallback


@pytest.mark.parametrize("how", ["directory", "proc", "parent_is_file", "fifo"])
def test_an_unwritable_out_is_refused_before_anything_runs(tmp_path, how):
    # Not /dev/full: a jitlab that fails this test would replace the device node with its session.
    out = {"directory": tmp_path, "proc": Path("/proc/jitlab/s.json"),
           "parent_is_file": tmp_path / "file.txt" / "s.json", "fifo": tmp_path / "fifo.json"}[how]
    (tmp_path / "file.txt").write_text("x")
    os.mkfifo(tmp_path / "fifo.json")
    t0 = time.monotonic()
    r = run_jitlab("run", str(DATA / "linear.py"), "--iters", "4", "-q", "--out", str(out))
    assert r.rc == 2, r.err
    assert "--out" in r.err and "Traceback" not in r.err
    assert time.monotonic() - t0 < 20  # refused at once, not after measuring


def test_a_final_write_that_fails_goes_to_a_fallback_and_says_where(tmp_path):
    out = tmp_path / "out" / "s.json"
    # The module turns the session's path into a folder while the run measures.
    path = module(tmp_path, load=f"os.makedirs({str(out)!r}, exist_ok=True)")
    r = run_jitlab("run", str(path), "--iters", "4", "-q", *QUICK, "--out", str(out), cwd=tmp_path)
    assert r.rc == 1
    assert "cannot write the session to" in r.err and "Traceback" not in r.err
    assert "eager" in r.out and "script" in r.out  # the table is printed all the same
    written = Path(r.out.split("session written to ")[1].split(" instead")[0].strip())
    session = json.loads(written.read_text())
    assert session["variants"]["script"]["status"] == "ok"
    written.unlink()


# ---- 2. stop signals to `jitlab run`: runners stopped politely, the session written


@pytest.mark.parametrize("signals", [["SIGTERM"], ["SIGHUP"], ["SIGINT", "SIGINT"]])
def test_stop_signals_keep_what_was_measured(tmp_path, signals):
    marker = tmp_path / "measuring"
    path = module(tmp_path, hook=f"""
        time.sleep(0.02)
        if n == 30:
            open({str(marker)!r}, "w").write("x")
    """)
    out = tmp_path / "s.json"
    proc = _start("run", str(path), "--iters", "100000", "-q", *QUICK, "--out", str(out), cwd=tmp_path)
    try:
        wait_file(marker)
        for name in signals:
            proc.send_signal(getattr(signal, name))
            time.sleep(0.5)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert proc.returncode == 1, err
    session = json.loads(out.read_text())
    assert session["settings"]["stopped"] is True
    for v in session["variants"].values():
        assert v["status"] == "stopped" and v["iterations"], v["error"]


# ---- 3. malformed messages from user code: that variant fails, the rest is kept

MALFORMED = {
    "uneven_iters": 'ch.send({"t": "iters", "i0": 0, "fwd": [1.0, 2.0], "bwd": [1.0]})',
    "block_sample_string": 'ch.send({"t": "block", "round": 1, "n": 1, "elapsed_ms": 1.0, "sample": "hot"})',
    "iters_missing_keys": 'ch.send({"t": "iters"})',
    "patched_dumps": 'json.dumps = lambda *a, **k: \'{"t": "built", "notes": 5}\'',
    "not_json": 'ch._out.write(b"<html>\\n")',
    "check_of_the_wrong_shape": 'ch.send({"t": "built", "check": {"ok": "yes", "max_abs_err": "0"}})',
}


@pytest.mark.parametrize("how", sorted(MALFORMED))
def test_a_malformed_message_fails_only_its_variant(jitlab_run, tmp_path, how):
    path = module(tmp_path, hook=f"""
        if n == 8:
            ch = _channel()
            {MALFORMED[how]}
    """)
    r = jitlab_run(path, *QUICK, iters=30)
    assert r.rc == 1, r.err
    assert "Traceback" not in r.err
    bad = r.session["variants"]["script"]
    assert bad["status"] == "failed"
    assert bad["error"]["message"].startswith("runner sent a malformed message"), bad["error"]
    good = r.session["variants"]["eager"]
    assert good["status"] == "ok" and good["stats"]["total"]["n"] == 30


# ---- 4. default session names never collide


def test_a_taken_default_name_is_never_overwritten(tmp_path):
    now = datetime.now()
    taken = [tmp_path / f"jitlab-session-linear-{now + timedelta(seconds=s):%Y%m%d-%H%M%S}.json"
             for s in range(-2, 180)]
    for p in taken:
        p.write_text("{}")
    r = run_jitlab("run", str(DATA / "linear.py"), "--iters", "3", "-q", "--variants", "eager", cwd=tmp_path)
    assert r.rc == 0, r.err
    assert all(p.read_text() == "{}" for p in taken)
    new = [p for p in tmp_path.glob("jitlab-session-*.json") if p not in taken]
    assert len(new) == 1 and json.loads(new[0].read_text())["variants"]["eager"]["status"] == "ok"


# ---- 5 and 10. a crashed runner whose child holds its pipes; runners die with their parent


def test_a_crash_is_seen_by_pid_even_while_a_child_holds_the_pipes(jitlab_run, tmp_path):
    pidfile = tmp_path / "child.pid"
    path = module(tmp_path, hook=f"""
        if n == 3:
            child = subprocess.Popen(["sleep", "120"], stdout=sys.stderr, stderr=sys.stderr)
            open({str(pidfile)!r}, "w").write(str(child.pid))
            os._exit(7)
    """)
    t0 = time.monotonic()
    r = jitlab_run(path, *QUICK, "--timeout", "60", iters=20)
    took = time.monotonic() - t0
    child = int(pidfile.read_text())
    try:
        assert took < 45, f"the parent waited {took:.0f} s for the pipes"
        v = r.session["variants"]["script"]
        assert v["status"] == "failed" and v["error"]["message"].startswith("runner exited with code 7"), v["error"]
        assert r.session["variants"]["eager"]["status"] == "ok"
        assert not wait_gone([child], 10), "the runner's child outlived it"
    finally:
        kill_all([child])


def test_runners_and_their_children_die_with_a_killed_parent(tmp_path):
    pidfile = tmp_path / "pids"
    path = module(tmp_path, hook=f"""
        if n == 3:
            child = subprocess.Popen(["sleep", "300"])
            open({str(pidfile)!r}, "w").write(f"{{os.getpid()}} {{child.pid}}")
            while True:  # busy in user code
                time.sleep(0.01)
    """)
    proc = _start("run", str(path), "--iters", "50", "-q", *QUICK, cwd=tmp_path)
    try:
        pids = [int(p) for p in wait_file(pidfile).split()]
        proc.kill()  # SIGKILL: the parent cannot clean up
        proc.wait(10)
        left = wait_gone(pids, 15)
        assert not left, f"left behind: {describe(left)}"
    finally:
        proc.kill()
        kill_all([int(p) for p in pidfile.read_text().split()] if pidfile.exists() else [])


# ---- 7. output without newlines: bounded and linear


def test_a_flood_of_stderr_without_newlines_is_bounded(jitlab_run, tmp_path):
    path = module(tmp_path, hook="""
        if n == 3:
            chunk = b"x" * (1 << 20)
            for _ in range(100):
                os.write(2, chunk)
            os._exit(3)
    """)
    t0 = time.monotonic()
    r = jitlab_run(path, *QUICK, iters=10)
    assert time.monotonic() - t0 < 120
    msg = r.session["variants"]["script"]["error"]["message"]
    assert msg.startswith("runner exited with code 3")
    assert len(msg) < 256 * 1024, f"{len(msg)} characters of stderr kept"


# ---- 8. user code that reads stdin sees an empty stream


@pytest.mark.parametrize("read", ["input()", "sys.stdin.readline()", "sys.stdin.read()", "breakpoint()"])
def test_reading_stdin_does_not_eat_the_commands(jitlab_run, tmp_path, read):
    path = module(tmp_path, load=f"""
        try:
            {read}
        except EOFError:
            pass
    """, hook=f"""
        if n == 4:
            try:
                {read}
            except EOFError:
                pass
    """)
    r = jitlab_run(path, *QUICK, "--timeout", "40", iters=10)
    assert r.rc == 0, r.session and {n: v["error"] for n, v in r.session["variants"].items()}


# ---- 9. guards that cannot be switched off


@pytest.mark.parametrize("args, says", [
    (("--timeout", "nan"), "--timeout"), (("--timeout", "inf"), "--timeout"), (("--block", "-1"), "--block"),
    (("--block", "0"), "--block"), (("--budget", "-5"), "--budget"), (("--threads", "-1"), "--threads"),
    (("--threads", "100000"), "--threads"), (("--seed", "-1"), "--seed"), (("--precision", "nan"), "--precision"),
    (("--python", "/bin/false"), "never started"),
])
def test_bad_guards_are_refused_with_exit_2(jitlab_run, args, says):
    r = jitlab_run(DATA / "linear.py", "--variants", "eager", *args)
    assert r.rc == 2, (r.rc, r.err)
    assert says in r.err and "Traceback" not in r.err


# ---- 12. jitlab show neutralises control characters


def test_show_prints_no_terminal_escapes(tmp_path, jitlab_run):
    r = jitlab_run(DATA / "linear.py", "--variants", "eager", iters=3)
    s = r.session
    evil = "\x1b]0;owned\x07\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m"
    s["variants"]["eager"]["notes"].append("note " + evil)
    s["warnings"].append("warn " + evil)
    s["settings"]["target"] = "t" + evil
    f = tmp_path / "evil.json"
    f.write_text(json.dumps(s))
    shown = run_jitlab("show", str(f))
    assert shown.rc == 0, shown.err
    assert not any(c in shown.out for c in "\x1b\x07\x9b")
    assert "\\x1b]0;owned" in shown.out


# ---- 13. impossible timings


@pytest.mark.parametrize("clock", ["lambda: 0", "(lambda c=iter(range(10**9, 0, -1000)): next(c))"])
def test_a_replaced_clock_changes_no_measurement(jitlab_run, tmp_path, clock):
    """The runner's clocks are bound when its timed loop is imported, before any user code runs."""
    path = module(tmp_path, load=f"""
        if _mine():
            time.perf_counter_ns = {clock}
    """)
    r = jitlab_run(path, *QUICK, iters=10)
    assert r.rc == 0, r.err
    v = r.session["variants"]["script"]
    assert v["status"] == "ok"
    assert all(it["fwd_ms"] > 0 for it in v["iterations"])


def test_an_impossible_time_from_a_runner_fails_its_variant_clearly():
    """Whatever a runner sends, the parent refuses times no clock gives (the conductor's check)."""
    import random

    from jitlab.core.session import store as S
    from jitlab.core.run.conductor import Conductor
    from jitlab.core.settings import make_settings

    c = Conductor(S.new_session(make_settings(file="/x/m.py", device="cpu", variants=["eager"], iters=4)),
                  rng=random.Random(0))
    c.start()
    c.on_message("eager", {"t": "loaded", "env": {}, "notes": []})
    c.on_message("eager", {"t": "iters", "i0": 0, "fwd": [0.5, -1.0], "bwd": [0.1, 0.1], "warmup": True})
    v = c.session["variants"]["eager"]
    assert v["status"] == "failed" and "impossible timing" in v["error"]["message"]


# ---- 14. the output check says what it compared


def _returning(tmp_path, expr: str, device: str = "cpu") -> Path:
    path = tmp_path / "out_kind.py"
    path.write_text(f"""
import torch, torch.nn as nn

class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        y = self.lin(x)
        return {expr}

def target(device):
    return M().to({device!r}), torch.randn(2, 4, device={device!r})
""")
    return path


def test_a_forward_returning_a_number_is_not_claimed_checked(jitlab_run, tmp_path):
    r = jitlab_run(_returning(tmp_path, "3"), *QUICK, iters=3)
    v = r.session["variants"]["script"]
    assert v["check"] is None
    assert any("outputs not checked: the forward returned no tensor" in n for n in v["notes"])


def test_a_non_tensor_value_beside_a_tensor_is_named_as_not_compared(jitlab_run, tmp_path):
    r = jitlab_run(_returning(tmp_path, "(y, self.calls)"), *QUICK, iters=3)
    v = r.session["variants"]["script"]
    assert v["check"]["compared"] == "1 tensor, 1 non-tensor value not compared"
    assert any("compared 1 tensor, 1 non-tensor value not compared" in n for n in v["notes"])


def test_meta_tensors_are_refused(jitlab_run, tmp_path):
    r = jitlab_run(_returning(tmp_path, "y", device="meta"), *QUICK, iters=3)
    assert r.rc == 2 and "'meta' device" in r.err


# ---- 15. a crash during introspection keeps the measurements


def test_a_crash_during_introspection_keeps_the_variant_ok(jitlab_run, tmp_path):
    path = module(tmp_path, hook="""
        import traceback
        if any("jitlab/runner/introspect" in f.filename for f in traceback.extract_stack()):
            os._exit(9)
    """)
    r = jitlab_run(path, "--variants", "eager,script", iters=6, env={"HOSTILE_VARIANT": "eager"})
    v = r.session["variants"]["eager"]
    assert v["status"] == "ok" and v["stats"]["total"]["n"] == 6, v["error"]
    assert any(n.startswith("introspection failed") for n in v["notes"])
    assert r.rc == 0


# ---- 16. the small ones


def test_devices_tolerates_an_interpreter_that_prints_at_start(tmp_path):
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text(f"#!/bin/sh\necho 'welcome to this machine'\nexec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    r = run_jitlab("devices", "--python", str(wrapper))
    assert r.rc == 0, r.err
    assert "cpu" in r.out and "Traceback" not in r.err


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_show_refuses_files_that_never_end(tmp_path, kind):
    f = tmp_path / "s.json"
    if kind == "fifo":
        os.mkfifo(f)
    else:
        os.symlink("/dev/zero", f)
    r = run_jitlab("show", str(f), timeout=30)
    assert r.rc == 2 and "not a regular file" in r.err


def test_a_relative_trace_out_does_not_follow_the_modules_chdir(jitlab_run, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    path = module(tmp_path, load=f"os.chdir({str(elsewhere)!r})")
    r = run_jitlab("run", str(path), "--iters", "3", "-q", "--variants", "eager", "--trace-out", "traces",
                   "--out", str(tmp_path / "s.json"), cwd=work)
    assert r.rc == 0, r.err
    assert list((work / "traces").glob("*")), "no trace where --trace-out pointed"
    assert not (elsewhere / "traces").exists()


def test_the_app_refuses_out_of_range_presets(tmp_path):
    r = run_jitlab(str(DATA / "linear.py"), "--iters", "99999999999", env={"QT_QPA_PLATFORM": "offscreen"})
    assert r.rc == 2 and "--iters" in r.err and "OverflowError" not in r.err
