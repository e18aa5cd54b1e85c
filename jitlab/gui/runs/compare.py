"""Two runs side by side: a "vs previous" figure per variant and the helper
that overlays an earlier run's iterations (dashed) on a timing plot.

:class:`Comparison` orders the two sessions (the earlier one is the
*previous* run) and gives, per variant and phase, the ratio of medians
``current / previous``: 0.80 means the variant now takes 20% less time.
:class:`VsPreviousModel` shows it as a table, one row per variant;
:func:`add_previous_series` draws a run's per-iteration times on any
pyqtgraph ``PlotItem``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from jitlab.core import stats
from jitlab.gui.common.colors import ordered, variant_color, variant_qcolor
from jitlab.gui.common.formatting import DASH, fmt_ms
from jitlab.gui.common.table_model import ColumnTableModel

PHASES = ("fwd", "bwd", "total")
#: Ratios within this band of 1 are shown as unchanged.
SAME_BAND = 0.03
FASTER, SLOWER = QColor("#1a7f37"), QColor("#cf222e")


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


def ratio_text(r: float | None) -> str:
    """``0.80× (−20%)``; ``1.00× (same)`` within :data:`SAME_BAND`."""
    if r is None:
        return DASH
    if abs(r - 1.0) <= SAME_BAND:
        return f"{r:.2f}× (same)"
    return f"{r:.2f}× ({(r - 1.0) * 100:+.0f}%)".replace("-", "−")


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
        return ratio(self.current, self.previous, variant, phase)

    def column(self, phase: str = "total") -> dict[str, str]:
        """The "vs previous" column: variant → text, as a statistics table would show it."""
        return {v: ratio_text(self.ratio(v, phase)) for v in self.variants}

    def speedup_change(self, variant: str) -> tuple[float | None, float | None]:
        """``(speedup vs eager before, now)``."""
        def sp(s: dict[str, Any]) -> float | None:
            return ((s.get("variants") or {}).get(variant) or {}).get("speedup_vs_eager")
        return sp(self.previous), sp(self.current)


COLUMNS = (("variant", "Variant"), ("prev", "previous total ms"), ("now", "current total ms"),
           ("total", "vs previous"), ("fwd", "fwd vs previous"), ("bwd", "bwd vs previous"))
COLUMN_KEYS = [k for k, _ in COLUMNS]


class VsPreviousModel(ColumnTableModel):
    """One row per variant: medians of both runs and the "vs previous" ratios."""

    columns = COLUMNS

    def __init__(self, comparison: Comparison | None = None, parent=None) -> None:
        super().__init__(parent)
        self.comparison = comparison

    def set_comparison(self, comparison: Comparison | None) -> None:
        self.refill(lambda: setattr(self, "comparison", comparison))

    def row_count(self) -> int:
        return 0 if self.comparison is None else len(self.comparison.variants)

    def header_tip(self, key: str) -> str | None:
        return "median now / median in the previous run: below 1 is faster" if key in PHASES else None

    def cell(self, row: int, key: str, role: int) -> Any:
        c = self.comparison
        assert c is not None  # row_count() is 0 without one
        variant = c.variants[row]
        r = c.ratio(variant, key) if key in PHASES else None
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "variant":
                return variant
            if key in ("prev", "now"):
                m = median(c.previous if key == "prev" else c.current, variant)
                return DASH if m is None else fmt_ms(m)
            return ratio_text(r)
        if role == Qt.ItemDataRole.DecorationRole and key == "variant":
            return variant_qcolor(variant)
        if role == Qt.ItemDataRole.ForegroundRole and r is not None and abs(r - 1.0) > SAME_BAND:
            return FASTER if r < 1.0 else SLOWER
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "variant":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key in PHASES:
            now, before = median(c.current, variant, key), median(c.previous, variant, key)
            if now is not None and before is not None:
                return f"median {fmt_ms(now)} ms now, {fmt_ms(before)} ms in the previous run"
        return None


def iteration_arrays(session: dict[str, Any], variant: str, phase: str,
                     steady_only: bool = False, count: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(iteration index, ms)`` of one phase of a variant's iterations.

    With ``count`` the x values are 1, 2, 3, ... (the n-th iteration shown), so that two runs with
    different warm-up lengths line up.
    """
    rec = ((session.get("variants") or {}).get(variant) or {})
    xs, ys = [], []
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


def add_previous_series(plot: pg.PlotItem, session: dict[str, Any], variant: str, phase: str,
                        label: str = "previous", dashed: bool = True,
                        steady_only: bool = False, count: bool = False) -> pg.PlotDataItem | None:
    """Draw ``session``'s per-iteration ``phase`` times of ``variant`` on ``plot``,
    dashed and faded in the variant's colour (solid with ``dashed=False``).

    Returns the item (``None`` if the run has no such iterations); remove it with
    ``plot.removeItem(item)``. ``steady_only`` leaves out the warm-up iterations; ``count``
    numbers the iterations drawn 1, 2, 3, ... (see :func:`iteration_arrays`).
    """
    x, y = iteration_arrays(session, variant, phase, steady_only, count)
    if x.size == 0:
        return None
    color = variant_qcolor(variant, 150 if dashed else 255)
    pen = pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    item = pg.PlotDataItem(x, y, pen=pen, name=f"{variant} ({label})",
                           symbol="t" if dashed else "o", symbolSize=4, symbolPen=None,
                           symbolBrush=pg.mkBrush(variant_color(variant)) if not dashed else pg.mkBrush(color))
    plot.addItem(item)
    return item
