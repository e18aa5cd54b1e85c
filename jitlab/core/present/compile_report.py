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


def compilations(graphs: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Dynamo's compilations, one per compile id: its frame, and the seconds its forward and its
    backward took.

    torch keeps several records per compile id: the frame's, a backward
    graph's compiled lazily at the first backward, and runtime records with
    no frame (CUDA-graph and Inductor work done at the first calls). Listed
    one by one they read as compilations of their own; each is added to its
    compile id's forward or backward instead.
    """
    out: dict[str, dict[str, Any]] = {}
    for m in (graphs or {}).get("compile_metrics") or []:
        cid = str(m.get("compile_id") or "?")
        row = out.setdefault(cid, {"compile_id": cid, "function": None, "file": None, "line": None, "ops": None,
                                   "fwd_s": None, "bwd_s": None, "records": 0})
        row["records"] += 1
        if m.get("file") and not row["file"]:
            row.update(function=m.get("function"), file=m.get("file"), line=m.get("line"))
        if m.get("graph_op_count") and not row["ops"]:
            row["ops"] = m.get("graph_op_count")
        secs = m.get("seconds")
        if isinstance(secs, (int, float)):
            key = "bwd_s" if m.get("phase") == "bwd" else "fwd_s"
            row[key] = (row[key] or 0.0) + float(secs)
    for row in out.values():
        parts_s = [s for s in (row["fwd_s"], row["bwd_s"]) if s is not None]
        row["total_s"] = sum(parts_s) if parts_s else None
    return list(out.values())


def compilation_line(row: dict[str, Any]) -> str:
    """``0/0 forward (conv2d.py:49), 392 ops: forward 13.96 s, backward 11.29 s (6 records)``."""
    where = f" ({row['file']}:{row.get('line')})" if row.get("file") else ""
    head = f"{row['compile_id']} {row.get('function') or '(frame not recorded)'}{where}"
    if row.get("ops"):
        head += f", {row['ops']} ops"
    times = [f"{label} {row[key]:.2f} s" for key, label in (("fwd_s", "forward"), ("bwd_s", "backward"))
             if row.get(key) is not None]
    return head + (": " + ", ".join(times) if times else "") + f" ({row['records']} record(s))"
