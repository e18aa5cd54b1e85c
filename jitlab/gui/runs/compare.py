"""Two runs side by side in the window: the "vs previous" table and the helper
that overlays an earlier run's iterations (dashed) on a timing plot.

The figures are :mod:`jitlab.core.present.compare`'s. :class:`VsPreviousModel`
shows its :class:`~jitlab.core.present.compare.Comparison` as a table, one row
per variant; :func:`add_previous_series` draws a run's per-iteration times on
any pyqtgraph ``PlotItem``.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from jitlab.core.present.compare import PHASES, SAME_BAND, Comparison, iteration_arrays, median, ratio_text
from jitlab.gui.common.colors import variant_color, variant_qcolor
from jitlab.gui.common.formatting import DASH, fmt_ms
from jitlab.gui.common.table_model import ColumnTableModel

FASTER, SLOWER = QColor("#1a7f37"), QColor("#cf222e")
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
