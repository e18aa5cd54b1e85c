"""Helpers shared by the benchmark scripts: running ``jitlab run`` and the
reference child, naming result files, formatting tables.

Imports neither torch nor Qt: the benchmark drivers stay light parents, like
``jitlab run`` itself, and all timing happens in child processes.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
REFERENCE = BENCH / "reference.py"
TRIVIAL = BENCH / "modules" / "trivial.py"

# The scripts measure this checkout's jitlab, installed or not.
if str(ROOT) not in sys.path:
    sys.path.insert(1, str(ROOT))


def child_env() -> dict[str, str]:
    """Environment for children: this checkout's jitlab first on the path."""
    env = dict(os.environ)
    parts = [str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def jitlab_run(file: Path, out: Path, *, python: str, target: str | None = None, device: str = "cpu",
               variants: Sequence[str] = ("eager",), mode: str = "train", iters: int = 100, warmup: int | None = None,
               extra: Sequence[str] = (), timeout: float | None = None) -> tuple[int, dict | None, str]:
    """Run ``python -m jitlab run`` and return ``(exit code, session or None, output)``.

    The runners use the same interpreter (``--python``), so the benchmark's
    ``--python`` choice applies to jitlab and the reference alike.
    """
    argv = [python, "-m", "jitlab", "run", str(file), "--device", device, "--variants", ",".join(variants),
            "--mode", mode, "--iters", str(iters), "--out", str(out), "-q", "--python", python, *extra]
    if warmup is not None:  # else jitlab's own default, which also waits for times to settle
        argv += ["--warmup", str(warmup)]
    if target:
        argv += ["--target", target]
    proc = subprocess.run(argv, capture_output=True, text=True, env=child_env(), cwd=ROOT, timeout=timeout)
    session = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return proc.returncode, session, proc.stdout + proc.stderr


def reference_run(file: Path, variant: str, *, python: str, target: str | None = None, device: str = "cpu",
                  mode: str = "train", iters: int = 100, warmup: int = 5, matmul_precision: str = "highest",
                  timer: bool = False, timer_min_time: float = 1.0, threads: int | None = None,
                  pin_cpus: str | None = None, timeout: float | None = None,
                  kernel_sum: int | None = None) -> dict[str, Any]:
    """Run ``benchmarks/reference.py`` for one variant in a fresh process."""
    argv = [python, str(REFERENCE), "--file", str(file), "--device", device, "--variant", variant,
            "--mode", mode, "--iters", str(iters), "--warmup", str(warmup),
            "--matmul-precision", matmul_precision, "--timer-min-time", str(timer_min_time)]
    if target:
        argv += ["--target", target]
    if timer:
        argv.append("--timer")
    if threads:
        argv += ["--threads", str(threads)]
    if pin_cpus:
        argv += ["--pin-cpus", pin_cpus]
    if kernel_sum:
        argv += ["--kernel-sum", str(kernel_sum)]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, env=child_env(), cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"variant": variant, "error": f"the reference run timed out after {timeout:g} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        tail = "\n".join(proc.stderr.strip().splitlines()[-10:])
        return {"variant": variant, "error": f"the reference run gave no result (exit {proc.returncode}):\n{tail}"}
    return json.loads(lines[-1])


def total_stats(session: dict, variant: str) -> dict[str, Any] | None:
    """jitlab's statistics of forward+backward for ``variant``, or None."""
    rec = (session or {}).get("variants", {}).get(variant)
    if not rec or not rec.get("stats") or not rec["stats"].get("total"):
        return None
    return rec["stats"]["total"]


def slug(text: str) -> str:
    """A file-name-safe lower-case slug: ``NVIDIA H100 80GB HBM3`` -> ``nvidia-h100-80gb-hbm3``."""
    text = re.sub(r"\((r|tm|c)\)", "", text, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unknown"


def device_slug(env: dict | None, fallback: str) -> str:
    """Name of the device a session ran on, for result file names."""
    dev = (env or {}).get("device") or {}
    if dev.get("kind") == "cpu":
        return "cpu-" + slug(dev.get("name") or "cpu")
    return slug(dev.get("name") or fallback)


def today() -> str:
    return _dt.date.today().isoformat()


def now_iso() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def command_line() -> str:
    """The command that started this script, as a person would retype it."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(ROOT)
    except ValueError:
        pass
    return " ".join(["python", str(script), *sys.argv[1:]])


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ms(value: float | None) -> str:
    """Milliseconds with three significant digits (microseconds below 0.1 ms)."""
    if value is None:
        return "—"
    if value < 0.1:
        return f"{value * 1e3:.1f} µs"
    return f"{value:#.3g} ms" if value < 100 else f"{value:.0f} ms"


def fmt_ratio(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path
