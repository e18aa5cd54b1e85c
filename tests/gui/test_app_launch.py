"""The app's own command line, as a user types it: ``jitlab FILE.py --run ...``
in a process of its own (offscreen), with isolated preferences and data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jitlab.gui.display import XCB_LIBRARIES, check_display
from tests.conftest import DATA as SHARED_DATA
from tests.conftest import RECORDED, ROOT
from tests.gui.conftest import DATA

TWO_TARGETS = SHARED_DATA / "two_targets.py"
SESSION = RECORDED / "gated_cpu.json"
APP_TIMEOUT_S = 180


def _env(isolated, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def _app(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jitlab", *map(str, args)], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=APP_TIMEOUT_S)


def _last_session(data: Path) -> dict:
    files = sorted((data / "sessions").glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert files, "the run was not auto-saved"
    return json.loads(files[-1].read_text())


@pytest.mark.slow
@pytest.mark.parametrize("target", [None, "small", "target_small"])
def test_app_run_of_a_file_with_several_targets_uses_the_target_it_shows(isolated, tmp_path, target):
    _config, data = isolated
    shot = tmp_path / "run.png"
    args = [TWO_TARGETS, "--run", "--variants", "eager", "--iters", "3", "--warmup", "1", "--screenshot", shot]
    if target:
        args += ["--target", target]
    done = _app(args, _env(isolated, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr
    session = _last_session(data)
    assert session["settings"]["target"] == "small"  # the first target, as the Target box shows it
    assert session["variants"]["eager"]["status"] == "ok"
    assert shot.stat().st_size > 0


def test_without_a_display_the_app_says_what_to_do_and_exits_2(isolated):
    done = _app([TWO_TARGETS, "--run"], _env(isolated))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "no display" in lines[0] and "jitlab run" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]


def test_a_screenshot_without_a_display_draws_offscreen(isolated, tmp_path):
    shot = tmp_path / "session.png"
    done = _app([SESSION, "--screenshot", shot], _env(isolated))
    assert done.returncode == 0, done.stderr
    assert "offscreen" in done.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert image.width() >= 1400 and image.height() == 900


def test_missing_xcb_libraries_are_named_with_their_debian_packages():
    present = {"c": "libc.so.6", "xcb-cursor": "libxcb-cursor.so.0"}
    platform, error = check_display({"DISPLAY": ":0"}, file="m.py", find=present.get)
    assert platform is None
    assert "libxcb-icccm4" in error and "libxcb-keysyms1" in error and "libxcb-cursor0" not in error
    assert "jitlab run m.py" in error
    # everything installed, or a library lookup that cannot see anything: start normally
    assert check_display({"DISPLAY": ":0"}, find=lambda lib: f"lib{lib}.so") == (None, None)
    assert check_display({"DISPLAY": ":0"}, find=lambda lib: None) == (None, None)
    # an explicit headless platform needs nothing
    assert check_display({"QT_QPA_PLATFORM": "offscreen"}, find=lambda lib: None) == (None, None)
    assert check_display({}, screenshot=True) == ("offscreen", None)
    assert set(XCB_LIBRARIES.values()) >= {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"}


def test_command_line_options_apply_to_that_launch_only(isolated, tmp_path, qtbot):
    from jitlab.gui.common import paths
    from jitlab.gui.qt_main_window import MainWindow

    paths.set_application_names()
    saved = paths.Preferences()
    saved.set("run/timeout", 45.0)
    saved.set("run/variants", ["eager", "script"])
    saved.sync()
    done = _app([DATA / "tiny.py", "--timeout", "20", "--variants", "eager,script,trace,compile", "--iters", "7",
                 "--screenshot", tmp_path / "x.png"], _env(isolated, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr

    win = MainWindow()  # the next plain launch
    qtbot.addWidget(win)
    values = win.controls.values()
    assert values["timeout"] == 45.0
    assert values["variants"] == ["eager", "script"]
    assert values["iters"] == 100
    win.bench.shutdown()
