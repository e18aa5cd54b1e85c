"""The PyInstaller build: the smoke test's own logic always, the real build on request.

Building takes a minute or more and needs PyInstaller (``pip install
'.[dev]'``), so it is opt-in::

    JITLAB_TEST_PYINSTALLER=1 python -m pytest tests/packaging/test_pyinstaller.py

and skipped otherwise (or where PyInstaller is not installed).
"""

from __future__ import annotations

import importlib.util
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
OPT_IN = "JITLAB_TEST_PYINSTALLER"

sys.path.insert(0, str(PACKAGING))
try:
    import smoke_test
finally:
    sys.path.remove(str(PACKAGING))

FAKE_APP = """#!/bin/sh
# Stands in for the frozen app: answers the smoke test's three steps.
{extra}
case "$1" in
  --version) echo "jitlab 0.0" ;;
  --screenshot) echo png > "$2" ;;
  run) for last; do :; done; echo {{}} > "$last" ;;
esac
"""


def fake_app(tmp_path: Path, extra: str = "") -> Path:
    app = tmp_path / "jitlab"
    app.write_text(FAKE_APP.format(extra=extra))
    app.chmod(app.stat().st_mode | stat.S_IEXEC)
    return app


@pytest.mark.skipif(os.name == "nt", reason="the stand-in app is a shell script")
def test_smoke_test_passes_a_working_app(tmp_path):
    lines = smoke_test.smoke(fake_app(tmp_path), run=True, timeout=30)
    assert len(lines) == 3


@pytest.mark.skipif(os.name == "nt", reason="the stand-in app is a shell script")
@pytest.mark.parametrize("extra, expect", [
    ('echo "ModuleNotFoundError: No module named \'pyqtgraph\'" >&2', "ModuleNotFoundError"),
    ('echo "Fatal Python error: init_fs_encoding" >&2', "Fatal Python error"),
    ('[ "$1" = --screenshot ] && exit 3', "exit status 3"),
    ('[ "$1" = --screenshot ] && exit 0', "no screenshot"),
])
def test_smoke_test_fails_a_broken_app(tmp_path, extra, expect):
    with pytest.raises(smoke_test.SmokeFailure, match=expect):
        smoke_test.smoke(fake_app(tmp_path, extra), run=True, timeout=30)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(OPT_IN) != "1", reason=f"building takes minutes: set {OPT_IN}=1 to run it")
@pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller is not installed")
def test_frozen_app_builds_and_passes_the_smoke_test(tmp_path, monkeypatch):
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", str(PACKAGING / "jitlab.spec"), "--noconfirm",
         "--distpath", str(tmp_path / "dist"), "--workpath", str(tmp_path / "build")],
        capture_output=True, text=True, cwd=ROOT, timeout=1800,
    )
    assert build.returncode == 0, build.stderr[-5000:]
    app = tmp_path / "dist" / "jitlab" / ("jitlab.exe" if os.name == "nt" else "jitlab")
    internal = app.parent / "_internal"
    assert not (internal / "torch").exists(), "torch must not be bundled"
    assert (internal / "resources" / "icons" / "jitlab.svg").is_file()
    assert (internal / "jitlab" / "runner" / "main.py").is_file(), "the runner sources must ship as .py files"
    # The run step needs torch in the runners' interpreter: this one, unless
    # JITLAB_PYTHON names another (then it is assumed to have torch).
    has_torch = bool(os.environ.get("JITLAB_PYTHON")) or importlib.util.find_spec("torch") is not None
    monkeypatch.setenv("JITLAB_PYTHON", os.environ.get("JITLAB_PYTHON") or sys.executable)
    lines = smoke_test.smoke(app, run=has_torch, timeout=300)
    assert len(lines) == (3 if has_torch else 2)
