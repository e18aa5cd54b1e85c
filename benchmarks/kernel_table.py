"""How the kernel table's time per iteration compares with the measured step.

Runs ``jitlab run`` on the bundled examples a few times and, for every
variant, sets the kernel table's total per iteration against the timed
median and against the unprofiled steps timed just before the profile. On a
CPU it also lists what the profiler cost (per iteration and per recorded
event) and how much of the recorded op time was taken out for it.

Results go to ``benchmarks/results/kernel-table-<device>-<date>.{json,md}``.

Usage
-----
::

    python benchmarks/kernel_table.py --device cpu --repeats 3 --threads 1
    taskset -c 0,1 python benchmarks/kernel_table.py --device cpu   # a two-core machine's view
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib as B

EXAMPLES = B.ROOT / "resources" / "examples"
CASES = ("conv2d", "lstm", "gated")


def rows_of(session: dict[str, Any], case: str, repeat: int) -> list[dict[str, Any]]:
    """One row per variant of one session."""
    out = []
    for name, v in session["variants"].items():
        k = v.get("kernels") or {}
        totals = k.get("totals") or {}
        wall = ((v.get("stats") or {}).get("total") or {}).get("median")
        table = (totals.get("device_time_us") or 0.0) / 1000.0
        check = k.get("check") or {}
        out.append({
            "case": case, "repeat": repeat, "variant": name, "median_ms": wall, "table_ms": table,
            "recorded_ms": (totals.get("recorded_us") or totals.get("device_time_us") or 0.0) / 1000.0,
            "ratio": B.ratio(table, wall), "unprofiled_ms": k.get("unprofiled_step_ms"),
            "unprofiled_ratio": check.get("unprofiled_ratio"), "profiler_ms": k.get("profiler_ms"),
            "us_per_event": k.get("profiler_us_per_event"), "events": k.get("recorded_events"),
            "scale": k.get("profiler_scale"), "iterations": k.get("iterations"),
            "profiled": k.get("profiled_iterations"), "exceeds": check.get("exceeds"),
            "busy": bool((session.get("reliability") or {}).get("unreliable")),
        })
    return out


def _per_event(us: float | None) -> str:
    return "" if us is None else f"{us:.2f} µs"


def markdown(rows: list[dict[str, Any]], command: str, device: str) -> str:
    lines = [f"# Kernel table against the measured step ({device}, {B.today()})", "", f"`{command}`", "",
             "| case | run | variant | median | table | table/median | as recorded | beside | table/beside "
             "| profiler per it. | per event | kept |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['case']} | {r['repeat']} | {r['variant']} | {B.fmt_ms(r['median_ms'])} | {B.fmt_ms(r['table_ms'])} "
            f"| {B.fmt_ratio(r['ratio'], 2)} | {B.fmt_ms(r['recorded_ms'])} | {B.fmt_ms(r['unprofiled_ms'])} "
            f"| {B.fmt_ratio(r['unprofiled_ratio'], 2)} | {B.fmt_ms(r['profiler_ms'])} "
            f"| {_per_event(r['us_per_event'])} "
            f"| {r['iterations']}/{r['profiled']} |")
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    if ratios:
        lines += ["", f"table/median: {min(ratios):.2f}–{max(ratios):.2f} over {len(ratios)} variant runs; "
                      f"over 1.5×: {sum(1 for x in ratios if x > 1.5)}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--variants", default="eager,script,trace")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", type=Path, default=None, help="folder for the results (default benchmarks/results)")
    args = ap.parse_args(argv)
    rows: list[dict[str, Any]] = []
    extra = ["--no-device-time"] + (["--threads", str(args.threads)] if args.device == "cpu" else [])
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(1, args.repeats + 1):
            for case in args.cases.split(","):
                out = Path(tmp) / f"{case}-{repeat}.json"
                rc, session, text = B.jitlab_run(EXAMPLES / f"{case}.py", out, python=args.python, device=args.device,
                                                 variants=args.variants.split(","), iters=args.iters, extra=extra)
                if session is None:
                    print(f"{case} run {repeat}: no session (exit {rc})\n{text[-2000:]}", file=sys.stderr)
                    continue
                rows.extend(rows_of(session, case, repeat))
                print(f"{case} run {repeat}: " + ", ".join(
                    f"{r['variant']} {B.fmt_ratio(r['ratio'], 2)}" for r in rows if r["case"] == case
                    and r["repeat"] == repeat), flush=True)
    folder = args.out or B.RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"kernel-table-{B.slug(args.device)}-{B.today()}"
    command = B.command_line()
    (folder / f"{stem}.json").write_text(json.dumps({"command": command, "rows": rows}, indent=1), encoding="utf-8")
    (folder / f"{stem}.md").write_text(markdown(rows, command, args.device), encoding="utf-8")
    print(markdown(rows, command, args.device))
    return 0


if __name__ == "__main__":
    sys.exit(main())
