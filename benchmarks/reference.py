"""Time one variant of one target without jitlab: the independent reference.

Run as a child process, one per variant, so each variant is built fresh (its
own executor caches, fusion state and compile cache) as in jitlab itself. It
loads the target the way jitlab's convention defines it, builds the variant
with plain ``torch.jit.script`` / ``torch.jit.trace`` / ``torch.compile``
calls, warms it up, and then measures the same step jitlab times -- forward,
sum of the floating outputs, backward -- two ways:

``bare``
    A plain loop timing each iteration with CUDA events (synchronised at the
    end of the iteration) on a GPU, ``time.perf_counter_ns`` on a CPU.
``timer``
    ``torch.utils.benchmark.Timer(...).blocked_autorange()`` of the step
    with a ``torch.cuda.synchronize()`` at its end, so that, like jitlab, every
    iteration waits for the device. On CUDA ``timer_nosync`` adds the Timer's
    default (synchronised only around each block), which lets consecutive
    iterations overlap and shows what per-iteration synchronisation costs.

``kernel_sum`` (``--kernel-sum K``)
    The sum of the durations of every kernel, memory copy and memory set per
    iteration, from ``torch.profiler`` with CUDA activity only, over
    ``--kernel-sum-repeats`` profiles of ``K`` iterations each (the step runs
    as in ``bare``, nothing between forward and backward).

It imports nothing from jitlab, so a bug in jitlab's loop cannot hide in the
reference. Prints one JSON object on stdout.

Usage
-----
::

    python benchmarks/reference.py --file resources/examples/lstm.py --device cuda --variant script
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import random
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import torch


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Time one variant of one target with a bare loop and torch's Timer.")
    p.add_argument("--file", required=True, help="module file with target()/target_<name>()")
    p.add_argument("--target", help="target name (default: `target`)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--variant", required=True, choices=("eager", "script", "trace", "compile"))
    p.add_argument("--mode", choices=("train", "infer"), default="train")
    p.add_argument("--iters", type=int, default=100, help="iterations of the bare loop")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--matmul-precision", default="highest")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's default, as in jitlab)")
    p.add_argument("--timer", action="store_true", help="also measure with torch.utils.benchmark.Timer")
    p.add_argument("--timer-min-time", type=float, default=1.0, help="blocked_autorange min_run_time (s)")
    p.add_argument("--pin-cpus", help="auto (the last allowed core) or a list like 3 or 2,3: pin this process")
    p.add_argument("--kernel-sum", type=int, metavar="K", help="also profile K iterations per repeat (CUDA only) "
                   "and report the sum of kernel, copy and set durations per iteration")
    p.add_argument("--kernel-sum-repeats", type=int, default=8, help="profiles for --kernel-sum (default: 8)")
    return p.parse_args(argv)


def pin_cpus(spec: str, device: torch.device) -> list[int]:
    """Restrict the calling (launching) thread to ``spec``'s cores, as ``jitlab run --pin-cpus`` does.

    ``spec`` is a list such as ``15``, ``2,3`` or ``0-3``; ``auto`` takes the last
    allowed core for a GPU and the last ``threads`` cores for a CPU.
    """
    allowed = sorted(os.sched_getaffinity(0))
    if spec == "auto":
        cpus = allowed[-(1 if device.type != "cpu" else max(1, min(torch.get_num_threads(), len(allowed)))):]
    else:
        cpus = []
        for part in spec.split(","):
            lo, _, hi = part.strip().partition("-")
            cpus.extend(range(int(lo), int(hi or lo) + 1))
    os.sched_setaffinity(0, cpus)
    if device.type == "cpu" and torch.get_num_threads() > len(cpus):
        torch.set_num_threads(len(cpus))
    return sorted(os.sched_getaffinity(0))


# ---- loading (jitlab's target convention, re-implemented)

def load_target(path: Path, name: str | None, device: torch.device, seed: int) -> tuple[torch.nn.Module, tuple]:
    """Import ``path`` and call its target as jitlab would."""
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    mod_name = f"reference_target_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # TorchScript looks classes up through sys.modules
    spec.loader.exec_module(module)
    if name in (None, "", "default", "target"):
        fn_name = "target"
    else:
        fn_name = name if name.startswith("target_") else f"target_{name}"
    fn = getattr(module, fn_name)
    torch.manual_seed(seed)
    if "device" in inspect.signature(fn).parameters:
        mod, inputs = fn(device=device)
    else:
        mod, inputs = fn()
        mod = mod.to(device)
        inputs = tuple(t.to(device) for t in (inputs if isinstance(inputs, (tuple, list)) else (inputs,)))
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    return mod, tuple(inputs)


def same_conditions(seed: int, matmul_precision: str, threads: int | None) -> None:
    """The seed, precision and thread settings jitlab gives every variant."""
    random.seed(seed)
    torch.manual_seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    if threads:
        torch.set_num_threads(threads)
    torch.set_float32_matmul_precision(matmul_precision)


def build(variant: str, module: torch.nn.Module, inputs: tuple, train: bool) -> Callable:
    if variant == "eager":
        return module
    if variant == "script":
        return module if isinstance(module, torch.jit.ScriptModule) else torch.jit.script(module)
    if variant == "trace":
        with torch.enable_grad() if train else torch.no_grad():
            return torch.jit.trace(module, inputs, check_trace=False)
    return torch.compile(module)


# ---- the step

def floating_outputs(obj: Any) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj] if obj.is_floating_point() and obj.requires_grad else []
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in floating_outputs(item)]
    return []


class Step:
    """Forward, loss, backward of ``fn`` on ``inputs``: the work jitlab times."""

    def __init__(self, fn: Callable, inputs: tuple, train: bool, device: torch.device) -> None:
        self.fn, self.inputs, self.train = fn, inputs, train
        self.cuda = device.type == "cuda"
        self.leaves: list[torch.Tensor] = []

    def set_leaves(self, module: torch.nn.Module) -> None:
        self.leaves = [p for p in module.parameters() if p.requires_grad]
        self.leaves += [t for t in self.inputs if t.requires_grad]

    def forward_loss(self) -> torch.Tensor | None:
        outs = floating_outputs(self.fn(*self.inputs))
        if not outs:
            return None
        loss = outs[0].sum()
        for t in outs[1:]:
            loss = loss + t.sum()
        return loss

    def __call__(self) -> None:
        if not self.train:
            with torch.inference_mode():
                self.fn(*self.inputs)
            return
        loss = self.forward_loss()
        if loss is not None:
            loss.backward()
        self.clear()

    def synced(self) -> None:
        self()
        if self.cuda:
            torch.cuda.synchronize()

    def clear(self) -> None:
        for t in self.leaves:
            t.grad = None


def summary(values_ms: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values_ms, n=4, method="inclusive") if len(values_ms) > 1 else [values_ms[0]] * 3
    return {"median_ms": statistics.median(values_ms), "p25_ms": q[0], "p75_ms": q[2], "iqr_ms": q[2] - q[0],
            "min_ms": min(values_ms), "mean_ms": statistics.fmean(values_ms), "n": len(values_ms)}


def bare_loop(step: Step, iters: int) -> dict[str, Any]:
    """Per-iteration times of the step, plus the loop's wall-clock cost per iteration."""
    totals, fwds = [], []
    if step.cuda:
        a, b, c = (torch.cuda.Event(enable_timing=True) for _ in range(3))
    wall0 = time.perf_counter_ns()
    for _ in range(iters):
        if step.cuda:
            a.record()
            loss = step.forward_loss() if step.train else _infer(step)
            b.record()
            if loss is not None:
                loss.backward()
            c.record()
            c.synchronize()
            fwds.append(a.elapsed_time(b))
            totals.append(a.elapsed_time(c))
        else:
            t0 = time.perf_counter_ns()
            loss = step.forward_loss() if step.train else _infer(step)
            t1 = time.perf_counter_ns()
            if loss is not None:
                loss.backward()
            t2 = time.perf_counter_ns()
            fwds.append((t1 - t0) / 1e6)
            totals.append((t2 - t0) / 1e6)
        step.clear()
    wall_ms = (time.perf_counter_ns() - wall0) / 1e6
    return {**summary(totals), "fwd_median_ms": statistics.median(fwds), "loop_ms_per_iter": wall_ms / iters,
            "method": "cuda events, synchronised each iteration" if step.cuda else "time.perf_counter_ns"}


def _infer(step: Step) -> None:
    with torch.inference_mode():
        step.fn(*step.inputs)
    return None


def timer(fn: Callable[[], None], min_time: float, label: str) -> dict[str, Any]:
    from torch.utils.benchmark import Timer

    # Timer runs single-threaded unless told otherwise; jitlab uses torch's
    # default thread count, so the reference must too.
    m = Timer(stmt="fn()", globals={"fn": fn}, num_threads=torch.get_num_threads(), label=label) \
        .blocked_autorange(min_run_time=min_time)
    times = [t * 1e3 for t in m.times]
    return {"median_ms": m.median * 1e3, "iqr_ms": m.iqr * 1e3, "mean_ms": m.mean * 1e3,
            "min_ms": min(times), "blocks": len(times), "number_per_run": m.number_per_run}


def kernel_sum(step: Step, iters: int, repeats: int) -> dict[str, Any]:
    """Device time per iteration: durations of all CUDA activity, summed, over ``iters`` iterations."""
    from torch.profiler import ProfilerActivity, profile

    per_iter = []
    counts = []
    for _ in range(repeats):
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(iters):
                step.synced()
        total_us, n = 0.0, 0
        for evt in prof.events():
            if evt.device_type != torch.autograd.DeviceType.CUDA:
                continue
            if "annotation" in str(getattr(evt, "name", "")).lower():
                continue
            total_us += evt.time_range.elapsed_us()
            n += 1
        per_iter.append(total_us / iters / 1000.0)
        counts.append(n / iters)
    return {"per_iteration_ms": per_iter, "median_ms": statistics.median(per_iter), "min_ms": min(per_iter),
            "max_ms": max(per_iter), "events_per_iteration": statistics.median(counts), "iters": iters,
            "repeats": repeats, "method": "torch.profiler, CUDA activity: kernels, copies and sets, summed"}


def device_of(spec: str) -> torch.device:
    dev = torch.device(spec)
    if dev.type == "cuda":
        dev = torch.device("cuda", dev.index if dev.index is not None else torch.cuda.current_device())
        torch.cuda.set_device(dev)
    return dev


def measure(args: argparse.Namespace) -> dict[str, Any]:
    device = device_of(args.device)
    same_conditions(args.seed, args.matmul_precision, args.threads)
    train = args.mode == "train"
    module, inputs = load_target(Path(args.file).resolve(), args.target, device, args.seed)
    module.train(train)
    if train and not any(p.requires_grad for p in module.parameters()):
        inputs = tuple(t.detach().clone().requires_grad_(True) if t.is_floating_point() else t for t in inputs)
    t0 = time.perf_counter()
    fn = build(args.variant, module, inputs, train)
    build_ms = (time.perf_counter() - t0) * 1e3
    step = Step(fn, inputs, train, device)
    step.set_leaves(module)
    t0 = time.perf_counter()
    step.synced()
    first_call_ms = (time.perf_counter() - t0) * 1e3
    # After the first call, as jitlab does: torch.compile compiles there, with all the cores.
    affinity = pin_cpus(args.pin_cpus, device) if args.pin_cpus else None
    for _ in range(max(0, args.warmup - 1)):
        step.synced()
    result: dict[str, Any] = {
        "variant": args.variant, "device": str(device), "torch": torch.__version__,
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(), "build_ms": build_ms, "first_call_ms": first_call_ms,
        "bare": bare_loop(step, args.iters), "timer": None, "timer_nosync": None, "error": None,
        "cpu_affinity": affinity,
    }
    if args.kernel_sum and device.type == "cuda":
        result["kernel_sum"] = kernel_sum(step, args.kernel_sum, args.kernel_sum_repeats)
    if args.timer:
        result["timer"] = timer(step.synced, args.timer_min_time, f"{args.variant} synced")
        if device.type == "cuda":
            result["timer_nosync"] = timer(step, args.timer_min_time, f"{args.variant} block-synced")
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = measure(args)
        code = 0
    except Exception as exc:  # noqa: BLE001 - reported as data, like a failed jitlab variant
        result = {"variant": args.variant, "error": f"{type(exc).__name__}: {exc}",
                  "traceback": traceback.format_exc()}
        code = 1
    print(json.dumps(result))
    return code


if __name__ == "__main__":
    sys.exit(main())
