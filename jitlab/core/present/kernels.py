"""What ran on the device: one variant's kernel rows and the strip that compares the variants.

The app's kernel view and ``jitlab show --what kernels`` take their figures from here. The strip
puts what ran (distinct kernels, launches and device time per iteration) beside what was measured
(fwd/bwd medians, speedup vs eager), so "script launches 56% fewer kernels" sits next to "script is
2.1x faster". A :class:`~jitlab.core.present.numbers.Style` holds the two typographies.
"""

from __future__ import annotations

from typing import Any, Mapping

from jitlab.core.present.kernel_names import short_name
from jitlab.core.present.lines import origins_text
from jitlab.core.present.numbers import TYPESET, Style, fmt_ms
from jitlab.core.variants import ordered


def fmt_us(us: float | None, style: Style = TYPESET) -> str:
    """Microseconds as ``972 µs``, ``12.3 ms`` or ``3.09 s``."""
    if us is None:
        return style.dash
    if us >= 1e6:
        return f"{us / 1e6:.3g} s"
    if us >= 1e3:
        return f"{us / 1e3:.3g} ms"
    return f"{us:.3g} {style.micro}s"


def fmt_count(x: float | None, style: Style = TYPESET) -> str:
    """A per-iteration count: ``22``, ``9.66``."""
    if x is None:
        return style.dash
    return f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.3g}"


def fmt_factor(x: float) -> str:
    """How many times faster: ``2.13``, ``10.7``, ``1,253``, ``0.00080``."""
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if x >= 0.1 else f"{x:.2g}"


def kernel_rows(record: Mapping[str, Any], file: str | None = None) -> list[dict[str, Any]]:
    """One dict per kernel row of a variant record.

    Parameters
    ----------
    record : mapping
        A variant record of the session.
    file : str, optional
        The module's file where the record does not name it (as
        :func:`jitlab.core.present.lines.record_table` takes it).

    Returns
    -------
    list of dict
        The row's fields plus ``short`` (readable name), ``share`` (of the variant's device time)
        and ``lines`` (the module lines it came from, in words).
    """
    k = record.get("kernels") or {}
    total = (k.get("totals") or {}).get("device_time_us") or 0.0
    file = (k.get("lines") or {}).get("file") or file
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


def kernel_unit(record: Mapping[str, Any]) -> str:
    """``CUDA kernel`` or ``top-level CPU op`` (what a row is)."""
    return (record.get("kernels") or {}).get("unit") or "kernel"


def summary_rows(session: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per variant: ``variant``, ``has_kernels``, ``distinct``, ``launches``, ``device_time_us``,
    ``fused_launches``, ``fwd_ms``, ``bwd_ms``, ``speedup``, ``unit``."""
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


def summary_unit(rows: list[dict[str, Any]]) -> str:
    """What a row of the strip's kernel lists is (the first variant's that has one)."""
    return next((r["unit"] for r in rows if r["unit"]), "kernel")


def summary_heads(unit: str) -> tuple[str, ...]:
    """The strip's column heads after the variant's."""
    cuda = "CUDA" in unit
    return ("distinct kernels" if cuda else "distinct ops", "launches", "device time" if cuda else "CPU time",
            "fused launches", "fwd median", "bwd median", "speedup vs eager")


def summary_cells(row: Mapping[str, Any], style: Style = TYPESET) -> list[str]:
    """One row of the strip under :func:`summary_heads`."""
    def ms(x: float | None) -> str:
        return style.dash if x is None else f"{fmt_ms(x)} ms"
    kernels = ([fmt_count(row["distinct"], style), fmt_count(row["launches"], style),
                fmt_us(row["device_time_us"], style), fmt_count(row["fused_launches"], style)]
               if row["has_kernels"] else [style.dash] * 4)
    sp = row["speedup"]
    return kernels + [ms(row["fwd_ms"]), ms(row["bwd_ms"]), f"{fmt_factor(sp)}{style.times}" if sp else style.dash]


def launch_sentences(session: Mapping[str, Any], style: Style = TYPESET) -> list[str]:
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
            text = f"{name} {verb} as many {what} as eager"
        else:
            text = f"{name} {verb} {abs(change):.0%} {'fewer' if change < 0 else 'more'} {what} than eager"
        text += f" ({fmt_count(r['launches'], style)} vs {fmt_count(base['launches'], style)} per iteration)"
        sp = r["speedup"]
        if sp:
            faster = sp >= 1
            text += f"; it is {fmt_factor(sp if faster else 1 / sp)}{style.times} {'faster' if faster else 'slower'}"
        out.append(text)
    return out


def table_checks(session: Mapping[str, Any]) -> list[str]:
    """What each kernel table is, measured against the timed step."""
    out = []
    for name in ordered(session.get("variants") or {}):
        check = ((session["variants"][name].get("kernels") or {}).get("check")) or {}
        if check.get("text"):
            out.append(f"{'warning: ' if check.get('exceeds') else ''}{name}: {check['text']}")
    return out


def headlines(session: Mapping[str, Any], style: Style = TYPESET) -> list[str]:
    """The strip's sentences: :func:`launch_sentences`, then :func:`table_checks`."""
    return launch_sentences(session, style) + table_checks(session)
