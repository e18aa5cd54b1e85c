"""Regenerate every screenshot in the README and the user guide.

Each picture is made by the app itself (``jitlab ... --screenshot PNG``),
offscreen, from a real run on this machine or from a session recorded on an
H100 and kept in the repository. Never edit the images by hand; run::

    python docs/make_screenshots.py            # all of them (a few minutes on a laptop CPU)
    python docs/make_screenshots.py run-conv2d # just one
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
EXAMPLES = ROOT / "resources" / "examples"
H100_LSTM = ROOT / "benchmarks" / "results" / "h100-lstm" / "lstm-h100-session.json"
H200_CONV2D = ROOT / "benchmarks" / "results" / "h200-device-time" / "conv2d-session.json"
H200_LSTM = ROOT / "benchmarks" / "results" / "h200-device-time" / "lstm-session.json"
H100_GATED = ROOT / "tests" / "data" / "sessions" / "gated_h100.json"
COMPILE_LANE = ROOT / "tests" / "data"
RUN_PAIR = [ROOT / "tests" / "data" / "sessions" / "gated_run1_cpu.json",
            ROOT / "tests" / "data" / "sessions" / "gated_run2_cpu.json"]

#: name -> (arguments after ``jitlab``, what it shows)
SHOTS = {
    "run-conv2d": ([str(EXAMPLES / "conv2d.py"), "--run", "--iters", "60"], "a finished run of the Conv2d example"),
    "distribution-conv2d": ([str(EXAMPLES / "conv2d.py"), "--run", "--iters", "60", "--tab", "distribution"],
                            "box plots of the same run"),
    "breakdown-conv2d-h200": ([str(H200_CONV2D), "--tab", "timing"],
                              "where the time goes: the Conv2d's device and host time, recorded on an H200"),
    "breakdown-lstm-h200": ([str(H200_LSTM), "--tab", "timing"],
                            "where the time goes: the LSTM's device and host time, recorded on an H200"),
    "graphs-lstm-h100": ([str(H100_LSTM), "--tab", "graphs"], "the LSTM's graphs, recorded on an H100"),
    "kernels-lstm-h100": ([str(H100_LSTM), "--tab", "kernels"], "the LSTM's kernels, recorded on an H100"),
    "lines-gated-cpu": ([str(EXAMPLES / "gated.py"), "--run", "--variants", "eager,compile", "--iters", "30",
                         "--tab", "kernels"],
                        "the time of each source line beside the kernels, from a CPU run with torch.compile"),
    "compile-gated-h100": ([str(H100_GATED), "--tab", "compile"], "torch.compile's graphs and code"),
    "runs-compare": ([str(RUN_PAIR[1]), "--tab", "runs"], "the Runs list with two saved runs"),
    "recompile-timing": ([str(COMPILE_LANE / "scale_changes.py"), "--run", "--variants", "compile", "--iters", "60",
                          "--warmup", "2"], "a recompile marked at its iteration on the timing plot"),
    "compile-modes-cpu": ([str(COMPILE_LANE / "pointwise.py"), "--run", "--variants",
                           "eager,compile,compile:reduce-overhead", "--mode", "infer", "--iters", "20", "--tab",
                           "compile"], "the compile modes on a CPU: first-call breakdown, mode picker"),
}


def make(name: str, data_dir: Path) -> None:
    args, _ = SHOTS[name]
    out = IMAGES / f"{name}.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "JITLAB_DATA_DIR": str(data_dir),
           "JITLAB_CONFIG_DIR": str(data_dir / "config"),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "jitlab", *args, "--screenshot", str(out)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    print(f"{name}: exit {proc.returncode} -> {out.relative_to(ROOT)}")
    if not out.exists():
        sys.exit(f"{name} made no picture:\n{proc.stderr[-3000:]}")


def main(argv: list[str]) -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name in argv or list(SHOTS):
        # Each picture gets its own data folder, so runs made for one never appear in another.
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            if name == "runs-compare":
                sessions = data / "sessions"
                sessions.mkdir(parents=True)
                for i, src in enumerate(RUN_PAIR):
                    shutil.copy(src, sessions / f"2026112{i}-120000-gated.json")
            make(name, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
