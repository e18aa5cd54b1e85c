"""Plain-text tables of a session for the terminal."""

from __future__ import annotations

from typing import Any

from jitlab.core.explain import check_text, explain, iterations_text, warmup_notes
from jitlab.core.formatting import fmt_ms, fmt_ratio, placement_text


def ms(stat: dict | None) -> str:
    """``median (IQR)`` of one phase, or a dash (as the app writes it)."""
    if not stat:
        return "-"
    return f"{fmt_ms(stat['median'])} ({fmt_ms(stat['iqr'])})"


def speedup(v: dict, name: str) -> str:
    if name == "eager":
        return "1.00x (ref)" if v["status"] in ("ok", "stopped") else "-"
    sp = v.get("speedup_vs_eager")
    if sp is None:
        return "-"
    ci = v.get("speedup_ci")
    if ci:
        return f"{fmt_ratio(sp)}x [{fmt_ratio(ci[0])}-{fmt_ratio(ci[1])}]"
    return f"{fmt_ratio(sp)}x"


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
        session_table(session),
    ]
    extra = []
    for name, v in session["variants"].items():
        if v.get("error"):
            extra.append(f"{name} {v['status']}: {explain(v['error'].get('message') or '')}")
        for w in v.get("warnings", []):
            extra.append(f"{name} warning: {w}")
        for n in v.get("notes", []):
            extra.append(f"{name} note: {explain(n)}")
    for w in session.get("warnings", []):
        extra.append(f"warning: {w}")
    for n in sched.get("notes", []):
        extra.append(f"note: {n}")
    extra += [f"note: {n}" for n in warmup_notes(session)]
    if extra:
        out += [""] + extra
    return "\n".join(out)
