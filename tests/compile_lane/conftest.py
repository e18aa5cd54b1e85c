"""Real compile runs shared by the compile-lane tests: one run of the four compile modes, one run with a
recompile mid-measurement. Each compiles cold on the CPU (seconds per graph), so each runs once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jitlab.core.session import store as S

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
MODES = ("compile", "compile:reduce-overhead", "compile:max-autotune", "compile:max-autotune-no-cudagraphs")
#: Inductor compiles its CPU kernels with the system's C++ compiler.
HAS_CXX = any(shutil.which(c) for c in (os.environ.get("CXX", ""), "g++", "c++", "clang++") if c)
needs_cxx = pytest.mark.skipif(not HAS_CXX, reason="Inductor needs a C++ compiler on CPU")


def jitlab(*args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m jitlab ARGS`` in this checkout (``env``: variables to add)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    proc = subprocess.run([sys.executable, "-m", "jitlab", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)
    if check:
        assert proc.returncode == 0, f"jitlab {args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def modes_run(tmp_path_factory) -> tuple[Path, dict, str]:
    """eager and the four compile modes of the pointwise layer, inference mode (one graph each), with
    introspection (which traces the module again: none of it may count as the run's compilations)."""
    if not HAS_CXX:
        pytest.skip("Inductor needs a C++ compiler on CPU")
    out = tmp_path_factory.mktemp("modes") / "session.json"
    proc = jitlab("run", str(DATA / "pointwise.py"), "--variants", ",".join(("eager", *MODES)), "--mode", "infer",
                  "--iters", "3", "--warmup", "2", "--no-device-time", "--out", str(out),
                  "-q", "--timeout", "300", "--device", "cpu")
    return out, S.load(out), proc.stdout


@pytest.fixture(scope="session")
def recompile_run(tmp_path_factory) -> tuple[Path, dict]:
    """compile of a layer whose guarded attribute changes at iteration 40, train mode."""
    if not HAS_CXX:
        pytest.skip("Inductor needs a C++ compiler on CPU")
    out = tmp_path_factory.mktemp("recompile") / "session.json"
    # sequential: one unbroken stretch of measured iterations (interleaved rounds re-warm each block)
    jitlab("run", str(DATA / "scale_changes.py"), "--variants", "compile", "--mode", "train", "--iters", "60",
           "--warmup", "2", "--schedule", "sequential", "--no-device-time", "--no-introspect", "--out", str(out), "-q", "--timeout", "300",
           "--device", "cpu")
    return out, S.load(out)
