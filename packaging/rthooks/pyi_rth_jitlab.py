"""PyInstaller runtime hook: prepare the frozen jitlab to start its runners.

The bundle holds no torch. Runners run in another Python (the one with
torch), named by ``JITLAB_PYTHON`` (read by ``jitlab.host.launch``). When
the user has not set it, the first of these that can import torch is chosen:
the active virtual environment, the active conda environment, ``python3`` and
``python`` on ``PATH``. Failing all, the first interpreter found is used, so
the runner's own error message tells the user what is missing.

The bootloader may also point ``LD_LIBRARY_PATH`` at the bundle; children
would then load the bundle's copies of system libraries instead of their own
(torch's CUDA libraries included), so the user's value is restored. The frozen
process itself is unaffected: its library search path was fixed at start-up.
"""

import os
import shutil
import subprocess
import sys

PYTHON_ENV = "JITLAB_PYTHON"
#: A probe only asks whether torch is importable; it never imports it.
_PROBE = "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"


def _restore_library_path() -> None:
    key = "LD_LIBRARY_PATH"
    original = os.environ.pop(key + "_ORIG", None)
    if original is not None:
        if original:
            os.environ[key] = original
        else:
            os.environ.pop(key, None)
        return
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and key in os.environ:
        kept = [p for p in os.environ[key].split(os.pathsep) if p and not p.startswith(bundle)]
        if kept:
            os.environ[key] = os.pathsep.join(kept)
        else:
            del os.environ[key]


def _candidates() -> list:
    exe = "python.exe" if os.name == "nt" else "python"
    found = []
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = os.environ.get(var)
        if prefix:
            for sub in (("Scripts", exe), (exe,)) if os.name == "nt" else (("bin", exe),):
                found.append(os.path.join(prefix, *sub))
    for name in ("python3", "python"):
        path = shutil.which(name)
        if path:
            found.append(path)
    frozen = os.path.realpath(sys.executable)
    seen, out = set(), []
    for path in found:
        real = os.path.realpath(path)
        if os.path.isfile(path) and real != frozen and real not in seen:
            seen.add(real)
            out.append(path)
    return out


def _has_torch(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", _PROBE], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=15).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _choose_runner_python() -> None:
    if os.environ.get(PYTHON_ENV):
        return
    candidates = _candidates()
    chosen = next((p for p in candidates if _has_torch(p)), candidates[0] if candidates else None)
    # Never leave it unset: the default would be this frozen binary, which
    # cannot run ``-m jitlab.runner`` and would open a second window instead.
    os.environ[PYTHON_ENV] = chosen or ("python" if os.name == "nt" else "python3")


_restore_library_path()
_choose_runner_python()
