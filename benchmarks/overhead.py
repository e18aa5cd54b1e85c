"""How much does jitlab's timed loop add to what it measures?

For a trivial module (``nn.Linear(1, 1)`` on one element, see
``benchmarks/modules/trivial.py``) almost all of a reported iteration is the
loop's own cost, so the gap between jitlab's median and a bare loop timing the
same calls is the harness overhead per iteration.

Each repeat runs a real ``jitlab run`` (all variants, interleaved, in their own
runner processes), then, for each variant in a fresh process, a bare loop
timed with ``time.perf_counter_ns`` (CPU) or CUDA events (GPU) and
``torch.utils.benchmark.Timer`` (``benchmarks/reference.py``). Repeats
alternate between the two so slow drift of the machine hits both alike; the
figures reported are medians over the repeats.

Usage
-----
::

    python benchmarks/overhead.py                      # CPU, 5 repeats of 5,000 iterations
    python benchmarks/overhead.py --device cuda --out-dir /tmp/results

Writes ``benchmarks/results/overhead-<device>-<date>.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib as B

SCHEMA = "jitlab.bench.overhead/1"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (default: cpu)")
    p.add_argument("--variants", default="eager,script,trace", help="comma-separated (default: %(default)s)")
    p.add_argument("--iters", type=int, default=5000, help="measured iterations per variant and repeat")
    p.add_argument("--repeats", type=int, default=5, help="alternating jitlab / bare-loop repeats")
    p.add_argument("--timer-min-time", type=float, default=0.5, help="seconds per Timer measurement")
    p.add_argument("--threads", type=int, help="torch CPU threads in jitlab and the reference (default: torch's)")
    p.add_argument("--out-dir", type=Path, default=B.RESULTS, help="where the JSON goes (default: %(default)s)")
    p.add_argument("--python", default=sys.executable, help="interpreter with torch (default: this one)")
    return p.parse_args(argv)


def one_repeat(args: argparse.Namespace, variants: list[str], work: Path, r: int) -> tuple[dict, dict, str]:
    """One jitlab run and one reference run per variant."""
    extra = ["--no-introspect"] + (["--threads", str(args.threads)] if args.threads else [])
    rc, session, output = B.jitlab_run(B.TRIVIAL, work / f"overhead-{r}.json", python=args.python,
                                       device=args.device, variants=variants, iters=args.iters, extra=extra)
    if session is None:
        raise SystemExit(f"jitlab run wrote no session (exit {rc}):\n{output}")
    refs = {}
    for v in variants:
        refs[v] = B.reference_run(B.TRIVIAL, v, python=args.python, device=args.device, iters=args.iters,
                                  matmul_precision=session["settings"].get("matmul_precision") or "highest",
                                  timer=True, timer_min_time=args.timer_min_time, threads=args.threads)
    return session, refs, output


def summarise(variants: list[str], sessions: list[dict], refs: list[dict]) -> dict[str, Any]:
    out = {}
    for v in variants:
        jit = [s["variants"][v]["stats"]["total"]["median"] for s in sessions
               if B.total_stats(s, v) and s["variants"][v]["status"] == "ok"]
        jit_fwd = [s["variants"][v]["stats"]["fwd"]["median"] for s in sessions if B.total_stats(s, v)]
        bare = [r[v]["bare"]["median_ms"] for r in refs if not r[v].get("error")]
        bare_fwd = [r[v]["bare"]["fwd_median_ms"] for r in refs if not r[v].get("error")]
        loop = [r[v]["bare"]["loop_ms_per_iter"] for r in refs if not r[v].get("error")]
        timer = [r[v]["timer"]["median_ms"] for r in refs if not r[v].get("error") and r[v].get("timer")]
        med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
        j, b = med(jit), med(bare)
        out[v] = {
            "jitlab_total_median_ms": j, "bare_total_median_ms": b, "timer_median_ms": med(timer),
            "jitlab_fwd_median_ms": med(jit_fwd), "bare_fwd_median_ms": med(bare_fwd),
            "bare_loop_ms_per_iter": med(loop),
            "overhead_us": (j - b) * 1e3 if j is not None and b is not None else None,
            "ratio_vs_bare": B.ratio(j, b), "ratio_vs_timer": B.ratio(j, med(timer)),
            "per_repeat": {"jitlab_total_median_ms": jit, "bare_total_median_ms": bare, "timer_median_ms": timer},
            "errors": sorted({r[v]["error"] for r in refs if r[v].get("error")}),
        }
    return out


def table(results: dict[str, Any]) -> list[list[str]]:
    us = lambda ms: "—" if ms is None else f"{ms * 1e3:.1f}"  # noqa: E731
    return [[v, us(r["jitlab_total_median_ms"]), us(r["bare_total_median_ms"]), us(r["timer_median_ms"]),
             "—" if r["overhead_us"] is None else f"{r['overhead_us']:+.1f}", B.fmt_ratio(r["ratio_vs_bare"], 2),
             us(r["jitlab_fwd_median_ms"]), us(r["bare_fwd_median_ms"])]
            for v, r in results.items()]


HEADER = ["variant", "jitlab µs", "bare loop µs", "Timer µs", "overhead µs", "jitlab/bare", "jitlab fwd µs",
          "bare fwd µs"]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    sessions, refs = [], []
    with tempfile.TemporaryDirectory(prefix="jitlab-overhead-") as tmp:
        for r in range(args.repeats):
            session, ref, _ = one_repeat(args, variants, Path(tmp), r)
            sessions.append(session)
            refs.append(ref)
            print(f"repeat {r + 1}/{args.repeats}: " + ", ".join(
                f"{v} {B.fmt_ms(B.total_stats(session, v) and B.total_stats(session, v)['median'])} vs "
                f"{B.fmt_ms(ref[v].get('bare', {}).get('median_ms'))}" for v in variants), file=sys.stderr)
    results = summarise(variants, sessions, refs)
    env = sessions[0].get("env", {})
    data = {
        "schema": SCHEMA, "created": B.now_iso(), "command": B.command_line(),
        "module": str(B.TRIVIAL.relative_to(B.ROOT)), "env": env,
        "settings": {"device": args.device, "variants": variants, "iters": args.iters, "repeats": args.repeats,
                     "threads": args.threads, "mode": "train", "timer_min_time": args.timer_min_time},
        "variants": results,
    }
    path = B.write_json(args.out_dir / f"overhead-{B.device_slug(env, args.device)}-{B.today()}.json", data)
    dev = env.get("device", {})
    print(f"jitlab harness overhead: {B.TRIVIAL.name} (nn.Linear(1, 1), 1 element), train mode, "
          f"{dev.get('name', args.device)}, torch {env.get('torch')}")
    print(f"{args.repeats} repeats x {args.iters} iterations; medians over repeats of per-iteration medians "
          "(forward + backward)\n")
    print(B.text_table(HEADER, table(results)))
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
