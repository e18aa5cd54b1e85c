"""Numbers as jitlab prints them, shared by the command line and the app."""

from __future__ import annotations

DASH = "–"


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
