"""Shared helpers: run the real ``jitlab`` command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# Qt views are tested offscreen: no display is needed (or used) by the suite.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "engine" / "data"
EXAMPLES = ROOT / "resources" / "examples"


@dataclass
class Result:
    rc: int
    out: str
    err: str
    session: dict | None


def run_jitlab(*args: str, env: dict | None = None, timeout: float = 300, cwd: Path | None = None) -> Result:
    """Run ``python -m jitlab ...`` from the source tree and read the session it wrote (if ``--out``)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "jitlab", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=cwd or ROOT)
    session = None
    if "--out" in args:
        out = Path(args[args.index("--out") + 1])
        if out.is_file():
            session = json.loads(out.read_text())
    return Result(proc.returncode, proc.stdout, proc.stderr, session)


@pytest.fixture
def jitlab_run(tmp_path):
    """Run ``jitlab run`` with a session file in ``tmp_path``; quick defaults."""

    def _run(file: str | Path | None, *args: str, env: dict | None = None, iters: int = 6) -> Result:
        out = tmp_path / "session.json"
        argv = ["run"] + ([str(file)] if file is not None else [])
        argv += ["--iters", str(iters), "-q", "--out", str(out), *args]
        return run_jitlab(*argv, env=env)

    return _run


def mark_gui(items, folder: Path) -> None:
    """Mark every test collected from ``folder`` as needing Qt (``-m "not gui"`` leaves them out)."""
    for item in items:
        if Path(str(item.fspath)).parent == folder:
            item.add_marker(pytest.mark.gui)
