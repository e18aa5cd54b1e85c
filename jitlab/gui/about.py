"""The Help menu's texts: versions of jitlab and of what it runs on, and where the user guide is (no Qt widgets)."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import jitlab

#: The user guide in a source checkout (``docs/index.md`` next to the package).
GUIDE = Path(jitlab.__file__).resolve().parent.parent / "docs" / "index.md"


def versions(runner_env: dict[str, Any] | None = None, python: str | None = None) -> list[tuple[str, str]]:
    """``(name, version)`` of jitlab, the app's Python and GUI libraries, and the runners' torch."""
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    env = runner_env or {}
    rows = [("jitlab", jitlab.__version__),
            ("Python (app)", f"{platform.python_version()} ({sys.executable})"),
            ("Qt", qVersion()), ("PySide6", PySide6.__version__), ("pyqtgraph", pyqtgraph.__version__),
            ("numpy", numpy.__version__),
            ("runner interpreter", python or sys.executable)]
    rows.append(("torch (runners)", env.get("torch") or "shown once a runner has reported it"))
    if env.get("cuda"):
        rows.append(("CUDA (runners)", str(env["cuda"])))
    return rows


def about_html(runner_env: dict[str, Any] | None = None, python: str | None = None) -> str:
    cells = "".join(f"<tr><td><b>{name}</b></td><td>&nbsp;{value}</td></tr>" for name, value in
                    versions(runner_env, python))
    return ("<p><b>jitlab</b>: a desktop profiler for PyTorch module code — eager, torch.jit.script, "
            "torch.jit.trace and torch.compile side by side.</p>"
            f"<table>{cells}</table>")
