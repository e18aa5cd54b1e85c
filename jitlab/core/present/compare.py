"""Two runs side by side: per variant and phase, the ratio of medians ``current / previous``.

:class:`Comparison` orders the two sessions (the earlier one is the *previous* run); 0.80 means
the variant now takes 20% less time. The app's Runs panel shows it as its "vs previous" table and
overlays the two runs' iterations (:func:`iteration_arrays`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np

from jitlab.core import stats
from jitlab.core.present.numbers import TYPESET, Style
from jitlab.core.variants import ordered

PHASES = ("fwd", "bwd", "total")
#: Ratios within this band of 1 are shown as unchanged.
SAME_BAND = 0.03


def median(session: dict[str, Any], variant: str, phase: str = "total") -> float | None:
    """Median time (ms) of one phase of a variant, or ``None``."""
    rec = ((session.get("variants") or {}).get(variant) or {})
    st = (rec.get("stats") or {}).get(phase)
    return float(st["median"]) if st and st.get("median") is not None else None


def ratio(current: dict[str, Any], previous: dict[str, Any], variant: str, phase: str = "total") -> float | None:
    """``median now / median in the previous run`` (``None`` if either is missing or zero)."""
    now, before = median(current, variant, phase), median(previous, variant, phase)
    if now is None or not before:
        return None
    return now / before


def ratio_text(r: float | None, style: Style = TYPESET) -> str:
    """``0.80× (−20%)``; ``1.00× (same)`` within :data:`SAME_BAND`."""
    if r is None:
        return style.dash
    if abs(r - 1.0) <= SAME_BAND:
        return f"{r:.2f}{style.times} (same)"
    return f"{r:.2f}{style.times} ({(r - 1.0) * 100:+.0f}%)".replace("-", style.minus)


def _created(session: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(session.get("created") or "")
    except ValueError:
        return None


class Comparison:
    """A current run against a previous one.

    Parameters
    ----------
    a, b : dict
        Two sessions, in any order: the one created first becomes :attr:`previous`.
    """

    def __init__(self, a: dict[str, Any], b: dict[str, Any]) -> None:
        ta, tb = _created(a), _created(b)
        swap = ta is not None and tb is not None and tb < ta
        self.previous, self.current = (b, a) if swap else (a, b)

    @property
    def variants(self) -> list[str]:
        """Variants of the current run, then those only the previous one had."""
        now = list((self.current.get("variants") or {}).keys())
        before = [v for v in (self.previous.get("variants") or {}) if v not in now]
        return ordered(now) + ordered(before)

    def ratio(self, variant: str, phase: str = "total") -> float | None:
        """:func:`ratio` of the current run to the previous one."""
        return ratio(self.current, self.previous, variant, phase)

    def column(self, phase: str = "total", style: Style = TYPESET) -> dict[str, str]:
        """The "vs previous" column: variant → text, as a statistics table would show it."""
        return {v: ratio_text(self.ratio(v, phase), style) for v in self.variants}

    def speedup_change(self, variant: str) -> tuple[float | None, float | None]:
        """``(speedup vs eager before, now)``."""
        def sp(s: dict[str, Any]) -> float | None:
            return ((s.get("variants") or {}).get(variant) or {}).get("speedup_vs_eager")
        return sp(self.previous), sp(self.current)


def iteration_arrays(session: dict[str, Any], variant: str, phase: str,
                     steady_only: bool = False, count: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(iteration index, ms)`` of one phase of a variant's iterations.

    With ``count`` the x values are 1, 2, 3, ... (the n-th iteration shown), so that two runs with
    different warm-up lengths line up.
    """
    rec = ((session.get("variants") or {}).get(variant) or {})
    xs: list[float] = []
    ys: list[float] = []
    for it in rec.get("iterations") or []:
        if steady_only and not stats.steady(it):
            continue
        fwd, bwd = it.get("fwd_ms"), it.get("bwd_ms")
        y = fwd if phase == "fwd" else bwd if phase == "bwd" else (None if fwd is None else fwd + (bwd or 0.0))
        if y is None:
            continue
        xs.append(float(len(xs) + 1) if count else float(it.get("i", len(xs))))
        ys.append(float(y))
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
