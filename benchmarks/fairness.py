"""Repeatability of speedups: consecutive interleaved runs and sequential runs
of the same example, compared.

Usage (on a CUDA machine)::

    python benchmarks/fairness.py --device cuda --iters 120 --out-dir benchmarks/results
    python benchmarks/fairness.py --device cuda --iters 120 --schedules interleaved --runs 3 --pin-cpus none,auto

Writes ``fairness-<device>-<date><suffix>.json`` and ``.md`` (after every run)
with, per example, schedule and ``--pin-cpus`` setting, each run's
script-over-eager speedup, its 95% CI and half-width, whether all runs' CIs
overlap, and each block's median with the CPU core its runner ended it on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {"conv2d": ROOT / "resources" / "examples" / "conv2d.py", "lstm": ROOT / "resources" / "examples" / "lstm.py"}


def run_once(example: Path, schedule: str, pin: str, args: argparse.Namespace) -> dict:
    """One ``jitlab run``; returns the session."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.json"
        cmd = [sys.executable, "-m", "jitlab", "run", str(example), "--device", args.device,
               "--variants", "eager,script", "--iters", str(args.iters), "--schedule", schedule,
               "--no-introspect", "-q", "--out", str(out), "--pin-cpus", pin]
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if not out.exists():
            raise RuntimeError(f"jitlab run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        session = json.loads(out.read_text())
        for name, rec in session["variants"].items():
            if rec["status"] != "ok" or (name == "script" and rec["speedup_vs_eager"] is None):
                raise RuntimeError(f"{example.name}: {name} {rec['status']}: {(rec.get('error') or {}).get('message')}")
        return session


def blocks(session: dict) -> dict:
    """Per variant, each block's round, median total (ms) and the core it ended on."""
    out: dict = {}
    cores = {(s.get("variant"), s.get("round")): s.get("cpu_core") for s in session.get("samples", [])}
    for name, rec in session["variants"].items():
        by_round: dict = {}
        for it in rec["iterations"]:
            if not it["warmup"] and it.get("round") is not None:
                by_round.setdefault(it["round"], []).append(it["fwd_ms"] + (it["bwd_ms"] or 0.0))
        out[name] = [{"round": r, "median_ms": statistics.median(v), "n": len(v), "cpu_core": cores.get((name, r))}
                     for r, v in sorted(by_round.items())]
    return out


def summary(session: dict) -> dict:
    v = session["variants"]["script"]
    e = session["variants"]["eager"]
    sp, ci = v["speedup_vs_eager"], v["speedup_ci"]
    return {
        "speedup": sp,
        "ci": ci,
        "half_width": (ci[1] - ci[0]) / 2 / sp if ci else None,
        "eager_median_ms": e["stats"]["total"]["median"],
        "script_median_ms": v["stats"]["total"]["median"],
        "rounds": len(session["schedule"]["rounds"]) if session["schedule"]["kind"] == "interleaved" else None,
        "method": v["speedup_method"],
        "drift_warnings": session["warnings"],
    }


def overlap(a: list | None, b: list | None) -> bool | None:
    if not a or not b:
        return None
    return a[0] <= b[1] and b[0] <= a[1]


def write(results: dict, lines: list[str], args: argparse.Namespace) -> None:
    """Write the JSON and markdown (after every run, so an interrupted benchmark keeps what it measured)."""
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dev = results.get("env", {}).get("device", {}).get("name", args.device).replace(" ", "-")
    stem = out_dir / f"fairness-{dev}-{results['date']}{args.suffix}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1))
    cmd = " ".join(["python benchmarks/fairness.py"] + sys.argv[1:])
    md = [f"# Repeatability of script-over-eager speedups on {dev}", "",
          f"`{cmd}`; torch {results.get('env', {}).get('torch')}", ""] + lines + [""]
    for name, per in results["examples"].items():
        for key, r in per.items():
            if len(r["runs"]) >= 2:
                md.append(f"- {name}, {key}: CIs of all runs overlap: {r['cis_overlap']}; "
                          f"spread between runs {r['spread']:.1%}; widest half-width "
                          f"{max(x['half_width'] or 0 for x in r['runs']):.1%}")
    stem.with_suffix(".md").write_text("\n".join(md) + "\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--examples", default="conv2d,lstm")
    p.add_argument("--schedules", default="interleaved,sequential")
    p.add_argument("--runs", type=int, default=2, help="consecutive runs per example and schedule (default: 2)")
    p.add_argument("--pin-cpus", default="auto", help="comma-separated jitlab run --pin-cpus settings to "
                   "compare, run by run in alternation (default: auto, jitlab's default; e.g. none,auto; a core "
                   "list within one setting joins its cores with +, e.g. none,2+3)")
    p.add_argument("--suffix", default="", help="appended to the result file names")
    p.add_argument("--out-dir", default=str(ROOT / "benchmarks" / "results"))
    args = p.parse_args()
    pins = [x.strip().replace("+", ",") for x in args.pin_cpus.split(",") if x.strip()] or ["auto"]
    results: dict = {"device": args.device, "iters": args.iters, "pin_cpus": pins, "argv": sys.argv[1:],
                     "date": date.today().isoformat(), "examples": {}}
    lines = ["| example | schedule | pin | run | script speedup | 95% CI | half-width | eager ms | script ms "
             "| cores (eager/script) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name in args.examples.split(","):
        per = results["examples"][name] = {}
        for schedule in args.schedules.split(","):
            for k in range(1, args.runs + 1):
                for pin in pins:
                    key = f"{schedule}, --pin-cpus {pin}"
                    s = run_once(EXAMPLES[name], schedule, pin, args)
                    results.setdefault("env", s["env"])
                    r = summary(s)
                    r["blocks"] = blocks(s)
                    r["affinity"] = s["env"].get("cpu_affinity")
                    runs = per.setdefault(key, {"runs": []})["runs"]
                    runs.append(r)
                    cis = [x["ci"] for x in runs]
                    per[key]["cis_overlap"] = all(overlap(a, b) for a in cis for b in cis)
                    sp = [x["speedup"] for x in runs]
                    per[key]["spread"] = (max(sp) - min(sp)) / min(sp)
                    cores = "/".join(str(sorted({b["cpu_core"] for b in r["blocks"][v] if b["cpu_core"] is not None}))
                                     for v in ("eager", "script"))
                    ci = f"{r['ci'][0]:.2f}-{r['ci'][1]:.2f}" if r["ci"] else "-"
                    hw = f"±{r['half_width']:.1%}" if r["half_width"] is not None else "-"
                    lines.append(f"| {name} | {schedule} | {pin} | {k} | {r['speedup']:.2f}x | {ci} | {hw} | "
                                 f"{r['eager_median_ms']:.2f} | {r['script_median_ms']:.2f} | {cores} |")
                    print(lines[-1], flush=True)
                    write(results, lines, args)
    write(results, lines, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
