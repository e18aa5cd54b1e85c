"""Start the frozen jitlab app and fail on the signs of a broken bundle.

Checks, in order, each with ``QT_QPA_PLATFORM=offscreen`` so no display is
needed:

1. ``jitlab --version`` prints the version;
2. the window starts, draws and saves a screenshot (``--screenshot``), then
   quits on its own -- this loads Qt, its platform and image plugins,
   pyqtgraph and the bundled examples;
3. ``jitlab run`` profiles the bundled Conv2d example for a few iterations
   through the runner Python (``JITLAB_PYTHON``, or the bundle's default
   choice) -- this proves the runners find jitlab's sources in the bundle.
   Skipped with ``--no-run``.

Every step fails on a non-zero exit, a timeout, or any of :data:`MARKERS` in
its output (missing modules are often caught and printed rather than fatal).

Usage
-----
::

    python packaging/smoke_test.py dist/jitlab/jitlab
    python packaging/smoke_test.py dist/jitlab/jitlab --no-run   # no Python with torch here
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MARKERS = (
    "ImportError",
    "ModuleNotFoundError",
    "Fatal Python error",
    "Traceback (most recent call last)",
    "Could not load the Qt platform plugin",
    "Failed to execute script",
)


class SmokeFailure(Exception):
    """A step of the smoke test failed; the message says which and why."""


def run_step(name: str, argv: list[str], env: dict[str, str], timeout: float) -> str:
    """Run one step; returns its combined output or raises :class:`SmokeFailure`."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise SmokeFailure(f"{name}: no exit within {timeout:g} s\n{out[-2000:]}") from None
    output = proc.stdout + proc.stderr
    found = [m for m in MARKERS if m in output]
    if found:
        raise SmokeFailure(f"{name}: output contains {', '.join(found)}\n{output[-4000:]}")
    if proc.returncode != 0:
        raise SmokeFailure(f"{name}: exit status {proc.returncode}\n{output[-4000:]}")
    return output


def smoke(app: Path, run: bool = True, timeout: float = 120.0) -> list[str]:
    """Run every step against the frozen ``app``; returns one line per passed step."""
    if not app.is_file() or not os.access(app, os.X_OK):
        raise SmokeFailure(f"{app}: not an executable file (build it first, see packaging/README.md)")
    passed = []
    with tempfile.TemporaryDirectory(prefix="jitlab-smoke-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   # Keep the app's preferences and auto-saved runs out of the user's folders.
                   JITLAB_CONFIG_DIR=str(tmp_path / "config"), JITLAB_DATA_DIR=str(tmp_path / "data"))
        out = run_step("--version", [str(app), "--version"], env, timeout)
        if "jitlab" not in out:
            raise SmokeFailure(f"--version: unexpected output {out!r}")
        passed.append(f"--version: {out.strip()}")

        shot = tmp_path / "window.png"
        run_step("window", [str(app), "--screenshot", str(shot)], env, timeout)
        if not shot.is_file() or shot.stat().st_size == 0:
            raise SmokeFailure(f"window: no screenshot was written to {shot}")
        passed.append(f"window: started offscreen and saved a {shot.stat().st_size:,}-byte screenshot")

        if run:
            session = tmp_path / "session.json"
            run_step("jitlab run", [str(app), "run", "--variants", "eager,script", "--iters", "3",
                                    "--no-introspect", "-q", "--out", str(session)], env, timeout)
            if not session.is_file():
                raise SmokeFailure("jitlab run: no session file was written")
            passed.append("jitlab run: the bundled Conv2d example ran through the runner Python")
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test the frozen jitlab app.")
    parser.add_argument("app", type=Path, nargs="?", default=Path("dist/jitlab/jitlab"),
                        help="the frozen executable (default: %(default)s)")
    parser.add_argument("--no-run", action="store_true", help="skip the step that needs a Python with torch")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per step (default: %(default)g)")
    args = parser.parse_args(argv)
    try:
        for line in smoke(args.app, run=not args.no_run, timeout=args.timeout):
            print(f"ok  {line}")
    except SmokeFailure as exc:
        print(f"FAIL {exc}", file=sys.stderr)
        return 1
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
