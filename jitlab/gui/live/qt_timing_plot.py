"""Per-iteration forward and backward times, one curve per variant.

Two x-linked plots (forward above backward) drawn from views of the model's
iteration columns (:class:`~jitlab.core.session.iterations.IterationStore`) on a
~25 Hz timer, with peak downsampling and clip-to-view; log-y toggle; hover readout. A smaller third plot underneath shows one device
condition sampled after each block (SM clock, temperature, CPU frequency...,
chosen in the top bar), each block's value under its last iteration.

The x axis counts *measured* iterations from 0, so variants line up however
many unmeasured iterations their runner ran (a runner re-warms at the start of
each block). The warm-up before the first round is drawn faded at negative
positions, shaded and labelled; the other unmeasured iterations are not drawn
(they are in the session and the CSV export).
"""

from __future__ import annotations

import warnings

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSplitter, QVBoxLayout,
                               QWidget)

from jitlab.core.present import conditions as C
from jitlab.core.session.iterations import IterationStore
from jitlab.gui.common.chart_style import IterationAxis, robust_upper, set_label, set_title, style_plot
from jitlab.gui.common.colors import WARMUP_BRUSH, variant_color, variant_qcolor
from jitlab.gui.live.qt_speedup_plot import QtSpeedupPlot
from jitlab.gui.live.recompile_marks import RecompileMarks
from jitlab.gui.live.run_model import RunModel
from jitlab.gui.live.throttle import ThrottledRedraw

#: Redraw period of the live curves (~25 Hz).
REDRAW_MS = 40
#: Curves show point symbols, and thicker lines, up to this many iterations
#: (wide pens are slow to stroke: 40 ms a frame at 10,000 points instead of 10).
SYMBOL_LIMIT = 300
PHASE_TITLES = {"fwd": "forward", "bwd": "backward"}
#: Key suffix of the faded warm-up curves.
WARM = "_warm"
#: Key of the conditions plot in :attr:`QtTimingPlot.regions` and ``cursor_lines``.
COND = "cond"
#: Height of the forward, backward and conditions rows, relative to each other.
ROW_STRETCH = (3, 3, 2)
#: Symbol of each variant's conditions curve: variants sampled in one round often read the same
#: clock, and hollow symbols of different shapes stay apart where filled ones would hide each other.
COND_SYMBOLS = {"eager": "o", "script": "s", "trace": "t", "compile": "d", "compile:reduce-overhead": "p",
                "compile:max-autotune": "h", "compile:max-autotune-no-cudagraphs": "star"}
X_LABEL = "measured iteration  (warm-up before 0)"
#: Most outliers drawn at the top edge of a row, per variant: beyond it, one per stretch of
#: 1/EDGE_MARKS of the run. The marks are 9 px wide, so a row shows no more than a few hundred apart;
#: 2,000 of them (the first 2,000, the later ones left out) cost 20-70 ms a redraw in the GUI thread.
EDGE_MARKS = 500
#: Width of every left axis, so the x-linked rows line up whatever their tick labels ("0.2", "1980").
AXIS_WIDTH = 64

# Zoomed into a gap of a curve, pyqtgraph's symbol bounds take nanmin of an all-NaN slice; harmless.
warnings.filterwarnings("ignore", message="All-NaN slice encountered", category=RuntimeWarning,
                        module=r"pyqtgraph\.")


class QtTimingPlot(QWidget):
    """Live timing plots of a :class:`RunModel`.

    Parameters
    ----------
    model : RunModel
    parent : QWidget, optional
    """

    sig_log_y_toggled = Signal(bool)
    """The log-y checkbox changed (the window persists it)."""

    sig_conditions_chosen = Signal(str)
    """The user chose the metric under the timings (a :data:`~jitlab.core.present.conditions.METRICS` key,
    ``""`` for nothing; the window persists it)."""

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.curves: dict[str, dict[str, pg.PlotDataItem]] = {}
        self._symbols: dict[str, bool] = {}
        self._warm_unbounded: set[str] = set()
        self._warmup_start = -0.5
        self._xs = np.arange(0, dtype=float)
        self._warm_sample = pg.PlotDataItem(pen=pg.mkPen((150, 150, 150), width=1.2, style=Qt.PenStyle.DashLine),
                                            symbol="o", symbolPen=(150, 150, 150), symbolBrush=None, symbolSize=5)

        self.log_y = QCheckBox("Log scale (y)")
        self.log_y.setToolTip("Logarithmic time axis: shows a long first call and fast steady iterations together")
        self.readout = QLabel("")
        self.readout.setObjectName("hoverReadout")
        self.readout.setMinimumWidth(200)
        self.conditions = QComboBox()
        self.conditions.setToolTip("Device conditions sampled after every block, drawn under the timings "
                                   "at the block's last iteration: a throttled clock lines up with the "
                                   "iterations it slowed")
        self.conditions.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        conditions_label = QLabel("Under the timings:")
        conditions_label.setBuddy(self.conditions)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.log_y)
        top.addSpacing(12)
        top.addWidget(conditions_label)
        top.addWidget(self.conditions)
        top.addSpacing(12)
        top.addWidget(self.readout, 1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.regions: dict[str, pg.LinearRegionItem] = {}
        self.cursor_lines: dict[str, pg.InfiniteLine] = {}
        self._edge_items: dict[str, list[pg.PlotDataItem]] = {}
        #: The y range is chosen robustly (spikes drawn at the top edge) until the user zooms or pans.
        self.robust_y = True
        for row, phase in enumerate(("fwd", "bwd")):
            plot = self.graphics.addPlot(row=row, col=0, axisItems={"bottom": IterationAxis("bottom")})
            style_plot(plot)
            set_label(plot, "left", f"{PHASE_TITLES[phase]} (ms)")
            plot.getAxis("left").enableAutoSIPrefix(False)  # milliseconds stay milliseconds
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            set_title(plot, f"{PHASE_TITLES[phase]} time per iteration")
            plot.getViewBox().sigRangeChangedManually.connect(self._on_user_range)
            # no grid: pyqtgraph's grid costs ~18 ms a frame; the hover readout gives exact values
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            region, line = _add_overlays(plot)
            self.plots[phase], self.regions[phase], self.cursor_lines[phase] = plot, region, line
        self.plots["bwd"].setXLink(self.plots["fwd"])
        self.recompile_marks = RecompileMarks(self.plots)
        self.x_label = X_LABEL
        set_label(self.plots["bwd"], "bottom", X_LABEL)
        self._build_conditions_plot()
        # beside the plots, opaque: it never covers a curve
        self.legend = pg.LegendItem(labelTextColor="#24292f", brush=pg.mkBrush(255, 255, 255, 255),
                                    pen=pg.mkPen("#d0d7de"))
        self.graphics.addItem(self.legend, row=0, col=1)
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        self.graphics.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.speedups = QtSpeedupPlot(model)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        self.charts = QSplitter(Qt.Orientation.Horizontal)
        self.charts.addWidget(self.graphics)
        self.charts.addWidget(self.speedups)
        self.charts.setStretchFactor(0, 3)
        self.charts.setStretchFactor(1, 1)
        self.charts.setChildrenCollapsible(False)
        layout.addWidget(self.charts, 1)

        self.throttle = ThrottledRedraw(self, self.redraw, REDRAW_MS)
        self._hover = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        self.log_y.toggled.connect(self._on_log_toggled)
        model.sig_reset.connect(self._rebuild)
        model.sig_iterations_added.connect(self.throttle.mark)
        model.sig_samples_added.connect(self.throttle.mark)
        model.sig_finished.connect(self.throttle.now)
        self.conditions.activated.connect(self._on_conditions_activated)

    # ---- public API

    def redraw(self) -> None:
        """Push the model's columns to the curves now."""
        for name, curves in self.curves.items():
            series = self.model.series.get(name)
            if series is None:
                continue
            lead = series.leading_warmup
            few = series.n <= SYMBOL_LIMIT
            if self._symbols.get(name) != few:
                self._symbols[name] = few
                for key, item in curves.items():
                    item.setSymbol("o" if few else None)
                    if not key.endswith(WARM):
                        item.setPen(pg.mkPen(variant_color(name), width=2 if few else 1))
            x = self._positions(series.measured_count)
            xw = np.arange(-lead, 0, dtype=float)
            for phase, y in (("fwd", series.fwd), ("bwd", series.bwd)):
                _set(curves[phase], x, series.measured_values(phase), series.measured_gaps(phase))
                _set(curves[phase + WARM], xw, y[:lead])
        self.recompile_marks.update(self.model)
        self._update_backward_title()
        self._update_warmup()
        self._apply_robust_y()
        self._redraw_conditions()

    def _positions(self, n: int) -> np.ndarray:
        """``0, 1, ..., n-1`` as floats: a view of one array that grows by doubling, not a new one a frame."""
        if self._xs.size < n:
            self._xs = np.arange(max(n, 2 * self._xs.size), dtype=float)
        return self._xs[:n]

    def set_log_y(self, on: bool) -> None:
        self.log_y.setChecked(on)

    @property
    def conditions_metric(self) -> str | None:
        """Key of the metric shown under the timings, or ``None`` (row hidden)."""
        return self._metric

    def set_conditions_metric(self, key: str | None) -> None:
        """Prefer metric ``key`` under the timings (``""``: nothing; ``None``: the default).

        Shown at once if the session has it, else for the next session that has it.
        """
        self._wanted = key
        self._show_metric(self._choice())

    def show_conditions_readout(self, iteration: int) -> str:
        """Show each variant's condition in the block holding ``iteration`` (hover); returns the plain text."""
        if self._metric is None:
            return ""
        metric = C.BY_KEY[self._metric]
        values = {}
        for name in self.model.variants:
            x, y = self._cond_data.get(name, (np.empty(0), np.empty(0)))
            value = C.value_at(x, y, iteration)
            if value is not None:
                values[name] = metric.format(value)
        return self._set_readout(iteration, f"measured iteration {iteration} · {metric.label}: ", values)

    # ---- private

    def _rebuild(self) -> None:
        for curves in self.curves.values():
            for key, item in curves.items():
                self.plots[key[:3]].removeItem(item)
        self.legend.clear()
        self.recompile_marks.clear()
        self.curves, self._symbols, self._warm_unbounded = {}, {}, set()
        for name in self.model.variants:
            color = variant_color(name)
            curves = {}
            for phase, plot in self.plots.items():
                item = pg.PlotDataItem(name=name, pen=pg.mkPen(color, width=2), symbolPen=None,
                                       symbolBrush=pg.mkBrush(color), symbolSize=4)
                faded = variant_qcolor(name, 110)
                warm = pg.PlotDataItem(pen=pg.mkPen(faded, width=1.2, style=Qt.PenStyle.DashLine), symbolPen=faded,
                                       symbolBrush=None, symbolSize=4)
                for it in (item, warm):
                    it.setDownsampling(auto=True, method="peak")
                    it.setClipToView(True)
                    plot.addItem(it)
                curves[phase], curves[phase + WARM] = item, warm
            self.legend.addItem(curves["fwd"], name)  # one legend entry per variant
            self.curves[name] = curves
        if self.model.variants:
            self.legend.addItem(self._warm_sample, "warm-up (first call, profiling, settling)")
        self._rebuild_conditions()
        self.robust_y = True
        for plot in self.plots.values():
            plot.enableAutoRange()
        self.redraw()
        self._fit_conditions_y()

    def _on_user_range(self, *_args) -> None:
        """The user zoomed or panned: their range stays (the plot's "A" button shows everything)."""
        self.robust_y = False
        for phase in self.plots:
            self._set_edges(phase, [])

    def _apply_robust_y(self) -> None:
        """A linear y range that fits every variant's typical iterations; spikes above it sit at the top edge.

        One 1500 ms spike would otherwise flatten medians of 0.3-6 ms into a line at zero. Log scale
        (and a zoom by the user) shows the true range instead.
        """
        if self.log_y.isChecked() or not self.robust_y:
            for phase in self.plots:
                self._set_edges(phase, [])
            return
        for phase, plot in self.plots.items():
            points = []
            shown = self._phase_values(phase)
            top = robust_upper([ym if ym.size else y[1:] if series.n > 1 else y for _name, series, y, ym in shown])
            if top is None:
                self._set_edges(phase, [])
                continue
            plot.enableAutoRange(axis="y", enable=False)
            plot.setYRange(0.0, top, padding=0)
            edge_y = top / 1.04
            for name, series, y, ym in shown:
                lead = series.leading_warmup
                yw = y[:lead]
                xm = edge_marks(np.flatnonzero(ym > top), ym.size).astype(float)
                xw = (edge_marks(np.flatnonzero(yw > top), lead) - lead).astype(float)
                for xs, alpha in ((xm, 255), (xw, 120)):
                    if xs.size:
                        points.append((xs, np.full(xs.size, edge_y), variant_qcolor(name, alpha)))
            self._set_edges(phase, points)

    def _phase_values(self, phase: str) -> list[tuple[str, IterationStore, np.ndarray, np.ndarray]]:
        """``(variant, series, values of the phase, its measured values)`` of every variant with data."""
        out = []
        for name in self.model.variants:
            series = self.model.series.get(name)
            if series is not None and series.n:
                out.append((name, series, series.fwd if phase == "fwd" else series.bwd,
                            series.measured_values(phase)))
        return out

    def _set_edges(self, phase: str, points: list) -> None:
        """Draw ``(x, y, colour)`` groups at the top edge of one row (one item per colour)."""
        items = self._edge_items.setdefault(phase, [])
        while len(items) < len(points):
            item = pg.PlotDataItem(pen=None, symbol="t1", symbolSize=9, symbolPen=None)
            item.setZValue(20)
            self.plots[phase].addItem(item, ignoreBounds=True)
            items.append(item)
        for k, item in enumerate(items):
            xs, ys, color = points[k] if k < len(points) else (np.empty(0), np.empty(0), None)
            key = (xs.size, float(ys[0]) if ys.size else None, color.rgba() if color is not None else None,
                   float(xs[-1]) if xs.size else None)
            if getattr(item, "_drawn", None) == key:  # unchanged: setData would rebuild every symbol
                continue
            item._drawn = key
            if xs.size:
                item.setData(xs, ys, symbolBrush=pg.mkBrush(color))
            else:
                item.setData([], [])

    @property
    def edge_points(self) -> dict[str, int]:
        """How many iterations each row draws at its top edge (above the robust range)."""
        return {phase: sum(0 if i.xData is None else len(i.xData) for i in items)
                for phase, items in self._edge_items.items()}

    def _update_warmup(self) -> None:
        """Shade the warm-up before the first round, as long as the longest variant's, and name it
        under the axis (a label inside the plot would cover the curves)."""
        lead = max((series.leading_warmup for series in self.model.series.values()), default=0)
        for region in self.regions.values():
            region.setRegion((-lead - 0.5, -0.5))
            region.setVisible(lead > 0)
        text = (f"measured iteration   (shaded, before 0: {lead} warm-up iteration{'s' if lead != 1 else ''}, "
                "not measured)") if lead else X_LABEL
        if text != self.x_label:
            self.x_label = text
            cond_shown = self._metric is not None
            for plot, shown in ((self.plots["bwd"], not cond_shown), (self.cond_plot, cond_shown)):
                set_label(plot, "bottom", text)
                plot.showLabel("bottom", shown)  # the title stays under the lowest row only
        self._warmup_start = -lead - 0.5

    def _update_backward_title(self) -> None:
        series = [s for s in self.model.series.values() if s.n]
        none = bool(series) and not any(s.has_backward for s in series)
        title = "backward time per iteration" + (" (none: infer mode or no output requires grad)" if none else "")
        if self.plots["bwd"].titleLabel.text != title:
            self.plots["bwd"].setTitle(title)

    def _on_log_toggled(self, on: bool) -> None:
        for plot in self.plots.values():
            plot.setLogMode(x=False, y=on)
            plot.getAxis("left").setStyle(maxTextLevel=0 if on else 2)  # label decades only: 2..9 crowd
            plot.enableAutoRange()
        self.robust_y = not on
        self._apply_robust_y()
        self.sig_log_y_toggled.emit(on)

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        for phase, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(pos):
                point = plot.getViewBox().mapSceneToView(pos)
                self.show_readout(int(round(point.x())), phase)
                return
        if self._metric is not None and self.cond_plot.sceneBoundingRect().contains(pos):
            point = self.cond_plot.getViewBox().mapSceneToView(pos)
            if self.show_conditions_readout(int(round(point.x()))):
                return
        for line in self.cursor_lines.values():
            line.setVisible(False)
        self.readout.setText("")

    def show_readout(self, iteration: int, phase: str) -> str:
        """Show the values of every variant at ``iteration`` (hover); returns the plain text."""
        values = {}
        for name in self.model.variants:
            series = self.model.series.get(name)
            value = series.value_at(iteration, phase) if series is not None else None
            if value is not None:
                values[name] = f"{value:.3g} ms"
        where = f"measured iteration {iteration}" if iteration >= 0 else f"warm-up iteration {iteration}"
        return self._set_readout(iteration, f"{where} · {PHASE_TITLES[phase]}: ", values)

    def _set_readout(self, iteration: int, head: str, values: dict[str, str]) -> str:
        """Show ``head`` and each variant's value, and the cursor line on every row; returns the plain text."""
        for line in self.cursor_lines.values():
            line.setPos(iteration)
            line.setVisible(bool(values))
        if not values:
            self.readout.setText("")
            return ""
        html = [f"<span style='color:{variant_color(name)}'>■</span> {name} {text}" for name, text in values.items()]
        self.readout.setText(head + " &nbsp; ".join(html))
        return head + "  ".join(f"{name} {text}" for name, text in values.items())

    # ---- the conditions row

    def _build_conditions_plot(self) -> None:
        self._cond_curves: dict[str, pg.PlotDataItem] = {}
        self._cond_data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cond_drawn: tuple | None = None  # what the curves show, to skip identical redraws
        self._keys: list[str] | None = None  # metrics the session has, as listed in the combo
        self._keys_of = -1  # how many samples self._keys was found in
        self._metric: str | None = None
        self._wanted: str | None = None
        plot = self.graphics.addPlot(row=2, col=0, axisItems={"bottom": IterationAxis("bottom")})
        style_plot(plot)
        plot.setXLink(self.plots["fwd"])
        # x follows the timings only: fitted to its own points (the block ends) it would hide the
        # first and the warm-up iterations of the rows above
        plot.enableAutoRange(axis="x", enable=False)
        plot.getAxis("left").enableAutoSIPrefix(False)  # 1980 MHz, not 1.98 kMHz
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        set_label(plot, "bottom", X_LABEL)
        plot.setClipToView(True)
        region, line = _add_overlays(plot)
        plot.setMinimumHeight(0)
        self.cond_plot, self.regions[COND], self.cursor_lines[COND] = plot, region, line
        for row, stretch in enumerate(ROW_STRETCH):
            self.graphics.ci.layout.setRowStretchFactor(row, stretch)
        self._set_conditions_row_shown(False)

    def _rebuild_conditions(self) -> None:
        for item in self._cond_curves.values():
            self.cond_plot.removeItem(item)
        self._cond_curves, self._cond_data, self._cond_drawn, self._keys, self._keys_of = {}, {}, None, None, -1
        for name in self.model.variants:
            color = variant_color(name)
            # hollow symbols: where variants read the same value every shape stays visible
            item = pg.PlotDataItem(pen=pg.mkPen(variant_qcolor(name, 150), width=1.2), stepMode="left",
                                   symbol=COND_SYMBOLS.get(name, "o"), symbolSize=7,
                                   symbolPen=pg.mkPen(color, width=1.5), symbolBrush=None)
            self.cond_plot.addItem(item)
            self._cond_curves[name] = item
        self._refresh_metrics()

    def _refresh_metrics(self) -> None:
        """List the metrics the session has (more appear once a live run's first blocks end)."""
        if len(self.model.samples) == self._keys_of:  # samples are only ever appended
            return
        self._keys_of = len(self.model.samples)
        keys = C.available(self.model.samples)
        if keys == self._keys:
            return
        self._keys = keys
        with QSignalBlocker(self.conditions):
            self.conditions.clear()
            for key in keys:
                self.conditions.addItem(C.BY_KEY[key].label, key)
            self.conditions.addItem("nothing", "")
        self.conditions.setEnabled(bool(keys))
        self._show_metric(self._choice())

    def _choice(self) -> str | None:
        keys = self._keys or []
        if self._wanted == "" or self._wanted in keys:
            return self._wanted or None
        return C.default_metric(keys)

    def _show_metric(self, key: str | None) -> None:
        with QSignalBlocker(self.conditions):
            self.conditions.setCurrentIndex(max(0, self.conditions.findData(key or "")))
        if key == self._metric:
            return
        self._metric = key
        self._cond_drawn = None
        self._set_conditions_row_shown(key is not None)
        if key is not None:
            self.cond_plot.setLabel("left", C.BY_KEY[key].axis_label)
            set_title(self.cond_plot, C.BY_KEY[key].title)
            self._redraw_conditions()
            self._fit_conditions_y()

    def _set_conditions_row_shown(self, on: bool) -> None:
        """Show or hide the third row; the x axis title goes under the lowest row shown."""
        layout = self.graphics.ci.layout
        self.cond_plot.setVisible(on)
        # a hidden item keeps its cell in a QGraphicsGridLayout: shrink the row to nothing instead
        layout.setRowStretchFactor(2, ROW_STRETCH[2] if on else 0)
        self.cond_plot.setMaximumHeight(1e6 if on else 0)
        self.plots["bwd"].showLabel("bottom", not on)
        self.cond_plot.showLabel("bottom", on)
        layout.activate()  # now, not on the next event loop turn: an export may follow at once

    def _redraw_conditions(self) -> None:
        self._refresh_metrics()
        if self._metric is None:
            return
        series = self.model.series
        state = (self._metric, len(self.model.samples), tuple(s.n for s in series.values()))
        if state == self._cond_drawn:
            return
        self._cond_drawn = state
        ends = {name: C.block_ends(s.rounds, s.warmup) for name, s in series.items()}
        self._cond_data = C.curves(self.model.samples, self._metric, ends)
        for name, item in self._cond_curves.items():
            x, y = self._cond_data.get(name, (np.empty(0), np.empty(0)))
            _set(item, x, y)
        if C.BY_KEY[self._metric].y_range is None:
            ys = [y for _x, y in self._cond_data.values()]
            self.cond_plot.getViewBox().setLimits(minYRange=C.min_span(np.concatenate(ys) if ys else np.empty(0)))

    def _fit_conditions_y(self) -> None:
        """Percentages on a fixed 0 to 100 axis; other metrics fitted, never narrower than :func:`min_span`."""
        if self._metric is None:
            return
        fixed = C.BY_KEY[self._metric].y_range
        if fixed is None:
            self.cond_plot.enableAutoRange(axis="y")
        else:
            self.cond_plot.getViewBox().setLimits(minYRange=None)
            self.cond_plot.setYRange(*fixed)

    def _on_conditions_activated(self, index: int) -> None:
        key = self.conditions.itemData(index) or ""
        self._wanted = key
        self._show_metric(key or None)
        self.sig_conditions_chosen.emit(key)

    def export_widget(self) -> QWidget:
        """The widget that chart exports render (the plots, the conditions row if shown, the legend)."""
        return self.graphics


def edge_marks(index: np.ndarray, span: int) -> np.ndarray:
    """The outliers ``index`` (ascending, in ``0..span``) to mark: all, or the first of each
    1/:data:`EDGE_MARKS` of the span that has any (spikes late in the run are marked too)."""
    if index.size <= EDGE_MARKS:
        return index
    bins = index * EDGE_MARKS // max(span, 1)
    return index[np.r_[True, bins[1:] != bins[:-1]]]


def _set(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray, gaps: int | None = None) -> None:
    """``setData`` that leaves a curve empty rather than all-NaN (no bounds to compute).

    ``gaps``: how many of ``y`` are not finite, where the caller knows (``x`` is then finite), so
    that no mask over the whole curve is computed.
    """
    if gaps is None:
        finite = np.isfinite(y) & np.isfinite(x)
        gaps = y.size - int(np.count_nonzero(finite))
    if gaps >= y.size:
        item.setData([], [])
    elif gaps == 0:
        item.setData(x, y)
    else:
        item.setData(x, y, connect="finite")


def _add_overlays(plot: pg.PlotItem) -> tuple[pg.LinearRegionItem, pg.InfiniteLine]:
    """The (hidden) warm-up shading and hover cursor line of one plot row."""
    region = pg.LinearRegionItem(values=(-1.5, -0.5), movable=False, brush=pg.mkBrush(*WARMUP_BRUSH),
                                 pen=pg.mkPen(None))
    region.setZValue(-10)
    region.setVisible(False)
    plot.addItem(region, ignoreBounds=True)
    line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine))
    line.setVisible(False)
    plot.addItem(line, ignoreBounds=True)
    return region, line
