"""Fixtures of the app's tests: an isolated main window, real runner
processes, a guard that fails any test leaving a runner process behind, and
the helpers that show a widget and grab a screenshot of it.

The folder mirrors ``jitlab/gui``: ``process/``, ``live/``, ``inside/``,
``runs/`` and ``common/`` test the parts, the modules here the whole app.
Without PySide6 (and pyqtgraph, pytest-qt) the folder is skipped.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, mark_gui  # noqa: F401 - EXAMPLES is imported from here by the app's tests

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_MISSING = [m for m in ("PySide6", "pyqtgraph", "pytestqt") if importlib.util.find_spec(m) is None]
if _MISSING:
    # The globs are matched against whole paths: the second reaches the sub-folders.
    collect_ignore_glob = ["test_*.py", "*/test_*.py"]
else:
    import jitlab.gui  # noqa: F401 - applies the PySide6 6.12 / Python < 3.12 workaround first
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)  # nothing a test does touches the user's real folders

#: Module files of the app's tests (small, quick ones; the other rooms' are in ``tests/data``).
DATA = Path(__file__).resolve().parent / "data"

#: Generous limits: the machine running the suite may be busy with other work.
RUN_TIMEOUT_MS = 120_000
PROCESS_EXIT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    if not _MISSING:
        mark_gui(items, Path(__file__).parent)


@pytest.fixture(autouse=True)
def no_runner_left_behind():
    """Fail a test that leaves a runner ``QProcess`` running (and kill what it left)."""
    yield
    if _MISSING:
        return
    from jitlab.gui.process.runner_process import live_processes

    left = live_processes()
    if not left:
        return
    pids = [p.pid for p in left]
    for p in left:
        p.kill()
    from PySide6.QtTest import QTest

    waited = 0
    while live_processes() and waited < PROCESS_EXIT_MS:  # let Qt reap them before the next test
        QTest.qWait(20)
        waited += 20
    pytest.fail(f"the test left {len(pids)} runner process(es) running: pids {pids}")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """Preferences and data folder of this test only."""
    from jitlab.gui.common import paths

    config, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv(paths.CONFIG_ENV, str(config))
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    return config, data


@pytest.fixture
def window(qtbot, isolated):
    """A shown main window; closing it at teardown must end every runner it started."""
    from jitlab.gui import heap
    from jitlab.gui.common import paths
    from jitlab.gui.qt_main_window import MainWindow
    from jitlab.gui.process.runner_process import live_processes

    paths.set_application_names()
    win = MainWindow()  # not qtbot.addWidget: its teardown deletes the window before the runners are reaped
    win.resize(1200, 800)
    win.show()
    heap.settle()  # as the app does once its window is built
    yield win
    heap.unsettle()
    win.close()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=PROCESS_EXIT_MS)
    qtbot.waitUntil(lambda: not live_processes() and not win.bench.saving, timeout=PROCESS_EXIT_MS)
    win.deleteLater()


def configure(win, variants, iters, warmup=1, mode="train", timeout=120.0):
    """Set the run controls of ``win``."""
    win.controls.apply({"variants": list(variants), "iters": iters, "warmup": warmup, "mode": mode,
                        "timeout": timeout})
    assert win.controls.checked_variants() == [v for v in ("eager", "script", "trace", "compile") if v in variants]


def open_and_wait_ready(qtbot, win, path, variants):
    """Open a module and wait for its probe and for one ready pooled runner per variant."""
    win.bench.set_pool_size(len(variants))
    with qtbot.waitSignal(win.bench.sig_probed, timeout=RUN_TIMEOUT_MS):
        assert win.open_path(path)
    qtbot.waitUntil(lambda: win.bench.pool.ready_count >= len(variants), timeout=RUN_TIMEOUT_MS)


def run_to_end(qtbot, win):
    """Press Run and wait for the run's end; returns the session."""
    with qtbot.waitSignal(win.bench.sig_run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        win.actions["run"].trigger()
        assert win.bench.running
    return blocker.args[0]


@pytest.fixture
def shots(tmp_path) -> Path:
    """Folder for screenshots (``JITLAB_SCREENSHOT_DIR`` keeps them)."""
    folder = Path(os.environ.get("JITLAB_SCREENSHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shown(qtbot, widget, width: int, height: int):
    """``widget`` owned by ``qtbot``, resized, shown and exposed."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def grab(widget, path: Path) -> Path:
    """Save an offscreen screenshot of ``widget`` and check it is not empty."""
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # let pending layouts settle
    image = widget.grab()
    assert not image.isNull() and image.width() > 100
    assert image.save(str(path))
    return path
