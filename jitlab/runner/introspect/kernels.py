"""What ran: one short profiler session (torch's autograd profiler on Kineto)
after the timed iterations.

On CUDA every row is a device kernel (its device time); elsewhere every row
is a top-level CPU op: the outermost operator under the wrappers that
TorchScript, Dynamo and autograd add (``forward``, ``<forward op>``,
``CompiledFunction``, ``SumBackward0``...), which is where NNC's ``fused_...``
ops and (see :mod:`.compiled`) Inductor's ``cpp_fused_...`` kernels sit. A row
is backward work when it runs under ``autograd::engine::evaluate_function``.
"""

from __future__ import annotations

import re
import time
import warnings
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable, ContextManager, Iterable

import torch

from jitlab.core.variants import file_stem
from jitlab.runner.introspect.limits import KERNEL_LIMIT

#: Profile at least this many iterations ...
MIN_STEPS = 5
#: ... at most this many ...
MAX_STEPS = 20
#: ... and no more once this much time has gone (a slow variant gets MIN_STEPS).
MAX_SECONDS = 1.0
#: The first profiled iterations are left out: while the profiler fills its first
#: buffers they ran up to twice as slow as the ones after (tiny modules, two-core CPU).
WARMUP_STEPS = 2
#: A profiled iteration whose op time is over this many times the fastest quarter's
#: was preempted or hit a profiler flush: its rows are left out.
STEADY_RATIO = 1.25
#: Unprofiled steps timed just before the profile (at least BESIDE_MIN, at most
#: BESIDE_MAX, within BESIDE_SECONDS): they tell the profiler's cost apart from a
#: machine that became slower after the timed rounds.
BESIDE_MIN = 3
BESIDE_MAX = 10
BESIDE_SECONDS = 0.5
ITERATION_MARK = "jitlab::iteration"
BACKWARD_MARK = "autograd::engine::evaluate_function"
#: Names compilers give their kernels: NNC, Inductor's C++ and Triton.
COMPILER_KERNEL = re.compile(r"^(fused_|cpp_fused_|triton_|cpp_)")
#: CPU ops that only allocate or re-describe memory. They launch nothing on a
#: device, and on CPU counting them would bury the ops that compute.
METADATA_OPS = frozenset(
    "aten::" + op for op in (
        "empty", "empty_strided", "empty_like", "new_empty", "new_empty_strided", "view", "_unsafe_view",
        "_reshape_alias", "as_strided", "expand", "detach", "alias", "t", "transpose", "permute", "unsqueeze",
        "squeeze", "slice", "select", "lift_fresh", "resolve_conj", "resolve_neg", "unflatten", "split",
        "chunk", "narrow", "unbind", "set_", "resize_",
    )
)
#: The profiler's own bookkeeping events; kernels listed under them are
#: duplicates of those under the op that launched them.
PROFILER_OVERHEAD = frozenset({"Activity Buffer Request"})
#: CUDA runtime and driver API calls (``cudaEventQuery``, ``cuLaunchKernel``).
_RUNTIME_CALL = re.compile(r"^cu[A-Z]|^cuda[A-Z]")
#: Op-looking names that are wrappers around ops (their children are the ops).
_WRAPPERS = ("autograd::", "torch::", "CompiledFunction", "ProfilerStep")
_OP_NAME = re.compile(r"^[A-Za-z_][\w.]*(::[\w.]+)*$")
#: ``at::RecordScope::FUNCTION``: operators; other scopes are autograd nodes,
#: TorchScript functions and user annotations.
_FUNCTION_SCOPE = 0


def profile(runner: Any, generated: Iterable[str], cpu_hook: Callable[[], ContextManager] | None,
            notes: list[str]) -> dict[str, Any]:
    """Profile a few more iterations of ``runner.harness`` and list what ran.

    Parameters
    ----------
    runner : Runner
        Its ``harness``, ``device``, ``variant`` and ``cfg["trace_out"]`` are used.
    generated : iterable of str
        Kernel names the variant's compiler made (fusion groups, Inductor
        kernels); a row with one of these names links to it.
    cpu_hook : callable, optional
        Returns a context manager entered around the profiled iterations on
        non-CUDA devices (Inductor's C++ kernels are not profiled otherwise).
    notes : list of str

    Returns
    -------
    dict
        ``items`` (rows), ``totals``, ``by_phase``, ``iterations``, ``unit``,
        ``device``, ``hidden_metadata_ops`` and ``trace_file``.
    """
    cuda = runner.device.type == "cuda"
    beside = unprofiled_steps(runner.harness)
    hook = cpu_hook() if (cpu_hook is not None and not cuda) else nullcontext()
    steps = 0
    mark = torch.autograd.profiler.record_function
    with warnings.catch_warnings():
        # The profiler's own warnings say nothing about the user's module.
        warnings.simplefilter("ignore")
        with hook, _profiler(cuda) as prof:
            t0 = time.perf_counter()
            while True:
                with mark(ITERATION_MARK):
                    runner.harness.step()
                steps += 1
                if steps >= MAX_STEPS or (steps >= MIN_STEPS and time.perf_counter() - t0 >= MAX_SECONDS):
                    break
            if cuda:
                torch.cuda.synchronize(runner.device)
    events = list(prof.function_events)
    names = set(generated)
    per_iteration, hidden = (device_kernels(events) if cuda else cpu_ops(events))
    windows = _iteration_windows(events)
    skip = WARMUP_STEPS if len(windows) >= MIN_STEPS else 0
    steady = steady_iterations(per_iteration, windows, skip)
    raw = rows_of(per_iteration, windows, steady) if windows else rows_of(per_iteration, [], set())
    kept = len(steady) if windows else steps
    cost = profiler_cost(events, windows, steady, beside)
    recorded_us = sum(us for _count, us in raw.values()) / max(1, kept)
    if not cuda and cost:
        raw, cost = compensated_rows(per_iteration, windows, steady, cost)
    result = summarize(raw, kept, names)
    result["totals"]["recorded_us"] = round(recorded_us, 3)
    if cuda:
        launchers = kernel_launchers(events)
        for row in result["items"]:
            if launchers.get(row["name"]):
                row["launched_by"] = launchers[row["name"]]
    result["profiled_iterations"] = steps
    if windows and skip:
        result["warmup_iterations"] = skip
    if steps - kept - (skip if windows else 0) > 0:
        result["dropped_iterations"] = steps - kept - (skip if windows else 0)
    result.update(cost)
    result.update({
        "device": str(runner.device),
        "unit": "CUDA kernel" if cuda else "top-level CPU op",
        "hidden_metadata_ops": _tidy(hidden / steps),
        "what": "device time per iteration (CUDA kernels)" if cuda else
                "CPU time per iteration of the outermost operators (their wall time on the thread that ran them, "
                "less the profiler's measured cost of the events it recorded inside them)",
        "trace_file": None,
    })
    if len(raw) > KERNEL_LIMIT:
        notes.append(f"{len(raw)} distinct kernels ran; only the {KERNEL_LIMIT} longest are listed")
    trace_dir = (runner.cfg or {}).get("trace_out")
    if trace_dir:
        path = Path(trace_dir) / f"{file_stem(runner.variant)}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            prof.export_chrome_trace(str(path))
            result["trace_file"] = str(path.resolve())
        except (OSError, RuntimeError) as exc:
            notes.append(f"the Chrome trace could not be written to {path} ({exc})")
    return result


def _profiler(cuda: bool) -> Any:
    """The autograd profiler on the Kineto backend.

    ``torch.profiler.profile`` wraps the same profiler, but on entry it
    probes ``hasattr(torch, "_inductor")``, which imports Inductor (over a
    second on a small CPU) in every variant that never compiled anything.
    """
    make = torch.autograd.profiler.profile
    try:
        return make(use_kineto=True, use_cpu=True, use_device="cuda" if cuda else None)
    except TypeError:  # releases before ``use_device``
        return make(use_kineto=True, use_cuda=cuda)


def _ancestors(event: Any) -> Iterable[Any]:
    parent = event.cpu_parent
    while parent is not None:
        yield parent
        parent = parent.cpu_parent


def _phase(event: Any) -> str:
    chain = [event, *_ancestors(event)]
    return "bwd" if any(e.name.startswith(BACKWARD_MARK) for e in chain) else "fwd"


def is_op(event: Any) -> bool:
    """Whether a CPU event is an operator (or a compiler kernel), not a wrapper.

    Autograd nodes (``MulBackward0``) and TorchScript functions (``forward``)
    look like op names; their record scope tells them apart.
    """
    name = event.name
    if COMPILER_KERNEL.match(name):
        return True
    if getattr(event, "scope", _FUNCTION_SCOPE) != _FUNCTION_SCOPE:
        return False
    return bool(_OP_NAME.match(name)) and not name.startswith(_WRAPPERS)


Call = tuple[float, str, str, float, int]
"""``(start_us, name, phase, us, nested)``: one op call (or kernel launch) in a profile, and how many
events the profiler recorded inside it."""


def cpu_ops(events: list[Any]) -> tuple[list[Call], int]:
    """Every call of a top-level CPU op, and how many metadata-only ops were left out."""
    calls: list[Call] = []
    hidden = 0
    for e in events:
        if e.name == ITERATION_MARK or not is_op(e) or any(is_op(a) for a in _ancestors(e)):
            continue
        if e.name in METADATA_OPS:
            hidden += 1
            continue
        calls.append((float(e.time_range.start), e.name, _phase(e), float(e.cpu_time_total), _nested(e)))
    return calls, hidden


def _nested(event: Any) -> int:
    """Events recorded inside ``event`` (children, theirs, and so on)."""
    todo, n = list(event.cpu_children), 0
    while todo:
        n += 1
        todo.extend(todo.pop().cpu_children)
    return n


def device_kernels(events: list[Any]) -> tuple[list[Call], int]:
    """Every CUDA kernel each CPU op launched, at the time of its launching op."""
    # The profiler links kernels to CPU events by id, and ids can collide
    # between an op on the autograd thread and a CUDA runtime call or a
    # profiler bookkeeping event on the main thread; each kernel is then listed
    # twice. Keep one listing per (id, kernel), preferring the op's.
    chosen: dict[tuple[Any, int, str, float], tuple[int, str, float]] = {}
    for e in events:
        kernels = getattr(e, "kernels", None)
        if not kernels or getattr(e.device_type, "name", "CPU") != "CPU":
            continue
        rank = 1 if (e.name in PROFILER_OVERHEAD or _RUNTIME_CALL.match(e.name)) else 0
        phase = _phase(e)
        # Both listings hold the same kernels in the same order, so the
        # position keeps two identical launches by one op apart.
        for i, k in enumerate(kernels):
            key = (e.id, i, k.name, float(k.duration))
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, phase, float(e.time_range.start))
    calls = [(start, name, phase, duration, 0) for (_id, _i, name, duration), (_r, phase, start) in chosen.items()]
    return calls, 0


def kernel_launchers(events: list[Any], limit: int = 4) -> dict[str, list[str]]:
    """CUDA kernel name -> the ATen ops it was launched under, innermost first.

    A library kernel (cuBLAS, cuDNN, ATen's elementwise templates) is named
    after its implementation, not the op; the op names let it be traced back
    to the graph node (and the user's line) that called it.
    """
    out: dict[str, list[str]] = {}
    for e in events:
        kernels = getattr(e, "kernels", None)
        if not kernels or getattr(e.device_type, "name", "CPU") != "CPU":
            continue
        ops = [a.name for a in (e, *_ancestors(e)) if a.name.startswith("aten::")]
        for k in kernels:
            known = out.setdefault(k.name, [])
            known.extend(op for op in ops if op not in known and len(known) < limit)
    return out


def _iteration_windows(events: list[Any]) -> list[tuple[float, float]]:
    """``(start_us, end_us)`` of every profiled iteration, in order."""
    # With CUDA activity the mark also comes back as a GPU user annotation: only the CPU range counts
    # (counting both halved every per-iteration figure on an H200).
    return sorted((float(e.time_range.start), float(e.time_range.end)) for e in events
                  if e.name == ITERATION_MARK and getattr(e.device_type, "name", "CPU") == "CPU")


def _iteration_of(start: float, windows: list[tuple[float, float]]) -> int | None:
    return next((j for j, (a, b) in enumerate(windows) if a <= start <= b), None)


def steady_iterations(calls: list[Call], windows: list[tuple[float, float]], skip: int) -> set[int]:
    """The profiled iterations the table is made of: after the first ``skip``, those whose
    total is within :data:`STEADY_RATIO` of the fastest quarter's.

    Preemption and the profiler's buffer flushes only ever add time, so the
    fastest iterations are the undisturbed ones; an iteration that took longer
    would make the table claim more time per iteration than the timed
    iterations took.
    """
    totals = [0.0] * len(windows)
    for start, _name, _phase, us, *_nested_events in calls:
        k = _iteration_of(start, windows)
        if k is not None:
            totals[k] += us
    candidates = list(range(min(skip, max(0, len(windows) - 1)), len(windows)))
    if len(candidates) < 3:
        return set(candidates)
    quarter = sorted(totals[j] for j in candidates)[len(candidates) // 4]
    return {j for j in candidates if totals[j] <= STEADY_RATIO * quarter}


def rows_of(calls: list[Call], windows: list[tuple[float, float]],
            keep: set[int]) -> dict[tuple[str, str], list[float]]:
    """``{(name, phase): [calls, us]}`` summed over the iterations in ``keep`` (every call when
    there are no iteration windows)."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for start, name, phase, us, *_nested_events in calls:
        if windows and _iteration_of(start, windows) not in keep:
            continue
        row = acc[(name, phase)]
        row[0] += 1
        row[1] += us
    return acc


def unprofiled_steps(harness: Any) -> list[tuple[float, float]]:
    """``(timed_ms, wall_ms)`` of a few steps run just before the profile, without it: the step
    as the timed loop counts it (forward plus backward) and the whole call, as a profiled
    iteration's window spans it."""
    out: list[tuple[float, float]] = []
    t0 = time.perf_counter()
    while len(out) < BESIDE_MAX and (len(out) < BESIDE_MIN or time.perf_counter() - t0 < BESIDE_SECONDS):
        w0 = time.perf_counter()
        fwd, bwd = harness.step()
        out.append((fwd + (bwd or 0.0), (time.perf_counter() - w0) * 1000.0))
    return out


def _median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def profiler_cost(events: list[Any], windows: list[tuple[float, float]], steady: set[int],
                  beside: list[tuple[float, float]]) -> dict[str, Any]:
    """What the profiler cost each steady iteration, against the unprofiled steps beside it.

    ``unprofiled_step_ms`` is the timed step just before the profile (to set
    against the timed rounds' median: did the machine change?),
    ``profiled_step_ms`` a steady profiled iteration's mean wall time,
    ``profiler_ms`` what it took beyond an unprofiled one, and
    ``recorded_events`` the CPU events the profiler recorded per iteration
    (every op and wrapper, nested ones too).
    """
    if not windows or not steady or not beside:
        return {}
    chosen = sorted(steady)
    counts = [0] * len(windows)
    for e in events:
        if getattr(e.device_type, "name", "CPU") != "CPU" or e.name == ITERATION_MARK:
            continue
        k = _iteration_of(float(e.time_range.start), windows)
        if k is not None:
            counts[k] += 1
    # The mean, as the rows are means over the same iterations: every op lies inside its iteration's
    # window, so rows scaled by unprofiled / profiled cannot sum to more than the unprofiled step.
    profiled = sum((windows[j][1] - windows[j][0]) / 1000.0 for j in chosen) / len(chosen)
    unprofiled = _median(w for _t, w in beside)
    return {
        "unprofiled_step_ms": round(_median(t for t, _w in beside), 4),
        "unprofiled_steps": len(beside),
        "profiled_step_ms": round(profiled, 4),
        "profiler_ms": round(max(0.0, profiled - unprofiled), 4),
        "recorded_events": _tidy(sum(counts[j] for j in chosen) / len(chosen)),
    }


def compensated_rows(calls: list[Call], windows: list[tuple[float, float]], steady: set[int],
                     cost: dict[str, Any]) -> tuple[dict[tuple[str, str], list[float]], dict[str, Any]]:
    """CPU rows less the profiler's own cost, and ``cost`` with how it was taken out.

    The profiler's cost per recorded event, measured as a steady profiled
    iteration's extra wall time over the events it recorded, moved from 0.2
    to 2.4 us between runs on one two-core machine, making the same ops look
    up to twice as long. A call's recorded time holds the cost of every event
    recorded inside it, so that much comes off each call
    (``profiler_us_per_event``). Should the rows still sum to more than an
    unprofiled step took, they are scaled down to it (``profiler_scale``):
    the table never claims more per iteration than the unprofiled step.
    """
    cost = dict(cost)
    events = cost.get("recorded_events") or 0
    per_event = cost["profiler_ms"] * 1000.0 / events if events else 0.0
    cost["profiler_us_per_event"] = round(per_event, 4)
    less = [(start, name, phase, max(0.0, us - per_event * nested), nested)
            for start, name, phase, us, nested in calls]
    rows = rows_of(less, windows, steady)
    total_ms = sum(us for _count, us in rows.values()) / max(1, len(steady)) / 1000.0
    unprofiled_wall_ms = cost["profiled_step_ms"] - cost["profiler_ms"]
    if total_ms > unprofiled_wall_ms > 0:
        scale = unprofiled_wall_ms / total_ms
        cost["profiler_scale"] = round(scale, 4)
        rows = {key: [count, us * scale] for key, (count, us) in rows.items()}
    return rows, cost


def _tidy(v: float) -> float | int:
    """An integer where the value is whole (calls per iteration usually are)."""
    v = round(v, 2)
    return int(v) if float(v).is_integer() else v


def summarize(raw: dict[tuple[str, str], list[float]], steps: int, generated: set[str]) -> dict[str, Any]:
    """Rows per iteration, longest first, with totals overall and per phase."""
    items = []
    for (name, phase), (count, us) in raw.items():
        items.append({
            "name": name, "phase": phase, "count": _tidy(count / steps),
            "device_time_us": round(us / steps, 3),
            "fused": bool(COMPILER_KERNEL.match(name)) or name in generated,
            "group": name if name in generated else None,
        })
    items.sort(key=lambda r: (-r["device_time_us"], r["phase"], r["name"]))

    def totals(rows: list[dict]) -> dict[str, Any]:
        return {
            "distinct": len({r["name"] for r in rows}),
            "launches": _tidy(sum(r["count"] for r in rows)),
            "device_time_us": round(sum(r["device_time_us"] for r in rows), 3),
            "fused_launches": _tidy(sum(r["count"] for r in rows if r["fused"])),
        }

    return {
        "iterations": steps,
        "items": items[:KERNEL_LIMIT],
        "totals": totals(items),
        "by_phase": {p: totals([r for r in items if r["phase"] == p]) for p in ("fwd", "bwd")},
    }
