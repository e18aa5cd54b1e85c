"""The app against hostile modules and sessions: real runners, offscreen Qt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA as SHARED_DATA
from tests.conftest import RECORDED, ROOT
from tests.hostile import module, wait_file
from tests.gui.conftest import RUN_TIMEOUT_MS, configure, open_and_wait_ready, run_to_end

GOOD = RECORDED / "gated_cpu.json"


def test_a_malformed_session_in_the_history_does_not_stop_the_app(qtbot, isolated):
    from jitlab.gui.common import paths
    from jitlab.gui.qt_main_window import MainWindow

    paths.set_application_names()
    folder = paths.sessions_dir()
    folder.mkdir(parents=True)
    bad = json.loads(GOOD.read_text())
    bad["env"]["device"] = "cpu"
    (folder / "bad.json").write_text(json.dumps(bad))
    (folder / "good.json").write_text(GOOD.read_text())
    win = MainWindow()
    try:
        win.show()
        rows = {Path(e.path).name: e for e in win.runs.runs.entries()}
        assert set(rows) == {"bad.json", "good.json"}
        assert "env.device" in rows["bad.json"].error and not rows["good.json"].error
    finally:
        win.close()
        qtbot.waitUntil(lambda: not win.isVisible(), timeout=10_000)
        win.deleteLater()


def test_an_exception_message_is_shown_as_plain_text(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt

    path = tmp_path / "loud.py"
    path.write_text('raise RuntimeError("<h1>boom</h1><img src=x>")\n')
    with qtbot.waitSignal(window.bench.sig_module_error, timeout=RUN_TIMEOUT_MS):
        window.open_path(path)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert window.banner.label.textFormat() == Qt.TextFormat.PlainText
    assert "<h1>boom</h1>" in window.banner.text()


def test_a_probe_that_hangs_is_given_up_with_a_message(qtbot, window, tmp_path):
    path = tmp_path / "hangs.py"
    path.write_text("import time\ntime.sleep(600)\n")
    window.bench.prober.timeout_s = 3
    with qtbot.waitSignal(window.bench.sig_module_error, timeout=RUN_TIMEOUT_MS) as blocker:
        window.open_path(path)
    assert "did not finish importing" in blocker.args[0]["message"]
    qtbot.waitUntil(lambda: not window.bench.prober.busy, timeout=10_000)


def test_a_target_the_file_lacks_is_not_replaced_silently(qtbot, window):
    window.controls.explicit_target = "nope"
    window.controls.apply({"target": "nope"})
    with qtbot.waitSignal(window.bench.sig_probed, timeout=RUN_TIMEOUT_MS):
        window.open_path(SHARED_DATA / "linear.py")
    assert window.controls.target.currentData() == "nope"
    assert "no target named 'nope'" in window.controls.probe_label.text()


def test_a_malformed_message_fails_its_variant_and_the_autosave_is_final(qtbot, window, tmp_path):
    path = module(tmp_path, hook="""
        if n == 8:
            _channel().send({"t": "block", "round": 1, "n": 1, "elapsed_ms": 1.0, "sample": "hot"})
    """)
    configure(window, ["eager", "script"], iters=30)
    open_and_wait_ready(qtbot, window, path, ["eager", "script"])
    with qtbot.waitSignal(window.bench.sig_autosaved, timeout=RUN_TIMEOUT_MS) as saved:
        session = run_to_end(qtbot, window)
    assert session["variants"]["script"]["status"] == "failed"
    assert session["variants"]["script"]["error"]["message"].startswith("runner sent a malformed message")
    assert session["variants"]["eager"]["status"] == "ok"
    on_disk = json.loads(Path(saved.args[0]).read_text())
    assert {v["status"] for v in on_disk["variants"].values()} == {"ok", "failed"}


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_the_app_stopped_by_a_signal_saves_what_was_measured(tmp_path, signame):
    marker = tmp_path / "measuring"
    path = module(tmp_path, hook=f"""
        time.sleep(0.02)
        if n == 30:
            open({str(marker)!r}, "w").write("x")
    """)
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", JITLAB_DATA_DIR=str(data),
               JITLAB_CONFIG_DIR=str(tmp_path / "config"), HOSTILE_VARIANT="eager",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "jitlab", str(path), "--run", "--variants", "eager",
                             "--iters", "100000"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_file(marker)
        time.sleep(0.5)
        proc.send_signal(getattr(signal, signame))
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    saved = list((data / "sessions").glob("*.json"))
    assert len(saved) == 1, err
    session = json.loads(saved[0].read_text())
    v = session["variants"]["eager"]
    assert v["status"] == "stopped" and len(v["iterations"]) >= 30, err
