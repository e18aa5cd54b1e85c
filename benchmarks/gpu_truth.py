"""Check jitlab's timings against independent references, on the machine at hand.

One command that, for the bundled Conv2d example (``target``: the hand-written
unfold layer; ``target_library``: ``nn.Conv2d``) and LSTM example (``target``:
the hand-written layer; ``target_cudnn``: ``nn.LSTM``), in train mode:

1. runs ``python -m jitlab run`` with every requested variant (interleaved
   rounds, one runner process per variant, as a user would run it);
2. for each variant, in a fresh process of its own, times the same step
   (forward, sum of outputs, backward) with
   ``torch.utils.benchmark.Timer(...).blocked_autorange()`` and with a bare
   loop timed by CUDA events (``perf_counter_ns`` on a CPU) --
   see ``benchmarks/reference.py``;
3. puts them side by side with their ratios, the speedups over eager and the
   session's kernel totals;
4. streams a long run of a trivial module (10,000 iterations by default) and
   samples the ``jitlab run`` parent's memory, to show it stays flat.

Writes ``<out-dir>/<gpu>-<date>.json`` and ``.md`` and keeps the jitlab
sessions in ``<out-dir>/<gpu>-<date>-sessions/``.

Sizes
-----
``full``
    The size each example picks for the device: the classic sizes on CUDA
    (Conv2d 1x3x512x512 -> 16 channels, kernel 3; LSTM seq 100, batch 64,
    input and hidden 512), small ones elsewhere.
``tiny``
    The examples' CPU sizes on any device (the targets are built on the CPU
    and jitlab moves them to the device), for a quick end-to-end check.

Usage
-----
::

    python benchmarks/gpu_truth.py --device cuda                       # the full run on a GPU
    python benchmarks/gpu_truth.py --device cpu --size tiny --iters 20 --variants eager,script,trace

Needs torch in the interpreter (``--python``) but neither Qt nor a display.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import benchlib as B
import streaming
import truth_report
from jitlab.core.settings import DEFAULTS

SCHEMA = "jitlab.bench.gpu_truth/1"
VARIANTS = ("eager", "script", "trace", "compile")
#: Case name -> (bundled example, target). ``name:target`` selects a second target.
CASES = {
    "conv2d": ("conv2d", None),
    "conv2d:library": ("conv2d", "library"),
    "lstm": ("lstm", None),
    "lstm:cudnn": ("lstm", "cudnn"),
}
DEFAULT_ITERS = {"full": 200, "tiny": 30}
#: Warm-up calls before the reference measures: TorchScript may still swap in
#: a fused backward on the 4th call, so be generous (it costs a few seconds).
REFERENCE_WARMUP = 10
DEFAULT_TIMER_S = {"full": 1.0, "tiny": 0.2}

TINY_WRAPPER = '''"""{example} targets at the example's CPU size, for gpu_truth.py --size tiny.

Written by benchmarks/gpu_truth.py. The targets take no ``device`` parameter,
so jitlab (and benchmarks/reference.py) move what they return to the device.
"""

import importlib.util
import sys

import torch

_spec = importlib.util.spec_from_file_location("jitlab_example_{example}", {path!r})
_example = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _example  # TorchScript finds the classes' source through sys.modules
_spec.loader.exec_module(_example)
_CPU = torch.device("cpu")


def target():
    return _example.target(_CPU)
{extra}'''


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("Usage")[1])
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default: cuda)")
    p.add_argument("--size", choices=("full", "tiny"), default="full", help="example sizes (default: full)")
    p.add_argument("--iters", type=int, help="measured iterations per variant (default: 200 full, 30 tiny)")
    p.add_argument("--warmup", type=int, help="jitlab's --warmup (default: jitlab's own)")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated (default: %(default)s)")
    p.add_argument("--cases", default=",".join(CASES), help="comma-separated from %(default)s")
    p.add_argument("--compile-cases", help="run the compile variant only for these cases (default: all)")
    p.add_argument("--timer-min-time", type=float, help="seconds per Timer measurement (default: 1 full, 0.2 tiny)")
    p.add_argument("--threads", type=int,
                   help="torch CPU threads for jitlab and the references (default: torch's default)")
    p.add_argument("--pin-cpus", metavar="auto|none|LIST", default="auto",
                   help="CPU cores of jitlab's runners and of every reference, the same for all: auto (default) "
                        "picks one idle core on a GPU and pins nothing on a CPU, as jitlab run does; none; or a "
                        "list such as 15 or 2,3")
    p.add_argument("--repeats", type=int, default=1, choices=range(1, 100), metavar="N",
                   help="jitlab and the references this many times per case, in alternating order (default: 1)")
    p.add_argument("--schedule", choices=("interleaved", "sequential"), help="jitlab's --schedule (default: its own)")
    p.add_argument("--stream-iters", type=int, default=10_000, help="iterations of the streaming run (0: skip)")
    p.add_argument("--timeout", type=float, default=900, help="jitlab's --timeout per variant, seconds")
    p.add_argument("--out-dir", type=Path, default=B.RESULTS, help="where results go (default: %(default)s)")
    p.add_argument("--python", default=sys.executable, help="interpreter with torch (default: this one)")
    args = p.parse_args(argv)
    args.pin_cpus = resolve_pin(args.pin_cpus, args.device)
    args.iters = args.iters or DEFAULT_ITERS[args.size]
    args.timer_min_time = args.timer_min_time or DEFAULT_TIMER_S[args.size]
    args.variant_list = [v.strip() for v in args.variants.split(",") if v.strip()]
    args.case_list = [c.strip() for c in args.cases.split(",") if c.strip()]
    compile_cases = args.case_list if args.compile_cases is None else args.compile_cases.split(",")
    args.compile_set = {c.strip() for c in compile_cases if c.strip()}
    unknown = [v for v in args.variant_list if v not in VARIANTS]
    unknown += [c for c in args.case_list + sorted(args.compile_set) if c not in CASES]
    if unknown:
        p.error(f"unknown variant or case: {', '.join(unknown)}")
    return args


def resolve_pin(spec: str, device: str) -> str:
    """One explicit setting for jitlab and the references: ``auto`` becomes a core (GPU) or ``none`` (CPU).

    jitlab's own ``auto`` and the references would otherwise choose separately, and
    a launch-bound step timed on another core is not the same measurement.
    """
    from jitlab.core.settings import check_pin_cpus
    from jitlab.host.placement import choose_core

    spec = check_pin_cpus(spec)
    if spec != "auto":
        return spec
    core = choose_core(0.2) if device != "cpu" else None
    return "none" if core is None else str(core)


def example_file(example: str, size: str, device: str, work: Path) -> Path:
    """The module file jitlab and the reference load for ``example``."""
    from jitlab.assets import example_path

    path = example_path(example)
    if size == "full" or device == "cpu":
        return path  # the examples already pick their CPU sizes off a GPU
    extra = {"conv2d": "\n\ndef target_library():\n    return _example.target_library(_CPU)\n",
             "lstm": "\n\ndef target_cudnn():\n    return _example.target_cudnn(_CPU)\n"}[example]
    wrapper = work / f"tiny_{example}.py"
    wrapper.write_text(TINY_WRAPPER.format(example=example, path=str(path), extra=extra), encoding="utf-8")
    return wrapper


def run_case(name: str, args: argparse.Namespace, work: Path, on_repeat=None) -> dict[str, Any]:
    """jitlab run and the references for one case, ``--repeats`` times.

    Repeats alternate the order (jitlab first, then the references first), so
    that a slow episode of the machine that lasts a while is not always
    charged to the same side; the figures compared are medians over repeats.
    """
    example, target = CASES[name]
    variants = [v for v in args.variant_list if v != "compile" or name in args.compile_set]
    file = example_file(example, args.size, args.device, work)
    repeats, sessions = [], []
    for rep in range(1, args.repeats + 1):
        order = "jitlab first" if rep % 2 else "references first"
        refs: dict[str, dict] = {}
        if rep % 2 == 0:
            refs = run_references(name, file, target, variants, args)
        session_path = work / (f"{name.replace(':', '-')}" + (f"-{rep}" if args.repeats > 1 else "") + ".json")
        # Graphs and kernels are recorded once: they do not change between repeats, and cost minutes.
        rc, session, output = run_jitlab(name, file, target, variants, session_path, args, introspect=rep == 1)
        if rep % 2:
            refs = run_references(name, file, target, variants, args)
        sessions.append((rc, session, output, session_path))
        repeats.append({"repeat": rep, "order": order, "session": session_path.name if session else None,
                        "jitlab_rc": rc, "variants": truth_report.compare(session, refs, variants)})
        case = _case_of(name, example, target, file, sessions, repeats, args.repeats)
        if on_repeat is not None:
            on_repeat(case)  # an interrupted run keeps the repeats it finished
    return case


def _case_of(name: str, example: str, target: str | None, file: Path, sessions: list, repeats: list,
             planned: int) -> dict[str, Any]:
    rc, session, output, session_path = sessions[0]
    failed = next(((r, o) for r, _s, o, _p in sessions if r != 0), None)
    return {
        "name": name, "example": example, "target": target or "default", "file": str(file),
        "jitlab_rc": failed[0] if failed else 0, "jitlab_output": failed[1][-4000:] if failed else None,
        "session": session_path.name if session else None,
        "sessions": [p.name for _r, s_, _o, p in sessions if s_],
        "env": (session or {}).get("env"),
        "variants": truth_report.aggregate([r["variants"] for r in repeats]),
        "repeats": repeats if planned > 1 else [],
    }


def run_jitlab(name: str, file: Path, target: str | None, variants: list[str], session_path: Path,
               args: argparse.Namespace, introspect: bool = True) -> tuple[int, dict | None, str]:
    t0 = time.monotonic()
    extra = ["--timeout", str(args.timeout)] + ([] if introspect else ["--no-introspect"])
    extra += ["--threads", str(args.threads)] if args.threads else []
    extra += ["--pin-cpus", args.pin_cpus] + (["--schedule", args.schedule] if args.schedule else [])
    rc, session, output = B.jitlab_run(file, session_path, python=args.python, target=target, device=args.device,
                                       variants=variants, iters=args.iters, warmup=args.warmup, extra=extra)
    log(f"{name}: jitlab run exit {rc} in {time.monotonic() - t0:.0f} s")
    return rc, session, output


def run_references(name: str, file: Path, target: str | None, variants: list[str],
                   args: argparse.Namespace) -> dict[str, dict]:
    refs = {}
    for v in variants:
        t0 = time.monotonic()
        refs[v] = B.reference_run(file, v, python=args.python, target=target, device=args.device,
                                  iters=args.iters, warmup=max(REFERENCE_WARMUP, args.warmup or 0),
                                  matmul_precision=DEFAULTS["matmul_precision"], timer=True,
                                  timer_min_time=args.timer_min_time, threads=args.threads,
                                  pin_cpus=None if args.pin_cpus == "none" else args.pin_cpus,
                                  timeout=args.timeout)
        log(f"{name}: reference {v} in {time.monotonic() - t0:.0f} s"
            + (f" — {refs[v]['error'].splitlines()[0]}" if refs[v].get("error") else ""))
    return refs


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def write(args: argparse.Namespace, cases: list[dict], stream: dict | None, work: Path) -> tuple[Path, str]:
    """Write the JSON, the markdown and the sessions of the cases done so far."""
    from jitlab import __version__

    env = next((c["env"] for c in cases if c["env"]), None) or {}
    data = {
        "schema": SCHEMA, "created": B.now_iso(), "command": B.command_line(), "jitlab": __version__,
        "env": env,
        "settings": {"device": args.device, "size": args.size, "mode": "train", "iters": args.iters,
                     "warmup": args.warmup, "reference_warmup": max(REFERENCE_WARMUP, args.warmup or 0),
                     "threads": args.threads, "variants": args.variant_list, "cases": args.case_list,
                     "compile_cases": sorted(args.compile_set), "timer_min_time": args.timer_min_time,
                     "stream_iters": args.stream_iters, "agreement": truth_report.AGREEMENT,
                     "repeats": args.repeats, "pin_cpus": args.pin_cpus, "schedule": args.schedule},
        "cases": [{k: v for k, v in c.items() if k != "env"} for c in cases],
        "stream": stream,
    }
    stem = args.out_dir / f"{B.device_slug(env, args.device)}-{B.today()}"
    sessions = stem.parent / f"{stem.name}-sessions"
    sessions.mkdir(parents=True, exist_ok=True)
    for c in cases:
        for name in c["sessions"]:
            shutil.copy2(work / name, sessions / name)
    B.write_json(stem.with_suffix(".json"), data)
    markdown = truth_report.render(data)
    stem.with_suffix(".md").write_text(markdown + "\n", encoding="utf-8")
    return stem, markdown


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="jitlab-truth-"))
    cases: list[dict] = []
    stream = None
    try:
        for name in args.case_list:
            cases.append(run_case(name, args, work, on_repeat=lambda case: write(args, cases + [case], None, work)))
        if args.stream_iters:
            stream = streaming.stream_run(work, python=args.python, device=args.device, iters=args.stream_iters)
            log(f"streaming: {args.stream_iters} iterations in {stream['wall_s']:.1f} s, "
                f"parent RSS {stream['rss_start_mib']:.1f} -> {stream['rss_peak_mib']:.1f} MiB")
        stem, markdown = write(args, cases, stream, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(markdown)
    print(f"\nwritten to {stem}.json, .md and {stem.name}-sessions/", file=sys.stderr)
    ok = all(c["jitlab_rc"] == 0 and all(r["status"] == "ok" and not r["reference_error"]
                                         for r in c["variants"].values()) for c in cases)
    return 0 if ok and (stream is None or stream["flat"]) else 1


if __name__ == "__main__":
    sys.exit(main())
