"""Sampled blocks: where an iteration's time goes on the device.

A timed block measures wall time (CUDA events or the host clock) and nothing
else, so that nothing perturbs it. Between timed blocks the parent asks for a
*sampled* block: a few iterations under the profiler (Kineto), each phase in
a window of its own (see :meth:`jitlab.runner.harness.Harness.step_phased`).
Per phase the runner reports

``busy``
    On CUDA: the time the device was busy (kernels, memory copies and sets;
    the union of their intervals, so overlapping streams are not counted
    twice). On a CPU: the time some operator was running (top-level aten ops
    and compiler kernels), so the rest of the step is Python, dispatch and
    autograd bookkeeping.
``launches``
    CUDA kernels launched (on a CPU: operators called).

Kernel durations do not depend on how the host launched them, which is why
this figure repeats from run to run where wall time moves with the host.
"""

from __future__ import annotations

import warnings
from contextlib import nullcontext
from typing import Any, ContextManager

import torch

from jitlab.runner.introspect.kernels import COMPILER_KERNEL

MARK = "jitlab::"
#: Kineto's activity types of device work.
_DEVICE_WORK = ("kernel", "gpu_memcpy", "gpu_memset")
#: Operators that are wrappers around operators (their time is their children's).
_WRAPPERS = ("autograd::", "torch::", "CompiledFunction", "ProfilerStep", MARK)
_FUNCTION_SCOPE = 0


class SamplingUnavailable(RuntimeError):
    """This torch cannot profile the variant's device."""


def window(phase: str) -> ContextManager:
    """The profiler range that marks one phase of a sampled iteration."""
    return torch.autograd.profiler.record_function(MARK + phase)


def _profiler(cuda: bool) -> Any:
    make = torch.autograd.profiler.profile
    try:
        return make(use_kineto=True, use_cpu=True, use_device="cuda" if cuda else None)
    except TypeError:  # releases before ``use_device``
        return make(use_kineto=True, use_cuda=cuda)


def sample_block(runner: Any, n: int) -> dict[str, Any]:
    """Run ``n`` phased iterations under the profiler and measure each phase.

    Returns
    -------
    dict
        ``unit`` (``"device"`` or ``"cpu_ops"``) and the columns
        ``fwd_busy``, ``bwd_busy`` (ms; ``None`` where a phase did not run),
        ``fwd_launches``, ``bwd_launches``, one entry per iteration.
    """
    h = runner.harness
    cuda = runner.device.type == "cuda"
    hook = _cpu_kernel_hook(runner) if not cuda else nullcontext()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the profiler's own warnings say nothing about the module
        with hook, _profiler(cuda) as prof:
            # One more than asked: the first iteration under a freshly started
            # profiler pays for its start-up (on a CPU, several times the step).
            for _ in range(n + 1):
                h.step_phased(window)
        events = prof.kineto_results.events()
    cols = {key: col[1:] for key, col in measure(events, n + 1, cuda).items()}
    cols["unit"] = "device" if cuda else "cpu_ops"
    return cols


def _cpu_kernel_hook(runner: Any) -> ContextManager:
    """Inductor's C++ kernels, made visible to the profiler (compile on a CPU)."""
    if not runner.variant.startswith("compile"):
        return nullcontext()
    from jitlab.runner.introspect import compiled

    if getattr(runner, "_inductor_modules", None) is None:
        try:
            runner._inductor_modules = compiled.inductor_modules()
        except Exception:  # noqa: BLE001 - private API; without it the C++ kernels count as overhead
            runner._inductor_modules = []
    return compiled.recorded_kernels(runner._inductor_modules)


def _call(e: Any, method: str, default: Any) -> Any:
    """A Kineto event's accessor, where this torch has it (``activity_type`` is recent)."""
    fn = getattr(e, method, None)
    return fn() if fn is not None else default


def _annotation(e: Any) -> bool:
    return bool(_call(e, "is_user_annotation", False))


def _device_work(e: Any) -> tuple[bool, bool]:
    """``(is device work, is a kernel launch)`` of a non-CPU event."""
    kind = _call(e, "activity_type", None)
    if kind is not None:
        return kind in _DEVICE_WORK, kind == "kernel"
    # Older releases: range annotations mirrored on the device carry the
    # annotation's name; copies and sets are named Memcpy.../Memset...
    name = e.name()
    if _annotation(e) or name.startswith(MARK) or name.startswith("ProfilerStep"):
        return False, False
    return True, not name.startswith(("Memcpy", "Memset"))


def _is_work(e: Any, cuda: bool) -> tuple[bool, bool]:
    """``(counts as busy time, counts as a launch)``."""
    on_cpu = e.device_type() == torch.autograd.DeviceType.CPU
    if cuda:
        return (False, False) if on_cpu else _device_work(e)
    if not on_cpu:
        return False, False
    name = e.name()
    if COMPILER_KERNEL.match(name):
        return True, True
    op = _call(e, "scope", _FUNCTION_SCOPE) == _FUNCTION_SCOPE and not _annotation(e) and not name.startswith(_WRAPPERS)
    return op, op


def measure(events: Any, n: int, cuda: bool) -> dict[str, list]:
    """Busy time and launches of every phase window, from raw Kineto events."""
    windows: list[tuple[int, int, str, int]] = []
    counts = {"fwd": 0, "bwd": 0}
    work: list[tuple[int, int, bool]] = []
    for e in events:
        name = e.name()
        if name.startswith(MARK) and e.device_type() == torch.autograd.DeviceType.CPU:
            phase = name[len(MARK):]
            if phase in counts:
                windows.append((e.start_ns(), e.start_ns() + e.duration_ns(), phase, counts[phase]))
                counts[phase] += 1
            continue
        busy, launch = _is_work(e, cuda)
        if busy:
            work.append((e.start_ns(), e.start_ns() + e.duration_ns(), launch))
    cols: dict[str, list] = {f"{p}_{k}": [None] * n for p in ("fwd", "bwd") for k in ("busy", "launches")}
    if not windows:
        return cols
    windows.sort()
    work.sort()
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    launches: dict[tuple[str, int], int] = {}
    j = 0
    for w0, w1, phase, k in windows:
        key = (phase, k)
        spans[key] = []
        launches[key] = 0
        while j < len(work) and work[j][0] < w0:
            j += 1
        i = j
        while i < len(work) and work[i][0] <= w1:
            s, e, launch = work[i]
            spans[key].append((s, min(e, w1) if not cuda else e))
            launches[key] += int(launch)
            i += 1
    for (phase, k), iv in spans.items():
        if k < n:
            busy, outermost = union_ns(iv)
            cols[f"{phase}_busy"][k] = round(busy / 1e6, 5)
            # On a CPU an operator's children are operators too: count the outermost calls.
            cols[f"{phase}_launches"][k] = launches[(phase, k)] if cuda else outermost
    return cols


def union_ns(intervals: list[tuple[int, int]]) -> tuple[int, int]:
    """Length covered by possibly overlapping ``(start, end)`` intervals, and
    how many of them are not inside another."""
    total, outermost = 0, 0
    start = end = None
    for s, e in sorted(intervals):
        if end is None or s >= end:
            if end is not None:
                total += end - start
            start, end = s, e
            outermost += 1
        elif e > end:
            end = e
    if end is not None:
        total += end - start
    return total, outermost
