"""Figures of the kernel view: rows of one variant's kernel list and the
strip that compares variants (no Qt).

The strip puts what ran (distinct kernels, launches and device time per
iteration) beside what was measured (fwd/bwd medians, speedup vs eager), so
"script launches 56% fewer kernels" sits next to "script is 2.1x faster".
"""

from __future__ import annotations

from typing import Any

from jitlab.core.present.lines import origins_text
from jitlab.gui.common.colors import ordered
from jitlab.core.present.kernel_names import short_name


def fmt_us(us: float | None) -> str:
    """Microseconds as ``972 µs``, ``12.3 ms`` or ``3.09 s``."""
    if us is None:
        return "–"
    if us >= 1e6:
        return f"{us / 1e6:.3g} s"
    if us >= 1e3:
        return f"{us / 1e3:.3g} ms"
    return f"{us:.3g} µs"


def fmt_count(x: float | None) -> str:
    """A per-iteration count: ``22``, ``9.66``."""
    if x is None:
        return "–"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.3g}"


def fmt_ratio(x: float) -> str:
    """A speed ratio: ``2.13``, ``10.7``, ``1,253``, ``0.00080``."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def kernel_rows(session: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    """One dict per kernel row of ``variant``: the record's fields plus ``short``
    (readable name), ``share`` (of the variant's device time) and ``source_kind``."""
    rec = (session.get("variants") or {}).get(variant) or {}
    k = rec.get("kernels") or {}
    total = (k.get("totals") or {}).get("device_time_us") or 0.0
    file = (k.get("lines") or {}).get("file") or (session.get("settings") or {}).get("file")
    rows = []
    for item in k.get("items") or []:
        t = item.get("device_time_us")
        rows.append({
            "name": item.get("name") or "",
            "short": short_name(item.get("name") or ""),
            "phase": item.get("phase") or "",
            "count": item.get("count"),
            "device_time_us": t,
            "share": (t / total) if (t is not None and total) else None,
            "fused": bool(item.get("fused")),
            "group": item.get("group") or "",
            "origins": item.get("origins") or [],
            "lines": origins_text(item, file) if item.get("origins") else "",
        })
    return rows


def kernel_unit(session: dict[str, Any], variant: str) -> str:
    """``CUDA kernel`` or ``top-level CPU op`` (what a row is)."""
    k = ((session.get("variants") or {}).get(variant) or {}).get("kernels") or {}
    return k.get("unit") or "kernel"


def summary_rows(session: dict[str, Any]) -> list[dict[str, Any]]:
    """Per variant with a kernel list: ``variant``, ``distinct``, ``launches``,
    ``device_time_us``, ``fused_launches``, ``fwd_ms``, ``bwd_ms``, ``speedup``, ``unit``."""
    out = []
    variants = session.get("variants") or {}
    for name in ordered(variants):
        rec = variants[name]
        k = rec.get("kernels") or {}
        t = k.get("totals") or {}
        st = rec.get("stats") or {}
        speed = 1.0 if name == "eager" and st.get("total") else rec.get("speedup_vs_eager")
        out.append({
            "variant": name, "has_kernels": bool(k), "unit": k.get("unit") or "",
            "distinct": t.get("distinct"), "launches": t.get("launches"),
            "device_time_us": t.get("device_time_us"), "fused_launches": t.get("fused_launches"),
            "fwd_ms": (st.get("fwd") or {}).get("median"), "bwd_ms": (st.get("bwd") or {}).get("median"),
            "speedup": speed,
        })
    return out


def headlines(session: dict[str, Any]) -> list[str]:
    """Sentences comparing each variant's launches with eager's, beside its speedup."""
    rows = {r["variant"]: r for r in summary_rows(session)}
    base = rows.get("eager")
    if not base or not base["launches"]:
        return []
    out = []
    for name, r in rows.items():
        if name == "eager" or not r["launches"]:
            continue
        change = r["launches"] / base["launches"] - 1.0
        what, verb = ("kernels", "launches") if "CUDA" in (r["unit"] or "") else ("ops", "runs")
        if abs(change) < 0.005:
            launches = f"{name} {verb} as many {what} as eager"
        else:
            launches = f"{name} {verb} {abs(change):.0%} {'fewer' if change < 0 else 'more'} {what} than eager"
        launches += f" ({fmt_count(r['launches'])} vs {fmt_count(base['launches'])} per iteration)"
        sp = r["speedup"]
        if sp:
            launches += f"; it is {fmt_ratio(sp)}× faster" if sp >= 1 else f"; it is {fmt_ratio(1 / sp)}× slower"
        out.append(launches)
    out += table_checks(session)
    return out


def table_checks(session: dict[str, Any]) -> list[str]:
    """What each kernel table is, measured against the timed step (the words of ``jitlab show``)."""
    out = []
    for name in ordered(session.get("variants") or {}):
        k = (session["variants"][name].get("kernels") or {})
        check = k.get("check") or {}
        if check.get("text"):
            out.append(f"{'warning: ' if check.get('exceeds') else ''}{name}: {check['text']}")
    return out
