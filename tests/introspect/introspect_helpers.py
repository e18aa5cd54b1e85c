"""Paths and the run helper shared by the introspection tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from jitlab.core.session import store as S

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
GATED = ROOT / "resources" / "examples" / "gated.py"
#: Inductor compiles its CPU kernels with the system's C++ compiler.
HAS_CXX = any(shutil.which(c) for c in (os.environ.get("CXX", ""), "g++", "c++", "clang++") if c)


def run_jitlab(out: Path, file: Path, *args: str) -> dict:
    """Run ``jitlab run FILE ARGS --out OUT`` in real runner processes and
    return the loaded session."""
    cmd = [sys.executable, "-m", "jitlab", "run", str(file), "--out", str(out), "-q", "--timeout", "300", *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"jitlab run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return S.load(out)
