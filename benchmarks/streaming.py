"""A long ``jitlab run`` of a trivial module, with the parent's memory sampled.

jitlab's runners stream every iteration to the parent as JSON lines. If the
parent fell behind, or kept something per message that it should not, its
memory would climb with the iteration count. This runs many iterations and
samples the parent's resident set size while they stream.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import benchlib as B

#: Sampling period of the parent's RSS (seconds).
SAMPLE_S = 0.05
#: Flat means the parent grows by less than a fixed allowance (the end of a
#: run computes statistics and writes the session, whatever its length) plus
#: this much per iteration: the session keeps one small record per iteration
#: (a few hundred bytes), so growth of that order is expected, while a leak or
#: a backlog of messages would grow far faster.
FLAT_FIXED_MIB = 8.0
FLAT_BYTES_PER_ITERATION = 1024
#: Samples kept in the result (evenly thinned).
KEEP_SAMPLES = 200
#: The parent's own imports settle within this time; earlier samples are not the baseline.
SETTLE_S = 0.5


def rss_reader(pid: int) -> Callable[[], int | None]:
    """A function returning ``pid``'s resident set size in bytes (None once it is gone)."""
    try:
        import psutil

        proc = psutil.Process(pid)

        def read() -> int | None:
            try:
                return proc.memory_info().rss
            except psutil.Error:
                return None
    except ImportError:  # psutil is a jitlab dependency, but a bare GPU box may lack it
        def read() -> int | None:
            try:
                with open(f"/proc/{pid}/status", encoding="ascii") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            return int(line.split()[1]) * 1024
            except OSError:
                return None
            return None
    return read


def _thin(samples: list[tuple[float, float]], keep: int) -> list[list[float]]:
    step = max(1, len(samples) // keep)
    return [[round(t, 3), round(m, 2)] for t, m in samples[::step]]


def stream_run(work: Path, *, python: str, device: str, iters: int) -> dict[str, Any]:
    """Run ``iters`` iterations of the trivial module's eager variant; sample the parent."""
    out = work / "stream-session.json"
    argv = [python, "-m", "jitlab", "run", str(B.TRIVIAL), "--device", device, "--variants", "eager",
            "--iters", str(iters), "--no-introspect", "-q", "--out", str(out), "--python", python]
    err_path = work / "stream-stderr.txt"
    t0 = time.monotonic()
    # stderr goes to a file, not a pipe: an unread pipe could fill and stall the run being measured.
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=B.child_env(), cwd=B.ROOT)
        read = rss_reader(proc.pid)
        samples: list[tuple[float, float]] = []
        while proc.poll() is None:
            rss = read()
            if rss is not None:
                samples.append((time.monotonic() - t0, rss / 2**20))
            time.sleep(SAMPLE_S)
    wall = time.monotonic() - t0
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    settled = [m for t, m in samples if t >= SETTLE_S] or [m for _, m in samples] or [0.0]
    start, peak, end = settled[0], max(settled), settled[-1]
    growth = peak - start
    per_iter = growth * 2**20 / max(1, iters)
    allowance = FLAT_FIXED_MIB * 2**20 + FLAT_BYTES_PER_ITERATION * iters
    measured = None
    if out.exists():
        session = json.loads(out.read_text(encoding="utf-8"))
        measured = sum(1 for it in session["variants"]["eager"]["iterations"] if not it["warmup"])
        out.unlink()
    return {
        "iters": iters, "measured": measured, "rc": proc.returncode, "wall_s": wall,
        "rss_start_mib": start, "rss_peak_mib": peak, "rss_end_mib": end, "growth_mib": growth,
        "bytes_per_iteration": per_iter, "flat": measured == iters and growth * 2**20 < allowance,
        "criterion": f"Flat: every iteration arrived, and after its first {SETTLE_S:g} s the parent's RSS grew by "
                     f"less than {FLAT_FIXED_MIB:g} MiB plus {FLAT_BYTES_PER_ITERATION} bytes per iteration (the "
                     "session keeps one small record per iteration). Sampled every "
                     f"{SAMPLE_S * 1000:.0f} ms with psutil.",
        "samples_mib": _thin(samples, KEEP_SAMPLES),
        "stderr_tail": "\n".join(stderr.strip().splitlines()[-10:]),
    }
