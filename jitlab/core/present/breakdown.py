"""Where the time goes: device time beside wall time, and whether the machine
let the runners measure at all.

Derived from a session's iterations, sampled blocks and per-block samples by
:func:`derive` (called from :func:`jitlab.core.session.store.finalize`); nothing
here measures.

Per variant
-----------
``device``
    Device-busy time per iteration (``unit`` ``"device"``: kernels, copies and
    sets on the GPU; ``"cpu_ops"``: time inside operators on a CPU) for
    ``fwd``, ``bwd`` and ``total``, launches per iteration, the host's share
    (``host_ms``: wall minus device-busy, the time the device waited for the
    host), ``busy_share`` and a ``verdict``.
``speedup_device``
    Speedup over eager on device time, per-round ratios as for wall time.
``speedup_host_dependent``
    True where eager or the variant is launch-bound: its end-to-end speedup
    moves with the host's state, the device-time one does not.
``reliability``
    Preempted iterations (CPU time far below wall time), run-queue wait and
    other processes' load on the runner's cores; ``unreliable`` names the
    cause when the timings cannot be trusted.
"""

from __future__ import annotations

import statistics
from typing import Any

from jitlab.core import stats
from jitlab.core.session import iterations

#: Below this share of the step the device is mostly waiting for the host.
LAUNCH_BOUND_SHARE = 0.5
#: From this share on, the device sets the pace.
DEVICE_BOUND_SHARE = 0.8
#: An iteration that got less than this share of a CPU was preempted (or waited).
PREEMPTED_CPU_SHARE = 0.67
#: ... when it lost at least this much time (timer granularity below it).
PREEMPTED_MIN_LOSS_MS = 0.05
#: Time spent runnable but waiting for a CPU, as a share of the blocks, that makes timings unreliable ...
RUNQUEUE_UNRELIABLE = 0.10
#: ... or other processes' load on the runner's cores (percent).
OTHERS_UNRELIABLE_PCT = 50.0
#: Preempted iterations that, with some run-queue wait, make timings unreliable.
PREEMPTED_UNRELIABLE = 0.20
RUNQUEUE_SUPPORTING = 0.03
#: Share of the step off the CPU (not waiting for one) worth a note on a CPU run.
OFF_CPU_NOTE = 0.5

WARNING_PREFIX = "busy machine:"
NOTE_PREFIX = "off the CPU:"


def _phase_values(rows: list[dict], phase: str) -> list[float]:
    if phase == "total":
        return [r["fwd_ms"] + (r.get("bwd_ms") or 0.0) for r in rows if r.get("fwd_ms") is not None]
    return [r[f"{phase}_ms"] for r in rows if r.get(f"{phase}_ms") is not None]


def _launches(rows: list[dict], phase: str) -> float | None:
    if phase == "total":
        vals = [(r.get("fwd_launches") or 0) + (r.get("bwd_launches") or 0) for r in rows
                if r.get("fwd_launches") is not None]
    else:
        vals = [r[f"{phase}_launches"] for r in rows if r.get(f"{phase}_launches") is not None]
    return float(statistics.median(vals)) if vals else None


def verdict(share: float, unit: str) -> dict[str, str]:
    """``{kind, text}``: launch-bound, partly launch-bound or device-bound (on a CPU: overhead, op)."""
    pct = f"{share:.0%}"
    if unit == "device":
        if share < LAUNCH_BOUND_SHARE:
            return {"kind": "launch-bound", "text": f"launch-bound: the GPU is busy {pct} of the step"}
        if share < DEVICE_BOUND_SHARE:
            return {"kind": "partly launch-bound", "text": f"partly launch-bound: the GPU is busy {pct} of the step"}
        return {"kind": "device-bound", "text": f"device-bound: the GPU is busy {pct} of the step"}
    if share < LAUNCH_BOUND_SHARE:
        return {"kind": "overhead-bound",
                "text": f"overhead-bound: operators run {pct} of the step (the rest is Python, dispatch, autograd)"}
    if share < DEVICE_BOUND_SHARE:
        return {"kind": "partly overhead-bound", "text": f"partly overhead-bound: operators run {pct} of the step"}
    return {"kind": "op-bound", "text": f"op-bound: operators run {pct} of the step"}


def device_summary(v: dict[str, Any]) -> dict[str, Any] | None:
    """The ``device`` record of one variant, or ``None`` without sampled iterations."""
    rows = v.get("device_samples") or []
    if not rows:
        return None
    unit = v.get("device_unit") or "device"
    out: dict[str, Any] = {"unit": unit, "iterations": len(rows)}
    for phase in stats.PHASES:
        out[phase] = stats.summarize(_phase_values(rows, phase))
    out["launches"] = {p: _launches(rows, p) for p in stats.PHASES}
    wall = v.get("stats") or {}
    out["host_ms"] = {}
    for phase in stats.PHASES:
        w, d = wall.get(phase), out.get(phase)
        out["host_ms"][phase] = max(0.0, w["median"] - d["median"]) if (w and d) else None
    share = None
    if wall.get("total") and out.get("total") and wall["total"]["median"] > 0:
        share = min(1.0, out["total"]["median"] / wall["total"]["median"])
    out["busy_share"] = share
    out["verdict"] = verdict(share, unit) if share is not None else None
    return out


def device_round_medians(v: dict[str, Any]) -> dict[int, float]:
    """Median device-busy time per iteration of each round's sampled block."""
    by_round: dict[int, list[float]] = {}
    for r in v.get("device_samples") or []:
        if r.get("round") is None or r.get("fwd_ms") is None:
            continue
        by_round.setdefault(int(r["round"]), []).append(r["fwd_ms"] + (r.get("bwd_ms") or 0.0))
    return {k: float(statistics.median(x)) for k, x in sorted(by_round.items())}


def device_speedup(base: dict[str, Any], v: dict[str, Any], interleaved: bool) -> dict | None:
    """Speedup over eager on device time: per-round ratios, or medians when not interleaved."""
    if interleaved:
        sp = stats.paired_speedup(device_round_medians(base), device_round_medians(v))
        if sp is not None:
            return sp
    a = _phase_values(base.get("device_samples") or [], "total")
    b = _phase_values(v.get("device_samples") or [], "total")
    return stats.unpaired_speedup(a, b)


# ---- reliability


def _iteration_cpu(v: dict[str, Any]) -> list[tuple[float, float]]:
    """``(wall, cpu)`` of every steady iteration that recorded its CPU time."""
    wall, cpu = iterations.of(v).steady_cpu()
    return list(zip(wall.tolist(), cpu.tolist()))


def reliability(name: str, v: dict[str, Any], blocks: list[dict], env: dict[str, Any]) -> dict[str, Any] | None:
    """Whether ``v``'s timings had the machine to themselves; ``None`` when nothing was recorded."""
    return reliability_of(_iteration_cpu(v), blocks, env)


def reliability_of(pairs: list[tuple[float, float]], blocks: list[dict], env: dict[str, Any]) -> dict[str, Any] | None:
    """:func:`reliability` from the ``(wall, cpu)`` of the iterations and the block readings."""
    if not pairs and not blocks:
        return None
    preempted = [w for w, c in pairs if c < PREEMPTED_CPU_SHARE * w and w - c >= PREEMPTED_MIN_LOSS_MS]
    p = len(preempted) / len(pairs) if pairs else None
    ratios = [min(1.0, c / w) for w, c in pairs if w > 0]
    on_cpu = statistics.median(ratios) if ratios else None
    waited = [b["runqueue_ms"] for b in blocks if b.get("runqueue_ms") is not None and b.get("block_ms")]
    spans = [b["block_ms"] for b in blocks if b.get("runqueue_ms") is not None and b.get("block_ms")]
    q = sum(waited) / sum(spans) if spans and sum(spans) > 0 else None
    loads = [b["others_busy_pct"] for b in blocks if b.get("others_busy_pct") is not None]
    others = statistics.median(loads) if loads else None
    cores = next((b.get("cores") for b in blocks if b.get("cores")), None) or env.get("cpu_count")
    causes: list[str] = []
    if q is not None and q >= RUNQUEUE_UNRELIABLE:
        causes.append(f"its main thread waited for a CPU {q:.0%} of the time")
    if others is not None and others >= OTHERS_UNRELIABLE_PCT:
        causes.append(f"other processes kept its {cores or '?'} core(s) {others:.0f}% busy")
    if p is not None and p >= PREEMPTED_UNRELIABLE and (q is None or q >= RUNQUEUE_SUPPORTING):
        causes.append(f"{p:.0%} of its iterations got less than {PREEMPTED_CPU_SHARE:.0%} of a CPU")
    threads = env.get("threads")
    device = (env.get("device") or {}).get("kind")
    if causes and device == "cpu" and threads and cores and others is not None:
        free = cores * (1 - others / 100.0)
        if threads > 1 and threads > free + 0.5:
            causes.append(f"oversubscribed: {threads} torch threads on {cores} core(s), about {free:.1f} of them free")
    return {
        "unreliable": bool(causes),
        "causes": causes,
        "preempted_share": p,
        "on_cpu_share": on_cpu,
        "runqueue_share": q,
        "others_busy_pct": others,
        "cores": cores,
    }


def fix_advice(env: dict[str, Any]) -> str:
    """What the user can do about a busy machine."""
    threads = env.get("threads")
    device = (env.get("device") or {}).get("kind")
    if device == "cpu" and (threads or 0) > 1:
        return "run with --threads 1, or on a quieter machine"
    return "run on a quieter machine, or pin the runners to a free core with --pin-cpus"


# ---- the kernel table against the measurements

#: The kernel table may claim this much more per iteration than the timed median
#: (the profiler adds a few microseconds to every op it records) before it says why.
KERNEL_TABLE_SLACK = 1.5
#: Unprofiled steps timed just before the profile this much slower than the timed
#: median mean the machine itself had slowed down by then.
MACHINE_SLOWER = 1.25


def kernel_table_check(v: dict[str, Any]) -> dict[str, Any] | None:
    """``{ratio, text, exceeds}`` comparing the kernel table's time per iteration with the measured
    step, and where it claims more, why (from what the profile measured beside itself)."""
    k = v.get("kernels") or {}
    total = (k.get("totals") or {}).get("device_time_us")
    wall = ((v.get("stats") or {}).get("total") or {}).get("median")
    if not total or not wall:
        return None
    ms = total / 1000.0
    ratio = ms / wall
    what = "device time" if "CUDA" in str(k.get("unit")) else "CPU op time"
    n = k.get("iterations")
    text = (f"{what} per iteration {ms:.3g} ms from {n} profiled iteration(s) against a measured "
            f"median step of {wall:.3g} ms ({ratio:.2f}x)")
    per_event, recorded = k.get("profiler_us_per_event"), (k.get("totals") or {}).get("recorded_us")
    if per_event is not None and recorded:
        text += (f"; as recorded {recorded / 1000.0:.3g} ms, less the profiler's measured cost of {per_event:.2g} us "
                 f"for each event recorded inside an op")
        if k.get("profiler_scale"):
            text += f", then scaled by {k['profiler_scale']:.2f} to the unprofiled step"
    check: dict[str, Any] = {"ratio": ratio, "exceeds": ratio > KERNEL_TABLE_SLACK}
    beside = k.get("unprofiled_step_ms")
    if beside:
        check["unprofiled_ratio"] = ms / beside
    if ratio > KERNEL_TABLE_SLACK:
        text += "; the profiled iterations ran slower than the timed ones: " + "; ".join(_why_slower(k, wall))
    check["text"] = text
    return check


def _why_slower(k: dict[str, Any], wall: float) -> list[str]:
    """The measured reasons a kernel table claims more per iteration than the timed median."""
    why = []
    beside = k.get("unprofiled_step_ms")
    if beside and beside > MACHINE_SLOWER * wall:
        why.append(f"the machine was slower while profiling (unprofiled steps timed just before the profile "
                   f"took {beside:.3g} ms, {beside / wall:.2f}x the timed median)")
    cost, events = k.get("profiler_ms"), k.get("recorded_events")
    if k.get("profiler_us_per_event") is not None:
        why.append(f"the profiler's own cost ({cost or 0:.3g} ms per iteration) is already taken out of the rows")
    elif cost and events:
        why.append(f"the profiler records every op: it added {cost:.3g} ms to each iteration "
                   f"({events:g} recorded events, about {cost * 1000.0 / events:.2g} us each)")
    else:
        why.append("the profiler records every op (a few microseconds each), and a busy machine stretches them")
    dropped = k.get("dropped_iterations")
    if dropped:
        why.append(f"{dropped} slower profiled iteration(s) were already left out")
    return why


# ---- the whole session


def derive(session: dict[str, Any]) -> None:
    """Fill every variant's device, speedup_device, speedup_host_dependent and reliability records,
    and the session's reliability, warnings and notes about them (idempotent)."""
    variants = session["variants"]
    env = session.get("env") or {}
    interleaved = (session.get("schedule") or {}).get("kind") == "interleaved"
    blocks: dict[str, list[dict]] = {}
    for s in session.get("samples") or []:
        if isinstance(s, dict) and s.get("variant") in variants:
            blocks.setdefault(s["variant"], []).append(s)
    for name, v in variants.items():
        v["device"] = device_summary(v)
        v["reliability"] = reliability(name, v, blocks.get(name, []), env)
        if v.get("kernels"):
            v["kernels"]["check"] = kernel_table_check(v)
    base = variants.get("eager")
    for name, v in variants.items():
        v["speedup_device"] = None
        v["speedup_host_dependent"] = None
        if base is None or name == "eager":
            continue
        if base.get("device") and v.get("device"):
            v["speedup_device"] = device_speedup(base, v, interleaved)
        shares = [x["device"]["busy_share"] for x in (base, v) if x.get("device") and x["device"]["busy_share"]
                  is not None]
        if v.get("speedup_vs_eager") is not None and shares:
            v["speedup_host_dependent"] = min(shares) < DEVICE_BOUND_SHARE
    for name, v in variants.items():
        v["speedup_unreliable"] = speedup_unreliable(session, name) if name != "eager" else False
    _session_reliability(session)


def speedup_unreliable(session: dict[str, Any], name: str) -> bool:
    """Whether ``name``'s speedup over eager rests on timings a busy machine spoiled."""
    variants = session["variants"]
    for n in (name, "eager"):
        rel = (variants.get(n) or {}).get("reliability") or {}
        if rel.get("unreliable"):
            return True
    return False


def _session_reliability(session: dict[str, Any]) -> None:
    variants = session["variants"]
    env = session.get("env") or {}
    bad = {n: v["reliability"] for n, v in variants.items() if (v.get("reliability") or {}).get("unreliable")}
    warnings = [w for w in session.get("warnings", []) if not w.startswith((WARNING_PREFIX, NOTE_PREFIX))]
    if bad:
        parts = [f"{n}: {'; '.join(r['causes'])}" for n, r in bad.items()]
        fix = fix_advice(env)
        session["reliability"] = {"unreliable": True, "variants": sorted(bad), "fix": fix,
                                  "causes": parts}
        warnings.append(f"{WARNING_PREFIX} these timings are unreliable ({' | '.join(parts)}); the speedups "
                        f"that rest on them are marked. Fix: {fix}.")
    else:
        session["reliability"] = {"unreliable": False, "variants": [], "fix": None, "causes": []}
    if (env.get("device") or {}).get("kind") == "cpu":
        for n, v in variants.items():
            rel = v.get("reliability") or {}
            share = rel.get("on_cpu_share")
            if not rel.get("unreliable") and share is not None and 1 - share >= OFF_CPU_NOTE:
                warnings.append(f"{NOTE_PREFIX} {n}'s step is off the CPU {1 - share:.0%} of its time without "
                                "waiting for a CPU: it sleeps or waits (I/O, locks, another device)")
    session["warnings"] = warnings
