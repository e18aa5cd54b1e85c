"""Numbers as jitlab prints them, shared by the command line and the app."""

from __future__ import annotations

DASH = "–"


def fmt_ratio(x: float) -> str:
    """A speedup factor: two decimals, or two significant digits below 0.1 (``0.00081``)."""
    return f"{x:.2f}" if abs(x) >= 0.1 or x == 0 else f"{x:.2g}"


def fmt_ms(x: float | None, dash: str = DASH) -> str:
    """Milliseconds with about three significant figures (``dash`` for none)."""
    if x is None:
        return dash
    ax = abs(x)
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def placement_text(env: dict) -> str:
    """``runners on CPU core 15`` when the runners were pinned (``--pin-cpus``), else ``""``."""
    cores = env.get("cpu_affinity") or []
    if not cores:
        return ""
    return f"runners on CPU core{'s' if len(cores) > 1 else ''} {', '.join(str(c) for c in cores)}"


def fmt_speedup(sp: dict | None, ci_sep: str = "-") -> str:
    """``1.61x [1.60-1.62]`` from ``{estimate, ci}``, ``""`` for none."""
    if not sp or sp.get("estimate") is None:
        return ""
    text = f"{fmt_ratio(sp['estimate'])}x"
    if sp.get("ci"):
        lo, hi = sp["ci"]
        text += f" [{fmt_ratio(lo)}{ci_sep}{fmt_ratio(hi)}]"
    return text


def fmt_share(x: float | None, dash: str = DASH) -> str:
    """A share as a whole percentage."""
    return dash if x is None else f"{x:.0%}"


#: Marks beside a speedup, shared by the table in the terminal and the app.
UNRELIABLE_MARK = "unreliable: busy machine"
HOST_DEPENDENT_MARK = "host-dependent"


def device_word(unit: str | None) -> str:
    """What a variant's ``device`` record measures, in a column header's words."""
    return "ops" if unit == "cpu_ops" else "device"
