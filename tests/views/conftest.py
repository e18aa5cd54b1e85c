"""Fixtures of the inside-the-variant views (graph, kernels, compile) and of
the history and comparison views.

Sessions come from ``data/`` (recorded with the real ``jitlab run``, see
``data/README.md``) and, for the graph break, from one short real run made
here. Without PySide6 (and pyqtgraph, pytest-qt) the folder is skipped.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from tests.conftest import mark_gui

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_MISSING = [m for m in ("PySide6", "pyqtgraph", "pytestqt") if importlib.util.find_spec(m) is None]
if _MISSING:
    collect_ignore_glob = ["test_*.py"]
else:
    import jitlab.gui  # noqa: F401 - applies the PySide6 6.12 / Python < 3.12 workaround first
    from PySide6.QtCore import QStandardPaths

    QStandardPaths.setTestModeEnabled(True)

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]
BREAK_MODULE = ROOT / "tests" / "introspect" / "data" / "graph_break.py"
#: Where the committed sessions were recorded; their source comments point there.
RECORDED_ROOT = "/work/main"


def pytest_collection_modifyitems(config, items):
    if not _MISSING:
        mark_gui(items, Path(__file__).parent)


def _rebase(obj, old: str, new: str):
    """``obj`` with every string's ``old`` root replaced by ``new`` (so source links resolve here)."""
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [_rebase(x, old, new) for x in obj]
    if isinstance(obj, dict):
        return {k: _rebase(v, old, new) for k, v in obj.items()}
    return obj


def load_data(name: str) -> dict:
    """A committed session, its recorded paths moved to this checkout."""
    from jitlab.core.session.store import load

    session = load(DATA / name)
    return session if str(ROOT) == RECORDED_ROOT else _rebase(session, RECORDED_ROOT, str(ROOT))


@pytest.fixture
def cpu_session() -> dict:
    """gated.py: eager, script, trace, compile on CPU with --cpu-fusion (NNC groups, NNC IR)."""
    return load_data("gated_cpu.json")


@pytest.fixture
def h100_session() -> dict:
    """gated.py on an H100: CUDA kernels, NNC's CUDA source, Triton kernels."""
    return load_data("gated_h100.json")


@pytest.fixture
def run_pair() -> tuple[dict, dict]:
    """Two CPU runs of one file, before and after an edit of its last line."""
    return load_data("gated_run1_cpu.json"), load_data("gated_run2_cpu.json")


@pytest.fixture(scope="session")
def break_session(tmp_path_factory) -> dict:
    """A real run (eager and compile, train mode) of a module that prints in its forward."""
    from tests.conftest import run_jitlab

    out = tmp_path_factory.mktemp("break") / "session.json"
    result = run_jitlab("run", str(BREAK_MODULE), "--variants", "eager,compile", "--iters", "3", "--warmup", "2",
                        "-q", "--out", str(out), timeout=300)
    assert result.rc == 0, result.err[-3000:]
    return result.session


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
