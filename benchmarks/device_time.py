"""Where the time goes, checked: device-time speedups that repeat, against an
independent kernel-duration sum.

For each case it runs ``jitlab run`` ``--runs`` times in a row with jitlab's
defaults, then :mod:`reference` (which imports nothing from jitlab) once per
variant with ``--kernel-sum``: torch.profiler's CUDA activity, the durations of
every kernel, copy and set summed per iteration. It reports

* per run: each variant's device-busy time per iteration, its speedup over
  eager on device time with the CI's half-width, and the end-to-end speedup;
* how far the device-time speedups of consecutive runs are apart, and how
  far the end-to-end ones are;
* jitlab's device time per iteration against the reference's kernel sum.

Results go to ``benchmarks/results/device-time-<device>-<date>.{json,md}``,
rewritten after every step, so a run cut short still leaves what it measured.

Usage
-----
::

    python benchmarks/device_time.py --device cuda --cases conv2d,lstm --runs 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import benchlib as B

CASES = {"conv2d": "conv2d.py", "lstm": "lstm.py", "gated": "gated.py"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--cases", default="conv2d,lstm", help=f"comma-separated, from {','.join(CASES)}")
    p.add_argument("--variants", default="eager,script,trace")
    p.add_argument("--runs", type=int, default=2, help="consecutive jitlab runs per case")
    p.add_argument("--iters", type=int, default=100, help="jitlab's --iters")
    p.add_argument("--kernel-sum", type=int, default=5, help="iterations per reference profile")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--out-dir", type=Path, default=B.RESULTS)
    p.add_argument("--no-reference", action="store_true")
    p.add_argument("--extra", default="", help="more jitlab run options, space-separated")
    return p.parse_args(argv)


def half_width(sp: dict | None) -> float | None:
    if not sp or not sp.get("ci") or not sp.get("estimate"):
        return None
    lo, hi = sp["ci"]
    return (hi - lo) / 2 / sp["estimate"]


def run_summary(session: dict | None) -> dict[str, Any]:
    """Per variant: wall and device medians, both speedups, verdict."""
    out: dict[str, Any] = {}
    for name, v in ((session or {}).get("variants") or {}).items():
        d = v.get("device") or {}
        wall = ((v.get("stats") or {}).get("total") or {}).get("median")
        out[name] = {
            "status": v.get("status"),
            "wall_ms": wall,
            "device_ms": (d.get("total") or {}).get("median"),
            "device_fwd_ms": (d.get("fwd") or {}).get("median"),
            "device_bwd_ms": (d.get("bwd") or {}).get("median"),
            "device_iterations": d.get("iterations"),
            "launches": (d.get("launches") or {}).get("total"),
            "busy_share": d.get("busy_share"),
            "verdict": (d.get("verdict") or {}).get("text"),
            "speedup_device": v.get("speedup_device"),
            "speedup_device_half_width": half_width(v.get("speedup_device")),
            "speedup_e2e": {"estimate": v.get("speedup_vs_eager"), "ci": v.get("speedup_ci")},
            "speedup_e2e_half_width": half_width({"estimate": v.get("speedup_vs_eager"), "ci": v.get("speedup_ci")}),
            "host_dependent": v.get("speedup_host_dependent"),
            "unreliable": v.get("speedup_unreliable"),
        }
    return out


def agreement(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Spread of each variant's speedups over the runs (max/min - 1)."""
    out: dict[str, Any] = {}
    names = set().union(*(r.keys() for r in runs)) if runs else set()
    for name in sorted(names - {"eager"}):
        dev = [r[name]["speedup_device"]["estimate"] for r in runs if (r.get(name) or {}).get("speedup_device")]
        e2e = [r[name]["speedup_e2e"]["estimate"] for r in runs
               if (r.get(name) or {}).get("speedup_e2e", {}).get("estimate")]
        out[name] = {
            "device": dev, "device_spread": (max(dev) / min(dev) - 1) if len(dev) > 1 else None,
            "e2e": e2e, "e2e_spread": (max(e2e) / min(e2e) - 1) if len(e2e) > 1 else None,
        }
    return out


def report_md(data: dict[str, Any]) -> str:
    lines = [f"# Device time on {data['device_name']} ({data['date']})", "", f"`{data['command']}`", "",
             f"torch {data.get('torch', '?')}; jitlab's defaults (`--iters {data['iters']}`), variants "
             f"{', '.join(data['variants'])}.", ""]
    for case, c in data["cases"].items():
        lines += [f"## {case}", ""]
        for k, run in enumerate(c["runs"], 1):
            rows = []
            for name, r in run.items():
                sp, hw = r.get("speedup_device"), r.get("speedup_device_half_width")
                e2e, ehw = r.get("speedup_e2e") or {}, r.get("speedup_e2e_half_width")
                rows.append([
                    name, B.fmt_ms(r.get("wall_ms")), B.fmt_ms(r.get("device_ms")),
                    "—" if r.get("busy_share") is None else f"{r['busy_share']:.0%}",
                    "—" if r.get("launches") is None else f"{r['launches']:.0f}",
                    "ref" if name == "eager" else (f"{sp['estimate']:.3f} ±{hw:.1%}" if sp and hw is not None else "—"),
                    "ref" if name == "eager" else (f"{e2e['estimate']:.3f} ±{ehw:.1%}" if e2e.get("estimate") and
                                                   ehw is not None else "—"),
                    r.get("verdict") or "—",
                ])
            lines += [f"Run {k}:", "", B.markdown_table(
                ["variant", "wall", "device", "busy", "launches", "speedup (device) ±CI", "speedup (end to end) ±CI",
                 "verdict"], rows), ""]
        agree = c.get("agreement") or {}
        if agree:
            rows = [[n, ", ".join(f"{x:.3f}" for x in a["device"]),
                     "—" if a["device_spread"] is None else f"{a['device_spread']:.2%}",
                     ", ".join(f"{x:.3f}" for x in a["e2e"]),
                     "—" if a["e2e_spread"] is None else f"{a['e2e_spread']:.2%}"] for n, a in agree.items()]
            lines += ["Between runs:", "", B.markdown_table(
                ["variant", "device speedups", "spread", "end-to-end speedups", "spread"], rows), ""]
        ref = c.get("reference") or {}
        if ref:
            rows = []
            for name, r in ref.items():
                ks = r.get("kernel_sum") or {}
                mine = [run.get(name, {}).get("device_ms") for run in c["runs"]]
                mine = [m for m in mine if m]
                ratio = (sum(mine) / len(mine)) / ks["median_ms"] if mine and ks.get("median_ms") else None
                rows.append([name, ", ".join(B.fmt_ms(m) for m in mine), B.fmt_ms(ks.get("median_ms")),
                             f"{B.fmt_ms(ks.get('min_ms'))}–{B.fmt_ms(ks.get('max_ms'))}",
                             "—" if ratio is None else f"{ratio:.4f}", r.get("error") or ""])
            lines += ["Against the reference (kernel-duration sum, torch.profiler):", "", B.markdown_table(
                ["variant", "jitlab device/iter (runs)", "reference median", "reference range", "jitlab/reference",
                 "error"], rows), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    variants = args.variants.split(",")
    stem = None
    data: dict[str, Any] = {"command": B.command_line(), "date": B.today(), "device_name": args.device,
                            "variants": variants, "iters": args.iters, "cases": {}}

    def save() -> None:
        nonlocal stem
        stem = stem or f"device-time-{B.slug(data['device_name'])}-{data['date']}"
        B.write_json(args.out_dir / f"{stem}.json", data)
        (args.out_dir / f"{stem}.md").write_text(report_md(data), encoding="utf-8")

    for case in args.cases.split(","):
        file = B.ROOT / "resources" / "examples" / CASES[case]
        c: dict[str, Any] = {"runs": [], "sessions": [], "reference": {}}
        data["cases"][case] = c
        for k in range(args.runs):
            out = args.out_dir / f"device-time-{case}-run{k + 1}.json"
            t0 = time.perf_counter()
            code, session, text = B.jitlab_run(file, out, python=args.python, device=args.device,
                                               variants=variants, iters=args.iters, extra=args.extra.split())
            print(text, flush=True)
            if session:
                env = session.get("env") or {}
                data["device_name"] = (env.get("device") or {}).get("name") or data["device_name"]
                data["torch"] = env.get("torch")
            c["runs"].append(run_summary(session))
            c["sessions"].append({"file": out.name, "exit": code, "seconds": round(time.perf_counter() - t0, 1)})
            c["agreement"] = agreement(c["runs"])
            save()
        if args.no_reference:
            continue
        for v in variants:
            c["reference"][v] = B.reference_run(file, v, python=args.python, device=args.device,
                                                kernel_sum=args.kernel_sum, timeout=600)
            save()
    save()
    print(report_md(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
