"""Plain-text tables of a session for the terminal."""

from __future__ import annotations

from typing import Any

from jitlab.core.present.breakdown import WARNING_PREFIX as BUSY_PREFIX
from jitlab.core.present.numbers import (
    HOST_DEPENDENT_MARK, PLAIN, device_speedup_cell, device_word, fmt_ms, fmt_share, phase_text, placement_text,
    speedup_cell,
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
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def breakdown_table(session: dict[str, Any]) -> list[str]:
    """Where the time goes: device-busy against host time, two speedups, a verdict per variant.

    Empty when no variant has sampled device time.
    """
    variants = session["variants"]
    recs = {n: v.get("device") for n, v in variants.items() if v.get("device")}
    if not recs:
        return []
    unit = next(iter(recs.values()))["unit"]
    word = device_word(unit)
    host = "host" if unit == "device" else "overhead"
    rows = [["variant", "wall ms", f"{word} ms", f"{host} ms", f"{word} busy", "launches" if unit == "device" else "ops",
             "speedup end to end", f"speedup on {word} time", "verdict"]]
    marks = False
    for name, v in variants.items():
        d = v.get("device")
        if not d:
            continue
        wall = (v.get("stats") or {}).get("total")
        e2e, state = speedup_cell(v, name, PLAIN)
        if state == "host-dependent":
            e2e += " *"
            marks = True
        dev = device_speedup_cell(v, name, PLAIN)[0]
        launches = d["launches"].get("total")
        rows.append([
            name, opt_ms(wall["median"] if wall else None), opt_ms((d.get("total") or {}).get("median")),
            opt_ms(d["host_ms"].get("total")), fmt_share(d.get("busy_share"), "-"),
            "-" if launches is None else f"{launches:.0f}", e2e, dev,
            (d.get("verdict") or {}).get("text", "-"),
        ])
    n = max(d["iterations"] for d in recs.values())
    what = ("device-busy time (kernels, copies, sets)" if unit == "device"
            else "time inside operators")
    head = [f"where the time goes: {what} from up to {n} profiled iterations per variant, apart from the timed "
            f"ones; {host} = wall - {word}"]
    foot = []
    if marks:
        foot.append(f"* {HOST_DEPENDENT_MARK}: a launch-bound step's wall time moves with the CPU's state; "
                    f"the speedup on {word} time is the one that repeats")
    return head + _table(rows) + foot


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
