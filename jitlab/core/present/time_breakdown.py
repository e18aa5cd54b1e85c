"""Where the time goes: the figures of the app's breakdown view and of ``jitlab show``'s table.

Per variant a bar of four segments, forward and backward each split into
device-busy time (on a CPU: time inside operators) and the rest (host
overhead: the device waiting while Python and the dispatcher launch work),
its verdict and both speedups. The figures are the session's ``device``
records (see :mod:`jitlab.core.present.breakdown`);
:mod:`jitlab.core.present.live_breakdown` derives the same records while a run is going.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jitlab.core.present import breakdown as B
from jitlab.core.present.breakdown import WARNING_PREFIX
from jitlab.core.present.numbers import (HOST_DEPENDENT_MARK, TYPESET, UNRELIABLE_MARK, Style, device_speedup_cell,
                                         device_word, fmt_ms, fmt_share, host_word, speedup_cell)

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
    #: The two speedup cells, and the end-to-end one's state (see :func:`~jitlab.core.present.numbers.speedup_cell`).
    end_to_end: str = ""
    end_to_end_state: str = ""
    on_device: str = ""
    #: Whether the variant has sampled device time; the figures below are its medians per iteration.
    sampled: bool = False
    device_ms: float | None = None
    host_ms: float | None = None
    busy_share: float | None = None
    launches: float | None = None

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
    #: The most iterations a variant's device figures come from.
    iterations: int = 0

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


def variant_bar(name: str, rec: dict[str, Any], unit: str | None, style: Style = TYPESET) -> VariantBar:
    """The row of one variant (no segments when it has no device record)."""
    bar = VariantBar(name)
    wall = (rec.get("stats") or {}).get("total")
    bar.wall_ms = wall["median"] if wall else None
    d = rec.get("device")
    bar.end_to_end, bar.end_to_end_state = speedup_cell(rec, name, style)
    bar.on_device, dev_state = device_speedup_cell(rec, name, style)
    bar.unreliable = "unreliable" in (bar.end_to_end_state, dev_state)
    if name != "eager":
        bar.speedups = f"end to end {bar.end_to_end} · on {device_word(unit)} time {bar.on_device}"
    if not d:
        notes = [n for n in rec.get("notes") or [] if n.startswith("no device time")]
        bar.verdict = notes[0] if notes else "no device time sampled"
        return bar
    bar.sampled = True
    bar.device_ms = (d.get("total") or {}).get("median")
    bar.host_ms = (d.get("host_ms") or {}).get("total")
    bar.busy_share = d.get("busy_share")
    bar.launches = (d.get("launches") or {}).get("total")
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
          running: bool = False, style: Style = TYPESET) -> Breakdown:
    """The breakdown of ``records`` (``{variant: record}``, in display order), its cells in ``style``."""
    unit = session_unit(records, settings, env)
    shown = {n: r for n, r in records.items() if r.get("device") or r.get("iterations")}
    rows = [variant_bar(n, r, unit, style) for n, r in shown.items()]
    sampled = [r["device"]["iterations"] for r in records.values() if r.get("device")]
    if not sampled:
        notes = sorted({n for r in records.values() for n in r.get("notes") or [] if n.startswith("no device time")})
        notes = [n.removeprefix("no device time: ") for n in notes]
        return Breakdown(unit, [], "", empty_sentence(settings, running, notes))
    what = ("device-busy time (kernels, copies, sets) and host time" if unit == "device"
            else "time inside operators and overhead")
    title = f"Where the time goes: {what} per iteration, medians of up to {max(sampled)} sampled iterations"
    return Breakdown(unit, rows, title, iterations=max(sampled))


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
