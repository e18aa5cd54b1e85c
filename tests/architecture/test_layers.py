"""The rooms and their doors, checked as the test command runs: the import contracts, mypy on
``jitlab.core``, and everything below the window working where Qt cannot be imported."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
SESSION = ROOT / "tests" / "data" / "sessions" / "gated_cpu.json"

#: Importing any of these raises, as on a server where only ``pip install jitlab`` was run.
BLOCKED = ("PySide6", "pyqtgraph", "pytestqt", "shiboken6")

_BLOCKER = textwrap.dedent(f"""
    import importlib.abc, sys

    class _NoQt(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {BLOCKED!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: headless check)")
            return None

    sys.meta_path.insert(0, _NoQt())
""")


def _env(tmp_path: Path) -> dict[str, str]:
    """An environment whose interpreters (this one and the runners it starts) cannot import Qt."""
    (tmp_path / "sitecustomize.py").write_text(_BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("QT_QPA_PLATFORM", None)
    return env


def _modules_below_gui() -> list[str]:
    names = []
    for room in ("core", "host", "cli", "runner"):
        for path in sorted((ROOT / "jitlab" / room).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _tool(name: str) -> list[str]:
    exe = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(exe).exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return [exe]


def test_import_contracts_are_kept():
    """The forbidden imports and the layers (gui > cli > host > core; runner > core) hold."""
    proc = subprocess.run(_tool("lint-imports"), cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "broken" not in proc.stdout.split("Contracts:")[-1].replace("0 broken", "")


def test_core_passes_mypy():
    """The typed session schema and everything else in ``jitlab.core`` type-check."""
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy", "jitlab/core"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_the_blocker_blocks(tmp_path):
    """The check below means something: in its environment Qt really cannot be imported."""
    proc = subprocess.run([sys.executable, "-c", "import PySide6"], env=_env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "blocked: headless check" in proc.stderr


def test_everything_below_the_window_imports_without_qt(tmp_path):
    """Every module of core, host, cli and runner imports where PySide6 and pyqtgraph cannot."""
    code = "import importlib\nfor m in %r:\n    importlib.import_module(m)\nprint('ok')" % _modules_below_gui()
    proc = subprocess.run([sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-4000:]


def test_show_and_run_work_without_qt(tmp_path):
    """``jitlab show`` of a saved session and a short ``jitlab run`` (real runner processes) need no Qt."""
    env = _env(tmp_path)
    show = subprocess.run([sys.executable, "-m", "jitlab", "show", str(SESSION)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert show.returncode == 0 and "speedup vs eager" in show.stdout, show.stderr[-4000:]
    out = tmp_path / "s.json"
    run = subprocess.run([sys.executable, "-m", "jitlab", "run", str(ROOT / "tests" / "data" / "trivial.py"),
                          "--variants", "eager,script", "--iters", "6", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert out.is_file() and "script" in run.stdout
