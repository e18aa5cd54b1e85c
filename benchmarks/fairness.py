"""Repeatability of speedups: two consecutive interleaved runs and two
sequential runs of the same example, compared.

Usage (on a CUDA machine)::

    python benchmarks/fairness.py --device cuda --iters 200 --out-dir benchmarks/results

Writes ``fairness-<device>-<date>.json`` and ``.md`` with, per example and
schedule, each run's script-over-eager speedup, its 95% CI and half-width, and
whether the two runs' CIs overlap.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {"conv2d": ROOT / "resources" / "examples" / "conv2d.py", "lstm": ROOT / "resources" / "examples" / "lstm.py"}


def run_once(example: Path, schedule: str, args: argparse.Namespace) -> dict:
    """One ``jitlab run``; returns the session."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.json"
        cmd = [sys.executable, "-m", "jitlab", "run", str(example), "--device", args.device,
               "--variants", "eager,script", "--iters", str(args.iters), "--schedule", schedule,
               "--no-introspect", "-q", "--out", str(out)]
        if args.pin_cpus:
            cmd += ["--pin-cpus", args.pin_cpus]
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if not out.exists():
            raise RuntimeError(f"jitlab run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        return json.loads(out.read_text())


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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--iters", type=int, default=200)
    p.add_argument("--examples", default="conv2d,lstm")
    p.add_argument("--pin-cpus", help="passed to jitlab run (e.g. auto)")
    p.add_argument("--out-dir", default=str(ROOT / "benchmarks" / "results"))
    args = p.parse_args()
    results: dict = {"device": args.device, "iters": args.iters, "pin_cpus": args.pin_cpus,
                     "date": date.today().isoformat(), "examples": {}}
    lines = ["| example | schedule | run | script speedup | 95% CI | half-width | eager ms | script ms |",
             "|---|---|---|---|---|---|---|---|"]
    for name in args.examples.split(","):
        per = results["examples"][name] = {}
        for schedule in ("interleaved", "sequential"):
            runs = []
            for k in (1, 2):
                s = run_once(EXAMPLES[name], schedule, args)
                results.setdefault("env", s["env"])
                runs.append(summary(s))
                r = runs[-1]
                ci = f"{r['ci'][0]:.2f}-{r['ci'][1]:.2f}" if r["ci"] else "-"
                hw = f"±{r['half_width']:.1%}" if r["half_width"] is not None else "-"
                lines.append(f"| {name} | {schedule} | {k} | {r['speedup']:.2f}x | {ci} | {hw} | "
                             f"{r['eager_median_ms']:.2f} | {r['script_median_ms']:.2f} |")
                print(lines[-1], flush=True)
            per[schedule] = {"runs": runs, "cis_overlap": overlap(runs[0]["ci"], runs[1]["ci"]),
                             "spread": abs(runs[0]["speedup"] - runs[1]["speedup"]) / min(r["speedup"] for r in runs)}
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dev = results.get("env", {}).get("device", {}).get("name", args.device).replace(" ", "-")
    stem = out_dir / f"fairness-{dev}-{results['date']}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1))
    md = [f"# Repeatability of script-over-eager speedups on {dev}", "",
          f"`python benchmarks/fairness.py --device {args.device} --iters {args.iters}"
          + (f" --pin-cpus {args.pin_cpus}" if args.pin_cpus else "") + "`; torch "
          f"{results.get('env', {}).get('torch')}", ""] + lines + [""]
    for name, per in results["examples"].items():
        for schedule, r in per.items():
            md.append(f"- {name}, {schedule}: CIs of the two runs overlap: {r['cis_overlap']}; "
                      f"spread between runs {r['spread']:.1%}")
    stem.with_suffix(".md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
