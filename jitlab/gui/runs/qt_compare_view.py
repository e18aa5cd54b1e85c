"""Two runs overlaid: timing per iteration and distributions with the earlier
run dashed, a table with a "vs previous" column, and a graph diff."""

from __future__ import annotations

import html

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from jitlab.gui.common.colors import variant_qcolor
from jitlab.core.present.compare import Comparison, iteration_arrays, median
from jitlab.gui.runs.compare import VsPreviousModel, add_previous_series
from jitlab.core.present.history import entry_from_session
from jitlab.gui.live.qt_distribution import box_stats
from jitlab.gui.runs.qt_graph_diff import QtGraphDiffView

PHASE_TITLES = {"fwd": "forward", "bwd": "backward", "total": "total"}
BOX_HALF = 0.15
#: Variants whose medians differ more than this get a log time axis by default.
LOG_SPREAD = 30.0
#: Each time plot is at least this tall (px), so that its axis labels never overlap.
MIN_PLOT_HEIGHT = 160
#: Fixed width of every left axis (px): the plots' x axes line up.
AXIS_WIDTH = 64


def run_title(session: dict[str, Any]) -> str:
    """``2026-11-26 10:55:44 · gated.py · cpu`` (local time)."""
    e = entry_from_session(session, "")
    return " · ".join(x for x in (e.date_text, e.file, e.device) if x)


def spread(session: dict[str, Any]) -> float:
    """Largest over smallest median total time of the session's variants (1 if fewer than two)."""
    meds = [m for v in (session.get("variants") or {}) if (m := median(session, v)) and m > 0]
    return max(meds) / min(meds) if len(meds) > 1 else 1.0


def box_item(values: np.ndarray, x: float, variant: str, dashed: bool) -> pg.PlotDataItem | None:
    """A box (quartiles, median, whiskers) at ``x`` as one line item."""
    b = box_stats(values)
    if b is None:
        return None
    lo, hi = x - BOX_HALF, x + BOX_HALF
    nan = np.nan
    xs = [lo, hi, hi, lo, lo, nan, lo, hi, nan, x, x, nan, x, x]
    ys = [b["q1"], b["q1"], b["q3"], b["q3"], b["q1"], nan, b["median"], b["median"], nan,
          b["q3"], b["high"], nan, b["q1"], b["low"]]
    pen = pg.mkPen(variant_qcolor(variant, 160 if dashed else 255), width=1.5 if dashed else 2,
                   style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    return pg.PlotDataItem(np.array(xs, float), np.array(ys, float), pen=pen, connect="finite")


class QtCompareView(QWidget):
    """Overlay of a previous and a current run.

    Parameters
    ----------
    a, b : dict, optional
        Two sessions in any order (the earlier one is drawn dashed).
    """

    def __init__(self, a: dict[str, Any] | None = None, b: dict[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None
        self.items: dict[tuple[str, str, str], pg.PlotDataItem] = {}
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.log_y = QCheckBox("Log scale (y)")
        self.log_y.setToolTip("Logarithmic time axes (on by default when variants differ by more than "
                              f"{LOG_SPREAD:.0f}×)")
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.log_y)
        self.timing = pg.GraphicsLayoutWidget()
        self.timing.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.timing.setMinimumHeight(2 * MIN_PLOT_HEIGHT + 60)
        for row, phase in enumerate(("fwd", "bwd")):
            plot = self.timing.addPlot(row=row, col=0)
            plot.setTitle(f"{PHASE_TITLES[phase]} time per steady iteration (previous run dashed)", color="k")
            plot.setLabel("left", f"{PHASE_TITLES[phase]} (ms)", color="k")
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(AXIS_WIDTH)  # both plots' x axes start at the same place
            plot.showGrid(y=True, alpha=0.25)
            self.plots[phase] = plot
        self.plots["bwd"].setXLink(self.plots["fwd"])
        self.plots["bwd"].setLabel("bottom", "steady iteration (1 = each run's first measured one)", color="k")
        self.legend = pg.LegendItem(labelTextColor="k", colCount=1)
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 255))
        self.timing.addItem(self.legend, row=0, col=1, rowspan=2)  # beside the plots: the curves stay uncovered
        self.distribution = pg.GraphicsLayoutWidget()
        self.distribution.setBackground("w")
        self.box_plots: dict[str, pg.PlotItem] = {}
        self.distribution.setMinimumHeight(MIN_PLOT_HEIGHT + 80)
        for col, phase in enumerate(("fwd", "bwd", "total")):
            plot = self.distribution.addPlot(row=0, col=col)
            plot.setTitle(f"{PHASE_TITLES[phase]} (steady)", color="k")
            plot.setLabel("left", "time (ms)", color="k")
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.showGrid(y=True, alpha=0.25)
            self.box_plots[phase] = plot
        self.table_model = VsPreviousModel(parent=self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.caption = QLabel("Previous run dashed (and on the left of each pair); current run solid.")
        self.caption.setStyleSheet("QLabel { color: #24292f; }")
        self.diff = QtGraphDiffView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timing, "Timing")
        self.tabs.addTab(self.distribution, "Distribution")
        self.tabs.addTab(self.diff, "Graph diff")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.table)
        self.log_y.toggled.connect(self._set_log)
        if a is not None and b is not None:
            self.set_sessions(a, b)

    def set_sessions(self, a: dict[str, Any], b: dict[str, Any]) -> None:
        """Compare two sessions (ordered by creation time)."""
        c = self.comparison = Comparison(a, b)
        self.title.setText(f"<b>previous</b> (dashed): {html.escape(run_title(c.previous))} &nbsp;&nbsp;→&nbsp;&nbsp; "
                           f"<b>current</b>: {html.escape(run_title(c.current))}")
        self.table_model.set_comparison(c)
        self._fit_table()
        self._draw_timing()
        self._draw_distribution()
        self.diff.set_sessions(c.previous, c.current)
        wide = max(spread(c.previous), spread(c.current)) > LOG_SPREAD
        if self.log_y.isChecked() != wide:
            self.log_y.setChecked(wide)
        else:
            self._set_log(wide)

    def clear(self) -> None:
        """Forget the comparison shown."""
        self.comparison = None
        self.title.setText("")
        self.table_model.set_comparison(None)
        for plot in (*self.plots.values(), *self.box_plots.values()):
            plot.clear()
        self.legend.clear()
        self.items = {}

    def vs_previous(self) -> dict[str, str]:
        """The table's "vs previous" column (variant → text)."""
        return self.comparison.column() if self.comparison else {}

    # ---- private

    def _fit_table(self) -> None:
        """Every row of the "vs previous" table shown, without a scroll bar."""
        self.table.resizeRowsToContents()
        rows = self.table_model.rowCount()
        height = self.table.horizontalHeader().height() + sum(self.table.rowHeight(r) for r in range(rows))
        self.table.setFixedHeight(height + 2 * self.table.frameWidth() + 2)

    def _draw_timing(self) -> None:
        for plot in self.plots.values():
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
        self.legend.clear()
        self.items = {}
        c = self.comparison
        for variant in c.variants:
            for phase, plot in self.plots.items():
                for which, session, dashed in (("previous", c.previous, True), ("current", c.current, False)):
                    item = add_previous_series(plot, session, variant, phase, which, dashed, steady_only=True,
                                               count=True)
                    if item is not None:
                        self.items[(variant, phase, which)] = item
                        if phase == "fwd":
                            self.legend.addItem(item, item.name())
        for plot in self.plots.values():
            plot.enableAutoRange()

    def _draw_distribution(self) -> None:
        c = self.comparison
        variants = c.variants
        for phase, plot in self.box_plots.items():
            plot.clear()
            for k, variant in enumerate(variants):
                for session, dashed, dx in ((c.previous, True, -0.2), (c.current, False, 0.2)):
                    _, y = iteration_arrays(session, variant, phase, steady_only=True)
                    item = box_item(y, k + dx, variant, dashed)
                    if item is not None:
                        plot.addItem(item)
            plot.getAxis("bottom").setTicks([[(k, v) for k, v in enumerate(variants)]])
            plot.enableAutoRange()

    def _set_log(self, on: bool) -> None:
        for plot in (*self.plots.values(), *self.box_plots.values()):
            plot.setLogMode(x=False, y=on)
            plot.enableAutoRange()
