"""The chart people come for: each variant's speedup over eager with its 95% CI (a forest plot).

One row per variant, a point at the speedup and a bar across its confidence
interval, on a log axis centred on 1× (eager, the dashed line). Live during a
run (the speedups so far) and final afterwards.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from jitlab.gui.common.chart_style import TEXT_COLOR, set_label, set_title, style_plot
from jitlab.gui.common.colors import variant_color
from jitlab.gui.common.formatting import fmt_speedup
from jitlab.gui.live.run_model import RunModel
from jitlab.gui.live.throttle import ThrottledRedraw

#: Redraw at most this often (ms): the speedups change once a round.
REDRAW_MS = 250


def speedup_rows(model: RunModel) -> list[dict[str, Any]]:
    """``{variant, speedup, lo, hi, text}`` for each non-eager variant with a speedup, in the model's order."""
    rows = []
    if model.session is None:
        return rows
    for name in model.variants:
        if name == "eager":
            continue
        rec = model.display_record(name)
        sp = rec.get("speedup_vs_eager")
        if sp is None or not math.isfinite(sp) or sp <= 0:
            continue
        ci = rec.get("speedup_ci") or (sp, sp)
        rows.append({"variant": name, "speedup": float(sp), "lo": float(ci[0]), "hi": float(ci[1]),
                     "text": fmt_speedup(rec, name).replace("  ", " ")})
    return rows


#: Mantissas of the ratios labelled on the speedup axis, coarse to fine; the finest set that gives at
#: most :data:`MAX_TICKS` labels in view is used (1× is always labelled).
TICK_LEVELS = ((1,), (1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.1, 1.2, 1.5, 2, 3, 5, 7, 8, 9),
               (1, 1.05, 1.1, 1.2, 1.3, 1.5, 2, 3, 5, 7, 8, 9, 9.5))
MAX_TICKS = 6


def ratio_ticks(x0: float, x1: float) -> list[tuple[float, str]]:
    """``(log10 position, label)`` of readable ratios between log10 positions ``x0`` and ``x1``."""
    best: list[float] = []
    for mantissas in TICK_LEVELS:
        inside = sorted({round(m * 10.0 ** e, 6) for e in range(-5, 5) for m in mantissas
                         if x0 <= math.log10(m * 10.0 ** e) <= x1})
        if len(inside) > MAX_TICKS:
            break
        best = inside
    if 1.0 not in best and x0 <= 0 <= x1:
        best = sorted(best + [1.0])
    return [(math.log10(r), f"{r:g}×") for r in best]


class QtSpeedupPlot(pg.GraphicsLayoutWidget):
    """Forest plot of the speedups over eager of a :class:`RunModel`."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.setBackground("w")
        self.rows: list[dict[str, Any]] = []
        self.plot = self.addPlot(row=0, col=0)
        style_plot(self.plot)
        set_title(self.plot, "speedup vs eager")
        set_label(self.plot, "bottom", "× eager (log); bars: 95% CI")
        self.plot.setLogMode(x=True, y=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.plot.getAxis("left").setWidth(64)
        self.plot.showGrid(x=True, alpha=0.2)
        self.reference = pg.InfiniteLine(pos=0.0, angle=90,
                                         pen=pg.mkPen(variant_color("eager"), width=1.5, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.reference, ignoreBounds=True)
        self.note = pg.TextItem("", color=TEXT_COLOR, anchor=(0.5, 0.5))
        self.plot.addItem(self.note, ignoreBounds=True)
        self.setMinimumWidth(200)
        self._items: dict[str, tuple] = {}
        self._shown: tuple | None = None
        self.throttle = ThrottledRedraw(self, self.redraw, REDRAW_MS)
        model.sig_reset.connect(self.throttle.now)
        model.sig_stats_changed.connect(self.throttle.mark)
        model.sig_finished.connect(self.throttle.now)

    def redraw(self) -> None:
        """Draw the rows now (nothing to do when they have not changed since the last time)."""
        rows = speedup_rows(self.model)
        shown = (self.model.session is not None, rows)
        if shown == self._shown:
            return
        self._shown = shown
        self.rows = rows
        axis = self.plot.getAxis("left")
        n = len(rows)
        axis.setTicks([[(n - 1 - k, r["variant"]) for k, r in enumerate(rows)]])
        self._keep_rows({r["variant"] for r in rows})
        if not rows:
            self.note.setText("no speedup yet" if self.model.session is not None else "")
            self.note.setPos(0.0, 0.0)
            self.plot.setXRange(-0.3, 0.3, padding=0)
            self.plot.setYRange(-1, 1, padding=0)
            return
        self.note.setText("")
        values = [v for r in rows for v in (r["lo"], r["hi"], r["speedup"])]
        lo, hi = math.log10(min(min(values), 1.0)), math.log10(max(max(values), 1.0))
        span = max(hi - lo, 0.1)
        x0, x1 = lo - 0.25 * span - 0.02, hi + 0.25 * span + 0.02
        for k, r in enumerate(rows):
            y = n - 1 - k
            bar, cap_lo, cap_hi, point, label = self._row_items(r["variant"])
            bar.setData([r["lo"], r["hi"]], [y, y])
            cap_lo.setData([r["lo"], r["lo"]], [y - 0.12, y + 0.12])
            cap_hi.setData([r["hi"], r["hi"]], [y - 0.12, y + 0.12])
            point.setData([r["speedup"]], [y])
            label.setText(r["text"])
            label.setPos(x0, y)  # left-aligned inside the plot, above the row's bar: never cut off
        self.plot.setXRange(x0, x1, padding=0)
        self.plot.getAxis("bottom").setTicks([ratio_ticks(x0, x1)])
        self.plot.setYRange(-0.7, n - 0.4, padding=0)

    def _row_items(self, variant: str) -> tuple:
        """The bar, its two caps, the point and the label of ``variant``'s row (made once, then reused).

        Made anew on every redraw they cost 20-50 ms a time on a two-core machine, in the GUI thread.
        """
        items = self._items.get(variant)
        if items is None:
            color = variant_color(variant)
            cap = pg.mkPen(color, width=2)
            items = (pg.PlotDataItem(pen=pg.mkPen(color, width=3)), pg.PlotDataItem(pen=cap),
                     pg.PlotDataItem(pen=cap),
                     pg.PlotDataItem(pen=None, symbol="s", symbolSize=11, symbolBrush=pg.mkBrush(color),
                                     symbolPen=pg.mkPen("w")),
                     pg.TextItem("", color=TEXT_COLOR, anchor=(0, 1.1)))
            for item in items[:-1]:
                self.plot.addItem(item)
            self.plot.addItem(items[-1], ignoreBounds=True)
            self._items[variant] = items
        return items

    def _keep_rows(self, variants: set[str]) -> None:
        """Take away the items of rows no longer shown."""
        for name in [n for n in self._items if n not in variants]:
            for item in self._items.pop(name):
                self.plot.removeItem(item)

    def export_widget(self) -> QWidget:
        return self

