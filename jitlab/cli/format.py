"""Plain-text tables of a session for the terminal."""

from __future__ import annotations

from typing import Any

from jitlab.core.present import time_breakdown
from jitlab.core.present.breakdown import WARNING_PREFIX as BUSY_PREFIX
from jitlab.core.present.numbers import (
    HOST_DEPENDENT_MARK, PLAIN, device_word, fmt_ms, fmt_share, host_word, phase_text, placement_text, speedup_cell,
)
from jitlab.core.present.explain import check_text, explain, iterations_text, warmup_notes


def ms(stat: dict | None) -> str:
    """``median (IQR)`` of one phase, or a dash (as the app writes it)."""
    return phase_text(stat, PLAIN)


def speedup(v: dict, name: str) -> str:
    return speedup_cell(v, name, PLAIN)[0]


def check(v: dict, name: str = "") -> str:
    return check_text(v.get("check"), name, v["status"]) or "-"


def opt_ms(x: float | None) -> str:
    return fmt_ms(x, dash="-")


def session_table(session: dict[str, Any]) -> str:
    """The summary table: one row per variant."""
    header = ["variant", "status", "fwd ms", "bwd ms", "total ms", "speedup vs eager (95% CI)",
              "build ms", "1st call ms", "check"]
    rows = [header]
    for name, v in session["variants"].items():
        s = v["stats"]
        rows.append([
            name, v["status"], ms(s.get("fwd")), ms(s.get("bwd")), ms(s.get("total")), speedup(v, name),
            opt_ms(v.get("build_ms")), opt_ms(v.get("first_call_ms")), check(v, name),
        ])
    return "\n".join(table_lines(rows))


def table_lines(rows: list[list[str]]) -> list[str]:
    """``rows`` (the first one the heads) in left-aligned columns, a rule under the heads."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def breakdown_table(session: dict[str, Any]) -> list[str]:
    """Where the time goes: device-busy against host time, two speedups, a verdict per variant.

    The figures of the app's breakdown view (:mod:`jitlab.core.present.time_breakdown`), in a
    table; empty when no variant has sampled device time.
    """
    b = time_breakdown.build(session["variants"], session.get("settings") or {}, session.get("env"), style=PLAIN)
    bars = [bar for bar in b.rows if bar.sampled]
    if not bars:
        return []
    word, host = device_word(b.unit), host_word(b.unit)
    count = "launches" if b.unit == "device" else "ops"
    rows = [["variant", "wall ms", f"{word} ms", f"{host} ms", f"{word} busy", count,
             "speedup end to end", f"speedup on {word} time", "verdict"]]
    marks = False
    for bar in bars:
        e2e = bar.end_to_end
        if bar.end_to_end_state == "host-dependent":
            e2e += " *"
            marks = True
        rows.append([
            bar.variant, opt_ms(bar.wall_ms), opt_ms(bar.device_ms), opt_ms(bar.host_ms),
            fmt_share(bar.busy_share, PLAIN.dash), PLAIN.dash if bar.launches is None else f"{bar.launches:.0f}",
            e2e, bar.on_device, bar.verdict or PLAIN.dash,
        ])
    what = ("device-busy time (kernels, copies, sets)" if b.unit == "device"
            else "time inside operators")
    head = [f"where the time goes: {what} from up to {b.iterations} profiled iterations per variant, apart from the "
            f"timed ones; {host} = wall - {word}"]
    foot = []
    if marks:
        foot.append(f"* {HOST_DEPENDENT_MARK}: a launch-bound step's wall time moves with the CPU's state; "
                    f"the speedup on {word} time is the one that repeats")
    return head + table_lines(rows) + foot


def session_report(session: dict[str, Any]) -> str:
    """Table plus the run's context, errors, warnings and notes."""
    st = session["settings"]
    env = session.get("env", {})
    dev = env.get("device", {})
    sched = session.get("schedule", {})
    out = [
        f"{st.get('file')} :: {st.get('target') or 'default'}  |  {dev.get('id', st.get('device'))} "
        f"({dev.get('name', '?')})  |  mode {st.get('mode')}  |  torch {env.get('torch', '?')}",
        f"{iterations_text(session)} after at least {st.get('warmup')} warm-up, {sched.get('kind')} schedule"
        + (f", blocks of {sched['block']}, {len(sched.get('rounds', []))} rounds" if sched.get("block") else "")
        + (f", {placement_text(env)}" if placement_text(env) else "")
        + "; times are median (IQR) in ms",
        "",
    ]
    busy = [w for w in session.get("warnings", []) if w.startswith(BUSY_PREFIX)]
    out += [f"WARNING: {w}" for w in busy] + ([""] if busy else [])
    out += [session_table(session)]
    split = breakdown_table(session)
    if split:
        out += [""] + split
    extra = []
    for name, v in session["variants"].items():
        if v.get("error"):
            extra.append(f"{name} {v['status']}: {explain(v['error'].get('message') or '')}")
        for w in v.get("warnings", []):
            extra.append(f"{name} warning: {w}")
        for n in v.get("notes", []):
            extra.append(f"{name} note: {explain(n)}")
    for w in session.get("warnings", []):
        if not w.startswith(BUSY_PREFIX):
            extra.append(f"warning: {w}")
    for n in sched.get("notes", []):
        extra.append(f"note: {n}")
    extra += [f"note: {n}" for n in warmup_notes(session)]
    if extra:
        out += [""] + extra
    return "\n".join(out)
