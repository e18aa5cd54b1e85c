"""Sentences about a compile variant's first call, recompiles and CUDA graphs,
shared by ``jitlab show --what compile`` and the app's Compile tab."""

from __future__ import annotations

from typing import Any


def parts(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The breakdown's parts with their share of the first call (``share`` in 0..1)."""
    ct = (record or {}).get("compile_time") or {}
    first = ct.get("first_call_ms") or 0.0
    out = []
    for p in ct.get("parts") or []:
        out.append({**p, "share": (p["ms"] / first) if first else 0.0})
    return out


def cache_text(record: dict[str, Any] | None) -> str:
    """``cold cache · FX graph cache 0 hit / 2 miss · AOTAutograd cache 0 hit / 1 miss``."""
    ct = (record or {}).get("compile_time") or {}
    if not ct:
        return ""
    bits = [f"{ct.get('cache') or '?'} cache"]
    names = {"fx_graph": "FX graph cache", "aot_autograd": "AOTAutograd cache"}
    for key, label in names.items():
        c = (ct.get("caches") or {}).get(key)
        if c:
            bypass = f" / {c['bypass']} bypass" if c.get("bypass") else ""
            bits.append(f"{label} {c.get('hit', 0)} hit / {c.get('miss', 0)} miss{bypass}")
    return " · ".join(bits)


def breakdown_lines(record: dict[str, Any] | None) -> list[str]:
    """The breakdown as aligned text lines (empty when the session has none)."""
    ct = (record or {}).get("compile_time")
    if not ct:
        return []
    first = ct.get("first_call_ms") or 0.0
    lines = [f"first call {first / 1000:.2f} s, where it went ({cache_text(record)}):"]
    for p in parts(record):
        bar = "#" * max(0, round(p["share"] * 40))
        lines.append(f"  {p['label']:<42} {p['ms'] / 1000:8.3f} s {p['share']:6.1%}  {bar}")
    lines.extend(f"  note: {n}" for n in ct.get("notes") or [])
    return lines


def recompile_lines(record: dict[str, Any] | None) -> list[str]:
    """One line per recompile seen while the variant ran, with its iteration."""
    out = []
    for r in (record or {}).get("recompiles") or []:
        where = "warm-up iteration" if r.get("warmup") else "iteration"
        excluded = r.get("excluded") or []
        kept = "" if r.get("warmup") or not excluded else \
            f"; iteration(s) {', '.join(map(str, excluded))} kept out of the statistics"
        out.append(f"  {where} {r['i']}: {r.get('reason') or 'reason not recorded'}"
                   f" [compile {r.get('compile_id') or '?'}, guard: {r.get('guard') or '?'}]{kept}")
    return out


def cudagraph_lines(record: dict[str, Any] | None) -> list[str]:
    """Whether each graph ran as a CUDA graph, and why not."""
    cg = (record or {}).get("cudagraphs")
    if not cg:
        return []
    used = sum(1 for g in cg.get("graphs") or [] if g.get("used"))
    total = len(cg.get("graphs") or [])
    lines = [f"CUDA graphs ({cg.get('mode')}, {cg.get('device')}): {used} of {total} graph(s) ran as CUDA graphs"
             + (f", {cg['recorded']} recorded" if cg.get("recorded") else "")]
    for g in cg.get("graphs") or []:
        state = "CUDA graph" if g.get("used") else f"skipped: {g.get('reason') or 'no reason given'}"
        lines.append(f"  {g.get('compile_id')} ({g.get('phase')}): {state}")
    lines.extend(f"  note: {n}" for n in cg.get("notes") or [])
    return lines
