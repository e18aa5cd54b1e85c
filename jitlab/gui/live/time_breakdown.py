"""Where the time goes, as numbers for the breakdown view (no Qt).

Per variant a bar of four segments, forward and backward each split into
device-busy time (on a CPU: time inside operators) and the rest (host
overhead: the device waiting while Python and the dispatcher launch work),
its verdict and both speedups. The figures are the session's ``device``
records (see :mod:`jitlab.core.present.breakdown`); :func:`live_device` derives the
same records from the buffers while a run is going.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from jitlab.core.present import breakdown as B
from jitlab.core.present.breakdown import WARNING_PREFIX
from jitlab.gui.common.formatting import (HOST_DEPENDENT_MARK, UNRELIABLE_MARK, device_speedup_cell, device_word,
                                   fmt_ms, fmt_share, host_word, speedup_cell)

#: The segments of a bar, in drawing order: ``(phase, part)``.
SEGMENTS = (("fwd", "device"), ("fwd", "host"), ("bwd", "device"), ("bwd", "host"))
PHASE_WORDS = {"fwd": "forward", "bwd": "backward"}


@dataclass
class Segment:
    """One part of a bar: ``phase`` (fwd, bwd), ``part`` (device, host) and its median ms."""

    phase: str
    part: str
    ms: float


@dataclass
class VariantBar:
    """One variant's row of the breakdown."""

    variant: str
    segments: list[Segment] = field(default_factory=list)
    #: Median wall time of the step (forward + backward).
    wall_ms: float | None = None
    #: ``launch-bound: the GPU is busy 25% of the step``, or why there is no bar.
    verdict: str = ""
    #: ``end to end 1.58×  [1.49–1.62]  host-dependent · on device time 1.61×  [1.60–1.62]``.
    speedups: str = ""
    #: A busy machine spoiled this variant's speedup.
    unreliable: bool = False
    #: Said after the verdict where the bar cannot add up to the wall time.
    note: str = ""

    @property
    def length_ms(self) -> float:
        return sum(s.ms for s in self.segments)


@dataclass
class Breakdown:
    """Everything the breakdown view draws."""

    unit: str | None
    rows: list[VariantBar]
    #: The line above the bars (what is measured, from how many iterations).
    title: str
    #: A sentence in place of the bars when no variant has device time (else ``""``).
    empty: str = ""

    @property
    def scale_ms(self) -> float:
        """The longest bar: every bar is drawn on this one scale, so lengths compare across variants."""
        return max((r.length_ms for r in self.rows), default=0.0)

    def legend(self) -> list[tuple[str, str, str]]:
        """``(phase, part, label)`` of each segment kind that some bar has."""
        have = {(s.phase, s.part) for r in self.rows for s in r.segments}
        return [(p, k, segment_label(p, k, self.unit)) for p, k in SEGMENTS if (p, k) in have]


def segment_label(phase: str, part: str, unit: str | None) -> str:
    """``forward on device``, ``backward host`` (on a CPU: ``forward in ops``, ``backward overhead``)."""
    if part == "device":
        return f"{PHASE_WORDS[phase]} {'in ops' if unit == 'cpu_ops' else 'on device'}"
    return f"{PHASE_WORDS[phase]} {host_word(unit)}"


def session_unit(records: dict[str, dict], settings: dict[str, Any], env: dict[str, Any] | None = None) -> str:
    """The unit of the session's device records, or the one its device would have."""
    for rec in records.values():
        if rec.get("device"):
            return rec["device"]["unit"]
    kind = ((env or {}).get("device") or {}).get("kind") or settings.get("device")
    return "cpu_ops" if kind == "cpu" else "device"


def empty_sentence(settings: dict[str, Any], running: bool, notes: list[str]) -> str:
    """Why there are no bars."""
    if settings.get("device_time") is False:
        return ("No device time: this run was made with --no-device-time, so no iterations were sampled "
                "under the profiler. Run without it to see where the time goes.")
    if running:
        return "Device time appears here after each variant's first sampled block."
    if notes:
        return "No device time: " + "; ".join(notes) + "."
    return ("No device time in this session: it was recorded without sampled iterations (by an older jitlab, "
            "or with --no-device-time). Run it again to see where the time goes.")


def variant_bar(name: str, rec: dict[str, Any], unit: str | None) -> VariantBar:
    """The row of one variant (no segments when it has no device record)."""
    bar = VariantBar(name)
    wall = (rec.get("stats") or {}).get("total")
    bar.wall_ms = wall["median"] if wall else None
    d = rec.get("device")
    e2e, e2e_state = speedup_cell(rec, name)
    dev, dev_state = device_speedup_cell(rec, name)
    bar.unreliable = "unreliable" in (e2e_state, dev_state)
    if name != "eager":
        bar.speedups = f"end to end {e2e} · on {device_word(unit)} time {dev}"
    if not d:
        notes = [n for n in rec.get("notes") or [] if n.startswith("no device time")]
        bar.verdict = notes[0] if notes else "no device time sampled"
        return bar
    wall_phases = rec.get("stats") or {}
    for phase, part in SEGMENTS:
        ms = (d.get(phase) or {}).get("median") if part == "device" else (d.get("host_ms") or {}).get(phase)
        if ms is not None:  # no backward in infer mode
            bar.segments.append(Segment(phase, part, float(ms)))
    bar.verdict = (d.get("verdict") or {}).get("text") or ""
    over = []
    for phase in ("fwd", "bwd"):
        busy, step = (d.get(phase) or {}).get("median"), (wall_phases.get(phase) or {}).get("median")
        if busy is not None and step is not None and busy > 1.02 * step:
            over.append(PHASE_WORDS[phase])
    if over:
        # host time is clamped at 0 there, so the bar is longer than the timed step
        bar.note = (f"{device_word(unit)} time above the timed {' and '.join(over)} time "
                    f"(step {fmt_ms(bar.wall_ms)} ms wall): the sampled iterations ran slower than the timed ones")
    return bar


def build(records: dict[str, dict], settings: dict[str, Any], env: dict[str, Any] | None = None,
          running: bool = False) -> Breakdown:
    """The breakdown of ``records`` (``{variant: record}``, in display order)."""
    unit = session_unit(records, settings, env)
    shown = {n: r for n, r in records.items() if r.get("device") or r.get("iterations")}
    rows = [variant_bar(n, r, unit) for n, r in shown.items()]
    sampled = [r["device"]["iterations"] for r in records.values() if r.get("device")]
    if not sampled:
        notes = sorted({n for r in records.values() for n in r.get("notes") or [] if n.startswith("no device time")})
        notes = [n.removeprefix("no device time: ") for n in notes]
        return Breakdown(unit, [], "", empty_sentence(settings, running, notes))
    what = ("device-busy time (kernels, copies, sets) and host time" if unit == "device"
            else "time inside operators and overhead")
    title = f"Where the time goes: {what} per iteration, medians of up to {max(sampled)} sampled iterations"
    return Breakdown(unit, rows, title)


def explanation(b: Breakdown) -> str:
    """The view's tooltip: what the segments and marks mean."""
    if not b.rows:
        return b.empty
    word = device_word(b.unit)
    if b.unit == "device":
        text = ("Dark: the GPU is busy (kernels, copies, sets). Light: host time, the GPU idle while Python and "
                "the dispatcher launch work (wall minus device-busy time).")
    else:
        text = ("Dark: time inside operators. Light: overhead, the rest of the step (Python, dispatch, autograd).")
    text += (f"\nOne scale for every bar. Device figures come from iterations sampled under the profiler, "
             f"apart from the timed ones.\n{HOST_DEPENDENT_MARK}: the step is launch-bound, so its end-to-end "
             f"speedup moves with the host's state; the speedup on {word} time is the one that repeats.")
    if any(r.unreliable for r in b.rows):
        text += f"\n{UNRELIABLE_MARK}: other work on the machine spoiled the timings; see the banner."
    return text


def busy_machine_text(session: dict[str, Any] | None, records: dict[str, dict] | None = None) -> str:
    """The busy-machine warning of a session, for the banner (``""`` when none).

    ``records`` (``{variant: record}`` with live ``reliability``) stand in for
    the session's own figures while it is still running.
    """
    if not session:
        return ""
    rel = session.get("reliability") or {}
    if records is not None:
        bad = {n: r["reliability"] for n, r in records.items() if (r.get("reliability") or {}).get("unreliable")}
        rel = {"unreliable": bool(bad), "causes": [f"{n}: {'; '.join(r['causes'])}" for n, r in bad.items()],
               "fix": B.fix_advice(session.get("env") or {})}
        if not bad:
            return ""
    if rel.get("unreliable"):
        causes = " | ".join(rel.get("causes") or []) or "the machine was busy"
        fix = rel.get("fix") or "run on a quieter machine"
        return (f"Busy machine: these timings are unreliable ({causes}). The speedups that rest on them are "
                f"marked unreliable. Fix: {fix}.")
    for w in session.get("warnings") or []:
        if w.startswith(WARNING_PREFIX):
            return "Busy machine:" + w[len(WARNING_PREFIX):]
    return ""


def unreliable_causes(records: dict[str, dict], name: str) -> list[str]:
    """What spoiled ``name``'s speedup: its own and eager's busy-machine causes."""
    out = []
    for n in dict.fromkeys((name, "eager")):
        rel = (records.get(n) or {}).get("reliability") or {}
        out += [f"{n}: {c}" for c in rel.get("causes") or []]
    return out


def device_tooltip(rec: dict[str, Any]) -> str | None:
    """Details of a variant's device record for a table cell."""
    d = rec.get("device")
    if not d:
        return None
    word, host = device_word(d["unit"]), host_word(d["unit"])
    parts = []
    for phase in ("fwd", "bwd"):
        st = d.get(phase)
        if st:
            parts.append(f"{PHASE_WORDS[phase]} {fmt_ms(st['median'])} ms on {word}, "
                         f"{fmt_ms((d.get('host_ms') or {}).get(phase))} ms {host}")
    launches = (d.get("launches") or {}).get("total")
    count = "launches" if d["unit"] == "device" else "operators"
    text = "; ".join(parts)
    text += f"\n{word} busy {fmt_share(d.get('busy_share'))} of the step"
    if launches is not None:
        text += f", {launches:.0f} {count} per iteration"
    text += f"\nmedian of {d['iterations']} sampled iterations, apart from the timed ones"
    if d.get("verdict"):
        text += f"\n{d['verdict']['text']}"
    return text


# ---- live figures


def live_device(stats_of: Callable[[str], dict], samples: dict[str, list[dict]], units: dict[str, str | None],
                interleaved: bool) -> dict[str, dict[str, Any]]:
    """``{variant: {"device", "speedup_device", "speedup_host_dependent"}}`` from the rows sampled so far.

    The same derivation as the final session's (:mod:`jitlab.core.present.breakdown`)
    over the current wall-time summaries ``stats_of(variant)``; a few hundred
    rows at most, so cheap enough for the live timer.
    """
    recs = {n: {"device_samples": rows, "device_unit": units.get(n), "stats": stats_of(n)}
            for n, rows in samples.items() if rows}
    out: dict[str, dict[str, Any]] = {}
    for n, v in recs.items():
        v["device"] = B.device_summary(v)
        out[n] = {"device": v["device"]}
    base = recs.get("eager")
    for n, v in recs.items():
        if n == "eager" or base is None or not base["device"] or not v["device"]:
            continue
        out[n]["speedup_device"] = B.device_speedup(base, v, interleaved)
        shares = [x["device"]["busy_share"] for x in (base, v) if x["device"]["busy_share"] is not None]
        out[n]["speedup_host_dependent"] = (min(shares) < B.DEVICE_BOUND_SHARE) if shares else None
    return out


#: Live reliability looks at this many of a variant's latest steady iterations at most.
LIVE_RELIABILITY_ITERS = 500


def live_reliability(series: dict[str, Any], samples: list[dict], env: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{variant: {"reliability", "speedup_unreliable"}}`` of a running session, as the final session derives them.

    ``series`` are the model's :class:`~jitlab.core.session.iterations.IterationStore` (their
    CPU time per iteration), ``samples`` the block readings so far (run-queue
    wait, other processes' load).
    """
    blocks: dict[str, list[dict]] = {}
    for b in samples:
        blocks.setdefault(b.get("variant"), []).append(b)
    rels = {}
    for name, s in series.items():
        latest = s.measured_positions[-LIVE_RELIABILITY_ITERS:]
        total, cpu = s.total[latest], s.cpu[latest]
        pairs = [(t, c) for t, c in zip(total.tolist(), cpu.tolist()) if c == c]
        rel = B.reliability_of(pairs, blocks.get(name, []), env)
        if rel is not None:
            rels[name] = rel
    eager_bad = bool((rels.get("eager") or {}).get("unreliable"))
    return {n: {"reliability": r, "speedup_unreliable": n != "eager" and (r["unreliable"] or eager_bad)}
            for n, r in rels.items()}
