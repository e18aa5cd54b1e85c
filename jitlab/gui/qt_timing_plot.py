"""Per-iteration forward and backward times, one curve per variant.

Two x-linked plots (forward above backward) drawn from the model's numpy
buffers on a ~25 Hz timer, with peak downsampling and clip-to-view; log-y
toggle; hover readout.

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
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from jitlab.gui.colors import WARMUP_BRUSH, variant_color, variant_qcolor
from jitlab.gui.run_model import RunModel
from jitlab.gui.throttle import ThrottledRedraw

#: Redraw period of the live curves (~25 Hz).
REDRAW_MS = 40
#: Curves show point symbols, and thicker lines, up to this many iterations
#: (wide pens are slow to stroke: 40 ms a frame at 10,000 points instead of 10).
SYMBOL_LIMIT = 300
PHASE_TITLES = {"fwd": "forward", "bwd": "backward"}
#: Key suffix of the faded warm-up curves.
WARM = "_warm"

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

    def __init__(self, model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.curves: dict[str, dict[str, pg.PlotDataItem]] = {}
        self._symbols: dict[str, bool] = {}
        self._warm_unbounded: set[str] = set()
        self._warmup_start = -0.5
        self._warm_sample = pg.PlotDataItem(pen=pg.mkPen((150, 150, 150), width=1.2, style=Qt.PenStyle.DashLine),
                                            symbol="o", symbolPen=(150, 150, 150), symbolBrush=None, symbolSize=5)

        self.log_y = QCheckBox("Log scale (y)")
        self.log_y.setToolTip("Logarithmic time axis: shows a long first call and fast steady iterations together")
        self.readout = QLabel("")
        self.readout.setObjectName("hoverReadout")
        self.readout.setMinimumWidth(200)
        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.log_y)
        top.addSpacing(12)
        top.addWidget(self.readout, 1)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.plots: dict[str, pg.PlotItem] = {}
        self.regions: dict[str, pg.LinearRegionItem] = {}
        self.cursor_lines: dict[str, pg.InfiniteLine] = {}
        for row, phase in enumerate(("fwd", "bwd")):
            plot = self.graphics.addPlot(row=row, col=0)
            plot.setLabel("left", f"{PHASE_TITLES[phase]} (ms)")
            plot.getAxis("left").enableAutoSIPrefix(False)  # milliseconds stay milliseconds
            plot.setTitle(f"{PHASE_TITLES[phase]} time per iteration")
            # no grid: pyqtgraph's grid costs ~18 ms a frame; the hover readout gives exact values
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            region = pg.LinearRegionItem(values=(-1.5, -0.5), movable=False, brush=pg.mkBrush(*WARMUP_BRUSH),
                                         pen=pg.mkPen(None))
            region.setZValue(-10)
            region.setVisible(False)
            plot.addItem(region, ignoreBounds=True)
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.PenStyle.DashLine))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.plots[phase], self.regions[phase], self.cursor_lines[phase] = plot, region, line
        self.plots["bwd"].setXLink(self.plots["fwd"])
        self.plots["bwd"].setLabel("bottom", "measured iteration  (warm-up before 0)")
        self.legend = self.plots["fwd"].addLegend(offset=(-10, 10), labelTextColor="k", brush=pg.mkBrush(255, 255, 255, 200))
        self.warmup_label = pg.TextItem("", color=(90, 90, 90), anchor=(0, 0))
        self.plots["fwd"].addItem(self.warmup_label, ignoreBounds=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)

        self.throttle = ThrottledRedraw(self, self.redraw, REDRAW_MS)
        self._hover = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved)
        self.log_y.toggled.connect(self._on_log_toggled)
        self.plots["fwd"].getViewBox().sigRangeChanged.connect(self._place_warmup_label)
        model.sig_reset.connect(self._rebuild)
        model.sig_iterations_added.connect(self.throttle.mark)
        model.sig_finished.connect(self.throttle.now)

    # ---- public API

    def redraw(self) -> None:
        """Push the buffers to the curves now."""
        for name, curves in self.curves.items():
            series = self.model.series.get(name)
            if series is None:
                continue
            meas = ~series.warmup
            lead = series.leading_warmup
            few = series.n <= SYMBOL_LIMIT
            if self._symbols.get(name) != few:
                self._symbols[name] = few
                for key, item in curves.items():
                    item.setSymbol("o" if few else None)
                    if not key.endswith(WARM):
                        item.setPen(pg.mkPen(variant_color(name), width=2 if few else 1))
            if series.measured_count and name not in self._warm_unbounded:
                self._unbound_warmup(name)
            x = np.arange(series.measured_count, dtype=float)
            xw = np.arange(-lead, 0, dtype=float)
            for phase, y in (("fwd", series.fwd), ("bwd", series.bwd)):
                _set(curves[phase], x, y[meas])
                _set(curves[phase + WARM], xw, y[:lead])
        self._update_backward_title()
        self._update_warmup()

    def set_log_y(self, on: bool) -> None:
        self.log_y.setChecked(on)

    # ---- private

    def _rebuild(self) -> None:
        for curves in self.curves.values():
            for key, item in curves.items():
                self.plots[key[:3]].removeItem(item)
        self.legend.clear()
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
            self.legend.removeItem(curves["bwd"])  # one legend entry per variant
            self.curves[name] = curves
        if self.model.variants:
            self.legend.addItem(self._warm_sample, "warm-up (not measured)")
        self.redraw()
        for plot in self.plots.values():
            plot.enableAutoRange()

    def _unbound_warmup(self, name: str) -> None:
        """Once a variant has measured iterations, scale the axes to them: a first call that is
        1000x slower (compile) would otherwise flatten every steady-state curve (log-y shows both)."""
        self._warm_unbounded.add(name)
        for phase, plot in self.plots.items():
            item, view = self.curves[name][phase + WARM], plot.getViewBox()
            if item in getattr(view, "addedItems", []):  # what addItem(ignoreBounds=True) leaves out
                view.addedItems.remove(item)
                view.updateAutoRange()

    def _update_warmup(self) -> None:
        """Shade the warm-up before the first round, as long as the longest variant's."""
        lead = max((series.leading_warmup for series in self.model.series.values()), default=0)
        for region in self.regions.values():
            region.setRegion((-lead - 0.5, -0.5))
            region.setVisible(lead > 0)
        parts = ["first call" + (" (compile's includes compiling)" if "compile" in self.model.variants else ""),
                 "profiling", "settling"]
        self.warmup_label.setText(f"warm-up: {', '.join(parts)}" if lead else "")
        self._warmup_start = -lead - 0.5
        self._place_warmup_label()

    def _place_warmup_label(self, *_args) -> None:
        (x0, _x1), (_y0, y1) = self.plots["fwd"].getViewBox().viewRange()
        self.warmup_label.setPos(max(x0, self._warmup_start), y1)

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
        self.sig_log_y_toggled.emit(on)

    def _on_mouse_moved(self, args) -> None:
        pos = args[0]
        for phase, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(pos):
                point = plot.getViewBox().mapSceneToView(pos)
                self.show_readout(int(round(point.x())), phase)
                return
        for line in self.cursor_lines.values():
            line.setVisible(False)
        self.readout.setText("")

    def show_readout(self, iteration: int, phase: str) -> str:
        """Show the values of every variant at ``iteration`` (hover); returns the plain text."""
        parts_html, parts_text = [], []
        for name in self.model.variants:
            series = self.model.series.get(name)
            value = series.value_at(iteration, phase) if series is not None else None
            if value is None:
                continue
            parts_html.append(f"<span style='color:{variant_color(name)}'>■</span> {name} {value:.3g} ms")
            parts_text.append(f"{name} {value:.3g} ms")
        for line in self.cursor_lines.values():
            line.setPos(iteration)
            line.setVisible(bool(parts_text))
        if not parts_text:
            self.readout.setText("")
            return ""
        where = f"measured iteration {iteration}" if iteration >= 0 else f"warm-up iteration {iteration}"
        head = f"{where} · {PHASE_TITLES[phase]}: "
        self.readout.setText(head + " &nbsp; ".join(parts_html))
        return head + "  ".join(parts_text)

    def export_widget(self) -> QWidget:
        """The widget that chart exports render (both plots and the legend)."""
        return self.graphics


def _set(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """``setData`` that leaves a curve empty rather than all-NaN (no bounds to compute)."""
    finite = np.isfinite(y) & np.isfinite(x)
    if not finite.any():
        item.setData([], [])
    elif finite.all():
        item.setData(x, y)
    else:
        item.setData(x, y, connect="finite")
